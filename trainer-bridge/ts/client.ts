import type { z } from "zod";
import { backoffDelay } from "../../workers/shared/backoff.ts";
import type { BatchCreated, BatchDeleted, BatchListing, BatchSpec, BatchStatus } from "../../workers/shared/batch.ts";
import type { StreamLine, Group } from "../../workers/shared/group.ts";
import type { CreateInstance, InstanceCreated, InstanceList } from "../../workers/shared/instance.ts";
import type { BundleUpload, EnvSummary } from "../../workers/shared/manifest.ts";
import type { RolloutList, RolloutView } from "../../workers/shared/rollout.ts";
import type { RunList } from "../../workers/shared/run.ts";
import type { ValidationReport } from "../../workers/shared/validation.ts";
import type { ToolOutcome } from "../../workers/shared/tool-call.ts";
import { FarmError, ProtocolError, TransportError, farmErrorFrom } from "./errors.ts";
import { Cut, ndjson, type StreamRecord } from "./ndjson.ts";

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

export interface RequestOptions {
  body?: unknown;
  /** Sent instead of the admin token: an instance's token, to call as its agent would. */
  bearer?: string;
  signal?: AbortSignal;
}

/** An environment as `GET /v1/envs/{name}` describes it. */
export interface EnvDetail {
  name: string;
  bundleId: string;
  description: string;
  tools: BundleUpload["manifest"]["tools"];
  tasks: { id: string; prompt: string }[];
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

const segment = (what: string, value: string) => {
  if (typeof value !== "string" || !value)
    throw new TypeError(`${what} must be a non-empty string, not ${JSON.stringify(value)}`);
  return encodeURIComponent(value);
};

/**
 * A worldfarm deployment: environments, instances, rollout batches and their finished GRPO groups. The one
 * TypeScript client (the CLI, the benchmarks and synth use it too); the Python client's `Farm`.
 */
export class Farm {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly fetcher: typeof globalThis.fetch;

  constructor(
    baseUrl: string,
    { token, retries = 8, backoffMs = 250, maxBackoffMs = 5_000, fetch = globalThis.fetch }: FarmOptions = {},
  ) {
    if (!/^https?:\/\/[^/]+/.test(baseUrl))
      throw new TypeError(`baseUrl must be an http(s) URL such as http://127.0.0.1:8787, not "${baseUrl}"`);
    if (!(retries >= 0 && backoffMs >= 0 && maxBackoffMs >= 0))
      throw new RangeError("retries, backoffMs and maxBackoffMs must not be negative");
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.headers = token ? { authorization: `Bearer ${token}` } : {};
    this.retries = retries;
    this.backoffMs = backoffMs;
    this.maxBackoffMs = maxBackoffMs;
    this.fetcher = fetch;
  }

  /**
   * One request, its response as it came (any status); a farm that cannot be reached is a TransportError. `path` is
   * under the base URL, or a whole URL the farm handed out (an instance's callUrl).
   */
  async send(method: string, path: string, { body, bearer, signal }: RequestOptions = {}): Promise<Response> {
    try {
      return await this.fetcher(/^https?:\/\//.test(path) ? path : this.baseUrl + path, {
        method,
        headers: {
          ...(bearer ? { authorization: `Bearer ${bearer}` } : this.headers),
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new TransportError(
        `cannot reach the farm at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (err as Error).message})`,
        1,
        err,
      );
    }
  }

  /** A request's JSON answer (undefined for an empty one); an error answer is a FarmError. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, options);
    if (!res.ok) throw await farmErrorFrom(res, method, path);
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ProtocolError(
        `${method} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`,
      );
    }
  }

  private static batchPath(batchId: string): string {
    return `/v1/batches/${segment("batchId", batchId)}`;
  }

  async envs(): Promise<EnvSummary[]> {
    return (await this.request<{ envs: EnvSummary[] }>("GET", "/v1/envs")).envs;
  }

  env(envName: string): Promise<EnvDetail> {
    return this.request("GET", `/v1/envs/${segment("envName", envName)}`);
  }

  /** Uploads a built environment (`worldfarm build`'s bundle); the farm serves it under its manifest's name. */
  uploadEnv(bundle: BundleUpload): Promise<{ name: string; bundleId: string }> {
    return this.request("PUT", `/v1/envs/${segment("envName", bundle.manifest.name)}`, { body: bundle });
  }

  validateEnv(envName: string): Promise<ValidationReport> {
    return this.request("POST", `/v1/envs/${segment("envName", envName)}/validate`);
  }

  createInstance(envName: string, options: z.input<typeof CreateInstance> = {}): Promise<InstanceCreated> {
    return this.request("POST", `/v1/envs/${segment("envName", envName)}/instances`, { body: options });
  }

  instances({
    envName,
    offset,
    limit,
  }: {
    envName?: string;
    offset?: number;
    limit?: number;
  } = {}): Promise<InstanceList> {
    const query = new URLSearchParams({
      ...(envName ? { env: envName } : {}),
      ...(offset === undefined ? {} : { offset: String(offset) }),
      ...(limit === undefined ? {} : { limit: String(limit) }),
    });
    return this.request("GET", `/v1/instances${query.size ? `?${query}` : ""}`);
  }

  /**
   * Calls one tool as the instance's agent would. Given the instance `createInstance` returned: at its callUrl, with
   * its token (a local farm serves that URL at the instance's world, one process hop less than the farm's port).
   * Given an id: through the farm's route, with `instanceToken`, else as the farm's admin.
   */
  callTool(
    instance: string | Pick<InstanceCreated, "callUrl" | "token">,
    tool: string,
    args: unknown,
    instanceToken?: string,
  ): Promise<ToolOutcome> {
    const body = { tool, args };
    if (typeof instance === "object" && instance !== null) {
      if (!/^https?:\/\//.test(instance.callUrl))
        throw new TypeError(
          `callUrl must be the http(s) URL the farm handed out, not ${JSON.stringify(instance.callUrl)}`,
        );
      return this.request("POST", instance.callUrl, { body, bearer: instanceToken ?? instance.token });
    }
    return this.request("POST", `/v1/instances/${segment("instanceId", instance)}/call`, {
      body,
      ...(instanceToken ? { bearer: instanceToken } : {}),
    });
  }

  async deleteInstance(instanceId: string): Promise<void> {
    await this.request("DELETE", `/v1/instances/${segment("instanceId", instanceId)}`);
  }

  /** Starts a rollout batch (the farm checks the spec and answers a bad one with FarmError 400). */
  createBatch(spec: z.input<typeof BatchSpec>): Promise<BatchCreated> {
    return this.request("POST", "/v1/batches", { body: spec });
  }

  /** The architecture page's name for `createBatch`: a batch runs as soon as it exists. */
  runBatch(spec: z.input<typeof BatchSpec>): Promise<BatchCreated> {
    return this.createBatch(spec);
  }

  batch(batchId: string): Promise<BatchStatus> {
    return this.request("GET", Farm.batchPath(batchId));
  }

  /** The farm's newest batches (up to 100), without their statistics: `runs()` has those. */
  async batches(): Promise<BatchListing[]> {
    return (await this.request<{ batches: BatchListing[] }>("GET", "/v1/batches")).batches;
  }

  /** The newest `limit` batches with reward statistics, grouped into runs by policyVersion. */
  runs(limit?: number): Promise<RunList> {
    return this.request("GET", `/v1/runs${limit === undefined ? "" : `?limit=${limit}`}`);
  }

  rollouts(
    batchId: string,
    query: { status?: string; groupId?: string; offset?: number; limit?: number } = {},
  ): Promise<RolloutList> {
    const q = new URLSearchParams(
      Object.entries(query)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    );
    return this.request("GET", `${Farm.batchPath(batchId)}/rollouts${q.size ? `?${q}` : ""}`);
  }

  rollout(rolloutId: string): Promise<RolloutView> {
    return this.request("GET", `/v1/rollouts/${segment("rolloutId", rolloutId)}`);
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
   * Every line of the batch's stream from `cursor` on with the text the farm sent: each group once, the heartbeats
   * sent while nothing finishes, and last the end line. After a network error, a cut connection or a 429/5xx it
   * reconnects (exponential backoff, full jitter) from the last group's seq + 1 and drops group ids it already
   * yielded. A 4xx throws FarmError.
   */
  async *records(
    batchId: string,
    { cursor = 0, heartbeatMs = 5_000, signal }: StreamOptions = {},
  ): AsyncGenerator<StreamRecord> {
    const path = Farm.batchPath(batchId);
    if (!Number.isSafeInteger(cursor) || cursor < 0)
      throw new RangeError(`cursor must be a non-negative integer, not ${cursor}`);
    if (!Number.isInteger(heartbeatMs) || heartbeatMs < 100 || heartbeatMs > 60_000)
      throw new RangeError(`heartbeatMs must be an integer from 100 to 60000, not ${heartbeatMs}`);
    const seen = new Set<string>();
    let failures = 0;
    for (;;) {
      try {
        const query = `${path}/groups?cursor=${cursor}&heartbeatMs=${heartbeatMs}`;
        const res = await this.fetcher(this.baseUrl + query, {
          headers: { ...this.headers, accept: "application/x-ndjson" },
          ...(signal ? { signal } : {}),
        });
        if (res.status === 429 || res.status >= 500) {
          await res.body?.cancel();
          throw new Cut(`the farm answered ${res.status}`);
        }
        if (!res.ok) throw await farmErrorFrom(res, "GET", query);
        for await (const record of ndjson(res.body!)) {
          failures = 0;
          const { line } = record;
          if (line.type === "group") {
            if (seen.has(line.group_id) || line.seq < cursor) continue;
            seen.add(line.group_id);
            cursor = line.seq + 1;
          }
          yield record;
          if (line.type === "end") return;
        }
        throw new Cut("the stream ended before its end line");
      } catch (err) {
        if (err instanceof FarmError || err instanceof ProtocolError || signal?.aborted) throw err;
        if (++failures > this.retries)
          throw new TransportError(
            `the group stream of ${batchId} broke ${failures} times in a row (last: ${(err as Error).message})`,
            failures,
            err,
          );
        await sleep(backoffDelay(failures - 1, { baseMs: this.backoffMs, capMs: this.maxBackoffMs }), signal);
      }
    }
  }

  /** `records()` without the text: the checked lines. */
  async *lines(batchId: string, options: StreamOptions = {}): AsyncGenerator<StreamLine> {
    for await (const { line } of this.records(batchId, options)) yield line;
  }

  /** The batch's finished groups in log order from `cursor` on, each exactly once, until the batch has ended. */
  async *groups(batchId: string, options: StreamOptions = {}): AsyncGenerator<Group> {
    for await (const line of this.lines(batchId, options)) if (line.type === "group") yield line;
  }
}
