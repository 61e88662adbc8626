import { z } from "zod";
import { EnvName } from "./manifest.ts";
import { RolloutSettings, RolloutTimeoutMs } from "./rollout.ts";
import { DeliverSpec } from "./group.ts";

/** Which tasks a batch runs: an explicit list, or per environment all of its tasks or some of them. */
export const TaskSelection = z.union([
  z.array(z.object({ env: EnvName, taskId: z.string().min(1) })).min(1, "name at least one task"),
  z
    .record(EnvName, z.union([z.literal("all"), z.array(z.string().min(1)).min(1)]))
    .refine((r) => Object.keys(r).length > 0, "name at least one environment"),
]);
export type TaskSelection = z.infer<typeof TaskSelection>;

export const BatchSpec = z.object({
  tasks: TaskSelection,
  /** Rollouts per task: one GRPO group, all starting from the same initial state. */
  groupSize: z.number().int().min(1).max(256).default(4),
  ...RolloutSettings.shape,
  /** Rollouts running at once; the rest wait in the batch's queue. */
  concurrency: z.number().int().min(1).max(4096).default(256),
  /** Wall-clock limit of each rollout (ms); the policy's own request timeout bounds each call. */
  rolloutTimeoutMs: RolloutTimeoutMs,
  /** Seeds every world's random source (the group shares it: identical initial states). */
  seed: z.number().int().default(0),
  /** A tag the trainer uses to tell which weights produced the batch. */
  policyVersion: z.string().max(200).optional(),
  /** Push each finished group to this URL as well; the stream serves them either way. */
  deliver: DeliverSpec.optional(),
  /**
   * How long the batch and its rollouts are kept after it ends, in seconds; then they delete themselves (the run's
   * reward summary stays). Omitted: the farm's BATCH_RETAIN_SECONDS (7 days unless configured); null: kept until
   * deleted by hand.
   */
  retainSeconds: z
    .number()
    .int()
    .min(60)
    .max(10 * 365 * 86400)
    .nullable()
    .optional(),
});
export type BatchSpec = z.infer<typeof BatchSpec>;

/** One line of `GET /v1/batches`: what the farm index keeps of a batch; its statistics are the batch's own. */
export const BatchListing = z.object({
  batchId: z.string(),
  createdAt: z.string(),
  rollouts: z.number().int(),
  policyVersion: z.string().nullable(),
});
export type BatchListing = z.infer<typeof BatchListing>;

export const BatchCreated = z.object({ batchId: z.string(), streamUrl: z.string(), rollouts: z.number().int() });
export type BatchCreated = z.infer<typeof BatchCreated>;

const RewardStats = z.object({ n: z.number().int(), mean: z.number(), std: z.number() });

export const BatchStatus = z.object({
  batchId: z.string(),
  state: z.enum(["running", "done", "cancelled"]),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  counts: z.object({
    pending: z.number(),
    running: z.number(),
    completed: z.number(),
    failed: z.number(),
    cancelled: z.number(),
  }),
  groups: z.object({ total: z.number(), done: z.number() }),
  reward: RewardStats,
  rewardByEnv: z.record(z.string(), RewardStats),
  stopReasons: z.record(z.string(), z.number()),
  rolloutsPerSecond: z.number(),
  errors: z.array(z.object({ rolloutId: z.string(), error: z.string() })),
  /** Each distinct error of failed rollouts once, with how many it failed, most frequent first. */
  problems: z.array(z.object({ error: z.string(), rollouts: z.number().int() })),
  /** Push delivery of finished groups, when the batch asked for it. */
  deliveries: z
    .object({ delivered: z.number(), pending: z.number(), attempts: z.number(), lastError: z.string().nullable() })
    .nullable(),
  /** When retention deletes the batch: null while it runs or when it is kept until deleted by hand. */
  expiresAt: z.string().nullable(),
});
export type BatchStatus = z.infer<typeof BatchStatus>;

export const DeleteBatchQuery = z.object({
  /** Keep the batch's reward summary for /v1/runs (the run's curve); `false` forgets the batch entirely. */
  summary: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});
export type DeleteBatchQuery = z.infer<typeof DeleteBatchQuery>;

/** What DELETE /v1/batches/:id answers: the batch is gone from the API at once; its storage goes in waves. */
export const BatchDeleted = z.object({
  batchId: z.string(),
  deletedAt: z.string(),
  /** Whether /v1/runs keeps the batch's reward summary. */
  summaryKept: z.boolean(),
  /** When the last of its storage and its rollouts' was deleted; null while the waves go on (DELETE again to see). */
  purgedAt: z.string().nullable(),
});
export type BatchDeleted = z.infer<typeof BatchDeleted>;
