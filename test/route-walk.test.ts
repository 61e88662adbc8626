/**
 * An agent's view of the farm: every route /openapi.json describes, walked with an instance token, with another
 * instance's token, with no token, and with the admin token. The instance token opens that instance's tools (MCP
 * and /call) and nothing else, whatever the farm's mode; with no token nothing but the open routes answer, unless
 * the farm runs in the tests' unauthenticated mode. The walk is complete: /openapi.json and the Worker's own route
 * table must list the same routes.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../workers/index.ts";
import { farm, settled, startBatch, upload, type Created } from "./helpers.ts";

const vars = env as Env;
const ADMIN = vars.FARM_ADMIN_TOKEN;
const OPEN_MODE = !ADMIN && vars.FARM_TEST_UNAUTHENTICATED === "true";
const METHODS = ["get", "put", "post", "delete"] as const;
type Method = (typeof METHODS)[number];
interface Operation {
  security?: unknown[];
}
type Doc = { paths: Record<string, Partial<Record<Method, Operation>>> };

let doc: Doc;
let own: Created;
let other: Created;
let batchId: string;
let rolloutId: string;

const admin = (path: string, init: RequestInit & { json?: unknown } = {}) =>
  farm(path, { ...init, ...(ADMIN ? { token: ADMIN } : {}) });

async function created<T>(res: Promise<Response>): Promise<T> {
  const r = await res;
  if (r.status !== 201) throw new Error(`${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

beforeAll(async () => {
  await upload("lab", ADMIN);
  own = await created<Created>(admin("/v1/envs/lab/instances", { method: "POST", json: {} }));
  other = await created<Created>(admin("/v1/envs/lab/instances", { method: "POST", json: {} }));
  ({ batchId } = await startBatch(
    { tasks: [{ env: "lab", taskId: "add-groceries" }], groupSize: 1, policy: { kind: "oracle" } },
    ADMIN,
  ));
  rolloutId = `${batchId}.g0.0`;
  // Ended, so its group stream answers and closes instead of staying open.
  await settled(batchId, { timeoutMs: 30_000, ...(ADMIN ? { token: ADMIN } : {}) });
  doc = (await (await farm("/openapi.json")).json()) as Doc;
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    METHODS.filter((m) => ops[m]).map((method) => ({ path, method, open: ops[method]!.security?.length === 0 })),
  );

function concrete(path: string, instance: Created): string {
  const id = path.startsWith("/v1/instances/")
    ? instance.instanceId
    : path.startsWith("/v1/batches/")
      ? batchId
      : rolloutId;
  return path.replace("{env}", "lab").replace("{id}", id);
}

const isTools = (path: string) => path === "/v1/instances/{id}/mcp" || path === "/v1/instances/{id}/call";

/** A request a real client of the route would send: MCP's JSON-RPC, a tool call, or an empty JSON object. */
function request(path: string, method: Method, token: string | undefined): Promise<Response> {
  const headers: Record<string, string> = {
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2025-11-25",
  };
  const body =
    method === "get" || method === "delete"
      ? undefined
      : path.endsWith("/mcp")
        ? { jsonrpc: "2.0", id: 1, method: "tools/list" }
        : path.endsWith("/call")
          ? { tool: "list_notes", args: {} }
          : {};
  return farm(concrete(path, own), {
    method: method.toUpperCase(),
    headers,
    ...(body ? { json: body } : {}),
    ...(token ? { token } : {}),
  }).then(async (res) => (await res.body?.cancel(), res));
}

describe("the route table", () => {
  it("is what /openapi.json describes, route for route", () => {
    // Hono's table: `use` middleware sits on /*; .all() (the MCP endpoints) serves GET, POST and DELETE.
    const served = new Set(
      worker.routes
        .filter((r) => r.path !== "/*")
        .flatMap((r) =>
          (r.method === "ALL" ? ["get", "post", "delete"] : [r.method.toLowerCase()]).map(
            (m) => `${m} ${r.path.replace(/:(\w+)/g, "{$1}")}`,
          ),
        ),
    );
    const documented = operations().map((o) => `${o.method} ${o.path}`);
    expect([...served].sort()).toEqual([...documented].sort());
  });
});

describe("walking every route", () => {
  it("with an instance token: that instance's tools, and nothing else", async () => {
    for (const { path, method, open } of operations()) {
      const res = await request(path, method, own.token);
      if (open) expect(res.status, `${method} ${path}`).toBe(200);
      else if (isTools(path) && method === "post") expect(res.status, `${method} ${path}`).toBe(200);
      else if (!isTools(path)) expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it("with another instance's token: not this instance's tools", async () => {
    for (const path of ["/v1/instances/{id}/mcp", "/v1/instances/{id}/call"]) {
      for (const method of ["get", "post", "delete"] as const) {
        const res = await request(path, method, other.token);
        // /call serves POST only: another method is no route at all.
        expect(res.status, `${method} ${path}`).toBe(path.endsWith("/call") && method !== "post" ? 404 : 401);
      }
    }
  });

  it(
    OPEN_MODE
      ? "with no token: everything (the tests' unauthenticated mode) but the instance's tools"
      : "with no token: nothing but the open routes",
    async () => {
      for (const { path, method, open } of operations()) {
        const res = await request(path, method, undefined);
        const refused = res.status === 401 || res.status === 403;
        if (open) expect(res.status, `${method} ${path}`).toBe(200);
        else expect(refused, `${method} ${path} answered ${res.status}`).toBe(!OPEN_MODE || isTools(path));
      }
    },
  );

  it(
    ADMIN
      ? "with the admin token: every route answers past the access check"
      : "with no token, in the tests' unauthenticated mode: every admin route answers",
    async () => {
      // Deletes last: they take the instance away.
      const ops = operations().sort((a, b) => Number(a.method === "delete") - Number(b.method === "delete"));
      // In the tests' unauthenticated mode there is no admin token, and an instance's tools always need a token.
      for (const { path, method } of ops.filter((o) => ADMIN || !isTools(o.path))) {
        const res = await request(path, method, ADMIN);
        expect([401, 403], `${method} ${path} answered ${res.status}`).not.toContain(res.status);
      }
    },
  );
});
