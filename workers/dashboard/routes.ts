import { Hono } from "hono";
import { z } from "zod";
import type { BatchStatus } from "../shared/batch.ts";
import { FarmError } from "../shared/errors.ts";
import { RunQuery, batchSummary, runOf, type BatchSummary, type Run, type RunList } from "../shared/run.ts";
import { requireAdmin } from "../http/auth.ts";
import { rpc } from "../http/rpc.ts";
import { registry } from "../env-host/registry-client.ts";

type App = { Bindings: Env };

/** A batch is final once it ended and nothing in it is still pending or running (a cancelled one may be). */
const isFinal = (s: BatchSummary) => s.state !== "running" && s.counts.pending === 0 && s.counts.running === 0;

/**
 * The farm's newest batches with their reward statistics, grouped into runs: what the dashboard charts. A Batch
 * reads its whole ledger to answer status, so the summaries of final batches are kept in the registry and each
 * finished Batch is asked once.
 */
async function runs(env: Env, limit: number): Promise<RunList> {
  const listed = await registry(env).batches(limit);
  const kept = (await registry(env).finalSummaries(listed.map((b) => b.batchId))) as Record<string, BatchSummary>;
  const found = await Promise.all(listed.map(async (b): Promise<BatchSummary | null> => {
    if (kept[b.batchId]) return { ...kept[b.batchId], deletedAt: kept[b.batchId].deletedAt ?? null };
    let s: BatchStatus;
    try {
      s = (await rpc(env.BATCH.getByName(b.batchId).status())) as BatchStatus;
    } catch (err) {
      // Deleted between the listing and this read, with its summary forgotten: not part of any run any more.
      if (err instanceof FarmError && (err.code === "batch_deleted" || err.code === "batch_not_found")) return null;
      throw err;
    }
    const summary = batchSummary(s, b);
    if (isFinal(summary)) await registry(env).keepFinalSummary(b.batchId, summary);
    return summary;
  }));
  const summaries = found.filter((s) => s !== null);
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
