/**
 * The trainer bridge under a 1,024-rollout batch (256 tasks of shop + tracker, repeating, in groups of 4) against
 * the example fake vLLM (10% noise, token ids and logprobs). A TypeScript client streams the groups live while the
 * batch runs, measuring the delay from each group's last rollout ending (`finished_at`) to its arrival; then it
 * replays the finished log from cursor 0 to measure pure delivery: groups/s and MB/s through the client (which
 * checks each line against the zod schema), and drained raw, bytes only, to tell the farm's share from the client's.
 * Run: node bench/bridge.bench.ts [tasks] [groupSize]. Appends its numbers to bench/BRIDGE-RESULTS.md.
 */
import { appendFile, readFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { ROOT } from "../cli/paths.ts";
import { startBridgeFarm } from "../trainer-bridge/local-farm.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";

const TASKS = Number(process.argv[2] ?? 256);
const GROUP = Number(process.argv[3] ?? 4);

/** The real fetch, counting the response bytes of group streams. */
function countingFetch() {
  const counter = { bytes: 0 };
  const fetcher: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (!String(input).includes("/groups")) return res;
    const body = res.body!.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          counter.bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return { fetcher, counter };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const local = await startBridgeFarm();
try {
  const all = local.bundles.flatMap((b) => b.manifest.tasks.map((t) => ({ env: b.manifest.name, taskId: t.id })));
  const tasks = Array.from({ length: TASKS }, (_, i) => all[i % all.length]!);
  const live = countingFetch();
  const farm = new Farm(local.url, { token: local.token, fetch: live.fetcher });
  const started = performance.now();
  const created = await farm.createBatch({
    tasks,
    groupSize: GROUP,
    policy: { kind: "openai", baseUrl: local.policyUrl, model: "fake-policy", backoffMs: 50 },
    maxTurns: 30,
  });
  const delays: number[] = [];
  let groups = 0;
  for await (const group of farm.groups(created.batchId, { heartbeatMs: 1_000 })) {
    delays.push(Date.now() - Date.parse(group.finished_at));
    groups++;
  }
  const liveSeconds = (performance.now() - started) / 1000;
  const status = await farm.batch(created.batchId);

  const replay = countingFetch();
  const replayStarted = performance.now();
  let replayed = 0;
  for await (const _group of new Farm(local.url, { token: local.token, fetch: replay.fetcher }).groups(created.batchId))
    replayed++;
  const replaySeconds = (performance.now() - replayStarted) / 1000;

  const rawStarted = performance.now();
  let rawBytes = 0;
  const reader = (
    await fetch(`${local.url}/v1/batches/${created.batchId}/groups`, {
      headers: { authorization: `Bearer ${local.token}` },
    })
  ).body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) rawBytes += read.value.byteLength;
  const rawSeconds = (performance.now() - rawStarted) / 1000;

  delays.sort((a, b) => a - b);
  const mb = (bytes: number) => bytes / 1e6;
  const row = `| ${created.rollouts} | ${groups} | ${liveSeconds.toFixed(1)} | ${(groups / liveSeconds).toFixed(1)} | ${mb(live.counter.bytes).toFixed(1)} | ${percentile(delays, 50)} | ${percentile(delays, 99)} | ${delays.at(-1)} | ${replayed} | ${replaySeconds.toFixed(2)} | ${(replayed / replaySeconds).toFixed(0)} | ${(mb(replay.counter.bytes) / replaySeconds).toFixed(1)} | ${(replayed / rawSeconds).toFixed(0)} | ${(mb(rawBytes) / rawSeconds).toFixed(1)} | ${(replay.counter.bytes / replayed / 1024).toFixed(0)} | ${status.counts.completed}/${status.counts.failed} |`;
  console.log(row);
  const cpu = (await readFile("/proc/cpuinfo", "utf8")).match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown";
  await appendFile(
    join(ROOT, "bench/BRIDGE-RESULTS.md"),
    [
      "",
      `## ${new Date().toISOString()}`,
      "",
      `Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, "${cpu}"; load at the end ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}.`,
      `Command: \`node bench/bridge.bench.ts ${TASKS} ${GROUP}\`; shop + tracker tasks repeating, example fake vLLM (10% noise), openai-tools, maxTurns 30, concurrency 256 (default).`,
      "",
      "| rollouts | groups | live s | live groups/s | live MB | delay p50 ms | delay p99 ms | delay max ms | replayed | replay s | replay groups/s | replay MB/s | raw groups/s | raw MB/s | KiB/group | completed/failed |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
      row,
      "",
    ].join("\n"),
  );
} finally {
  await local.close();
}
