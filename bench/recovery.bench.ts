/**
 * Recovery from a runtime death at scale: N rollouts of 10 turns (shop and tracker, groups of 4, concurrency N,
 * the fake vLLM at 0 ms), once undisturbed and once with workerd killed with SIGKILL `killAt` seconds in
 * (Miniflare starts a new one). Reports time to done for both, and how the killed run's rollouts ended.
 * Run: node bench/recovery.bench.ts [rollouts] [killAtSeconds]. Appends to bench/RECOVERY-RESULTS.md.
 */
import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
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
const KILL_AT_S = Number(process.argv[3] ?? 30);

function workerdPids(): number[] {
  const out = execFileSync("ps", ["--ppid", String(process.pid), "-o", "pid=,comm="], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((l) => l.includes("workerd"))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

interface Run {
  wall: number;
  killedAt: number | null;
  /** Seconds from the kill until the API answered again. */
  restart: number | null;
  status: BatchStatus;
  runtimeStopped: number;
}

async function run(kill: boolean): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), "worldfarm-recovery-bench-"));
  const farm = await startLocalFarm({ port: await freePort(), persistDir: dir, rolloutShards: cpus().length });
  const policy = await startFakePolicy({ script: tenTurns });
  try {
    const client = new Farm(farm.url.toString(), { token: farm.token });
    const bundles = await Promise.all(["envs/shop", "envs/tracker"].map((d) => buildEnv(join(ROOT, d))));
    for (const b of bundles) await client.uploadEnv(b);
    const all = bundles.flatMap((b) => b.manifest.tasks.map((t) => ({ env: b.manifest.name, taskId: t.id })));
    const tasks = Array.from({ length: ROLLOUTS / 4 }, (_, i) => all[i % all.length]!);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const { batchId } = await client.createBatch({
      tasks,
      groupSize: 4,
      policy: { kind: "openai", baseUrl: `${policy.url}/v1`, model: "bench", backoffMs: 50 },
      maxTurns: TURNS,
      concurrency: ROLLOUTS,
      rolloutTimeoutMs: 1_800_000,
    });
    let killedAt: number | null = null;
    let restart: number | null = null;
    let status: BatchStatus | null = null;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      if (kill && killedAt === null && seconds() >= KILL_AT_S) {
        for (const pid of workerdPids()) process.kill(pid, "SIGKILL");
        killedAt = seconds();
        console.log(`killed at ${killedAt.toFixed(1)} s, ${policy.requests} policy requests so far`);
      }
      status = await client.request<BatchStatus>("GET", `/v1/batches/${batchId}`).catch(() => null);
      if (status && killedAt !== null && restart === null) restart = seconds() - killedAt;
      if (status && status.state !== "running") break;
    }
    const wall = seconds();
    const failed = await client.request<{ rollouts: { error: string | null }[] }>(
      "GET",
      `/v1/batches/${batchId}/rollouts?status=failed&limit=1000`,
    );
    return {
      wall,
      killedAt,
      restart,
      status,
      runtimeStopped: failed.rollouts.filter((r) => r.error?.startsWith("runtime_stopped")).length,
    };
  } finally {
    await policy.close();
    await farm.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

const row = (name: string, r: Run) =>
  `| ${name} | ${ROLLOUTS} | ${r.killedAt?.toFixed(1) ?? "-"} | ${r.restart?.toFixed(1) ?? "-"} | ${r.wall.toFixed(1)} | ${r.status.counts.completed} | ${r.status.counts.failed} | ${r.runtimeStopped} | ${r.status.stopReasons.timeout ?? 0} |`;

const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(" ");
const undisturbed = await run(false);
console.log(row("undisturbed", undisturbed));
const killed = await run(true);
console.log(row("killed", killed));
const cpu = (await readFile("/proc/cpuinfo", "utf8")).match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown";
await appendFile(
  join(ROOT, "bench/RECOVERY-RESULTS.md"),
  [
    "",
    `## ${new Date().toISOString()}`,
    "",
    `Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, "${cpu}"; load at start ${load}, at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}.`,
    `Command: \`node bench/recovery.bench.ts ${ROLLOUTS} ${KILL_AT_S}\`; shop + tracker tasks in groups of 4, ${TURNS} turns each (9 tool calls + answer), openai-tools, fake vLLM at 0 ms, concurrency ${ROLLOUTS}; the killed run SIGKILLs workerd ${KILL_AT_S} s in.`,
    "",
    "| run | rollouts | killed at s | API back after s | time to done s | completed | failed | of which runtime_stopped | timeout |",
    "|---|---|---|---|---|---|---|---|---|",
    row("undisturbed", undisturbed),
    row("killed", killed),
    "",
  ].join("\n"),
);
