import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { InstanceList } from "../workers/shared/instance.ts";
import { call, createInstance, farm, upload } from "./helpers.ts";

beforeAll(async () => {
  for (const name of ["lab", "shop"]) await upload(name);
});

async function list(query = ""): Promise<InstanceList> {
  const res = await farm(`/v1/instances${query}`);
  expect(res.status).toBe(200);
  return res.json();
}

const ids = (l: InstanceList) => l.instances.map((i) => i.instanceId);

describe("GET /v1/instances", () => {
  it("lists live instances newest first, with their counters, filtered by environment and paged", async () => {
    const a = await createInstance("lab");
    const b = await createInstance("shop");
    const c = await createInstance("lab");
    await call(c, "add_note", { title: "eggs" });
    const all = await list();
    expect(ids(all).slice(0, 3)).toEqual([c.instanceId, b.instanceId, a.instanceId]);
    expect(all.total).toBeGreaterThanOrEqual(3);
    expect(all.instances[0]).toMatchObject({ env: "lab", bundleId: c.bundleId, counters: { calls: 1 } });

    const labs = await list("?env=lab");
    expect(labs.instances.every((i) => i.env === "lab")).toBe(true);
    expect(ids(labs)).toEqual(expect.arrayContaining([a.instanceId, c.instanceId]));
    expect(ids(labs)).not.toContain(b.instanceId);

    const page = await list("?env=lab&offset=1&limit=1");
    expect(page.instances).toHaveLength(1);
    expect(page.total).toBe(labs.total);
    expect(page.instances[0]!.instanceId).toBe(labs.instances[1]!.instanceId);
  });

  it("drops an instance once it is deleted", async () => {
    const inst = await createInstance("lab");
    expect(ids(await list("?env=lab"))).toContain(inst.instanceId);
    expect((await farm(`/v1/instances/${inst.instanceId}`, { method: "DELETE" })).status).toBe(204);
    expect(ids(await list("?env=lab"))).not.toContain(inst.instanceId);
  });

  it("drops an instance once it expires", async () => {
    const inst = await createInstance("lab", { ttlSeconds: 10 });
    const stub = env.ENV_INSTANCE.getByName(inst.instanceId);
    // Idle since the epoch, as far as the alarm can tell.
    await runInDurableObject(stub, (_instance, state) => state.storage.kv.put("lastActive", 0));
    await runDurableObjectAlarm(stub);
    expect((await farm(`/v1/instances/${inst.instanceId}`)).status).toBe(404);
    expect(ids(await list("?env=lab"))).not.toContain(inst.instanceId);
  });

  it("forgets an entry whose instance is gone without having said so", async () => {
    const inst = await createInstance("lab");
    const before = await list("?env=lab");
    await runInDurableObject(env.ENV_INSTANCE.getByName(inst.instanceId), (_instance, state) =>
      state.storage.deleteAll(),
    );
    const after = await list("?env=lab");
    expect(ids(after)).not.toContain(inst.instanceId);
    expect(after.total).toBe(before.total - 1);
    expect((await list("?env=lab")).total).toBe(after.total);
  });

  it("lists forks and MCP-session worlds too", async () => {
    const inst = await createInstance("lab");
    const fork = (await (await farm(`/v1/instances/${inst.instanceId}/fork`, { method: "POST" })).json()) as {
      instanceId: string;
    };
    expect(ids(await list("?env=lab"))).toEqual(expect.arrayContaining([inst.instanceId, fork.instanceId]));
  });

  it("refuses a malformed query", async () => {
    for (const q of ["?limit=0", "?limit=abc", "?offset=-1", "?env=Not%20A%20Name"]) {
      const res = await farm(`/v1/instances${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    }
  });
});
