import { DurableObject } from "cloudflare:workers";
import { MAX_TTL_SECONDS, type TableDiff } from "../shared/instance.ts";
import { plainResults } from "../shared/received.ts";
import { fnv1a } from "../orchestrator/rollout/fnv.ts";
import { mcpSessionTtlSeconds } from "../farm-vars.ts";
import type { TableRows } from "./sdk/tables.ts";
import type { ToolOutcome, VerifyOutcome } from "./sdk/world.ts";
import { deleteWorld, type FacetNames, WorldHost, type WorldExport } from "./runtime/host.ts";

/** What a store's worlds are built from: every instance it keeps starts from the same template world. */
export interface StoreWorld {
  envName: string;
  bundleId: string;
  seed: number;
}

/** How many stores one bundle and seed spread their instances over: deployed, each store is one thread. */
const STORES = 8;

const TEMPLATE = "template";

const HOUR = 3_600_000;

/**
 * How long a store goes unused before it deletes its template: longer than any instance lives without a call (the
 * longest TTL a create takes, or the MCP session TTL), so a store unused this long keeps no live instance.
 */
function idleMs(env: Env): number {
  return Math.max(MAX_TTL_SECONDS, mcpSessionTtlSeconds(env)) * 1000 + HOUR;
}

/** The store that keeps an instance's world, by its bundle, seed and id. */
export function storeName(world: StoreWorld, instanceId: string): string {
  return `${world.bundleId}/${world.seed}/${fnv1a(instanceId) % STORES}`;
}

/**
 * The worlds of instances of one bundle and seed, many to an object. A world of its own object had to be built: a new
 * SQLite database, the template's rows copied in by SQL (60 % of a create's CPU in the world process), then cloned
 * for its initial snapshot. Here a new instance's live world is a clone of the store's template (a file copy, ~1 ms),
 * and the template is its initial world, which reset copies back and verify and diff read. The template is built
 * once per store and never written: no call reaches it, and what a verifier reads through it is rolled back. A
 * forked instance, whose initial world is its original's, keeps an initial world of its own here.
 *
 * Each world is its own facet, so its module scope and its database are its own, as they were in an object of its
 * own; the instance's object (EnvInstance) keeps its identity, token, counters and idle TTL, and calls in here.
 * A store unused for longer than any instance lives deletes its template: instances of many seeds do not leave a
 * template per seed behind for ever.
 */
export class WorldStore extends DurableObject<Env> {
  private readonly hosts = new Map<string, WorldHost>();
  private template: Promise<void> | undefined;
  /** When this object last stored that it was used; at most once an hour, so calls seldom wait on a commit. */
  private usedSaved = 0;

  private get kv() {
    return this.ctx.storage.kv;
  }

  private async used(): Promise<void> {
    const now = Date.now();
    if (now - this.usedSaved < HOUR) return;
    this.usedSaved = now;
    this.kv.put("usedAt", now);
    await this.ctx.storage.setAlarm(now + idleMs(this.env));
  }

  /**
   * Deletes the template of a store unused for longer than any instance lives. What it knows of the worlds it keeps
   * stays: an instance whose expiry is overdue (its farm was down) and is called first gets a template built again.
   */
  override async alarm(): Promise<void> {
    const usedAt = this.kv.get<number>("usedAt") ?? 0;
    if (Date.now() < usedAt + idleMs(this.env)) {
      await this.ctx.storage.setAlarm(usedAt + idleMs(this.env));
      return;
    }
    this.hosts.clear();
    this.ctx.facets.delete(TEMPLATE);
    this.kv.delete("template");
    this.kv.delete("usedAt");
  }

  /**
   * Instance `id`'s world, its initial one ready: the store's template, built again if it was let go. A world held
   * here was ready when it was made, and letting the template go drops them all, so a call reads no storage.
   */
  private async host(id: string): Promise<WorldHost> {
    await this.used();
    const held = this.hosts.get(id);
    if (held) return held;
    const world = this.kv.get<StoreWorld>("world");
    if (!world) throw new Error("this store holds no worlds yet");
    const names = this.facetNames(id);
    if (!names.ownsInitial) await this.templateFor(world);
    const host = new WorldHost(this.ctx, this.env, { envName: world.envName, bundleId: world.bundleId }, names);
    this.hosts.set(id, host);
    return host;
  }

  /** Instance `id`'s facets: its live world, and its initial one, its own (a fork's) or the store's template. */
  private facetNames(id: string): FacetNames {
    const owns = this.kv.get(`own:${id}`) === true;
    return { live: `live:${id}`, initial: owns ? `initial:${id}` : TEMPLATE, ownsInitial: owns };
  }

  /** Builds the template once; creates that arrive while it is built wait for it. */
  private templateFor(world: StoreWorld): Promise<void> {
    if (this.kv.get("template")) return Promise.resolve();
    this.template ??= (async () => {
      const builder = new WorldHost(
        this.ctx,
        this.env,
        { envName: world.envName, bundleId: world.bundleId },
        { live: TEMPLATE, initial: TEMPLATE, ownsInitial: false },
      );
      // What a build cut short left (its runtime stopped mid-seed) is not built on.
      builder.destroy();
      try {
        await builder.setup(world.seed);
        this.kv.put("world", world);
        this.kv.put("template", true);
      } catch (err) {
        // Half built: the next create builds it again, whole.
        builder.destroy();
        throw err;
      } finally {
        this.template = undefined;
      }
    })();
    return this.template;
  }

  /** Gives instance `id` a live world equal to the template, built from scratch or from what a lost try left. */
  async adopt(id: string, world: StoreWorld): Promise<void> {
    await this.used();
    await this.templateFor(world);
    this.hosts.delete(id);
    this.ctx.facets.delete(`live:${id}`);
    this.ctx.facets.clone(TEMPLATE, `live:${id}`);
  }

  /** Gives instance `id` a world exported elsewhere: its own initial snapshot and its current state. */
  async restore(id: string, world: StoreWorld, state: WorldExport): Promise<void> {
    if (!this.kv.get("world")) this.kv.put("world", world);
    this.kv.put(`own:${id}`, true);
    this.hosts.delete(id);
    await (await this.host(id)).restore(state);
  }

  /** Deletes instance `id`'s world, whole or as much of it as a failed create left. */
  destroy(id: string): void {
    this.hosts.delete(id);
    deleteWorld(this.ctx, this.facetNames(id));
    this.kv.delete(`own:${id}`);
  }

  async call(id: string, tool: string, args: unknown): Promise<ToolOutcome> {
    return (await this.host(id)).call(tool, args);
  }

  async reset(id: string): Promise<void> {
    (await this.host(id)).reset();
  }

  async verify(id: string, taskId: string, answer: string | null): Promise<VerifyOutcome> {
    return (await this.host(id)).verify(taskId, answer);
  }

  async tables(id: string): Promise<{ name: string; rows: number }[]> {
    return (await this.host(id)).tables();
  }

  async rows(id: string, table: string, offset: number, limit: number): Promise<TableRows & { total: number }> {
    return (await this.host(id)).rows(table, offset, limit);
  }

  async diff(id: string): Promise<TableDiff[]> {
    return (await this.host(id)).diff();
  }

  async exportState(id: string): Promise<WorldExport> {
    return (await this.host(id)).exportState();
  }
}

/** The store's RPC surface, spelled out: the generated stub types of its JSON results are too deep for tsc. */
export interface StoreStub {
  adopt(id: string, world: StoreWorld): Promise<void>;
  restore(id: string, world: StoreWorld, state: WorldExport): Promise<void>;
  destroy(id: string): Promise<void>;
  call(id: string, tool: string, args: unknown): Promise<ToolOutcome>;
  reset(id: string): Promise<void>;
  verify(id: string, taskId: string, answer: string | null): Promise<VerifyOutcome>;
  tables(id: string): Promise<{ name: string; rows: number }[]>;
  rows(id: string, table: string, offset: number, limit: number): Promise<TableRows & { total: number }>;
  diff(id: string): Promise<TableDiff[]>;
  exportState(id: string): Promise<WorldExport>;
}

export function storeStub(env: Env, name: string): StoreStub {
  return plainResults(env.WORLD_STORE.getByName(name)) as unknown as StoreStub;
}

/** What an instance's object does with its world, wherever the world is kept. */
export interface InstanceWorld {
  call(tool: string, args: unknown): Promise<ToolOutcome>;
  reset(): void | Promise<void>;
  verify(taskId: string, answer: string | null): Promise<VerifyOutcome>;
  tables(): Promise<{ name: string; rows: number }[]>;
  rows(table: string, offset: number, limit: number): Promise<TableRows & { total: number }>;
  diff(): Promise<TableDiff[]>;
  exportState(): Promise<WorldExport>;
  destroy(): void | Promise<void>;
}

/** An instance's world in its store, one call away. */
export class StoredWorld implements InstanceWorld {
  constructor(
    private readonly store: StoreStub,
    private readonly id: string,
  ) {}

  adopt(world: StoreWorld): Promise<void> {
    return this.store.adopt(this.id, world);
  }
  restore(world: StoreWorld, state: WorldExport): Promise<void> {
    return this.store.restore(this.id, world, state);
  }
  call(tool: string, args: unknown): Promise<ToolOutcome> {
    return this.store.call(this.id, tool, args);
  }
  reset(): Promise<void> {
    return this.store.reset(this.id);
  }
  verify(taskId: string, answer: string | null): Promise<VerifyOutcome> {
    return this.store.verify(this.id, taskId, answer);
  }
  tables(): Promise<{ name: string; rows: number }[]> {
    return this.store.tables(this.id);
  }
  rows(table: string, offset: number, limit: number): Promise<TableRows & { total: number }> {
    return this.store.rows(this.id, table, offset, limit);
  }
  diff(): Promise<TableDiff[]> {
    return this.store.diff(this.id);
  }
  exportState(): Promise<WorldExport> {
    return this.store.exportState(this.id);
  }
  destroy(): Promise<void> {
    return this.store.destroy(this.id);
  }
}
