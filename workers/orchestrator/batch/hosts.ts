import { fnv1a } from "../rollout/fnv.ts";

/**
 * How many of a batch's running rollouts share a host object (rollout/rollout-object.ts). Hosts are the batch's
 * concurrency divided by this, and rollouts go to them round-robin in queue order, so that the running ones, which
 * are consecutive in the queue, spread evenly: each host runs about this many at once.
 */
const ROLLOUTS_PER_HOST = 8;

/** The host of the batch's rollout number `seq` in its queue. */
export function hostFor(batchId: string, seq: number, concurrency: number): string {
  return `${batchId}/${seq % Math.ceil(concurrency / ROLLOUTS_PER_HOST)}`;
}

/**
 * Which of `n` places (world processes) a host goes to: its batch's hosts take turns, from a place that depends on
 * the batch, so that a batch's 16 hosts are 8 and 8 over two places, not whatever split their hashes fall into. Any
 * other object (a rollout alone in its own, from before hosts) by the hash of its name.
 */
export function hostPlace(host: string, n: number): number {
  const slash = host.lastIndexOf("/");
  const k = slash === -1 ? Number.NaN : Number(host.slice(slash + 1));
  return Number.isInteger(k) ? (fnv1a(host.slice(0, slash)) + k) % n : fnv1a(host) % n;
}

/** The object a ledger row's rollout lives in: its host, or its own for a rollout queued before hosts existed. */
export function hostOf(row: { id: string; host: string | null }): string {
  return row.host ?? row.id;
}
