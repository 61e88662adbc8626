/**
 * What containment costs per tool call: MCP tools/call against one shop instance, sequentially from Node (one
 * kept-alive connection per farm), on three layouts run side by side and interleaved round by round:
 * - in-process: environment code in the process that serves the API (`worlds: 0`, the layout before containment);
 * - contained: the API in the control process, the instance in its world process, one Durable Object hop apart;
 * - at the world: the same contained farm, the request sent to the world's own Miniflare entry (what serving an
 *   instance's MCP traffic where its world lives would cost; not how clients reach it today).
 *
 *   npx node bench/containment.bench.ts          # prints JSON, writes bench/CONTAINMENT-RESULTS.md
 *   BENCH_ROUNDS=8 BENCH_CALLS=500 npx node bench/containment.bench.ts
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEnv } from "../cli/build/bundle-env.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import { cpuMsOf } from "../cli/farm/world-process.ts";
import { ROOT } from "../cli/paths.ts";
import { loadAverage, machineLines } from "./machine.ts";
import { startLayouts } from "./layouts.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CALLS = Number(process.env.BENCH_CALLS ?? 400);

interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}
function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { n: s.length, p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const loadStart = loadAverage();
const dir = await mkdtemp(join(tmpdir(), "worldfarm-containment-bench-"));
const shop = await buildEnv(join(ROOT, "envs/shop"));
const [inProcess, contained] = await startLayouts(dir);
try {
  const targets: Record<string, { url: string; token: string }> = {};
  for (const [name, farm] of [
    ["in-process", inProcess],
    ["contained", contained],
  ] as const) {
    const client = new Farm(farm.url.toString(), { token: farm.token });
    await client.uploadEnv(shop);
    const i = await client.createInstance("shop");
    targets[name] = { url: new URL(`/v1/instances/${i.instanceId}/mcp`, farm.url).toString(), token: i.token };
    if (name === "contained") {
      const world = await contained.supervisor.worldUrl(contained.supervisor.slotOf("shop")!);
      targets["at the world"] = { url: new URL(`/v1/instances/${i.instanceId}/mcp`, world).toString(), token: i.token };
    }
  }
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "list_categories", arguments: {} },
  });
  const call = async ({ url, token }: { url: string; token: string }) => {
    const res = await fetch(url, {
      method: "POST",
      body,
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-06-18",
      },
    });
    const reply = (await res.json()) as { result?: { isError?: boolean } };
    if (!reply.result || reply.result.isError)
      throw new Error(`tools/call failed: ${JSON.stringify(reply).slice(0, 300)}`);
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  // CPU is what containment costs and what a loaded machine leaves comparable: every workerd of the farm, per call.
  const cpu: Record<string, number> = Object.fromEntries(Object.keys(targets).map((k) => [k, 0]));
  const farmOf = (name: string) => (name === "in-process" ? inProcess : contained);
  const farmCpu = (name: string) =>
    farmOf(name)
      .workerdPids()
      .reduce((a, pid) => a + (cpuMsOf(pid) ?? 0), 0);
  for (const t of Object.values(targets)) for (let i = 0; i < 200; i++) await call(t); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, t] of Object.entries(targets)) {
      const cpuBefore = farmCpu(name);
      for (let i = 0; i < CALLS; i++) {
        const started = performance.now();
        await call(t);
        samples[name]!.push(performance.now() - started);
      }
      cpu[name]! += farmCpu(name) - cpuBefore;
    }
  }
  const results = Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [k, { ...stats(v), cpuMsPerCall: cpu[k]! / v.length }]),
  );
  const base = results["in-process"]!;
  const ms = (n: number) => n.toFixed(2);
  const pct = (n: number) => `${n >= 0 ? "+" : ""}${(n * 100).toFixed(0)} %`;
  const report = [
    "# Containment cost per MCP tools/call",
    "",
    `- Date: ${new Date().toISOString()}`,
    ...machineLines(loadStart),
    `- Command: \`npx node bench/containment.bench.ts\` (ROUNDS=${ROUNDS}, CALLS=${CALLS} per layout per round, interleaved; Node fetch, one kept-alive connection per target)`,
    "- Call: MCP tools/call `list_categories` on one `shop` instance (2025-06-18, stateless, JSON response)",
    "",
    "- CPU: utime+stime of every workerd process of the farm (control and worlds; not Node's), over each layout's calls, per call",
    "",
    "| layout | n | p50 ms | p99 ms | mean ms | p50 vs in-process | workerd CPU ms/call | CPU vs in-process |",
    "|---|---|---|---|---|---|---|---|",
    ...Object.entries(results).map(
      ([k, s]) =>
        `| ${k} | ${s.n} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.mean)} | ${pct(s.p50 / base.p50 - 1)} | ${ms(s.cpuMsPerCall)} | ${pct(s.cpuMsPerCall / base.cpuMsPerCall - 1)} |`,
    ),
  ].join("\n");
  console.log(JSON.stringify(results, null, 2));
  await writeFile(join(ROOT, "bench/CONTAINMENT-RESULTS.md"), `${report}\n`);
  console.log(report);
} finally {
  await Promise.all([inProcess.dispose(), contained.dispose()]);
  await rm(dir, { recursive: true, force: true });
}
