import { DurableObject } from "cloudflare:workers";
import { and, asc, eq, gte, inArray, isNull, lte, min, sql, type SQL } from "drizzle-orm";
import { drizzle, type DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { BatchDeleted, BatchSpec, BatchStatus } from "../../shared/batch.ts";
import { FarmError, decodeFarmError, encodeFarmError } from "../../shared/errors.ts";
import type { RolloutList, RolloutResult } from "../../shared/rollout.ts";
import { problems, rewardStats } from "./stats.ts";
import { deliveries, groupLog, groups, rollouts } from "./tables.ts";
import { BATCH_MIGRATIONS } from "./migrations.ts";
import { migrate } from "../../storage/migrate.ts";
import { groupDocument, type LogEntry, type LogPage } from "../bridge/group-document.ts";
import { postGroup, retryDelay } from "../bridge/deliver.ts";
import { reportOf, type Liveness, type RolloutReport } from "../rollout/rollout-run.ts";
import { rolloutStub } from "../../env-host/worlds.ts";
import { farmIndex } from "../../farm-index/client.ts";
import { deleteWave, isDeleting, startDeleting } from "./deletion.ts";
import { expiresAt } from "./retention.ts";
import { hostFor, hostOf } from "./hosts.ts";

export type { RolloutReport } from "../rollout/rollout-run.ts";

/**
 * How often running rollouts are asked whether their loops are alive, and how many are asked at once. A probe also
 * runs at once when the batch finds itself re-instantiated while running, when a rollout tells it that it resumed
 * after a restart, and soon after an RPC to a rollout failed for want of a runtime.
 */
const PROBE_MS = 30_000;
const PROBE_WAVE = 128;
/** The soonest a probe follows the one before it: one restart brings many signs of itself. */
const PROBE_GAP_MS = 2_000;
/** A rollout whose start failed for want of a runtime is started again; this many times, then it has failed. */
const START_TRIES = 2;

/** Overdue rollouts asked for their result at once. */
const RECLAIM_WAVE = 64;

/** How long past its own deadline a rollout may take to report: its alarm retries a failed report with backoff. */
function overdueGrace(timeoutMs: number): number {
  return Math.min(60_000, Math.max(1_000, timeoutMs / 2));
}

/** Deliveries attempted at once: each assembles a group from its members' objects. */
const DELIVERY_WAVE = 8;

export interface PlannedRollout {
  id: string;
  groupId: string;
  env: string;
  bundleId: string;
  taskId: string;
}

/**
 * An RPC that failed because the runtime it reached died (or was not there yet), not because the rollout threw:
 * what the callee throws arrives marked remote, a farm error carries its code, and a lost connection neither.
 */
function runtimeFailure(err: unknown): boolean {
  if (decodeFarmError(err)) return false;
  const { remote, retryable } = (err ?? {}) as { remote?: boolean; retryable?: boolean };
  return remote !== true || retryable === true;
}

interface Meta {
  batchId: string;
  spec: BatchSpec;
  createdAt: number;
  state: "running" | "done" | "cancelled";
  finishedAt: number | null;
}

/**
 * A batch: a queue of rollouts fanned out in alarm-driven waves, never more than `concurrency` at once, so
 * thousands progress without any request holding them. Work beyond the bound waits; it never fails for capacity.
 */
export class Batch extends DurableObject<Env> {
  private readonly db: DrizzleSqliteDODatabase;
  /** Streams waiting for the next group to finish. */
  private waiters = new Set<() => void>();
  /** Rollouts whose start() this instance is waiting on: a probe finding them without a spec is not a lost start. */
  private readonly starting = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.db = drizzle(ctx.storage);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, BATCH_MIGRATIONS);
      // A running batch that is being instantiated lost its memory, most likely with its runtime; its rollouts may
      // have lost theirs too, so they are asked at once rather than at the next periodic probe.
      if (ctx.storage.kv.get<Meta>("meta")?.state === "running") {
        ctx.storage.kv.put("probeAt", Date.now());
        await ctx.storage.setAlarm(Date.now());
      }
    });
  }

  private meta(): Meta {
    const meta = this.ctx.storage.kv.get<Meta>("meta");
    if (!meta) throw encodeFarmError(new FarmError("batch_not_found", 404, "no such batch"));
    if (isDeleting(this.ctx.storage))
      throw encodeFarmError(new FarmError("batch_deleted", 410, `batch ${meta.batchId} was deleted with its rollouts`));
    return meta;
  }

  async create(batchId: string, spec: BatchSpec, plan: PlannedRollout[]): Promise<void> {
    if (this.ctx.storage.kv.get("meta"))
      throw encodeFarmError(new FarmError("batch_exists", 409, "batch already exists"));
    this.ctx.storage.transactionSync(() => {
      const sizes = new Map<string, PlannedRollout & { size: number }>();
      for (const [seq, r] of plan.entries()) {
        this.db
          .insert(rollouts)
          .values({ ...r, seq, status: "pending", host: hostFor(batchId, seq, spec.concurrency) })
          .run();
        const g = sizes.get(r.groupId);
        sizes.set(r.groupId, { ...r, size: (g?.size ?? 0) + 1 });
      }
      for (const g of sizes.values())
        this.db.insert(groups).values({ id: g.groupId, env: g.env, taskId: g.taskId, size: g.size }).run();
      this.ctx.storage.kv.put<Meta>("meta", {
        batchId,
        spec,
        createdAt: Date.now(),
        state: "running",
        finishedAt: null,
      });
      this.ctx.storage.kv.put("probeAt", Date.now() + PROBE_MS);
    });
    await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    if (isDeleting(this.ctx.storage)) return deleteWave(this.ctx.storage, this.env, this.db);
    const meta = this.ctx.storage.kv.get<Meta>("meta");
    if (!meta) return;
    const expiry = expiresAt(meta, this.env);
    if (expiry !== null && expiry <= Date.now()) {
      await this.delete(meta.batchId, true);
      return;
    }
    await this.reclaimOverdue(meta);
    await this.probe();
    if (this.meta().state === "running") await this.wave(this.meta());
    if (meta.spec.deliver) await this.deliver(meta);
    await this.scheduleNext(meta);
  }

  /**
   * A rollout ends itself at its deadline and reports at least once; one still running well past it has lost its
   * report or its object. Its result is fetched if it has one, else it is failed with stop reason timeout, so
   * no batch waits forever on one rollout.
   */
  private async reclaimOverdue(meta: Meta): Promise<void> {
    const limit = meta.spec.rolloutTimeoutMs + overdueGrace(meta.spec.rolloutTimeoutMs);
    const overdue = this.db
      .select()
      .from(rollouts)
      .where(and(eq(rollouts.status, "running"), lte(rollouts.startedAt, Date.now() - limit)))
      .orderBy(asc(rollouts.seq))
      .limit(RECLAIM_WAVE)
      .all();
    await Promise.all(
      overdue.map(async (r) => {
        const result = (await (
          await rolloutStub(this.env, r.env, hostOf(r))
        )
          .result(r.id)
          .catch(() => null)) as RolloutResult | null;
        this.record(
          result
            ? reportOf(result)
            : {
                rolloutId: r.id,
                status: "failed",
                stopReason: "timeout",
                reward: 0,
                error: `no report within ${limit} ms of its start`,
              },
        );
      }),
    );
  }

  /**
   * Asks every running rollout, a wave at a time, whether its loop is alive. One that is running answers from
   * memory; one whose runtime died has lost that memory and is started again by the question itself; one whose
   * report was lost answers with it. This, not an alarm the dead runtime may have been running, is what brings a
   * batch back after a restart.
   */
  private async probe(): Promise<void> {
    const now = Date.now();
    if (now < (this.ctx.storage.kv.get<number>("probeAt") ?? 0)) return;
    const running = this.db
      .select({ id: rollouts.id, env: rollouts.env, host: rollouts.host })
      .from(rollouts)
      .where(eq(rollouts.status, "running"))
      .orderBy(asc(rollouts.seq))
      .all();
    let unreachable = 0;
    const lost: string[] = [];
    for (let i = 0; i < running.length; i += PROBE_WAVE) {
      await Promise.all(
        running.slice(i, i + PROBE_WAVE).map(async (r) => {
          const { id } = r;
          let answer: Liveness;
          try {
            answer = (await (await rolloutStub(this.env, r.env, hostOf(r))).resume(id)) as Liveness;
          } catch {
            unreachable += 1;
            return;
          }
          if (answer.state === "finished") this.record(answer.report);
          else if (answer.state === "unknown" && !this.starting.has(id)) lost.push(id);
        }),
      );
    }
    // Counted as started, but its object never stored its spec: the runtime died between this batch recording the
    // start and the rollout storing it (this instance is not starting it). start() is idempotent: the next wave.
    for (const id of lost)
      this.db
        .update(rollouts)
        .set({ status: "pending", startedAt: null })
        .where(and(eq(rollouts.id, id), eq(rollouts.status, "running")))
        .run();
    if (lost.length) {
      const scheduled = await this.ctx.storage.getAlarm();
      if (scheduled === null || scheduled > Date.now()) await this.ctx.storage.setAlarm(Date.now());
    }
    this.ctx.storage.kv.put("probedAt", now);
    // A runtime still coming back is asked again soon, not in a full period.
    this.ctx.storage.kv.put("probeAt", Date.now() + (unreachable ? PROBE_GAP_MS : PROBE_MS));
  }

  /** Brings the next probe forward to now, or as soon after the last as the gap allows. */
  private async probeSoon(): Promise<void> {
    const at = Math.max(Date.now(), (this.ctx.storage.kv.get<number>("probedAt") ?? 0) + PROBE_GAP_MS);
    if ((this.ctx.storage.kv.get<number>("probeAt") ?? Infinity) <= at) return;
    this.ctx.storage.kv.put("probeAt", at);
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled === null || scheduled > at) await this.ctx.storage.setAlarm(at);
  }

  /** Told by a rollout whose loop came back after a restart: its siblings may not have. */
  async rolloutResumed(): Promise<void> {
    if (this.meta().state === "running") await this.probeSoon();
  }

  /** The next alarm: the earliest rollout that could become overdue, or the next delivery retry. */
  private async scheduleNext(meta: Meta): Promise<void> {
    const times: number[] = [];
    const oldest = this.db
      .select({ at: min(rollouts.startedAt) })
      .from(rollouts)
      .where(eq(rollouts.status, "running"))
      .get()?.at;
    if (oldest !== null && oldest !== undefined) {
      times.push(oldest + meta.spec.rolloutTimeoutMs + overdueGrace(meta.spec.rolloutTimeoutMs));
      times.push(this.ctx.storage.kv.get<number>("probeAt") ?? Date.now());
    }
    const delivery = this.db
      .select({ at: min(deliveries.nextAt) })
      .from(deliveries)
      .where(isNull(deliveries.deliveredAt))
      .get()?.at;
    if (delivery !== null && delivery !== undefined) times.push(delivery);
    const expiry = expiresAt(this.ctx.storage.kv.get<Meta>("meta") ?? meta, this.env);
    if (expiry !== null) times.push(expiry);
    if (times.length === 0) return;
    const next = Math.min(...times);
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled === null || scheduled > next) await this.ctx.storage.setAlarm(next);
  }

  /** One wave: start as many waiting rollouts as the concurrency bound allows. */
  private async wave(meta: Meta): Promise<void> {
    const running = this.db
      .select({ n: sql<number>`count(*)` })
      .from(rollouts)
      .where(eq(rollouts.status, "running"))
      .get()!.n;
    const free = meta.spec.concurrency - running;
    if (free <= 0) return;
    const wave = this.db
      .select()
      .from(rollouts)
      .where(eq(rollouts.status, "pending"))
      .orderBy(asc(rollouts.seq))
      .limit(free)
      .all();
    if (wave.length === 0) return;
    const now = Date.now();
    // The wave is the first pending rollouts by seq; naming them by seq bound keeps the statement within SQLite's
    // 100 bound parameters however large the wave.
    this.db
      .update(rollouts)
      .set({ status: "running", startedAt: now })
      .where(and(eq(rollouts.status, "pending"), lte(rollouts.seq, wave.at(-1)!.seq)))
      .run();
    const { spec } = meta;
    for (const r of wave) this.starting.add(r.id);
    const started = await Promise.allSettled(
      wave.map(async (r) =>
        (await rolloutStub(this.env, r.env, hostOf(r))).start({
          rolloutId: r.id,
          batchId: meta.batchId,
          env: r.env,
          bundleId: r.bundleId,
          taskId: r.taskId,
          seed: spec.seed,
          policy: spec.policy,
          toolFormat: spec.toolFormat,
          maxTurns: spec.maxTurns,
          truncation: spec.truncation,
          reward: spec.reward,
          rolloutTimeoutMs: spec.rolloutTimeoutMs,
        }),
      ),
    );
    for (const r of wave) this.starting.delete(r.id);
    let lost = false;
    for (const [i, outcome] of started.entries()) {
      if (outcome.status === "fulfilled") continue;
      const r = wave[i]!;
      const tries = (this.ctx.storage.kv.get<number>(`startTries:${r.id}`) ?? 0) + 1;
      if (runtimeFailure(outcome.reason) && tries < START_TRIES) {
        // Its runtime died under the start: it waits for the next wave, which starts it again (start is idempotent).
        this.ctx.storage.kv.put(`startTries:${r.id}`, tries);
        this.db
          .update(rollouts)
          .set({ status: "pending", startedAt: null })
          .where(and(eq(rollouts.id, r.id), eq(rollouts.status, "running")))
          .run();
        lost = true;
      } else {
        this.record({
          rolloutId: r.id,
          status: "failed",
          stopReason: "env_error",
          reward: 0,
          error: `could not start: ${String(outcome.reason)}`,
        });
      }
    }
    if (lost) await this.probeSoon();
  }

  private record(report: RolloutReport): void {
    const row = this.db.select().from(rollouts).where(eq(rollouts.id, report.rolloutId)).get();
    // Reports arrive at least once; a rollout already settled stays as it was.
    if (!row || row.status === "completed" || row.status === "failed" || row.status === "cancelled") return;
    const cancelled = report.stopReason === "cancelled";
    this.ctx.storage.transactionSync(() => {
      this.db
        .update(rollouts)
        .set({
          status: cancelled ? "cancelled" : report.status,
          stopReason: report.stopReason,
          reward: report.reward,
          error: cancelled ? null : (report.error ?? null),
          finishedAt: Date.now(),
        })
        .where(eq(rollouts.id, report.rolloutId))
        .run();
      this.settleGroup(row.groupId);
      const open = this.db
        .select({ n: sql<number>`count(*)` })
        .from(rollouts)
        .where(inArray(rollouts.status, ["pending", "running"]))
        .get()!.n;
      const meta = this.meta();
      if (open === 0 && meta.state === "running")
        this.ctx.storage.kv.put<Meta>("meta", { ...meta, state: "done", finishedAt: Date.now() });
    });
  }

  /** A group's statistics are written when its last member ends; failed members count in the group at weight 0. */
  private settleGroup(groupId: string): void {
    const members = this.db.select().from(rollouts).where(eq(rollouts.groupId, groupId)).all();
    const finished = members.filter(
      (m) => m.status === "completed" || m.status === "failed" || m.status === "cancelled",
    );
    const update: Partial<typeof groups.$inferInsert> = { done: finished.length };
    if (finished.length === members.length) {
      const rewards = members.filter((m) => m.status === "completed").map((m) => m.reward ?? 0);
      const { mean, std } = rewardStats(rewards);
      Object.assign(update, { mean, std, allEqual: rewards.every((r) => r === rewards[0]), finishedAt: Date.now() });
      // A group is logged once, even if a member it already counted is reclaimed and settled again.
      const logged = this.db.select().from(groupLog).where(eq(groupLog.groupId, groupId)).get();
      if (!logged) {
        const seq = this.db.select({ n: sql<number>`count(*)` }).from(groupLog).get()!.n;
        this.db.insert(groupLog).values({ seq, groupId }).run();
        if (this.meta().spec.deliver) this.db.insert(deliveries).values({ seq, nextAt: Date.now() }).run();
        this.notify();
      }
    }
    this.db.update(groups).set(update).where(eq(groups.id, groupId)).run();
  }

  private notify(): void {
    const waiting = this.waiters;
    this.waiters = new Set();
    for (const wake of waiting) wake();
  }

  /** Finished groups from `cursor` on, in log order, with their members' ledger rows. */
  log(cursor: number, limit: number): LogPage {
    const meta = this.meta();
    const logged = this.db
      .select()
      .from(groupLog)
      .where(gte(groupLog.seq, cursor))
      .orderBy(asc(groupLog.seq))
      .limit(limit)
      .all();
    const ids = logged.map((l) => l.groupId);
    const rows = ids.length ? this.db.select().from(groups).where(inArray(groups.id, ids)).all() : [];
    const members = ids.length
      ? this.db.select().from(rollouts).where(inArray(rollouts.groupId, ids)).orderBy(asc(rollouts.seq)).all()
      : [];
    const entries: LogEntry[] = logged.map(({ seq, groupId }) => {
      const g = rows.find((r) => r.id === groupId)!;
      const own = members.filter((m) => m.groupId === groupId);
      return {
        seq,
        groupId,
        env: g.env,
        bundleId: own[0]!.bundleId,
        taskId: g.taskId,
        mean: g.mean ?? 0,
        std: g.std ?? 0,
        allEqual: g.allEqual ?? true,
        finishedAt: g.finishedAt ?? Date.now(),
        members: own.map((m) => ({
          id: m.id,
          host: hostOf(m),
          status: m.status as "completed" | "failed" | "cancelled",
          stopReason: (m.stopReason ?? "cancelled") as LogEntry["members"][number]["stopReason"],
          reward: m.reward ?? 0,
          error: m.error,
        })),
      };
    });
    const open = this.db
      .select({ n: sql<number>`count(*)` })
      .from(rollouts)
      .where(inArray(rollouts.status, ["pending", "running"]))
      .get()!.n;
    const total = this.db.select({ n: sql<number>`count(*)` }).from(groupLog).get()!.n;
    return {
      batchId: meta.batchId,
      policy: meta.spec.policy,
      policyVersion: meta.spec.policyVersion ?? null,
      state: meta.state,
      entries,
      ended: open === 0 && cursor + entries.length >= total,
    };
  }

  /**
   * Like `log`, but while nothing is there yet and the batch goes on, waits up to `waitMs` for a group to finish;
   * null once the batch is being deleted, so a reader's stream ends.
   */
  async waitLog(cursor: number, limit: number, waitMs: number): Promise<LogPage | null> {
    if (isDeleting(this.ctx.storage)) return null;
    const page = this.log(cursor, limit);
    if (page.entries.length || page.ended) return page;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      this.waiters.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return isDeleting(this.ctx.storage) ? null : this.log(cursor, limit);
  }

  /** Posts every due group to the batch's receiver; failures wait their backoff and come back on a later alarm. */
  private async deliver(meta: Meta): Promise<void> {
    const spec = meta.spec.deliver!;
    const due = this.db
      .select()
      .from(deliveries)
      .where(and(isNull(deliveries.deliveredAt), lte(deliveries.nextAt, Date.now())))
      .orderBy(asc(deliveries.seq))
      .limit(DELIVERY_WAVE)
      .all();
    await Promise.all(
      due.map(async (d) => {
        const entry = this.log(d.seq, 1).entries[0]!;
        const outcome = await groupDocument(
          this.env,
          { batchId: meta.batchId, policy: meta.spec.policy, policyVersion: meta.spec.policyVersion ?? null },
          entry,
        ).then(
          (group) => postGroup(spec, group),
          (err: unknown) => ({ ok: false as const, error: `could not assemble the group: ${String(err)}` }),
        );
        const attempts = d.attempts + 1;
        this.db
          .update(deliveries)
          .set(
            outcome.ok
              ? { attempts, deliveredAt: Date.now(), lastError: null }
              : { attempts, nextAt: Date.now() + retryDelay(attempts, spec.backoffMs), lastError: outcome.error },
          )
          .where(eq(deliveries.seq, d.seq))
          .run();
      }),
    );
  }

  async report(report: RolloutReport): Promise<void> {
    if (isDeleting(this.ctx.storage)) return;
    this.record(report);
    const meta = this.meta();
    // An ended batch still needs its alarm: the one that deletes it when its retention is up.
    if (meta.state !== "running" && !meta.spec.deliver) return this.scheduleNext(meta);
    // Reports arrive faster than waves run: one alarm due now serves all of them.
    const due = await this.ctx.storage.getAlarm();
    if (due === null || due > Date.now()) await this.ctx.storage.setAlarm(Date.now());
  }

  /** Stops all work: waiting rollouts are cancelled here, running ones are told to stop and report as cancelled. */
  async cancel(): Promise<BatchStatus> {
    const meta = this.meta();
    if (meta.state === "running") {
      const running = this.db
        .select({ id: rollouts.id, env: rollouts.env, host: rollouts.host })
        .from(rollouts)
        .where(eq(rollouts.status, "running"))
        .all();
      this.ctx.waitUntil(
        Promise.allSettled(running.map(async (r) => (await rolloutStub(this.env, r.env, hostOf(r))).cancel(r.id))),
      );
      this.ctx.storage.transactionSync(() => {
        const pending = this.db
          .select({ id: rollouts.id, groupId: rollouts.groupId })
          .from(rollouts)
          .where(eq(rollouts.status, "pending"))
          .all();
        this.db
          .update(rollouts)
          .set({ status: "cancelled", stopReason: "cancelled", finishedAt: Date.now() })
          .where(eq(rollouts.status, "pending"))
          .run();
        for (const groupId of new Set(pending.map((p) => p.groupId))) this.settleGroup(groupId);
        this.ctx.storage.kv.put<Meta>("meta", { ...meta, state: "cancelled", finishedAt: Date.now() });
      });
      if (meta.spec.deliver) await this.ctx.storage.setAlarm(Date.now());
      else await this.scheduleNext(this.meta());
    }
    return this.status();
  }

  /**
   * Deletes the batch: cancels it if it runs, leaves the farm index its final summary (unless `keepSummary` is false)
   * and a tombstone, then deletes its rollouts' objects and its own storage in waves, from alarms (deletion.ts). From
   * the first moment every read answers 410 and held-open group streams end.
   */
  async delete(batchId: string, keepSummary: boolean): Promise<BatchDeleted> {
    const started = this.ctx.storage.kv.get<Meta>("meta") !== undefined && !isDeleting(this.ctx.storage);
    const last = started ? await this.cancel() : null;
    const marked = await farmIndex(this.env).markBatchDeleted(batchId, keepSummary, last);
    if (started) {
      startDeleting(this.ctx.storage, batchId);
      this.notify();
      await this.ctx.storage.setAlarm(Date.now());
    }
    return { batchId, ...marked };
  }

  /** Where a rollout of this batch lives: its environment and its host; null when the batch has no such rollout. */
  rolloutHost(rolloutId: string): { env: string; host: string } | null {
    this.meta();
    const row = this.db
      .select({ id: rollouts.id, env: rollouts.env, host: rollouts.host })
      .from(rollouts)
      .where(eq(rollouts.id, rolloutId))
      .get();
    return row ? { env: row.env, host: hostOf(row) } : null;
  }

  /** The ledger in queue order, optionally one status or one group only. */
  rollouts(query: {
    status?: RolloutList["rollouts"][number]["status"];
    groupId?: string;
    offset: number;
    limit: number;
  }): RolloutList {
    this.meta();
    const filters: SQL[] = [];
    if (query.status) filters.push(eq(rollouts.status, query.status));
    if (query.groupId) filters.push(eq(rollouts.groupId, query.groupId));
    const where = filters.length ? and(...filters) : undefined;
    const total = this.db.select({ n: sql<number>`count(*)` }).from(rollouts).where(where).get()!.n;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const rows = this.db
      .select()
      .from(rollouts)
      .where(where)
      .orderBy(asc(rollouts.seq))
      .limit(query.limit)
      .offset(query.offset)
      .all();
    return {
      total,
      rollouts: rows.map((r) => ({
        rolloutId: r.id,
        groupId: r.groupId,
        env: r.env,
        taskId: r.taskId,
        status: r.status,
        stopReason: r.stopReason as RolloutList["rollouts"][number]["stopReason"],
        reward: r.reward,
        error: r.error,
        startedAt: iso(r.startedAt),
        finishedAt: iso(r.finishedAt),
      })),
    };
  }

  status(): BatchStatus {
    const meta = this.meta();
    const all = this.db.select().from(rollouts).all();
    const counts = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
    const stopReasons: Record<string, number> = {};
    const byEnv = new Map<string, number[]>();
    for (const r of all) {
      counts[r.status] += 1;
      if (r.stopReason) stopReasons[r.stopReason] = (stopReasons[r.stopReason] ?? 0) + 1;
      if (r.status === "completed") byEnv.set(r.env, [...(byEnv.get(r.env) ?? []), r.reward ?? 0]);
    }
    const rewards = [...byEnv.values()].flat();
    const settled = counts.completed + counts.failed;
    const elapsed = ((meta.finishedAt ?? Date.now()) - meta.createdAt) / 1000;
    const groupCounts = this.db
      .select({ total: sql<number>`count(*)`, done: sql<number>`sum(finished_at IS NOT NULL)` })
      .from(groups)
      .get()!;
    const expiry = expiresAt(meta, this.env);
    return {
      batchId: meta.batchId,
      state: meta.state,
      createdAt: new Date(meta.createdAt).toISOString(),
      finishedAt: meta.finishedAt ? new Date(meta.finishedAt).toISOString() : null,
      counts,
      groups: { total: groupCounts.total, done: groupCounts.done ?? 0 },
      reward: rewardStats(rewards),
      rewardByEnv: Object.fromEntries([...byEnv].map(([env, values]) => [env, rewardStats(values)])),
      stopReasons,
      rolloutsPerSecond: elapsed > 0 ? settled / elapsed : 0,
      errors: all
        .filter((r) => r.error)
        .slice(0, 20)
        .map((r) => ({ rolloutId: r.id, error: r.error! })),
      problems: problems(all),
      deliveries: meta.spec.deliver ? this.deliveryStatus() : null,
      expiresAt: expiry === null ? null : new Date(expiry).toISOString(),
    };
  }

  private deliveryStatus(): NonNullable<BatchStatus["deliveries"]> {
    const row = this.db
      .select({
        delivered: sql<number>`count(delivered_at)`,
        pending: sql<number>`sum(delivered_at IS NULL)`,
        attempts: sql<number>`sum(attempts)`,
      })
      .from(deliveries)
      .get()!;
    const failing = this.db
      .select({ lastError: deliveries.lastError })
      .from(deliveries)
      .where(and(isNull(deliveries.deliveredAt), sql`${deliveries.lastError} IS NOT NULL`))
      .orderBy(asc(deliveries.seq))
      .limit(1)
      .get();
    return {
      delivered: row.delivered,
      pending: row.pending ?? 0,
      attempts: row.attempts ?? 0,
      lastError: failing?.lastError ?? null,
    };
  }
}
