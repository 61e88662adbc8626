import { z } from "zod";

/** One tool call as the plain HTTP route and the orchestrator send it. */
export const ToolCall = z.object({
  tool: z.string().min(1),
  args: z.record(z.string(), z.unknown()).default({}),
});
export type ToolCall = z.infer<typeof ToolCall>;
