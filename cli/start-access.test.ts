/**
 * `worldfarm start` as a user runs it (a child process): it honours FARM_ADMIN_TOKEN, uploads the examples with
 * it, and answers nothing without it; bound to 0.0.0.0 with no token set it generates one, never serving open;
 * the CLI finds a local farm's token by itself. Requests go to loopback addresses only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { request as httpRequest } from "node:http";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./farm/free-port.ts";
import { ROOT } from "./paths.ts";
import { runToExit, type Run } from "./testing/run.ts";

interface Started {
  child: ChildProcess;
  port: number;
  state: string;
  out: () => string;
  exited: Promise<number | null>;
}

const TOKEN = "start-test-admin-token";
const running: Started[] = [];

/** The environment a user's shell would give the child, without any admin token of the test runner's own. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { FARM_ADMIN_TOKEN: _, WORLDFARM_URL: __, ...rest } = process.env;
  return { ...rest, NODE_NO_WARNINGS: "1", ...extra };
}

async function start(args: string[], env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const state = await mkdtemp(join(tmpdir(), "worldfarm-start-access-"));
  const child = spawn(process.execPath, [join(ROOT, "bin/worldfarm.js"), "start", "--port", String(port), ...args], {
    cwd: ROOT,
    env: userEnv({ WORLDFARM_STATE: state, ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const started: Started = { child, port, state, out: () => out, exited: new Promise((r) => child.once("exit", r)) };
  running.push(started);
  for (const end = Date.now() + 120_000; !out.includes("worldfarm is running at"); ) {
    if (child.exitCode !== null || Date.now() > end) throw new Error(`the farm did not start; output:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return started;
}

/** A raw HTTP request, so Host and any other header are exactly what the test says. */
function raw(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
  body?: string,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method,
        headers: { ...(body ? { "content-type": "application/json" } : {}), ...headers },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.once("error", reject);
    req.end(body);
  });
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return runToExit(process.execPath, [join(ROOT, "bin/worldfarm.js"), ...args], { cwd: ROOT, env: userEnv(env) });
}

let withToken: Started;
let wide: Started;

beforeAll(async () => {
  [withToken, wide] = await Promise.all([start([], { FARM_ADMIN_TOKEN: TOKEN }), start(["--host", "0.0.0.0"], {})]);
}, 240_000);

afterAll(async () => {
  for (const s of running) {
    s.child.kill("SIGINT");
    await s.exited;
    await rm(s.state, { recursive: true, force: true });
  }
});

describe("worldfarm start with FARM_ADMIN_TOKEN", { timeout: 60_000 }, () => {
  it("uploads the examples with it, prints it with the dashboard URL, and refuses every other caller", async () => {
    const { port } = withToken;
    expect(withToken.out()).toContain(`Dashboard: http://127.0.0.1:${port}/#token=${TOKEN}`);
    expect(withToken.out()).toContain("from FARM_ADMIN_TOKEN");
    const auth = { authorization: `Bearer ${TOKEN}` };
    const envs = await raw(port, "/v1/envs", auth);
    expect(envs.status).toBe(200);
    expect(envs.body.envs.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(["shop", "tracker"]));
    for (const headers of [
      {} as Record<string, string>,
      { authorization: "Bearer wrong" },
      { "cf-connecting-ip": "127.0.0.1" },
      { "cf-connecting-ip": "127.0.0.1", authorization: "Bearer wrong" },
    ]) {
      const res = await raw(port, "/v1/envs", headers);
      expect([res.status, res.body.error.code], JSON.stringify(headers)).toEqual([401, "unauthorized"]);
    }
    // An instance's tools need its token: no header is no longer enough on a local farm.
    const created = await raw(port, "/v1/envs/shop/instances", auth, "POST", "{}");
    expect(created.status).toBe(201);
    const call = (headers: Record<string, string>) =>
      raw(
        port,
        `/v1/instances/${created.body.instanceId}/call`,
        headers,
        "POST",
        '{"tool":"list_categories","args":{}}',
      );
    expect((await call({})).status).toBe(401);
    expect((await call({ authorization: `Bearer ${created.body.token}` })).status).toBe(200);
  });

  it("refuses a foreign Host and another origin; hands out URLs on the loopback name it was reached by", async () => {
    const { port } = withToken;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const rebound = await raw(port, "/v1/envs", { ...auth, host: `evil.example:${port}` });
    expect([rebound.status, rebound.body.error.code]).toEqual([403, "forbidden_host"]);
    const crossSite = await raw(
      port,
      "/v1/envs/shop/instances",
      { ...auth, origin: "http://evil.example" },
      "POST",
      "{}",
    );
    expect([crossSite.status, crossSite.body.error.code]).toEqual([403, "forbidden_origin"]);
    const textPlain = await raw(
      port,
      "/v1/envs/shop/instances",
      { ...auth, "content-type": "text/plain" },
      "POST",
      "{}",
    );
    expect(textPlain.status).toBe(415);
    const created = await raw(port, "/v1/envs/shop/instances", { ...auth, host: `localhost:${port}` }, "POST", "{}");
    // On the name it was reached by; the port is the instance's world's, where its MCP is served.
    expect(created.body.mcpUrl).toMatch(
      new RegExp(`^http://localhost:\\d+/v1/instances/${created.body.instanceId}/mcp$`),
    );
  });

  it("its CLI commands send it", async () => {
    const url = `http://127.0.0.1:${withToken.port}`;
    expect((await cli(["envs", "list", "--json", "--url", url], {})).code).toBe(1);
    const listed = await cli(["envs", "list", "--json", "--url", url], { FARM_ADMIN_TOKEN: TOKEN });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).map((e: { name: string }) => e.name)).toEqual(
      expect.arrayContaining(["shop", "tracker"]),
    );
  });
});

describe("worldfarm start --host 0.0.0.0 without a token", { timeout: 60_000 }, () => {
  it("generates one, keeps it in the state folder, and serves nothing without it", async () => {
    const token = (await readFile(join(wide.state, "admin-token"), "utf8")).trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(wide.out()).toContain(`Admin token: ${token}`);
    expect(wide.out()).toContain("every machine that reaches 0.0.0.0");
    for (const headers of [{} as Record<string, string>, { "cf-connecting-ip": "127.0.0.1" }])
      expect((await raw(wide.port, "/v1/envs", headers)).status).toBe(401);
    expect((await raw(wide.port, "/v1/envs", { authorization: `Bearer ${token}` })).status).toBe(200);
    expect(
      (await raw(wide.port, "/v1/envs", { authorization: `Bearer ${token}`, host: `evil.example:${wide.port}` }))
        .status,
    ).toBe(403);
  });

  it("the CLI finds that token for the local farm by itself", async () => {
    const listed = await cli(["envs", "list", "--json", "--url", `http://127.0.0.1:${wide.port}`], {
      WORLDFARM_STATE: wide.state,
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).map((e: { name: string }) => e.name)).toEqual(
      expect.arrayContaining(["shop", "tracker"]),
    );
  });
});
