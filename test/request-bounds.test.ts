import { beforeAll, describe, expect, it } from "vitest";
import { call, createInstance, farm, upload } from "./helpers.ts";

const DEEP = 100_000;
const deep = (inner = "") => "[".repeat(DEEP) + inner + "]".repeat(DEEP);

async function errorOf(res: Response): Promise<{ status: number; code: string | number; message: string }> {
  const body = (await res.json()) as { error: { code: string | number; message: string } };
  return { status: res.status, ...body.error };
}

beforeAll(async () => {
  await upload("memo");
});

describe("what one client can make the farm hold", () => {
  it("answers a /call body over 1 MiB with 413, and one under it normally", async () => {
    const inst = await createInstance("memo");
    const big = JSON.stringify({ tool: "remember", args: { title: "x".repeat(1024 * 1024) } });
    const res = await farm(`/v1/instances/${inst.instanceId}/call`, {
      method: "POST",
      body: big,
      token: inst.token,
      headers: { "content-type": "application/json" },
    });
    expect(await errorOf(res)).toMatchObject({ status: 413, code: "payload_too_large" });
    expect(await call(inst, "remember", { title: "y".repeat(1000) })).toMatchObject({ ok: true });
  });

  it("answers JSON nested 100k deep with 400 on /call, MCP and batch creation", async () => {
    const inst = await createInstance("memo");
    const headers = { "content-type": "application/json" };
    const onCall = await farm(`/v1/instances/${inst.instanceId}/call`, {
      method: "POST",
      body: `{"tool":"recall","args":{"a":${deep()}}}`,
      token: inst.token,
      headers,
    });
    expect(await errorOf(onCall)).toMatchObject({
      status: 400,
      code: "invalid_json",
      message: expect.stringMatching(/nests deeper than 128/),
    });
    const onBatch = await farm("/v1/batches", { method: "POST", body: `{"tasks":${deep()}}`, headers });
    expect(await errorOf(onBatch)).toMatchObject({ status: 400, code: "invalid_json" });
    const mcpHeaders = {
      ...headers,
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
    };
    const toolCall = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"recall","arguments":{"a":${deep()}}}}`;
    const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"a":${deep()}},"clientInfo":{"name":"deep","version":"1"}}}`;
    for (const [path, body, token] of [
      [new URL(inst.mcpUrl).pathname, toolCall, inst.token],
      ["/v1/envs/memo/mcp", initialize, undefined],
    ] as const) {
      const res = await farm(path, { method: "POST", body, headers: mcpHeaders, ...(token ? { token } : {}) });
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message, path).toMatch(
        /nests deeper than 128/,
      );
    }
    expect(await call(inst, "recall")).toMatchObject({ ok: true });
  });

  it("ends a verifier that awaits forever with a timeout error, and the instance keeps answering", async () => {
    const inst = await createInstance("memo");
    const res = await farm(`/v1/instances/${inst.instanceId}/verify`, {
      method: "POST",
      json: { taskId: "wait-forever" },
    });
    expect(await errorOf(res)).toMatchObject({
      status: 422,
      code: "timeout",
      message: expect.stringMatching(/did not finish within 10 s/),
    });
    expect(await call(inst, "recall")).toMatchObject({ ok: true });
  });
});
