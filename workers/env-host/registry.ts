import { DurableObject } from "cloudflare:workers";
import { BundleManifest, type EnvSummary } from "../shared/manifest.ts";
import { FarmError, encodeFarmError } from "../shared/errors.ts";
import type { BatchDeleted, BatchListing, BatchStatus } from "../shared/batch.ts";
import { batchSummary } from "../shared/run.ts";

/** Durable Object rows hold at most 2 MB; bundles are split below that. */
const CHUNK_CHARS = 512 * 1024;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS bundles (id TEXT PRIMARY KEY, name TEXT NOT NULL, manifest TEXT NOT NULL,
     size INTEGER NOT NULL, created_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS bundle_chunks (id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
     PRIMARY KEY (id, seq))`,
  `CREATE TABLE IF NOT EXISTS envs (name TEXT PRIMARY KEY, bundle_id TEXT NOT NULL, updated_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, rollouts INTEGER NOT NULL, policy_version TEXT)`,
  `CREATE TABLE IF NOT EXISTS instances (id TEXT PRIMARY KEY, env TEXT NOT NULL, created_at TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS instances_by_env ON instances (env)`,
  `CREATE TABLE IF NOT EXISTS batch_summaries (id TEXT PRIMARY KEY, summary TEXT NOT NULL)`,
  // A deleted batch's storage is gone; this is how the farm still tells "deleted" (410) from "never was" (404).
  `CREATE TABLE IF NOT EXISTS deleted_batches (id TEXT PRIMARY KEY, deleted_at TEXT NOT NULL, purged_at TEXT)`,
];

/**
 * Content-addressed bundle store: one Durable Object for the whole farm. Bundles are small and immutable, so a
 * SQLite object keeps code, manifest and the name -> bundle mapping in one transaction, locally and deployed,
 * with no bucket to provision.
 */
export class Registry extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      for (const statement of SCHEMA) ctx.storage.sql.exec(statement);
    });
  }

  /** Stores a bundle already checked by the caller and points its environment name at it. */
  put(manifest: BundleManifest, module: string): EnvSummary {
    const sql = this.ctx.storage.sql;
    const now = new Date().toISOString();
    this.ctx.storage.transactionSync(() => {
      const known = sql.exec("SELECT 1 FROM bundles WHERE id = ?", manifest.bundleId).toArray().length > 0;
      if (!known) {
        sql.exec("INSERT INTO bundles (id, name, manifest, size, created_at) VALUES (?, ?, ?, ?, ?)",
          manifest.bundleId, manifest.name, JSON.stringify(manifest), module.length, now);
        for (let seq = 0; seq * CHUNK_CHARS < module.length; seq++) {
          sql.exec("INSERT INTO bundle_chunks (id, seq, data) VALUES (?, ?, ?)",
            manifest.bundleId, seq, module.slice(seq * CHUNK_CHARS, (seq + 1) * CHUNK_CHARS));
        }
      }
      sql.exec("INSERT INTO envs (name, bundle_id, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET bundle_id = excluded.bundle_id, updated_at = excluded.updated_at",
        manifest.name, manifest.bundleId, now);
    });
    return summarize(manifest, now);
  }

  list(): EnvSummary[] {
    return this.ctx.storage.sql
      .exec<{ manifest: string; updated_at: string }>(
        "SELECT b.manifest, e.updated_at FROM envs e JOIN bundles b ON b.id = e.bundle_id ORDER BY e.name")
      .toArray()
      .map((r) => summarize(BundleManifest.parse(JSON.parse(r.manifest)), r.updated_at));
  }

  /** The manifest an environment name points at now. */
  current(name: string): BundleManifest {
    const row = this.ctx.storage.sql
      .exec<{ manifest: string }>("SELECT b.manifest FROM envs e JOIN bundles b ON b.id = e.bundle_id WHERE e.name = ?", name)
      .toArray()[0];
    if (!row) throw encodeFarmError(new FarmError("env_not_found", 404, `no environment named "${name}"`));
    return JSON.parse(row.manifest) as BundleManifest;
  }

  manifest(bundleId: string): BundleManifest {
    const row = this.ctx.storage.sql.exec<{ manifest: string }>("SELECT manifest FROM bundles WHERE id = ?", bundleId).toArray()[0];
    if (!row) throw encodeFarmError(new FarmError("bundle_not_found", 404, `no bundle ${bundleId}`));
    return JSON.parse(row.manifest) as BundleManifest;
  }

  module(bundleId: string): string {
    const chunks = this.ctx.storage.sql
      .exec<{ data: string }>("SELECT data FROM bundle_chunks WHERE id = ? ORDER BY seq", bundleId)
      .toArray();
    if (!chunks.length) throw encodeFarmError(new FarmError("bundle_not_found", 404, `no bundle ${bundleId}`));
    return chunks.map((c) => c.data).join("");
  }

  /** The farm's batches, newest first: each batch's details live in its own Batch object. */
  addBatch(id: string, rollouts: number, policyVersion: string | undefined): void {
    this.ctx.storage.sql.exec("INSERT INTO batches (id, created_at, rollouts, policy_version) VALUES (?, ?, ?, ?)",
      id, new Date().toISOString(), rollouts, policyVersion ?? null);
  }

  batches(limit: number): BatchListing[] {
    return this.ctx.storage.sql
      .exec<{ id: string; created_at: string; rollouts: number; policy_version: string | null }>(
        "SELECT id, created_at, rollouts, policy_version FROM batches ORDER BY created_at DESC, id LIMIT ?", limit)
      .toArray()
      .map((r) => ({ batchId: r.id, createdAt: r.created_at, rollouts: r.rollouts, policyVersion: r.policy_version }));
  }

  /** Summaries of batches that can no longer change, so listing runs need not ask each finished Batch again. */
  finalSummaries(ids: string[]): Record<string, unknown> {
    if (!ids.length) return {};
    const rows = this.ctx.storage.sql
      .exec<{ id: string; summary: string }>(`SELECT id, summary FROM batch_summaries WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids)
      .toArray();
    return Object.fromEntries(rows.map((r) => [r.id, JSON.parse(r.summary)]));
  }

  /** A final summary never changes, and one kept at deletion (with its deletedAt) is never overwritten. */
  keepFinalSummary(id: string, summary: unknown): void {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO batch_summaries (id, summary) VALUES (?, ?)", id, JSON.stringify(summary));
  }

  /** Whether the farm knows a batch: "live", deleted (with when), or unknown. */
  batchRecord(id: string): { state: "live" } | { state: "deleted"; deletedAt: string } | { state: "unknown" } {
    const sql = this.ctx.storage.sql;
    const deleted = sql.exec<{ deleted_at: string }>("SELECT deleted_at FROM deleted_batches WHERE id = ?", id).toArray()[0];
    if (deleted) return { state: "deleted", deletedAt: deleted.deleted_at };
    return sql.exec("SELECT 1 FROM batches WHERE id = ?", id).toArray().length ? { state: "live" } : { state: "unknown" };
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
      const { deleted_at: deletedAt, purged_at: purgedAt } = sql.exec<{ deleted_at: string; purged_at: string | null }>(
        "SELECT deleted_at, purged_at FROM deleted_batches WHERE id = ?", id).one();
      const listed = sql.exec<{ rollouts: number; policy_version: string | null }>("SELECT rollouts, policy_version FROM batches WHERE id = ?", id).toArray()[0];
      if (!keepSummary) {
        sql.exec("DELETE FROM batches WHERE id = ?", id);
        sql.exec("DELETE FROM batch_summaries WHERE id = ?", id);
      } else if (status && listed) {
        const summary = batchSummary(status, { policyVersion: listed.policy_version, rollouts: listed.rollouts }, deletedAt);
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
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO instances (id, env, created_at) VALUES (?, ?, ?)", id, env, createdAt);
  }

  /**
   * Takes a place for a new instance under the farm's cap, before its world is built: every live world holds open
   * SQLite files, and past the process's file limit workerd fails with SQLITE_CANTOPEN instead of answering.
   */
  reserveInstance(id: string, env: string, createdAt: string, cap: number): void {
    const sql = this.ctx.storage.sql;
    const live = sql.exec<{ n: number }>("SELECT count(*) AS n FROM instances").one().n;
    if (live >= cap) {
      throw encodeFarmError(new FarmError("instance_cap", 429,
        `the farm holds its limit of ${cap} live instances (MAX_LIVE_INSTANCES): delete some (DELETE /v1/instances/:id) or wait for idle ones to expire`));
    }
    this.addInstance(id, env, createdAt);
  }

  dropInstance(id: string): void {
    this.ctx.storage.sql.exec("DELETE FROM instances WHERE id = ?", id);
  }

  /** Which environment a live instance belongs to: the local farm routes an instance's calls to that world. */
  instanceEnv(id: string): string | null {
    return this.ctx.storage.sql.exec<{ env: string }>("SELECT env FROM instances WHERE id = ?", id).toArray()[0]?.env ?? null;
  }

  instances(env: string | undefined, offset: number, limit: number): { ids: string[]; total: number } {
    const sql = this.ctx.storage.sql;
    const where = env === undefined ? "" : "WHERE env = ?";
    const params = env === undefined ? [] : [env];
    const total = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM instances ${where}`, ...params).one().n;
    const ids = sql
      .exec<{ id: string }>(`SELECT id FROM instances ${where} ORDER BY rowid DESC LIMIT ? OFFSET ?`, ...params, limit, offset)
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

function summarize(m: BundleManifest, updatedAt: string): EnvSummary {
  return { name: m.name, bundleId: m.bundleId, description: m.description, tools: m.tools.length, tasks: m.tasks.length, updatedAt };
}
