/**
 * Runs in the workerd-limits project: MAX_LIVE_INSTANCES = 3. At the cap every way of making a world (the API, a
 * fork, an MCP session) answers 429 instance_cap and keeps nothing; a deleted or expired instance frees its place.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { InstanceList } from "../workers/shared/instance.ts";
import { call, createInstance, farm, upload, type Created } from "./helpers.ts";
import { legacySession } from "./mcp-clients.ts";
import { BASE } from "./helpers.ts";

beforeAll(async () => {
  await upload("lab");
});

async function refused(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("instance_cap");
  expect(body.error.message).toMatch(/limit of 3 live instances \(MAX_LIVE_INSTANCES\)/);
}

const live = async () => ((await (await farm("/v1/instances")).json()) as InstanceList).total;

const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "cap-test", version: "1" } },
});

describe("the live instance cap", () => {
  it("refuses a fourth world by every route with 429, keeps serving the three, and frees a place on delete or expiry", async () => {
    const made: Created[] = [];
    for (let i = 0; i < 3; i++) made.push(await createInstance("lab"));
    expect(await live()).toBe(3);

    await refused(await farm("/v1/envs/lab/instances", { method: "POST", json: {} }));
    await refused(await farm(`/v1/instances/${made[0]!.instanceId}/fork`, { method: "POST" }));
    await refused(
      await farm("/v1/envs/lab/mcp", {
        method: "POST",
        body: initialize,
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-11-25",
        },
      }),
    );
    // Nothing was kept for the refused ones, and the live worlds still answer.
    expect(await live()).toBe(3);
    expect(await call(made[1]!, "add_note", { title: "still here" })).toMatchObject({ ok: true });

    expect((await farm(`/v1/instances/${made[0]!.instanceId}`, { method: "DELETE" })).status).toBe(204);
    const replacement = await createInstance("lab");
    await refused(await farm("/v1/envs/lab/instances", { method: "POST", json: {} }));

    // Expiry frees a place too: idle since the epoch, as far as the alarm can tell.
    const stub = env.ENV_INSTANCE.getByName(made[2]!.instanceId);
    await runInDurableObject(stub, (_instance, state) => state.storage.kv.put("lastActive", 0));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const session = await legacySession(`${BASE}/v1/envs/lab/mcp`);
    try {
      expect(await live()).toBe(3);
      // A world made for an MCP session idles out after MCP_SESSION_TTL_SECONDS (5 minutes), not the API's hour.
      const info = await runInDurableObject(env.ENV_INSTANCE.getByName(session.sessionId()!), (_i, state) =>
        state.storage.kv.get<{ ttlMs: number }>("meta"),
      );
      expect(info!.ttlMs).toBe(300_000);
    } finally {
      await session.terminate();
      await session.close();
    }
    for (const inst of [made[1]!, replacement]) await farm(`/v1/instances/${inst.instanceId}`, { method: "DELETE" });
    expect(await live()).toBe(0);
  });
});
