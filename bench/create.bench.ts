/**
 * Instance creation, the way agents and trainers meet it: `POST /v1/envs/:env/instances` with wrk, on one
 * connection (latency) and on eight (throughput), for shop and tracker. Every environment and round gets a fresh
 * local farm with its state on disk (tmpdir), as `npm start` keeps it; MAX_LIVE_INSTANCES is raised so the cap never
 * answers. CPU per create is utime+stime of each workerd of the farm over a wrk run, divided by its creates.
 *
 *   node bench/create.bench.ts                                   # this checkout; appends to bench/CREATE-RESULTS.md
 *   BENCH_OLD_ROOT=/path/to/old/checkout node bench/create.bench.ts   # the same beside another checkout, alternating
 * This checkout runs twice: with one world for an environment's instances, and with one per core (instance shards).
 *   BENCH_ROUNDS=2 BENCH_WRK_SECONDS=10 BENCH_ENVS=shop,tracker
 */
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort } from "../cli/farm/free-port.ts";
import { cpuMsOf } from "../cli/farm/world-process.ts";
import { ROOT } from "../cli/paths.ts";
import { loadAverage, machineLines } from "./machine.ts";
import { wrk, type WrkResult } from "./wrk.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 10);
const ENVS = (process.env.BENCH_ENVS ?? "shop,tracker").split(",");
const WARM_CREATES = 5;
const RESULTS = join(ROOT, "bench/CREATE-RESULTS.md");

interface Checkout {
  label: string;
  root: string;
  instanceShards?: number;
}

interface Measured {
  checkout: string;
  env: string;
  one: WrkResult;
  eight: WrkResult;
  /** CPU ms per create over the eight-connection run: all workerd processes, and the busiest of them. */
  totalCpu: number;
  busiestCpu: number;
}

type LocalFarm = { url: URL; token: string; workerdPids(): number[]; dispose(): Promise<void> };

async function measure(checkout: Checkout, envName: string, dir: string): Promise<Measured> {
  const { startLocalFarm } = await import(pathToFileURL(join(checkout.root, "cli/farm/local-farm.ts")).href);
  const { buildEnv } = await import(pathToFileURL(join(checkout.root, "cli/build/bundle-env.ts")).href);
  const farm: LocalFarm = await startLocalFarm({
    port: await freePort(),
    persistDir: await mkdtemp(join(dir, `${checkout.label.replace(/\W+/g, "-")}-${envName}-`)),
    vars: { MAX_LIVE_INSTANCES: "100000" },
    ...(checkout.instanceShards ? { instanceShards: checkout.instanceShards } : {}),
  });
  try {
    const url = farm.url.toString().replace(/\/$/, "");
    const headers = { authorization: `Bearer ${farm.token}` };
    const bundle = await buildEnv(join(checkout.root, "envs", envName));
    const put = await fetch(`${url}/v1/envs/${envName}`, {
      method: "PUT",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(bundle),
    });
    if (put.status !== 201)
      throw new Error(`${checkout.label} upload of ${envName}: ${put.status} ${await put.text()}`);
    const create = `${url}/v1/envs/${envName}/instances`;
    for (let i = 0; i < WARM_CREATES; i++) {
      const res = await fetch(create, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: "{}",
      });
      if (res.status !== 201) throw new Error(`${checkout.label} create: ${res.status} ${await res.text()}`);
    }
    const run = { body: {}, headers, seconds: SECONDS, dir };
    const one = await wrk(create, { ...run, threads: 1, connections: 1 });
    // Worlds start on first use: the pids are read once every process of this environment is up.
    const pids = farm.workerdPids();
    const cpu = () => pids.map((pid) => cpuMsOf(pid) ?? 0);
    const before = cpu();
    const eight = await wrk(create, { ...run, threads: 2, connections: 8 });
    const used = cpu().map((ms, i) => (ms - before[i]!) / Math.max(1, eight.requests));
    return {
      checkout: checkout.label,
      env: envName,
      one,
      eight,
      totalCpu: used.reduce((a, b) => a + b, 0),
      busiestCpu: Math.max(0, ...used),
    };
  } finally {
    await farm.dispose();
  }
}

const r1 = (x: number) => x.toFixed(1);

function report(rows: Measured[], loadAtStart: string, oldRoot: string | undefined): string {
  return [
    `# ${new Date().toISOString()}`,
    "",
    ...machineLines(loadAtStart),
    `- Command: \`${oldRoot ? `BENCH_OLD_ROOT=${oldRoot} ` : ""}node bench/create.bench.ts\` (${ROUNDS} rounds, wrk ${SECONDS} s a run; a fresh farm for every environment and round, state on disk; checkouts alternate)`,
    "- Aim (issue 14): p50 under 20 ms on one connection, 100 creates/s or more with 8 clients.",
    "",
    "| checkout | env | 1 conn p50 ms | p99 ms | creates/s | 8 conns creates/s | p50 ms | errors | CPU ms/create, all workerds | busiest workerd |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (m) =>
        `| ${m.checkout} | ${m.env} | ${r1(m.one.p50)} | ${r1(m.one.p99)} | ${r1(m.one.rps)} | ${r1(m.eight.rps)} | ${r1(m.eight.p50)} | ${m.one.errors + m.eight.errors} | ${r1(m.totalCpu)} | ${r1(m.busiestCpu)} |`,
    ),
    "",
  ].join("\n");
}

const loadAtStart = loadAverage();
const oldRoot = process.env.BENCH_OLD_ROOT;
const label = oldRoot ? "new" : "this";
const checkouts: Checkout[] = [
  ...(oldRoot ? [{ label: "old", root: oldRoot }] : []),
  { label, root: ROOT },
  { label: `${label}, ${cpus().length} instance shards`, root: ROOT, instanceShards: cpus().length },
];
const dir = await mkdtemp(join(tmpdir(), "worldfarm-create-bench-"));
const rows: Measured[] = [];
try {
  for (let round = 0; round < ROUNDS; round++)
    for (const envName of ENVS)
      for (const checkout of round % 2 ? [...checkouts].reverse() : checkouts) {
        const m = await measure(checkout, envName, dir);
        console.error(JSON.stringify(m));
        rows.push(m);
      }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const text = report(rows, loadAtStart, oldRoot);
console.log(text);
await appendFile(RESULTS, `${text}\n`);
