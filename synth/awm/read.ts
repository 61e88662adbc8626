import { access } from "node:fs/promises";
import { join } from "node:path";
import type { z } from "zod";
import { readJsonl } from "../jsonl.ts";
import { AwmDb, AwmEnv, AwmSample, AwmScenario, AwmSpec, AwmTasks, AwmVerifier, awmKey } from "./format.ts";

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function byScenario<S extends z.ZodType<{ scenario: string }>>(
  dir: string,
  name: string,
  schema: S,
): Promise<Map<string, z.infer<S>>> {
  const file = join(dir, name);
  if (!(await exists(file))) throw new Error(`${dir} is not an AWM data folder: ${name} is missing`);
  return new Map((await readJsonl(file, schema)).map((r) => [awmKey(r.scenario), r]));
}

/** Everything AWM released about each scenario, joined on the scenario's key. */
export async function readAwm(dir: string) {
  const scenariosFile = join(dir, "gen_scenario.jsonl");
  if (!(await exists(scenariosFile)))
    throw new Error(`${dir} is not an AWM data folder: gen_scenario.jsonl is missing`);
  // The released dataset names the verifiers file gen_verifier.pure_code.jsonl, the generator gen_verifier.jsonl.
  const verifierFile = (await exists(join(dir, "gen_verifier.pure_code.jsonl")))
    ? "gen_verifier.pure_code.jsonl"
    : "gen_verifier.jsonl";
  const [scenarios, tasks, dbs, samples, specs, envs, verifierRows] = await Promise.all([
    readJsonl(scenariosFile, AwmScenario),
    byScenario(dir, "gen_tasks.jsonl", AwmTasks),
    byScenario(dir, "gen_db.jsonl", AwmDb),
    byScenario(dir, "gen_sample.jsonl", AwmSample),
    byScenario(dir, "gen_spec.jsonl", AwmSpec),
    byScenario(dir, "gen_envs.jsonl", AwmEnv),
    readJsonl(join(dir, verifierFile), AwmVerifier).then(async (rows) => {
      if (!rows.length && !(await exists(join(dir, verifierFile))))
        throw new Error(`${dir} is not an AWM data folder: ${verifierFile} is missing`);
      return rows;
    }),
  ]);
  const verifiers = new Map<string, Map<number, string>>();
  for (const v of verifierRows) {
    const key = awmKey(v.scenario);
    if (!verifiers.has(key)) verifiers.set(key, new Map());
    verifiers.get(key)!.set(v.task_idx, v.verification.code);
  }
  return scenarios.map((s) => {
    const key = awmKey(s.name);
    return {
      name: s.name,
      description: s.description,
      key,
      tasks: tasks.get(key)?.tasks,
      db: dbs.get(key)?.db_schema,
      sample: samples.get(key)?.sample_data,
      spec: specs.get(key)?.api_spec,
      code: envs.get(key)?.full_code,
      verifiers: verifiers.get(key) ?? new Map<number, string>(),
    };
  });
}
export type AwmScenarioData = Awaited<ReturnType<typeof readAwm>>[number];
