import type { z } from "zod";

/** A value SQLite stores and returns. */
export type SqlValue = string | number | null | ArrayBuffer;
export type Row = Record<string, SqlValue>;

/** Synchronous database handle a tool runs against, inside the call's transaction. */
export interface Db {
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): T[];
  get<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): T | undefined;
  run(sql: string, params?: readonly SqlValue[]): { changes: number; lastRowId: number };
}

/** Read-only handle a verifier gets for the initial and the final state. */
export interface ReadDb {
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
}

/** Deterministic time: it advances with each tool call that changes the world, never with the wall clock. */
export interface Clock {
  now(): Date;
  iso(): string;
  today(): string;
}

/** Deterministic randomness, seeded per instance and part of the world's state. */
export interface Random {
  next(): number;
  int(min: number, max: number): number;
  id(prefix?: string): string;
}

export interface ToolContext {
  db: Db;
  userId: number;
  clock: Clock;
  random: Random;
}

export interface ToolAnnotations {
  title?: string;
  readOnly?: boolean;
  destructive?: boolean;
  idempotent?: boolean;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

export interface ToolDef<S extends z.ZodObject = z.ZodObject> {
  description: string;
  input: S;
  annotations?: ToolAnnotations;
  /** Synchronous on purpose: it runs inside one SQLite transaction. Throw to refuse; nothing it wrote stays. */
  run: (input: z.infer<S>, ctx: ToolContext) => unknown;
}

export interface SolutionStep {
  tool: string;
  args: Record<string, Json>;
}

export interface VerifyInput {
  before: ReadDb;
  after: ReadDb;
  /** The agent's final answer, null when it gave none. */
  answer: string | null;
  userId: number;
}

export interface VerifyResult {
  complete: boolean;
  /** What a judge needs to decide: the facts the verifier checked, expected and found. */
  info?: Record<string, Json>;
}

export interface TaskDef {
  id: string;
  prompt: string;
  verify: (input: VerifyInput) => VerifyResult | Promise<VerifyResult>;
  /** A reference action sequence that completes the task from the initial state. */
  solution: SolutionStep[];
  /** The final answer the reference solution gives, for tasks that ask a question. */
  referenceAnswer?: string;
}

export interface EnvDef {
  name: string;
  description: string;
  /** SQLite DDL. */
  schema: string;
  /** Initial rows: SQL, or a function that writes them (it gets the same deterministic random source). */
  seed: string | ((db: Db, random: Random) => void);
  tools: Record<string, ToolDef>;
  tasks: TaskDef[];
  /** The logged-in user's id; 1 as in the Agent World Model tasks. */
  userId?: number;
  /** Where the world's clock starts (ISO 8601). */
  epoch?: string;
}

export const SDK_VERSION = "1";
const NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const TOOL_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

/** A tool as written: its input schema, or a function that builds it. */
export type ToolSpec<S extends z.ZodObject = z.ZodObject> = Omit<ToolDef<S>, "input"> & { input: S | (() => S) };

/**
 * A tool whose input schema, given as a function, is built when first read, once per world. Every world evaluates
 * its environment's module afresh (once per rollout), and a rollout calls a handful of its ~35 tools: building
 * every schema at module top level was two thirds of shop's evaluation.
 */
export function tool<S extends z.ZodObject>(def: ToolSpec<S>): ToolDef {
  const { input } = def;
  if (typeof input !== "function") return def as unknown as ToolDef;
  let built: S | undefined;
  return {
    ...def,
    get input() {
      built ??= input();
      return built;
    },
  } as unknown as ToolDef;
}

export function task(def: TaskDef): TaskDef {
  return def;
}

/** Checks what can be checked without running anything, so a broken environment fails at build time. */
export function defineEnv(def: EnvDef): EnvDef {
  if (!NAME.test(def.name)) throw new Error(`environment name "${def.name}" must match ${NAME}`);
  for (const name of Object.keys(def.tools)) {
    if (!TOOL_NAME.test(name)) throw new Error(`tool name "${name}" must match ${TOOL_NAME}`);
  }
  const ids = new Set<string>();
  for (const t of def.tasks) {
    if (ids.has(t.id)) throw new Error(`task id "${t.id}" is used twice`);
    ids.add(t.id);
    for (const step of t.solution) {
      if (!def.tools[step.tool]) throw new Error(`task "${t.id}": solution calls unknown tool "${step.tool}"`);
    }
  }
  return def;
}

/** Marks SQL for editors; returns the text as written. */
export function sql(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]) : ""), "");
}
