import { z } from "zod";
import { BatchStatus } from "./batch.ts";

/**
 * A run is the batches one training run produced, in order. Batches name their run through policyVersion:
 * "NAME@STEP" belongs to run NAME (the step tells successive batches apart); any other policyVersion is a run of
 * its own name, so batches that share it form one run. Batches without a policyVersion belong to no run.
 */
export function runOf(policyVersion: string | null | undefined): string | null {
  if (!policyVersion) return null;
  const at = policyVersion.lastIndexOf("@");
  return at > 0 ? policyVersion.slice(0, at) : policyVersion;
}

export const BatchSummary = BatchStatus.pick({
  batchId: true,
  state: true,
  createdAt: true,
  finishedAt: true,
  counts: true,
  reward: true,
  rewardByEnv: true,
}).extend({
  policyVersion: z.string().nullable(),
  rollouts: z.number().int(),
  /** Set once the batch was deleted: its summary stays for the run's curve, its rollouts are gone. */
  deletedAt: z.string().nullable(),
});
export type BatchSummary = z.infer<typeof BatchSummary>;

export function batchSummary(
  s: BatchStatus,
  listed: { policyVersion: string | null; rollouts: number },
  deletedAt: string | null = null,
): BatchSummary {
  return {
    batchId: s.batchId,
    state: s.state,
    createdAt: s.createdAt,
    finishedAt: s.finishedAt,
    counts: s.counts,
    reward: s.reward,
    rewardByEnv: s.rewardByEnv,
    policyVersion: listed.policyVersion,
    rollouts: listed.rollouts,
    deletedAt,
  };
}

export const Run = z.object({
  /** null for the batches that name no run. */
  run: z.string().nullable(),
  /** Oldest first: the order the run's reward curve is drawn in. */
  batches: z.array(BatchSummary),
});
export type Run = z.infer<typeof Run>;

export const RunQuery = z.object({
  /** How many of the farm's newest batches to group. */
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Runs, the one with the newest batch first. */
export const RunList = z.object({ runs: z.array(Run) });
export type RunList = z.infer<typeof RunList>;
