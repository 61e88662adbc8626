import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { isLegacyRequest } from "@modelcontextprotocol/server";
import { FarmError } from "../shared/errors.ts";
import { BundleUpload, EnvName, type BundleManifest } from "../shared/manifest.ts";
import {
  CreateInstance,
  InstanceQuery,
  StateQuery,
  VerifyRequest,
  type InstanceCreated,
  type InstanceInfo,
  type InstanceList,
} from "../shared/instance.ts";
import { ToolCall } from "../shared/tool-call.ts";
import { requireAdmin, requireInstanceAccess } from "../http/auth.ts";
import { instanceUrls } from "./instance-urls.ts";
import { parseJson } from "../http/errors.ts";
import { rpc } from "../http/rpc.ts";
import { validateEnv } from "./validate.ts";
import { McpEndpoint, MAX_MCP_BODY, mcpFailure } from "./mcp.ts";
import { currentManifest, registry } from "./registry-client.ts";
import { farmIndex } from "../farm-index/client.ts";
import { instanceToken } from "./token.ts";
import { checkUpload, instanceStub, toMessage, toResponse, type HttpMessage } from "./instance.ts";
import { isWorldLimit, rememberInstance } from "./worlds.ts";
import { mcpSessionTtlSeconds } from "../farm-vars.ts";

type App = { Bindings: Env };
const INSTANCE_ID = /^[0-9a-f]{32}$/;
const MAX_BUNDLE_BODY = 32 * 1024 * 1024;
/** A tool call carries what an MCP tools/call does, so it gets the MCP route's limit. */
const MAX_CALL_BODY = MAX_MCP_BODY;

const tooLarge = (limit: number) => () => {
  throw new FarmError("payload_too_large", 413, `the request body is larger than ${limit} bytes`);
};

function envName(c: Context<App>): string {
  const parsed = EnvName.safeParse(c.req.param("env"));
  if (!parsed.success)
    throw new FarmError("invalid_env_name", 400, `environment names are ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function instanceId(c: Context<App>): string {
  const id = c.req.param("id") ?? "";
  if (!INSTANCE_ID.test(id)) throw new FarmError("instance_not_found", 404, `no instance "${id}"`);
  return id;
}

const instance = instanceStub;

async function createInstance(
  c: Context<App>,
  manifest: BundleManifest,
  options: CreateInstance,
): Promise<InstanceCreated> {
  const name = manifest.name;
  const id = crypto.randomUUID().replaceAll("-", "");
  await rpc(
    (await instance(c.env, id, name)).create({ instanceId: id, env: name, bundleId: manifest.bundleId, ...options }),
  );
  rememberInstance(id, name);
  return {
    instanceId: id,
    env: name,
    bundleId: manifest.bundleId,
    ...(await instanceUrls(c, name, id)),
    token: await instanceToken(c.env, id),
  };
}

/** One MCP exchange with an instance; a call that brought its world down is answered in MCP's own terms. */
async function mcpExchange(env: Env, id: string, message: HttpMessage): Promise<HttpMessage> {
  try {
    return await rpc((await instance(env, id)).mcp(message));
  } catch (err) {
    if (err instanceof FarmError && isWorldLimit(err)) return mcpFailure(message, err.message);
    throw err;
  }
}

/** Whether a JSON-RPC body opens a 2025-era session. */
async function isInitialize(request: Request): Promise<boolean> {
  try {
    const body = (await request.clone().json()) as { method?: unknown } | { method?: unknown }[];
    return (Array.isArray(body) ? body : [body]).some((m) => m?.method === "initialize");
  } catch {
    return false;
  }
}

function jsonRpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", id: null, error: { code, message } }, { status });
}

export const envRoutes = new Hono<App>()
  .get("/v1/envs", requireAdmin(), async (c) => c.json({ envs: await registry(c.env).list() }))
  .put(
    "/v1/envs/:env",
    requireAdmin(),
    bodyLimit({ maxSize: MAX_BUNDLE_BODY, onError: tooLarge(MAX_BUNDLE_BODY) }),
    async (c) => {
      const name = envName(c);
      const upload = await parseJson(c, BundleUpload);
      const module = await checkUpload(c.env, name, upload);
      return c.json(await registry(c.env).put(upload.manifest, module), 201);
    },
  )
  .get("/v1/envs/:env", requireAdmin(), async (c) => {
    const m = await currentManifest(c.env, envName(c));
    return c.json({
      name: m.name,
      bundleId: m.bundleId,
      description: m.description,
      sdkVersion: m.sdkVersion,
      schemaHash: m.schemaHash,
      tools: m.tools,
      tasks: m.tasks.map((t) => ({ id: t.id, prompt: t.prompt })),
    });
  })
  .post("/v1/envs/:env/validate", requireAdmin(), async (c) =>
    c.json(await validateEnv(c.env, await currentManifest(c.env, envName(c)))),
  )
  .post("/v1/envs/:env/instances", requireAdmin(), async (c) => {
    const manifest = await currentManifest(c.env, envName(c));
    return c.json(await createInstance(c, manifest, await parseJson(c, CreateInstance)), 201);
  })
  // A 2025-era MCP session gets a world of its own: the session id is the new instance's id.
  .all(
    "/v1/envs/:env/mcp",
    requireAdmin(),
    bodyLimit({ maxSize: MAX_MCP_BODY, onError: tooLarge(MAX_MCP_BODY) }),
    async (c) => {
      const name = envName(c);
      const session = c.req.header("mcp-session-id");
      if (session) {
        if (!INSTANCE_ID.test(session)) return jsonRpcError(404, -32001, "unknown MCP session");
        if (c.req.method === "DELETE") {
          await rpc((await instance(c.env, session)).destroy());
          return c.body(null, 204);
        }
        return toResponse(await mcpExchange(c.env, session, await toMessage(c.req.raw)));
      }
      const manifest = await currentManifest(c.env, name);
      const legacyPost = c.req.method === "POST" && (await isLegacyRequest(c.req.raw));
      if (legacyPost && (await isInitialize(c.req.raw))) {
        // An MCP client that walks away never says so: its world goes after minutes idle, not the API's hour.
        const created = await createInstance(c, manifest, { seed: 0, ttlSeconds: mcpSessionTtlSeconds(c.env) });
        const reply = await mcpExchange(c.env, created.instanceId, await toMessage(c.req.raw));
        reply.headers.push(["mcp-session-id", created.instanceId]);
        return toResponse(reply);
      }
      if (legacyPost) {
        return jsonRpcError(
          400,
          -32600,
          "this endpoint serves 2025-era clients in sessions: send initialize first, then the Mcp-Session-Id it returns",
        );
      }
      return new McpEndpoint({ name, tools: manifest.tools }).serve(c.req.raw);
    },
  );

/** The farm index's page of instance ids, each read from its own object; one found gone leaves the list. */
async function listInstances(env: Env, query: InstanceQuery): Promise<InstanceList> {
  const page = await farmIndex(env).instances(query.env, query.offset, query.limit);
  const infos = await Promise.all(
    page.ids.map(async (id): Promise<InstanceInfo | undefined> => {
      try {
        return await rpc((await instance(env, id)).info());
      } catch (err) {
        if (!(err instanceof FarmError && err.code === "instance_not_found")) throw err;
        await farmIndex(env).dropInstance(id);
        return undefined;
      }
    }),
  );
  const instances = infos.filter((i) => i !== undefined);
  return { instances, total: page.total - (page.ids.length - instances.length) };
}

export const instanceRoutes = new Hono<App>()
  .get("/v1/instances", requireAdmin(), async (c) => {
    const query = InstanceQuery.safeParse(c.req.query());
    if (!query.success)
      throw new FarmError(
        "invalid_request",
        400,
        query.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
      );
    return c.json(await listInstances(c.env, query.data));
  })
  .all("/v1/instances/:id/mcp", bodyLimit({ maxSize: MAX_MCP_BODY, onError: tooLarge(MAX_MCP_BODY) }), async (c) => {
    const id = instanceId(c);
    // The agent under test holds the instance token, never the admin one: it opens the tools and nothing else.
    await requireInstanceAccess(c, id);
    return toResponse(await mcpExchange(c.env, id, await toMessage(c.req.raw)));
  })
  .post(
    "/v1/instances/:id/call",
    bodyLimit({ maxSize: MAX_CALL_BODY, onError: tooLarge(MAX_CALL_BODY) }),
    async (c) => {
      const id = instanceId(c);
      await requireInstanceAccess(c, id);
      const call = await parseJson(c, ToolCall);
      return c.json(await rpc((await instance(c.env, id)).callTool(call.tool, call.args)));
    },
  )
  .get("/v1/instances/:id", requireAdmin(), async (c) =>
    c.json(await rpc((await instance(c.env, instanceId(c))).info())),
  )
  .post("/v1/instances/:id/reset", requireAdmin(), async (c) =>
    c.json(await rpc((await instance(c.env, instanceId(c))).reset())),
  )
  .post("/v1/instances/:id/verify", requireAdmin(), async (c) => {
    const id = instanceId(c);
    const body = await parseJson(c, VerifyRequest);
    return c.json(await rpc((await instance(c.env, id)).verify(body.taskId, body.answer)));
  })
  .get("/v1/instances/:id/state", requireAdmin(), async (c) => {
    const id = instanceId(c);
    const query = StateQuery.safeParse(c.req.query());
    if (!query.success)
      throw new FarmError(
        "invalid_request",
        400,
        query.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
      );
    const stub = await instance(c.env, id);
    if (!query.data.table) return c.json({ tables: await rpc(stub.tables()) });
    return c.json(await rpc(stub.rows(query.data.table, query.data.offset, query.data.limit)));
  })
  .get("/v1/instances/:id/diff", requireAdmin(), async (c) =>
    c.json({ tables: await rpc((await instance(c.env, instanceId(c))).diff()) }),
  )
  .post("/v1/instances/:id/fork", requireAdmin(), async (c) => {
    const source = await rpc((await instance(c.env, instanceId(c))).exportWorld());
    const id = crypto.randomUUID().replaceAll("-", "");
    const { meta } = source;
    await rpc(
      (await instance(c.env, id, meta.env)).create(
        { instanceId: id, env: meta.env, bundleId: meta.bundleId, seed: meta.seed, ttlSeconds: meta.ttlMs / 1000 },
        source.state,
      ),
    );
    rememberInstance(id, meta.env);
    const created: InstanceCreated = {
      instanceId: id,
      env: meta.env,
      bundleId: meta.bundleId,
      ...(await instanceUrls(c, meta.env, id)),
      token: await instanceToken(c.env, id),
    };
    return c.json(created, 201);
  })
  .delete("/v1/instances/:id", requireAdmin(), async (c) => {
    await rpc((await instance(c.env, instanceId(c))).destroy());
    return c.body(null, 204);
  });
