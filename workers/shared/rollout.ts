import { z } from "zod";
import { ChatMessage, OpenAiTool } from "./chat.ts";
import { TruncationSpec } from "./truncation.ts";
import { PolicySpec } from "./policy-spec.ts";

export const StopReason = z.enum([
  "answered",
  "max_turns",
  "format_error",
  "timeout",
  "policy_error",
  "env_error",
  "cancelled",
]);
export type StopReason = z.infer<typeof StopReason>;

/** Step-level format scoring plus task-level outcome: the AWM paper's hybrid reward. */
/** The AWM paper's recommended outcome mode: an LLM judges the trajectory, given the verifier's facts. */
export const JudgeSpec = z.object({
  baseUrl: z.url(),
  model: z.string().min(1),
  apiKey: z.string().min(1).optional(),
  /** The outcome a "partially" verdict earns. */
  partialCredit: z.number().min(0).max(1).default(0.5),
});
export type JudgeSpec = z.infer<typeof JudgeSpec>;

export const RewardSpec = z.object({
  /** Subtracted for each turn whose reply broke the format (unparsable, unknown tool, invalid arguments). */
  formatPenalty: z.number().min(0).max(1).default(0.1),
  /** End the rollout at the first format violation instead of feeding the error back. */
  stopOnFormatError: z.boolean().default(false),
  /** Without it the task's code verifier decides the outcome. */
  judge: JudgeSpec.optional(),
});
export type RewardSpec = z.infer<typeof RewardSpec>;

export const ToolResultRecord = z.object({
  callId: z.string(),
  tool: z.string(),
  ok: z.boolean(),
  output: z.string(),
});

/** One turn exactly as it happened: what the policy was sent, what it said, and what the world answered. */
export const TurnRecord = z.object({
  turn: z.number().int(),
  /** The exact messages of the policy request, after truncation. */
  request: z.array(ChatMessage),
  /** The tools offered natively, on the first turn's record: every later request offers the same. */
  tools: z.array(OpenAiTool).optional(),
  /** Whether truncation rewrote the history for this request. */
  truncated: z.boolean(),
  reply: z.object({ content: z.string().nullable(), tool_calls: z.array(z.any()).optional() }),
  outcome: z.enum(["calls", "answer", "violation"]),
  violation: z.string().optional(),
  /** 1 when every call of the turn parsed, named a known tool and had valid arguments (or it was an answer). */
  formatOk: z.boolean(),
  toolResults: z.array(ToolResultRecord),
  promptTokenIds: z.array(z.number().int()).optional(),
  completionTokenIds: z.array(z.number().int()).optional(),
  logprobs: z.array(z.number()).optional(),
  finishReason: z.string().optional(),
  latencyMs: z.number(),
  attempts: z.number().int(),
});
export type TurnRecord = z.infer<typeof TurnRecord>;

export const RewardComponents = z.object({
  outcome: z.number(),
  formatErrors: z.number().int(),
  format: z.array(z.number()),
  verifier: z.object({ complete: z.boolean(), info: z.record(z.string(), z.unknown()).optional() }).nullable(),
  judge: z.object({ verdict: z.enum(["completed", "partially", "not"]), reply: z.string() }).optional(),
});
export type RewardComponents = z.infer<typeof RewardComponents>;

export const RolloutResult = z.object({
  rolloutId: z.string(),
  env: z.string(),
  taskId: z.string(),
  status: z.enum(["completed", "failed"]),
  stopReason: StopReason,
  error: z.string().optional(),
  answer: z.string().nullable(),
  reward: z.number(),
  rewardComponents: RewardComponents,
  /** 0 for a failed rollout: it stays in its group, masked, never silently dropped. */
  lossWeight: z.union([z.literal(0), z.literal(1)]),
  numTurns: z.number().int(),
  messages: z.array(ChatMessage),
  turns: z.array(TurnRecord),
});
export type RolloutResult = z.infer<typeof RolloutResult>;

export const ToolFormatName = z.enum(["openai-tools", "awm-xml"]);
export type ToolFormatName = z.infer<typeof ToolFormatName>;

/** How a rollout runs: the same for every rollout of a batch, which carries it and hands it to each Rollout. */
export const RolloutSettings = z.object({
  policy: PolicySpec,
  toolFormat: ToolFormatName.default("openai-tools"),
  maxTurns: z.number().int().min(1).max(200).default(10),
  truncation: TruncationSpec.default({}),
  reward: RewardSpec.default({ formatPenalty: 0.1, stopOnFormatError: false }),
});

/** A rollout's wall-clock limit (ms); past it the rollout ends with stop reason timeout and is still verified. */
export const RolloutTimeoutMs = z.number().int().min(100).max(86_400_000).default(600_000);

/** What a Rollout object is started with: one task, one policy, from a fresh world of one bundle. */
export const RolloutSpec = z.object({
  rolloutId: z.string().min(1),
  /** The batch to report to when the rollout ends. */
  batchId: z.string().optional(),
  env: z.string(),
  bundleId: z.string(),
  taskId: z.string(),
  seed: z.number().int().default(0),
  ...RolloutSettings.shape,
  rolloutTimeoutMs: RolloutTimeoutMs,
});
export type RolloutSpec = z.infer<typeof RolloutSpec>;

/** A rollout as its batch's ledger knows it: enough to list and filter without touching the Rollout object. */
export const RolloutRow = z.object({
  rolloutId: z.string(),
  groupId: z.string(),
  env: z.string(),
  taskId: z.string(),
  status: z.enum(["pending", "running", "completed", "failed", "cancelled"]),
  stopReason: StopReason.nullable(),
  reward: z.number().nullable(),
  error: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type RolloutRow = z.infer<typeof RolloutRow>;

export const RolloutList = z.object({ rollouts: z.array(RolloutRow), total: z.number().int() });
export type RolloutList = z.infer<typeof RolloutList>;

/** A rollout as the Rollout object holds it: its turns so far while it runs, its result once it ended. */
export const RolloutView = z.object({
  rolloutId: z.string(),
  batchId: z.string().nullable(),
  env: z.string(),
  bundleId: z.string(),
  taskId: z.string(),
  state: z.enum(["running", "finished"]),
  turns: z.array(TurnRecord),
  result: RolloutResult.nullable(),
});
export type RolloutView = z.infer<typeof RolloutView>;
