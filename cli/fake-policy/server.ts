import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import {
  ChatRequest,
  CompletionRequest,
  TokenizeRequest,
  playSolution,
  type Reply,
  type Script,
  type Solution,
} from "./reply.ts";
import { closeServer, readBody, sendJson, sendJsonText } from "../node-http.ts";
import { seededRandom } from "../../workers/env-host/sdk/determinism.ts";
import { IM_START, toyTokenizer, type EncodedJson, type FakeTokenizer } from "./tokenizer.ts";

export { awmToolCall, UNKNOWN_ANSWER, type Reply, type Script, type Solution } from "./reply.ts";

export interface FakePolicyOptions {
  port?: number;
  model?: string;
  latencyMs?: number;
  /** Fraction of completions answered 500, or 429 for half of them. */
  errorRate?: number;
  /** Fraction of completions answered 200 with a tool call that does not parse. */
  garbageRate?: number;
  retryAfterSeconds?: number;
  seed?: number;
  /** Task prompt (contained in the first user message) to its reference solution. */
  solutions?: Record<string, Solution>;
  script?: Script;
  /** The toy byte tokenizer by default; `await qwen3Tokenizer()` for the real Qwen3 one and its template. */
  tokenizer?: FakeTokenizer;
  /** vLLM's context length, reported by /tokenize. */
  maxModelLen?: number;
  /** Keep every completion served (prompt and generated ids), for tests that check a client reproduced them. */
  record?: boolean;
}

/** One completion as the server produced it. */
export interface Served {
  endpoint: "chat" | "completions";
  promptIds: number[];
  completionIds: number[];
}

export interface FakePolicy {
  url: string;
  close(): Promise<void>;
  /** Completion requests received (chat and token prompts), the failed ones included. */
  readonly requests: number;
  /** What was served, when `record` is on. */
  readonly served: Served[];
}

export const GARBAGE = "<tool_call>{not json";

/** A chat request the fake's solution player can read, rebuilt from a rendered prompt: vLLM sees only tokens there. */
function requestFromPrompt(text: string): ChatRequest {
  const [head = ""] = text.split(`${IM_START}assistant`);
  const turn = text.split(`${IM_START}assistant`).length - 2;
  const listed = /<tools>\n([\s\S]*?)\n<\/tools>/.exec(head)?.[1];
  const tools = listed?.split("\n").flatMap((line) => {
    try {
      // The Qwen3 template lists whole tools, the toy one names only.
      const tool = JSON.parse(line) as { name?: unknown; function?: { name?: unknown } };
      const name = tool.function?.name ?? tool.name;
      return typeof name === "string" ? [{ function: { name } }] : [];
    } catch {
      return [];
    }
  });
  return {
    messages: [
      { role: "user", content: head },
      ...Array.from({ length: Math.max(turn, 0) }, () => ({ role: "assistant", content: "" })),
    ],
    ...(tools?.length ? { tools } : {}),
  };
}

const listedJson = (ids: number[]): EncodedJson => ({ count: ids.length, json: JSON.stringify(ids) });

/** A local stand-in for vLLM's OpenAI-compatible server, for tests, demos and benchmarks. */
export async function startFakePolicy({
  port = 0,
  model = "fake-policy",
  latencyMs = 0,
  errorRate = 0,
  garbageRate = 0,
  retryAfterSeconds = 0,
  seed = 0,
  solutions = {},
  script,
  tokenizer = toyTokenizer,
  maxModelLen = 32_768,
  record = false,
}: FakePolicyOptions = {}): Promise<FakePolicy> {
  const random = seededRandom({ value: seed }).next;
  let requests = 0;
  const served: Served[] = [];
  const created = Math.floor(Date.now() / 1000);

  async function readJson<T>(req: IncomingMessage, res: ServerResponse, schema: z.ZodType<T>): Promise<T | undefined> {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      sendError(res, 400, "invalid_request_error", "invalid_json", "The request body is not valid JSON.");
      return undefined;
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      sendError(res, 400, "invalid_request_error", "invalid_request", z.prettifyError(parsed.error));
      return undefined;
    }
    return parsed.data;
  }

  /** Draws an injected fault, or the reply to send. */
  function decide(res: ServerResponse, request: ChatRequest): Reply | undefined {
    const draw = random();
    if (draw < errorRate / 2) {
      res.setHeader("retry-after", String(retryAfterSeconds));
      sendError(res, 429, "rate_limit_error", "rate_limit_exceeded", "Too many requests (injected fault).");
      return undefined;
    }
    if (draw < errorRate) {
      sendError(res, 500, "server_error", "internal_error", "Internal server error (injected fault).");
      return undefined;
    }
    const turn = request.messages.filter((m) => m.role === "assistant").length;
    return draw < errorRate + garbageRate
      ? { content: GARBAGE }
      : (script?.(request, turn) ?? playSolution(request, solutions));
  }

  /** The ids the model generates for `reply`, cut at `limit` as vLLM's max_tokens does. */
  function generate(reply: Reply, thinking: boolean, limit: number) {
    const full = tokenizer.encode(tokenizer.generate(reply, thinking));
    const truncated = full.length > limit;
    return { ids: truncated ? full.slice(0, limit) : full, truncated };
  }

  const logprob = (id: number, i: number) => -((id + i) % 7) / 10;

  async function chat(req: IncomingMessage, res: ServerResponse, n: number) {
    const request = await readJson(req, res, ChatRequest);
    if (!request) return;
    const thinkingAsked = request.chat_template_kwargs?.enable_thinking;
    const prompt = tokenizer.render(request.messages, {
      tools: request.tools,
      addGenerationPrompt: true,
      enableThinking: thinkingAsked,
    });
    const reply = decide(res, request);
    if (!reply) return;
    const thinking = tokenizer.thinks(prompt);
    const promptIds = tokenizer.encodeJson?.(prompt) ?? listedJson(tokenizer.encode(prompt));
    const { ids, truncated } = generate(
      reply,
      thinking,
      request.max_completion_tokens ?? request.max_tokens ?? Infinity,
    );
    if (record) served.push({ endpoint: "chat", promptIds: tokenizer.encode(prompt), completionIds: ids });
    const message = truncated
      ? { role: "assistant", content: tokenizer.decode(ids) }
      : { role: "assistant", ...tokenizer.message(reply, thinking) };
    const choice = {
      index: 0,
      message,
      finish_reason: truncated ? "length" : reply.tool_calls ? "tool_calls" : "stop",
      logprobs: request.logprobs
        ? {
            content: ids.map((t, i) => ({ token: tokenizer.tokenString(t), logprob: logprob(t, i), top_logprobs: [] })),
          }
        : null,
      ...(request.return_token_ids ? { token_ids: ids } : {}),
    };
    const body = JSON.stringify({
      id: `chatcmpl-${n}`,
      object: "chat.completion",
      created,
      model: request.model ?? model,
      choices: [choice],
      usage: {
        prompt_tokens: promptIds.count,
        completion_tokens: ids.length,
        total_tokens: promptIds.count + ids.length,
      },
    });
    // The prompt's ids go last, as their JSON text: `body` is an object, so its closing brace is its last character.
    sendJsonText(
      res,
      200,
      request.return_token_ids ? `${body.slice(0, -1)},"prompt_token_ids":${promptIds.json}}` : body,
    );
  }

  async function completions(req: IncomingMessage, res: ServerResponse, n: number) {
    const request = await readJson(req, res, CompletionRequest);
    if (!request) return;
    const promptIds = request.prompt;
    const text = tokenizer.decode(promptIds);
    const reply = decide(res, requestFromPrompt(text));
    if (!reply) return;
    const { ids, truncated } = generate(reply, tokenizer.thinks(text), request.max_tokens);
    if (record) served.push({ endpoint: "completions", promptIds, completionIds: ids });
    const withLogprobs = request.logprobs !== undefined && request.logprobs !== null;
    const tokens = ids.map((t) => tokenizer.tokenString(t));
    const choice = {
      index: 0,
      // vLLM leaves special tokens (the end of turn) out of the text.
      text: tokenizer.decode(ids).replace(/<\|im_end\|>$/, ""),
      logprobs: withLogprobs
        ? {
            text_offset: tokens.map((_, i) => i),
            token_logprobs: ids.map(logprob),
            tokens,
            top_logprobs: tokens.map(() => ({})),
          }
        : null,
      finish_reason: truncated ? "length" : "stop",
      stop_reason: null,
      ...(request.return_token_ids ? { prompt_token_ids: promptIds, token_ids: ids } : {}),
    };
    sendJson(res, 200, {
      id: `cmpl-${n}`,
      object: "text_completion",
      created,
      model: request.model ?? model,
      choices: [choice],
      usage: {
        prompt_tokens: promptIds.length,
        completion_tokens: ids.length,
        total_tokens: promptIds.length + ids.length,
      },
    });
  }

  async function tokenize(req: IncomingMessage, res: ServerResponse) {
    const request = await readJson(req, res, TokenizeRequest);
    if (!request) return;
    const text = request.messages
      ? tokenizer.render(request.messages, {
          tools: request.tools,
          addGenerationPrompt: request.add_generation_prompt,
          enableThinking: request.chat_template_kwargs?.enable_thinking,
        })
      : request.prompt!;
    const tokens = tokenizer.encode(text);
    sendJson(res, 200, { count: tokens.length, max_model_len: maxModelLen, tokens, token_strs: null });
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const fail = (err: unknown) => sendError(res, 500, "server_error", "internal_error", String(err));
    const completion = (handler: typeof chat) => {
      const n = requests++;
      (latencyMs > 0 ? sleep(latencyMs) : Promise.resolve()).then(() => handler(req, res, n)).catch(fail);
    };
    if (req.method === "POST" && path === "/v1/chat/completions") completion(chat);
    else if (req.method === "POST" && path === "/v1/completions") completion(completions);
    else if (req.method === "POST" && path === "/tokenize") tokenize(req, res).catch(fail);
    else if (req.method === "GET" && path === "/v1/models") {
      sendJson(res, 200, {
        object: "list",
        data: [{ id: model, object: "model", created, owned_by: "worldfarm", max_model_len: maxModelLen }],
      });
    } else {
      sendError(res, 404, "invalid_request_error", "not_found", `No route for ${req.method} ${path}.`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${bound}`,
    get requests() {
      return requests;
    },
    served,
    close: () => closeServer(server),
  };
}

function sendError(res: ServerResponse, status: number, type: string, code: string, message: string) {
  sendJson(res, status, { error: { message, type, code } });
}
