import { DurableObject } from "cloudflare:workers";
import { FarmError, encodeFarmError } from "../shared/errors.ts";
import type { BatchDeleted, BatchListing, BatchStatus } from "../shared/batch.ts";
import { batchSummary } from "../shared/run.ts";
import { migrate } from "../storage/migrate.ts";
import { registry } from "../env-host/registry-client.ts";
import { INDEX_MIGRATIONS } from "./migrations.ts";
import { writeLegacyIndex } from "./legacy.ts";

/** How far the adoption of a pre-index farm's tables has come: copied here, then dropped from the Registry. */
const ADOPTION_KEY = "legacy-index";

/**
 * What the farm has, as opposed to the code it runs: its batches (and, once final or deleted, their summaries), its
 * live instances, and the secret instance tokens are signed with. One object for the whole farm; each batch's and
 * instance's details live in their own objects, this is how the farm finds and counts them.
 */
export class FarmIndex extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, INDEX_MIGRATIONS);
      await this.adoptLegacyIndex();
    });
  }

  /**
   * A farm whose Registry still holds the index's tables (one written before this object existed) has them moved
   * here before anything reads the index, so its batches, instances and token secret carry on.
   */
  private async adoptLegacyIndex(): Promise<void> {
    const kv = this.ctx.storage.kv;
    if (kv.get(ADOPTION_KEY) === "done") return;
    if (kv.get(ADOPTION_KEY) !== "copied") {
      const legacy = await registry(this.env).legacyIndex();
      this.ctx.storage.transactionSync(() => {
        writeLegacyIndex(this.ctx.storage.sql, legacy);
        kv.put(ADOPTION_KEY, "copied");
      });
    }
    await registry(this.env).dropLegacyIndex();
    kv.put(ADOPTION_KEY, "done");
  }

  /** The farm's batches, newest first: each batch's details live in its own Batch object. */
  addBatch(id: string, rollouts: number, policyVersion: string | undefined): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO batches (id, created_at, rollouts, policy_version) VALUES (?, ?, ?, ?)",
      id,
      new Date().toISOString(),
      rollouts,
      policyVersion ?? null,
    );
  }

  batches(limit: number): BatchListing[] {
    return this.ctx.storage.sql
      .exec<{ id: string; created_at: string; rollouts: number; policy_version: string | null }>(
        "SELECT id, created_at, rollouts, policy_version FROM batches ORDER BY created_at DESC, id LIMIT ?",
        limit,
      )
      .toArray()
      .map((r) => ({ batchId: r.id, createdAt: r.created_at, rollouts: r.rollouts, policyVersion: r.policy_version }));
  }

  /** Summaries of batches that can no longer change, so listing runs need not ask each finished Batch again. */
  finalSummaries(ids: string[]): Record<string, unknown> {
    if (!ids.length) return {};
    const rows = this.ctx.storage.sql
      .exec<{ id: string; summary: string }>(
        `SELECT id, summary FROM batch_summaries WHERE id IN (${ids.map(() => "?").join(",")})`,
        ...ids,
      )
      .toArray();
    return Object.fromEntries(rows.map((r) => [r.id, JSON.parse(r.summary)]));
  }

  /** A final summary never changes, and one kept at deletion (with its deletedAt) is never overwritten. */
  keepFinalSummary(id: string, summary: unknown): void {
    this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO batch_summaries (id, summary) VALUES (?, ?)",
      id,
      JSON.stringify(summary),
    );
  }

  /** Whether the farm knows a batch: "live", deleted (with when), or unknown. */
  batchRecord(id: string): { state: "live" } | { state: "deleted"; deletedAt: string } | { state: "unknown" } {
    const sql = this.ctx.storage.sql;
    const deleted = sql
      .exec<{ deleted_at: string }>("SELECT deleted_at FROM deleted_batches WHERE id = ?", id)
      .toArray()[0];
    if (deleted) return { state: "deleted", deletedAt: deleted.deleted_at };
    return sql.exec("SELECT 1 FROM batches WHERE id = ?", id).toArray().length
      ? { state: "live" }
      : { state: "unknown" };
  }

  /**
   * Marks a batch deleted. The first time, `status` (its last) becomes the summary the run's reward curve keeps;
   * `keepSummary` false forgets the batch in the listings instead, then or on a later call. Returns when it was
   * first marked and whether its summary is kept.
   */
  markBatchDeleted(id: string, keepSummary: boolean, status: BatchStatus | null): Omit<BatchDeleted, "batchId"> {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      sql.exec("INSERT OR IGNORE INTO deleted_batches (id, deleted_at) VALUES (?, ?)", id, new Date().toISOString());
      const { deleted_at: deletedAt, purged_at: purgedAt } = sql
        .exec<{ deleted_at: string; purged_at: string | null }>(
          "SELECT deleted_at, purged_at FROM deleted_batches WHERE id = ?",
          id,
        )
        .one();
      const listed = sql
        .exec<{ rollouts: number; policy_version: string | null }>(
          "SELECT rollouts, policy_version FROM batches WHERE id = ?",
          id,
        )
        .toArray()[0];
      if (!keepSummary) {
        sql.exec("DELETE FROM batches WHERE id = ?", id);
        sql.exec("DELETE FROM batch_summaries WHERE id = ?", id);
      } else if (status && listed) {
        const summary = batchSummary(
          status,
          { policyVersion: listed.policy_version, rollouts: listed.rollouts },
          deletedAt,
        );
        sql.exec("INSERT OR REPLACE INTO batch_summaries (id, summary) VALUES (?, ?)", id, JSON.stringify(summary));
      }
      const summaryKept = sql.exec("SELECT 1 FROM batch_summaries WHERE id = ?", id).toArray().length > 0;
      return { deletedAt, summaryKept, purgedAt };
    });
  }

  /** The last wave of a batch's deletion has run: nothing of it or its rollouts is stored any more. */
  markBatchPurged(id: string): void {
    this.ctx.storage.sql.exec("UPDATE deleted_batches SET purged_at = ? WHERE id = ?", new Date().toISOString(), id);
  }

  /**
   * The live instances, newest first (by rowid: creation times can tie). Each instance adds itself when created
   * and drops itself when deleted or expired; an entry whose object is gone anyway (its storage lost mid-wipe) is
   * dropped by whoever finds it so.
   */
  addInstance(id: string, env: string, createdAt: string): void {
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO instances (id, env, created_at) VALUES (?, ?, ?)",
      id,
      env,
      createdAt,
    );
  }

  /**
   * Takes a place for a new instance under the farm's cap, before its world is built: every live world holds open
   * SQLite files, and past the process's file limit workerd fails with SQLITE_CANTOPEN instead of answering.
   */
  reserveInstance(id: string, env: string, createdAt: string, cap: number): void {
    const sql = this.ctx.storage.sql;
    const live = sql.exec<{ n: number }>("SELECT count(*) AS n FROM instances").one().n;
    if (live >= cap) {
      throw encodeFarmError(
        new FarmError(
          "instance_cap",
          429,
          `the farm holds its limit of ${cap} live instances (MAX_LIVE_INSTANCES): delete some (DELETE /v1/instances/:id) or wait for idle ones to expire`,
        ),
      );
    }
    this.addInstance(id, env, createdAt);
  }

  dropInstance(id: string): void {
    this.ctx.storage.sql.exec("DELETE FROM instances WHERE id = ?", id);
  }

  /** Which environment a live instance belongs to: the local farm routes an instance's calls to that world. */
  instanceEnv(id: string): string | null {
    return (
      this.ctx.storage.sql.exec<{ env: string }>("SELECT env FROM instances WHERE id = ?", id).toArray()[0]?.env ?? null
    );
  }

  instances(env: string | undefined, offset: number, limit: number): { ids: string[]; total: number } {
    const sql = this.ctx.storage.sql;
    const where = env === undefined ? "" : "WHERE env = ?";
    const params = env === undefined ? [] : [env];
    const total = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM instances ${where}`, ...params).one().n;
    const ids = sql
      .exec<{ id: string }>(
        `SELECT id FROM instances ${where} ORDER BY rowid DESC LIMIT ? OFFSET ?`,
        ...params,
        limit,
        offset,
      )
      .toArray()
      .map((r) => r.id);
    return { ids, total };
  }

  /** A farm-wide secret, made once: instance tokens are HMACs under it when FARM_SECRET is not configured. */
  secret(): string {
    const sql = this.ctx.storage.sql;
    const row = sql.exec<{ value: string }>("SELECT value FROM secrets WHERE name = 'instance'").toArray()[0];
    if (row) return row.value;
    const value = [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
    sql.exec("INSERT INTO secrets (name, value) VALUES ('instance', ?)", value);
    return value;
  }
}
