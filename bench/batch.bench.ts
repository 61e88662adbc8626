/**
 * Rollout batches against the fake vLLM-like policy: N rollouts of 10 turns each (9 read-only tool calls, then an
 * answer), at 0 ms and at a given policy latency. Run: node bench/batch.bench.ts [rollouts] [latencyMs,...]
 * BENCH_NO_TOKENS=1 asks the policy for neither token ids nor logprobs, to see what carrying them costs.
 * Appends its numbers to bench/BATCH-RESULTS.md.
 *
 * Wall time on a shared machine measures the other tenants as much as the farm, so each row also gives the CPU the
 * batch cost per rollout: user + system time of every workerd process of the farm (control and worlds) and of this
 * Node process (the fake policy, Miniflare, the supervisor), from the batch's creation to its end.
 */
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { BatchStatus } from "../workers/shared/batch.ts";
import { buildEnv } from "../cli/build/bundle-env.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import { freePort } from "../cli/farm/free-port.ts";
import { startLocalFarm, type LocalFarm } from "../cli/farm/local-farm.ts";
import { cpuMsOf } from "../cli/farm/world-process.ts";
import { startFakePolicy } from "../cli/fake-policy/server.ts";
import { TURNS, tenTurns } from "./ten-turns.ts";
import { ROOT } from "../cli/paths.ts";

const ROLLOUTS = Number(process.argv[2] ?? 1024);
const LATENCIES = (process.argv[3] ?? "0,200").split(",").map(Number);
/** Rollouts in flight at once (BENCH_CONCURRENCY, default 512). */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 512);
/**
 * World processes per environment that rollouts spread over (BENCH_SHARDS, default 1, the farm's own default): the
 * batch's two environments already run in a process each, and two each cost more CPU a rollout than they gave.
 */
const SHARDS = Number(process.env.BENCH_SHARDS ?? 1);

/**
 * RSS of the farm's own workerd processes (other farms on a shared machine are not counted), read from /proc: a
 * `ps` spawned at every poll blocked this process, and with it the fake policy, for a fifth of a loaded run.
 */
function workerdRssMiB(farm: LocalFarm): number {
  let kib = 0;
  for (const pid of farm.workerdPids()) {
    try {
      kib += Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0);
    } catch {
      // a world that was stopped while we looked
    }
  }
  return kib / 1024;
}

/** CPU ms so far of each of the farm's workerd processes (by pid) and of this Node process. */
function cpuNow(farm: LocalFarm): { workerd: Map<number, number>; node: number } {
  const { user, system } = process.cpuUsage();
  return { workerd: new Map(farm.workerdPids().map((pid) => [pid, cpuMsOf(pid) ?? 0])), node: (user + system) / 1000 };
}

/**
 * CPU ms spent between two readings. A world first started during the batch counts from zero; one restarted during
 * it loses what its dead process had used (the row's world restarts column says whether that happened).
 */
function cpuSpent(
  before: ReturnType<typeof cpuNow>,
  after: ReturnType<typeof cpuNow>,
): { workerd: number; node: number } {
  let workerd = 0;
  for (const [pid, ms] of after.workerd) workerd += ms - (before.workerd.get(pid) ?? 0);
  return { workerd, node: after.node - before.node };
}

async function run(latencyMs: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "worldfarm-batch-bench-"));
  const farm = await startLocalFarm({ port: await freePort(), persistDir: dir, rolloutShards: SHARDS });
  const policy = await startFakePolicy({ latencyMs, script: tenTurns });
  try {
    const client = new Farm(farm.url.toString(), { token: farm.token });
    const bundles = await Promise.all(["envs/shop", "envs/tracker"].map((d) => buildEnv(join(ROOT, d))));
    for (const b of bundles) await client.uploadEnv(b);
    const all = bundles.flatMap((b) => b.manifest.tasks.map((t) => ({ env: b.manifest.name, taskId: t.id })));
    const groups = ROLLOUTS / 4;
    const tasks = Array.from({ length: groups }, (_, i) => all[i % all.length]!);
    const started = performance.now();
    const cpuBefore = cpuNow(farm);
    const { batchId } = await client.createBatch({
      tasks,
      groupSize: 4,
      policy: {
        kind: "openai",
        baseUrl: `${policy.url}/v1`,
        model: "bench",
        backoffMs: 50,
        ...(process.env.BENCH_NO_TOKENS ? { logprobs: false, returnTokenIds: false } : {}),
      },
      maxTurns: TURNS,
      concurrency: CONCURRENCY,
    });
    let peak = 0;
    let status: BatchStatus;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      status = await client.request<BatchStatus>("GET", `/v1/batches/${batchId}`);
      peak = Math.max(peak, workerdRssMiB(farm));
      if (status.state !== "running") break;
    }
    const wall = (performance.now() - started) / 1000;
    const cpu = cpuSpent(cpuBefore, cpuNow(farm));
    const steps = ROLLOUTS * (TURNS - 1);
    // A runtime stopped by the supervisor during an honest batch would be a busy world taken for a stuck one.
    const restarts = Object.values(farm.supervisor.restarts()).reduce((sum, n) => sum + n, 0);
    return `| ${ROLLOUTS} | ${latencyMs} | ${wall.toFixed(1)} | ${(steps / wall).toFixed(0)} | ${(policy.requests / wall).toFixed(0)} | ${peak.toFixed(0)} | ${status.counts.failed} | ${status.counts.completed} | ${restarts} | ${((cpu.workerd + cpu.node) / ROLLOUTS).toFixed(1)} | ${(cpu.workerd / ROLLOUTS).toFixed(1)} | ${(cpu.node / ROLLOUTS).toFixed(1)} |`;
  } finally {
    await policy.close();
    await farm.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

const rows: string[] = [];
for (const latency of LATENCIES) {
  const row = await run(latency);
  console.log(row);
  rows.push(row);
}
const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown";
await appendFile(
  join(ROOT, "bench/BATCH-RESULTS.md"),
  [
    "",
    `## ${new Date().toISOString()}`,
    "",
    `Machine: ${cpus().length} cores (${availableParallelism()} allowed to this run), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, "${cpu}"; load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}.`,
    `Command: \`${Object.entries(process.env)
      .filter(
        ([k]) =>
          ["BENCH_NO_TOKENS", "BENCH_CONCURRENCY", "BENCH_TURNS", "BENCH_SHARDS"].includes(k) ||
          k.startsWith("WORLDFARM_"),
      )
      .map(([k, v]) => `${k}=${v} `)
      .join(
        "",
      )}node bench/batch.bench.ts ${ROLLOUTS} ${LATENCIES.join(",")}\`; shop + tracker tasks in groups of 4, ${TURNS} turns each (${TURNS - 1} tool calls + answer), openai-tools, concurrency ${CONCURRENCY}.`,
    "",
    "| rollouts | policy latency ms | wall s | tool steps/s | policy requests/s | peak workerd RSS MiB | failed | completed | world restarts | CPU ms/rollout | workerd CPU ms/rollout | node CPU ms/rollout |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n"),
);
