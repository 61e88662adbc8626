/**
 * What a batch leaves in the state folder and what deleting it costs: N oracle rollouts of the shop example (2-5
 * turns each) on a fresh local farm; the folder (bytes and files) before, after the batch, after DELETE, and after
 * the local farm has removed the empty databases the deleted objects leave (while it runs), and after the farm
 * restarts (whose sweep takes whatever is left); deletion's wall time per rollout,
 * and how long a tool call on a live instance takes while the deletion waves run, against the same calls idle.
 * Run: node bench/lifecycle.bench.ts [rollouts=1000]. Appends its numbers to bench/LIFECYCLE-RESULTS.md.
 */
import { appendFile, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { cpus, loadavg, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import type { BatchDeleted, BatchStatus } from "../workers/shared/batch.ts";
import { buildEnv } from "../cli/build/bundle-env.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import { freePort } from "../cli/farm/free-port.ts";
import { startLocalFarm } from "../cli/farm/local-farm.ts";
import { ROOT } from "../cli/paths.ts";

const ROLLOUTS = Number(process.argv[2] ?? 1000);
const GROUP = 8;

interface Usage {
  files: number;
  bytes: number;
  diskBytes: number;
}

async function usage(dir: string): Promise<Usage> {
  const total: Usage = { files: 0, bytes: 0, diskBytes: 0 };
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = await usage(path);
      total.files += inner.files;
      total.bytes += inner.bytes;
      total.diskBytes += inner.diskBytes;
    } else {
      const s = await stat(path).catch(() => null);
      if (!s) continue;
      total.files += 1;
      total.bytes += s.size;
      total.diskBytes += s.blocks * 512;
    }
  }
  return total;
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

const dir = await mkdtemp(join(tmpdir(), "worldfarm-lifecycle-bench-"));
const farm = await startLocalFarm({ port: await freePort(), persistDir: dir });
const client = new Farm(farm.url.toString(), { token: farm.token });
try {
  const shop = await buildEnv(join(ROOT, "envs/shop"));
  await client.uploadEnv(shop);
  const instance = await client.createInstance("shop");
  const callMs = async () => {
    const started = performance.now();
    await client.callTool(instance.instanceId, "view_cart", {}, instance.token);
    return performance.now() - started;
  };
  const idle: number[] = [];
  for (let i = 0; i < 50; i++) idle.push(await callMs());
  const baseline = await usage(dir);

  const tasks = Array.from({ length: Math.ceil(ROLLOUTS / GROUP) }, (_, i) => ({
    env: "shop",
    taskId: shop.manifest.tasks[i % shop.manifest.tasks.length]!.id,
  }));
  const started = performance.now();
  const { batchId, rollouts } = await client.createBatch({
    tasks,
    groupSize: GROUP,
    policy: { kind: "oracle" },
    maxTurns: 30,
    concurrency: 256,
  });
  let status: BatchStatus;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    status = await client.request<BatchStatus>("GET", `/v1/batches/${batchId}`);
    if (status.state !== "running") break;
  }
  const batchWall = (performance.now() - started) / 1000;
  // Let the last checkpoints and write-ahead logs land before measuring.
  await new Promise((r) => setTimeout(r, 2000));
  const full = await usage(dir);

  const deleteStarted = performance.now();
  await client.request("DELETE", `/v1/batches/${batchId}`);
  const accepted = performance.now() - deleteStarted;
  const during: number[] = [];
  // DELETE is idempotent and says when the last wave has run.
  while ((await client.request<BatchDeleted>("DELETE", `/v1/batches/${batchId}`)).purgedAt === null)
    during.push(await callMs());
  const deleteWall = (performance.now() - deleteStarted) / 1000;
  await new Promise((r) => setTimeout(r, 2000));
  const deleted = await usage(dir);
  // workerd lets a deleted object go some time after its last call; the farm removes its files then. Waited for
  // until the folder stops shrinking (30 checks in a row, 2 s apart) or five minutes have passed.
  const sweepStarted = performance.now();
  let swept = deleted;
  for (let still = 0; still < 30 && performance.now() - sweepStarted < 300_000; ) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = await usage(dir);
    still = now.files < swept.files ? 0 : still + 1;
    swept = now;
  }
  const sweepWall = (performance.now() - sweepStarted) / 1000;
  await farm.restart();
  const restarted = await usage(dir);
  const sizes = await Promise.all(
    (await readdir(dir, { recursive: true })).map(async (f) => ({ f, size: (await stat(join(dir, f))).size })),
  );
  const largest = sizes
    .sort((a, b) => b.size - a.size)
    .slice(0, 6)
    .map(({ f, size }) => `${f.replace(/[0-9a-f]{64}/, "<id>")} ${(size / 1024).toFixed(0)} KB`);

  const perRollout = (u: Usage) =>
    `${((u.bytes - baseline.bytes) / rollouts / 1024).toFixed(1)} KB, ${((u.files - baseline.files) / rollouts).toFixed(2)} files`;
  const row = (name: string, u: Usage) =>
    `| ${name} | ${u.files} | ${mb(u.bytes)} | ${mb(u.diskBytes)} | ${perRollout(u)} |`;
  const cpu = (await readFile("/proc/cpuinfo", "utf8")).match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown";
  const report = [
    "",
    `## ${new Date().toISOString()}`,
    "",
    `Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, "${cpu}"; load at the end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}.`,
    `Command: \`node bench/lifecycle.bench.ts ${ROLLOUTS}\`: ${rollouts} oracle rollouts of shop (groups of ${GROUP}, concurrency 256), ${status.counts.completed} completed, ${status.counts.failed} failed, in ${batchWall.toFixed(1)} s (${(rollouts / batchWall).toFixed(1)} rollouts/s).`,
    "",
    "| state folder | files | MB | MB on disk | per rollout over the start |",
    "|---|---|---|---|---|",
    row("start (shop uploaded, one instance)", baseline),
    row("after the batch", full),
    row("after DELETE, waves done", deleted),
    row(`after the farm's own sweep (${sweepWall.toFixed(0)} s later, farm running)`, swept),
    row("after the farm restarts", restarted),
    "",
    `Largest files after the restart: ${largest.join("; ")}.`,
    `Deletion: DELETE answered in ${accepted.toFixed(0)} ms; every rollout's storage gone after ${deleteWall.toFixed(1)} s, ${((deleteWall * 1000) / rollouts).toFixed(2)} ms a rollout.`,
    `A tool call on a live instance: median ${quantile(idle, 0.5).toFixed(1)} ms / p95 ${quantile(idle, 0.95).toFixed(1)} ms idle (${idle.length} calls), median ${quantile(during, 0.5).toFixed(1)} ms / p95 ${quantile(during, 0.95).toFixed(1)} ms / max ${Math.max(0, ...during).toFixed(1)} ms during the deletion (${during.length} calls).`,
    "",
  ].join("\n");
  console.log(report);
  await appendFile(join(ROOT, "bench/LIFECYCLE-RESULTS.md"), report);
} finally {
  await farm.dispose();
  await rm(dir, { recursive: true, force: true });
}
