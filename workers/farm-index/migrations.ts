import type { Migration } from "../storage/migrate.ts";

/** The farm index's schema history (see workers/storage/migrate.ts): append, never edit. */
export const INDEX_MIGRATIONS: readonly Migration[] = [
  // v1: the tables as the Registry kept them before the index was an object of its own, so the legacy rows copy over as they are.
  [
    "CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, rollouts INTEGER NOT NULL, policy_version TEXT)",
    "CREATE TABLE IF NOT EXISTS instances (id TEXT PRIMARY KEY, env TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS instances_by_env ON instances (env)",
    "CREATE TABLE IF NOT EXISTS batch_summaries (id TEXT PRIMARY KEY, summary TEXT NOT NULL)",
    // A deleted batch's storage is gone; this is how the farm still tells "deleted" (410) from "never was" (404).
    "CREATE TABLE IF NOT EXISTS deleted_batches (id TEXT PRIMARY KEY, deleted_at TEXT NOT NULL, purged_at TEXT)",
  ],
];
