import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { ChatMessage } from "../llm/client.ts";
import type { Recording } from "./recordings.ts";
import { closeServer, readBody, sendJson } from "../../cli/node-http.ts";

export { loadRecordings, type Recording } from "./recordings.ts";

export interface FakeLlmOptions {
  recordings: Recording[];
  port?: number;
  latencyMs?: number;
  /** The first N chat requests are answered 429 (with retry-after 0), then 500, alternating, to exercise retries. */
  failFirst?: number;
}

export interface FakeLlm {
  /** The base URL, ending in /v1. */
  url: string;
  /** Chat completions answered, failed ones included. */
  readonly requests: number;
  /** Most chat requests in flight at once. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

const ChatBody = z.object({ model: z.string(), messages: z.array(ChatMessage).min(2) });
const EmbedBody = z.object({ model: z.string(), input: z.union([z.string(), z.array(z.string())]) });

/** Bag-of-words vectors: texts that share words point the same way, which is what deduplication needs to see. */
function embedding(text: string, dims = 256): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const w of text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []) {
    let h = 2166136261;
    for (const c of w) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
    v[(h >>> 0) % dims]! += 1;
  }
  return v;
}

/** Picks the recording for a conversation, or says why none fits. */
export function replay(recordings: Recording[], messages: ChatMessage[]): Recording | string {
  const prompt = messages
    .slice(0, 2)
    .map((m) => m.content)
    .join("\n");
  const attempt = messages.filter((m) => m.role === "assistant").length;
  const matching = recordings.filter((r) => r.match.every((m) => prompt.includes(m)));
  const best = Math.max(-1, ...matching.filter((r) => r.attempt <= attempt).map((r) => r.attempt));
  const chosen = matching.filter((r) => r.attempt === best);
  if (chosen.length === 1) return chosen[0]!;
  if (chosen.length > 1)
    return `${chosen.length} recordings match attempt ${attempt}: ${chosen.map((r) => JSON.stringify(r.match)).join(", ")}`;
  return `no recording matches this prompt at attempt ${attempt}: ${prompt.slice(0, 300)}`;
}

/** A local OpenAI-compatible server answering chat completions from recordings, for tests and benchmarks. */
export async function startFakeLlm({
  recordings,
  port = 0,
  latencyMs = 0,
  failFirst = 0,
}: FakeLlmOptions): Promise<FakeLlm> {
  let requests = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  async function chat(body: unknown, res: ServerResponse) {
    const n = requests++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (latencyMs) await sleep(latencyMs);
      if (n < failFirst) {
        if (n % 2 === 0) res.setHeader("retry-after", "0");
        return sendJson(res, n % 2 === 0 ? 429 : 500, { error: { message: "injected failure", type: "server_error" } });
      }
      const parsed = ChatBody.safeParse(body);
      if (!parsed.success)
        return sendJson(res, 400, { error: { message: z.prettifyError(parsed.error), type: "invalid_request_error" } });
      const found = replay(recordings, parsed.data.messages);
      if (typeof found === "string")
        return sendJson(res, 400, { error: { message: found, type: "invalid_request_error" } });
      const content = typeof found.response === "string" ? found.response : JSON.stringify(found.response);
      const promptChars = parsed.data.messages.reduce((s, m) => s + m.content.length, 0);
      sendJson(res, 200, {
        id: `chatcmpl-${n}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: parsed.data.model,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage: {
          prompt_tokens: Math.ceil(promptChars / 4),
          completion_tokens: Math.ceil(content.length / 4),
          total_tokens: Math.ceil((promptChars + content.length) / 4),
        },
      });
    } finally {
      inFlight--;
    }
  }

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    let body: unknown;
    try {
      body = req.method === "POST" ? JSON.parse(await readBody(req)) : undefined;
    } catch {
      return sendJson(res, 400, { error: { message: "the body is not JSON", type: "invalid_request_error" } });
    }
    if (req.method === "POST" && path === "/v1/chat/completions") return chat(body, res);
    if (req.method === "POST" && path === "/v1/embeddings") {
      const parsed = EmbedBody.safeParse(body);
      if (!parsed.success)
        return sendJson(res, 400, { error: { message: z.prettifyError(parsed.error), type: "invalid_request_error" } });
      const input = typeof parsed.data.input === "string" ? [parsed.data.input] : parsed.data.input;
      return sendJson(res, 200, {
        object: "list",
        model: parsed.data.model,
        data: input.map((t, index) => ({ object: "embedding", index, embedding: embedding(t) })),
      });
    }
    sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}`, type: "invalid_request_error" } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/v1`,
    get requests() {
      return requests;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close: () => closeServer(server),
  };
}
