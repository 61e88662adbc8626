import { z } from "zod";

/** One tool call as the plain HTTP route and the orchestrator send it. */
export const ToolCall = z.object({
  tool: z.string().min(1),
  args: z.record(z.string(), z.unknown()).default({}),
});
export type ToolCall = z.infer<typeof ToolCall>;

/** What one tool call answers: its result, or why the tool refused (the agent's to fix, not a farm error). */
export const ToolOutcome = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({
    ok: z.literal(false),
    kind: z.enum(["unknown_tool", "invalid_arguments", "tool_error", "runaway"]),
    message: z.string(),
    /** The environment's own code broke (a TypeError, bad SQL) rather than refusing the request on purpose. */
    internal: z.boolean().optional(),
  }),
]);
export type ToolOutcome = z.infer<typeof ToolOutcome>;
