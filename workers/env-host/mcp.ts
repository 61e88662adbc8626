import {
  createMcpHandler,
  isLegacyRequest,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  SUPPORTED_PROTOCOL_VERSIONS,
  WebStandardStreamableHTTPServerTransport,
  type CallToolResult,
} from "@modelcontextprotocol/server";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../shared/json-depth.ts";
import type { ToolInfo } from "../shared/manifest.ts";
import type { ToolOutcome } from "./sdk/world.ts";

/** What one MCP exchange serves: an environment's tools and, where there is a world behind them, a way to call them. */
export interface McpTarget {
  name: string;
  tools: ToolInfo[];
  call?: (tool: string, args: unknown) => Promise<ToolOutcome>;
}

export const MAX_MCP_BODY = 1024 * 1024;

function toolResult(outcome: ToolOutcome): CallToolResult {
  if (outcome.ok) return { content: [{ type: "text", text: JSON.stringify(outcome.result) }] };
  return { content: [{ type: "text", text: outcome.message }], isError: true };
}

function serverFor(target: McpTarget): Server {
  const server = new Server({ name: `worldfarm/${target.name}`, version: "1.0.0" }, { capabilities: { tools: {} } });
  const known = new Set(target.tools.map((t) => t.name));
  server.setRequestHandler("tools/list", () => ({ tools: target.tools as never }));
  server.setRequestHandler("tools/call", async (request) => {
    const { name, arguments: args } = request.params;
    // An unknown tool breaks the contract the listing made: a protocol error, not a tool result.
    if (!known.has(name))
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `unknown tool "${name}"; tools/list names the tools`);
    if (!target.call) {
      return {
        content: [
          {
            type: "text",
            text: "this endpoint has no world behind it: create one with POST /v1/envs/:env/instances and use its mcpUrl",
          },
        ],
        isError: true,
      };
    }
    return toolResult(await target.call(name, args ?? {}));
  });
  return server;
}

/**
 * The answer to an MCP request whose world went away while serving it: a tool call gets a tool error (the agent
 * sees it, as it would any failed call), anything else a JSON-RPC error.
 */
export function mcpFailure(request: { url: string; method: string; body: string | null }, message: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body ?? "null");
  } catch {
    parsed = null;
  }
  const one = (m: unknown) => {
    const { id = null, method } = (m ?? {}) as { id?: unknown; method?: unknown };
    return method === "tools/call"
      ? { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: message }], isError: true } }
      : { jsonrpc: "2.0", id, error: { code: -32603, message } };
  };
  const body = Array.isArray(parsed) ? parsed.map(one) : one(parsed);
  return {
    url: request.url,
    method: request.method,
    status: 200,
    headers: [["content-type", "application/json"]] as [string, string][],
    body: JSON.stringify(body),
  };
}

/**
 * Every request builds its server: MCP's stateless serving keeps nothing between requests, and the target world
 * rides in authInfo so the factory knows which it is. 2026-07-28 requests go to the SDK's handler as they are.
 */
const modern = createMcpHandler((ctx) => serverFor(ctx.authInfo?.extra?.target as McpTarget), {
  legacy: "reject",
  maxRequestBodySize: MAX_MCP_BODY,
  keepAliveMs: 0,
});

/** A body that is not JSON stays unparsed, so the SDK answers it with its own parse error. */
async function parseJsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const only = (o: Record<string, unknown>, keys: string[]) => Object.keys(o).every((k) => keys.includes(k));

/**
 * The one message agents send most, a single 2025-era `tools/call` of a known tool, answered without the SDK's
 * transport and server (their per-request setup and zod parsing were most of a call's own cost). It is taken only
 * when it is plainly valid by the checks the SDK's stateless transport makes (Accept, Content-Type, protocol
 * version, a JSON-RPC request with an integer or string id, params of just name and object arguments); anything
 * else goes to the SDK, which answers it as before. test/mcp.test.ts holds the two answers equal.
 */
export function directToolCall(
  request: Request,
  body: unknown,
  known: Set<string>,
): { id: string | number; name: string; args: Record<string, unknown> } | undefined {
  const accept = request.headers.get("accept");
  if (!accept?.includes("application/json") || !accept.includes("text/event-stream")) return undefined;
  if (request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() !== "application/json") return undefined;
  const version = request.headers.get("mcp-protocol-version");
  if (version !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return undefined;
  if (
    !isPlainObject(body) ||
    body.jsonrpc !== "2.0" ||
    body.method !== "tools/call" ||
    !only(body, ["jsonrpc", "id", "method", "params"])
  )
    return undefined;
  const { id, params } = body;
  if (
    !(typeof id === "string" || Number.isSafeInteger(id)) ||
    !isPlainObject(params) ||
    !only(params, ["name", "arguments"])
  )
    return undefined;
  if (typeof params.name !== "string" || !known.has(params.name)) return undefined;
  if (params.arguments !== undefined && !isPlainObject(params.arguments)) return undefined;
  return { id: id as string | number, name: params.name, args: params.arguments ?? {} };
}

/**
 * MCP 2025-06-18, 2025-11-25 and 2026-07-28 for one target. 2025-era requests get the SDK's stateless transport
 * with JSON responses (its own legacy fallback answers with a one-event SSE stream, a stream per call for nothing),
 * and reuse idle servers: building a Server per request cost ~0.9 ms of a ~4 ms call here.
 */
export class McpEndpoint {
  private readonly idle: Server[] = [];
  private readonly known: Set<string>;

  constructor(private readonly target: McpTarget) {
    this.known = new Set(target.tools.map((t) => t.name));
  }

  async serve(request: Request): Promise<Response> {
    // Parsed once here rather than by the classifier and again by the transport.
    const parsedBody = request.method === "POST" ? await parseJsonBody(request.clone()) : undefined;
    if (nestsDeeperThan(parsedBody)) {
      return Response.json(
        {
          jsonrpc: "2.0",
          id: null,
          error: { code: -32700, message: `the message nests deeper than ${MAX_JSON_DEPTH} levels` },
        },
        { status: 400 },
      );
    }
    if (!(await isLegacyRequest(request, parsedBody, { maxRequestBodySize: MAX_MCP_BODY }))) {
      return modern.fetch(request, {
        authInfo: { token: "", clientId: this.target.name, scopes: [], extra: { target: this.target } },
      });
    }
    if (request.method !== "POST") {
      return Response.json(
        { jsonrpc: "2.0", id: null, error: { code: -32000, message: "Method not allowed." } },
        { status: 405, headers: { allow: "POST" } },
      );
    }
    const direct = this.target.call && directToolCall(request, parsedBody, this.known);
    if (direct) {
      const reply = {
        jsonrpc: "2.0",
        id: direct.id,
        result: toolResult(await this.target.call!(direct.name, direct.args)),
      };
      return Response.json(reply, { status: 200, headers: { "Content-Type": "application/json" } });
    }
    // A server serves one request at a time; concurrent requests each take their own.
    const server = this.idle.pop() ?? serverFor(this.target);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: MAX_MCP_BODY,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request, parsedBody === undefined ? {} : { parsedBody });
    } finally {
      await transport.close();
      this.idle.push(server);
    }
  }
}
