import { z } from "zod";
import { contentText } from "./tokenizer.ts";

/** A task's reference solution, as the fake policy plays it. */
export const Solution = z.object({
  steps: z.array(z.object({ tool: z.string().min(1), args: z.record(z.string(), z.unknown()).default({}) })),
  answer: z.string().optional(),
});
export type Solution = z.input<typeof Solution>;

/** The part of an OpenAI chat request the fake policy reads; anything else is accepted and ignored. */
export const ChatRequest = z.looseObject({
  model: z.string().optional(),
  messages: z
    .array(
      z.looseObject({
        role: z.string(),
        content: z.unknown().optional(),
        tool_calls: z.array(z.object({ function: z.object({ name: z.string(), arguments: z.string() }) })).optional(),
      }),
    )
    .min(1),
  tools: z.array(z.object({ function: z.object({ name: z.string() }) })).optional(),
  logprobs: z.boolean().optional(),
  return_token_ids: z.boolean().optional(),
  max_tokens: z.number().int().min(1).optional(),
  max_completion_tokens: z.number().int().min(1).optional(),
  stream: z.literal(false).optional(),
  chat_template_kwargs: z.looseObject({ enable_thinking: z.boolean().optional() }).optional(),
});
export type ChatRequest = z.infer<typeof ChatRequest>;

/** vLLM's /tokenize: chat messages through the template, or a plain prompt. */
export const TokenizeRequest = z
  .looseObject({
    messages: ChatRequest.shape.messages.optional(),
    prompt: z.string().optional(),
    tools: z.array(z.unknown()).optional(),
    add_generation_prompt: z.boolean().default(true),
    chat_template_kwargs: ChatRequest.shape.chat_template_kwargs,
  })
  .refine((r) => (r.messages === undefined) !== (r.prompt === undefined), "send either messages or prompt");

/** The part of a vLLM /v1/completions request the fake reads: a prompt of token ids, as a token-in-token-out client sends. */
export const CompletionRequest = z.looseObject({
  model: z.string().optional(),
  prompt: z.array(z.number().int().min(0)).min(1),
  // vLLM's default for /v1/completions, unlike chat's "whatever the context leaves".
  max_tokens: z.number().int().min(1).default(16),
  logprobs: z.number().int().min(0).nullable().optional(),
  return_token_ids: z.boolean().optional(),
  stream: z.literal(false).optional(),
});
export type CompletionRequest = z.infer<typeof CompletionRequest>;

export interface NativeToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** One assistant turn before it is tokenized. */
export interface Reply {
  content: string | null;
  tool_calls?: NativeToolCall[];
}

/** Overrides the solution player: return a reply to send it, undefined to play the solution. */
export type Script = (request: ChatRequest, turn: number) => Reply | undefined;

export const UNKNOWN_ANSWER = "I don't know";

/** Plays the solution of the task the first user message contains, one step per assistant turn so far. */
export function playSolution(request: ChatRequest, solutions: Record<string, Solution>): Reply {
  const turn = request.messages.filter((m) => m.role === "assistant").length;
  const task = contentText(request.messages.find((m) => m.role === "user")?.content);
  const prompt = Object.keys(solutions)
    .filter((key) => task.includes(key))
    .sort((a, b) => b.length - a.length)[0];
  if (prompt === undefined) return { content: UNKNOWN_ANSWER };

  const solution = Solution.parse(solutions[prompt]);
  const step = solution.steps[turn];
  if (step === undefined) return { content: solution.answer ?? "Done." };
  if (request.tools === undefined) return { content: awmToolCall(step.tool, step.args) };

  // Call the tool by name when it is offered directly, else through AWM's call_tool wrapper.
  const direct = request.tools.some((t) => t.function.name === step.tool);
  const call = direct
    ? { name: step.tool, args: step.args }
    : { name: "call_tool", args: { tool_name: step.tool, arguments: step.args } };
  return {
    content: null,
    tool_calls: [
      { id: `call_${turn}`, type: "function", function: { name: call.name, arguments: JSON.stringify(call.args) } },
    ],
  };
}

export function awmToolCall(tool: string, args: Record<string, unknown>): string {
  return `<tool_call>${JSON.stringify({ name: "call_tool", arguments: { tool_name: tool, arguments: args } })}</tool_call>`;
}
