import { z } from "zod";
import { AssistantToolCall, type AssistantReply, type ChatMessage } from "../../shared/chat.ts";
import { OpenAiPolicySpec } from "../../shared/policy-spec.ts";
import { PolicyError, type Policy, type PolicyRequest, type PolicyTurn } from "./policy.ts";
import { backoffDelay, parseRetryAfter } from "../../shared/backoff.ts";

/** What the policy reaches the world through; tests replace them to stay fast and deterministic. */
export interface OpenAiPolicyDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for backoff jitter; the orchestrator passes a seeded one. */
  random?: () => number;
}

const BACKOFF_CAP_MS = 30_000;

// Prompts run to thousands of ids every turn: one loop over the array, not a parsed schema per element, keeps
// validating them from costing more than the rest of the turn.
const TokenIds = z.custom<number[]>((v) => {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!Number.isInteger(v[i])) return false;
  return true;
}, "expected an array of integer token ids");
const Logprobs = z.custom<{ logprob: number }[]>(
  (v) =>
    Array.isArray(v) &&
    v.every((t) => typeof t === "object" && t !== null && typeof (t as { logprob: unknown }).logprob === "number"),
  "expected logprobs.content entries with a numeric logprob",
);

/** The part of a chat completion a PolicyTurn keeps; servers differ in whether absent fields are null or missing. */
const ChatCompletion = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z.array(AssistantToolCall).nullish(),
        }),
        finish_reason: z.string().nullish(),
        logprobs: z.object({ content: Logprobs.nullish() }).nullish(),
        token_ids: TokenIds.nullish(),
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }).nullish(),
  prompt_token_ids: TokenIds.nullish(),
});
type ChatCompletion = z.infer<typeof ChatCompletion>;

/** vLLM's /v1/completions answer to a prompt of token ids, with `return_token_ids`. */
const TextCompletion = z.object({
  choices: z
    .array(
      z.object({
        text: z.string(),
        finish_reason: z.string().nullish(),
        logprobs: z.object({ token_logprobs: z.array(z.number().nullable()) }).nullish(),
        token_ids: TokenIds,
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }).nullish(),
});

/** vLLM's /tokenize answer. */
const Tokenized = z.object({ tokens: TokenIds, max_model_len: z.number().int().nullish() });

const ServerError = z.object({ error: z.object({ message: z.string() }) });

/** One failed request: retryable ones are tried again until the retries run out. */
type Failure = { retryable: boolean; error: PolicyError; retryAfterMs?: number };

export function openAiPolicy(options: z.input<typeof OpenAiPolicySpec>, deps: OpenAiPolicyDeps = {}): Policy {
  const spec = OpenAiPolicySpec.parse(options);
  const {
    fetch: send = fetch,
    sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random = Math.random,
  } = deps;
  const url = `${spec.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (spec.apiKey !== undefined) headers.authorization = `Bearer ${spec.apiKey}`;

  function body({ messages, tools }: PolicyRequest) {
    return JSON.stringify({
      model: spec.model,
      messages,
      // OpenAI rejects an empty tools array.
      ...(tools !== undefined && tools.length > 0 ? { tools } : {}),
      ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
      ...(spec.topP !== undefined ? { top_p: spec.topP } : {}),
      ...(spec.maxTokens !== undefined ? { max_tokens: spec.maxTokens } : {}),
      ...(spec.logprobs ? { logprobs: true } : {}),
      ...(spec.returnTokenIds ? { return_token_ids: true } : {}),
      ...spec.extraBody,
    });
  }

  async function attempt<T>(
    url: string,
    payload: string,
    schema: z.ZodType<T>,
    attempts: number,
    timeoutMs: number,
    cancel?: AbortSignal,
  ): Promise<{ body: T } | Failure> {
    // A timer cleared once the answer is in: AbortSignal.timeout's timers outlive their requests, and thousands of
    // rollouts leave that many behind.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException("timed out", "TimeoutError")), timeoutMs);
    const { signal } = controller;
    const fail = (
      retryable: boolean,
      kind: PolicyError["kind"],
      message: string,
      status?: number,
      retryAfterMs?: number,
    ): Failure => ({
      retryable,
      error: new PolicyError(kind, message, attempts, status),
      retryAfterMs,
    });
    let res: Response;
    let text: string;
    try {
      // The race stops waiting even on a fetch that ignores its signal.
      [res, text] = await Promise.race([
        send(url, {
          method: "POST",
          headers,
          body: payload,
          signal: cancel ? AbortSignal.any([signal, cancel]) : signal,
        }).then(async (r) => [r, await r.text()] as const),
        aborted(signal),
        ...(cancel ? [aborted(cancel)] : []),
      ]);
    } catch (err) {
      if (cancel?.aborted) throw cancelled(attempts);
      if (signal.aborted) return fail(true, "timeout", `No answer from ${url} within ${timeoutMs} ms.`);
      // Said plainly: what the runtime reports ("Network connection lost") does not say that nothing listens there.
      return fail(
        true,
        "network",
        `Nothing answers at ${url} (${err instanceof Error ? err.message : String(err)}): is the policy server running, and reachable from the farm?`,
      );
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok) {
      const retryable = res.status === 429 || res.status >= 500;
      const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
      return fail(retryable, "http", `${url} answered ${res.status}: ${serverMessage(text)}`, res.status, retryAfterMs);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return fail(true, "invalid_response", `${url} answered 200 with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      return fail(
        true,
        "invalid_response",
        `${url} answered 200 with an unexpected body: ${z.prettifyError(parsed.error)}`,
      );
    return { body: parsed.data };
  }

  /** One call, retried on 429, 5xx, timeouts and bad bodies within the rollout's deadline. */
  async function call<T>(
    request: PolicyRequest,
    target: string,
    payload: string,
    schema: z.ZodType<T>,
  ): Promise<{ body: T; attempts: number }> {
    const left = () => (request.deadline === undefined ? Number.POSITIVE_INFINITY : request.deadline - Date.now());
    const outOfTime = (attempts: number) =>
      new PolicyError("deadline", "The rollout's time ran out while waiting for the policy.", attempts);
    const { signal: cancel } = request;
    for (let attempts = 1; ; attempts++) {
      if (cancel?.aborted) throw cancelled(attempts - 1);
      if (left() <= 0) throw outOfTime(attempts - 1);
      const timeoutMs = Math.min(spec.timeoutMs, left());
      const result = await attempt(target, payload, schema, attempts, timeoutMs, cancel);
      if ("body" in result) return { body: result.body, attempts };
      if (result.error.kind === "timeout" && timeoutMs < spec.timeoutMs) throw outOfTime(attempts);
      if (!result.retryable || attempts > spec.maxRetries) throw result.error;
      const delay = backoffDelay(
        attempts - 1,
        { baseMs: spec.backoffMs, capMs: BACKOFF_CAP_MS, random },
        result.retryAfterMs,
      );
      if (delay >= left()) throw outOfTime(attempts);
      await (cancel ? Promise.race([sleep(delay), aborted(cancel)]).catch(() => undefined) : sleep(delay));
    }
  }

  const tito = spec.tokenInTokenOut ? tokenInTokenOut(spec, call) : undefined;

  return {
    async next(request) {
      const started = performance.now();
      if (tito) return tito(request, started);
      const { body: completion, attempts } = await call(request, url, body(request), ChatCompletion);
      return turn(completion, performance.now() - started, attempts);
    },
  };
}

type Call = <T>(
  request: PolicyRequest,
  target: string,
  payload: string,
  schema: z.ZodType<T>,
) => Promise<{ body: T; attempts: number }>;

/** Where the last turn left the token stream: the messages it covers and their exact ids. */
interface TokenContext {
  /** The request's messages plus the reply, as the next request will start. */
  messages: ChatMessage[];
  ids: number[];
  /** The token that ended the reply (the template's end of turn), when the policy stopped on its own. */
  endOfTurn: number | undefined;
  /** vLLM's context length, from /tokenize. */
  maxModelLen: number | undefined;
}

/**
 * The token-in-token-out turn: the prompt extends the last turn's ids with the tokens the template gives the new
 * messages (tool results, next generation prompt), and vLLM completes those ids. The context lives with this
 * policy, which lives with its rollout; a rollout resumed elsewhere, or a history the template or truncation
 * rewrote, starts from a fresh rendering (a new training sample).
 */
function tokenInTokenOut(spec: OpenAiPolicySpec, call: Call) {
  const root = spec.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
  const { chat_template_kwargs: templateKwargs, ...samplingExtra } = spec.extraBody ?? {};
  let context: TokenContext | undefined;

  async function tokenize(request: PolicyRequest, messages: ChatMessage[], addGenerationPrompt: boolean) {
    const payload = JSON.stringify({
      model: spec.model,
      messages,
      add_generation_prompt: addGenerationPrompt,
      ...(request.tools?.length ? { tools: request.tools } : {}),
      ...(templateKwargs !== undefined ? { chat_template_kwargs: templateKwargs } : {}),
    });
    return (await call(request, `${root}/tokenize`, payload, Tokenized)).body;
  }

  /** The ids the new messages add after the last reply, or undefined where the rendering does not extend it. */
  async function delta(request: PolicyRequest, last: TokenContext): Promise<number[] | undefined> {
    if (last.endOfTurn === undefined || request.messages.length <= last.messages.length) return undefined;
    if (!last.messages.every((m, i) => JSON.stringify(m) === JSON.stringify(request.messages[i]))) return undefined;
    const [full, before] = await Promise.all([
      tokenize(request, request.messages, true),
      tokenize(request, last.messages.slice(0, -1), false),
    ]);
    // The reply's own rendering (the template may rewrite it) ends at its first end-of-turn token: what follows is
    // the new messages and the generation prompt.
    if (!before.tokens.every((id, i) => full.tokens[i] === id)) return undefined;
    const end = full.tokens.indexOf(last.endOfTurn, before.tokens.length);
    return end < 0 ? undefined : full.tokens.slice(end + 1);
  }

  return async (request: PolicyRequest, started: number): Promise<PolicyTurn> => {
    const added = context ? await delta(request, context) : undefined;
    let prompt: number[];
    let room: number | undefined;
    if (context && added) {
      prompt = [...context.ids, ...added];
      room = context.maxModelLen;
    } else {
      const rendered = await tokenize(request, request.messages, true);
      prompt = rendered.tokens;
      room = rendered.max_model_len ?? undefined;
    }
    // vLLM's /v1/completions generates 16 tokens unless told: ask for what chat completions would allow.
    const maxTokens = spec.maxTokens ?? (room ? room - prompt.length : undefined);
    const payload = JSON.stringify({
      model: spec.model,
      prompt,
      return_token_ids: true,
      ...(maxTokens !== undefined && maxTokens > 0 ? { max_tokens: maxTokens } : {}),
      ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
      ...(spec.topP !== undefined ? { top_p: spec.topP } : {}),
      ...(spec.logprobs ? { logprobs: 0 } : {}),
      ...samplingExtra,
    });
    const { body: completion, attempts } = await call(request, `${root}/v1/completions`, payload, TextCompletion);
    const [choice] = completion.choices as [z.infer<typeof TextCompletion>["choices"][number]];
    const reply = request.tools?.length ? readToolCalls(choice.text, request.turn) : { content: choice.text };
    const generated = choice.token_ids;
    const stopped = choice.finish_reason === "stop" && generated.length > 0;
    context = {
      messages: [...request.messages, { role: "assistant", ...reply }],
      ids: [...prompt, ...generated],
      endOfTurn: stopped ? generated.at(-1) : undefined,
      maxModelLen: room,
    };
    const logprobs = choice.logprobs?.token_logprobs;
    return {
      reply,
      finishReason:
        choice.finish_reason === "stop" && reply.tool_calls ? "tool_calls" : (choice.finish_reason ?? undefined),
      usage: completion.usage
        ? { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens }
        : undefined,
      promptTokenIds: prompt,
      completionTokenIds: generated,
      // A logprob the server left out stays missing: never a stand-in number.
      logprobs:
        logprobs && logprobs.length === generated.length && logprobs.every((l) => l !== null)
          ? (logprobs as number[])
          : undefined,
      latencyMs: performance.now() - started,
      attempts,
    };
  };
}

const TOOL_CALL = /<tool_call>\s*([\s\S]*?)\s*<\/tool_call>/g;

/**
 * Native tool calls from generated text, as vLLM's hermes parser reads Qwen's `<tool_call>{"name", "arguments"}`:
 * the text before the first call is the content. Text whose calls do not parse stays content, for the tool
 * format to report.
 */
export function readToolCalls(text: string, turn: number): AssistantReply {
  const start = text.indexOf("<tool_call>");
  if (start < 0) return { content: text };
  const calls: AssistantReply["tool_calls"] = [];
  for (const [i, match] of [...text.matchAll(TOOL_CALL)].entries()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(match[1]!);
    } catch {
      return { content: text };
    }
    const { name, arguments: args } = (parsed ?? {}) as { name?: unknown; arguments?: unknown };
    if (typeof name !== "string") return { content: text };
    calls.push({
      id: `call_${turn}_${i}`,
      type: "function",
      function: { name, arguments: JSON.stringify(args ?? {}) },
    });
  }
  if (calls.length === 0) return { content: text };
  const content = text.slice(0, start);
  return { content: content === "" ? null : content, tool_calls: calls };
}

function turn(completion: ChatCompletion, latencyMs: number, attempts: number): PolicyTurn {
  const [choice] = completion.choices as [ChatCompletion["choices"][number]];
  const reply: AssistantReply = { content: choice.message.content ?? null };
  // vLLM sends `tool_calls: []` on every plain reply; a reply without calls is recorded without the key.
  if (choice.message.tool_calls && choice.message.tool_calls.length > 0) reply.tool_calls = choice.message.tool_calls;
  return {
    reply,
    finishReason: choice.finish_reason ?? undefined,
    usage: completion.usage
      ? { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens }
      : undefined,
    promptTokenIds: completion.prompt_token_ids ?? undefined,
    completionTokenIds: choice.token_ids ?? undefined,
    logprobs: choice.logprobs?.content?.map((t) => t.logprob),
    latencyMs,
    attempts,
  };
}

/** OpenAI-style servers put the reason in `{error:{message}}`; anything else is shown as text. */
function serverMessage(text: string): string {
  try {
    const parsed = ServerError.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.error.message;
  } catch {
    // Not JSON: shown as text below.
  }
  return text.slice(0, 500);
}

function cancelled(attempts: number): PolicyError {
  return new PolicyError("cancelled", "The rollout was cancelled.", attempts);
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
}
