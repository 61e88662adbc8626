import { z } from "zod";
import { ValidationReport } from "../workers/shared/validation.ts";

/** What every stage writes per item: done and usable, or dropped with the reasons. */
const outcome = { status: z.enum(["ok", "dropped"]), reasons: z.array(z.string()).default([]) };

export const ENV_NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const TASK_ID = /^[a-z][a-z0-9-]{0,62}$/;
export const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export const Seed = z.object({ name: z.string().min(1), description: z.string().optional() });
export type Seed = z.infer<typeof Seed>;

export const ScenarioRecord = z.object({
  env: z.string().regex(ENV_NAME),
  title: z.string(),
  description: z.string(),
  /** The seed name it came from; a seed with any record is done. */
  seed: z.string(),
  ...outcome,
});
export type ScenarioRecord = z.infer<typeof ScenarioRecord>;

export const TaskSpec = z.object({ id: z.string().regex(TASK_ID), prompt: z.string().min(1) });
export type TaskSpec = z.infer<typeof TaskSpec>;

export const TasksRecord = z.object({ env: z.string(), tasks: z.array(TaskSpec), ...outcome });
export type TasksRecord = z.infer<typeof TasksRecord>;

export const SchemaRecord = z.object({ env: z.string(), ddl: z.string(), ...outcome });
export type SchemaRecord = z.infer<typeof SchemaRecord>;

export const SeedRecord = z.object({ env: z.string(), sql: z.string(), ...outcome });
export type SeedRecord = z.infer<typeof SeedRecord>;

export const ToolSpec = z.object({
  name: z.string().regex(TOOL_NAME),
  description: z.string().min(1),
  /** Parameter name to "type: meaning", enough for the code stage to write a zod schema from. */
  params: z.record(z.string(), z.string()).default({}),
  readOnly: z.boolean().default(false),
  destructive: z.boolean().default(false),
});
export type ToolSpec = z.infer<typeof ToolSpec>;

export const SpecRecord = z.object({ env: z.string(), tools: z.array(ToolSpec), ...outcome });
export type SpecRecord = z.infer<typeof SpecRecord>;

export const ToolsRecord = z.object({ env: z.string(), code: z.string(), tools: z.array(z.string()), ...outcome });
export type ToolsRecord = z.infer<typeof ToolsRecord>;

export const Step = z.object({ tool: z.string(), args: z.record(z.string(), z.json()) });

export const TaskCode = z.object({
  id: z.string().regex(TASK_ID),
  prompt: z.string(),
  /** A TypeScript async arrow function `(input: VerifyInput) => Promise<VerifyResult>`. */
  verify: z.string(),
  solution: z.array(Step),
  referenceAnswer: z.string().nullable(),
});
export type TaskCode = z.infer<typeof TaskCode>;

export const DroppedTask = z.object({ id: z.string(), reasons: z.array(z.string()) });
export type DroppedTask = z.infer<typeof DroppedTask>;

export const VerifiersRecord = z.object({
  env: z.string(),
  tasks: z.array(TaskCode),
  dropped: z.array(DroppedTask),
  ...outcome,
});
export type VerifiersRecord = z.infer<typeof VerifiersRecord>;

export const ValidateRecord = z.object({
  env: z.string(),
  /** Where the valid environment was written. */
  out: z.string().optional(),
  report: ValidationReport.optional(),
  droppedTasks: z.array(DroppedTask).default([]),
  ms: z.number(),
  ...outcome,
});
export type ValidateRecord = z.infer<typeof ValidateRecord>;

/** The Agent World Model's Python, kept for the stages that port it. */
export const AwmSourceRecord = z.object({
  env: z.string(),
  scenario: z.string(),
  envCode: z.string(),
  verifiers: z.record(z.string(), z.string()),
});
export type AwmSourceRecord = z.infer<typeof AwmSourceRecord>;
