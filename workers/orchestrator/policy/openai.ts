import { z } from "zod";
import { AssistantToolCall, type AssistantReply } from "../../shared/chat.ts";
import { OpenAiPolicySpec } from "../../shared/policy-spec.ts";
import { PolicyError, type Policy, type PolicyRequest, type PolicyTurn } from "./policy.ts";
import { backoffDelay, parseRetryAfter } from "./retry.ts";

/** What the policy reaches the world through; tests replace them to stay fast and deterministic. */
export interface OpenAiPolicyDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for backoff jitter; the orchestrator passes a seeded one. */
  random?: () => number;
}

const BACKOFF_CAP_MS = 30_000;

// Prompts run to thousands of ids every turn: one check over the array, not a parsed schema per element, keeps
// validating them from costing more than the rest of the turn.
const TokenIds = z.custom<number[]>((v) => Array.isArray(v) && v.every((id) => Number.isInteger(id)), "expected an array of integer token ids");
const Logprobs = z.custom<{ logprob: number }[]>(
  (v) => Array.isArray(v) && v.every((t) => typeof t === "object" && t !== null && typeof (t as { logprob: unknown }).logprob === "number"),
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

const ServerError = z.object({ error: z.object({ message: z.string() }) });

/** One failed request: retryable ones are tried again until the retries run out. */
type Failure = { retryable: boolean; error: PolicyError; retryAfterMs?: number };

export function openAiPolicy(options: z.input<typeof OpenAiPolicySpec>, deps: OpenAiPolicyDeps = {}): Policy {
  const spec = OpenAiPolicySpec.parse(options);
  const { fetch: send = fetch, sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)), random = Math.random } = deps;
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

  async function attempt(payload: string, attempts: number, timeoutMs: number, cancel?: AbortSignal): Promise<{ completion: ChatCompletion } | Failure> {
    // A timer cleared once the answer is in: AbortSignal.timeout's timers outlive their requests, and thousands of
    // rollouts leave that many behind.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException("timed out", "TimeoutError")), timeoutMs);
    const { signal } = controller;
    const fail = (retryable: boolean, kind: PolicyError["kind"], message: string, status?: number, retryAfterMs?: number): Failure => ({
      retryable,
      error: new PolicyError(kind, message, attempts, status),
      retryAfterMs,
    });
    let res: Response;
    let text: string;
    try {
      // The race stops waiting even on a fetch that ignores its signal.
      [res, text] = await Promise.race([
        send(url, { method: "POST", headers, body: payload, signal: cancel ? AbortSignal.any([signal, cancel]) : signal }).then(async (r) => [r, await r.text()] as const),
        aborted(signal),
        ...(cancel ? [aborted(cancel)] : []),
      ]);
    } catch (err) {
      if (cancel?.aborted) throw cancelled(attempts);
      if (signal.aborted) return fail(true, "timeout", `No answer from ${url} within ${timeoutMs} ms.`);
      // Said plainly: what the runtime reports ("Network connection lost") does not say that nothing listens there.
      return fail(true, "network", `Nothing answers at ${url} (${err instanceof Error ? err.message : String(err)}): is the policy server running, and reachable from the farm?`);
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
    const parsed = ChatCompletion.safeParse(json);
    if (!parsed.success) return fail(true, "invalid_response", `${url} answered 200 with no valid chat completion: ${z.prettifyError(parsed.error)}`);
    return { completion: parsed.data };
  }

  return {
    async next(request) {
      const started = performance.now();
      const payload = body(request);
      const left = () => (request.deadline === undefined ? Number.POSITIVE_INFINITY : request.deadline - Date.now());
      const outOfTime = (attempts: number) => new PolicyError("deadline", "The rollout's time ran out while waiting for the policy.", attempts);
      const { signal: cancel } = request;
      for (let attempts = 1; ; attempts++) {
        if (cancel?.aborted) throw cancelled(attempts - 1);
        if (left() <= 0) throw outOfTime(attempts - 1);
        const timeoutMs = Math.min(spec.timeoutMs, left());
        const result = await attempt(payload, attempts, timeoutMs, cancel);
        if ("completion" in result) return turn(result.completion, performance.now() - started, attempts);
        if (result.error.kind === "timeout" && timeoutMs < spec.timeoutMs) throw outOfTime(attempts);
        if (!result.retryable || attempts > spec.maxRetries) throw result.error;
        const delay = backoffDelay(attempts - 1, spec.backoffMs, BACKOFF_CAP_MS, random, result.retryAfterMs);
        if (delay >= left()) throw outOfTime(attempts);
        await (cancel ? Promise.race([sleep(delay), aborted(cancel)]).catch(() => undefined) : sleep(delay));
      }
    },
  };
}

function turn(completion: ChatCompletion, latencyMs: number, attempts: number): PolicyTurn {
  const [choice] = completion.choices as [ChatCompletion["choices"][number]];
  const reply: AssistantReply = { content: choice.message.content ?? null };
  // vLLM sends `tool_calls: []` on every plain reply; a reply without calls is recorded without the key.
  if (choice.message.tool_calls && choice.message.tool_calls.length > 0) reply.tool_calls = choice.message.tool_calls;
  return {
    reply,
    finishReason: choice.finish_reason ?? undefined,
    usage: completion.usage ? { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens } : undefined,
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
