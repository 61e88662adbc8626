/**
 * Where a batch's time goes inside workerd: runs a batch like bench/batch.bench.ts with workerd's V8 inspector
 * open, takes a CPU profile of the Worker's isolate, and prints self time per function and per source file.
 * Run: node bench/profile-batch.ts [rollouts] [oracle|openai] [control|world]. `world` profiles the first world
 * process (the one that runs shop's rollouts and instances) from its start to the batch's end.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BatchStatus } from "../workers/shared/batch.ts";
import { buildEnv } from "../cli/build/bundle-env.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import { freePort } from "../cli/farm/free-port.ts";
import { startLocalFarm } from "../cli/farm/local-farm.ts";
import { startFakePolicy } from "../cli/fake-policy/server.ts";
import { TURNS, tenTurns } from "./ten-turns.ts";
import { ROOT } from "../cli/paths.ts";

const ROLLOUTS = Number(process.argv[2] ?? 256);
const KIND = process.argv[3] ?? "openai";
const PROCESS = process.argv[4] ?? "control";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A minimal Chrome DevTools Protocol session over the inspector's WebSocket. */
async function inspector(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    webSocketDebuggerUrl: string;
    title: string;
  }[];
  const target = targets.find((t) => t.title.includes("worldfarm")) ?? targets[0]!;
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 1;
  const pending = new Map<number, (result: unknown) => void>();
  ws.onmessage = (event) => {
    const msg = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  };
  return {
    send: <T>(method: string, params: object = {}) =>
      new Promise<T>((resolve) => {
        const id = next++;
        pending.set(id, resolve as (r: unknown) => void);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

function summarize(profile: Profile): string {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  // Samples counted, not their intervals summed: on a busy machine a few intervals of seconds land on whatever frame
  // is on top and swamp the rest. Each sample stands for the mean interval.
  const interval = (profile.endTime - profile.startTime) / Math.max(profile.samples.length, 1);
  const self = new Map<number, number>();
  for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + interval);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byNode.get(id)!.callFrame;
    const file = url.split("/").slice(-2).join("/") || "(native)";
    const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`,
      )
      .join("\n");
  return `sampled ${(total / 1e6).toFixed(1)} s\n\nby function:\n${top(byFn, 40)}\n\nby file:\n${top(byFile, 15)}`;
}

const port = await freePort();
const inspectorPort = await freePort();
const dir = await mkdtemp(join(tmpdir(), "worldfarm-profile-"));
const farm = await startLocalFarm({
  port,
  persistDir: dir,
  ...(PROCESS === "world" ? { worldInspectorPorts: inspectorPort - 1 } : { inspectorPort }),
});
const policy = await startFakePolicy({ script: tenTurns });
try {
  const client = new Farm(farm.url.toString(), { token: farm.token });
  const bundles = await Promise.all(["envs/shop", "envs/tracker"].map((d) => buildEnv(join(ROOT, d))));
  for (const b of bundles) await client.uploadEnv(b);
  const all = bundles.flatMap((b) => b.manifest.tasks.map((t) => ({ env: b.manifest.name, taskId: t.id })));
  const tasks = Array.from({ length: ROLLOUTS / 4 }, (_, i) => all[i % all.length]!);
  const session = await inspector(inspectorPort);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 200 });
  await session.send("Profiler.start");
  const started = performance.now();
  const spec =
    KIND === "oracle"
      ? { tasks, groupSize: 4, policy: { kind: "oracle" }, maxTurns: 30, concurrency: 512 }
      : {
          tasks,
          groupSize: 4,
          policy: { kind: "openai", baseUrl: `${policy.url}/v1`, model: "bench", backoffMs: 50 },
          maxTurns: TURNS,
          concurrency: Number(process.env.BENCH_CONCURRENCY ?? 512),
        };
  const { batchId } = await client.request<{ batchId: string }>("POST", "/v1/batches", { body: spec });
  let status: BatchStatus;
  do {
    await new Promise((r) => setTimeout(r, Number(process.env.POLL_MS ?? 500)));
    status = await client.request<BatchStatus>("GET", `/v1/batches/${batchId}`);
  } while (status.state === "running");
  const wall = (performance.now() - started) / 1000;
  const { profile } = await session.send<{ profile: Profile }>("Profiler.stop");
  session.close();
  await writeFile(join(tmpdir(), "worldfarm-batch.cpuprofile"), JSON.stringify(profile));
  console.log(
    `${ROLLOUTS} rollouts (${KIND}) in ${wall.toFixed(1)} s, ${status.counts.completed} completed, ${status.counts.failed} failed`,
  );
  console.log(summarize(profile));
  console.log(`\nfull profile: ${join(tmpdir(), "worldfarm-batch.cpuprofile")} (open in Chrome DevTools)`);
} finally {
  await policy.close();
  await farm.dispose();
  await rm(dir, { recursive: true, force: true });
}
