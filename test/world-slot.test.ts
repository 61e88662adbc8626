import type {} from "./provided.ts";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { RolloutResult } from "../workers/shared/rollout.ts";
import { WorldHost } from "../workers/env-host/runtime/host.ts";
import type { Rollout } from "../workers/orchestrator/rollout/rollout-object.ts";
import { refusal, upload } from "./helpers.ts";
import { storeAlone } from "./rollout-hosts.ts";

/**
 * Rollouts of one bundle and seed hold world slots one after another (workers/orchestrator/rollout/world-slot.ts):
 * each gets the initial world, with its code started afresh, whatever the one before did; a slot is one rollout's
 * at a time; a slot nobody holds lets its worlds go; a rollout started before slots keeps its own world.
 */

const bundleId = () => inject("bundles").memo!.manifest.bundleId;

const toolCall = (name: string, args: Record<string, unknown> = {}) => ({
  content: null,
  tool_calls: [{ id: "c", type: "function" as const, function: { name, arguments: JSON.stringify(args) } }],
});

type Reply = ReturnType<typeof toolCall> | { content: string };

/** A memo rollout that plays `replies`, started with a seed no other test file uses, so its slots are its own. */
async function started(replies: Reply[], seed = 4242) {
  const id = crypto.randomUUID();
  const host = env.ROLLOUT.getByName(`host-${id}`);
  await host.start({
    rolloutId: id,
    bundleId: bundleId(),
    env: "memo",
    taskId: "remember-milk",
    seed,
    policy: { kind: "scripted", replies: [...replies, { content: "done" }] },
  });
  const slot = await runInDurableObject(host, (_o, ctx) => ctx.storage.kv.get<string>(`${id}/slot`));
  return { id, host, stub: asked(host, id), slot: slot! };
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

beforeAll(async () => {
  await upload("memo");
});

describe("a world slot", () => {
  it("goes to the next rollout with its code started afresh after a rollout that only read", async () => {
    const first = await started([toolCall("count_global"), toolCall("count_global")]);
    const one = (await first.stub.advance()) as unknown as RolloutResult;
    expect(toolOutputs(one)).toMatchObject([{ calls: 1 }, { calls: 2 }]);
    const second = await started([toolCall("count_global")]);
    expect(second.slot).toBe(first.slot);
    const two = (await second.stub.advance()) as unknown as RolloutResult;
    expect(toolOutputs(two)).toMatchObject([{ calls: 1 }]);
  });

  it("goes to the next rollout as the initial world after a rollout that wrote", async () => {
    const first = await started([toolCall("remember", { title: "left by one" })], 4343);
    const one = (await first.stub.advance()) as unknown as RolloutResult;
    expect(toolOutputs(one)).toEqual([{ cached: ["left by one"] }]);
    expect(await first.stub.diff()).toMatchObject([{ table: "notes", inserted: [[1, "left by one"]] }]);
    const second = await started([toolCall("recall"), toolCall("remember", { title: "two" })], 4343);
    expect(second.slot).toBe(first.slot);
    await second.stub.advance(1);
    const rows = (await second.stub.rows("notes", 0, 100)) as unknown as { rows: unknown[]; total: number };
    expect(rows.total).toBe(0);
    const two = (await second.stub.advance()) as unknown as RolloutResult;
    expect(toolOutputs(two)).toEqual([{ cached: [] }, { cached: ["two"] }]);
    expect(await second.stub.diff()).toMatchObject([{ table: "notes", inserted: [[1, "two"]] }]);
    // The first rollout's diff is its own, kept when its world went to the second.
    expect(await first.stub.diff()).toMatchObject([{ table: "notes", inserted: [[1, "left by one"]] }]);
  });

  it("keeps the worlds of a slot that is held when its idle alarm comes", async () => {
    const first = await started([toolCall("recall")], 5050);
    await first.stub.advance();
    const slot = env.WORLD_SLOT.getByName(first.slot);
    await runInDurableObject(slot, (_o, ctx) => ctx.storage.kv.put("releasedAt", Date.now() - 11 * 60_000));
    const second = await started([toolCall("recall")], 5050);
    expect(second.slot).toBe(first.slot);
    expect(await runDurableObjectAlarm(slot)).toBe(true);
    expect(await second.stub.advance()).toMatchObject({ status: "completed" });
  });

  it("is one rollout's at a time: another is given a slot of its own, and the holder's world refuses anyone else", async () => {
    const holder = await started([toolCall("remember", { title: "mine" })], 4444);
    const other = await started([toolCall("recall")], 4444);
    expect(other.slot).not.toBe(holder.slot);
    const slot = env.WORLD_SLOT.getByName(holder.slot);
    const world = { envName: "memo", bundleId: bundleId(), seed: 4444 };
    expect(await slot.hold(other.id, world)).toBe(false);
    // Held again by its holder (a start that is retried): yes, and nothing changes.
    expect(await slot.hold(holder.id, world)).toBe(true);
    expect(await refusal(slot.call(other.id, "recall", {}, "step", "token"))).toMatch(
      /^FarmError\|world_released\|410/,
    );
    // Let go of by someone who does not hold it: nothing happens.
    await slot.release(other.id);
    expect(await slot.hold(other.id, world)).toBe(false);
    await holder.stub.advance();
    expect(await refusal(slot.call(holder.id, "recall", {}, "step", "token"))).toMatch(/^FarmError\|world_released/);
    await other.stub.advance();
  });

  it("lets its worlds go when nobody takes it for a while, and builds them again when taken", async () => {
    const first = await started([toolCall("remember", { title: "gone" })], 4545);
    await first.stub.advance();
    const slot = env.WORLD_SLOT.getByName(first.slot);
    // Let go of a moment ago: its alarm looks again once the slot has been idle long enough.
    expect(await runDurableObjectAlarm(slot)).toBe(true);
    const idle = await runInDurableObject(slot, async (_o, ctx) => ({
      world: ctx.storage.kv.get("world") !== undefined,
      alarm: await ctx.storage.getAlarm(),
    }));
    expect(idle.world).toBe(true);
    expect(idle.alarm).toBeGreaterThan(Date.now() + 9 * 60_000);
    await runInDurableObject(slot, (_o, ctx) => ctx.storage.kv.put("releasedAt", Date.now() - 11 * 60_000));
    expect(await runDurableObjectAlarm(slot)).toBe(true);
    expect(await runInDurableObject(slot, (_o, ctx) => ctx.storage.kv.get("world"))).toBeUndefined();
    const second = await started([toolCall("recall")], 4545);
    expect(second.slot).toBe(first.slot);
    await second.stub.advance(1);
    expect(((await second.stub.rows("notes", 0, 10)) as unknown as { total: number }).total).toBe(0);
    expect(await second.stub.advance()).toMatchObject({ status: "completed" });
  });
});

describe("a rollout started before world slots", () => {
  it("runs in the world of its own object and lets it go at its end", async () => {
    const { id, host, slot } = await started([toolCall("remember", { title: "milk" })], 4646);
    const alone = await storeAlone(host, id);
    const stub = asked(alone, id);
    await runInDurableObject(alone, async (_o, ctx) => {
      // What such a rollout holds: an object of its own, its own facets, and no slot.
      await env.WORLD_SLOT.getByName(slot).release(id);
      ctx.storage.kv.delete("slot");
      await new WorldHost(ctx, env, { envName: "memo", bundleId: bundleId() }).create(4646);
    });
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
    const slot = env.WORLD_SLOT.getByName(`renew-${crypto.randomUUID()}`);
    await runInDurableObject(slot, async (_o, ctx) => {
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
    const slot = env.WORLD_SLOT.getByName(`renew-${crypto.randomUUID()}`);
    await runInDurableObject(slot, async (_o, ctx) => {
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
