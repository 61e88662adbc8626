/**
 * Where the farm's workerd processes spend their CPU, native and JavaScript alike: buckets the stacks of a `perf`
 * recording by what they were doing. A V8 profile (bench/profile-batch.ts) sees one isolate's JavaScript only, and
 * blames whatever frame is on top while SQLite, an fsync or another isolate runs; perf sees all of it.
 *
 * Record a batch with JavaScript frames named (V8's perf map), then read it:
 *   MINIFLARE_WORKERD_V8_FLAGS=--perf-basic-prof BENCH_CONCURRENCY=128 node bench/batch.bench.ts 1024 0 &
 *   sleep 20; perf record -F 999 -g -a -o /tmp/perf.data -- sleep 25
 *   perf script -i /tmp/perf.data --comm workerd -F comm,tid,ip,sym | node bench/perf-stacks.ts
 */
import { createInterface } from "node:readline";

/** First match wins, so a stack that evaluates a bundle and collects garbage inside it counts as evaluation. */
const BUCKETS: [string, (stack: string) => boolean][] = [
  ["module evaluation (a world's bundle code)", (s) => s.includes("evaluate main.js")],
  ["garbage collection", (s) => /CollectGarbage|Scavenger|MarkCompact|ConcurrentMarking/.test(s)],
  ["fsync", (s) => s.includes("fsync")],
  ["actor created", (s) => /worker_new_actor|Actor::Actor\b/.test(s)],
  ["actor destroyed", (s) => s.includes("~Actor")],
  ["SQLite", (s) => s.includes("sqlite3")],
  ["JSON.parse", (s) => s.includes("JsonParser")],
  ["JSON.stringify", (s) => s.includes("JsonStringify")],
  ["structured clone (RPC arguments and results)", (s) => /ValueSerializer|ValueDeserializer|jsg::Serializer/.test(s)],
  ["compiling code", (s) => /compileWorker|instantiateModule|Compiler/.test(s)],
  ["JavaScript, other", (s) => s.includes(" JS:")],
  ["capnp (RPC)", (s) => s.includes("capnp")],
  ["kj HTTP", (s) => s.includes("Http")],
];

const counts = new Map<string, number>();
const outermost = new Map<string, number>();
let stacks = 0;
let frames: string[] = [];

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function flush(): void {
  if (frames.length === 0) return;
  stacks++;
  const stack = frames.join("\n");
  count(counts, BUCKETS.find(([, test]) => test(stack))?.[0] ?? "native, other");
  // The farm's own function furthest from the top names the operation a stack belongs to.
  const farm = frames.filter((f) => f.includes(" JS:") && f.includes("worker/index.js")).at(-1);
  if (farm) count(outermost, farm.replace(/^\s*\S+ JS:/, ""));
  frames = [];
}

for await (const line of createInterface({ input: process.stdin })) {
  // A stack's header line names the command (`workerd`, or V8's helper threads); its frames are indented.
  if (line.trim() === "" || !/^\s/.test(line)) flush();
  else frames.push(line);
}
flush();

const table = (map: Map<string, number>, limit: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, n]) => `${((100 * n) / stacks).toFixed(1).padStart(6)} %  ${name}`)
    .join("\n");
console.log(`${stacks} stacks\n\n${table(counts, BUCKETS.length + 1)}`);
console.log(`\nby the farm's outermost function (stacks with one):\n${table(outermost, 25)}`);
