import { and, asc, gte, isNotNull } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { rollouts } from "./tables.ts";
import { farmIndex } from "../../farm-index/client.ts";
import { reportDeleted, rolloutStub, rolloutWorld } from "../../env-host/worlds.ts";
import { hostOf } from "./hosts.ts";

/**
 * Rollout objects deleted per alarm, and the pause before the next wave. Local workerd runs SQLite on the thread
 * that serves every request, and deleting an object (opening it, then removing its files) took ~50 ms on a loaded
 * 2-core machine: waves of 32 back to back held a live tool call for 1.4 s (median; bench/LIFECYCLE-RESULTS.md).
 * Small waves with a pause between them leave the runtime to live work.
 */
export const DELETE_WAVE = 8;
const WAVE_PAUSE_MS = 100;

/** A wave that fails is tried again this many times, a second further apart each time, before it is passed over. */
const RETRIES = 5;

/** How far a batch's deletion has got: its rollouts are deleted in queue order. */
export interface Deleting {
  batchId: string;
  startedAt: number;
  nextSeq: number;
  retries: number;
}

export function startDeleting(storage: DurableObjectStorage, batchId: string): void {
  storage.kv.put<Deleting>("deleting", { batchId, startedAt: Date.now(), nextSeq: 0, retries: 0 });
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
  const wave = db
    .select({ id: rollouts.id, seq: rollouts.seq, env: rollouts.env, host: rollouts.host })
    .from(rollouts)
    .where(and(gte(rollouts.seq, deleting.nextSeq), isNotNull(rollouts.startedAt)))
    .orderBy(asc(rollouts.seq))
    .limit(DELETE_WAVE)
    .all();
  if (wave.length === 0) {
    // Marked first: a failed mark leaves the alarm to try both again. deleteAll takes the alarm with it (deleting
    // the alarm first would write its table back).
    await farmIndex(env).markBatchPurged(deleting.batchId);
    await storage.deleteAll();
    return;
  }
  const outcomes = await Promise.allSettled(
    wave.map(async (r) => (await rolloutStub(env, r.env, hostOf(r))).purge(r.id)),
  );
  // The ids of hosts emptied by the wave, by the world that held them, which removes their files.
  const purged = new Map<string, string[]>();
  for (const [i, o] of outcomes.entries()) {
    if (o.status !== "fulfilled" || o.value === null) continue;
    const world = rolloutWorld(env, wave[i]!.env, hostOf(wave[i]!));
    purged.set(world, [...(purged.get(world) ?? []), o.value]);
  }
  // Best effort: what a local farm is not told of, its next start removes.
  await Promise.allSettled([...purged].map(([world, ids]) => reportDeleted(env, world, ids)));
  const failed = outcomes.findIndex((o) => o.status === "rejected");
  if (failed === -1 || deleting.retries >= RETRIES) {
    // A rollout that still cannot be deleted is passed over rather than holding the rest of the batch forever.
    const next = failed === -1 ? wave.at(-1)!.seq + 1 : wave[failed]!.seq + 1;
    storage.kv.put<Deleting>("deleting", { ...deleting, nextSeq: next, retries: 0 });
    await storage.setAlarm(Date.now() + WAVE_PAUSE_MS);
  } else {
    storage.kv.put<Deleting>("deleting", { ...deleting, nextSeq: wave[failed]!.seq, retries: deleting.retries + 1 });
    await storage.setAlarm(Date.now() + 1_000 * (deleting.retries + 1));
  }
}
