import { RpcTarget } from "cloudflare:workers";
import type { Row, SqlValue } from "../sdk/define.ts";
import type { TableRows } from "../sdk/tables.ts";
import type { SetupOptions, ToolOutcome, VerifyOutcome, WorldBase } from "../sdk/world.ts";
import type { TableDiff } from "../../shared/instance.ts";
import { received } from "../../shared/received.ts";
import { diffTables } from "./diff.ts";
import { runtimeMode, worldClass, type WorldSpec } from "./world-class.ts";

/**
 * Which of its object's facets a world is: a world that owns its object has "live" and "initial"; worlds kept many
 * to an object (world-store.ts) name theirs after their instance, and may share one initial world none of them owns.
 */
export interface FacetNames {
  live: string;
  initial: string;
  /** Whether destroying this world deletes its initial facet (false: it is shared, and outlives this world). */
  ownsInitial: boolean;
}

const OWN_FACETS: FacetNames = { live: "live", initial: "initial", ownsInitial: true };

/** Deletes a world's facets (its live one, and its initial one if it owns it), whether or not a WorldHost holds them. */
export function deleteWorld(ctx: DurableObjectState, names: FacetNames = OWN_FACETS): void {
  ctx.facets.delete(names.live);
  if (names.ownsInitial) ctx.facets.delete(names.initial);
}

/**
 * How long a verification may take. A verifier does a few reads; one awaiting a timer or a promise that never
 * settles would otherwise hold its caller (an HTTP request, a rollout) forever.
 */
export const VERIFY_TIMEOUT_MS = 10_000;
export type WorldState = ReturnType<WorldBase["exportState"]>;
/** A world as exported to be rebuilt elsewhere: its initial snapshot and its current state. */
export type WorldExport = { initial: WorldState; live: WorldState };

/** The facet's RPC surface, spelled out: the generated stub types of its JSON results are too deep for tsc. */
interface WorldStub {
  setup(options: SetupOptions): Promise<{ tables: number; rows: number }>;
  call(tool: string, args: unknown, stepId?: string, token?: string): Promise<ToolOutcome>;
  read(sql: string, params: readonly SqlValue[]): Promise<Row[]>;
  verify(taskId: string, answer: string | null, before: InitialReader, token?: string): Promise<VerifyOutcome>;
  tables(): Promise<{ name: string; rows: number }[]>;
  rows(table: string, offset: number, limit: number): Promise<TableRows & { total: number }>;
  snapshot(): Promise<TableRows[]>;
  writes(): Promise<number>;
  renew(): Promise<boolean>;
  exportState(): Promise<WorldState>;
  importState(state: WorldState): Promise<void>;
}

/** Lets the live world's verifier read the initial snapshot without being handed the facet itself. */
class InitialReader extends RpcTarget {
  constructor(private readonly world: WorldStub) {
    super();
  }
  read(sql: string, params: readonly SqlValue[]): Promise<Row[]> {
    return received(this.world.read(sql, params));
  }
}

/**
 * Hosts one world inside whichever Durable Object owns it: a "live" facet that tools act on and an "initial"
 * facet cloned from it at creation, which reset copies back and verify and diff compare against.
 */
export class WorldHost {
  private readonly stubs = new Map<string, WorldStub>();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    readonly spec: WorldSpec,
    private readonly names: FacetNames = OWN_FACETS,
  ) {}

  private facet(role: "live" | "initial"): WorldStub {
    const name = this.names[role];
    let stub = this.stubs.get(name);
    if (!stub) {
      const facet = this.ctx.facets.get<WorldBase>(name, async () => ({
        class: await worldClass(this.env, this.ctx, this.spec),
      }));
      stub = facet as unknown as WorldStub;
      this.stubs.set(name, stub);
    }
    return stub;
  }

  private setupOptions(seed: number): SetupOptions {
    return runtimeMode(this.env) === "static" ? { seed, env: this.spec.envName } : { seed };
  }

  async create(seed: number): Promise<{ tables: number; rows: number }> {
    const made = await this.setup(seed);
    this.ctx.facets.clone(this.names.live, this.names.initial);
    return made;
  }

  /** Builds the live world from the seed, and only it (a store's template, which no call ever writes to). */
  setup(seed: number): Promise<{ tables: number; rows: number }> {
    return received(this.facet("live").setup(this.setupOptions(seed)));
  }

  /** Rebuilds a world exported elsewhere: its initial snapshot and its current state. */
  async restore(state: WorldExport): Promise<void> {
    await this.facet("initial").importState(state.initial);
    await this.facet("live").importState(state.live);
  }

  async exportState(): Promise<WorldExport> {
    const [initial, live] = await Promise.all([
      received(this.facet("initial").exportState()),
      received(this.facet("live").exportState()),
    ]);
    return { initial, live };
  }

  /**
   * With a step id the call takes effect at most once, however often it is replayed. A token names the call to a
   * local farm's supervisor while its environment code runs (sdk/running-call.ts).
   */
  call(tool: string, args: unknown, stepId?: string, token?: string): Promise<ToolOutcome> {
    return received(this.facet("live").call(tool, args, stepId, token));
  }

  reset(): void {
    this.stubs.delete(this.names.live);
    this.ctx.facets.delete(this.names.live);
    this.ctx.facets.clone(this.names.initial, this.names.live);
  }

  /**
   * Starts the live world's code afresh without touching its database: the next call evaluates the bundle's code
   * anew, so nothing a call left in module scope reaches whoever uses the world next. In place where the world
   * allows it; stopping its object instead closed and reopened its database, ~5 ms of a rollout's CPU. Answers
   * whether it was done in place.
   */
  async restartLive(): Promise<boolean> {
    try {
      if (await this.facet("live").renew()) return true;
    } catch {
      // A world that cannot answer is stopped below all the same.
    }
    this.stubs.delete(this.names.live);
    this.ctx.facets.abort(this.names.live, new Error("the world was handed to another rollout"));
    return false;
  }

  /** Whether the live world was written since it was built: a clone with the same count holds the same rows. */
  async changed(): Promise<boolean> {
    const [initialWrites, liveWrites] = await Promise.all([
      this.facet("initial").writes(),
      this.facet("live").writes(),
    ]);
    return initialWrites !== liveWrites;
  }

  async verify(taskId: string, answer: string | null, token?: string): Promise<VerifyOutcome> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<VerifyOutcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            ok: false,
            kind: "timeout",
            message: `the verifier did not finish within ${VERIFY_TIMEOUT_MS / 1000} s (is it awaiting something that never settles?)`,
          }),
        VERIFY_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([
        received(this.facet("live").verify(taskId, answer, new InitialReader(this.facet("initial")), token)),
        timedOut,
      ]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  tables(): Promise<{ name: string; rows: number }[]> {
    return received(this.facet("live").tables());
  }

  rows(table: string, offset: number, limit: number): Promise<TableRows & { total: number }> {
    return received(this.facet("live").rows(table, offset, limit));
  }

  async diff(): Promise<TableDiff[]> {
    // Most rollouts end having written little or nothing; reading both worlds in full to learn that cost more
    // than the rest of finishing them.
    if (!(await this.changed())) return [];
    const [before, after] = await Promise.all([
      received(this.facet("initial").snapshot()),
      received(this.facet("live").snapshot()),
    ]);
    return diffTables(before, after);
  }

  destroy(): void {
    deleteWorld(this.ctx, this.names);
    this.stubs.clear();
  }
}
