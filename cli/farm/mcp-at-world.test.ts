import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEnv } from "../build/bundle-env.ts";
import { Farm } from "../../trainer-bridge/ts/index.ts";
import { ROOT } from "../paths.ts";
import { freePort } from "./free-port.ts";
import { startLocalFarm, type LocalFarm } from "./local-farm.ts";

/**
 * A contained local farm hands out each instance's MCP URL and call URL on its world's own socket. Real MCP clients
 * and the TypeScript client work there, every access rule holds there (token, Host, Origin, Content-Type), the URL
 * outlives a world restart and a farm restart, and the control route still serves the same instance.
 */

interface Created {
  instanceId: string;
  mcpUrl: string;
  callUrl: string;
  token: string;
}

let farm: LocalFarm;
let client: Farm;
let dir: string;
let shop: Created;
let other: Created;

const create = (env: string): Promise<Created> => client.createInstance(env);

const TOOLS_CALL = JSON.stringify({
  jsonrpc: "2.0",
  id: 7,
  method: "tools/call",
  params: { name: "list_categories", arguments: {} },
});

/** A raw 2025-06-18 POST to an MCP URL, every header overridable. */
function post(url: string, headers: Record<string, string>, body = TOOLS_CALL): Promise<Response> {
  return fetch(url, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
      ...headers,
    },
  });
}

async function legacyCall(url: string, token: string) {
  const c = new LegacyClient({ name: "at-world-legacy", version: "1.0.0" });
  await c.connect(
    new LegacyTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  try {
    const tools = (await c.listTools()).tools;
    const result = (await c.callTool({ name: "list_categories", arguments: {} })) as {
      content: { text: string }[];
      isError?: boolean;
    };
    return { tools, result };
  } finally {
    await c.close();
  }
}

/** The pid of world `slot`'s workerd, by the tag local-farm.ts puts in its environment. */
function worldPid(slot: number): number {
  const pid = farm.workerdPids().find((p) =>
    readFileSync(`/proc/${p}/environ`, "utf8")
      .split("\0")
      .some((v) => v.startsWith("WORLDFARM_WORLD=") && v.endsWith(`-${slot}`)),
  );
  if (pid === undefined) throw new Error(`no workerd for world ${slot}`);
  return pid;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "worldfarm-mcp-at-world-"));
  farm = await startLocalFarm({ port: await freePort(), persistDir: dir, worlds: 2 });
  client = new Farm(farm.url.toString(), { token: farm.token });
  await client.uploadEnv(await buildEnv(join(ROOT, "envs/shop")));
  shop = await create("shop");
  other = await create("shop");
}, 180_000);

afterAll(async () => {
  await farm?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const callBody = JSON.stringify({ tool: "list_categories", args: {} });

describe("an instance's tool calls at its world", () => {
  it("hands out a call URL on the world's socket, which the client calls with the instance's token", async () => {
    const url = new URL(shop.callUrl);
    expect(url.port).toBe(new URL(shop.mcpUrl).port);
    expect(url.pathname).toBe(`/v1/instances/${shop.instanceId}/call`);
    const atWorld = await new Farm(farm.url.toString()).callTool(shop, "list_categories", {});
    expect(atWorld).toMatchObject({ ok: true });
    expect(await client.callTool(shop.instanceId, "list_categories", {}, shop.token)).toEqual(atWorld);
    // A write at the world is the instance's own: the control route sees it.
    const before = await client.callTool(shop.instanceId, "view_cart", {});
    expect(await client.callTool(shop, "add_to_cart", { product_id: 1 })).toMatchObject({ ok: true });
    expect(await client.callTool(shop.instanceId, "view_cart", {})).not.toEqual(before);
  });

  it("refuses, at the world, no token, another instance's, a foreign Origin, non-JSON and bad bodies", async () => {
    const cases: [string, Record<string, string>, string, number, string][] = [
      ["no token", {}, callBody, 401, "unauthorized"],
      ["another instance's token", { authorization: `Bearer ${other.token}` }, callBody, 401, "unauthorized"],
      [
        "a page of another origin",
        { authorization: `Bearer ${shop.token}`, origin: "https://evil.example" },
        callBody,
        403,
        "forbidden_origin",
      ],
      [
        "a text/plain body",
        { authorization: `Bearer ${shop.token}`, "content-type": "text/plain" },
        callBody,
        415,
        "unsupported_media_type",
      ],
      ["a body that is not a call", { authorization: `Bearer ${shop.token}` }, '{"tool":5}', 400, "invalid_request"],
    ];
    for (const [what, headers, body, status, code] of cases) {
      const res = await post(shop.callUrl, headers, body);
      expect(res.status, what).toBe(status);
      expect(((await res.json()) as { error?: { code?: string } }).error?.code, what).toBe(code);
    }
    const unknown = await client.callTool(shop, "no_such_tool", {});
    expect(unknown).toMatchObject({ ok: false, kind: "unknown_tool" });
    expect(() => client.callTool({ ...shop, callUrl: "/v1/instances/x/call" }, "list_categories", {})).toThrow(
      /callUrl must be the http\(s\) URL/,
    );
  });
});

describe("an instance's MCP at its world", () => {
  it("hands out the world's socket, on the host name the request came in on", async () => {
    const world = await farm.supervisor.worldUrl(farm.supervisor.slotOf("shop")!);
    const url = new URL(shop.mcpUrl);
    expect(url.port).toBe(world!.port);
    expect(url.port).not.toBe(farm.url.port);
    expect(url.hostname).toBe(farm.url.hostname);
    expect(url.pathname).toBe(`/v1/instances/${shop.instanceId}/mcp`);
    const viaLocalhost = (await (
      await fetch(new URL("/v1/envs/shop/instances", `http://localhost:${farm.url.port}`), {
        method: "POST",
        body: "{}",
        headers: { authorization: `Bearer ${farm.token}`, "content-type": "application/json" },
      })
    ).json()) as Created;
    expect(new URL(viaLocalhost.mcpUrl).host).toBe(`localhost:${world!.port}`);
  });

  it("serves a real 2025 MCP client (1.x SDK) and a 2026-07-28 one (2.x SDK) with the instance token", async () => {
    const { tools, result } = await legacyCall(shop.mcpUrl, shop.token);
    expect(tools.length).toBe(40);
    expect(result.isError ?? false).toBe(false);
    expect(JSON.parse(result.content[0]!.text)).toBeTruthy();

    const modern = new ModernClient(
      { name: "at-world-modern", version: "1.0.0" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    await modern.connect(
      new ModernTransport(new URL(shop.mcpUrl), {
        requestInit: { headers: { authorization: `Bearer ${shop.token}` } },
      }),
    );
    try {
      expect(modern.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      const reply = (await modern.callTool({ name: "list_categories", arguments: {} })) as {
        content: { text: string }[];
        isError?: boolean;
      };
      expect(reply.isError ?? false).toBe(false);
      expect(reply.content[0]!.text).toBe(result.content[0]!.text);
    } finally {
      await modern.close();
    }
  });

  it("answers the same at the control route, which stays the instance's fallback", async () => {
    const control = new URL(`/v1/instances/${shop.instanceId}/mcp`, farm.url).toString();
    const [atWorld, atControl] = await Promise.all([
      post(shop.mcpUrl, { authorization: `Bearer ${shop.token}` }),
      post(control, { authorization: `Bearer ${shop.token}` }),
    ]);
    expect(atWorld.status).toBe(200);
    expect(await atWorld.json()).toEqual(await atControl.json());
  });

  it("refuses, at the world, no token, a wrong one, another instance's, a foreign Origin or Host, and non-JSON bodies", async () => {
    const cases: [string, Record<string, string>, number, string | undefined][] = [
      ["no token", {}, 401, "unauthorized"],
      ["a made-up token", { authorization: "Bearer not-a-token" }, 401, "unauthorized"],
      ["another instance's token", { authorization: `Bearer ${other.token}` }, 401, "unauthorized"],
      [
        "a page of another origin",
        { authorization: `Bearer ${shop.token}`, origin: "https://evil.example" },
        403,
        "forbidden_origin",
      ],
      [
        "the control's origin (another port is another origin)",
        { authorization: `Bearer ${shop.token}`, origin: farm.url.origin },
        403,
        "forbidden_origin",
      ],
      [
        "a cross-site fetch without Origin",
        { authorization: `Bearer ${shop.token}`, "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors" },
        403,
        "forbidden_origin",
      ],
      [
        "a text/plain body",
        { authorization: `Bearer ${shop.token}`, "content-type": "text/plain" },
        415,
        "unsupported_media_type",
      ],
    ];
    for (const [what, headers, status, code] of cases) {
      const res = await post(shop.mcpUrl, headers);
      expect(res.status, what).toBe(status);
      expect(((await res.json()) as { error?: { code?: string } }).error?.code, what).toBe(code);
    }
    // A DNS-rebinding page: its own name resolving to 127.0.0.1, sent as Host. fetch will not forge Host, so by socket.
    const { port } = new URL(shop.mcpUrl);
    const raw = await import("node:net").then(
      ({ connect }) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(Number(port), "127.0.0.1", () => {
            socket.write(
              `POST /v1/instances/${shop.instanceId}/mcp HTTP/1.1\r\nHost: evil.example:${port}\r\nAuthorization: Bearer ${shop.token}\r\n` +
                `Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${Buffer.byteLength(TOOLS_CALL)}\r\nConnection: close\r\n\r\n${TOOLS_CALL}`,
            );
          });
          let data = "";
          socket.on("data", (d) => (data += d));
          socket.on("end", () => resolve(data));
          socket.on("error", reject);
        }),
    );
    expect(raw).toMatch(/^HTTP\/1\.1 403/);
    expect(raw).toContain("forbidden_host");
    await expect(legacyCall(shop.mcpUrl, other.token)).rejects.toThrow();
  });

  it("keeps the admin token's reach at the world, and a 404 for an instance that is not there", async () => {
    const res = await post(shop.mcpUrl, { authorization: `Bearer ${farm.token}` });
    expect(res.status).toBe(200);
    const missing = shop.mcpUrl.replace(shop.instanceId, "0".repeat(32));
    const gone = await post(missing, { authorization: `Bearer ${farm.token}` });
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("instance_not_found");
  });

  it("serves the same URL again after its world's runtime is stopped and restarted", async () => {
    const slot = farm.supervisor.slotOf("shop")!;
    const before = worldPid(slot);
    process.kill(before, "SIGKILL");
    let answered: Response | undefined;
    for (let i = 0; i < 120 && !answered?.ok; i++) {
      answered = await post(shop.mcpUrl, { authorization: `Bearer ${shop.token}` }).catch(() => undefined);
      if (!answered?.ok) await new Promise((r) => setTimeout(r, 250));
    }
    expect(answered?.status).toBe(200);
    expect(worldPid(slot)).not.toBe(before);
  }, 90_000);

  it("keeps the URL across a farm restart on the same state folder", async () => {
    await farm.restart();
    // The worlds start with the farm, in the background: the URL answers once this one is up.
    for (let i = 0; i < 120; i++) {
      if ((await post(shop.mcpUrl, { authorization: `Bearer ${shop.token}` }).catch(() => undefined))?.ok) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const { result } = await legacyCall(shop.mcpUrl, shop.token);
    expect(result.isError ?? false).toBe(false);
    const again = await create("shop");
    expect(new URL(again.mcpUrl).port).toBe(new URL(shop.mcpUrl).port);
  }, 180_000);
});
