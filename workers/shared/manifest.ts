import { z } from "zod";

export const EnvName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, "lowercase letters, digits, - and _, starting with a letter");
export const BundleId = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 hex digest");

const JsonValue: z.ZodType<unknown> = z.json();

export const ToolInfo = z.object({
  name: z.string().min(1),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
  annotations: z.object({
    title: z.string().optional(),
    readOnlyHint: z.boolean(),
    destructiveHint: z.boolean(),
    idempotentHint: z.boolean(),
    openWorldHint: z.boolean(),
  }),
});
export type ToolInfo = z.infer<typeof ToolInfo>;

export const SolutionStep = z.object({ tool: z.string(), args: z.record(z.string(), JsonValue) });
export type SolutionStep = z.infer<typeof SolutionStep>;

export const TaskInfo = z.object({
  id: z.string().min(1),
  prompt: z.string().min(1),
  solution: z.array(SolutionStep),
  referenceAnswer: z.string().optional(),
});
export type TaskInfo = z.infer<typeof TaskInfo>;

/** manifest.json beside a bundle: what it offers, without its code. */
export const BundleManifest = z.object({
  format: z.literal("worldfarm.bundle.v1"),
  name: EnvName,
  description: z.string(),
  bundleId: BundleId,
  sdkVersion: z.string(),
  schemaHash: z.string(),
  tools: z.array(ToolInfo).min(1),
  tasks: z.array(TaskInfo),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

export const BundleUpload = z.object({
  manifest: BundleManifest,
  /** The bundle's single ES module; its sha256 must equal manifest.bundleId. */
  module: z.string().min(1),
});
export type BundleUpload = z.infer<typeof BundleUpload>;

export const EnvSummary = z.object({
  name: EnvName,
  bundleId: BundleId,
  description: z.string(),
  tools: z.number().int(),
  tasks: z.number().int(),
  updatedAt: z.string(),
});
export type EnvSummary = z.infer<typeof EnvSummary>;
