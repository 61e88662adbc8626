import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBridgeFarm, type BridgeFarm } from "../local-farm.ts";
import {
  Farm,
  FarmError,
  ProtocolError,
  TransportError,
  grpoAdvantages,
  toTrl,
  toVerl,
  trajectoryRow,
  type Group,
  type StreamLine,
} from "./index.ts";

let local: BridgeFarm;
beforeAll(async () => {
  local = await startBridgeFarm();
}, 120_000);
afterAll(() => local?.close());

const shop = (n: number) => {
  const ids = local.bundles.find((b) => b.manifest.name === "shop")!.manifest.tasks.map((t) => t.id);
  return Array.from({ length: n }, (_, i) => ({ env: "shop", taskId: ids[i % ids.length]! }));
};
const policy = () => ({ kind: "openai" as const, baseUrl: local.policyUrl, model: "fake-policy", backoffMs: 20 });

async function collect<T>(items: AsyncIterable<T>, limit = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * The real fetch, with every response body cut in the middle of its (k+1)-th line, k cycling through `lines`:
 * the client sees the connection drop mid-group again and again.
 */
function cuttingFetch(lines: number[]) {
  let connections = 0;
  const fetcher: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (!String(input).includes("/groups")) return res;
    const keep = lines[connections++ % lines.length]!;
    let newlines = 0;
    let cut = false;
    const body = res.body!.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          if (cut) return;
          for (let i = 0; i < chunk.length; i++) {
            if (chunk[i] === 0x0a && ++newlines === keep) {
              const end = Math.min(chunk.length, i + 1 + 40);
              controller.enqueue(chunk.subarray(0, end));
              cut = true;
              controller.error(new TypeError("connection reset (test)"));
              return;
            }
          }
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return { fetcher, connections: () => connections };
}

describe("the TypeScript trainer-bridge client", () => {
  it("streams every group once, in order; the adapters give one row per trajectory, leaving out split members", async () => {
    const farm = new Farm(local.url, { token: local.token });
    const created = await farm.runBatch({
      tasks: shop(4),
      groupSize: 3,
      policy: policy(),
      policyVersion: "step-1",
      maxTurns: 30,
      truncation: { keepTurns: 1 },
    });
    const groups = await collect(farm.groups(created.batchId));
    expect(groups.map((g) => g.seq)).toEqual([0, 1, 2, 3]);
    expect((await farm.batch(created.batchId)).state).toBe("done");
    expect((await farm.batches()).map((b) => b.batchId)).toContain(created.batchId);
    let split = 0;
    for (const group of groups) {
      expect(group.policy.policy_version).toBe("step-1");
      const verl = toVerl(group, { promptLength: 100_000, responseLength: 64, fallbackPromptIds: [1] });
      const trl = toTrl(group, { eosTokenId: 151645, fallbackPromptIds: [1] });
      expect(verl).toHaveLength(group.trajectories.length);
      expect(trl.completion_ids).toHaveLength(group.trajectories.length);
      group.trajectories.forEach((t, i) => {
        const { leftOut } = trajectoryRow(t);
        if (t.samples.length > 1) split++, expect(leftOut).toBe("split");
        expect(verl[i]!.reward_score).toBe(leftOut === null ? t.reward : null);
        expect(trl.reward[i]).toBe(leftOut === null ? t.reward : null);
        expect(trl.completion_ids[i]!.length).toBeGreaterThan(0);
        for (const k of ["response_mask", "response_logprobs"] as const)
          expect(verl[i]![k]).toHaveLength(verl[i]!.response_ids.length);
        expect(verl[i]!.response_ids.length).toBeLessThanOrEqual(64);
        if (leftOut !== null) expect(trl.env_mask[i]!.every((m) => m === 0)).toBe(true);
      });
      const counted = group.trajectories.filter((t) => t.loss_weight === 1).map((t) => t.reward);
      if (counted.length > 1)
        expect(counted.reduce((a, b) => a + b, 0) / counted.length).toBeCloseTo(group.stats.mean, 9);
    }
    expect(split).toBeGreaterThan(0);
  }, 120_000);

  it("gets every group exactly once through connections cut mid-line again and again", async () => {
    const created = await new Farm(local.url, { token: local.token }).createBatch({
      tasks: shop(10),
      groupSize: 2,
      concurrency: 4,
      policy: policy(),
      maxTurns: 30,
    });
    const cutting = cuttingFetch([1, 2, 1, 3].map((k) => k + 1));
    const farm = new Farm(local.url, {
      token: local.token,
      fetch: cutting.fetcher,
      retries: 5,
      backoffMs: 10,
      maxBackoffMs: 50,
    });
    const ids = (await collect(farm.groups(created.batchId, { heartbeatMs: 200 }))).map((g) => g.group_id);
    expect([...ids].sort()).toEqual(Array.from({ length: 10 }, (_, n) => `${created.batchId}.g${n}`).sort());
    expect(cutting.connections()).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it("waits with heartbeats at a cursor beyond the end while the batch runs, then ends", async () => {
    const farm = new Farm(local.url, { token: local.token });
    const created = await farm.createBatch({
      tasks: shop(40),
      groupSize: 2,
      concurrency: 2,
      policy: policy(),
      maxTurns: 30,
    });
    const waiting = await collect(farm.lines(created.batchId, { cursor: 500, heartbeatMs: 100 }), 3);
    expect(waiting).toEqual(Array.from({ length: 3 }, () => ({ type: "heartbeat", cursor: 500, state: "running" })));
    await farm.cancel(created.batchId);
    const after: StreamLine[] = await collect(farm.lines(created.batchId, { cursor: 500, heartbeatMs: 100 }));
    expect(after.at(-1)).toEqual({ type: "end", cursor: 500, state: "cancelled" });
    expect(await farm.deleteBatch(created.batchId)).toMatchObject({ batchId: created.batchId, summaryKept: true });
    const gone = await farm.batch(created.batchId).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(FarmError);
    expect(gone).toMatchObject({ status: 410, code: "batch_deleted" });
  });

  it("throws FarmError for an unknown batch and a bad spec, TransportError when the network stays down", async () => {
    const farm = new Farm(local.url, { token: local.token });
    const unknown = await collect(farm.groups("b_doesnotexist000000000000")).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(FarmError);
    expect((unknown as FarmError).status).toBe(404);
    const bad = await farm.createBatch({ tasks: shop(1), groupSize: 0, policy: policy() }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400 });
    expect((bad as FarmError).message).toContain("groupSize");
    const down = new Farm(local.url, {
      retries: 2,
      backoffMs: 0,
      fetch: async () => Promise.reject(new TypeError("fetch failed")),
    });
    const err = await collect(down.groups("b_any")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).attempts).toBe(3);
    const garbage = new Farm(local.url, {
      fetch: async () => new Response('{"type":"group","schema":"worldfarm.group.v0"}\n'),
    });
    await expect(collect(garbage.groups("b_any"))).rejects.toBeInstanceOf(ProtocolError);
    expect(() => new Farm("127.0.0.1:8787")).toThrow(TypeError);
  });
});

describe("grpoAdvantages", () => {
  const group = (rewards: number[], weights = rewards.map(() => 1 as const as 0 | 1)) =>
    ({ trajectories: rewards.map((reward, i) => ({ reward, loss_weight: weights[i]! })) }) as unknown as Group;

  it("follows verl: (r - mean) / (sample std + 1e-6), a lone member r / (1 + 1e-6); failed members get 0 and do not move the others", () => {
    const r = [1, 0, 0.5, 0];
    const mean = 0.375;
    const std = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 3);
    grpoAdvantages(group(r)).forEach((a, i) => expect(a).toBeCloseTo((r[i]! - mean) / (std + 1e-6), 12));
    expect(grpoAdvantages(group([1, 0, -0.1, 0.5], [1, 1, 0, 1]))).toEqual(
      [...grpoAdvantages(group([1, 0, 0.5]))].toSpliced(2, 0, 0),
    );
    expect(grpoAdvantages(group([1]))).toEqual([1 / (1 + 1e-6)]);
    expect(grpoAdvantages(group([1, 0]), "verl", { normByStd: false })).toEqual([0.5, -0.5]);
  });

  it("follows TRL (epsilon 1e-4, scale_rewards) and TRL async (std over n, epsilon 1e-8)", () => {
    const r = [1, 0, 0.5, 0];
    const mean = 0.375;
    const sample = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 3);
    const population = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 4);
    grpoAdvantages(group(r), "trl").forEach((a, i) => expect(a).toBeCloseTo((r[i]! - mean) / (sample + 1e-4), 12));
    grpoAdvantages(group(r), "trl", { scaleRewards: "none" }).forEach((a, i) =>
      expect(a).toBeCloseTo(r[i]! - mean, 12),
    );
    grpoAdvantages(group(r), "trl_async").forEach((a, i) =>
      expect(a).toBeCloseTo((r[i]! - mean) / (population + 1e-8), 12),
    );
    expect(grpoAdvantages(group([1]), "trl")).toEqual([0]);
    expect(grpoAdvantages(group([1, 0], [1, 0]), "trl_async")).toEqual([0, 0]);
  });
});
