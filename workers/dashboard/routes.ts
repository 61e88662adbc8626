import { Hono } from "hono";
import { z } from "zod";
import type { BatchStatus } from "../shared/batch.ts";
import { FarmError } from "../shared/errors.ts";
import { RunQuery, runOf, type BatchSummary, type Run, type RunList } from "../shared/run.ts";
import { requireAdmin } from "../http/auth.ts";
import { rpc } from "../http/rpc.ts";
import { registry } from "../env-host/registry-client.ts";

type App = { Bindings: Env };

/** The farm's newest batches with their reward statistics, grouped into runs: what the dashboard charts. */
async function runs(env: Env, limit: number): Promise<RunList> {
  const listed = await registry(env).batches(limit);
  const summaries = await Promise.all(listed.map(async (b): Promise<BatchSummary> => {
    const s = (await rpc(env.BATCH.getByName(b.id).status())) as BatchStatus;
    return {
      batchId: s.batchId, state: s.state, createdAt: s.createdAt, finishedAt: s.finishedAt, counts: s.counts,
      reward: s.reward, rewardByEnv: s.rewardByEnv, policyVersion: b.policyVersion, rollouts: b.rollouts,
    };
  }));
  const byRun = new Map<string | null, BatchSummary[]>();
  // The registry lists newest first, so runs come out ordered by their newest batch.
  for (const s of summaries) byRun.set(runOf(s.policyVersion), [...(byRun.get(runOf(s.policyVersion)) ?? []), s]);
  return { runs: [...byRun].map(([run, batches]): Run => ({ run, batches: batches.reverse() })) };
}

export const dashboardRoutes = new Hono<App>()
  .get("/v1/runs", requireAdmin(), async (c) => {
    const query = RunQuery.safeParse(c.req.query());
    if (!query.success) throw new FarmError("invalid_request", 400, z.prettifyError(query.error));
    return c.json(await runs(c.env, query.data.limit));
  });
