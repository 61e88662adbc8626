import { z } from "zod";
import { ChatMessage } from "./chat.ts";
import { StopReason } from "./rollout.ts";

/**
 * The trainer bridge's wire format. Field names are snake_case because its readers are Python trainers
 * (verl, TRL, OpenRLHF) whose own batches spell them so.
 */
export const GROUP_SCHEMA = "worldfarm.group.v1";

/** Why a trajectory's token stream starts a new sample instead of extending the previous one. */
export const SampleBreak = z.enum([
  /** The first turn. */
  "start",
  /** Truncation rewrote the history: the policy saw a different prefix. */
  "truncated",
  /** The prompt ids do not extend the previous prompt plus completion (e.g. a chat template that drops reasoning). */
  "prefix_mismatch",
]);
export type SampleBreak = z.infer<typeof SampleBreak>;

/**
 * One training sample in the token layout multi-turn GRPO trainers expect: `prompt_ids` are exactly what the
 * policy received at the sample's first turn; `response_ids` interleave what it generated (mask 1) with the
 * tool output and template tokens the next prompt added (mask 0).
 */
export const Sample = z.object({
  prompt_ids: z.array(z.number().int()),
  response_ids: z.array(z.number().int()),
  response_mask: z.array(z.union([z.literal(0), z.literal(1)])),
  /**
   * The policy's logprob per response token: null where the mask is 0 (nothing was sampled there) and where the
   * server returned none, so a missing logprob never reads as probability 1.
   */
  response_logprobs: z.array(z.number().nullable()),
  /** Turns [first, last] the sample covers. */
  turns: z.tuple([z.number().int(), z.number().int()]),
  starts_because: SampleBreak,
});
export type Sample = z.infer<typeof Sample>;

export const GroupTurn = z.object({
  turn: z.number().int(),
  truncated: z.boolean(),
  outcome: z.enum(["calls", "answer", "violation"]),
  violation: z.string().nullable(),
  format_ok: z.boolean(),
  finish_reason: z.string().nullable(),
  prompt_token_ids: z.array(z.number().int()).nullable(),
  completion_token_ids: z.array(z.number().int()).nullable(),
  logprobs: z.array(z.number()).nullable(),
  tool_results: z.array(z.object({ call_id: z.string(), tool: z.string(), ok: z.boolean(), output: z.string() })),
});
export type GroupTurn = z.infer<typeof GroupTurn>;

export const Trajectory = z.object({
  trajectory_id: z.string(),
  status: z.enum(["completed", "failed", "cancelled"]),
  stop_reason: StopReason,
  error: z.string().nullable(),
  reward: z.number(),
  reward_components: z.object({
    outcome: z.number(),
    format: z.array(z.number()),
    format_errors: z.number().int(),
    verifier: z.object({ complete: z.boolean(), info: z.record(z.string(), z.unknown()).optional() }).nullable(),
    judge: z.object({ verdict: z.enum(["completed", "partially", "not"]), reply: z.string() }).nullable(),
  }),
  /** 0 for a failed or cancelled member: it stays in its group, masked, never silently dropped. */
  loss_weight: z.union([z.literal(0), z.literal(1)]),
  num_turns: z.number().int(),
  answer: z.string().nullable(),
  messages: z.array(ChatMessage),
  turns: z.array(GroupTurn),
  samples: z.array(Sample),
});
export type Trajectory = z.infer<typeof Trajectory>;

export const Group = z.object({
  schema: z.literal(GROUP_SCHEMA),
  type: z.literal("group"),
  /** Position in the batch's log of finished groups: a stream resumes from `cursor = seq + 1`. */
  seq: z.number().int(),
  group_id: z.string(),
  batch_id: z.string(),
  task: z.object({ env: z.string(), bundle_id: z.string(), task_id: z.string(), prompt: z.string() }),
  policy: z.object({ kind: z.string(), model: z.string().nullable(), policy_version: z.string().nullable() }),
  trajectories: z.array(Trajectory),
  /** Over the members that completed; failed ones carry weight 0 and stay out of the statistics. */
  stats: z.object({
    n: z.number().int(),
    size: z.number().int(),
    mean: z.number(),
    std: z.number(),
    all_equal: z.boolean(),
  }),
  finished_at: z.string(),
});
export type Group = z.infer<typeof Group>;

/** Sent while nothing new has finished, so idle connections stay open and the client sees where it is. */
export const Heartbeat = z.object({
  type: z.literal("heartbeat"),
  cursor: z.number().int(),
  state: z.enum(["running", "done", "cancelled"]),
});
/** The last line: the batch has ended and every one of its groups was sent, or it was deleted (nothing more to send). */
export const StreamEnd = z.object({
  type: z.literal("end"),
  cursor: z.number().int(),
  state: z.enum(["done", "cancelled", "deleted"]),
});
export const StreamLine = z.discriminatedUnion("type", [Group, Heartbeat, StreamEnd]);
export type StreamLine = z.infer<typeof StreamLine>;

/** Push delivery: each finished group is POSTed, signed, and retried with backoff until a 2xx. */
export const DeliverSpec = z.object({
  url: z.url(),
  /** Keys the HMAC-SHA256 signature of each body, sent as `X-Worldfarm-Signature: sha256=<hex>`. */
  secret: z.string().min(16, "use a secret of at least 16 characters"),
  /** First retry delay; each later one doubles, with jitter, up to a minute. */
  backoffMs: z.number().int().min(10).max(60_000).default(1_000),
});
export type DeliverSpec = z.infer<typeof DeliverSpec>;
