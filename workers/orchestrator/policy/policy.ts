import { z } from "zod";
import type { AssistantReply, ChatMessage, OpenAiTool } from "../../shared/chat.ts";
import type { TaskInfo } from "../../shared/manifest.ts";

/** What a rollout asks its policy for: the exact messages (after truncation) and tools of one turn. */
export interface PolicyRequest {
  messages: ChatMessage[];
  tools?: OpenAiTool[];
  task: TaskInfo;
  /** 0 for the first assistant turn. */
  turn: number;
  /** Epoch ms the rollout must end by: no request or retry runs past it. */
  deadline?: number;
  /** Aborted when the rollout is cancelled: the request and any wait for a retry end at once. */
  signal?: AbortSignal;
}

/** One assistant turn, with what a trainer needs to learn from it when the policy server gives it. */
export const PolicyTurn = z.object({
  reply: z.object({ content: z.string().nullable(), tool_calls: z.array(z.any()).optional() }),
  finishReason: z.string().optional(),
  usage: z.object({ promptTokens: z.number().int(), completionTokens: z.number().int() }).optional(),
  promptTokenIds: z.array(z.number().int()).optional(),
  completionTokenIds: z.array(z.number().int()).optional(),
  /** Log-probability of each completion token, in order. */
  logprobs: z.array(z.number()).optional(),
  latencyMs: z.number(),
  /** Requests it took, retries included. */
  attempts: z.number().int().min(1),
});
export type PolicyTurn = Omit<z.infer<typeof PolicyTurn>, "reply"> & { reply: AssistantReply };

export interface Policy {
  next(request: PolicyRequest): Promise<PolicyTurn>;
}

/** A policy that still failed after its retries: the rollout ends with stop reason policy_error. */
export class PolicyError extends Error {
  override readonly name = "PolicyError";
  /** `deadline`: the rollout's own time ran out while the policy was asked; the rollout ends with stop reason timeout. */
  readonly kind: "http" | "timeout" | "network" | "invalid_response" | "deadline" | "cancelled";
  readonly status: number | undefined;
  readonly attempts: number;

  constructor(kind: PolicyError["kind"], message: string, attempts: number, status?: number) {
    super(message);
    this.kind = kind;
    this.attempts = attempts;
    this.status = status;
  }
}
