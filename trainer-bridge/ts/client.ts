import type { z } from "zod";
import type { BatchCreated, BatchDeleted, BatchSpec, BatchStatus } from "../../workers/shared/batch.ts";
import { GROUP_SCHEMA, StreamLine, type Group } from "../../workers/shared/group.ts";
import { FarmError, ProtocolError, TransportError } from "./errors.ts";

export interface FarmOptions {
  /** The farm's FARM_ADMIN_TOKEN; a local farm without one answers loopback clients and needs none. */
  token?: string;
  /** Stream breaks in a row `groups()` survives before throwing TransportError; any line received resets the count. */
  retries?: number;
  /** First reconnect delay; it doubles per failure in a row, with full jitter, up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** What sends requests: the global fetch by default; wrap it to add headers, count or break connections. */
  fetch?: typeof globalThis.fetch;
}

export interface StreamOptions {
  /** The first log position: 0 for everything, the last group's seq + 1 to resume. */
  cursor?: number;
  /** How long the farm stays quiet before a heartbeat line (100..60000). */
  heartbeatMs?: number;
  signal?: AbortSignal;
}

export interface BatchSummary { id: string; createdAt: string; rollouts: number; policyVersion: string | null }

/** A line the stream cut off before its newline, or a body that ended before the end line. */
class Cut extends Error {}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener("abort", () => {
    clearTimeout(timer);
    reject(signal.reason);
  }, { once: true });
});

/** A worldfarm deployment: start rollout batches, stream their finished GRPO groups. The Python client's `Farm`. */
export class Farm {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly fetch: typeof globalThis.fetch;

  constructor(baseUrl: string, { token, retries = 8, backoffMs = 250, maxBackoffMs = 5_000, fetch = globalThis.fetch }: FarmOptions = {}) {
    if (!/^https?:\/\/[^/]+/.test(baseUrl)) throw new TypeError(`baseUrl must be an http(s) URL such as http://127.0.0.1:8787, not "${baseUrl}"`);
    if (!(retries >= 0 && backoffMs >= 0 && maxBackoffMs >= 0)) throw new RangeError("retries, backoffMs and maxBackoffMs must not be negative");
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.headers = token ? { authorization: `Bearer ${token}` } : {};
    this.retries = retries;
    this.backoffMs = backoffMs;
    this.maxBackoffMs = maxBackoffMs;
    this.fetch = fetch;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.fetch(this.baseUrl + path, {
        method,
        headers: { ...this.headers, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new TransportError(`${method} ${this.baseUrl}${path} failed: ${(err as Error).message}`, 1, err);
    }
    if (!res.ok) throw await FarmError.from(res);
    return (await res.json()) as T;
  }

  private static batchPath(batchId: string): string {
    if (typeof batchId !== "string" || !batchId) throw new TypeError(`batchId must be a non-empty string, not ${JSON.stringify(batchId)}`);
    return `/v1/batches/${encodeURIComponent(batchId)}`;
  }

  /** Starts a rollout batch (the farm checks the spec and answers a bad one with FarmError 400). */
  createBatch(spec: z.input<typeof BatchSpec>): Promise<BatchCreated> {
    return this.request("POST", "/v1/batches", spec);
  }

  /** The architecture page's name for `createBatch`: a batch runs as soon as it exists. */
  runBatch(spec: z.input<typeof BatchSpec>): Promise<BatchCreated> {
    return this.createBatch(spec);
  }

  batch(batchId: string): Promise<BatchStatus> {
    return this.request("GET", Farm.batchPath(batchId));
  }

  async batches(): Promise<BatchSummary[]> {
    return (await this.request<{ batches: BatchSummary[] }>("GET", "/v1/batches")).batches;
  }

  cancel(batchId: string): Promise<BatchStatus> {
    return this.request("POST", `${Farm.batchPath(batchId)}/cancel`);
  }

  /**
   * Deletes a batch and its rollouts' storage (cancelling it if it runs); reading it afterwards is FarmError 410.
   * The run keeps the batch's reward summary unless `keepSummary` is false.
   */
  deleteBatch(batchId: string, { keepSummary = true }: { keepSummary?: boolean } = {}): Promise<BatchDeleted> {
    return this.request("DELETE", `${Farm.batchPath(batchId)}${keepSummary ? "" : "?summary=false"}`);
  }

  /**
   * Every line of the batch's stream from `cursor` on: each group once, the heartbeats sent while nothing finishes,
   * and last the end line. After a network error, a cut connection or a 429/5xx it reconnects (exponential backoff,
   * full jitter) from the last group's seq + 1 and drops group ids it already yielded. A 4xx throws FarmError.
   */
  async *lines(batchId: string, { cursor = 0, heartbeatMs = 5_000, signal }: StreamOptions = {}): AsyncGenerator<StreamLine> {
    const path = Farm.batchPath(batchId);
    if (!Number.isSafeInteger(cursor) || cursor < 0) throw new RangeError(`cursor must be a non-negative integer, not ${cursor}`);
    if (!Number.isInteger(heartbeatMs) || heartbeatMs < 100 || heartbeatMs > 60_000) throw new RangeError(`heartbeatMs must be an integer from 100 to 60000, not ${heartbeatMs}`);
    const seen = new Set<string>();
    let failures = 0;
    for (;;) {
      try {
        const res = await this.fetch(`${this.baseUrl}${path}/groups?cursor=${cursor}&heartbeatMs=${heartbeatMs}`, {
          headers: { ...this.headers, accept: "application/x-ndjson" },
          ...(signal ? { signal } : {}),
        });
        if (res.status === 429 || res.status >= 500) {
          await res.body?.cancel();
          throw new Cut(`the farm answered ${res.status}`);
        }
        if (!res.ok) throw await FarmError.from(res);
        for await (const line of ndjson(res.body!)) {
          failures = 0;
          if (line.type === "group") {
            if (seen.has(line.group_id) || line.seq < cursor) continue;
            seen.add(line.group_id);
            cursor = line.seq + 1;
          }
          yield line;
          if (line.type === "end") return;
        }
        throw new Cut("the stream ended before its end line");
      } catch (err) {
        if (err instanceof FarmError || err instanceof ProtocolError || signal?.aborted) throw err;
        if (++failures > this.retries) throw new TransportError(`the group stream broke ${failures} times in a row (last: ${(err as Error).message})`, failures, err);
        await sleep(Math.random() * Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (failures - 1)), signal);
      }
    }
  }

  /** The batch's finished groups in log order from `cursor` on, each exactly once, until the batch has ended. */
  async *groups(batchId: string, options: StreamOptions = {}): AsyncGenerator<Group> {
    for await (const line of this.lines(batchId, options)) if (line.type === "group") yield line;
  }
}

/** NDJSON lines as they arrive, checked against the wire schema; a last line without its newline is a cut. */
async function* ndjson(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamLine> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        if (buffered) throw new Cut("the connection was cut in the middle of a line");
        return;
      }
      buffered += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        yield parseLine(text);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function parseLine(text: string): StreamLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError(`the stream sent a line that is not JSON: ${text.slice(0, 200)}`);
  }
  const kind = (json as { type?: unknown; schema?: unknown } | null)?.type;
  if (kind === "group" && (json as { schema?: unknown }).schema !== GROUP_SCHEMA) {
    throw new ProtocolError(`the stream sent schema ${JSON.stringify((json as { schema?: unknown }).schema)}; this client reads ${GROUP_SCHEMA}`);
  }
  const parsed = StreamLine.safeParse(json);
  if (!parsed.success) throw new ProtocolError(`the stream sent a line that is not a ${GROUP_SCHEMA} stream line: ${parsed.error.message.slice(0, 300)}`);
  return parsed.data;
}
