/**
 * MCP tools/call throughput, side by side and interleaved in one run, with wrk on one connection and on 32:
 * - in-process: environment code in the process that serves the API (`worlds: 0`, the layout before containment);
 * - contained, control route: `/v1/instances/:id/mcp` on the farm's port, one Durable Object hop to the world;
 * - contained, mcpUrl: the URL the farm hands out, the instance's world's own socket (no hop);
 * - contained, mcpUrl, via the SDK: the same call sent as a batch of one, which skips the direct tools/call path;
 * - AWM-style FastAPI + SQLAlchemy (bench/awm_baseline) serving the same tool over the same rows, POST /call.
 * CPU per call is utime+stime of the serving processes (every workerd of that farm; the Python process), over each
 * wrk run, divided by its requests: on a machine others load, the fairer measure.
 *
 *   npx node bench/mcp.bench.ts        # prints JSON, writes bench/MCP-RESULTS.md
 *   BENCH_ROUNDS=3 BENCH_WRK_SECONDS=8 npx node bench/mcp.bench.ts
 */
import type { ChildProcess } from "node:child_process";
import { wrk } from "./wrk.ts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEnv } from "../cli/build/bundle-env.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import type { LocalFarm } from "../cli/farm/local-farm.ts";
import { cpuMsOf } from "../cli/farm/world-process.ts";
import { ROOT } from "../cli/paths.ts";
import { exportTable, startAwm } from "./awm-baseline.ts";
import { loadAverage, machineLines } from "./machine.ts";
import { startLayouts } from "./layouts.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 5);
const CONNECTIONS = [1, 32] as const;

interface Target {
  url: string;
  body: unknown;
  headers: Record<string, string>;
  cpu: () => number;
}
interface Run {
  requests: number;
  seconds: number;
  p50: number[];
  errors: number;
  cpuMs: number;
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} -> ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function startShopAwm(dir: string, farm: Farm, instanceId: string) {
  const { schema } = (await import("../envs/shop/schema.ts")) as { schema: string };
  const tables = Object.fromEntries(
    await Promise.all(
      ["categories", "products"].map(async (t) => [t, await exportTable(farm, instanceId, t)] as const),
    ),
  );
  return startAwm(dir, { schema: String(schema), tables });
}

const loadStart = loadAverage();
const dir = await mkdtemp(join(tmpdir(), "worldfarm-mcp-bench-"));
const shop = await buildEnv(join(ROOT, "envs/shop"));
const [inProcess, contained] = await startLayouts(dir);
let awm: { url: string; proc: ChildProcess } | undefined;
try {
  const farmCpu = (farm: LocalFarm) => () => farm.workerdPids().reduce((a, pid) => a + (cpuMsOf(pid) ?? 0), 0);
  const mcpBody = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_categories", arguments: {} } };
  const mcpHeaders = (token: string) => ({
    authorization: `Bearer ${token}`,
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2025-06-18",
  });
  const targets: Record<string, Target> = {};
  let answer = "";
  for (const [name, farm] of [
    ["in-process", inProcess],
    ["contained", contained],
  ] as const) {
    const client = new Farm(farm.url.toString(), { token: farm.token });
    await client.uploadEnv(shop);
    const i = await client.createInstance("shop");
    const control = new URL(`/v1/instances/${i.instanceId}/mcp`, farm.url).toString();
    if (name === "in-process")
      targets["in-process"] = { url: control, body: mcpBody, headers: mcpHeaders(i.token), cpu: farmCpu(farm) };
    else {
      if (i.mcpUrl === control) throw new Error("the contained farm handed out the control route as mcpUrl");
      targets["contained, control route"] = {
        url: control,
        body: mcpBody,
        headers: mcpHeaders(i.token),
        cpu: farmCpu(farm),
      };
      targets["contained, mcpUrl (world)"] = {
        url: i.mcpUrl,
        body: mcpBody,
        headers: mcpHeaders(i.token),
        cpu: farmCpu(farm),
      };
      // The same call as a batch of one, which the SDK's transport and server answer: what the direct path saves.
      targets["contained, mcpUrl, via the SDK"] = {
        url: i.mcpUrl,
        body: [mcpBody],
        headers: mcpHeaders(i.token),
        cpu: farmCpu(farm),
      };
      awm = await startShopAwm(dir, client, i.instanceId);
      const pid = awm.proc.pid!;
      targets["AWM FastAPI /call"] = {
        url: `${awm.url}/call`,
        body: { tool: "list_categories", args: {} },
        headers: {},
        cpu: () => cpuMsOf(pid) ?? 0,
      };
      answer = ((await post(i.mcpUrl, mcpBody, mcpHeaders(i.token))) as { result: { content: { text: string }[] } })
        .result.content[0]!.text;
    }
  }
  const sdkReply = (await post(
    targets["contained, mcpUrl, via the SDK"]!.url,
    [mcpBody],
    targets["contained, mcpUrl, via the SDK"]!.headers,
  )) as { result: { content: { text: string }[] } };
  if (sdkReply.result.content[0]!.text !== answer) throw new Error("the SDK's answer differs from the direct path's");
  const awmAnswer = JSON.stringify(
    await post(targets["AWM FastAPI /call"]!.url, targets["AWM FastAPI /call"]!.body, {}),
  );
  const sameAnswer = JSON.stringify(JSON.parse(answer)) === awmAnswer;
  for (const t of Object.values(targets)) for (let i = 0; i < 100; i++) await post(t.url, t.body, t.headers); // warm-up

  const runs: Record<string, Run> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const conns of CONNECTIONS) {
      for (const [name, t] of Object.entries(targets)) {
        const before = t.cpu();
        const r = await wrk(t.url, {
          body: t.body,
          headers: t.headers,
          threads: conns === 1 ? 1 : 2,
          connections: conns,
          seconds: SECONDS,
          dir,
        });
        const key = `${name} c${conns}`;
        runs[key] ??= { requests: 0, seconds: 0, p50: [], errors: 0, cpuMs: 0 };
        runs[key].requests += r.requests;
        runs[key].seconds += SECONDS;
        runs[key].p50.push(r.p50);
        runs[key].errors += r.errors;
        runs[key].cpuMs += t.cpu() - before;
        console.error(`round ${round + 1} ${key}: ${(r.requests / SECONDS).toFixed(0)}/s p50 ${r.p50} ms`);
      }
    }
  }
  const rate = (k: string) => runs[k]!.requests / runs[k]!.seconds;
  const cpuPer = (k: string) => runs[k]!.cpuMs / runs[k]!.requests;
  const ms = (n: number) => n.toFixed(2);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const lines = [
    "# MCP tools/call: the farm against the AWM-style server",
    "",
    `- Date: ${new Date().toISOString()}`,
    ...machineLines(loadStart),
    `- Command: \`npx node bench/mcp.bench.ts\` (ROUNDS=${ROUNDS}, wrk ${SECONDS} s per target per connection count per round, targets interleaved; -t1 -c1 and -t2 -c32)`,
    `- Call: MCP tools/call \`list_categories\` on one \`shop\` instance (2025-06-18, stateless, JSON response); the AWM-style server answers POST /call with the same tool over the same rows (same answer: ${sameAnswer})`,
    "- CPU: utime+stime of the serving processes (every workerd of that farm, control and worlds; the Python process), per call; wrk's and Node's own are not counted",
    "",
    "| target | connections | calls/s | vs AWM | p50 ms (median of rounds) | CPU ms/call | errors |",
    "|---|---|---|---|---|---|---|",
    ...CONNECTIONS.flatMap((c) =>
      Object.keys(targets).map((name) => {
        const k = `${name} c${c}`;
        return `| ${name} | ${c} | ${rate(k).toFixed(0)} | ${(rate(k) / rate(`AWM FastAPI /call c${c}`)).toFixed(2)}x | ${ms(median(runs[k]!.p50))} | ${ms(cpuPer(k))} | ${runs[k]!.errors} |`;
      }),
    ),
    "",
    "Containment's cost per call (workerd CPU, against in-process):",
    "",
    ...CONNECTIONS.flatMap((c) =>
      ["contained, control route", "contained, mcpUrl (world)"].map(
        (name) =>
          `- ${name}, ${c} connection${c > 1 ? "s" : ""}: ${((cpuPer(`${name} c${c}`) / cpuPer(`in-process c${c}`) - 1) * 100).toFixed(1)} % CPU, ${((rate(`in-process c${c}`) / rate(`${name} c${c}`) - 1) * 100).toFixed(1)} % time per call (1 / throughput)`,
      ),
    ),
  ];
  console.log(JSON.stringify(runs, null, 2));
  await writeFile(join(ROOT, "bench/MCP-RESULTS.md"), `${lines.join("\n")}\n`);
  console.log(lines.join("\n"));
} finally {
  awm?.proc.kill();
  await Promise.all([inProcess.dispose(), contained.dispose()]);
  await rm(dir, { recursive: true, force: true });
}
