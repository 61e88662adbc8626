import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEnv, type BuiltBundle } from "../build/bundle-env.ts";
import { Farm } from "../../trainer-bridge/ts/index.ts";
import type { BatchStatus } from "../../workers/shared/batch.ts";
import type { RolloutView } from "../../workers/shared/rollout.ts";
import { freePort } from "./free-port.ts";
import { startLocalFarm, type LocalFarm } from "./local-farm.ts";

/**
 * The local farm runs hostile environment code in world processes of its own: each attack below escapes the loop
 * guards (native code, SQLite, allocation), ends with an error naming the limit, and leaves every other
 * environment answering. A shop instance is called without pause throughout; its world must never restart.
 */

const HOSTILE = join(import.meta.dirname, "../../test/fixtures/envs/hostile");
let farm: LocalFarm;
let client: Farm;
let dir: string;
let hostile: BuiltBundle;
const control = { calls: 0, failures: [] as string[], latencies: [] as number[], stop: false, done: Promise.resolve() };
const results: { attack: string; outcome: string; ms: number }[] = [];
const record = (r: { attack: string; outcome: string; ms: number }) => {
  results.push(r);
  console.log(`containment: ${r.attack} -> ${r.outcome} in ${Math.round(r.ms)} ms`);
};

interface Created {
  instanceId: string;
  token: string;
}

const create = (env: string) => client.createInstance(env);

/** A request whose failure is data: the attack's answer, whatever its status. */
async function attempt(
  method: string,
  path: string,
  body?: unknown,
  bearer?: string,
): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const res = await client.send(method, path, { body, ...(bearer ? { bearer } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, ms: performance.now() - started };
}

/** Calls the shop instance back to back until told to stop, recording every answer. */
async function keepCallingShop(): Promise<void> {
  const shop = await create("shop");
  while (!control.stop) {
    const started = performance.now();
    try {
      const res = await client.send("POST", `/v1/instances/${shop.instanceId}/call`, {
        body: { tool: "list_categories", args: {} },
        bearer: shop.token,
      });
      const body = (await res.json()) as { ok?: boolean };
      if (!res.ok || body.ok !== true) control.failures.push(`${res.status} ${JSON.stringify(body).slice(0, 200)}`);
    } catch (err) {
      control.failures.push(String(err));
    }
    control.latencies.push(performance.now() - started);
    control.calls += 1;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** After an attack the hostile environment works again: a fresh instance answers, and so does an old one. */
async function hostileStillWorks(old: Created): Promise<void> {
  const fresh = await create("hostile");
  for (const i of [fresh, old]) {
    const ping = await client.callTool(i.instanceId, "ping", {}, i.token);
    expect(ping.ok).toBe(true);
  }
}

/** A request as a web page or another local program would send it straight to a socket: any Host, any Origin. */
function raw(
  url: URL,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, method: body === undefined ? "GET" : "POST", headers },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += String(d)));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            code: (JSON.parse(text || "{}") as { error?: { code?: string } }).error?.code,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "worldfarm-containment-"));
  farm = await startLocalFarm({ port: await freePort(), persistDir: dir, stuckCpuMs: 3_000, heapMb: 256 });
  client = new Farm(farm.url.toString(), { token: farm.token });
  hostile = await buildEnv(HOSTILE);
  await client.uploadEnv(await buildEnv(join(import.meta.dirname, "../../envs/shop")));
  await client.uploadEnv(hostile);
  await client.uploadEnv(await buildEnv(join(HOSTILE, "hostile-seed")));
  control.done = keepCallingShop();
  while (control.calls === 0) await new Promise((r) => setTimeout(r, 50));
}, 180_000);

afterAll(async () => {
  control.stop = true;
  await control.done;
  const sorted = [...control.latencies].sort((a, b) => a - b);
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]?.toFixed(1);
  console.log(
    `containment: shop answered ${control.calls} calls during the attacks, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms`,
  );
  console.table(results.map((r) => ({ ...r, ms: Math.round(r.ms) })));
  await farm?.dispose();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("containment", () => {
  let victim: Created;
  beforeAll(async () => {
    victim = await create("hostile");
  });

  const toolAttacks: [string, string, Record<string, unknown>, string | RegExp][] = [
    ["catastrophic regex /(a+)+$/", "regex_catastrophe", {}, "ok"],
    ["backreference regex (native spin)", "regex_backreference", {}, "runaway"],
    ["infinite recursive SQL CTE", "sql_endless", {}, "runaway"],
    ["long but finite SQL query", "sql_long", {}, "runaway"],
    // Filling a billion-slot dictionary array spins natively long before it allocates enough to run out.
    ["new Array(1e9).fill(0)", "array_1e9", {}, /^(runaway|memory)$/],
    ["arrays grown until the heap runs out", "heap_exhaust", {}, "memory"],
    ["a huge string", "huge_string", {}, /^(runaway|memory|tool_error)$/],
    ["a structure nested 1e6 deep", "deep_json", {}, /^(tool_error|memory|runaway)$/],
  ];

  for (const [attack, tool, args, expected] of toolAttacks) {
    it(`${attack}: ends with a clear error, the farm and the environment keep working`, async () => {
      const i = await create("hostile");
      const r = await attempt("POST", `/v1/instances/${i.instanceId}/call`, { tool, args }, i.token);
      // A world stopped under a call answers 422 {error:{code}}; a tool that failed inside a live world, 200 ToolOutcome.
      const outcome = r.status === 422 ? r.body.error.code : r.body.ok ? "ok" : r.body.kind;
      record({
        attack,
        outcome: `${r.status} ${outcome}: ${(r.body.error?.message ?? r.body.message ?? "").slice(0, 90)}`,
        ms: r.ms,
      });
      expect(outcome).toMatch(expected instanceof RegExp ? expected : new RegExp(`^${expected}$`));
      if (r.status === 422) expect(r.body.error.message).toMatch(/limit|memory/);
      await hostileStillWorks(victim);
    }, 120_000);
  }

  it("over MCP, a call that brings its world down is a tool result with isError, naming the limit", async () => {
    const i = await create("hostile");
    const started = performance.now();
    const res = await fetch(new URL(`/v1/instances/${i.instanceId}/mcp`, farm.url), {
      method: "POST",
      headers: {
        authorization: `Bearer ${i.token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-06-18",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "sql_endless", arguments: {} },
      }),
    });
    const reply = (await res.json()) as { id: number; result: { isError: boolean; content: { text: string }[] } };
    record({
      attack: "infinite SQL over MCP",
      outcome: `isError: ${reply.result.content[0]!.text.slice(0, 90)}`,
      ms: performance.now() - started,
    });
    expect(reply.id).toBe(7);
    expect(reply.result.isError).toBe(true);
    expect(reply.result.content[0]!.text).toMatch(/limit/);
    await hostileStillWorks(victim);
  }, 120_000);

  it("a verifier that spins: verify answers 422 runaway", async () => {
    const i = await create("hostile");
    const r = await attempt("POST", `/v1/instances/${i.instanceId}/verify`, { taskId: "spin-verify" });
    record({ attack: "a verifier that spins", outcome: `${r.status} ${r.body.error?.code}`, ms: r.ms });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("runaway");
    await hostileStillWorks(victim);
  }, 120_000);

  it("a batch whose verifiers spin after a read: each rollout ends runaway, its verifier stopped its runtime once", async () => {
    // Its rollouts may run in either of the environment's rollout shards: every world's stops are counted.
    const restarts = () => Object.values(farm.supervisor.restarts()).reduce((sum, n) => sum + n, 0);
    const before = restarts();
    const started = performance.now();
    const { batchId } = await client.createBatch({
      tasks: [{ env: "hostile", taskId: "spin-after-read" }],
      groupSize: 2,
      concurrency: 2,
      policy: { kind: "oracle" },
      maxTurns: 3,
    });
    for (;;) {
      const status = await client.request<BatchStatus>("GET", `/v1/batches/${batchId}`);
      if (status.state !== "running") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const views = await Promise.all(
      [0, 1].map((k) => client.request<RolloutView>("GET", `/v1/rollouts/${batchId}.g0.${k}`)),
    );
    record({
      attack: "a rollout's verifier that spins after a read (batch of 2)",
      outcome: views.map((v) => v.result!.error!.split(":")[0]).join(", "),
      ms: performance.now() - started,
    });
    // Each verifier was the code running when its runtime was stopped, and is not run again: one stop each.
    for (const v of views) {
      expect(v.result).toMatchObject({ status: "failed", stopReason: "env_error", lossWeight: 0 });
      expect(v.result!.error).toMatch(/^runaway: the verifier stopped its runtime: .*; the call is not run again$/);
    }
    expect(restarts()).toBe(before + 2);
    await hostileStillWorks(victim);
  }, 180_000);

  it("seed data that spins: creating an instance answers 422 runaway", async () => {
    const r = await attempt("POST", "/v1/envs/hostile-seed/instances", {});
    record({ attack: "seed data that spins", outcome: `${r.status} ${r.body.error?.code}`, ms: r.ms });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("runaway");
  }, 120_000);

  it("a module whose top-level code spins: the upload answers 422 runaway", async () => {
    // Prepended to a real bundle, so the spin runs when the farm loads the module to check it. (The CLI's build
    // evaluates an environment in Node to describe it, so such a module cannot come from buildEnv.)
    const module = `/^(a+)+\\1$/.test("${"a".repeat(34)}!");\n${hostile.module}`;
    const bundleId = createHash("sha256").update(module).digest("hex");
    const r = await attempt("PUT", "/v1/envs/hostile-import", {
      manifest: { ...hostile.manifest, name: "hostile-import", bundleId },
      module,
    });
    record({ attack: "module top-level spin (upload)", outcome: `${r.status} ${r.body.error?.code}`, ms: r.ms });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("runaway");
    expect(
      (await client.request<{ envs: { name: string }[] }>("GET", "/v1/envs")).envs.map((e) => e.name),
    ).not.toContain("hostile-import");
  }, 120_000);

  it("a world's own socket refuses callers without the farm's token, pages of other sites and other host names", async () => {
    const world = (await farm.supervisor.worldUrl(farm.supervisor.slotOf("shop")!))!;
    const shop = await create("shop");
    const host = { host: world.host };
    expect(await raw(world, "/v1/envs", host)).toEqual({ status: 401, code: "unauthorized" });
    expect(await raw(world, "/v1/envs", { ...host, authorization: "Bearer not-the-farm-token" })).toEqual({
      status: 401,
      code: "unauthorized",
    });
    expect(
      await raw(world, `/v1/instances/${shop.instanceId}/state`, { ...host, authorization: `Bearer ${shop.token}` }),
    ).toEqual({ status: 401, code: "unauthorized" });
    // A simple cross-origin POST a page can send without a preflight, even one that somehow holds a token.
    const call = JSON.stringify({ tool: "list_categories", args: {} });
    expect(
      await raw(
        world,
        `/v1/instances/${shop.instanceId}/call`,
        { ...host, origin: "http://evil.example", "content-type": "text/plain", authorization: `Bearer ${shop.token}` },
        call,
      ),
    ).toMatchObject({ status: 403, code: "forbidden_origin" });
    // DNS rebinding: a page's own name pointed at the loopback address.
    expect(
      await raw(world, "/v1/envs", { host: `evil.example:${world.port}`, authorization: `Bearer ${farm.token}` }),
    ).toMatchObject({ status: 403, code: "forbidden_host" });
    // The farm's own token opens it, as it opens control.
    expect(
      await raw(
        world,
        `/v1/instances/${shop.instanceId}/call`,
        { ...host, "content-type": "application/json", authorization: `Bearer ${shop.token}` },
        call,
      ),
    ).toMatchObject({ status: 200 });
  }, 60_000);

  it("the shop answered every call throughout, and its world was never restarted", () => {
    expect(control.failures).toEqual([]);
    expect(control.calls).toBeGreaterThan(10);
    const shopSlot = farm.supervisor.slotOf("shop")!;
    expect(shopSlot).not.toBe(farm.supervisor.slotOf("hostile"));
    expect(farm.supervisor.restarts()[shopSlot]).toBe(0);
    expect(farm.supervisor.restarts()[farm.supervisor.slotOf("hostile")!]).toBeGreaterThan(0);
  });
});
