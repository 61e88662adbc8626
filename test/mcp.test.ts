/**
 * MCP over HTTP, end to end: real MCP clients (the 1.x SDK for the 2025 revisions, the 2.x client for 2026-07-28)
 * talk to the Worker through farmFetch, so every request crosses the same routes, auth and body limits that a
 * deployed farm applies. Raw JSON-RPC is used only where a well-behaved client cannot send the request (bad JSON,
 * unknown methods, oversized bodies).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, createInstance, farm, upload, type Created } from "./helpers.ts";
import { directToolCall } from "../workers/env-host/mcp.ts";
import { json, legacySession, modernSession, revisions, text, type Session } from "./mcp-clients.ts";

beforeAll(async () => {
  await upload("lab");
});

const LAB_TOOLS = ["add_note", "list_notes", "delete_note", "new_token", "write_then_fail", "spin", "recurse"];
const ENV_MCP = `${BASE}/v1/envs/lab/mcp`;
const RUNAWAY = /probable infinite loop/;

async function noteTitles(session: Session): Promise<string[]> {
  return json<{ notes: { id: number; title: string }[] }>(await session.callTool("list_notes")).notes.map(
    (n) => n.title,
  );
}

const SEEDED = ["note 1", "note 2", "note 3", "note 4", "note 5"];

// ---------------------------------------------------------------------------------------------------------------
// Raw JSON-RPC, for requests a client would never send

interface RpcReply {
  status: number;
  body: {
    jsonrpc?: string;
    id?: unknown;
    result?: Record<string, unknown>;
    error?: { code: number | string; message: string };
  };
}

/** POSTs a body to an MCP endpoint and reads the reply, whether it came as JSON or as one SSE message. */
async function rawPost(
  path: string,
  body: BodyInit,
  headers: Record<string, string> = {},
  token?: string,
): Promise<RpcReply> {
  const res = await farm(path, {
    method: "POST",
    body,
    token,
    headers: { accept: "application/json, text/event-stream", "content-type": "application/json", ...headers },
  });
  const raw = await res.text();
  if (!(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    return { status: res.status, body: raw ? JSON.parse(raw) : {} };
  }
  const data = raw
    .split("\n")
    .filter((l) => l.startsWith("data:"))
    .map((l) => l.slice(5).trim());
  expect(data.length).toBeGreaterThan(0);
  return { status: res.status, body: JSON.parse(data[0]!) };
}

/** A 2025-era request: stateless serving answers it without an initialize first. */
function legacyRpc(inst: Created, message: unknown, version = "2025-11-25") {
  return rawPost(
    new URL(inst.mcpUrl).pathname,
    JSON.stringify(message),
    { "mcp-protocol-version": version },
    inst.token,
  );
}

/** A 2026-07-28 request: the version header, the Mcp-Method (and Mcp-Name) headers, and the _meta envelope. */
function modernRpc(inst: Created, method: string, params: Record<string, unknown> = {}) {
  const envelope = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": { name: "mcp-test-raw", version: "1.0.0" },
    "io.modelcontextprotocol/clientCapabilities": {},
  };
  const headers: Record<string, string> = { "mcp-protocol-version": "2026-07-28", "mcp-method": method };
  if (typeof params.name === "string") headers["mcp-name"] = params.name;
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: envelope } });
  return rawPost(new URL(inst.mcpUrl).pathname, body, headers, inst.token);
}

const randomHex = () => crypto.randomUUID().replaceAll("-", "");

// ---------------------------------------------------------------------------------------------------------------

describe.each(revisions)("instance MCP with a $revision client", ({ revision, connect }) => {
  it(`negotiates ${revision} and sends it on every later request`, async () => {
    const inst = await createInstance("lab");
    const session = await connect(inst);
    expect(session.version).toBe(revision);
    await session.listTools();
    // The 1.x client's very first request (initialize) carries no version header; everything after it must.
    const after = revision.startsWith("2025") ? session.sent.slice(1) : session.sent;
    expect(after.length).toBeGreaterThan(0);
    for (const headers of after) expect(headers.get("mcp-protocol-version")).toBe(revision);
    await session.close();
  });

  it("lists the lab tools with JSON Schema inputs and annotations", async () => {
    const session = await connect(await createInstance("lab"));
    const tools = await session.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...LAB_TOOLS].sort());
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));

    const add = byName.add_note!;
    expect(add.description).toBe("Add a note.");
    expect(add.inputSchema.type).toBe("object");
    expect(add.inputSchema.properties?.title).toMatchObject({ type: "string", description: "note title" });
    expect(add.inputSchema.properties?.body).toMatchObject({ type: "string", description: "note text" });
    expect(add.inputSchema.required).toEqual(["title"]);
    expect(add.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });

    expect(byName.list_notes!.inputSchema).toMatchObject({ type: "object", properties: {} });
    expect(byName.list_notes!.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(byName.delete_note!.inputSchema.properties?.id).toMatchObject({ type: "integer" });
    expect(byName.delete_note!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe("object");
      expect(tool.inputSchema.properties, tool.name).toBeTypeOf("object");
      expect(tool.annotations?.readOnlyHint, tool.name).toBeTypeOf("boolean");
      expect(tool.annotations?.openWorldHint, tool.name).toBe(false);
    }
    await session.close();
  });

  it("adds a note with add_note and then sees it in list_notes", async () => {
    const session = await connect(await createInstance("lab"));
    const added = await session.callTool("add_note", { title: `from ${revision}`, body: "hello" });
    const { id } = json<{ id: number }>(added);
    expect(id).toBe(6);
    const listed = json<{ notes: { id: number; title: string }[] }>(await session.callTool("list_notes"));
    expect(listed.notes).toContainEqual({ id, title: `from ${revision}` });
    expect(listed.notes).toHaveLength(6);
    await session.close();
  });

  it("rejects a call to an unknown tool with a -32602 protocol error, not a tool result", async () => {
    const session = await connect(await createInstance("lab"));
    await expect(session.callTool("no_such_tool")).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining("no_such_tool"),
    });
    await session.close();
  });

  it("reports arguments that fail the tool's schema as an isError result naming the field", async () => {
    const session = await connect(await createInstance("lab"));
    const wrongType = await session.callTool("add_note", { title: 5 });
    expect(wrongType.isError).toBe(true);
    expect(text(wrongType)).toMatch(/invalid arguments for add_note/);
    expect(text(wrongType)).toMatch(/expected string, received number[\s\S]*title/);
    expect(await noteTitles(session)).toEqual(SEEDED);
    await session.close();
  });
});

describe("instance MCP auth", () => {
  const listTools = { jsonrpc: "2.0", id: 1, method: "tools/list" };

  it("answers 401 with {error:{code,message}} when there is no bearer token", async () => {
    const inst = await createInstance("lab");
    const reply = await rawPost(new URL(inst.mcpUrl).pathname, JSON.stringify(listTools), {
      "mcp-protocol-version": "2025-11-25",
    });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: { code: "unauthorized", message: expect.stringContaining("instance token") } });
  });

  it("answers 401 to another instance's token", async () => {
    const a = await createInstance("lab");
    const b = await createInstance("lab");
    const reply = await rawPost(
      new URL(b.mcpUrl).pathname,
      JSON.stringify(listTools),
      { "mcp-protocol-version": "2025-11-25" },
      a.token,
    );
    expect(reply.status).toBe(401);
    expect(reply.body.error).toMatchObject({ code: "unauthorized" });
    // and a real client holding the wrong token cannot connect at all
    await expect(legacySession(b.mcpUrl, { token: a.token })).rejects.toThrow();
    await expect(modernSession(b.mcpUrl, { token: a.token })).rejects.toThrow();
  });

  it("answers 401 to a made-up token, even for an instance that does not exist", async () => {
    const reply = await rawPost(
      `/v1/instances/${randomHex()}/mcp`,
      JSON.stringify(listTools),
      { "mcp-protocol-version": "2025-11-25" },
      "not-a-real-token",
    );
    expect(reply.status).toBe(401);
    expect(reply.body.error).toMatchObject({ code: "unauthorized" });
  });

  it("answers 200 to the instance's own token", async () => {
    const inst = await createInstance("lab");
    const reply = await legacyRpc(inst, listTools);
    expect(reply.status).toBe(200);
    expect(reply.body.result?.tools).toHaveLength(LAB_TOOLS.length);
  });

  it("answers 404 to a deleted instance's own (still valid) token", async () => {
    const inst = await createInstance("lab");
    expect((await farm(`/v1/instances/${inst.instanceId}`, { method: "DELETE" })).status).toBe(204);
    const reply = await legacyRpc(inst, listTools);
    expect(reply.status).toBe(404);
    expect(reply.body.error).toMatchObject({ code: "instance_not_found" });
  });
});

describe("instance isolation over MCP", () => {
  it("keeps a write through one instance's MCP out of another instance", async () => {
    const a = await createInstance("lab");
    const b = await createInstance("lab");
    const sa = await legacySession(a.mcpUrl, { token: a.token });
    const sb = await modernSession(b.mcpUrl, { token: b.token });
    json(await sa.callTool("add_note", { title: "only in A" }));
    expect(await noteTitles(sa)).toContain("only in A");
    expect(await noteTitles(sb)).toEqual(SEEDED);
    json(await sb.callTool("add_note", { title: "only in B" }));
    expect(await noteTitles(sa)).not.toContain("only in B");
    await sa.close();
    await sb.close();
  });
});

describe("per-environment MCP sessions (/v1/envs/:env/mcp)", () => {
  it("gives each 2025-era connection its own instance, named by its session id", async () => {
    const one = await legacySession(ENV_MCP);
    const two = await legacySession(ENV_MCP);
    const id1 = one.sessionId();
    const id2 = two.sessionId();
    expect(id1).toMatch(/^[0-9a-f]{32}$/);
    expect(id2).toMatch(/^[0-9a-f]{32}$/);
    expect(id1).not.toBe(id2);
    for (const id of [id1, id2]) {
      const res = await farm(`/v1/instances/${id}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ instanceId: id, env: "lab" });
    }
    expect((await one.listTools()).map((t) => t.name).sort()).toEqual([...LAB_TOOLS].sort());
    await one.terminate();
    await two.terminate();
  });

  it("keeps a session's writes within that session, across requests", async () => {
    const one = await legacySession(ENV_MCP);
    const two = await legacySession(ENV_MCP);
    expect(json<{ id: number }>(await one.callTool("add_note", { title: "session one" })).id).toBe(6);
    expect(await noteTitles(one)).toEqual([...SEEDED, "session one"]);
    expect(await noteTitles(two)).toEqual(SEEDED);
    expect(json<{ id: number }>(await two.callTool("add_note", { title: "session two" })).id).toBe(6);
    expect(await noteTitles(one)).toEqual([...SEEDED, "session one"]);
    expect(await noteTitles(two)).toEqual([...SEEDED, "session two"]);
    await one.terminate();
    await two.terminate();
  });

  it("deletes the session's instance when the client terminates the session", async () => {
    const session = await legacySession(ENV_MCP);
    const id = session.sessionId()!;
    json(await session.callTool("add_note", { title: "doomed" }));
    expect((await farm(`/v1/instances/${id}`)).status).toBe(200);
    await session.terminate();
    expect(session.sessionId()).toBeUndefined();
    const gone = await farm(`/v1/instances/${id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: { code: "instance_not_found" } });
    // the old session id no longer opens anything
    const reply = await rawPost("/v1/envs/lab/mcp", JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), {
      "mcp-protocol-version": "2025-11-25",
      "mcp-session-id": id,
    });
    expect(reply.status).toBe(404);
  });

  it("asks a 2025-era request without a session to initialize first (-32600)", async () => {
    const reply = await rawPost("/v1/envs/lab/mcp", JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), {
      "mcp-protocol-version": "2025-11-25",
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: -32600, message: expect.stringContaining("initialize") });
  });

  it("answers 404 to a malformed or unknown session id", async () => {
    const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const malformed = await rawPost("/v1/envs/lab/mcp", list, {
      "mcp-protocol-version": "2025-11-25",
      "mcp-session-id": "not-a-session",
    });
    expect(malformed.status).toBe(404);
    expect(malformed.body.error).toMatchObject({ code: -32001 });
    const unknown = await rawPost("/v1/envs/lab/mcp", list, {
      "mcp-protocol-version": "2025-11-25",
      "mcp-session-id": randomHex(),
    });
    expect(unknown.status).toBe(404);
  });

  it("lets a 2026-07-28 client list the tools, but sends its tool calls to an instance", async () => {
    const session = await modernSession(ENV_MCP);
    expect(session.version).toBe("2026-07-28");
    expect(session.sessionId()).toBeUndefined();
    expect((await session.listTools()).map((t) => t.name).sort()).toEqual([...LAB_TOOLS].sort());
    const call = await session.callTool("list_notes");
    expect(call.isError).toBe(true);
    expect(text(call)).toMatch(/no world behind it.*\/v1\/envs\/:env\/instances/);
    await session.close();
  });
});

describe("the direct tools/call path", () => {
  // A batch of one always goes through the SDK's transport and server; a single plain tools/call does not.
  const both = async (inst: Created, message: Record<string, unknown>, headers: Record<string, string>) => {
    const path = new URL(inst.mcpUrl).pathname;
    const single = await rawPost(path, JSON.stringify(message), headers, inst.token);
    const batch = await rawPost(path, JSON.stringify([message]), headers, inst.token);
    // The SDK answers a batch holding one request with that one reply, unwrapped.
    expect(Array.isArray(batch.body)).toBe(false);
    return { single, viaSdk: batch };
  };

  it("answers exactly as the SDK does: results, tool errors, string and number ids, every 2025 revision", async () => {
    const inst = await createInstance("lab");
    const calls = [
      { name: "list_notes", arguments: {} },
      { name: "list_notes" },
      { name: "add_note", arguments: { title: 42 } },
      { name: "delete_note", arguments: { id: 999_999 } },
    ];
    for (const version of ["2025-06-18", "2025-11-25", "2025-03-26", undefined]) {
      for (const [i, params] of calls.entries()) {
        const id = i % 2 ? `call-${i}` : i;
        const headers: Record<string, string> = version ? { "mcp-protocol-version": version } : {};
        const { single, viaSdk } = await both(inst, { jsonrpc: "2.0", id, method: "tools/call", params }, headers);
        expect(single, `${version} ${JSON.stringify(params)}`).toEqual(viaSdk);
        expect(single.body.id).toBe(id);
      }
    }
    expect(
      json(await legacySession(inst.mcpUrl, { token: inst.token }).then((s) => s.callTool("list_notes"))),
    ).toHaveProperty("notes");
  });

  it("takes a plain single tools/call of a known tool, and nothing else", () => {
    const known = new Set(["list_notes"]);
    const req = (headers: Record<string, string> = {}) =>
      new Request("http://farm.test/", {
        method: "POST",
        headers: { accept: "application/json, text/event-stream", "content-type": "application/json", ...headers },
      });
    const call = { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "list_notes", arguments: { a: 1 } } };
    expect(directToolCall(req({ "mcp-protocol-version": "2025-06-18" }), call, known)).toEqual({
      id: 3,
      name: "list_notes",
      args: { a: 1 },
    });
    for (const [what, request, body] of [
      ["a batch", req(), [call]],
      ["an unknown tool", req(), { ...call, params: { name: "other" } }],
      ["_meta in params", req(), { ...call, params: { ...call.params, _meta: {} } }],
      ["a null id", req(), { ...call, id: null }],
      ["another method", req(), { ...call, method: "tools/list" }],
      ["an unsupported version", req({ "mcp-protocol-version": "2026-07-28" }), call],
      ["Accept without SSE", req({ accept: "application/json" }), call],
      ["text/plain", req({ "content-type": "text/plain" }), call],
    ] as const)
      expect(directToolCall(request, body, known), what).toBeUndefined();
  });

  it("leaves to the SDK what it does not plainly accept, which answers it as an error", async () => {
    const inst = await createInstance("lab");
    const path = new URL(inst.mcpUrl).pathname;
    const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_notes", arguments: {} } };
    const post = (message: unknown, headers: Record<string, string> = {}) =>
      rawPost(path, JSON.stringify(message), headers, inst.token);
    const unsupported = await post(call, { "mcp-protocol-version": "1999-01-01" });
    expect(unsupported.status).toBe(400);
    const notAcceptable = await post(call, { accept: "application/json" });
    expect(notAcceptable.status).toBe(406);
    const arrayArgs = await post({ ...call, params: { name: "list_notes", arguments: [] } });
    expect(arrayArgs.body.error?.code).toBe(-32602);
    const fractionalId = await post({ ...call, id: 1.5 });
    expect(fractionalId.status).toBe(400);
    const unknownTool = await post({ ...call, params: { name: "no_such_tool", arguments: {} } });
    expect(unknownTool.body.error?.code).toBe(-32602);
  });
});

describe("MCP bad input", () => {
  it("answers malformed JSON with a -32700 parse error (2025 and 2026 revisions)", async () => {
    const inst = await createInstance("lab");
    const path = new URL(inst.mcpUrl).pathname;
    for (const version of ["2025-06-18", "2025-11-25", "2026-07-28"]) {
      const reply = await rawPost(
        path,
        '{"jsonrpc": "2.0", "id": 1, "method": ',
        { "mcp-protocol-version": version },
        inst.token,
      );
      expect(reply.status, version).toBe(400);
      expect(reply.body, version).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    }
  });

  it("answers an unknown method with -32601 (2025 and 2026 revisions)", async () => {
    const inst = await createInstance("lab");
    const legacy = await legacyRpc(inst, { jsonrpc: "2.0", id: 7, method: "tools/frobnicate", params: {} });
    expect(legacy.body).toMatchObject({ id: 7, error: { code: -32601 } });
    const modern = await modernRpc(inst, "tools/frobnicate");
    expect(modern.body).toMatchObject({ id: 1, error: { code: -32601 } });
  });

  it("answers tools/call of an unknown tool with -32602 (raw 2025 and 2026 requests)", async () => {
    const inst = await createInstance("lab");
    const legacy = await legacyRpc(inst, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "nope", arguments: {} },
    });
    expect(legacy.body).toMatchObject({ error: { code: -32602, message: expect.stringContaining('"nope"') } });
    expect(legacy.body.result).toBeUndefined();
    const modern = await modernRpc(inst, "tools/call", { name: "nope", arguments: {} });
    expect(modern.body).toMatchObject({ error: { code: -32602, message: expect.stringContaining('"nope"') } });
  });

  it("reports a missing required argument as an isError result naming the field", async () => {
    const inst = await createInstance("lab");
    const session = await legacySession(inst.mcpUrl, { token: inst.token });
    const missing = await session.callTool("add_note", {});
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/invalid arguments for add_note[\s\S]*received undefined[\s\S]*title/);
    const badId = await session.callTool("delete_note", { id: "one" });
    expect(badId.isError).toBe(true);
    expect(text(badId)).toMatch(/invalid arguments for delete_note[\s\S]*\bid\b/);
    expect(await noteTitles(session)).toEqual(SEEDED);
    await session.close();
  });

  it("reports a tool that throws after writing as isError, and keeps none of its write", async () => {
    const inst = await createInstance("lab");
    const session = await legacySession(inst.mcpUrl, { token: inst.token });
    const failed = await session.callTool("write_then_fail");
    expect(failed.isError).toBe(true);
    expect(text(failed)).toBe("failed after writing");
    const titles = await noteTitles(session);
    expect(titles).not.toContain("partial");
    expect(titles).toEqual(SEEDED);
    // the next write gets the id the rolled-back one would have taken
    expect(json<{ id: number }>(await session.callTool("add_note", { title: "after" })).id).toBe(6);
    await session.close();
  });

  it("reports a tool refusing the request (delete_note of a missing id) as isError", async () => {
    const inst = await createInstance("lab");
    const session = await modernSession(inst.mcpUrl, { token: inst.token });
    const result = await session.callTool("delete_note", { id: 999 });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe("no note 999");
    await session.close();
  });

  it("stops spin as a probable infinite loop, and the instance and others keep answering", async () => {
    const inst = await createInstance("lab");
    const other = await createInstance("lab");
    const session = await legacySession(inst.mcpUrl, { token: inst.token });
    const result = await session.callTool("spin");
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(RUNAWAY);
    expect(await noteTitles(session)).toEqual(SEEDED);
    expect(json<{ id: number }>(await session.callTool("add_note", { title: "still alive" })).id).toBe(6);
    const otherSession = await modernSession(other.mcpUrl, { token: other.token });
    expect(await noteTitles(otherSession)).toEqual(SEEDED);
    await session.close();
    await otherSession.close();
  });

  it("stops recurse with isError, and the instance and others keep answering", async () => {
    const inst = await createInstance("lab");
    const other = await createInstance("lab");
    const session = await legacySession(inst.mcpUrl, { token: inst.token });
    const result = await session.callTool("recurse");
    expect(result.isError).toBe(true);
    expect(await noteTitles(session)).toEqual(SEEDED);
    expect(json<{ id: number }>(await session.callTool("add_note", { title: "still alive" })).id).toBe(6);
    const otherSession = await modernSession(other.mcpUrl, { token: other.token });
    expect(await noteTitles(otherSession)).toEqual(SEEDED);
    await session.close();
    await otherSession.close();
  });

  it("reports recurse as a probable infinite loop, like spin", async () => {
    const inst = await createInstance("lab");
    const session = await legacySession(inst.mcpUrl, { token: inst.token });
    const result = await session.callTool("recurse");
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(RUNAWAY);
    await session.close();
  });

  it("answers a body over 1 MiB with 413, on the instance and the per-env endpoint", async () => {
    const inst = await createInstance("lab");
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "add_note", arguments: { title: "x".repeat(1024 * 1024) } },
    });
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const headers = { "mcp-protocol-version": "2025-11-25" };
    const onInstance = await rawPost(new URL(inst.mcpUrl).pathname, big, headers, inst.token);
    expect(onInstance.status).toBe(413);
    expect(onInstance.body).toEqual({
      error: { code: "payload_too_large", message: expect.stringContaining("1048576") },
    });
    const onEnv = await rawPost("/v1/envs/lab/mcp", big, headers);
    expect(onEnv.status).toBe(413);
    expect(onEnv.body.error).toMatchObject({ code: "payload_too_large" });
    // a body just under the limit still gets through to the tool
    const fits = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "add_note", arguments: { title: "y".repeat(1000 * 1000) } },
    });
    const ok = await rawPost(new URL(inst.mcpUrl).pathname, fits, headers, inst.token);
    expect(ok.status).toBe(200);
    expect(ok.body.result).toMatchObject({ content: [{ type: "text", text: '{"id":6}' }] });
  });

  it("answers a streamed body over 1 MiB (no Content-Length) with 413", async () => {
    const inst = await createInstance("lab");
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 20) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await farm(new URL(inst.mcpUrl).pathname, {
      method: "POST",
      body: stream,
      token: inst.token,
      headers: {
        accept: "application/json, text/event-stream",
        "content-type": "application/json",
        "mcp-protocol-version": "2025-11-25",
      },
    });
    expect(res.status).toBe(413);
  });

  it("answers 404 for an instance id that was never created, and for malformed ids", async () => {
    const never = randomHex();
    const res = await farm(`/v1/instances/${never}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "instance_not_found", message: expect.any(String) } });
    const inst = await createInstance("lab");
    for (const bad of [
      "xyz",
      inst.instanceId.toUpperCase(),
      inst.instanceId.slice(1),
      `${inst.instanceId}0`,
      "..%2F",
    ]) {
      const get = await farm(`/v1/instances/${bad}`);
      expect(get.status, bad).toBe(404);
      expect(await get.json(), bad).toMatchObject({ error: { code: "instance_not_found" } });
      const mcp = await rawPost(`/v1/instances/${bad}/mcp`, "{}", { "mcp-protocol-version": "2025-11-25" }, inst.token);
      expect(mcp.status, bad).toBe(404);
    }
  });
});
