import { DurableObject } from "cloudflare:workers";
import { FarmError, decodeFarmError, encodeFarmError } from "../shared/errors.ts";
import type { InstanceInfo, TableDiff, VerifyResponse } from "../shared/instance.ts";
import type { ToolInfo } from "../shared/manifest.ts";
import type { TableRows } from "./sdk/tables.ts";
import type { ToolOutcome } from "./sdk/world.ts";
import { loadManifest } from "./registry-client.ts";
import { farmIndex } from "../farm-index/client.ts";
import { WorldHost, type WorldExport } from "./runtime/host.ts";
import { type InstanceWorld, StoredWorld, storeName, storeStub } from "./world-store.ts";
import { McpEndpoint } from "./mcp.ts";
import { checkBundle } from "./bundle-check.ts";
import type { BundleUpload } from "../shared/manifest.ts";
import { hasWorlds, inWorld, instanceEnv, instanceNamespace, instanceWorld } from "./worlds.ts";
import { maxLiveInstances } from "../farm-vars.ts";

interface Meta {
  instanceId: string;
  env: string;
  bundleId: string;
  seed: number;
  ttlMs: number;
  createdAt: string;
  /** The WorldStore that keeps this instance's world; absent for instances made before stores, whose facets are here. */
  store?: string;
}

/**
 * An HTTP exchange as plain data: Requests and Responses cross RPC as streams, which cost more than the small
 * JSON-RPC bodies they carry.
 */
export interface HttpMessage {
  url: string;
  method: string;
  headers: [string, string][];
  body: string | null;
  status?: number;
}

export async function toMessage(request: Request): Promise<HttpMessage> {
  return {
    url: request.url,
    method: request.method,
    headers: [...request.headers],
    body: request.method === "GET" || request.method === "HEAD" ? null : await request.text(),
  };
}

export function toResponse(message: HttpMessage): Response {
  return new Response(message.body, { status: message.status ?? 200, headers: message.headers });
}

export interface ExportedWorld {
  meta: Meta;
  state: WorldExport;
}

interface Counters {
  calls: number;
  errors: number;
  toolMs: number;
}

export interface CreateOptions {
  instanceId: string;
  env: string;
  bundleId: string;
  seed: number;
  ttlSeconds: number;
}

/** EnvInstance's RPC surface as callers see it (the generated stub types of deep JSON results overwhelm tsc). */
export interface InstanceRpc {
  create(options: CreateOptions, restore?: ExportedWorld["state"]): Promise<InstanceInfo>;
  info(): Promise<InstanceInfo>;
  listTools(): Promise<ToolInfo[]>;
  callTool(name: string, args: unknown): Promise<ToolOutcome>;
  mcp(message: HttpMessage): Promise<HttpMessage>;
  reset(): Promise<InstanceInfo>;
  verify(taskId: string, answer: string | null): Promise<VerifyResponse>;
  tables(): Promise<{ name: string; rows: number }[]>;
  rows(table: string, offset: number, limit: number): Promise<TableRows & { total: number }>;
  diff(): Promise<TableDiff[]>;
  exportWorld(): Promise<ExportedWorld>;
  destroy(): Promise<void>;
  checkUpload(name: string, upload: BundleUpload): Promise<string>;
}

function setupFailed(err: unknown): Error {
  return encodeFarmError(
    new FarmError(
      "world_setup_failed",
      400,
      `the environment could not build its world: ${err instanceof Error ? err.message : String(err)}`,
    ),
  );
}

/**
 * The instance's object, in whichever process hosts its environment (see worlds.ts). Name the environment where it
 * is known; otherwise the farm index says. Across processes every call goes through inWorld, which names the limit
 * a call ran into when it brought its world down.
 */
export async function instanceStub(env: Env, id: string, name?: string): Promise<InstanceRpc> {
  if (!hasWorlds(env)) return env.ENV_INSTANCE.getByName(id) as unknown as InstanceRpc;
  const world = instanceWorld(env, name ?? (await instanceEnv(env, id)), id);
  const stub = (await instanceNamespace(env, world)).getByName(id) as unknown as Record<
    string,
    (...args: unknown[]) => Promise<unknown>
  >;
  return new Proxy(
    {},
    {
      // `await` asks any object for `then`; this one is not a promise.
      get: (_, method) =>
        method === "then" || typeof method !== "string"
          ? undefined
          : (...args: unknown[]) => inWorld(env, world, () => stub[method]!(...args)),
    },
  ) as InstanceRpc;
}

/** The object of an environment's world that checks its uploads; instance ids are 32 hex digits, never this. */
const UPLOAD_CHECK = "upload-check";

/**
 * Checking an upload loads it, which runs its code (module top level, describe): locally that happens in the
 * environment's own world process, never in the one holding the registry, the farm index and the API.
 */
export async function checkUpload(env: Env, name: string, upload: BundleUpload): Promise<string> {
  if (!hasWorlds(env)) return checkBundle(env, name, upload);
  const stub = (await instanceNamespace(env, name)).getByName(UPLOAD_CHECK) as unknown as InstanceRpc;
  try {
    return await inWorld(env, name, () => stub.checkUpload(name, upload));
  } catch (err) {
    throw decodeFarmError(err) ?? err;
  }
}

/**
 * One live world served to MCP users. The world itself is a WorldHost (two facets); this object adds identity,
 * counters and an idle TTL, whose alarm lives here because facets cannot set alarms.
 */
export class EnvInstance extends DurableObject<Env> {
  private host: InstanceWorld | undefined;
  /** When this object last persisted activity; 0 after a restart, so the first call persists again. */
  private lastActive = 0;
  private tally: Counters | undefined;
  private countersSaved = 0;
  private endpoint: McpEndpoint | undefined;

  private get kv() {
    return this.ctx.storage.kv;
  }

  private meta(): Meta {
    const meta = this.kv.get<Meta>("meta");
    if (!meta)
      throw encodeFarmError(
        new FarmError("instance_not_found", 404, "no such instance (never created, deleted, or expired)"),
      );
    return meta;
  }

  private world(): InstanceWorld {
    const meta = this.meta();
    this.host ??= meta.store
      ? new StoredWorld(storeStub(this.env, meta.store), meta.instanceId)
      : new WorldHost(this.ctx, this.env, { envName: meta.env, bundleId: meta.bundleId });
    return this.host;
  }

  private async touch(meta: Meta): Promise<void> {
    const now = Date.now();
    // Persisting every touch would add a write to every call; a hundredth of the TTL is precision enough.
    if (now - this.lastActive > meta.ttlMs / 100) {
      this.lastActive = now;
      this.kv.put("lastActive", now);
    }
  }

  private counters(): Counters {
    this.tally ??= this.kv.get<Counters>("counters") ?? { calls: 0, errors: 0, toolMs: 0 };
    return this.tally;
  }

  private count(outcome: "ok" | "error", ms: number): void {
    const c = this.counters();
    c.calls += 1;
    if (outcome === "error") c.errors += 1;
    c.toolMs += ms;
    // Statistics, not world state: writing them on every call would hold each tool result behind a commit
    // (~1.5 ms measured locally). At most a second of counts is lost if the object is evicted.
    const now = Date.now();
    if (now - this.countersSaved >= 1_000) {
      this.countersSaved = now;
      this.kv.put("counters", c);
    }
  }

  async create(options: CreateOptions, restore?: WorldExport): Promise<InstanceInfo> {
    if (this.kv.get("meta")) throw encodeFarmError(new FarmError("instance_exists", 409, "instance already exists"));
    const meta: Meta = {
      instanceId: options.instanceId,
      env: options.env,
      bundleId: options.bundleId,
      seed: options.seed,
      ttlMs: options.ttlSeconds * 1000,
      createdAt: new Date().toISOString(),
    };
    // The farm index's list is how the farm finds and counts its live instances (a namespace cannot be listed). The
    // place is taken while the world is made, the two commits waiting on the disk side by side; a create that
    // fails on either takes back the other, so a farm at its cap deletes the world it just made and holds no more
    // worlds than it has creates in flight. This object's own record is written last: a create whose runtime dies
    // half way leaves no instance that looks whole.
    const world = { envName: meta.env, bundleId: meta.bundleId, seed: meta.seed };
    meta.store = storeName(world, meta.instanceId);
    const stored = new StoredWorld(storeStub(this.env, meta.store), meta.instanceId);
    this.host = stored;
    const [reserved, built] = await Promise.allSettled([
      farmIndex(this.env).reserveInstance(meta.instanceId, meta.env, meta.createdAt, maxLiveInstances(this.env)),
      restore ? stored.restore(world, restore) : stored.adopt(world),
    ]);
    if (reserved.status === "rejected") {
      await this.discardWorld();
      throw reserved.reason;
    }
    if (built.status === "rejected") {
      await this.discardWorld();
      await farmIndex(this.env).dropInstance(meta.instanceId);
      throw setupFailed(built.reason);
    }
    this.kv.put("meta", meta);
    this.kv.put("lastActive", Date.now());
    await this.ctx.storage.setAlarm(Date.now() + meta.ttlMs);
    return this.info();
  }

  private async discardWorld(): Promise<void> {
    await this.host?.destroy();
    this.host = undefined;
  }

  info(): InstanceInfo {
    const meta = this.meta();
    const lastActive = Math.max(this.lastActive, this.kv.get<number>("lastActive") ?? 0);
    return {
      instanceId: meta.instanceId,
      env: meta.env,
      bundleId: meta.bundleId,
      seed: meta.seed,
      createdAt: meta.createdAt,
      expiresAt: new Date(lastActive + meta.ttlMs).toISOString(),
      counters: { ...this.counters() },
    };
  }

  async listTools(): Promise<ToolInfo[]> {
    return (await loadManifest(this.env, this.meta().bundleId)).tools;
  }

  async callTool(name: string, args: unknown): Promise<ToolOutcome> {
    const meta = this.meta();
    await this.touch(meta);
    const start = performance.now();
    const outcome = await this.world()
      .call(name, args)
      .catch(
        (err: unknown): ToolOutcome => ({
          // The tool ran, but what it returned could not cross to this object (nested too deep to serialize, say).
          ok: false,
          kind: "tool_error",
          internal: true,
          message: `the tool's result could not be returned: ${err instanceof Error ? err.message : String(err)}`,
        }),
      );
    this.count(outcome.ok ? "ok" : "error", performance.now() - start);
    return outcome;
  }

  /** MCP for this world, served here so a request costs one hop and an unknown instance is a plain 404. */
  async mcp(message: HttpMessage): Promise<HttpMessage> {
    const response = await this.serveMcp(
      new Request(message.url, { method: message.method, headers: message.headers, body: message.body }),
    );
    return {
      url: message.url,
      method: message.method,
      status: response.status,
      headers: [...response.headers],
      body: response.body ? await response.text() : null,
    };
  }

  private async serveMcp(request: Request): Promise<Response> {
    const meta = this.meta();
    if (!this.endpoint) {
      const { tools } = await loadManifest(this.env, meta.bundleId);
      this.endpoint ??= new McpEndpoint({ name: meta.env, tools, call: (name, args) => this.callTool(name, args) });
    }
    return this.endpoint.serve(request);
  }

  async reset(): Promise<InstanceInfo> {
    await this.touch(this.meta());
    await this.world().reset();
    return this.info();
  }

  async verify(taskId: string, answer: string | null): Promise<VerifyResponse> {
    await this.touch(this.meta());
    const outcome = await this.world().verify(taskId, answer);
    if (outcome.ok) return { taskId, ...outcome.result };
    const status = outcome.kind === "unknown_task" ? 404 : 422;
    throw encodeFarmError(
      new FarmError(outcome.kind === "unknown_task" ? "task_not_found" : outcome.kind, status, outcome.message),
    );
  }

  tables(): Promise<{ name: string; rows: number }[]> {
    return this.world().tables();
  }

  async rows(table: string, offset: number, limit: number): Promise<TableRows & { total: number }> {
    try {
      return await this.world().rows(table, offset, limit);
    } catch (err) {
      throw encodeFarmError(new FarmError("table_not_found", 404, err instanceof Error ? err.message : String(err)));
    }
  }

  diff(): Promise<TableDiff[]> {
    return this.world().diff();
  }

  /** This world's initial snapshot and current state, for a fork to start from. */
  async exportWorld(): Promise<ExportedWorld> {
    return { meta: this.meta(), state: await this.world().exportState() };
  }

  async destroy(): Promise<void> {
    await this.wipe(this.meta());
  }

  /** See checkUpload: this object only lends the world process its isolate; it keeps nothing. */
  async checkUpload(name: string, upload: BundleUpload): Promise<string> {
    try {
      return await checkBundle(this.env, name, upload);
    } catch (err) {
      throw err instanceof FarmError ? encodeFarmError(err) : err;
    }
  }

  private async wipe(meta: Meta): Promise<void> {
    await this.world().destroy();
    this.host = undefined;
    this.endpoint = undefined;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    await farmIndex(this.env).dropInstance(meta.instanceId);
  }

  override async alarm(): Promise<void> {
    const meta = this.kv.get<Meta>("meta");
    if (!meta) return;
    const lastActive = Math.max(this.lastActive, this.kv.get<number>("lastActive") ?? 0);
    const expires = lastActive + meta.ttlMs;
    if (Date.now() < expires) {
      if (this.tally) this.kv.put("counters", this.tally);
      await this.ctx.storage.setAlarm(expires);
    } else await this.wipe(meta);
  }
}
