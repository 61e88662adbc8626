import { z } from "zod";

export const ValidationReport = z.object({
  env: z.string(),
  bundleId: z.string(),
  ok: z.boolean(),
  world: z.object({ ok: z.boolean(), error: z.string().optional() }),
  tools: z.array(z.object({ tool: z.string(), ok: z.boolean(), error: z.string().optional() })),
  tasks: z.array(z.object({ task: z.string(), ok: z.boolean(), problems: z.array(z.string()) })),
  ms: z.number(),
});
export type ValidationReport = z.infer<typeof ValidationReport>;
