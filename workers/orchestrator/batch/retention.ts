import type { BatchSpec } from "../../shared/batch.ts";
import { batchRetainSeconds } from "../../farm-vars.ts";

/**
 * When a batch that has ended deletes itself: its spec's retainSeconds after it finished, else the farm's
 * BATCH_RETAIN_SECONDS as it is now (so changing the farm's default reaches batches that named none). null while it
 * runs, or when it is kept until deleted by hand.
 */
export function expiresAt(
  meta: { spec: BatchSpec; state: string; finishedAt: number | null },
  env: Env,
): number | null {
  if (meta.state === "running" || meta.finishedAt === null) return null;
  const seconds = meta.spec.retainSeconds === undefined ? batchRetainSeconds(env) : meta.spec.retainSeconds;
  return seconds === null ? null : meta.finishedAt + seconds * 1000;
}
