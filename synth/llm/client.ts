import { z } from "zod";
import { parseRetryAfter } from "../../workers/shared/backoff.ts";
import { DryRun, HttpError } from "../errors.ts";
import { ResponseCache } from "./cache.ts";
import { createLimit } from "./limit.ts";
import { withRetries } from "./retry.ts";
import type { UsageMeter } from "./usage.ts";

export interface Endpoint {
  /** Up to and including /v1, as OpenAI-compatible servers document it. */
  baseUrl: string;
  apiKey?: string;
  model: string;
}

export const ChatMessage = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });
export type ChatMessage = z.infer<typeof ChatMessage>;

const Completion = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullable() }), finish_reason: z.string().nullish() }))
    .min(1),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).partial().nullish(),
});

const Embeddings = z.object({ data: z.array(z.object({ index: z.number(), embedding: z.array(z.number()) })) });

const Cached = z.object({ content: z.string(), promptTokens: z.number(), completionTokens: z.number() });

export interface LlmClientOptions {
  /** The endpoint a stage talks to: per-stage overrides resolved by the caller. */
  endpoint: (stage: string) => Endpoint;
  embeddings?: Endpoint;
  usage: UsageMeter;
  cache?: ResponseCache;
  concurrency?: number;
  retries?: number;
  backoffMs?: number;
  timeoutMs?: number;
  temperature?: number;
  dryRun?: boolean;
  /** Where --dry-run prints prompts. */
  print?: (text: string) => void;
}

/** Chat completions and embeddings from any OpenAI-compatible API, cached, rate-limited and retried. */
export function createLlmClient({
  endpoint,
  embeddings,
  usage,
  cache,
  concurrency = 8,
  retries = 4,
  backoffMs = 500,
  timeoutMs = 300_000,
  temperature = 0.2,
  dryRun = false,
  print = (text) => process.stdout.write(text),
}: LlmClientOptions) {
  const limit = createLimit(concurrency);

  async function post(target: Endpoint, path: string, body: unknown): Promise<unknown> {
    return withRetries(
      async () => {
        const res = await fetch(`${target.baseUrl.replace(/\/+$/, "")}${path}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        if (!res.ok) {
          throw new HttpError(
            res.status,
            `${path} -> ${res.status}: ${text.slice(0, 500)}`,
            parseRetryAfter(res.headers.get("retry-after")),
          );
        }
        return JSON.parse(text);
      },
      { retries, baseMs: backoffMs },
    );
  }

  return {
    /** The assistant's reply to a conversation, asking for a JSON object. */
    async chat(stage: string, messages: ChatMessage[]): Promise<string> {
      const target = endpoint(stage);
      const body = { model: target.model, messages, temperature, response_format: { type: "json_object" } };
      const key = ResponseCache.key({ url: target.baseUrl, body });
      const hit = cache && Cached.safeParse(await cache.get(key));
      if (hit?.success) {
        usage.record(stage, { cached: true, promptTokens: 0, completionTokens: 0, seconds: 0 });
        return hit.data.content;
      }
      if (dryRun) {
        print(
          `=== ${stage} (${target.model} at ${target.baseUrl})\n${messages.map((m) => `--- ${m.role}\n${m.content}`).join("\n")}\n\n`,
        );
        throw new DryRun();
      }
      return limit(async () => {
        const started = performance.now();
        const parsed = Completion.safeParse(await post(target, "/chat/completions", body));
        if (!parsed.success)
          throw new Error(`${stage}: the provider's reply is not a chat completion: ${z.prettifyError(parsed.error)}`);
        const choice = parsed.data.choices[0]!;
        const record = {
          content: choice.message.content ?? "",
          promptTokens: parsed.data.usage?.prompt_tokens ?? 0,
          completionTokens: parsed.data.usage?.completion_tokens ?? 0,
        };
        usage.record(stage, { cached: false, ...record, seconds: (performance.now() - started) / 1000 });
        // A reply cut off at the length limit would be cached as if it were the model's answer.
        if (choice.finish_reason !== "length") await cache?.set(key, record);
        return record.content;
      });
    },

    /** Embedding vectors, or undefined when no embeddings endpoint is configured. */
    async embed(stage: string, texts: string[]): Promise<number[][] | undefined> {
      if (!embeddings || texts.length === 0) return embeddings ? [] : undefined;
      const body = { model: embeddings.model, input: texts };
      const key = ResponseCache.key({ url: embeddings.baseUrl, body });
      const cached = cache && z.array(z.array(z.number())).safeParse(await cache.get(key));
      if (cached?.success) return cached.data;
      const parsed = Embeddings.parse(await limit(() => post(embeddings, "/embeddings", body)));
      const vectors = [...parsed.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
      if (vectors.length !== texts.length)
        throw new Error(`${stage}: asked for ${texts.length} embeddings, got ${vectors.length}`);
      await cache?.set(key, vectors);
      return vectors;
    },
  };
}
export type LlmClient = ReturnType<typeof createLlmClient>;
