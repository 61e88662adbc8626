/**
 * Rollout batches against the fake vLLM-like policy: N rollouts of 10 turns each (9 read-only tool calls, then an
 * answer), at 0 ms and at a given policy latency. Run: node bench/batch.bench.ts [rollouts] [latencyMs,...]
 * BENCH_NO_TOKENS=1 asks the policy for neither token ids nor logprobs, to see what carrying them costs.
 * Appends its numbers to bench/BATCH-RESULTS.md.
 */
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import type { BatchStatus } from "../workers/shared/batch.ts";
import { buildEnv } from "../cli/build/bundle-env.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import { freePort } from "../cli/farm/free-port.ts";
import { startLocalFarm } from "../cli/farm/local-farm.ts";
import { startFakePolicy } from "../cli/fake-policy/server.ts";
import { TURNS, tenTurns } from "./ten-turns.ts";
import { ROOT } from "../cli/paths.ts";

const ROLLOUTS = Number(process.argv[2] ?? 1024);
const LATENCIES = (process.argv[3] ?? "0,200").split(",").map(Number);

function workerdRssMiB(): number {
  const out = execFileSync("ps", ["-C", "workerd", "-o", "rss="], { encoding: "utf8" }).trim();
  return out ? out.split("\n").reduce((a, l) => a + Number(l.trim()), 0) / 1024 : 0;
}

async function run(latencyMs: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "worldfarm-batch-bench-"));
  const farm = await startLocalFarm({ port: await freePort(), persistDir: dir });
  const policy = await startFakePolicy({ latencyMs, script: tenTurns });
  try {
    const client = new Farm(farm.url.toString(), { token: farm.token });
    const bundles = await Promise.all(["envs/shop", "envs/tracker"].map((d) => buildEnv(join(ROOT, d))));
    for (const b of bundles) await client.uploadEnv(b);
    const all = bundles.flatMap((b) => b.manifest.tasks.map((t) => ({ env: b.manifest.name, taskId: t.id })));
    const groups = ROLLOUTS / 4;
    const tasks = Array.from({ length: groups }, (_, i) => all[i % all.length]!);
    const started = performance.now();
    const { batchId } = await client.createBatch({
      tasks, groupSize: 4, policy: { kind: "openai", baseUrl: `${policy.url}/v1`, model: "bench", backoffMs: 50, ...(process.env.BENCH_NO_TOKENS ? { logprobs: false, returnTokenIds: false } : {}) },
      maxTurns: TURNS, concurrency: 512,
    });
    let peak = 0;
    let status: BatchStatus;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      status = await client.request<BatchStatus>("GET", `/v1/batches/${batchId}`);
      peak = Math.max(peak, workerdRssMiB());
      if (status.state !== "running") break;
    }
    const wall = (performance.now() - started) / 1000;
    const steps = ROLLOUTS * (TURNS - 1);
    // A runtime stopped by the supervisor during an honest batch would be a busy world taken for a stuck one.
    const restarts = Object.values(farm.supervisor.restarts()).reduce((sum, n) => sum + n, 0);
    return `| ${ROLLOUTS} | ${latencyMs} | ${wall.toFixed(1)} | ${(steps / wall).toFixed(0)} | ${(policy.requests / wall).toFixed(0)} | ${peak.toFixed(0)} | ${status.counts.failed} | ${status.counts.completed} | ${restarts} |`;
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
const cpu = (await import("node:fs")).readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown";
await appendFile(join(ROOT, "bench/BATCH-RESULTS.md"), [
  "", `## ${new Date().toISOString()}`, "",
  `Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, "${cpu}"; load ${loadavg().map((x) => x.toFixed(2)).join(" ")}.`,
  `Command: \`${process.env.BENCH_NO_TOKENS ? "BENCH_NO_TOKENS=1 " : ""}node bench/batch.bench.ts ${ROLLOUTS} ${LATENCIES.join(",")}\`; shop + tracker tasks in groups of 4, ${TURNS} turns each (9 tool calls + answer), openai-tools, concurrency 512.`,
  "", "| rollouts | policy latency ms | wall s | tool steps/s | policy requests/s | peak workerd RSS MiB | failed | completed | world restarts |", "|---|---|---|---|---|---|---|---|---|",
  ...rows, "",
].join("\n"));
