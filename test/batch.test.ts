import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { z } from "zod";
import { BatchListing, type BatchStatus } from "../workers/shared/batch.ts";
import type { TableDiff } from "../workers/shared/instance.ts";
import type { RolloutList, RolloutView } from "../workers/shared/rollout.ts";
import { hostFor } from "../workers/orchestrator/batch/hosts.ts";
import { farm, settled, startBatch, upload } from "./helpers.ts";

beforeAll(async () => {
  for (const name of ["shop", "tracker", "lab"]) await upload(name);
});

async function status(id: string): Promise<BatchStatus> {
  return (await farm(`/v1/batches/${id}`)).json();
}

describe("a batch", () => {
  it("runs an oracle batch over every task of both example environments: every reward is 1", async () => {
    const { batchId, rollouts } = await startBatch({
      tasks: { shop: "all", tracker: "all" },
      groupSize: 2,
      policy: { kind: "oracle" },
      maxTurns: 30,
    });
    const tasks = inject("bundles").shop!.manifest.tasks.length + inject("bundles").tracker!.manifest.tasks.length;
    expect(rollouts).toBe(tasks * 2);
    const done = await settled(batchId);
    expect(done).toMatchObject({ state: "done", counts: { completed: rollouts, failed: 0, pending: 0, running: 0 } });
    expect(done.reward).toEqual({ n: rollouts, mean: 1, std: 0 });
    expect(Object.keys(done.rewardByEnv).sort()).toEqual(["shop", "tracker"]);
    expect(done.groups).toEqual({ total: tasks, done: tasks });
    expect(done.stopReasons).toEqual({ answered: rollouts });
    const listed = z
      .object({ batches: z.array(BatchListing.strict()) })
      .parse(await (await farm("/v1/batches")).json());
    expect(listed.batches.map((b) => b.batchId)).toContain(batchId);
  });

  it("runs waves of more rollouts than a statement has parameters", async () => {
    const { batchId, rollouts } = await startBatch({
      tasks: [{ env: "lab", taskId: "add-groceries" }],
      groupSize: 150,
      policy: { kind: "oracle" },
    });
    const done = await settled(batchId);
    expect(done).toMatchObject({ state: "done", counts: { completed: rollouts }, reward: { n: 150, mean: 1 } });
  });

  it("scores a no-op policy low, in the awm-xml format", async () => {
    const { batchId } = await startBatch({
      tasks: [
        { env: "lab", taskId: "add-groceries" },
        { env: "lab", taskId: "delete-first" },
      ],
      groupSize: 3,
      policy: { kind: "scripted", replies: [{ content: "I cannot help with that." }] },
      toolFormat: "awm-xml",
    });
    const done = await settled(batchId);
    expect(done).toMatchObject({ state: "done", counts: { completed: 6 }, reward: { n: 6, mean: 0, std: 0 } });
  });

  it("completes with every rollout marked failed when the policy server keeps failing", async () => {
    const policy = { kind: "openai", baseUrl: inject("fakePolicies").failing, model: "m", maxRetries: 1, backoffMs: 0 };
    const { batchId } = await startBatch({ tasks: [{ env: "lab", taskId: "add-groceries" }], groupSize: 3, policy });
    const done = await settled(batchId);
    expect(done).toMatchObject({
      state: "done",
      counts: { failed: 3, completed: 0 },
      stopReasons: { policy_error: 3 },
      groups: { total: 1, done: 1 },
    });
    expect(done.errors[0]!.error).toMatch(/500/);
  });

  it("stops new work when cancelled; waiting rollouts are cancelled", async () => {
    const policy = { kind: "openai", baseUrl: inject("fakePolicies").busy, model: "m", maxRetries: 8, backoffMs: 0 };
    const { batchId, rollouts } = await startBatch({
      tasks: { lab: ["add-groceries"] },
      groupSize: 8,
      concurrency: 1,
      policy,
    });
    const cancelled = (await (await farm(`/v1/batches/${batchId}/cancel`, { method: "POST" })).json()) as BatchStatus;
    expect(cancelled.state).toBe("cancelled");
    expect(cancelled.counts.cancelled).toBeGreaterThanOrEqual(rollouts - 1);
    await new Promise((r) => setTimeout(r, 1_000));
    const later = await status(batchId);
    expect(later.counts.running + later.counts.pending).toBe(0);
    expect(later.counts.completed + later.counts.failed).toBeLessThanOrEqual(1);
  });
});

describe("a rollout that never reports", () => {
  /** Puts a rollout back to running, started long ago, as if its report had been lost; then runs the batch's alarm. */
  async function loseReport(batchId: string, rolloutId: string): Promise<BatchStatus> {
    const stub = env.BATCH.getByName(batchId);
    await runInDurableObject(stub, (_batch, state) => {
      state.storage.sql.exec(
        "UPDATE rollouts SET status = 'running', reward = NULL, stop_reason = NULL, started_at = ? WHERE id = ?",
        Date.now() - 3_600_000,
        rolloutId,
      );
      state.storage.kv.put("meta", { ...state.storage.kv.get<object>("meta"), state: "running", finishedAt: null });
      // While rollouts run, the batch always has its next check scheduled.
      return state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    return status(batchId);
  }

  it("is settled from its result when only the report was lost", async () => {
    const { batchId } = await startBatch({
      tasks: [{ env: "lab", taskId: "add-groceries" }],
      groupSize: 1,
      policy: { kind: "oracle" },
      rolloutTimeoutMs: 1_000,
    });
    await settled(batchId);
    const after = await loseReport(batchId, `${batchId}.g0.0`);
    expect(after).toMatchObject({ state: "done", counts: { completed: 1, running: 0 }, reward: { mean: 1 } });
  });

  it("is settled from its result by the periodic probe, long before its deadline", async () => {
    const { batchId } = await startBatch({
      tasks: [{ env: "lab", taskId: "add-groceries" }],
      groupSize: 1,
      policy: { kind: "oracle" },
    });
    await settled(batchId);
    const stub = env.BATCH.getByName(batchId);
    await runInDurableObject(stub, (_batch, state) => {
      state.storage.sql.exec(
        "UPDATE rollouts SET status = 'running', reward = NULL, started_at = ? WHERE id = ?",
        Date.now() - 45_000,
        `${batchId}.g0.0`,
      );
      state.storage.kv.put("meta", { ...state.storage.kv.get<object>("meta"), state: "running", finishedAt: null });
      state.storage.kv.put("probeAt", 0);
      return state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await status(batchId)).toMatchObject({
      state: "done",
      counts: { completed: 1, running: 0 },
      reward: { mean: 1 },
    });
  });

  it("answers a resume from memory while its loop runs, and starts the loop again once the object has lost it", async () => {
    const policy = { kind: "openai", baseUrl: inject("fakePolicies").slow, model: "m" };
    const { batchId } = await startBatch({ tasks: [{ env: "lab", taskId: "add-groceries" }], groupSize: 1, policy });
    const id = `${batchId}.g0.0`;
    const rollout = env.ROLLOUT.getByName(hostFor(batchId, 0, 256));
    let answer = await rollout.resume(id);
    for (
      const until = Date.now() + 20_000;
      answer.state !== "live" && Date.now() < until;
      answer = await rollout.resume(id)
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toEqual({ state: "live" });
    // What a runtime that died leaves: the object's storage, and a fresh instance with nothing running in it.
    await expect(runInDurableObject(rollout, (_r, state) => state.abort("the runtime died"))).rejects.toThrow();
    // The old stub went down with the old instance, as a caller's connection does with its runtime.
    const again = env.ROLLOUT.getByName(hostFor(batchId, 0, 256));
    expect(await again.resume(id)).toEqual({ state: "woken" });
    expect(await again.resume(id)).toEqual({ state: "live" });
    await farm(`/v1/batches/${batchId}/cancel`, { method: "POST" });
  });

  it("starts again a rollout it counted as started whose object never stored its start", async () => {
    const policy = { kind: "openai", baseUrl: inject("fakePolicies").slow, model: "m" };
    const { batchId } = await startBatch({
      tasks: [{ env: "lab", taskId: "add-groceries" }],
      groupSize: 2,
      concurrency: 1,
      policy,
    });
    await expect
      .poll(async () => (await status(batchId)).counts, { timeout: 20_000 })
      .toMatchObject({ running: 1, pending: 1 });
    const stub = env.BATCH.getByName(batchId);
    // What a runtime that died between the batch recording a start and the rollout storing it leaves: a row that says
    // running, and an object with nothing in it. Nothing would ever wake it.
    await runInDurableObject(stub, (_batch, state) => {
      state.storage.sql.exec(
        "UPDATE rollouts SET status = 'running', started_at = ? WHERE id = ?",
        Date.now(),
        `${batchId}.g0.1`,
      );
      state.storage.kv.put("probeAt", 0);
      return state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    // Back to pending, waiting for a free slot (concurrency 1) to be started for real.
    expect((await status(batchId)).counts).toMatchObject({ running: 1, pending: 1 });
    await farm(`/v1/batches/${batchId}/cancel`, { method: "POST" });
  });

  it("is failed with stop reason timeout when its object has nothing to say", async () => {
    const { batchId } = await startBatch({
      tasks: [{ env: "lab", taskId: "add-groceries" }],
      groupSize: 2,
      policy: { kind: "oracle" },
      rolloutTimeoutMs: 1_000,
    });
    await settled(batchId);
    await runInDurableObject(env.ROLLOUT.getByName(hostFor(batchId, 1, 256)), (_rollout, state) =>
      state.storage.deleteAll(),
    );
    const after = await loseReport(batchId, `${batchId}.g0.1`);
    expect(after).toMatchObject({
      state: "done",
      counts: { completed: 1, failed: 1, running: 0 },
      stopReasons: { answered: 1, timeout: 1 },
    });
    expect(after.errors).toEqual([{ rolloutId: `${batchId}.g0.1`, error: "no report within 2000 ms of its start" }]);
  });
});

describe("a batch's queue", () => {
  const queued = async (tasks: unknown) => {
    const { batchId } = await startBatch({ tasks, groupSize: 1, policy: { kind: "oracle" }, concurrency: 1 });
    const list = (await (await farm(`/v1/batches/${batchId}/rollouts`)).json()) as RolloutList;
    await farm(`/v1/batches/${batchId}/cancel`, { method: "POST" });
    return list.rollouts.map((r) => `${r.groupId.slice(batchId.length + 1)} ${r.env}/${r.taskId}`);
  };
  const shop = () => inject("bundles").shop!.manifest.tasks.map((t) => t.id);
  const tracker = () => inject("bundles").tracker!.manifest.tasks.map((t) => t.id);

  it("follows the order the tasks were listed in, whatever their environments", async () => {
    const [s1, s2] = shop();
    const [t1] = tracker();
    expect(
      await queued([
        { env: "tracker", taskId: t1 },
        { env: "shop", taskId: s1 },
        { env: "tracker", taskId: t1 },
        { env: "shop", taskId: s2 },
      ]),
    ).toEqual([`g0 tracker/${t1}`, `g1 shop/${s1}`, `g2 tracker/${t1}`, `g3 shop/${s2}`]);
  });

  it("takes the environments in turn for a selection by environment, so each one's worlds start at once", async () => {
    const [s1, s2, s3] = shop();
    const [t1] = tracker();
    expect(await queued({ shop: [s1, s2, s3], tracker: [t1] })).toEqual([
      `g0 shop/${s1}`,
      `g1 tracker/${t1}`,
      `g2 shop/${s2}`,
      `g3 shop/${s3}`,
    ]);
  });
});

describe("a batch's rollouts", () => {
  it("are listed from the ledger, viewed with their turns and result, and show their world's diff", async () => {
    const { batchId } = await startBatch({
      tasks: [
        { env: "lab", taskId: "add-groceries" },
        { env: "lab", taskId: "delete-first" },
      ],
      groupSize: 2,
      policy: { kind: "oracle" },
    });
    await settled(batchId);
    const list = (await (await farm(`/v1/batches/${batchId}/rollouts?limit=3`)).json()) as RolloutList;
    expect(list.total).toBe(4);
    expect(list.rollouts.map((r) => r.rolloutId)).toEqual([`${batchId}.g0.0`, `${batchId}.g0.1`, `${batchId}.g1.0`]);
    expect(list.rollouts[0]).toMatchObject({
      groupId: `${batchId}.g0`,
      env: "lab",
      taskId: "add-groceries",
      status: "completed",
      stopReason: "answered",
      reward: 1,
    });
    const group = (await (
      await farm(`/v1/batches/${batchId}/rollouts?groupId=${batchId}.g1&offset=1`)
    ).json()) as RolloutList;
    expect(group).toMatchObject({ total: 2, rollouts: [{ rolloutId: `${batchId}.g1.1`, taskId: "delete-first" }] });
    const failed = (await (await farm(`/v1/batches/${batchId}/rollouts?status=failed`)).json()) as RolloutList;
    expect(failed).toEqual({ total: 0, rollouts: [] });

    const view = (await (await farm(`/v1/rollouts/${batchId}.g0.0`)).json()) as RolloutView;
    expect(view).toMatchObject({
      batchId,
      env: "lab",
      taskId: "add-groceries",
      state: "finished",
      result: { reward: 1, stopReason: "answered" },
    });
    expect(view.turns.length).toBe(view.result!.numTurns);
    expect(view.turns[0]!.toolResults[0]).toMatchObject({ tool: "add_note", ok: true });
    const diff = (await (await farm(`/v1/rollouts/${batchId}.g0.0/diff`)).json()) as { tables: TableDiff[] };
    const notes = diff.tables.find((t) => t.table === "notes")!;
    expect(notes.inserted).toHaveLength(1);
    expect(notes.inserted[0]).toEqual(expect.arrayContaining(["groceries", "milk, eggs"]));
  });

  it("answer 400 for a bad query and 404 for an unknown rollout", async () => {
    const { batchId } = await startBatch({
      tasks: [{ env: "lab", taskId: "add-groceries" }],
      groupSize: 1,
      policy: { kind: "oracle" },
    });
    for (const q of ["status=lost", "limit=0", "offset=-1", "limit=many"]) {
      const res = await farm(`/v1/batches/${batchId}/rollouts?${q}`);
      expect(res.status, q).toBe(400);
    }
    expect((await farm(`/v1/batches/b_${"0".repeat(24)}/rollouts`)).status).toBe(404);
    expect((await farm(`/v1/rollouts/${batchId}.g9.0`)).status).toBe(404);
    expect((await farm(`/v1/rollouts/${batchId}.g9.0/diff`)).status).toBe(404);
    expect((await farm("/v1/rollouts/nope")).status).toBe(404);
  });
});

describe("cancelling a batch", () => {
  it("stops running rollouts too, a policy request in flight included, and ends the group stream", async () => {
    const policy = { kind: "openai", baseUrl: inject("fakePolicies").slow, model: "m", timeoutMs: 60_000 } as const;
    const { batchId, rollouts } = await startBatch({
      tasks: { lab: ["add-groceries"] },
      groupSize: 4,
      concurrency: 2,
      policy,
    });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await farm(`/v1/batches/${batchId}/cancel`, { method: "POST" });
    // NDJSON read as bytes: .text() on a non-text content type draws a workerd warning.
    const stream = new TextDecoder().decode(
      await (await farm(`/v1/batches/${batchId}/groups?heartbeatMs=100`)).arrayBuffer(),
    );
    // The slow policy answers after 10 s: ending well before shows the requests in flight were abandoned.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(stream.trim().split("\n").at(-1)).toBe(JSON.stringify({ type: "end", cursor: 1, state: "cancelled" }));
    const after = await status(batchId);
    expect(after.counts).toEqual({ pending: 0, running: 0, completed: 0, failed: 0, cancelled: rollouts });
    expect(after.stopReasons).toEqual({ cancelled: rollouts });
    expect(after.errors).toEqual([]);
    const view = (await (await farm(`/v1/rollouts/${batchId}.g0.0`)).json()) as RolloutView;
    expect(view.result).toMatchObject({ stopReason: "cancelled", lossWeight: 0, numTurns: 0 });
  });
});

describe("a bad batch spec", () => {
  const bad: [string, unknown, RegExp][] = [
    ["no policy", { tasks: { lab: "all" } }, /policy/],
    ["an unknown policy kind", { tasks: { lab: "all" }, policy: { kind: "psychic" } }, /policy/],
    ["a zero group size", { tasks: { lab: "all" }, groupSize: 0, policy: { kind: "oracle" } }, /groupSize/],
    ["no tasks", { tasks: [], policy: { kind: "oracle" } }, /tasks/],
    [
      "an unknown environment",
      { tasks: { nowhere: "all" }, policy: { kind: "oracle" } },
      /tasks: no environment named "nowhere"/,
    ],
    [
      "an unknown task",
      { tasks: [{ env: "lab", taskId: "nope" }], policy: { kind: "oracle" } },
      /tasks: lab has no task "nope"/,
    ],
    [
      "a bad tool format",
      { tasks: { lab: "all" }, policy: { kind: "oracle" }, toolFormat: "smoke-signals" },
      /toolFormat/,
    ],
    [
      "an openai policy without a base URL",
      { tasks: { lab: "all" }, policy: { kind: "openai", model: "m" } },
      /baseUrl/,
    ],
    [
      "a scripted reply with a malformed tool call",
      { tasks: { lab: "all" }, policy: { kind: "scripted", replies: [{ content: null, tool_calls: [{}] }] } },
      /policy\.replies/,
    ],
  ];
  it.each(bad)("is refused with 400 naming the field: %s", async (_name, spec, pattern) => {
    const res = await farm("/v1/batches", { method: "POST", json: spec });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.message).toMatch(pattern);
  });

  it("answers 404 for an unknown batch", async () => {
    expect((await farm(`/v1/batches/b_${"0".repeat(24)}`)).status).toBe(404);
    expect((await farm("/v1/batches/nope")).status).toBe(404);
  });
});
