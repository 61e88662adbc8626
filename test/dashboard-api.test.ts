import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { RunList } from "../workers/shared/run.ts";
import { runOf } from "../workers/shared/run.ts";
import { farm, settled, startBatch, upload } from "./helpers.ts";

beforeAll(async () => {
  await upload("lab");
});

async function batch(policyVersion?: string, replies?: { content: string }[]): Promise<string> {
  const policy = replies ? { kind: "scripted", replies } : { kind: "oracle" };
  const { batchId } = await startBatch({
    tasks: [{ env: "lab", taskId: "add-groceries" }],
    groupSize: 2,
    policy,
    ...(policyVersion ? { policyVersion } : {}),
  });
  await settled(batchId, { timeoutMs: 30_000 });
  return batchId;
}

describe("runOf", () => {
  it("reads the run from NAME@STEP, else takes the whole policyVersion", () => {
    expect(runOf("grpo-shop@12")).toBe("grpo-shop");
    expect(runOf("a@b@3")).toBe("a@b");
    expect(runOf("demo")).toBe("demo");
    expect(runOf("@3")).toBe("@3");
    expect(runOf(null)).toBeNull();
    expect(runOf("")).toBeNull();
  });
});

describe("GET /v1/runs", () => {
  it("groups batches into runs, oldest batch first, each with its reward statistics", async () => {
    const run = `run-${crypto.randomUUID().slice(0, 8)}`;
    const first = await batch(`${run}@1`, [{ content: "I cannot help with that." }]);
    const loose = await batch();
    const second = await batch(`${run}@2`);
    const res = await farm("/v1/runs");
    expect(res.status).toBe(200);
    const { runs } = (await res.json()) as RunList;
    expect(runs[0]!.run).toBe(run);
    expect(runs[0]!.batches.map((b) => [b.batchId, b.policyVersion, b.state, b.reward.n, b.reward.mean])).toEqual([
      [first, `${run}@1`, "done", 2, 0],
      [second, `${run}@2`, "done", 2, 1],
    ]);
    expect(runs[0]!.batches[1]).toMatchObject({
      rollouts: 2,
      counts: { completed: 2 },
      rewardByEnv: { lab: { n: 2, mean: 1, std: 0 } },
    });
    const unnamed = runs.find((r) => r.run === null);
    expect(unnamed?.batches.map((b) => b.batchId)).toContain(loose);
  });

  it("limits how many batches it reads and refuses a malformed limit", async () => {
    await batch("limited@1");
    const { runs } = (await (await farm("/v1/runs?limit=1")).json()) as RunList;
    expect(runs.flatMap((r) => r.batches)).toHaveLength(1);
    expect((await farm("/v1/runs?limit=0")).status).toBe(400);
    expect((await farm("/v1/runs?limit=x")).status).toBe(400);
  });
});

describe("final batch summaries", () => {
  const kept = () =>
    runInDurableObject(env.FARM_INDEX.getByName("index"), (_index, state) =>
      state.storage.sql
        .exec<{ id: string }>("SELECT id FROM batch_summaries")
        .toArray()
        .map((r) => r.id),
    );

  it("are kept once a batch can no longer change, and never while it runs", async () => {
    const finished = await batch("kept@1");
    const policy = { kind: "openai", baseUrl: inject("fakePolicies").faulty, model: "m", maxRetries: 8, backoffMs: 0 };
    const res = await farm("/v1/batches", {
      method: "POST",
      json: { tasks: { lab: ["add-groceries"] }, groupSize: 8, concurrency: 1, policy, policyVersion: "kept@2" },
    });
    const { batchId: running } = (await res.json()) as { batchId: string };
    const { runs } = (await (await farm("/v1/runs")).json()) as RunList;
    const run = runs.find((r) => r.run === "kept")!;
    expect(run.batches.map((b) => [b.batchId, b.state])).toEqual([
      [finished, "done"],
      [running, "running"],
    ]);
    expect(await kept()).toContain(finished);
    expect(await kept()).not.toContain(running);
    // Served from the farm index the second time, and the same.
    const again = ((await (await farm("/v1/runs")).json()) as RunList).runs.find((r) => r.run === "kept")!;
    expect(again.batches[0]).toEqual(run.batches[0]);
    await farm(`/v1/batches/${running}/cancel`, { method: "POST" });
  });
});

describe("the dashboard's API description", () => {
  it("describes what the dashboard reads", async () => {
    const doc = (await (await farm("/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    for (const path of [
      "/v1/instances",
      "/v1/runs",
      "/v1/envs",
      "/v1/batches/{id}/rollouts",
      "/v1/rollouts/{id}/diff",
    ]) {
      expect(doc.paths[path]?.get, path).toBeDefined();
    }
  });
});
