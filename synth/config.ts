import { join, resolve } from "node:path";
import { UsageError } from "../cli/commands/command.ts";
import { ROOT } from "../cli/paths.ts";
import type { SynthContext } from "./context.ts";
import { files } from "./context.ts";
import { sharedFarm } from "./farm.ts";
import { ResponseCache } from "./llm/cache.ts";
import { createLlmClient, type Endpoint } from "./llm/client.ts";
import { UsageMeter } from "./llm/usage.ts";

export type Values = Record<string, string | boolean | string[] | undefined>;

function number(values: Values, name: string, fallback: number, { min = 0, integer = true } = {}): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} must be ${integer ? "an integer" : "a number"} >= ${min}, not "${raw}"`);
  return n;
}

/** `--stage-model tools=gpt-x` pairs as a map; anything else is a usage error. */
function perStage(values: Values, name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of (values[name] as string[] | undefined) ?? []) {
    const at = pair.indexOf("=");
    if (at < 1) throw new UsageError(`--${name} takes STAGE=VALUE, not "${pair}"`);
    out.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return out;
}

/**
 * The context a synth run works in, from flags, then SYNTH_* environment variables (per stage as
 * SYNTH_<STAGE>_MODEL and so on), then defaults.
 */
export function contextFrom(values: Values, env: NodeJS.ProcessEnv = process.env): SynthContext {
  const work = resolve(String(values.work ?? env.SYNTH_WORK ?? "synth-work"));
  const models = perStage(values, "stage-model");
  const urls = perStage(values, "stage-base-url");
  const keys = perStage(values, "stage-api-key");
  // A stage's own setting beats the general one; a flag beats its environment variable.
  const setting = (stage: string, flags: Map<string, string>, flag: string, name: string, fallback?: string) =>
    flags.get(stage) ??
    env[`SYNTH_${stage.toUpperCase().replace(/-/g, "_")}_${name}`] ??
    (values[flag] as string | undefined) ??
    env[`SYNTH_${name}`] ??
    (fallback ? env[fallback] : undefined);
  const dryRun = values["dry-run"] === true;
  const endpoint = (stage: string): Endpoint => {
    const apiKey = setting(stage, keys, "api-key", "API_KEY", "OPENAI_API_KEY");
    // A dry run sends nothing: it prints where each prompt would go, or that nothing says so yet.
    const baseUrl =
      setting(stage, urls, "base-url", "BASE_URL", "OPENAI_BASE_URL") ?? (dryRun ? "(no --base-url)" : undefined);
    const model = setting(stage, models, "model", "MODEL") ?? (dryRun ? "(no --model)" : undefined);
    if (!baseUrl) throw new Error(`no LLM endpoint for the ${stage} stage: set --base-url or SYNTH_BASE_URL`);
    if (!model) throw new Error(`no model for the ${stage} stage: set --model or SYNTH_MODEL`);
    return { baseUrl, model, ...(apiKey ? { apiKey } : {}) };
  };
  const embedModel = (values["embed-model"] as string | undefined) ?? env.SYNTH_EMBED_MODEL;
  const embedUrl =
    (values["embed-base-url"] as string | undefined) ??
    env.SYNTH_EMBED_BASE_URL ??
    (values["base-url"] as string | undefined) ??
    env.SYNTH_BASE_URL ??
    env.OPENAI_BASE_URL;
  if (embedModel && !embedUrl) throw new UsageError("--embed-model needs --embed-base-url or --base-url");
  const embedKey = (values["api-key"] as string | undefined) ?? env.SYNTH_API_KEY ?? env.OPENAI_API_KEY;
  const usage = new UsageMeter({
    input: number(values, "price-in", Number(env.SYNTH_PRICE_IN ?? 0), { integer: false }),
    output: number(values, "price-out", Number(env.SYNTH_PRICE_OUT ?? 0), { integer: false }),
  });
  const concurrency = number(values, "concurrency", 8, { min: 1 });
  const farmUrl = (values.farm as string | undefined) ?? env.SYNTH_FARM_URL;
  const farmToken = (values["farm-token"] as string | undefined) ?? env.FARM_ADMIN_TOKEN;
  const dedup =
    values["dedup-threshold"] === undefined ? undefined : number(values, "dedup-threshold", 0, { integer: false });
  return {
    work,
    envsDir: resolve(String(values.envs ?? join(ROOT, "envs"))),
    usage,
    concurrency,
    retries: number(values, "retries", 3),
    dryRun,
    ...(values.limit !== undefined ? { limit: number(values, "limit", 0, { min: 1 }) } : {}),
    farm: sharedFarm({
      ...(farmUrl ? { url: farmUrl } : {}),
      ...(farmToken ? { token: farmToken } : {}),
      concurrency: number(values, "farm-concurrency", 2, { min: 1 }),
    }),
    llm: createLlmClient({
      endpoint,
      ...(embedModel
        ? { embeddings: { baseUrl: embedUrl!, model: embedModel, ...(embedKey ? { apiKey: embedKey } : {}) } }
        : {}),
      usage,
      ...(values["no-cache"] ? {} : { cache: new ResponseCache(files(work).cache) }),
      concurrency,
      temperature: number(values, "temperature", 0.2, { integer: false }),
      dryRun,
    }),
    options: {
      ...(values.seeds ? { seeds: resolve(String(values.seeds)) } : {}),
      ...(values.awm ? { awm: resolve(String(values.awm)) } : {}),
      perSeed: number(values, "per-seed", 1, { min: 1 }),
      tasks: number(values, "tasks", 10, { min: 1 }),
      tools: number(values, "tools", 35, { min: 1 }),
      minTasks: number(values, "min-tasks", 1, { min: 1 }),
      ...(dedup !== undefined ? { dedupThreshold: dedup } : {}),
    },
  };
}
