import { z } from "zod";
import { BundleId, EnvName } from "./manifest.ts";

/** The longest an instance may go without a call before it expires. */
export const MAX_TTL_SECONDS = 7 * 86400;

export const CreateInstance = z.object({
  seed: z.number().int().default(0),
  ttlSeconds: z.number().int().min(10).max(MAX_TTL_SECONDS).default(3600),
});
export type CreateInstance = z.infer<typeof CreateInstance>;

export const InstanceCreated = z.object({
  instanceId: z.string(),
  env: EnvName,
  bundleId: BundleId,
  mcpUrl: z.string(),
  /** Where `POST {tool, args}` calls one of the instance's tools, with the instance token: `/v1/instances/:id/call`. */
  callUrl: z.string(),
  token: z.string(),
});
export type InstanceCreated = z.infer<typeof InstanceCreated>;

export const VerifyRequest = z.object({
  taskId: z.string().min(1),
  answer: z.string().nullable().default(null),
});
export type VerifyRequest = z.infer<typeof VerifyRequest>;

export const VerifyResponse = z.object({
  taskId: z.string(),
  complete: z.boolean(),
  info: z.record(z.string(), z.unknown()).optional(),
});
export type VerifyResponse = z.infer<typeof VerifyResponse>;

export const StateQuery = z.object({
  table: z.string().optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type StateQuery = z.infer<typeof StateQuery>;

const Cell = z.union([z.string(), z.number(), z.null(), z.instanceof(ArrayBuffer)]);

export const TableDiff = z.object({
  table: z.string(),
  columns: z.array(z.string()),
  inserted: z.array(z.array(Cell)),
  deleted: z.array(z.array(Cell)),
  updated: z.array(z.object({ before: z.array(Cell), after: z.array(Cell), changed: z.array(z.string()) })),
});
export type TableDiff = z.infer<typeof TableDiff>;

export const InstanceInfo = z.object({
  instanceId: z.string(),
  env: EnvName,
  bundleId: BundleId,
  seed: z.number().int(),
  createdAt: z.string(),
  expiresAt: z.string(),
  counters: z.object({ calls: z.number(), errors: z.number(), toolMs: z.number() }),
});
export type InstanceInfo = z.infer<typeof InstanceInfo>;

export const InstanceQuery = z.object({
  env: EnvName.optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type InstanceQuery = z.infer<typeof InstanceQuery>;

/** Live instances, newest first; `total` counts every live instance the query matches. */
export const InstanceList = z.object({ instances: z.array(InstanceInfo), total: z.number().int() });
export type InstanceList = z.infer<typeof InstanceList>;
