import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

// A Batch's tables as they are now; migrations.ts brings an existing batch's tables here.

/** The batch's queue and ledger: one row per rollout. */
export const rollouts = sqliteTable("rollouts", {
  id: text("id").primaryKey(),
  seq: integer("seq").notNull(),
  groupId: text("group_id").notNull(),
  env: text("env").notNull(),
  bundleId: text("bundle_id").notNull(),
  taskId: text("task_id").notNull(),
  status: text("status", { enum: ["pending", "running", "completed", "failed", "cancelled"] }).notNull(),
  stopReason: text("stop_reason"),
  reward: real("reward"),
  error: text("error"),
  startedAt: integer("started_at"),
  finishedAt: integer("finished_at"),
  /** The object that hosts the rollout (hosts.ts); null for one queued before hosts, alone in an object of its own. */
  host: text("host"),
});

/** One row per GRPO group; its stats are written when its last member ends. */
export const groups = sqliteTable("groups", {
  id: text("id").primaryKey(),
  env: text("env").notNull(),
  taskId: text("task_id").notNull(),
  size: integer("size").notNull(),
  done: integer("done").notNull().default(0),
  mean: real("mean"),
  std: real("std"),
  allEqual: integer("all_equal", { mode: "boolean" }),
  finishedAt: integer("finished_at"),
});

/** Finished groups in the order they finished: the trainer stream's cursor is a position in this log. */
export const groupLog = sqliteTable("group_log", {
  seq: integer("seq").primaryKey(),
  groupId: text("group_id").notNull().unique(),
});

/** Push delivery of logged groups: retried with backoff until the receiver answers 2xx. */
export const deliveries = sqliteTable("deliveries", {
  seq: integer("seq").primaryKey(),
  attempts: integer("attempts").notNull().default(0),
  nextAt: integer("next_at").notNull(),
  deliveredAt: integer("delivered_at"),
  lastError: text("last_error"),
});
