import { DurableObject } from "cloudflare:workers";
import { BundleManifest, type EnvSummary } from "../shared/manifest.ts";
import { FarmError, encodeFarmError } from "../shared/errors.ts";
import { migrate, type Migration } from "../storage/migrate.ts";
import { dropLegacyIndex, readLegacyIndex, type LegacyIndex } from "../farm-index/legacy.ts";

/** Durable Object rows hold at most 2 MB; bundles are split below that. */
const CHUNK_CHARS = 512 * 1024;

/** The Registry's schema history (see workers/storage/migrate.ts): append, never edit. */
const REGISTRY_MIGRATIONS: readonly Migration[] = [
  // v1: the bundle tables as they were before versioning.
  [
    `CREATE TABLE IF NOT EXISTS bundles (id TEXT PRIMARY KEY, name TEXT NOT NULL, manifest TEXT NOT NULL,
       size INTEGER NOT NULL, created_at TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS bundle_chunks (id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
       PRIMARY KEY (id, seq))`,
    "CREATE TABLE IF NOT EXISTS envs (name TEXT PRIMARY KEY, bundle_id TEXT NOT NULL, updated_at TEXT NOT NULL)",
  ],
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
      migrate(ctx.storage, REGISTRY_MIGRATIONS);
    });
  }

  /** Stores a bundle already checked by the caller and points its environment name at it. */
  put(manifest: BundleManifest, module: string): EnvSummary {
    const sql = this.ctx.storage.sql;
    const now = new Date().toISOString();
    this.ctx.storage.transactionSync(() => {
      const known = sql.exec("SELECT 1 FROM bundles WHERE id = ?", manifest.bundleId).toArray().length > 0;
      if (!known) {
        sql.exec(
          "INSERT INTO bundles (id, name, manifest, size, created_at) VALUES (?, ?, ?, ?, ?)",
          manifest.bundleId,
          manifest.name,
          JSON.stringify(manifest),
          module.length,
          now,
        );
        for (let seq = 0; seq * CHUNK_CHARS < module.length; seq++) {
          sql.exec(
            "INSERT INTO bundle_chunks (id, seq, data) VALUES (?, ?, ?)",
            manifest.bundleId,
            seq,
            module.slice(seq * CHUNK_CHARS, (seq + 1) * CHUNK_CHARS),
          );
        }
      }
      sql.exec(
        "INSERT INTO envs (name, bundle_id, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET bundle_id = excluded.bundle_id, updated_at = excluded.updated_at",
        manifest.name,
        manifest.bundleId,
        now,
      );
    });
    return summarize(manifest, now);
  }

  list(): EnvSummary[] {
    return this.ctx.storage.sql
      .exec<{ manifest: string; updated_at: string }>(
        "SELECT b.manifest, e.updated_at FROM envs e JOIN bundles b ON b.id = e.bundle_id ORDER BY e.name",
      )
      .toArray()
      .map((r) => summarize(BundleManifest.parse(JSON.parse(r.manifest)), r.updated_at));
  }

  /**
   * The bundle an environment name points at now. Its id, not its manifest: a manifest is tens of KB that every
   * create would parse and copy across RPC, and callers keep manifests by id (bundles never change).
   */
  currentId(name: string): string {
    const row = this.ctx.storage.sql
      .exec<{ bundle_id: string }>("SELECT bundle_id FROM envs WHERE name = ?", name)
      .toArray()[0];
    if (!row) throw encodeFarmError(new FarmError("env_not_found", 404, `no environment named "${name}"`));
    return row.bundle_id;
  }

  manifest(bundleId: string): BundleManifest {
    const row = this.ctx.storage.sql
      .exec<{ manifest: string }>("SELECT manifest FROM bundles WHERE id = ?", bundleId)
      .toArray()[0];
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

  /** The index tables a farm written before the FarmIndex object kept here, for the index to adopt. */
  legacyIndex(): LegacyIndex {
    return readLegacyIndex(this.ctx.storage.sql);
  }

  /** The index has adopted them. */
  dropLegacyIndex(): void {
    dropLegacyIndex(this.ctx.storage.sql);
  }
}

function summarize(m: BundleManifest, updatedAt: string): EnvSummary {
  return {
    name: m.name,
    bundleId: m.bundleId,
    description: m.description,
    tools: m.tools.length,
    tasks: m.tasks.length,
    updatedAt,
  };
}
