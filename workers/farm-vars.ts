import { FarmError } from "./shared/errors.ts";

/** Farm-wide settings from wrangler.toml [vars]; each falls back to its default where a deployment leaves it out. */
export const DEFAULT_BATCH_RETAIN_SECONDS = 7 * 86_400;
export const DEFAULT_MCP_SESSION_TTL_SECONDS = 300;
export const DEFAULT_MAX_LIVE_INSTANCES = 1_000;

type Vars = Partial<Pick<Env, "BATCH_RETAIN_SECONDS" | "MCP_SESSION_TTL_SECONDS" | "MAX_LIVE_INSTANCES">>;

function wholeNumber(env: Vars, name: keyof Vars, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new FarmError("bad_configuration", 500, `${name} must be a whole number from 1 up, not "${raw}"`);
  return n;
}

/** Seconds a finished batch is kept when its spec does not say; null keeps batches until deleted by hand. */
export function batchRetainSeconds(env: Vars): number | null {
  return env.BATCH_RETAIN_SECONDS === "never"
    ? null
    : wholeNumber(env, "BATCH_RETAIN_SECONDS", DEFAULT_BATCH_RETAIN_SECONDS);
}

export function mcpSessionTtlSeconds(env: Vars): number {
  return wholeNumber(env, "MCP_SESSION_TTL_SECONDS", DEFAULT_MCP_SESSION_TTL_SECONDS);
}

export function maxLiveInstances(env: Vars): number {
  return wholeNumber(env, "MAX_LIVE_INSTANCES", DEFAULT_MAX_LIVE_INSTANCES);
}
