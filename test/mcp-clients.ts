/** Real MCP clients for tests: the 1.x SDK for the 2025 revisions, the 2.x client for 2026-07-28, over farmFetch. */
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { expect } from "vitest";
import { farmFetch, type Created } from "./helpers.ts";

export interface ToolListing {
  name: string;
  description?: string;
  inputSchema: {
    type: string;
    properties?: Record<string, { type?: string; description?: string }>;
    required?: string[];
  };
  annotations?: {
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
}

export interface ToolResult {
  content: { type: string; text?: string }[];
  isError?: boolean;
}

/** What the tests need from either SDK's client, whichever protocol revision it speaks. */
export interface Session {
  /** The revision the connection settled on, as the client reports it. */
  version: string | undefined;
  /** The Mcp-Session-Id the server handed out, if any. */
  sessionId(): string | undefined;
  listTools(): Promise<ToolListing[]>;
  callTool(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  /** Headers of every HTTP request the client sent, in order. */
  sent: Headers[];
  terminate(): Promise<void>;
  close(): Promise<void>;
}

/** A fetch for the clients: the farm itself, recording each request's headers and optionally rewriting the body. */
function recordingFetch(sent: Headers[], rewrite?: (body: string) => string): typeof fetch {
  return (input, init) => {
    sent.push(new Headers(init?.headers));
    const body = typeof init?.body === "string" && rewrite ? rewrite(init.body) : init?.body;
    return farmFetch(input, { ...init, body });
  };
}

const auth = (token?: string): RequestInit => (token ? { headers: { authorization: `Bearer ${token}` } } : {});

/**
 * A 1.x SDK client. It always offers its LATEST_PROTOCOL_VERSION (2025-11-25) in initialize and has no option to
 * offer another; `offer` rewrites that one field on the wire, so the server negotiates the older revision and the
 * client (which supports it) carries on with it, as a genuine 2025-06-18 client would.
 */
export async function legacySession(url: string, options: { token?: string; offer?: string } = {}): Promise<Session> {
  const sent: Headers[] = [];
  const rewrite = options.offer
    ? (body: string) => {
        const message = JSON.parse(body) as { method?: string; params?: { protocolVersion?: string } };
        if (message.method !== "initialize" || !message.params) return body;
        message.params.protocolVersion = options.offer;
        return JSON.stringify(message);
      }
    : undefined;
  const transport = new LegacyTransport(new URL(url), {
    fetch: recordingFetch(sent, rewrite),
    requestInit: auth(options.token),
  });
  const client = new LegacyClient({ name: "mcp-test-legacy", version: "1.0.0" });
  await client.connect(transport);
  return {
    version: transport.protocolVersion,
    sessionId: () => transport.sessionId,
    listTools: async () => (await client.listTools()).tools as ToolListing[],
    callTool: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as ToolResult,
    sent,
    terminate: () => transport.terminateSession(),
    close: () => client.close(),
  };
}

/** A 2.x client pinned to 2026-07-28: it connects with server/discover and sends the per-request _meta envelope. */
export async function modernSession(
  url: string,
  options: { token?: string } = {},
): Promise<Session & { era: string | undefined }> {
  const sent: Headers[] = [];
  const transport = new ModernTransport(new URL(url), {
    fetch: recordingFetch(sent),
    requestInit: auth(options.token),
  });
  const client = new ModernClient(
    { name: "mcp-test-modern", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  await client.connect(transport);
  return {
    version: client.getNegotiatedProtocolVersion(),
    era: client.getProtocolEra(),
    sessionId: () => transport.sessionId,
    listTools: async () => (await client.listTools()).tools as ToolListing[],
    callTool: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as ToolResult,
    sent,
    terminate: () => transport.terminateSession(),
    close: () => client.close(),
  };
}

export function text(result: ToolResult): string {
  expect(result.content[0]?.type).toBe("text");
  return result.content[0]!.text!;
}

export function json<T = Record<string, unknown>>(result: ToolResult): T {
  expect(result.isError ?? false).toBe(false);
  return JSON.parse(text(result)) as T;
}

/** One way to connect per protocol revision the farm serves. */
export const revisions: { revision: string; connect: (inst: Created) => Promise<Session> }[] = [
  { revision: "2025-06-18", connect: (inst) => legacySession(inst.mcpUrl, { token: inst.token, offer: "2025-06-18" }) },
  { revision: "2025-11-25", connect: (inst) => legacySession(inst.mcpUrl, { token: inst.token }) },
  { revision: "2026-07-28", connect: (inst) => modernSession(inst.mcpUrl, { token: inst.token }) },
];
