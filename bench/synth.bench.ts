/**
 * Synthesis pipeline cost without the model: `synth all` against the fake LLM (no latency), so what is measured
 * is the pipeline's own work (SQLite checks, typechecking, bundling, uploads, validation in workerd). The fixture
 * scenarios are cloned N times under new names; dedup is off so every clone goes through.
 *
 *   node bench/synth.bench.ts [--copies 2] [--concurrency 1,4]
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../cli/farm/free-port.ts";
import { startLocalFarm } from "../cli/farm/local-farm.ts";
import { ROOT } from "../cli/paths.ts";
import { contextFrom } from "../synth/config.ts";
import { files } from "../synth/context.ts";
import { loadRecordings, startFakeLlm, type Recording } from "../synth/fake-llm/server.ts";
import { readJsonl } from "../synth/jsonl.ts";
import { PIPELINES, runPipeline } from "../synth/pipeline.ts";
import { ValidateRecord } from "../synth/records.ts";

process.env.WRANGLER_SEND_METRICS = "false";
const { values } = parseArgs({
  options: { copies: { type: "string", default: "2" }, concurrency: { type: "string", default: "1,4" } },
});
const copies = Number(values.copies);
const levels = values.concurrency.split(",").map(Number);

/** The fixtures again under "<name> <i>", so each copy is its own scenario with its own recorded replies. */
function cloned(recordings: Recording[], i: number): Recording[] {
  const rename = (text: string) =>
    text
      .replaceAll("Evernote Notebooks", `Evernote Notebooks ${i}`)
      .replaceAll("Todoist Projects", `Todoist Projects ${i}`)
      .replace(/^Seed: (Evernote|Todoist)$/, `Seed: $1 ${i}\n`);
  const deep = (v: unknown): unknown =>
    typeof v === "string"
      ? rename(v)
      : Array.isArray(v)
        ? v.map(deep)
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]))
          : v;
  return recordings
    .filter((r) => !r.match.some((m) => m.includes("Weather") || m.includes("Evernote Notes\n")))
    .map((r) => deep(r) as Recording);
}

const base = await loadRecordings(join(ROOT, "synth/fixtures/recordings"));
const llm = await startFakeLlm({ recordings: Array.from({ length: copies }, (_, i) => cloned(base, i + 1)).flat() });
const tmp = await mkdtemp(join(tmpdir(), "synth-bench-"));
const farm = await startLocalFarm({ port: await freePort(), persistDir: join(tmp, "farm") });
const seeds = join(tmp, "seeds.txt");
await writeFile(seeds, Array.from({ length: copies }, (_, i) => `Evernote ${i + 1}\nTodoist ${i + 1}\n`).join(""));

const rows: string[] = [];
try {
  for (const concurrency of levels) {
    const work = join(tmp, `c${concurrency}`);
    const ctx = contextFrom(
      {
        work,
        envs: join(work, "envs"),
        seeds,
        "base-url": llm.url,
        model: "fake",
        "per-seed": "1",
        tasks: "3",
        "dedup-threshold": "2",
        farm: farm.url.toString(),
        "farm-token": farm.token,
        concurrency: String(concurrency),
        "farm-concurrency": String(concurrency),
      },
      {},
    );
    const times: Record<string, number> = {};
    const started = performance.now();
    for (const stage of PIPELINES.all!) {
      const t = performance.now();
      await runPipeline(ctx, stage);
      times[stage] = performance.now() - t;
    }
    const wall = performance.now() - started;
    const llmSeconds = Object.values(ctx.usage.summary()).reduce((s, u) => s + u.llmSeconds, 0);
    const valid = (await readJsonl(files(work).validate, ValidateRecord)).filter((r) => r.status === "ok");
    const inFarm = valid.reduce((s, r) => s + r.report!.ms, 0) / valid.length;
    const envs = copies * 2;
    rows.push(
      `| ${concurrency} | ${envs} | ${valid.length} | ${(wall / 1000).toFixed(1)} | ${((wall - llmSeconds * 1000) / envs / 1000).toFixed(2)} | ` +
        `${(times.tools! / 1000).toFixed(1)} | ${(times.verifiers! / 1000).toFixed(1)} | ${(times.validate! / envs / 1000).toFixed(2)} | ${inFarm.toFixed(0)} |`,
    );
    console.error(rows.at(-1));
  }
} finally {
  await farm.dispose();
  await llm.close();
  await rm(tmp, { recursive: true, force: true });
}
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}
| concurrency | envs | valid | wall s | pipeline s/env (LLM time excluded) | tools stage s | verifiers stage s | validate stage s/env | in-farm validation ms/env |
|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}`);
