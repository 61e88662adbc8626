/**
 * Env-host benchmark: a throwaway local farm (workerd via Miniflare) against the Agent World Model way of serving
 * an environment (FastAPI + SQLAlchemy, bench/awm_baseline/server.py). Loopback only; cleans up after itself.
 *
 *   node bench/env-host.bench.ts            # prints JSON, writes bench/RESULTS.md
 *   BENCH_WRK_SECONDS=10 BENCH_MAX_INSTANCES=1024 node bench/env-host.bench.ts
 */
import type { ChildProcess } from "node:child_process";
import { wrk, type WrkResult } from "./wrk.ts";
import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { buildEnv } from "../cli/build/bundle-env.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import { startLocalFarm } from "../cli/farm/local-farm.ts";
import { ROOT } from "../cli/paths.ts";
import { exportTable, PYTHON, startAwm, type TableSeed } from "./awm-baseline.ts";

const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 10);
const MEMORY_LEVELS = [64, 256, 1024].filter((n) => n <= Number(process.env.BENCH_MAX_INSTANCES ?? 1024));
const CREATES = 200;
const RESETS = 100;
const CALLS = 1000;

interface Instance {
  instanceId: string;
  token: string;
}
interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

// ---------- small helpers ----------

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { n: s.length, p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} -> ${res.status} ${text.slice(0, 300)}`);
  return parseMaybeSse(text);
}

/** MCP Streamable HTTP may answer as an SSE stream even for one message; take its data line. */
function parseMaybeSse(text: string): unknown {
  if (!text) return undefined;
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) return JSON.parse(trimmed);
  const data = text
    .split("\n")
    .filter((l) => l.startsWith("data:"))
    .map((l) => l.slice(5))
    .join("");
  return JSON.parse(data);
}

// ---------- processes and memory ----------

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {}
  }
  return out;
}

/** workerd is spawned by Miniflare under this node process; walk the tree rather than pgrep, so other farms don't count. */
function workerdPids(root = process.pid): number[] {
  const found: number[] = [];
  for (const child of childrenOf(root)) {
    const comm = readFileSync(`/proc/${child}/comm`, "utf8").trim();
    if (comm.includes("workerd")) found.push(child);
    found.push(...workerdPids(child));
  }
  return found;
}

function rssMiB(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
    kb += m ? Number(m[1]) : 0;
  }
  return kb / 1024;
}

// ---------- wrk ----------

function wrkPost(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  threads: number,
  connections: number,
  dir: string,
): Promise<WrkResult> {
  return wrk(url, { body, headers, threads, connections, seconds: WRK_SECONDS, dir });
}

// ---------- the env under test ----------

/** The shop env if it builds, otherwise the lab fixture; each with a read-only tool so repeated calls keep state flat. */
async function pickEnv() {
  try {
    const bundle = await buildEnv(join(ROOT, "envs/shop"));
    const { schema } = (await import("../envs/shop/schema.ts")) as { schema: string };
    return { bundle, tool: "list_categories", args: {}, tables: ["categories", "products"], schema: String(schema) };
  } catch (err) {
    console.error(`shop did not build (${(err as Error).message}); falling back to the lab fixture`);
    const bundle = await buildEnv(join(ROOT, "test/fixtures/envs/lab"));
    return { bundle, tool: "list_notes", args: {}, tables: ["notes"], schema: "" };
  }
}

// ---------- the AWM baseline ----------

// ---------- main ----------

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "worldfarm-bench-"));
  const env = await pickEnv();
  const port = await freePort();
  const local = await startLocalFarm({ port, persistDir: join(dir, "farm") });
  const base = local.url.toString().replace(/\/$/, "");
  const farm = new Farm(base, { token: local.token });
  let awm: { url: string; proc: ChildProcess } | undefined;
  try {
    await farm.uploadEnv(env.bundle);
    const name = env.bundle.manifest.name;
    const create = () => farm.createInstance(name);
    const rssIdle = rssMiB(workerdPids());
    const results: Record<string, unknown> = {
      loadavgStart: loadavg(),
      env: name,
      tool: env.tool,
      wrkSeconds: WRK_SECONDS,
      workerdRssIdleMiB: rssIdle,
    };

    // 1. creates (the first one warms the bundle's isolate; it is counted separately)
    const tFirst = performance.now();
    const instances: Instance[] = [await create()];
    results.firstCreateMs = performance.now() - tFirst;
    results.create = stats(await timeEach(CREATES, async () => instances.push(await create())));

    // 2. resets, on one instance
    const target = instances[0]!;
    results.reset = stats(
      await timeEach(RESETS, () => farm.request("POST", `/v1/instances/${target.instanceId}/reset`, { body: {} })),
    );

    // 2b. the same with wrk on one kept-alive connection: Node's fetch adds ~2-3 ms of its own to every request.
    //     (Each create here makes an instance, a few hundred of them; the memory run below counts only its own.)
    const admin = { authorization: `Bearer ${local.token}` };
    results.wrkCreate = await wrkPost(`${base}/v1/envs/${name}/instances`, {}, admin, 1, 1, dir);
    results.wrkReset = await wrkPost(`${base}/v1/instances/${target.instanceId}/reset`, {}, admin, 1, 1, dir);

    // 3. tool calls, sequential from Node
    const auth = { authorization: `Bearer ${target.token}` };
    const callUrl = `${base}/v1/instances/${target.instanceId}/call`;
    const callBody = { tool: env.tool, args: env.args };
    const mcpUrl = `${base}/v1/instances/${target.instanceId}/mcp`;
    const mcpHeaders = { ...auth, accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" };
    const mcpBody = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: env.tool, arguments: env.args } };
    const probe = (await post(mcpUrl, mcpBody, mcpHeaders)) as { result?: { isError?: boolean }; error?: unknown };
    if (!probe.result || probe.result.isError)
      throw new Error(`MCP tools/call failed: ${JSON.stringify(probe).slice(0, 300)}`);
    await timeEach(100, () => post(callUrl, callBody, auth)); // warm-up
    results.healthz = stats(await timeEach(CALLS, async () => (await fetch(`${base}/healthz`)).text()));
    results.call = stats(await timeEach(CALLS, () => post(callUrl, callBody, auth)));
    results.mcp = stats(await timeEach(CALLS, () => post(mcpUrl, mcpBody, mcpHeaders)));

    // 5. the AWM baseline over the same rows (before the memory run, so both serve from a farm of ~200 instances)
    const tables: Record<string, TableSeed> = {};
    for (const t of env.tables) tables[t] = await exportTable(farm, target.instanceId, t);
    awm = await startAwm(dir, { schema: env.schema, tables });
    const awmCall = `${awm.url}/call`;
    const awmCheck = (await post(awmCall, callBody)) as Record<string, unknown>;
    const farmCheck = (await post(callUrl, callBody)) as Record<string, unknown>;
    results.sameAnswer =
      JSON.stringify(awmCheck) === JSON.stringify((farmCheck as { result?: unknown }).result ?? farmCheck);
    await timeEach(100, () => post(awmCall, callBody));
    results.awmSeq = stats(await timeEach(CALLS, () => post(awmCall, callBody)));

    // 3b. throughput with wrk; farm and baseline alternate so neither gets a warmer machine
    const wrkRuns: Record<string, WrkResult> = {};
    for (const [t, c] of [
      [1, 1],
      [2, 64],
    ] as const) {
      wrkRuns[`call t${t}c${c}`] = await wrkPost(callUrl, callBody, auth, t, c, dir);
      wrkRuns[`mcp t${t}c${c}`] = await wrkPost(mcpUrl, mcpBody, mcpHeaders, t, c, dir);
      wrkRuns[`awm t${t}c${c}`] = await wrkPost(awmCall, callBody, {}, t, c, dir);
    }
    results.wrk = wrkRuns;
    results.awmRssMiB = rssMiB([awm.proc.pid!]);
    awm.proc.kill();
    awm = undefined;

    // 4. memory: creating loads every instance, so create them all, restart workerd on the same storage, and then
    //    load exactly N by calling each once.
    const top = MEMORY_LEVELS.at(-1) ?? 0;
    try {
      while (instances.length < top) instances.push(await create());
    } catch (err) {
      // A failed create is reported, and memory is measured at the levels reached.
      results.createFailure = `create #${instances.length + 1} failed: ${(err as Error).message}`;
      console.error(results.createFailure);
    }
    await local.restart();
    await fetch(`${base}/healthz`);
    results.workerdRssAfterRestartMiB = rssMiB(workerdPids());
    const memory: Record<number, number> = {};
    let loaded = 0;
    for (const level of MEMORY_LEVELS.filter((n) => n <= instances.length)) {
      for (; loaded < level; loaded += 16) {
        await Promise.all(
          instances
            .slice(loaded, Math.min(level, loaded + 16))
            .map((inst) =>
              post(`${base}/v1/instances/${inst.instanceId}/call`, callBody, { authorization: `Bearer ${inst.token}` }),
            ),
        );
      }
      loaded = level;
      await sleep(500);
      memory[level] = rssMiB(workerdPids());
      console.error(`memory: ${level} live instances -> ${memory[level]!.toFixed(0)} MiB`);
    }
    results.memoryMiB = memory;
    results.workerdPids = workerdPids().length;

    results.loadavgEnd = loadavg();
    console.log(JSON.stringify(results, null, 2));
    await writeFile(join(ROOT, "bench/RESULTS.md"), renderReport(results as unknown as Report));
  } finally {
    awm?.proc.kill();
    await local.dispose().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------- report ----------

interface Report {
  env: string;
  tool: string;
  wrkSeconds: number;
  workerdRssIdleMiB: number;
  firstCreateMs: number;
  sameAnswer: boolean;
  create: Stats;
  reset: Stats;
  healthz: Stats;
  call: Stats;
  mcp: Stats;
  awmSeq: Stats;
  awmRssMiB: number;
  workerdRssAfterRestartMiB: number;
  wrk: Record<string, WrkResult>;
  wrkCreate: WrkResult;
  wrkReset: WrkResult;
  memoryMiB: Record<string, number>;
  createFailure?: string;
  loadavgStart: number[];
  loadavgEnd: number[];
}

const ms = (n: number) => n.toFixed(2);
const met = (ok: boolean) => (ok ? "met" : "not met");

function renderReport(r: Report): string {
  const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown";
  const w = r.wrk;
  const best = (prefix: string) =>
    Math.max(
      ...Object.entries(w)
        .filter(([k]) => k.startsWith(prefix))
        .map(([, v]) => v.rps),
    );
  const mcpRatio = w["mcp t2c64"]!.rps / w["awm t2c64"]!.rps;
  const callRatio = w["call t2c64"]!.rps / w["awm t2c64"]!.rps;
  const levels = Object.keys(r.memoryMiB).map(Number);
  const perInstance =
    levels.length > 1 ? (r.memoryMiB[levels.at(-1)!]! - r.memoryMiB[levels[0]!]!) / (levels.at(-1)! - levels[0]!) : NaN;
  return [
    "# worldfarm env-host benchmark",
    "",
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus().length} cores (nproc), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, CPU "${cpu}"`,
    `- Load average at start / end: ${r.loadavgStart.map((x) => x.toFixed(2)).join(" ")} / ${r.loadavgEnd.map((x) => x.toFixed(2)).join(" ")}`,
    `- Command: \`node bench/env-host.bench.ts\` (Node ${process.version}; wrk ${WRK_SECONDS} s runs; FastAPI baseline on ${PYTHON})`,
    `- Env: \`${r.env}\`, read-only tool \`${r.tool}\`; baseline answer identical to the farm's: ${r.sameAnswer}`,
    "- Farm: local workerd via Miniflare (`startLocalFarm`), one workerd process; wrk, Node and workerd share the same cores.",
    "",
    "## Latency (sequential, from Node fetch, ms)",
    "",
    "| what | n | p50 | p99 | mean |",
    "|---|---|---|---|---|",
    ...(
      [
        ["create instance", r.create],
        ["reset", r.reset],
        ["GET /healthz", r.healthz],
        ["POST /call (farm)", r.call],
        ["MCP tools/call (farm)", r.mcp],
        ["POST /call (FastAPI+SQLAlchemy)", r.awmSeq],
      ] as const
    ).map(([k, s]) => `| ${k} | ${s.n} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.mean)} |`),
    "",
    `First create (cold bundle isolate): ${ms(r.firstCreateMs)} ms.`,
    "",
    "## Latency (wrk -t1 -c1, one kept-alive connection, ms)",
    "",
    "| what | requests | p50 | p99 | errors |",
    "|---|---|---|---|---|",
    ...(
      [
        ["create instance", r.wrkCreate],
        ["reset", r.wrkReset],
        ["POST /call (farm)", r.wrk["call t1c1"]!],
        ["MCP tools/call (farm)", r.wrk["mcp t1c1"]!],
        ["POST /call (FastAPI+SQLAlchemy)", r.wrk["awm t1c1"]!],
      ] as const
    ).map(([k, v]) => `| ${k} | ${v.requests} | ${ms(v.p50)} | ${ms(v.p99)} | ${v.errors} |`),
    "",
    `Durable Object RPC + tool run, estimated as /call p50 - /healthz p50: ${ms(r.call.p50 - r.healthz.p50)} ms.`,
    "",
    "## Throughput (wrk, POST with a Lua body script)",
    "",
    "| target | wrk | calls/s | p50 ms | p99 ms | requests | errors |",
    "|---|---|---|---|---|---|---|",
    ...Object.entries(w).map(([k, v]) => {
      const [target, cfg] = k.split(" ");
      const label = { call: "farm /call", mcp: "farm MCP", awm: "FastAPI+SQLAlchemy /call" }[
        target as "call" | "mcp" | "awm"
      ];
      return `| ${label} | ${cfg!.replace("t", "-t").replace("c", " -c")} | ${v.rps.toFixed(0)} | ${ms(v.p50)} | ${ms(v.p99)} | ${v.requests} | ${v.errors} |`;
    }),
    "",
    "## Memory (RSS of the workerd process after a restart, then N instances each called once so they are loaded)",
    "",
    "| live instances | workerd RSS MiB |",
    "|---|---|",
    `| 0 (workerd restarted on the same storage, only /healthz served) | ${r.workerdRssAfterRestartMiB.toFixed(0)} |`,
    ...levels.map((n) => `| ${n} | ${r.memoryMiB[n]!.toFixed(0)} |`),
    "",
    ...(r.createFailure ? [`**Create failure during the memory run:** ${r.createFailure}`, ""] : []),
    `Marginal cost per live instance: ${perInstance.toFixed(2)} MiB. FastAPI+SQLAlchemy process (one world): ${r.awmRssMiB.toFixed(0)} MiB.`,
    "",
    "## Aims",
    "",
    "| aim | measured | status |",
    "|---|---|---|",
    `| create < 20 ms (p50) | ${ms(r.wrkCreate.p50)} ms wrk (p99 ${ms(r.wrkCreate.p99)}); ${ms(r.create.p50)} ms Node seq. | ${met(r.wrkCreate.p50 < 20)} |`,
    `| reset < 5 ms (p50) | ${ms(r.wrkReset.p50)} ms wrk; ${ms(r.reset.p50)} ms Node seq. | ${met(r.wrkReset.p50 < 5)} |`,
    `| MCP tool call p50 < 2 ms locally | ${ms(w["mcp t1c1"]!.p50)} ms wrk -t1 -c1; ${ms(r.mcp.p50)} ms Node seq. | ${met(w["mcp t1c1"]!.p50 < 2)} |`,
    `| >= 2x FastAPI+SQLAlchemy calls/s (-t2 -c64) | MCP ${mcpRatio.toFixed(2)}x, /call ${callRatio.toFixed(2)}x (best farm ${best("call").toFixed(0)} /call, ${best("mcp").toFixed(0)} MCP vs ${best("awm").toFixed(0)}) | ${met(mcpRatio >= 2)} |`,
    "",
  ].join("\n");
}

await main();
