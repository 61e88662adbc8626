/**
 * Deleting batches, by hand (DELETE /v1/batches/:id) and by retention: everything a batch and its rollouts stored
 * goes, reads answer 410, held-open group streams end, the run's summary stays. Time is driven through the alarm
 * helpers, never by sleeping.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { BatchDeleted, BatchListing } from "../workers/shared/batch.ts";
import type { RunList } from "../workers/shared/run.ts";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { DELETE_WAVE, deleteWave, startDeleting, type Deleting } from "../workers/orchestrator/batch/deletion.ts";
import { hostFor } from "../workers/orchestrator/batch/hosts.ts";
import { farm, settled, startBatch, upload } from "./helpers.ts";

const labBatch = (spec: Record<string, unknown>) =>
  startBatch({ tasks: [{ env: "lab", taskId: "add-groceries" }], policy: { kind: "oracle" }, ...spec });

beforeAll(async () => {
  await upload("lab");
});

async function deleteBatch(id: string, query = ""): Promise<BatchDeleted> {
  const res = await farm(`/v1/batches/${id}${query}`, { method: "DELETE" });
  expect(res.status, await res.clone().text()).toBe(202);
  return res.json();
}

/** Runs the batch's alarms until none is left: each one deletes a wave of rollouts, the last the batch itself. */
async function runDeletion(batchId: string): Promise<number> {
  const stub = env.BATCH.getByName(batchId);
  let alarms = 0;
  while (await runDurableObjectAlarm(stub)) alarms += 1;
  return alarms;
}

/** What an object still stores: its key-value entries, its tables, its alarm. */
async function stored(stub: DurableObjectStub): Promise<{ keys: number; tables: string[]; alarm: number | null }> {
  return runInDurableObject(stub, async (_object, state) => ({
    keys: [...state.storage.kv.list()].length,
    tables: state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((t) => t.name),
    alarm: await state.storage.getAlarm(),
  }));
}

/** The batch's storage and that of every host its rollouts could have had (32 at the default concurrency) are gone. */
async function expectGone(batchId: string): Promise<void> {
  expect(await stored(env.BATCH.getByName(batchId))).toEqual({ keys: 0, tables: [], alarm: null });
  for (let seq = 0; seq < 32; seq++) {
    const host = hostFor(batchId, seq, 256);
    expect(await stored(env.ROLLOUT.getByName(host)), host).toEqual({ keys: 0, tables: [], alarm: null });
  }
}

async function errorOf(path: string): Promise<{ status: number; code: string; message: string }> {
  const res = await farm(path);
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, ...body.error };
}

const runs = async () => ((await (await farm("/v1/runs")).json()) as RunList).runs.flatMap((r) => r.batches);

describe("DELETE /v1/batches/:id", () => {
  it("deletes a finished batch and every rollout's storage; reads answer 410; the run keeps its summary", async () => {
    const { batchId } = await labBatch({ groupSize: 3, policyVersion: "gone-run@1" });
    const done = await settled(batchId);
    const ids = [0, 1, 2].map((k) => `${batchId}.g0.${k}`);
    expect((await stored(env.ROLLOUT.getByName(hostFor(batchId, 0, 256)))).keys).toBeGreaterThan(0);

    const deleted = await deleteBatch(batchId);
    expect(deleted).toMatchObject({ batchId, summaryKept: true });
    // From the first moment, before any wave has run.
    for (const path of [`/v1/batches/${batchId}`, `/v1/batches/${batchId}/rollouts`, `/v1/batches/${batchId}/groups`]) {
      expect(await errorOf(path), path).toMatchObject({
        status: 410,
        code: "batch_deleted",
        message: expect.stringContaining("was deleted"),
      });
    }
    expect((await farm(`/v1/batches/${batchId}/cancel`, { method: "POST" })).status).toBe(410);
    for (const path of [`/v1/rollouts/${ids[1]}`, `/v1/rollouts/${ids[1]}/diff`]) {
      expect(await errorOf(path), path).toMatchObject({ status: 410, code: "rollout_deleted" });
    }

    expect(await runDeletion(batchId)).toBeGreaterThanOrEqual(1);
    await expectGone(batchId);

    const summary = (await runs()).find((b) => b.batchId === batchId);
    expect(summary).toMatchObject({
      state: "done",
      reward: done.reward,
      policyVersion: "gone-run@1",
      rollouts: 3,
      deletedAt: deleted.deletedAt,
    });
    // Deleting again changes nothing, and says the waves are done.
    expect(deleted.purgedAt).toBeNull();
    expect(await deleteBatch(batchId)).toEqual({ ...deleted, purgedAt: expect.any(String) });
  });

  it("forgets the batch's summary with ?summary=false, then or later", async () => {
    const first = await labBatch({ groupSize: 1 });
    const second = await labBatch({ groupSize: 1 });
    await settled(first.batchId);
    await settled(second.batchId);
    expect(await deleteBatch(first.batchId, "?summary=false")).toMatchObject({ summaryKept: false });
    expect(await deleteBatch(second.batchId)).toMatchObject({ summaryKept: true });
    expect(await deleteBatch(second.batchId, "?summary=false")).toMatchObject({ summaryKept: false });
    const listed = (await runs()).map((b) => b.batchId);
    expect(listed).not.toContain(first.batchId);
    expect(listed).not.toContain(second.batchId);
    expect((await farm(`/v1/batches/${first.batchId}`)).status).toBe(410);
    const batches = (await (await farm("/v1/batches")).json()) as { batches: BatchListing[] };
    expect(batches.batches.map((b) => b.batchId)).not.toContain(first.batchId);
    await runDeletion(first.batchId);
    await runDeletion(second.batchId);
    await expectGone(first.batchId);
  });

  it("cancels a running batch, its policy requests in flight included, and ends a group stream a reader holds open", async () => {
    const policy = { kind: "openai", baseUrl: inject("fakePolicies").slow, model: "m", timeoutMs: 60_000 };
    const { batchId } = await labBatch({ groupSize: 6, concurrency: 2, policy });
    const stream = await farm(`/v1/batches/${batchId}/groups?heartbeatMs=100`);
    expect(stream.status).toBe(200);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    expect(JSON.parse(first.value!.trim().split("\n")[0]!)).toMatchObject({ type: "heartbeat", state: "running" });

    const deleted = await deleteBatch(batchId);
    expect(deleted.summaryKept).toBe(true);
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += chunk.value;
    expect(rest.trim().split("\n").at(-1)).toBe(JSON.stringify({ type: "end", cursor: 0, state: "deleted" }));

    await runDeletion(batchId);
    await expectGone(batchId);
    // The summary is the batch as it was stopped: cancelled, nothing completed.
    expect((await runs()).find((b) => b.batchId === batchId)).toMatchObject({
      state: "cancelled",
      counts: { completed: 0 },
    });
    // A reader that reconnects is told why there is nothing.
    expect(await errorOf(`/v1/batches/${batchId}/groups?cursor=0`)).toMatchObject({
      status: 410,
      code: "batch_deleted",
    });
  });

  it("deletes rollouts in waves of DELETE_WAVE, one wave an alarm, and a host with its last rollout", async () => {
    // Concurrency 8: one host holds every rollout.
    const { batchId } = await labBatch({
      groupSize: DELETE_WAVE + 1,
      concurrency: 8,
      policy: { kind: "scripted", replies: [{ content: "done" }] },
    });
    await settled(batchId);
    const host = env.ROLLOUT.getByName(hostFor(batchId, 0, 8));
    const last = `${batchId}.g0.${DELETE_WAVE}`;
    // One wave run by hand: no alarm can come between its last storage write and the read that follows it.
    const progress = await runInDurableObject(env.BATCH.getByName(batchId), async (_batch, state) => {
      startDeleting(state.storage, batchId);
      await deleteWave(state.storage, env, drizzle(state.storage));
      return state.storage.kv.get<Deleting>("deleting")!;
    });
    expect(progress).toMatchObject({ nextSeq: DELETE_WAVE, retries: 0 });
    // The host keeps the rollout the wave did not reach and its lanes, and nothing of the others.
    expect(await host.result(last)).toMatchObject({ rolloutId: last, status: "completed" });
    expect(
      await runInDurableObject(host, (_o, state) => Array.from(state.storage.kv.list()).map(([key]) => key)),
    ).toEqual(expect.arrayContaining([`${last}/spec`, `rollout/${last}`]));
    expect(
      await runInDurableObject(host, (_o, state) =>
        Array.from(state.storage.kv.list()).filter(([key]) => !key.includes(last) && !key.startsWith("lane/")),
      ),
    ).toEqual([]);
    await runDeletion(batchId);
    await expectGone(batchId);
  });

  it("is described in /openapi.json", async () => {
    const doc = (await (await farm("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
    };
    expect(doc.paths["/v1/batches/{id}"]!.delete!.parameters!.map((p) => p.name)).toEqual(["summary"]);
  });

  it("answers 404 for an unknown batch and 400 for a bad query", async () => {
    expect((await farm(`/v1/batches/b_${"0".repeat(24)}`, { method: "DELETE" })).status).toBe(404);
    expect((await farm("/v1/batches/nope", { method: "DELETE" })).status).toBe(404);
    const { batchId } = await labBatch({ groupSize: 1 });
    const bad = await farm(`/v1/batches/${batchId}?summary=maybe`, { method: "DELETE" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/summary/);
    expect((await settled(batchId)).state).toBe("done");
  });
});

describe("retention", () => {
  /** Moves the batch's end back by `ms`, as if that much time had passed since. */
  async function age(batchId: string, ms: number): Promise<void> {
    await runInDurableObject(env.BATCH.getByName(batchId), (_batch, state) => {
      const meta = state.storage.kv.get<{ finishedAt: number }>("meta")!;
      state.storage.kv.put("meta", { ...meta, finishedAt: meta.finishedAt - ms });
    });
  }

  it("deletes a batch by its alarm once retainSeconds have passed since it finished, keeping the run's summary", async () => {
    const { batchId } = await labBatch({ groupSize: 2, retainSeconds: 60, policyVersion: "retained@3" });
    const done = await settled(batchId);
    const finishedAt = Date.parse(done.finishedAt!);
    expect(done.expiresAt).toBe(new Date(finishedAt + 60_000).toISOString());
    // The batch holds an alarm for that moment; before it, the alarm only puts itself off again.
    const stub = env.BATCH.getByName(batchId);
    expect(await runInDurableObject(stub, (_b, state) => state.storage.getAlarm())).toBeLessThanOrEqual(
      finishedAt + 60_000,
    );
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await farm(`/v1/batches/${batchId}`)).status).toBe(200);
    expect(await runInDurableObject(stub, (_b, state) => state.storage.getAlarm())).toBe(finishedAt + 60_000);

    await age(batchId, 61_000);
    await runDeletion(batchId);
    expect(await errorOf(`/v1/batches/${batchId}`)).toMatchObject({ status: 410, code: "batch_deleted" });
    expect((await farm(`/v1/rollouts/${batchId}.g0.0`)).status).toBe(410);
    await expectGone(batchId);
    expect((await runs()).find((b) => b.batchId === batchId)).toMatchObject({
      policyVersion: "retained@3",
      reward: done.reward,
      deletedAt: expect.any(String),
    });
  });

  it("keeps a batch for the farm's BATCH_RETAIN_SECONDS (7 days) by default, and forever with retainSeconds null", async () => {
    const byDefault = await labBatch({ groupSize: 1 });
    const forever = await labBatch({ groupSize: 1, retainSeconds: null });
    const a = await settled(byDefault.batchId);
    const b = await settled(forever.batchId);
    expect(Date.parse(a.expiresAt!) - Date.parse(a.finishedAt!)).toBe(7 * 86_400_000);
    expect(b.expiresAt).toBeNull();
    await age(forever.batchId, 10 * 365 * 86_400_000);
    const stub = env.BATCH.getByName(forever.batchId);
    await runInDurableObject(stub, (_b, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(stub);
    expect((await farm(`/v1/batches/${forever.batchId}`)).status).toBe(200);
  });

  it("refuses a retainSeconds under a minute", async () => {
    const res = await farm("/v1/batches", {
      method: "POST",
      json: { tasks: { lab: "all" }, policy: { kind: "oracle" }, retainSeconds: 5 },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/retainSeconds/);
  });
});
