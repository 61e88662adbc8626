import { createMcpHandler, ProtocolError, ProtocolErrorCode, Server, type CallToolResult } from "@modelcontextprotocol/server";
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
  const server = new Server(
    { name: `worldfarm/${target.name}`, version: "1.0.0" },
    { capabilities: { tools: {} } },
  );
  const known = new Set(target.tools.map((t) => t.name));
  server.setRequestHandler("tools/list", () => ({ tools: target.tools as never }));
  server.setRequestHandler("tools/call", async (request) => {
    const { name, arguments: args } = request.params;
    // An unknown tool breaks the contract the listing made: a protocol error, not a tool result.
    if (!known.has(name)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `unknown tool "${name}"; tools/list names the tools`);
    if (!target.call) {
      return {
        content: [{ type: "text", text: "this endpoint has no world behind it: create one with POST /v1/envs/:env/instances and use its mcpUrl" }],
        isError: true,
      };
    }
    return toolResult(await target.call(name, args ?? {}));
  });
  return server;
}

/**
 * One handler for every instance: MCP's stateless serving builds a server per request, and the target rides in
 * authInfo so the factory knows which world the request is for. Serves 2025-06-18, 2025-11-25 and 2026-07-28.
 */
const handler = createMcpHandler(
  (ctx) => serverFor(ctx.authInfo?.extra?.target as McpTarget),
  { legacy: "stateless", maxRequestBodySize: MAX_MCP_BODY, keepAliveMs: 0 },
);

export function serveMcp(request: Request, target: McpTarget): Promise<Response> {
  return handler.fetch(request, { authInfo: { token: "", clientId: target.name, scopes: [], extra: { target } } });
}
