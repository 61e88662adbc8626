import { DurableObject } from "cloudflare:workers";
import type { TableDiff } from "../shared/instance.ts";
import { plainResults } from "../shared/received.ts";
import { fnv1a } from "../orchestrator/rollout/fnv.ts";
import type { TableRows } from "./sdk/tables.ts";
import type { ToolOutcome, VerifyOutcome } from "./sdk/world.ts";
import { WorldHost, type WorldState } from "./runtime/host.ts";

/** What a store's worlds are built from: every instance it keeps starts from the same template world. */
export interface StoreWorld {
  envName: string;
  bundleId: string;
  seed: number;
}

/** How many stores one bundle and seed spread their instances over: deployed, each store is one thread. */
const STORES = 8;

const TEMPLATE = "template";

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
 */
export class WorldStore extends DurableObject<Env> {
  private readonly hosts = new Map<string, WorldHost>();
  private template: Promise<void> | undefined;

  private get kv() {
    return this.ctx.storage.kv;
  }

  private host(id: string): WorldHost {
    let host = this.hosts.get(id);
    if (!host) {
      const world = this.kv.get<StoreWorld>("world");
      if (!world) throw new Error("this store holds no worlds yet");
      const owns = this.kv.get(`own:${id}`) === true;
      host = new WorldHost(
        this.ctx,
        this.env,
        { envName: world.envName, bundleId: world.bundleId },
        { live: `live:${id}`, initial: owns ? `initial:${id}` : TEMPLATE, ownsInitial: owns },
      );
      this.hosts.set(id, host);
    }
    return host;
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
    await this.templateFor(world);
    this.hosts.delete(id);
    this.ctx.facets.delete(`live:${id}`);
    this.ctx.facets.clone(TEMPLATE, `live:${id}`);
  }

  /** Gives instance `id` a world exported elsewhere: its own initial snapshot and its current state. */
  async restore(id: string, world: StoreWorld, state: { initial: WorldState; live: WorldState }): Promise<void> {
    if (!this.kv.get("world")) this.kv.put("world", world);
    this.kv.put(`own:${id}`, true);
    this.hosts.delete(id);
    await this.host(id).restore(state);
  }

  /** Deletes instance `id`'s world, whole or as much of it as a failed create left. */
  destroy(id: string): void {
    this.hosts.delete(id);
    this.ctx.facets.delete(`live:${id}`);
    if (this.kv.get(`own:${id}`)) this.ctx.facets.delete(`initial:${id}`);
    this.kv.delete(`own:${id}`);
  }

  call(id: string, tool: string, args: unknown): Promise<ToolOutcome> {
    return this.host(id).call(tool, args);
  }

  reset(id: string): void {
    this.host(id).reset();
  }

  verify(id: string, taskId: string, answer: string | null): Promise<VerifyOutcome> {
    return this.host(id).verify(taskId, answer);
  }

  tables(id: string): Promise<{ name: string; rows: number }[]> {
    return this.host(id).tables();
  }

  rows(id: string, table: string, offset: number, limit: number): Promise<TableRows & { total: number }> {
    return this.host(id).rows(table, offset, limit);
  }

  diff(id: string): Promise<TableDiff[]> {
    return this.host(id).diff();
  }

  exportState(id: string): Promise<{ initial: WorldState; live: WorldState }> {
    return this.host(id).exportState();
  }
}

/** The store's RPC surface, spelled out: the generated stub types of its JSON results are too deep for tsc. */
export interface StoreStub {
  adopt(id: string, world: StoreWorld): Promise<void>;
  restore(id: string, world: StoreWorld, state: { initial: WorldState; live: WorldState }): Promise<void>;
  destroy(id: string): Promise<void>;
  call(id: string, tool: string, args: unknown): Promise<ToolOutcome>;
  reset(id: string): Promise<void>;
  verify(id: string, taskId: string, answer: string | null): Promise<VerifyOutcome>;
  tables(id: string): Promise<{ name: string; rows: number }[]>;
  rows(id: string, table: string, offset: number, limit: number): Promise<TableRows & { total: number }>;
  diff(id: string): Promise<TableDiff[]>;
  exportState(id: string): Promise<{ initial: WorldState; live: WorldState }>;
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
  exportState(): Promise<{ initial: WorldState; live: WorldState }>;
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
  restore(world: StoreWorld, state: { initial: WorldState; live: WorldState }): Promise<void> {
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
  exportState(): Promise<{ initial: WorldState; live: WorldState }> {
    return this.store.exportState(this.id);
  }
  destroy(): Promise<void> {
    return this.store.destroy(this.id);
  }
}
