import { DurableObject } from "cloudflare:workers";
import type { EnvDef, Json, Row, SqlValue, VerifyResult } from "./define.ts";
import { readDb, syncDb, type ReadQuery } from "./db.ts";
import { seededRandom, stepClock, type WorldSources } from "./determinism.ts";
import { Guard, GuardError } from "./guard.ts";
import { callTeller, NOBODY } from "./running-call.ts";
import { countRows, insertRows, readTable, worldTables, type TableRows } from "./tables.ts";
import type { ToolOutcome } from "../../shared/tool-call.ts";

/** Steps (loop iterations plus function calls) one tool call, verification or module evaluation may take. */
export const GUARD_BUDGET = 20_000_000;
export const DEFAULT_EPOCH = "2026-01-15T09:00:00Z";
/**
 * The most JSON one tool result or verification may hand back. A result crosses to its instance, then to the
 * agent, whole: one tool returning 100 MB held that much several times over in two processes.
 */
export const MAX_RESULT_BYTES = 1024 * 1024;

export type { ToolOutcome };

export type VerifyOutcome =
  | { ok: true; result: VerifyResult }
  | { ok: false; kind: "unknown_task" | "verifier_error" | "runaway" | "timeout"; message: string };

export interface SetupOptions {
  /** Seeds the world's random source; the same seed and actions give the same final state. */
  seed: number;
  /** Static mode: which compiled-in environment this world runs. */
  env?: string;
}

const ROLLBACK = Symbol("rollback");
const STEPS_TABLE = "CREATE TABLE IF NOT EXISTS _wf_steps (id TEXT PRIMARY KEY, result TEXT NOT NULL)";

type WorldState = { meta: TableRows; tables: TableRows[] };

/**
 * Worlds built from one definition and seed are identical, so the first build's rows seed every later world of
 * this isolate: copying rows in is several times faster than running seed code row by row.
 */
const templates = new Map<string, { state: WorldState; schema: string }>();
const MAX_TEMPLATES = 16;

/**
 * One world: the Durable Object facet that owns an instance's SQLite. The host talks to it over RPC;
 * it never sees the network (the loader gives it no outbound) and never sets alarms (facets can't).
 */
export abstract class WorldBase extends DurableObject {
  protected abstract definition(env?: string): EnvDef;
  /** Says what is wrong with a tool's arguments, from the error its input schema gave. */
  protected abstract formatInputError(error: unknown): string;
  /** This world's step budget: the farm's instrumentation makes environment code count against it. */
  protected guard = new Guard();
  /** The clock and random that `Date` and `Math.random` inside this world's environment code read now. */
  protected sources = initialSources();
  /** Verifications in progress: their code may still read through the readers it was handed. */
  private verifying = 0;

  private get sql() {
    return this.ctx.storage.sql;
  }

  private meta(key: string): SqlValue | undefined {
    return this.sql.exec<{ value: SqlValue }>("SELECT value FROM _wf_meta WHERE key = ?", key).toArray()[0]?.value;
  }

  private setMeta(key: string, value: SqlValue): void {
    this.sql.exec(
      "INSERT INTO _wf_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }

  private def(): EnvDef {
    return this.definition((this.meta("env") as string | undefined) ?? undefined);
  }

  setup(options: SetupOptions): { tables: number; rows: number } {
    this.serve(undefined);
    // One isolate runs one bundle in loader mode, so the seed (and, in static mode, the environment) names the
    // world a template holds; a world copied from one runs none of the environment's code to be built.
    const key = `${options.env ?? ""}\0${options.seed | 0}`;
    const template = templates.get(key);
    if (template) {
      this.importRows(template.state, () => template.schema);
      return {
        tables: template.state.tables.length,
        rows: template.state.tables.reduce((n, t) => n + t.rows.length, 0),
      };
    }
    const def = this.definition(options.env);
    const made = this.build(def, options);
    if (templates.size >= MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
    templates.set(key, { state: this.exportState(), schema: def.schema });
    return made;
  }

  private build(def: EnvDef, options: SetupOptions): { tables: number; rows: number } {
    this.sql.exec("CREATE TABLE IF NOT EXISTS _wf_meta (key TEXT PRIMARY KEY, value)");
    this.sql.exec(STEPS_TABLE);
    this.setMeta("env", options.env ?? def.name);
    this.setMeta("random", options.seed | 0);
    this.setMeta("calls", 0);
    this.sql.exec(def.schema);
    const random = { value: options.seed | 0 };
    this.sources.clock = stepClock(Date.parse(def.epoch ?? DEFAULT_EPOCH), 0);
    this.sources.random = seededRandom(random);
    // Seed code is environment code too, with a budget of its own.
    this.guard.arm(GUARD_BUDGET);
    if (typeof def.seed === "string") this.sql.exec(def.seed);
    else def.seed(syncDb(this.sql), this.sources.random);
    if (this.guard.tripped()) throw new GuardError(runawayMessage());
    this.setMeta("random", random.value);
    const tables = worldTables(this.sql);
    return { tables: tables.length, rows: tables.reduce((n, t) => n + countRows(this.sql, t), 0) };
  }

  /**
   * Runs one tool call in one transaction. A call given a step id takes effect once: a caller that replays it
   * after a restart (a rollout resuming from its last checkpoint) gets the recorded result, not a second effect.
   */
  call(name: string, args: unknown, stepId?: string, token?: string): ToolOutcome {
    this.serve(token);
    try {
      return this.runCall(name, args, stepId);
    } finally {
      this.guard.release();
    }
  }

  private runCall(name: string, args: unknown, stepId: string | undefined): ToolOutcome {
    if (stepId !== undefined) {
      const done = this.sql.exec<{ result: string }>("SELECT result FROM _wf_steps WHERE id = ?", stepId).toArray()[0];
      if (done) return { ok: true, result: JSON.parse(done.result) as Json };
    }
    const def = this.def();
    // From here on environment code may run (its definition's getters, its schemas, its tool): on one budget.
    this.guard.arm(GUARD_BUDGET);
    const t = Object.hasOwn(def.tools, name) ? def.tools[name] : undefined;
    if (!t) return { ok: false, kind: "unknown_tool", message: `unknown tool "${name}"` };
    // The input schema is environment code too (the bundle brings its own zod).
    let parsed: ReturnType<typeof t.input.safeParse>;
    try {
      parsed = t.input.safeParse(args ?? {});
      if (!parsed.success) {
        return {
          ok: false,
          kind: "invalid_arguments",
          message: `invalid arguments for ${name}: ${this.formatInputError(parsed.error)}`,
        };
      }
    } catch (err) {
      if (this.isRunaway(err)) return { ok: false, kind: "runaway", message: runawayMessage() };
      // A schema that throws (one built at the tool's first call, a refinement) is the environment's code breaking.
      return {
        ok: false,
        kind: "tool_error",
        internal: true,
        message: `tool ${name}'s input schema failed: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    const calls = Number(this.meta("calls"));
    const random = { value: Number(this.meta("random")) };
    let wrote = false;
    const ctx = {
      db: syncDb(this.sql, () => (wrote = true)),
      userId: def.userId ?? 1,
      clock: stepClock(Date.parse(def.epoch ?? DEFAULT_EPOCH), calls),
      random: seededRandom(random),
    };
    this.sources.clock = ctx.clock;
    this.sources.random = ctx.random;
    try {
      const result = this.ctx.storage.transactionSync(() => {
        const value = t.run(parsed.data, ctx);
        if (this.guard.tripped()) throw new GuardError(runawayMessage());
        if (value instanceof Promise) throw new Error(`tool ${name} returned a Promise: tools must be synchronous`);
        const json = withinCap(JSON.stringify(value ?? null), `tool ${name}'s result`);
        // Only a call that changed the world moves its clock and random state on. A read stays a read, with no
        // commit to wait for; and the same actions still give the same final state.
        if (wrote) {
          this.setMeta("calls", calls + 1);
          this.setMeta("random", random.value);
          if (stepId !== undefined) this.sql.exec("INSERT INTO _wf_steps (id, result) VALUES (?, ?)", stepId, json);
        }
        return json;
      });
      return { ok: true, result: JSON.parse(result) as Json };
    } catch (err) {
      if (this.isRunaway(err)) return { ok: false, kind: "runaway", message: runawayMessage() };
      return {
        ok: false,
        kind: "tool_error",
        message: err instanceof Error ? err.message : String(err),
        ...(isInternal(err) ? { internal: true } : {}),
      };
    }
  }

  /** A read that cannot write: whatever the statement does is rolled back. */
  read(text: string, params: readonly SqlValue[] = []): Row[] {
    let rows: Row[] = [];
    try {
      this.ctx.storage.transactionSync(() => {
        rows = this.sql.exec<Row>(text, ...params).toArray();
        throw ROLLBACK;
      });
    } catch (err) {
      if (err !== ROLLBACK) throw err;
    }
    return rows;
  }

  async verify(taskId: string, answer: string | null, before: ReadQuery, token?: string): Promise<VerifyOutcome> {
    this.serve(token);
    const { guard } = this;
    this.verifying++;
    try {
      return await this.runVerify(taskId, answer, before, guard);
    } finally {
      this.verifying--;
      guard.release();
    }
  }

  private async runVerify(
    taskId: string,
    answer: string | null,
    before: ReadQuery,
    guard: Guard,
  ): Promise<VerifyOutcome> {
    const def = this.def();
    guard.arm(GUARD_BUDGET);
    const t = def.tasks.find((x) => x.id === taskId);
    if (!t) return { ok: false, kind: "unknown_task", message: `unknown task "${taskId}"` };
    // A read is where a verifier yields: what runs after it is told to be this verification again.
    const resumed = (reads: ReadQuery): ReadQuery => ({
      read: (text, params) => {
        guard.pause();
        return reads.read(text, params).then((rows) => {
          guard.resume();
          return rows;
        });
      },
    });
    const after = resumed({ read: async (text, params) => this.read(text, params) });
    this.sources.clock = stepClock(Date.parse(def.epoch ?? DEFAULT_EPOCH), this.writes());
    this.sources.random = seededRandom({ value: Number(this.meta("random") ?? 0) });
    try {
      const result = await t.verify({
        before: readDb(resumed(before)),
        after: readDb(after),
        answer,
        userId: def.userId ?? 1,
      });
      if (guard.tripped()) return { ok: false, kind: "runaway", message: runawayMessage() };
      // What crosses back to the host is plain data, read here on this verification's budget.
      const json = withinCap(
        JSON.stringify({ complete: result.complete === true, ...(result.info ? { info: result.info } : {}) }),
        `the verifier's result`,
      );
      return { ok: true, result: JSON.parse(json) as VerifyResult };
    } catch (err) {
      if (this.isRunaway(err, guard)) return { ok: false, kind: "runaway", message: runawayMessage() };
      return { ok: false, kind: "verifier_error", message: err instanceof Error ? err.message : String(err) };
    }
  }

  /**
   * Starts the world's code afresh for whoever uses the world next, in place: the next call evaluates the bundle
   * anew with a guard and sources of its own. False while a verification runs: its code still holds readers into
   * this world, and only stopping the object (closing and opening its database) ends it. Once a verification has
   * answered, nothing it started can read on: its `before` is disposed with the call, and `after` never waits.
   */
  renew(): boolean {
    if (this.verifying > 0) return false;
    this.guard = new Guard();
    this.sources = initialSources();
    this.forgetCode();
    return true;
  }

  /** Lets go of the environment's evaluated code, if this kind of world keeps one per world. */
  protected forgetCode(): void {}

  tables(): { name: string; rows: number }[] {
    return worldTables(this.sql).map((name) => ({ name, rows: countRows(this.sql, name) }));
  }

  rows(table: string, offset: number, limit: number): TableRows & { total: number } {
    if (!worldTables(this.sql).includes(table)) throw new Error(`no table "${table}"`);
    return { ...readTable(this.sql, table, offset, limit), total: countRows(this.sql, table) };
  }

  /** Calls that wrote to the world since it was built: a clone with the same count holds the same rows. */
  writes(): number {
    return Number(this.meta("calls") ?? 0);
  }

  /** Every world table in full, for diffs. */
  snapshot(): TableRows[] {
    return worldTables(this.sql).map((t) => readTable(this.sql, t));
  }

  /** Everything needed to rebuild this world elsewhere: its tables and its clock and random state. */
  exportState(): WorldState {
    return { meta: readTable(this.sql, "_wf_meta"), tables: this.snapshot() };
  }

  importState(state: WorldState): void {
    this.serve(undefined);
    // The definition is read once the imported meta row has said which environment this world runs.
    this.importRows(state, () => this.def().schema);
  }

  private importRows(state: WorldState, schema: () => string): void {
    this.ctx.storage.transactionSync(() => {
      // Tables arrive in name order, not in the order their foreign keys need: check those at commit instead.
      this.sql.exec("PRAGMA defer_foreign_keys = ON");
      this.sql.exec("CREATE TABLE IF NOT EXISTS _wf_meta (key TEXT PRIMARY KEY, value)");
      this.sql.exec(STEPS_TABLE);
      insertRows(this.sql, state.meta);
      this.sql.exec(schema());
      for (const table of state.tables) insertRows(this.sql, table);
    });
  }

  /** Environment code may run from here on for the call `token` names (a rollout's), or for nobody's. */
  private serve(token: string | undefined): void {
    this.guard.serve(callTeller(this.env), token ?? NOBODY);
  }

  private isRunaway(err: unknown, guard = this.guard): boolean {
    return err instanceof GuardError || guard.tripped() || isStackOverflow(err);
  }

  /** Environment code could install its own global state; a world answers only RPC. */
  override fetch(): Response {
    return new Response("worlds answer RPC only", { status: 404 });
  }
}

function initialSources(): WorldSources {
  return { clock: stepClock(Date.parse(DEFAULT_EPOCH), 0), random: seededRandom({ value: 0 }) };
}

/** Refuses a result over MAX_RESULT_BYTES; thrown inside a call's transaction, it also undoes what the call wrote. */
function withinCap(json: string, what: string): string {
  // UTF-16 length never exceeds UTF-8 length, so only a result that might fit is encoded to be measured.
  const measured = json.length <= MAX_RESULT_BYTES;
  const bytes = measured ? new TextEncoder().encode(json).length : json.length;
  if (bytes > MAX_RESULT_BYTES) {
    throw new Error(
      `${what} is ${measured ? "" : "at least "}${bytes} bytes of JSON, over the ${MAX_RESULT_BYTES / 1024 / 1024} MiB limit on a result: return less (a page of rows, ids rather than whole rows)`,
    );
  }
  return json;
}

/** Unbounded recursion overflows the stack long before it spends the step budget: both are runaway code. */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

function isInternal(err: unknown): boolean {
  if (
    err instanceof TypeError ||
    err instanceof ReferenceError ||
    err instanceof SyntaxError ||
    err instanceof RangeError
  )
    return true;
  return err instanceof Error && /SQLITE_|no such (table|column)|syntax error|constraint failed/i.test(err.message);
}

export function runawayMessage(): string {
  return "environment code was stopped: it ran too many loop iterations or function calls in one call (probable infinite loop)";
}
