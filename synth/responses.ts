import { z } from "zod";
import { Step, TaskSpec, ToolSpec } from "./records.ts";

/** The JSON each prompt asks the model for; a reply that does not match goes back to it. */
export const ScenariosReply = z.object({
  scenarios: z.array(z.object({ name: z.string().min(1), description: z.string().min(1) })).min(1),
});
export const SuitabilityReply = z.object({ suitable: z.boolean(), reason: z.string() });
export const TasksReply = z.object({ tasks: z.array(TaskSpec).min(1) });
export const SchemaReply = z.object({ ddl: z.string().min(1) });
export const SeedReply = z.object({ sql: z.string().min(1) });
export const SpecReply = z.object({ tools: z.array(ToolSpec).min(1) });
export const ToolsReply = z.object({ code: z.string().min(1) });
export const VerifierReply = z.object({
  verify: z.string().min(1),
  solution: z.array(Step),
  referenceAnswer: z.string().nullable().default(null),
});
export type VerifierReply = z.infer<typeof VerifierReply>;
