import type { BatchStatus } from "../shared/batch.ts";
import { FarmError } from "../shared/errors.ts";
import { batchSummary, runOf, type BatchSummary, type Run, type RunList } from "../shared/run.ts";
import { rpc } from "../http/rpc.ts";
import { farmIndex } from "../farm-index/client.ts";

/** A batch is final once it ended and nothing in it is still pending or running (a cancelled one may be). */
const isFinal = (s: BatchSummary) => s.state !== "running" && s.counts.pending === 0 && s.counts.running === 0;

/**
 * The farm's newest batches with their reward statistics, grouped into runs (NAME@STEP, see runOf): what the
 * dashboard charts. A Batch reads its whole ledger to answer status, so the summaries of final batches are kept in
 * the farm index and each finished Batch is asked once.
 */
export async function runs(env: Env, limit: number): Promise<RunList> {
  const index = farmIndex(env);
  const listed = await index.batches(limit);
  const kept = (await index.finalSummaries(listed.map((b) => b.batchId))) as Record<string, BatchSummary>;
  const found = await Promise.all(
    listed.map(async (b): Promise<BatchSummary | null> => {
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
      if (isFinal(summary)) await index.keepFinalSummary(b.batchId, summary);
      return summary;
    }),
  );
  const byRun = new Map<string | null, BatchSummary[]>();
  // The index lists newest first, so runs come out ordered by their newest batch.
  for (const s of found.filter((s) => s !== null))
    byRun.set(runOf(s.policyVersion), [...(byRun.get(runOf(s.policyVersion)) ?? []), s]);
  return { runs: [...byRun].map(([run, batches]): Run => ({ run, batches: batches.reverse() })) };
}
