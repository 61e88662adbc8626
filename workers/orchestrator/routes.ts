import { Hono, type Context } from "hono";
import { z } from "zod";
import {
  BatchSpec,
  DeleteBatchQuery,
  type BatchCreated,
  type BatchDeleted,
  type BatchStatus,
} from "../shared/batch.ts";
import { RolloutRow, type RolloutList, type RolloutView } from "../shared/rollout.ts";
import type { TableDiff } from "../shared/instance.ts";
import { FarmError, decodeFarmError } from "../shared/errors.ts";
import { RunQuery, type RunList } from "../shared/run.ts";
import { requireAdmin } from "../http/auth.ts";
import { farmUrl } from "../http/origin.ts";
import { parseJson } from "../http/errors.ts";
import { rpc } from "../http/rpc.ts";
import { currentManifest } from "../env-host/registry-client.ts";
import { farmIndex } from "../farm-index/client.ts";
import type { PlannedRollout } from "./batch/batch-object.ts";
import { StreamQuery, groupStream } from "./bridge/stream.ts";
import { runs } from "./runs.ts";
import { rolloutStub } from "../env-host/worlds.ts";

type App = { Bindings: Env };
const BATCH_ID = /^b_[0-9a-f]{24}$/;
const ROLLOUT_ID = /^b_[0-9a-f]{24}\.g\d+\.\d+$/;

export const RolloutQuery = z.object({
  status: RolloutRow.shape.status.optional(),
  groupId: z.string().optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * Expands the spec's task selection against the environments as they are now: tasks x groupSize rollouts, queued in
 * the order the tasks were listed, or, for a selection by environment, taking the environments in turn. Each
 * environment's worlds run in processes of their own locally (one core each), so a queue that took one environment
 * after another left the other cores idle: a shop-then-tracker batch of 1,024 ran in one shop world at a time.
 */
async function plan(env: Env, batchId: string, spec: BatchSpec): Promise<PlannedRollout[]> {
  const wanted = Array.isArray(spec.tasks)
    ? spec.tasks.reduce<Map<string, string[]>>((m, t) => m.set(t.env, [...(m.get(t.env) ?? []), t.taskId]), new Map())
    : new Map(Object.entries(spec.tasks).map(([name, ids]) => [name, ids === "all" ? [] : ids]));
  const bundles = new Map<string, string>();
  const chosen = new Map<string, string[]>();
  for (const [name, ids] of wanted) {
    const manifest = await currentManifest(env, name).catch((err: unknown) => {
      throw new FarmError("invalid_request", 400, `tasks: ${(decodeFarmError(err) ?? (err as Error)).message}`);
    });
    const known = new Set(manifest.tasks.map((t) => t.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length)
      throw new FarmError(
        "invalid_request",
        400,
        `tasks: ${name} has no task ${unknown.map((u) => `"${u}"`).join(", ")}`,
      );
    bundles.set(name, manifest.bundleId);
    chosen.set(name, ids.length ? ids : [...known]);
  }
  const queue = Array.isArray(spec.tasks) ? spec.tasks : inTurn(chosen);
  const out: PlannedRollout[] = [];
  for (const [g, { env: name, taskId }] of queue.entries()) {
    // Numbered, so a task named twice makes two groups.
    const groupId = `${batchId}.g${g}`;
    for (let k = 0; k < spec.groupSize; k++)
      out.push({ id: `${groupId}.${k}`, groupId, env: name, bundleId: bundles.get(name)!, taskId });
  }
  return out;
}

/** Each environment's tasks, the environments taking turns: a1 b1 a2 b2 a3 ... */
function inTurn(tasks: Map<string, string[]>): { env: string; taskId: string }[] {
  const out: { env: string; taskId: string }[] = [];
  const longest = Math.max(...[...tasks.values()].map((ids) => ids.length));
  for (let i = 0; i < longest; i++)
    for (const [name, ids] of tasks) if (i < ids.length) out.push({ env: name, taskId: ids[i]! });
  return out;
}

function batchId(c: Context<App>): string {
  const id = c.req.param("id") ?? "";
  if (!BATCH_ID.test(id)) throw new FarmError("batch_not_found", 404, `no batch "${id}"`);
  return id;
}

/** The object that hosts a rollout, in its environment's worlds: its batch's ledger says which. */
async function rolloutHost(env: Env, id: string) {
  const place = await rpc(batch(env, id.slice(0, id.indexOf("."))).rolloutHost(id));
  if (!place) throw new FarmError("rollout_not_found", 404, `no rollout "${id}"`);
  return rolloutStub(env, place.env, place.host);
}

/**
 * A batch the farm knows and has not deleted. The farm index answers, not the Batch object: asking a deleted object
 * would bring back an empty database where its files were removed.
 */
async function liveBatch(env: Env, id: string): Promise<string> {
  const record = await farmIndex(env).batchRecord(id);
  if (record.state === "unknown") throw new FarmError("batch_not_found", 404, `no batch "${id}"`);
  if (record.state === "deleted") {
    throw new FarmError(
      "batch_deleted",
      410,
      `batch ${id} was deleted at ${record.deletedAt} with its rollouts; /v1/runs keeps its reward summary unless deleted with ?summary=false`,
    );
  }
  return id;
}

/** A rollout of a live batch: a rollout id begins with its batch's id. */
async function liveRollout(c: Context<App>): Promise<string> {
  const id = c.req.param("id") ?? "";
  if (!ROLLOUT_ID.test(id)) throw new FarmError("rollout_not_found", 404, `no rollout "${id}"`);
  const record = await farmIndex(c.env).batchRecord(id.slice(0, id.indexOf(".")));
  if (record.state === "deleted")
    throw new FarmError("rollout_deleted", 410, `rollout ${id} was deleted with its batch at ${record.deletedAt}`);
  return id;
}

function query<T extends z.ZodType>(c: Context<App>, schema: T): z.infer<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw new FarmError("invalid_request", 400, z.prettifyError(parsed.error));
  return parsed.data;
}

const batch = (env: Env, id: string) => env.BATCH.getByName(id);

export const batchRoutes = new Hono<App>()
  .post("/v1/batches", requireAdmin(), async (c) => {
    const spec = await parseJson(c, BatchSpec);
    const id = `b_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
    const rollouts = await plan(c.env, id, spec);
    await rpc(batch(c.env, id).create(id, spec, rollouts));
    await farmIndex(c.env).addBatch(id, rollouts.length, spec.policyVersion);
    const created: BatchCreated = {
      batchId: id,
      streamUrl: farmUrl(c, `/v1/batches/${id}/groups`),
      rollouts: rollouts.length,
    };
    return c.json(created, 201);
  })
  .get("/v1/batches", requireAdmin(), async (c) => c.json({ batches: await farmIndex(c.env).batches(100) }))
  .get("/v1/batches/:id", requireAdmin(), async (c) =>
    c.json((await rpc(batch(c.env, await liveBatch(c.env, batchId(c))).status())) as BatchStatus),
  )
  .post("/v1/batches/:id/cancel", requireAdmin(), async (c) =>
    c.json((await rpc(batch(c.env, await liveBatch(c.env, batchId(c))).cancel())) as BatchStatus),
  )
  .delete("/v1/batches/:id", requireAdmin(), async (c) => {
    const id = batchId(c);
    const { summary } = query(c, DeleteBatchQuery);
    const record = await farmIndex(c.env).batchRecord(id);
    if (record.state === "unknown") throw new FarmError("batch_not_found", 404, `no batch "${id}"`);
    // Deleting again only updates what the farm index keeps: the batch's own deletion goes on from its alarms.
    const deleted: BatchDeleted =
      record.state === "deleted"
        ? { batchId: id, ...(await farmIndex(c.env).markBatchDeleted(id, summary, null)) }
        : await rpc(batch(c.env, id).delete(id, summary));
    return c.json(deleted, 202);
  })
  .get("/v1/batches/:id/groups", requireAdmin(), async (c) => {
    const id = await liveBatch(c.env, batchId(c));
    const q = query(c, StreamQuery);
    const format = q.format ?? (c.req.header("accept")?.includes("text/event-stream") ? "sse" : "ndjson");
    // An EventSource that reconnects sends the last id it saw; it resumes there, whatever cursor its URL still names.
    const lastEventId = Number.parseInt(c.req.header("last-event-id") ?? "", 10);
    const cursor =
      format === "sse" && Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId + 1 : q.cursor;
    // Asked before the stream starts, so an unknown batch is a plain 404, not a broken stream.
    await rpc(batch(c.env, id).log(0, 0));
    return groupStream(c.env, id, { ...q, cursor, format });
  })
  .get("/v1/batches/:id/rollouts", requireAdmin(), async (c) => {
    const id = await liveBatch(c.env, batchId(c));
    return c.json((await rpc(batch(c.env, id).rollouts(query(c, RolloutQuery)))) as RolloutList);
  })
  .get("/v1/runs", requireAdmin(), async (c) => c.json((await runs(c.env, query(c, RunQuery).limit)) satisfies RunList))
  .get("/v1/rollouts/:id", requireAdmin(), async (c) => {
    const id = await liveRollout(c);
    return c.json((await rpc((await rolloutHost(c.env, id)).view(id))) as RolloutView);
  })
  .get("/v1/rollouts/:id/diff", requireAdmin(), async (c) => {
    const id = await liveRollout(c);
    return c.json({ tables: (await rpc((await rolloutHost(c.env, id)).diff(id))) as TableDiff[] });
  });
