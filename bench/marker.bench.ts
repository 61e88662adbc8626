/**
 * What the rollout's call marker costs: before every tool call (and the verifier) a rollout writes a `call` marker
 * and waits for `storage.sync()`, so that a restart knows which call was running (rollout-object.ts). This measures
 * that cost alone, in a real workerd with a Durable Object's SQLite on disk, against the same turn without it:
 *
 *   without: the tool's write + the turn's checkpoint + the commit at the turn's end (what a policy request's await
 *            gives the real loop);
 *   with:    the marker + sync() first, then the same.
 *
 * Rounds alternate the two (ABAB...), so a loaded machine weighs on both alike. Appends to bench/RECOVERY-RESULTS.md.
 * Run: node bench/marker.bench.ts [rounds] [turnsPerRound]
 */
import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus, loadavg, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../cli/paths.ts";

const ROUNDS = Number(process.argv[2] ?? 20);
const TURNS = Number(process.argv[3] ?? 200);

const SCRIPT = `
import { DurableObject } from "cloudflare:workers";
export class Turns extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
  }
  async run(turns, marker) {
    const kv = this.ctx.storage.kv;
    const messages = Array.from({ length: 8 }, (_, i) => ({ role: "tool", content: "x".repeat(200) + i }));
    for (let turn = 0; turn < turns; turn++) {
      if (marker) {
        kv.put("call", { turn, tool: "add_item", key: "b_0.g0.0:" + turn + ":0:1f2e3d4c", attempt: 1 });
        await this.ctx.storage.sync();
      }
      this.ctx.storage.sql.exec("INSERT INTO items (title) VALUES (?)", "t" + turn);
      kv.put("turn:" + turn, { turn, reply: { content: null }, toolResults: [{ ok: true, output: "{}" }] });
      kv.put("state", { messages, turnCount: turn + 1 });
      kv.delete("call");
      await this.ctx.storage.sync();
    }
    return turns;
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const stub = env.TURNS.getByName(url.searchParams.get("object"));
    return Response.json(await stub.run(Number(url.searchParams.get("turns")), url.searchParams.get("marker") === "1"));
  },
};`;

async function runtime() {
  const fromWrangler = createRequire(createRequire(import.meta.url).resolve("wrangler"));
  return (await import(fromWrangler.resolve("miniflare"))) as typeof import("miniflare");
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const mf = await runtime();
const dir = await mkdtemp(join(tmpdir(), "worldfarm-marker-bench-"));
const farm = new mf.Miniflare(
  mf.convertV4MiniflareOptions({
    modules: true,
    script: SCRIPT,
    compatibilityDate: "2026-01-01",
    durableObjects: { TURNS: { className: "Turns", useSQLite: true } },
    resourcePersistencePath: dir,
  } as never),
);
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(" ");
const perTurn: Record<"with" | "without", number[]> = { with: [], without: [] };
try {
  await farm.ready;
  const once = async (marker: boolean, object: string) => {
    const started = performance.now();
    const res = await farm.dispatchFetch(`http://bench/?object=${object}&turns=${TURNS}&marker=${marker ? 1 : 0}`);
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    await res.json();
    return (performance.now() - started) / TURNS;
  };
  // Warm both paths (the objects' databases created, the script compiled) before anything is counted.
  await once(true, "warm-with");
  await once(false, "warm-without");
  for (let round = 0; round < ROUNDS; round++) {
    for (const marker of round % 2 === 0 ? [true, false] : [false, true]) {
      perTurn[marker ? "with" : "without"].push(await once(marker, `${marker ? "with" : "without"}-${round}`));
    }
  }
} finally {
  await farm.dispose();
  await rm(dir, { recursive: true, force: true });
}

const withMs = median(perTurn.with);
const withoutMs = median(perTurn.without);
const paired = perTurn.with.map((w, i) => w - perTurn.without[i]!);
const cpu = (await readFile("/proc/cpuinfo", "utf8")).match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown";
const lines = [
  "",
  `## Marker cost, ${new Date().toISOString()}`,
  "",
  `Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, "${cpu}"; load at start ${load}, at end ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}.`,
  `Command: \`node bench/marker.bench.ts ${ROUNDS} ${TURNS}\`: ${ROUNDS} rounds of ${TURNS} turns each way, alternating, one Durable Object (SQLite on disk, local workerd) per round.`,
  "",
  "| turn | median ms per turn | min | max |",
  "|---|---|---|---|",
  `| without the marker | ${withoutMs.toFixed(3)} | ${Math.min(...perTurn.without).toFixed(3)} | ${Math.max(...perTurn.without).toFixed(3)} |`,
  `| with the marker (write + sync) | ${withMs.toFixed(3)} | ${Math.min(...perTurn.with).toFixed(3)} | ${Math.max(...perTurn.with).toFixed(3)} |`,
  `| the marker, paired difference (median) | ${median(paired).toFixed(3)} | ${Math.min(...paired).toFixed(3)} | ${Math.max(...paired).toFixed(3)} |`,
  "",
];
console.log(lines.join("\n"));
await appendFile(join(ROOT, "bench/RECOVERY-RESULTS.md"), lines.join("\n"));
