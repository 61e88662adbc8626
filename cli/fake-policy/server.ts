import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { ChatRequest, playSolution, type Reply, type Script, type Solution } from "./reply.ts";
import { closeServer, readBody, sendJson } from "../node-http.ts";
import { seededRandom } from "../../workers/env-host/sdk/determinism.ts";
import { assistantText, completionText, decode, encode, renderPrompt, tokenString } from "./tokenizer.ts";

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
}

export interface FakePolicy {
  url: string;
  close(): Promise<void>;
  /** Chat completion requests received, the failed ones included. */
  readonly requests: number;
}

export const GARBAGE = '<tool_call>{not json';

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
}: FakePolicyOptions = {}): Promise<FakePolicy> {
  const random = seededRandom({ value: seed }).next;
  let requests = 0;
  const created = Math.floor(Date.now() / 1000);

  async function completions(req: IncomingMessage, res: ServerResponse) {
    const n = requests++;
    if (latencyMs > 0) await sleep(latencyMs);
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return sendError(res, 400, "invalid_request_error", "invalid_json", "The request body is not valid JSON.");
    }
    const parsed = ChatRequest.safeParse(body);
    if (!parsed.success) return sendError(res, 400, "invalid_request_error", "invalid_request", z.prettifyError(parsed.error));
    const request = parsed.data;

    const draw = random();
    if (draw < errorRate / 2) {
      res.setHeader("retry-after", String(retryAfterSeconds));
      return sendError(res, 429, "rate_limit_error", "rate_limit_exceeded", "Too many requests (injected fault).");
    }
    if (draw < errorRate) return sendError(res, 500, "server_error", "internal_error", "Internal server error (injected fault).");
    const turn = request.messages.filter((m) => m.role === "assistant").length;
    const reply: Reply = draw < errorRate + garbageRate ? { content: GARBAGE } : (script?.(request, turn) ?? playSolution(request, solutions));
    sendJson(res, 200, completion(`chatcmpl-${n}`, request, reply));
  }

  function completion(id: string, request: ChatRequest, reply: Reply) {
    const promptIds = encode(renderPrompt(request.messages));
    const fullIds = encode(completionText(assistantText(reply)));
    const limit = request.max_completion_tokens ?? request.max_tokens ?? Infinity;
    const truncated = fullIds.length > limit;
    const ids = truncated ? fullIds.slice(0, limit) : fullIds;
    const message = truncated ? { role: "assistant", content: decode(ids) } : { role: "assistant", ...reply };
    const choice = {
      index: 0,
      message,
      finish_reason: truncated ? "length" : reply.tool_calls ? "tool_calls" : "stop",
      logprobs: request.logprobs ? { content: ids.map((t, i) => ({ token: tokenString(t), logprob: -((t + i) % 7) / 10, top_logprobs: [] })) } : null,
      ...(request.return_token_ids ? { token_ids: ids } : {}),
    };
    return {
      id,
      object: "chat.completion",
      created,
      model: request.model ?? model,
      choices: [choice],
      usage: { prompt_tokens: promptIds.length, completion_tokens: ids.length, total_tokens: promptIds.length + ids.length },
      ...(request.return_token_ids ? { prompt_token_ids: promptIds } : {}),
    };
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "POST" && path === "/v1/chat/completions") {
      completions(req, res).catch((err: unknown) => sendError(res, 500, "server_error", "internal_error", String(err)));
    } else if (req.method === "GET" && path === "/v1/models") {
      sendJson(res, 200, { object: "list", data: [{ id: model, object: "model", created, owned_by: "worldfarm" }] });
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
    close: () => closeServer(server),
  };
}

function sendError(res: ServerResponse, status: number, type: string, code: string, message: string) {
  sendJson(res, status, { error: { message, type, code } });
}
