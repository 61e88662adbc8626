import type { Migration } from "../../storage/migrate.ts";

/**
 * A Batch's schema history (see workers/storage/migrate.ts): append, never edit. The tables as they are now are
 * declared once, in tables.ts, for the queries; a migration says how an existing batch's tables get there, and
 * test/migrations.test.ts checks that the two agree.
 */
export const BATCH_MIGRATIONS: readonly Migration[] = [
  // v1: the tables as they were before versioning.
  [
    `CREATE TABLE IF NOT EXISTS rollouts (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, group_id TEXT NOT NULL, env TEXT NOT NULL,
       bundle_id TEXT NOT NULL, task_id TEXT NOT NULL, status TEXT NOT NULL, stop_reason TEXT, reward REAL, error TEXT,
       started_at INTEGER, finished_at INTEGER)`,
    "CREATE INDEX IF NOT EXISTS rollouts_status ON rollouts (status, seq)",
    // A group settles on each member's report: without it every report would scan the whole ledger.
    "CREATE INDEX IF NOT EXISTS rollouts_group ON rollouts (group_id, seq)",
    `CREATE TABLE IF NOT EXISTS groups (id TEXT PRIMARY KEY, env TEXT NOT NULL, task_id TEXT NOT NULL, size INTEGER NOT NULL,
       done INTEGER NOT NULL DEFAULT 0, mean REAL, std REAL, all_equal INTEGER, finished_at INTEGER)`,
    "CREATE TABLE IF NOT EXISTS group_log (seq INTEGER PRIMARY KEY, group_id TEXT NOT NULL UNIQUE)",
    `CREATE TABLE IF NOT EXISTS deliveries (seq INTEGER PRIMARY KEY, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
       delivered_at INTEGER, last_error TEXT)`,
    "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (delivered_at, next_at)",
    "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT)",
  ],
  // v2: the events table was written and never read.
  ["DROP TABLE IF EXISTS events"],
  // v3: rollouts share host objects; a rollout queued before has none and lives in an object of its own.
  ["ALTER TABLE rollouts ADD COLUMN host TEXT"],
];
