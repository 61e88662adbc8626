import { join } from "node:path";
import type { SharedFarm } from "./farm.ts";
import type { LlmClient } from "./llm/client.ts";
import type { UsageMeter } from "./llm/usage.ts";

export interface SynthOptions {
  /** Seed names file for the scenarios stage: jsonl of {name, description?}, or one name a line. */
  seeds?: string;
  /** Scenarios asked of the model per seed. */
  perSeed: number;
  /** Tasks per scenario. */
  tasks: number;
  /** Tools the model is asked for per environment. */
  tools: number;
  /** An environment keeps at least this many validated tasks or is dropped. */
  minTasks: number;
  /** Cosine similarity (or lexical Jaccard similarity without embeddings) at which a scenario is a duplicate. */
  dedupThreshold?: number;
  /** AWM data folder for import-awm. */
  awm?: string;
}

/** Everything a stage needs, built once by the CLI (or a test). */
export interface SynthContext {
  /** Folder of the stages' jsonl files, the response cache and candidate environments. */
  work: string;
  /** Where environments that validate are written, one folder each. */
  envsDir: string;
  llm: LlmClient;
  usage: UsageMeter;
  farm: SharedFarm;
  concurrency: number;
  /** Model turns per item: the first answer plus this many corrections. */
  retries: number;
  /** Prompts are printed, nothing is sent and nothing written. */
  dryRun: boolean;
  /** New items a stage takes on in this run. */
  limit?: number;
  options: SynthOptions;
}

export const files = (work: string) => ({
  scenarios: join(work, "scenarios.jsonl"),
  tasks: join(work, "tasks.jsonl"),
  schema: join(work, "schema.jsonl"),
  seed: join(work, "seed.jsonl"),
  spec: join(work, "spec.jsonl"),
  tools: join(work, "tools.jsonl"),
  verifiers: join(work, "verifiers.jsonl"),
  validate: join(work, "validate.jsonl"),
  awm: join(work, "awm.jsonl"),
  report: join(work, "report.md"),
  usage: join(work, "usage.json"),
  cache: join(work, "cache"),
  /** Candidate environments while the stages work on them. */
  build: join(work, "build"),
});
