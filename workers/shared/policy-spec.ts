import { z } from "zod";
import { AssistantReply } from "./chat.ts";

/** Any OpenAI-compatible chat completions server: vLLM, SGLang, OpenAI. */
export const OpenAiPolicySpec = z.object({
  /** Up to and including the version segment, e.g. http://127.0.0.1:8000/v1. */
  baseUrl: z.url(),
  model: z.string().min(1),
  apiKey: z.string().min(1).optional(),
  temperature: z.number().min(0).optional(),
  topP: z.number().gt(0).max(1).optional(),
  maxTokens: z.number().int().min(1).optional(),
  /** Merged into the request last, e.g. `{ chat_template_kwargs: { enable_thinking: false } }`. */
  extraBody: z.record(z.string(), z.unknown()).optional(),
  logprobs: z.boolean().default(true),
  /** vLLM's `return_token_ids`: the exact prompt and completion tokens, so a trainer need not re-tokenize. */
  returnTokenIds: z.boolean().default(true),
  /**
   * Token in, token out (vLLM only): each turn's prompt is the previous prompt + the ids the policy generated + the
   * template's tokens for the tool results and next generation prompt (from vLLM's /tokenize), sent to
   * /v1/completions as ids. A trajectory stays one training sample whatever the chat template does to history
   * (Qwen3 drops reasoning and its empty think block); only a truncation that rewrites history starts another.
   */
  tokenInTokenOut: z.boolean().default(false),
  timeoutMs: z.number().int().min(1).default(120_000),
  maxRetries: z.number().int().min(0).default(5),
  backoffMs: z.number().int().min(0).default(500),
});
export type OpenAiPolicySpec = z.infer<typeof OpenAiPolicySpec>;

export const PolicySpec = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("oracle") }),
  z.object({ kind: z.literal("random"), answerChance: z.number().min(0).max(1).default(0.25) }),
  z.object({
    kind: z.literal("scripted"),
    replies: z.array(AssistantReply).min(1),
  }),
  OpenAiPolicySpec.extend({ kind: z.literal("openai") }),
]);
export type PolicySpec = z.infer<typeof PolicySpec>;
