import { writeFile } from "node:fs/promises";
import { ignoreWarning } from "../ignore-warning.ts";
import { UsageError, type Command } from "./command.ts";

/**
 * Loaded when a synth command runs. The pipeline builds schemas in node:sqlite, which Node 22 still calls
 * experimental; the warning says nothing a user could act on.
 */
async function pipeline() {
  ignoreWarning("ExperimentalWarning", /^SQLite is an experimental feature/);
  const [config, context, usage, pipeline] = await Promise.all([
    import("../../synth/config.ts"),
    import("../../synth/context.ts"),
    import("../../synth/llm/usage.ts"),
    import("../../synth/pipeline.ts"),
  ]);
  return {
    contextFrom: config.contextFrom,
    files: context.files,
    describeUsage: usage.describeUsage,
    PIPELINES: pipeline.PIPELINES,
    runPipeline: pipeline.runPipeline,
  };
}

export const synth: Command = {
  summary: "synthesize environments with an OpenAI-compatible LLM: scenarios -> ... -> validated envs/<name>/",
  usage: `worldfarm synth <stage> [options]

Stages: scenarios, tasks, schema, seed, tools, verifiers, validate; "all" runs them in order; "import-awm" imports
the Agent World Model's jsonl files (--awm DIR) and ports their Python tools and verifiers. Each stage reads and
writes jsonl in the work folder; a rerun skips what is done. Valid environments go to --envs (default envs/),
the report to <work>/report.md.

LLM (flag, else environment variable):
  --base-url URL        SYNTH_BASE_URL or OPENAI_BASE_URL (an OpenAI-compatible /v1)
  --api-key KEY         SYNTH_API_KEY or OPENAI_API_KEY
  --model NAME          SYNTH_MODEL
  --stage-model S=NAME, --stage-base-url S=URL, --stage-api-key S=KEY   per stage (SYNTH_<STAGE>_MODEL, ...)
  --embed-model NAME    SYNTH_EMBED_MODEL: deduplicate scenarios by embeddings (else by shared words)
  --embed-base-url URL  SYNTH_EMBED_BASE_URL (default: --base-url)
  --price-in USD, --price-out USD   per million tokens, for the cost line (SYNTH_PRICE_IN, SYNTH_PRICE_OUT)
  --concurrency N (8)   requests and items in flight   --retries N (3)   corrections per item
  --temperature T (0.2) --no-cache   --dry-run (print the prompts it would send, write nothing; needs no endpoint)

Pipeline:
  --work DIR (synth-work)   --envs DIR (envs)   --limit N (new items per stage)
  --seeds FILE          seed names: jsonl {"name","description"} or one name a line
  --per-seed N (1)      --tasks K (10)   --tools N (35)   --min-tasks N (1)   --dedup-threshold X
  --awm DIR             AWM data folder (gen_scenario.jsonl, gen_tasks.jsonl, gen_db.jsonl, ...)
  --farm URL            validate on this farm (--farm-token T) instead of a throwaway local one
  --farm-concurrency N (2)`,
  options: {
    work: { type: "string" },
    envs: { type: "string" },
    seeds: { type: "string" },
    awm: { type: "string" },
    "base-url": { type: "string" },
    "api-key": { type: "string" },
    model: { type: "string" },
    "stage-model": { type: "string", multiple: true },
    "stage-base-url": { type: "string", multiple: true },
    "stage-api-key": { type: "string", multiple: true },
    "embed-model": { type: "string" },
    "embed-base-url": { type: "string" },
    "price-in": { type: "string" },
    "price-out": { type: "string" },
    concurrency: { type: "string" },
    retries: { type: "string" },
    temperature: { type: "string" },
    "no-cache": { type: "boolean" },
    "dry-run": { type: "boolean" },
    limit: { type: "string" },
    "per-seed": { type: "string" },
    tasks: { type: "string" },
    tools: { type: "string" },
    "min-tasks": { type: "string" },
    "dedup-threshold": { type: "string" },
    farm: { type: "string" },
    "farm-token": { type: "string" },
    "farm-concurrency": { type: "string" },
    json: { type: "boolean" },
  },
  async run(values, positionals) {
    const { contextFrom, files, describeUsage, PIPELINES, runPipeline } = await pipeline();
    const [stage, ...extra] = positionals;
    if (!stage || extra.length || !PIPELINES[stage])
      throw new UsageError(`name one stage: ${Object.keys(PIPELINES).join(", ")}`);
    const ctx = contextFrom(values);
    if ((stage === "all" || stage === "scenarios") && !ctx.options.seeds) {
      await ctx.farm.dispose();
      throw new UsageError(
        'the scenarios stage needs --seeds FILE (seed names: jsonl {"name","description"} or one name a line)',
      );
    }
    try {
      const results = await runPipeline(ctx, stage);
      const usage = ctx.usage.summary();
      if (!ctx.dryRun) await writeFile(files(ctx.work).usage, JSON.stringify(usage, null, 2) + "\n");
      if (values.json) console.log(JSON.stringify({ results, usage }));
      else {
        for (const [name, r] of Object.entries(results))
          console.log(`${name.padEnd(10)} ${r.ok} ok, ${r.dropped} dropped, ${r.skipped} already done`);
        for (const [name, u] of Object.entries(usage)) console.error(`${name.padEnd(10)} ${describeUsage(u, u.cost)}`);
      }
    } finally {
      await ctx.farm.dispose();
    }
    return 0;
  },
};
