import type {} from "./provided.ts";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { RolloutResult } from "../workers/shared/rollout.ts";
import { WorldHost } from "../workers/env-host/runtime/host.ts";
import { LANE_IDLE_MS, laneFacets, WorldLanes } from "../workers/orchestrator/rollout/world-lanes.ts";
import type { Rollout } from "../workers/orchestrator/rollout/rollout-object.ts";
import { refusal, upload } from "./helpers.ts";
import { storeAlone } from "./rollout-hosts.ts";

/**
 * A Rollout host's rollouts hold its world lanes one after another (workers/orchestrator/rollout/world-lanes.ts):
 * each gets the initial world, with its code started afresh, whatever the one before did; a lane is one rollout's at
 * a time; lanes nobody holds are let go of after a while, and with the host's last rollout; a rollout started before
 * lanes keeps the slot or the facets it had.
 */

const bundleId = () => inject("bundles").memo!.manifest.bundleId;
const memo = (seed: number) => ({ envName: "memo", bundleId: bundleId(), seed });

const toolCall = (name: string, args: Record<string, unknown> = {}) => ({
  content: null,
  tool_calls: [{ id: "c", type: "function" as const, function: { name, arguments: JSON.stringify(args) } }],
});

type Reply = ReturnType<typeof toolCall> | { content: string };

const newHost = () => env.ROLLOUT.getByName(`host-${crypto.randomUUID()}`);

/** A memo rollout that plays `replies` in `host`, answering the number of the lane it holds. */
async function started(host: DurableObjectStub<Rollout>, replies: Reply[], seed = 4242) {
  const id = crypto.randomUUID();
  await host.start({
    rolloutId: id,
    bundleId: bundleId(),
    env: "memo",
    taskId: "remember-milk",
    seed,
    policy: { kind: "scripted", replies: [...replies, { content: "done" }] },
  });
  const lane = await runInDurableObject(host, (_o, ctx) => ctx.storage.kv.get<number>(`${id}/lane`));
  return { id, host, stub: asked(host, id), lane: lane! };
}

/** One rollout of a host, asked as its own object was before hosts. */
function asked(host: DurableObjectStub<Rollout>, id: string) {
  return {
    advance: (turns?: number) => host.advance(id, turns),
    diff: () => host.diff(id),
    rows: (table: string, offset: number, limit: number) => host.rows(id, table, offset, limit),
  };
}

const toolOutputs = (result: RolloutResult) =>
  result.messages.filter((m) => m.role === "tool").map((m) => JSON.parse(String(m.content)) as unknown);

/** The tables lane `n` of a host holds, read with its facets' names: none once the lane is let go of. */
const laneTables = (host: DurableObjectStub<Rollout>, n: number) =>
  runInDurableObject(host, (_o, ctx) =>
    new WorldHost(ctx, env, { envName: "memo", bundleId: bundleId() }, laneFacets(n)).tables(),
  );

beforeAll(async () => {
  await upload("memo");
});

describe("a host's world lanes", () => {
  it("go to the next rollout of the host with its code started afresh after a rollout that only read", async () => {
    const host = newHost();
    const first = await started(host, [toolCall("count_global"), toolCall("count_global")]);
    const one = (await first.stub.advance()) as unknown as RolloutResult;
    expect(toolOutputs(one)).toMatchObject([{ calls: 1 }, { calls: 2 }]);
    const second = await started(host, [toolCall("count_global")]);
    expect(second.lane).toBe(first.lane);
    const two = (await second.stub.advance()) as unknown as RolloutResult;
    expect(toolOutputs(two)).toMatchObject([{ calls: 1 }]);
  });

  it("go to the next rollout as the initial world after a rollout that wrote", async () => {
    const host = newHost();
    const first = await started(host, [toolCall("remember", { title: "left by one" })]);
    const one = (await first.stub.advance()) as unknown as RolloutResult;
    expect(toolOutputs(one)).toEqual([{ cached: ["left by one"] }]);
    expect(await first.stub.diff()).toMatchObject([{ table: "notes", inserted: [[1, "left by one"]] }]);
    const second = await started(host, [toolCall("recall"), toolCall("remember", { title: "two" })]);
    expect(second.lane).toBe(first.lane);
    await second.stub.advance(1);
    const rows = (await second.stub.rows("notes", 0, 100)) as unknown as { rows: unknown[]; total: number };
    expect(rows.total).toBe(0);
    const two = (await second.stub.advance()) as unknown as RolloutResult;
    expect(toolOutputs(two)).toEqual([{ cached: [] }, { cached: ["two"] }]);
    expect(await second.stub.diff()).toMatchObject([{ table: "notes", inserted: [[1, "two"]] }]);
    // The first rollout's diff is its own, kept when its world went to the second; its world answers it no more.
    expect(await first.stub.diff()).toMatchObject([{ table: "notes", inserted: [[1, "left by one"]] }]);
    expect(await refusal(first.stub.rows("notes", 0, 10))).toMatch(/^FarmError\|world_released\|410/);
  });

  it("are one rollout's at a time: rollouts running at once hold lanes of their own", async () => {
    const host = newHost();
    const holder = await started(host, [toolCall("remember", { title: "mine" })]);
    const other = await started(host, [toolCall("recall")]);
    expect(other.lane).not.toBe(holder.lane);
    // A rollout that names a lane another holds is refused that lane's world.
    const stray = await started(host, [toolCall("recall")]);
    await runInDurableObject(host, (_o, ctx) => ctx.storage.kv.put(`${stray.id}/lane`, holder.lane));
    expect(await refusal(stray.stub.rows("notes", 0, 10))).toMatch(/^FarmError\|world_released\|410/);
    await holder.stub.advance(1);
    expect(((await holder.stub.rows("notes", 0, 10)) as unknown as { total: number }).total).toBe(1);
    expect(((await other.stub.rows("notes", 0, 10)) as unknown as { total: number }).total).toBe(0);
    await holder.stub.advance();
    // A lane of another world (seed) is rebuilt for the one asked for.
    const reseeded = await started(host, [toolCall("recall")], 4343);
    expect(reseeded.lane).toBe(holder.lane);
    expect(await reseeded.stub.advance()).toMatchObject({ status: "completed" });
    expect(await other.stub.advance()).toMatchObject({ status: "completed" });
  });

  it("are kept while the host may get more rollouts, let go of once idle, and built again when taken", async () => {
    const host = newHost();
    const first = await started(host, [toolCall("remember", { title: "gone" })]);
    await first.stub.advance();
    // Its rollouts ended a moment ago: the alarm comes back for the lanes once they have been idle long enough.
    expect(await runDurableObjectAlarm(host)).toBe(true);
    const alarm = await runInDurableObject(host, (_o, ctx) => ctx.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + LANE_IDLE_MS - 60_000);
    expect(await laneTables(host, first.lane)).not.toEqual([]);
    await runInDurableObject(host, (_o, ctx) => {
      const key = `lane/${first.lane}`;
      ctx.storage.kv.put(key, { ...ctx.storage.kv.get<object>(key), releasedAt: Date.now() - LANE_IDLE_MS - 1 });
    });
    expect(await runDurableObjectAlarm(host)).toBe(true);
    expect(await runInDurableObject(host, (_o, ctx) => Array.from(ctx.storage.kv.list({ prefix: "lane/" })))).toEqual(
      [],
    );
    expect(await laneTables(host, first.lane)).toEqual([]);
    const second = await started(host, [toolCall("recall")]);
    await second.stub.advance(1);
    expect(((await second.stub.rows("notes", 0, 10)) as unknown as { total: number }).total).toBe(0);
    expect(await second.stub.advance()).toMatchObject({ status: "completed" });
  });

  it("are not let go of while a rollout holds one", async () => {
    const host = newHost();
    const first = await started(host, [toolCall("remember", { title: "held" })]);
    await first.stub.advance();
    await runInDurableObject(host, (_o, ctx) => {
      const key = `lane/${first.lane}`;
      ctx.storage.kv.put(key, { ...ctx.storage.kv.get<object>(key), releasedAt: Date.now() - LANE_IDLE_MS - 1 });
    });
    const second = await started(host, [toolCall("remember", { title: "mine" })]);
    expect(second.lane).toBe(first.lane);
    await second.stub.advance(1);
    expect(await runDurableObjectAlarm(host)).toBe(true);
    expect(await second.stub.advance()).toMatchObject({ status: "completed" });
    expect(await second.stub.diff()).toMatchObject([{ table: "notes", inserted: [[1, "mine"]] }]);
  });

  it("are not let go of while a rollout is taking one", async () => {
    // The idle alarm reads who holds the lanes from storage; a hold is stored only once its world is built, so the
    // alarm can find the lane free while it is being taken. Played in one object, in that order.
    const taken = await runInDurableObject(newHost(), async (_o, ctx) => {
      const lanes = new WorldLanes(ctx, env);
      const first = await lanes.hold("r1", memo(4242));
      await lanes.release(first, "r1");
      const key = `lane/${first}`;
      ctx.storage.kv.put(key, { ...ctx.storage.kv.get<object>(key), releasedAt: Date.now() - LANE_IDLE_MS - 1 });
      const taking = lanes.hold("r2", memo(4242));
      expect(lanes.idleUntil()).toBeLessThan(Date.now());
      lanes.drop();
      const second = await taking;
      expect(second).toBe(first);
      return { tables: await lanes.world(second, "r2").tables(), stored: ctx.storage.kv.get(key) };
    });
    expect(taken.tables).toContainEqual({ name: "notes", rows: 0 });
    expect(taken.stored).toMatchObject({ holder: "r2" });
  });

  it("are handed on only once the commit that lets go of them is durable", async () => {
    // Until then the ended rollout's result is not durable either: a restart would verify it again, in that world.
    const held = await runInDurableObject(newHost(), async (_o, ctx) => {
      const lanes = new WorldLanes(ctx, env);
      const first = await lanes.hold("r1", memo(4242));
      const releasing = lanes.release(first, "r1");
      const during = await lanes.hold("r2", memo(4242));
      await releasing;
      return { first, during, after: await lanes.hold("r3", memo(4242)) };
    });
    expect(held.during).not.toBe(held.first);
    expect(held.after).toBe(held.first);
  });

  it("go with the host's last rollout", async () => {
    const host = newHost();
    const one = await started(host, [toolCall("remember", { title: "a" })]);
    const two = await started(host, [toolCall("recall")]);
    await Promise.all([one.stub.advance(), two.stub.advance()]);
    expect(await host.purge(one.id)).toBeNull();
    expect(await laneTables(host, two.lane)).not.toEqual([]);
    expect(await host.purge(two.id)).not.toBeNull();
    for (const lane of [one.lane, two.lane]) expect(await laneTables(host, lane)).toEqual([]);
    expect(await runInDurableObject(host, (_o, ctx) => Array.from(ctx.storage.kv.list()))).toEqual([]);
  });
});

describe("a rollout started before lanes", () => {
  it("runs in the world slot it holds and lets it go at its end", async () => {
    const host = newHost();
    const { id, stub, lane } = await started(host, [toolCall("remember", { title: "milk" })], 4646);
    const slot = env.WORLD_SLOT.getByName(`slot-${id}`);
    // What such a rollout holds: the name of a slot whose worlds are built and held by it, and no lane.
    await runInDurableObject(slot, async (_o, ctx) => {
      await new WorldHost(ctx, env, memo(4646)).create(4646);
      ctx.storage.kv.put("holder", id);
      ctx.storage.kv.put("world", memo(4646));
    });
    await runInDurableObject(host, (_o, ctx) => {
      ctx.storage.kv.delete(`${id}/lane`);
      ctx.storage.kv.put(`${id}/slot`, `slot-${id}`);
    });
    const result = (await stub.advance()) as unknown as RolloutResult;
    expect(result).toMatchObject({ status: "completed", reward: 1 });
    expect(await stub.diff()).toMatchObject([{ table: "notes", inserted: [[1, "milk"]] }]);
    // It wrote in the slot's world, not in the lane it was started with.
    expect(await laneTables(host, lane)).toContainEqual({ name: "notes", rows: 0 });
    expect(await runInDurableObject(slot, (_o, ctx) => ctx.storage.kv.get("holder"))).toBeUndefined();
    expect(await refusal(slot.call(id, "recall", {}, "step", "token"))).toMatch(/^FarmError\|world_released\|410/);
  });

  it("runs in the world of its own object and lets it go at its end, from before slots", async () => {
    const { id, host } = await started(newHost(), [toolCall("remember", { title: "milk" })], 4747);
    const alone = await storeAlone(host, id);
    const stub = asked(alone, id);
    const result = (await stub.advance()) as unknown as RolloutResult;
    expect(result).toMatchObject({ status: "completed", reward: 1 });
    expect(await stub.diff()).toMatchObject([{ table: "notes", inserted: [[1, "milk"]] }]);
    const facets = await runInDurableObject(alone, async (_o, ctx) => {
      const world = new WorldHost(ctx, env, { envName: "memo", bundleId: bundleId() });
      // Let go at the end: a facet asked for now is a new, empty database.
      return world.tables().catch((err: Error) => err.message);
    });
    expect(facets).toEqual([]);
  });
});

describe("a world's code started afresh for the next rollout", () => {
  const world = () => ({ envName: "memo", bundleId: bundleId() });

  it("is started afresh in place: module scope and globals are new, the rows stay", async () => {
    await runInDurableObject(newHost(), async (_o, ctx) => {
      const host = new WorldHost(ctx, env, world());
      await host.create(4747);
      await host.call("remember", { title: "kept" });
      expect(await host.call("count_global", {})).toMatchObject({ result: { calls: 1 } });
      expect(await host.restartLive()).toBe(true);
      expect(await host.call("count_global", {})).toMatchObject({ result: { calls: 1 } });
      expect(await host.call("recall", {})).toMatchObject({ result: { cached: [] } });
      expect(await host.rows("notes", 0, 10)).toMatchObject({ total: 1 });
    });
  });

  it("stops the world's object instead while a verification still runs", async () => {
    await runInDurableObject(newHost(), async (_o, ctx) => {
      const host = new WorldHost(ctx, env, world());
      await host.create(4848);
      const waiting = host.verify("wait-forever", null).then(
        () => "answered",
        (err: Error) => err.message,
      );
      await host.call("count_global", {});
      expect(await host.restartLive()).toBe(false);
      expect(await waiting).toMatch(/handed to another rollout/);
      expect(await host.call("count_global", {})).toMatchObject({ result: { calls: 1 } });
    });
  });
});
