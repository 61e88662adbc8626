export { defineEnv, tool, task, sql, SDK_VERSION } from "./define.ts";
export type {
  Db,
  ReadDb,
  Row,
  SqlValue,
  Clock,
  Random,
  ToolContext,
  ToolDef,
  ToolSpec,
  ToolAnnotations,
  TaskDef,
  EnvDef,
  VerifyInput,
  VerifyResult,
  SolutionStep,
  Json,
} from "./define.ts";
export { fixedRandom, type SeedRandom } from "./random.ts";
export { insertRow } from "./rows.ts";
export { z } from "zod";
