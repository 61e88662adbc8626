import { and, asc, gte, isNotNull } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { rollouts } from "./tables.ts";

/**
 * Rollout objects deleted per alarm. Each deletion is a few file removals; a small wave per alarm leaves the runtime
 * to live work between waves, where one pass over 10,000 rollouts would hold it for seconds.
 */
export const DELETE_WAVE = 32;

/** A wave that fails is tried again this many times, a second further apart each time, before it is passed over. */
const RETRIES = 5;

/** How far a batch's deletion has got: its rollouts are deleted in queue order. */
export interface Deleting {
  startedAt: number;
  nextSeq: number;
  retries: number;
}

export function startDeleting(storage: DurableObjectStorage): void {
  storage.kv.put<Deleting>("deleting", { startedAt: Date.now(), nextSeq: 0, retries: 0 });
}

export function isDeleting(storage: DurableObjectStorage): boolean {
  return storage.kv.get("deleting") !== undefined;
}

/**
 * One wave: deletes the next rollouts' objects (only those that were started: a rollout cancelled while waiting
 * never had one), then schedules the next wave; with none left, deletes the batch's own storage.
 */
export async function deleteWave(storage: DurableObjectStorage, env: Env, db: DrizzleSqliteDODatabase): Promise<void> {
  const deleting = storage.kv.get<Deleting>("deleting")!;
  const wave = db.select({ id: rollouts.id, seq: rollouts.seq }).from(rollouts)
    .where(and(gte(rollouts.seq, deleting.nextSeq), isNotNull(rollouts.startedAt))).orderBy(asc(rollouts.seq)).limit(DELETE_WAVE).all();
  if (wave.length === 0) {
    // deleteAll takes the alarm with it; deleting the alarm first would write its table back.
    await storage.deleteAll();
    return;
  }
  const outcomes = await Promise.allSettled(wave.map((r) => env.ROLLOUT.getByName(r.id).purge()));
  const failed = outcomes.findIndex((o) => o.status === "rejected");
  if (failed === -1 || deleting.retries >= RETRIES) {
    // A rollout that still cannot be deleted is passed over rather than holding the rest of the batch forever.
    const next = failed === -1 ? wave.at(-1)!.seq + 1 : wave[failed]!.seq + 1;
    storage.kv.put<Deleting>("deleting", { ...deleting, nextSeq: next, retries: 0 });
    await storage.setAlarm(Date.now());
  } else {
    storage.kv.put<Deleting>("deleting", { ...deleting, nextSeq: wave[failed]!.seq, retries: deleting.retries + 1 });
    await storage.setAlarm(Date.now() + 1_000 * (deleting.retries + 1));
  }
}
