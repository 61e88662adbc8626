import { z } from "zod";
import { BatchSpec } from "../../../workers/shared/batch.ts";
import type { PolicySpec } from "../../../workers/shared/policy-spec.ts";
import { intOption, UsageError } from "../command.ts";

type Values = Record<string, string | boolean | undefined>;

export const POLICIES = ["oracle", "random", "openai"] as const;

/** Tasks as flags name them: ids for the one --env, or env:task pairs. */
function tasks(envs: string[], list: string | undefined): BatchSpec["tasks"] {
  if (!list || list === "all") return Object.fromEntries(envs.map((e) => [e, "all" as const]));
  const picked = list
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      const at = t.indexOf(":");
      if (at > 0) return { env: t.slice(0, at), taskId: t.slice(at + 1) };
      if (envs.length !== 1)
        throw new UsageError(
          `--tasks: say which environment "${t}" is from (env:task) when --env names ${envs.length ? "several" : "none"}`,
        );
      return { env: envs[0]!, taskId: t };
    });
  if (!picked.length) throw new UsageError("--tasks names no task");
  return picked;
}

/** The policy as flags describe it; the farm's schema fills in its defaults. */
function policy(values: Values): z.input<typeof PolicySpec> {
  const kind = (values.policy as string | undefined) ?? "oracle";
  if (kind === "oracle" || kind === "random") return { kind };
  if (kind !== "openai") throw new UsageError(`--policy is one of ${POLICIES.join(", ")}, not "${kind}"`);
  const baseUrl = (values["base-url"] as string | undefined) ?? process.env.OPENAI_BASE_URL;
  const model = (values.model as string | undefined) ?? process.env.OPENAI_MODEL;
  if (!baseUrl || !model)
    throw new UsageError("--policy openai needs --base-url (or $OPENAI_BASE_URL) and --model (or $OPENAI_MODEL)");
  const apiKey = (values["api-key"] as string | undefined) ?? process.env.OPENAI_API_KEY;
  const temperature = values.temperature === undefined ? undefined : Number(values.temperature);
  if (temperature !== undefined && !(temperature >= 0))
    throw new UsageError(`--temperature must be a number from 0, not "${values.temperature}"`);
  return { kind, baseUrl, model, ...(apiKey ? { apiKey } : {}), ...(temperature !== undefined ? { temperature } : {}) };
}

/** The batch the flags describe, checked against the farm's own schema before anything is sent. */
export function specFromFlags(values: Values, envFlags: string[]): BatchSpec {
  const envs = [...new Set(envFlags)];
  if (!envs.length && !(typeof values.tasks === "string" && values.tasks.includes(":")))
    throw new UsageError("name an environment: --env shop (repeat --env for several)");
  // Flags not given are left out, so the farm's schema supplies the defaults.
  const int = (flag: string, field: string, min: number, max: number) =>
    values[flag] === undefined ? {} : { [field]: intOption(values, flag, 0, min, max) };
  const draft = {
    tasks: tasks(envs, values.tasks as string | undefined),
    policy: policy(values),
    ...int("group", "groupSize", 1, 256),
    ...int("max-turns", "maxTurns", 1, 200),
    ...int("concurrency", "concurrency", 1, 4096),
    ...int("seed", "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    ...(values.format ? { toolFormat: values.format } : {}),
    ...(values["policy-version"] ? { policyVersion: values["policy-version"] } : {}),
  };
  const parsed = BatchSpec.safeParse(draft);
  if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error));
  return parsed.data;
}
