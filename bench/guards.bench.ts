/**
 * What the farm's own guards and per-world module scope cost: this checkout against another (the old path: guards
 * instrumented by the build over the environment's own files only, one module scope per bundle), two throwaway
 * local farms side by side, measured in alternating rounds so a loaded machine weighs on both alike.
 *
 *   BENCH_OLD_ROOT=/path/to/old/checkout node bench/guards.bench.ts      # prints JSON
 *
 * Tool calls are timed on the farm's `/call` route and, where the farm hands out a callUrl, there too (a contained
 * farm serves it at the instance's world).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort } from "../cli/farm/free-port.ts";
import { ROOT } from "../cli/paths.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CREATES = 30;
const CALLS = 300;
const RESETS = 30;

interface Farm {
  label: string;
  url: string;
  /** The farm's admin token: every farm has one since access control landed. */
  token: string;
  dispose(): Promise<void>;
  uploadMs: number;
  tool: { name: string; args: unknown };
}

async function post(url: string, body: unknown, token?: string): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A farm running `root`'s Worker, with shop built by `root`'s own build. */
async function startFarm(label: string, root: string, dir: string): Promise<Farm> {
  const { startLocalFarm } = await import(pathToFileURL(join(root, "cli/farm/local-farm.ts")).href);
  const { buildEnv } = await import(pathToFileURL(join(root, "cli/build/bundle-env.ts")).href);
  const local = await startLocalFarm({ port: await freePort(), persistDir: join(dir, label) });
  const url = local.url.toString().replace(/\/$/, "");
  const bundle = await buildEnv(join(root, "envs/shop"));
  const t = performance.now();
  const res = await fetch(`${url}/v1/envs/shop`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${local.token}` },
    body: JSON.stringify(bundle),
  });
  if (res.status !== 201) throw new Error(`${label} upload: ${res.status} ${await res.text()}`);
  const uploadMs = performance.now() - t;
  const step = bundle.manifest.tasks.flatMap(
    (task: { solution: { tool: string; args: unknown }[] }) => task.solution,
  )[0];
  return {
    label,
    url,
    token: local.token,
    uploadMs,
    tool: { name: step.tool, args: step.args },
    dispose: () => local.dispose(),
  };
}

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** callUrl: where a contained farm serves the instance's calls at its world (farms before it have none). */
type Instance = { instanceId: string; token: string; callUrl?: string };

async function round(farm: Farm): Promise<Record<string, number[]>> {
  const create = () => post(`${farm.url}/v1/envs/shop/instances`, {}, farm.token) as Promise<Instance>;
  const creates = await timeEach(CREATES, create);
  const inst = await create();
  const callOnce = () =>
    post(
      `${farm.url}/v1/instances/${inst.instanceId}/call`,
      { tool: farm.tool.name, args: farm.tool.args },
      inst.token,
    );
  await callOnce();
  const calls = await timeEach(CALLS, callOnce);
  const atWorld = inst.callUrl;
  const callsAtWorld = atWorld
    ? await timeEach(CALLS, () => post(atWorld, { tool: farm.tool.name, args: farm.tool.args }, inst.token))
    : [];
  // A reset gives the instance a new live world: its first call evaluates the bundle's code for that world.
  const resetThenCall: number[] = [];
  for (let i = 0; i < RESETS; i++) {
    await post(`${farm.url}/v1/instances/${inst.instanceId}/reset`, {}, farm.token);
    resetThenCall.push(...(await timeEach(1, callOnce)));
  }
  return { creates, calls, ...(atWorld ? { callsAtWorld } : {}), resetThenCall };
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(at(0.5)), p90: r(at(0.9)), mean: r(s.reduce((a, b) => a + b, 0) / s.length) };
}

const oldRoot = process.env.BENCH_OLD_ROOT;
if (!oldRoot)
  throw new Error("set BENCH_OLD_ROOT to a checkout of the old path (e.g. a git worktree of the commit before)");
const dir = await mkdtemp(join(tmpdir(), "worldfarm-guards-bench-"));
const farms = [await startFarm("old", oldRoot, dir), await startFarm("new", ROOT, dir)];
try {
  const samples: Record<string, Record<string, number[]>> = { old: {}, new: {} };
  for (let i = 0; i < ROUNDS; i++) {
    for (const farm of i % 2 ? [...farms].reverse() : farms) {
      for (const [k, v] of Object.entries(await round(farm))) (samples[farm.label]![k] ??= []).push(...v);
    }
  }
  const summary = Object.fromEntries(
    farms.map((f) => [
      f.label,
      {
        uploadMs: Math.round(f.uploadMs),
        ...Object.fromEntries(Object.entries(samples[f.label]!).map(([k, v]) => [k, stats(v)])),
      },
    ]),
  );
  console.log(
    JSON.stringify(
      { cpus: cpus().length, loadavg: loadavg(), rounds: ROUNDS, tool: farms[1]!.tool.name, summary },
      null,
      2,
    ),
  );
} finally {
  await Promise.all(farms.map((f) => f.dispose()));
  await rm(dir, { recursive: true, force: true });
}
