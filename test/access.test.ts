/**
 * What a web page, a DNS-rebinding page or a client forging headers can do to a farm run as `worldfarm start` runs
 * it (an admin token, loopback host names plus farm.test allowed): nothing. Same-origin requests, as the
 * dashboard makes them, and clients outside a browser work.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../workers/index.ts";
import { BASE, farm, upload, type Created } from "./helpers.ts";

const ADMIN = (env as Env).FARM_ADMIN_TOKEN!;
const listTools = { jsonrpc: "2.0", id: 1, method: "tools/list" };
const MCP = { accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };

let inst: Created;

/** A request as it reaches the Worker with another Host, and so another URL. */
async function at(
  origin: string,
  path: string,
  init: RequestInit & { json?: unknown; token?: string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  return worker.fetch(
    new Request(origin + path, {
      ...init,
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    }),
    env as Env,
    createExecutionContext(),
  );
}

async function code(res: Response | Promise<Response>): Promise<[number, string | undefined]> {
  const r = await res;
  const body = (await r.json().catch(() => ({}))) as { error?: { code: string } };
  return [r.status, body.error?.code];
}

const instanceCount = async () =>
  ((await (await farm("/v1/instances?env=lab", { token: ADMIN })).json()) as { total: number }).total;

beforeAll(async () => {
  await upload("lab", ADMIN);
  inst = (await (await farm("/v1/envs/lab/instances", { method: "POST", json: {}, token: ADMIN })).json()) as Created;
});

/** One route of each kind: admin, an instance's tools over HTTP, an instance's MCP, an environment's MCP. */
const routes = () => [
  { label: "admin read", path: "/v1/envs", init: { token: ADMIN } },
  { label: "admin write", path: "/v1/envs/lab/instances", init: { method: "POST", json: {}, token: ADMIN } },
  {
    label: "instance call",
    path: `/v1/instances/${inst.instanceId}/call`,
    init: { method: "POST", json: { tool: "list_notes" }, token: inst.token },
  },
  {
    label: "instance MCP",
    path: `/v1/instances/${inst.instanceId}/mcp`,
    init: { method: "POST", json: listTools, headers: MCP, token: inst.token },
  },
  {
    label: "env MCP",
    path: "/v1/envs/lab/mcp",
    init: {
      method: "POST",
      json: {
        ...listTools,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      },
      headers: MCP,
      token: ADMIN,
    },
  },
];

describe("browsers on other origins", () => {
  it("are refused on every kind of route, GET and POST, before anything runs; the farm's own origin works", async () => {
    const before = await instanceCount();
    for (const { label, path, init } of routes()) {
      for (const origin of ["http://evil.example", "http://127.0.0.1:9999", "null"]) {
        expect(
          await code(farm(path, { ...init, headers: { ...init.headers, origin } })),
          `${label} from ${origin}`,
        ).toEqual([403, "forbidden_origin"]);
      }
      // An <img> or <script> from another site sends no Origin, but Sec-Fetch-Site says where it came from.
      expect(
        await code(
          farm(path, {
            ...init,
            headers: { ...init.headers, "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" },
          }),
        ),
        label,
      ).toEqual([403, "forbidden_origin"]);
      const same = await farm(path, {
        ...init,
        headers: { ...init.headers, origin: BASE, "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors" },
      });
      expect(same.status, `${label} from the farm's own origin`).toBeLessThan(300);
    }
    // The two POSTs that create an instance (admin write, env MCP initialize) ran once each, from the own origin.
    expect(await instanceCount()).toBe(before + 2);
  });

  it("may still follow a link to the farm: a top-level navigation is the user's own", async () => {
    const res = await farm("/openapi.json", {
      headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" },
    });
    expect(res.status).toBe(200);
  });

  it("cannot send a simple request: a body that is not declared application/json is refused with 415", async () => {
    const before = await instanceCount();
    for (const { label, path, init } of routes().filter((r) => r.init.method === "POST")) {
      for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
        const res = farm(path, {
          method: "POST",
          body: JSON.stringify(init.json),
          headers: { ...init.headers, "content-type": type },
          token: init.token,
        });
        expect(await code(res), `${label} as ${type}`).toEqual([415, "unsupported_media_type"]);
      }
      // Nor with no Content-Type at all.
      const bare = new Request(BASE + path, {
        method: "POST",
        body: new Blob([JSON.stringify(init.json)]).stream(),
        headers: { ...init.headers, authorization: `Bearer ${init.token}` },
        duplex: "half",
      } as RequestInit);
      expect(bare.headers.get("content-type")).toBeNull();
      expect(
        await code(worker.fetch(bare, env as Env, createExecutionContext())),
        `${label} without Content-Type`,
      ).toEqual([415, "unsupported_media_type"]);
    }
    expect(await instanceCount()).toBe(before);
    // A charset parameter is still JSON; a POST with no body needs no Content-Type.
    expect(
      (
        await farm(`/v1/instances/${inst.instanceId}/call`, {
          method: "POST",
          body: '{"tool":"list_notes"}',
          headers: { "content-type": "application/json; charset=utf-8" },
          token: inst.token,
        })
      ).status,
    ).toBe(200);
    expect((await farm(`/v1/instances/${inst.instanceId}/reset`, { method: "POST", token: ADMIN })).status).toBe(200);
  });
});

describe("Host names", () => {
  it("a name the farm does not answer to is refused on every kind of route (DNS rebinding)", async () => {
    for (const { label, path, init } of routes()) {
      for (const origin of ["http://evil.example:8787", "http://127.evil.example", "http://localhost.evil.example"]) {
        expect(await code(at(origin, path, init)), `${label} at ${origin}`).toEqual([403, "forbidden_host"]);
      }
    }
  });

  it("loopback names work, and the URLs handed out name the host the request came to", async () => {
    for (const origin of [
      "http://127.0.0.1:8787",
      "http://localhost:8787",
      "http://[::1]:8787",
      "http://farm.localhost",
    ]) {
      const res = await at(origin, "/v1/envs/lab/instances", { method: "POST", json: {}, token: ADMIN });
      expect(res.status, origin).toBe(201);
      expect(((await res.json()) as Created).mcpUrl.startsWith(`${origin}/v1/instances/`), origin).toBe(true);
    }
  });

  it("with FARM_ORIGIN set, every URL handed out is on it, and its name is answered", async () => {
    const configured = { ...(env as Env), FARM_ORIGIN: "https://farm.example.com" };
    const send = async (path: string, json: unknown) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(`https://farm.example.com${path}`, {
          method: "POST",
          body: JSON.stringify(json),
          headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
        }),
        configured,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    };
    const created = (await (await send("/v1/envs/lab/instances", {})).json()) as Created;
    expect(created.mcpUrl).toBe(`https://farm.example.com/v1/instances/${created.instanceId}/mcp`);
    expect(created.callUrl).toBe(`https://farm.example.com/v1/instances/${created.instanceId}/call`);
    const batch = (await (
      await send("/v1/batches", {
        tasks: [{ env: "lab", taskId: "count-notes" }],
        groupSize: 1,
        policy: { kind: "oracle" },
      })
    ).json()) as { batchId: string; streamUrl: string };
    expect(batch.streamUrl).toBe(`https://farm.example.com/v1/batches/${batch.batchId}/groups`);
  });
});

describe("an operator's FARM_ALLOWED_ORIGINS", () => {
  it("lets the named origin through with CORS, and no other", async () => {
    const configured = { ...(env as Env), FARM_ALLOWED_ORIGINS: "https://inspector.example" };
    const preflight = (origin: string) =>
      worker.fetch(
        new Request(`${BASE}/v1/instances/${inst.instanceId}/mcp`, {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
          },
        }),
        configured,
        createExecutionContext(),
      );
    const allowed = await preflight("https://inspector.example");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://inspector.example");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(await code(preflight("https://evil.example"))).toEqual([403, "forbidden_origin"]);
  });
});

describe("who is admin", () => {
  it("only the holder of the admin token: no bearer, a wrong one, or a forged CF-Connecting-IP is refused", async () => {
    for (const headers of [
      {} as Record<string, string>,
      { "cf-connecting-ip": "127.0.0.1" },
      { "cf-connecting-ip": "::1" },
      { "cf-connecting-ip": "127.evil.example" },
    ]) {
      expect(await code(farm("/v1/envs", { headers })), JSON.stringify(headers)).toEqual([401, "unauthorized"]);
    }
    expect(await code(farm("/v1/envs", { token: "wrong" }))).toEqual([401, "unauthorized"]);
    expect(
      await code(
        farm(`/v1/instances/${inst.instanceId}/call`, {
          method: "POST",
          json: { tool: "list_notes" },
          headers: { "cf-connecting-ip": "127.0.0.1" },
        }),
      ),
    ).toEqual([401, "unauthorized"]);
    expect((await farm("/v1/envs", { token: ADMIN })).status).toBe(200);
  });

  it("a farm with no admin token keeps its admin routes closed and says how to open them", async () => {
    const { FARM_ADMIN_TOKEN: _, ...bare } = env as Env;
    const res = await worker.fetch(new Request(`${BASE}/v1/envs`), bare as Env, createExecutionContext());
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(res.status).toBe(403);
    expect(body.error.code).toBe("admin_token_unset");
    expect(body.error.message).toContain("wrangler secret put FARM_ADMIN_TOKEN");
  });
});
