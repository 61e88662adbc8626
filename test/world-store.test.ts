/**
 * Instances of one bundle and seed keep their worlds many to a WorldStore, each a clone of the store's template.
 * What must hold: worlds in one store share nothing (rows, module scope), a deletion or reset touches only its own
 * world, nothing reaches the shared template (not even a verifier writing through the initial world it is given),
 * a store unused for longer than any instance lives lets its template go, and an instance made before stores, with
 * its facets in its own object, still serves.
 */
import type {} from "./provided.ts";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { ToolInfo } from "../workers/shared/manifest.ts";
import { WorldHost } from "../workers/env-host/runtime/host.ts";
import { storeName } from "../workers/env-host/world-store.ts";
import { call, createInstance, farm, upload, uploadModule, type Created } from "./helpers.ts";

beforeAll(async () => {
  await upload("memo");
  await upload("lab");
});

const store = (inst: Created) => storeName({ envName: "", bundleId: inst.bundleId, seed: 0 }, inst.instanceId);

/** An instance whose world is kept where `other`'s is (one store of eight: eight tries on average). */
async function inStoreOf(envName: string, other: Created): Promise<Created> {
  for (let i = 0; i < 80; i++) {
    const inst = await createInstance(envName);
    if (store(inst) === store(other)) return inst;
    await farm(`/v1/instances/${inst.instanceId}`, { method: "DELETE" });
  }
  throw new Error(`no instance landed in ${store(other)}`);
}

/** Two instances whose worlds one store keeps: of nine instances, two share one of the eight stores. */
async function sameStore(envName: string): Promise<[Created, Created]> {
  const seen = new Map<string, Created>();
  for (let i = 0; i < 9; i++) {
    const inst = await createInstance(envName);
    const other = seen.get(store(inst));
    if (other) return [other, inst];
    seen.set(store(inst), inst);
  }
  throw new Error("nine instances in eight stores, and no two in one");
}

async function titles(inst: Created): Promise<string[]> {
  const res = await farm(`/v1/instances/${inst.instanceId}/state?table=notes`);
  const { columns, rows } = (await res.json()) as { columns: string[]; rows: string[][] };
  return rows.map((r) => r[columns.indexOf("title")]!);
}

describe("a WorldStore", () => {
  it("keeps the rows and module scope of its worlds apart", async () => {
    const [a, b] = await sameStore("memo");
    expect(await call(a, "remember", { title: "secret of a" })).toMatchObject({ result: { cached: ["secret of a"] } });
    expect(await call(b, "recall")).toMatchObject({ ok: true, result: { cached: [] } });
    expect(await titles(b)).toEqual([]);
    expect(await call(a, "count_global")).toMatchObject({ result: { calls: 1 } });
    expect(await call(b, "count_global")).toMatchObject({ result: { calls: 1 } });
  });

  it("resets and deletes one world, and the others and the template stay as they were", async () => {
    const [a, b] = await sameStore("lab");
    const seeded = await titles(a);
    expect(seeded).toHaveLength(5);
    await call(a, "add_note", { title: "a's" });
    await call(b, "add_note", { title: "b's" });
    expect((await farm(`/v1/instances/${a.instanceId}/reset`, { method: "POST" })).status).toBe(200);
    expect(await titles(a)).toEqual(seeded);
    expect(await titles(b)).toEqual([...seeded, "b's"]);
    expect((await farm(`/v1/instances/${b.instanceId}`, { method: "DELETE" })).status).toBe(204);
    expect((await farm(`/v1/instances/${b.instanceId}/state?table=notes`)).status).toBe(404);
    await call(a, "add_note", { title: "a's again" });
    expect(await titles(a)).toEqual([...seeded, "a's again"]);
    // The template is untouched by all of the above: a reset goes back to it, and a newcomer to the store starts from it.
    expect((await farm(`/v1/instances/${a.instanceId}/reset`, { method: "POST" })).status).toBe(200);
    expect(await titles(a)).toEqual(seeded);
    expect(await titles(await inStoreOf("lab", a))).toEqual(seeded);
    // Nothing is left of the deleted world in the store: asked for it, the store finds an empty database.
    const [, , n] = store(b).split("/");
    const tables = await env.WORLD_STORE.getByName(`${b.bundleId}/0/${n}`).tables(b.instanceId);
    expect(tables).toEqual([]);
  });

  it("gives a verifier's writes through its initial world nowhere to land: the template stays whole", async () => {
    const module = `
const tools = [{ name: "noop", description: "does nothing", inputSchema: { type: "object" },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } }];
export default {
  definition: {
    name: "scribbler", description: "hand-written", schema: "CREATE TABLE t (x INTEGER)", seed: "INSERT INTO t VALUES (1)",
    tools: { noop: { description: "does nothing", input: { safeParse: (a) => ({ success: true, data: a }) }, run: () => null } },
    tasks: [{ id: "scribble", prompt: "scribble", verify: async ({ before }) => {
      let refused = null;
      try { await before.query("DELETE FROM t"); } catch (err) { refused = String(err); }
      try { await before.query("INSERT INTO t VALUES (2)"); } catch (err) { refused = String(err); }
      const [{ n }] = await before.query("SELECT count(*) AS n FROM t");
      return { complete: true, info: { n, refused } };
    } }],
  },
  describe: () => ({ name: "scribbler", description: "hand-written", sdkVersion: "1", tools, tasks: [] }),
  formatError: (e) => String(e),
};`;
    const noop: ToolInfo = {
      name: "noop",
      description: "does nothing",
      inputSchema: { type: "object" },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    };
    expect((await uploadModule("scribbler", module, [noop])).status).toBe(201);
    const [a, b] = await sameStore("scribbler");
    const verify = await farm(`/v1/instances/${a.instanceId}/verify`, { method: "POST", json: { taskId: "scribble" } });
    expect(verify.status).toBe(200);
    expect(await verify.json()).toMatchObject({ complete: true, info: { n: 1 } });
    for (const inst of [a, b]) {
      const res = await farm(`/v1/instances/${inst.instanceId}/state?table=t`);
      expect(((await res.json()) as { rows: unknown[] }).rows).toHaveLength(1);
    }
    expect((await farm(`/v1/instances/${b.instanceId}/reset`, { method: "POST" })).status).toBe(200);
    const c = await inStoreOf("scribbler", a);
    const res = await farm(`/v1/instances/${c.instanceId}/state?table=t`);
    expect(((await res.json()) as { rows: unknown[] }).rows).toHaveLength(1);
  });

  it("lets its template go once unused for longer than any instance lives, and builds it again when asked", async () => {
    const a = await createInstance("lab");
    await call(a, "add_note", { title: "kept" });
    const stub = env.WORLD_STORE.getByName(store(a));
    const template = () => runInDurableObject(stub, (_store, state) => state.storage.kv.get("template"));
    // Used a moment ago: the alarm keeps the template and comes back later.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await template()).toBe(true);
    await runInDurableObject(stub, (_store, state) => state.storage.kv.put("usedAt", 0));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await template()).toBeUndefined();
    // The instance's own world is untouched, and its reset gets a template built again.
    expect(await titles(a)).toContain("kept");
    expect((await farm(`/v1/instances/${a.instanceId}/reset`, { method: "POST" })).status).toBe(200);
    expect(await titles(a)).toHaveLength(5);
    expect(await template()).toBe(true);
  });

  it("leaves an instance made before stores, with its world in its own object, serving", async () => {
    const made = await createInstance("lab");
    await call(made, "add_note", { title: "in the store" });
    // Rebuilt as instances were before stores: no store in its record, the two facets in its own object.
    await runInDurableObject(env.ENV_INSTANCE.getByName(made.instanceId), async (instance, state) => {
      const meta = state.storage.kv.get<Record<string, unknown>>("meta")!;
      delete meta.store;
      await new WorldHost(state, env, { envName: "lab", bundleId: made.bundleId }).create(0);
      state.storage.kv.put("meta", meta);
      (instance as unknown as { host?: unknown }).host = undefined;
    });
    await call(made, "add_note", { title: "legacy" });
    expect(await titles(made)).toContain("legacy");
    expect(await titles(made)).not.toContain("in the store");
    expect((await farm(`/v1/instances/${made.instanceId}/reset`, { method: "POST" })).status).toBe(200);
    expect(await titles(made)).toHaveLength(5);
    expect((await farm(`/v1/instances/${made.instanceId}`, { method: "DELETE" })).status).toBe(204);
  });
});
