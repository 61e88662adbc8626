import { z } from "zod";
import { BundleUpload, EnvSummary } from "../shared/manifest.ts";
import {
  CreateInstance,
  InstanceCreated,
  InstanceInfo,
  InstanceList,
  TableDiff,
  VerifyRequest,
  VerifyResponse,
} from "../shared/instance.ts";
import { ToolCall } from "../shared/tool-call.ts";
import { ValidationReport } from "../shared/validation.ts";
import { BatchCreated, BatchDeleted, BatchListing, BatchSpec, BatchStatus, DeleteBatchQuery } from "../shared/batch.ts";
import { RolloutList, RolloutView } from "../shared/rollout.ts";
import { StreamLine } from "../shared/group.ts";
import { RunList } from "../shared/run.ts";

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: "input", unrepresentable: "any" });
const json = (s: z.ZodType) => ({ content: { "application/json": { schema: schema(s) } } });
const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const errors = { default: { description: "error", ...json(ErrorBody) } };

function op(summary: string, extra: { body?: z.ZodType; ok?: z.ZodType; status?: number; open?: boolean } = {}) {
  return {
    summary,
    ...(extra.open ? { security: [] } : {}),
    ...(extra.body ? { requestBody: { required: true, ...json(extra.body) } } : {}),
    responses: { [String(extra.status ?? 200)]: { description: "ok", ...(extra.ok ? json(extra.ok) : {}) }, ...errors },
  };
}

/** The API description, built from the same zod schemas the routes validate with. */
export function openapi() {
  return {
    openapi: "3.1.0",
    info: {
      title: "worldfarm",
      version: "1.0.0",
      description:
        "Environment farm for agentic RL: SQLite worlds served over MCP. Every route needs the admin token as a bearer token, " +
        "except an instance's tools (mcp, call), which also take that instance's own token, and the open health check and this document. " +
        "Browser requests from other origins are refused (403), and request bodies are JSON sent as Content-Type: application/json (415 otherwise).",
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths: {
      "/v1/envs": { get: op("list environments", { ok: z.object({ envs: z.array(EnvSummary) }) }) },
      "/v1/envs/{env}": {
        get: op("environment details: tools with JSON Schema, task prompts"),
        put: op(
          "upload a bundle (module + manifest.json); the farm guards every loop and function of it and loads it once to check it: one that imports, names the farm's __wf* names or whose top-level code runs away is refused 400 invalid_bundle",
          { body: BundleUpload, ok: EnvSummary, status: 201 },
        ),
      },
      "/v1/envs/{env}/validate": {
        post: op("validate: world builds, tools answer, solutions pass, no-op fails", { ok: ValidationReport }),
      },
      "/v1/envs/{env}/instances": {
        post: op("new instance", { body: CreateInstance, ok: InstanceCreated, status: 201 }),
      },
      "/v1/envs/{env}/mcp": {
        post: op("MCP Streamable HTTP; each 2025-era session gets a fresh instance"),
        get: op("MCP Streamable HTTP: the server-to-client stream"),
        delete: op("MCP Streamable HTTP: end the session (Mcp-Session-Id) and delete its instance", { status: 204 }),
      },
      "/v1/instances": { get: op("live instances, newest first (?env=&offset=&limit=)", { ok: InstanceList }) },
      "/v1/instances/{id}": {
        get: op("instance info and counters", { ok: InstanceInfo }),
        delete: op("delete", { status: 204 }),
      },
      "/v1/instances/{id}/mcp": {
        post: op(
          "MCP Streamable HTTP for this instance (bearer = instance token). A local contained farm hands out mcpUrl on the instance's world's own port, which serves this route with the same token, Host, Origin and Content-Type checks; this route on the farm's port serves it too",
        ),
        get: op("MCP Streamable HTTP: the server-to-client stream (bearer = instance token)"),
        delete: op("MCP Streamable HTTP: end the session (bearer = instance token)"),
      },
      "/v1/instances/{id}/call": {
        post: op(
          "call one tool over plain HTTP (bearer = instance token); bodies over 1 MiB answer 413, JSON nested deeper than 128 levels 400. A local contained farm hands out callUrl on the instance's world's own port, which serves this route with the same checks; this route on the farm's port serves it too",
          { body: ToolCall },
        ),
      },
      "/v1/instances/{id}/reset": { post: op("reset to the initial snapshot", { ok: InstanceInfo }) },
      "/v1/instances/{id}/verify": {
        post: op(
          "verify a task against the current state; a verifier that runs away answers 422 runaway, one still unfinished after 10 s 422 timeout",
          { body: VerifyRequest, ok: VerifyResponse },
        ),
      },
      "/v1/instances/{id}/state": { get: op("tables, or one table's rows (?table=&offset=&limit=)") },
      "/v1/instances/{id}/diff": {
        get: op("rows changed since the initial snapshot", { ok: z.object({ tables: z.array(TableDiff) }) }),
      },
      "/v1/instances/{id}/fork": {
        post: op("a new instance with this one's state", { ok: InstanceCreated, status: 201 }),
      },
      "/v1/batches": {
        post: op("start a rollout batch: tasks x groupSize rollouts", {
          body: BatchSpec,
          ok: BatchCreated,
          status: 201,
        }),
        get: op("the farm's newest 100 batches, newest first (their statistics: /v1/runs)", {
          ok: z.object({ batches: z.array(BatchListing) }),
        }),
      },
      "/v1/batches/{id}": {
        get: op("progress and reward statistics; 410 batch_deleted once deleted", { ok: BatchStatus }),
        delete: {
          ...op(
            'delete the batch (cancelled first if it runs) and every rollout\'s storage, in waves; afterwards its reads answer 410 and held-open group streams end with state "deleted". /v1/runs keeps its reward summary unless ?summary=false',
            { ok: BatchDeleted, status: 202 },
          ),
          parameters: [
            { name: "summary", in: "query", required: false, schema: schema(DeleteBatchQuery.shape.summary) },
          ],
        },
      },
      "/v1/batches/{id}/cancel": {
        post: op("stop the batch: waiting rollouts are cancelled, running ones are told to stop and end as cancelled", {
          ok: BatchStatus,
        }),
      },
      "/v1/batches/{id}/groups": {
        get: {
          summary:
            "finished GRPO groups from ?cursor=N on, held open while the batch runs (NDJSON, or ?format=sse / Accept: text/event-stream)",
          responses: {
            200: {
              description:
                "one JSON line per group (worldfarm.group.v1), heartbeat lines while idle, an end line once the batch has ended",
              content: {
                "application/x-ndjson": { schema: schema(StreamLine) },
                "text/event-stream": { schema: schema(StreamLine) },
              },
            },
            ...errors,
          },
        },
      },
      "/v1/batches/{id}/rollouts": {
        get: op("the batch's rollouts in queue order (?status=&groupId=&offset=&limit=)", { ok: RolloutList }),
      },
      "/v1/runs": {
        get: op(
          'the newest batches (?limit=, default 100) with reward statistics, grouped into runs by policyVersion: "NAME@STEP" belongs to run NAME, any other policyVersion is a run of its own name',
          { ok: RunList },
        ),
      },
      "/v1/rollouts/{id}": { get: op("one rollout: its turns so far, its result once ended", { ok: RolloutView }) },
      "/healthz": { get: op("whether the farm answers", { ok: z.object({ ok: z.literal(true) }), open: true }) },
      "/openapi.json": { get: op("this document", { open: true }) },
      "/v1/rollouts/{id}/diff": {
        get: op("rows the rollout changed in its world", { ok: z.object({ tables: z.array(TableDiff) }) }),
      },
    },
  };
}
