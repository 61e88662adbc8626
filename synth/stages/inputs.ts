import { files, type SynthContext } from "../context.ts";
import { readJsonl } from "../jsonl.ts";
import {
  AwmSourceRecord,
  ScenarioRecord,
  SchemaRecord,
  SeedRecord,
  SpecRecord,
  TasksRecord,
  ToolsRecord,
  VerifiersRecord,
} from "../records.ts";
import { okRecords } from "../stage.ts";

/** What the earlier stages made for each environment that got this far, joined by name. */
export async function envInputs(ctx: SynthContext) {
  const f = files(ctx.work);
  const [scenarios, tasks, schemas, seeds, specs, tools, verifiers, awm] = await Promise.all([
    okRecords(f.scenarios, ScenarioRecord),
    okRecords(f.tasks, TasksRecord),
    okRecords(f.schema, SchemaRecord),
    okRecords(f.seed, SeedRecord),
    okRecords(f.spec, SpecRecord),
    okRecords(f.tools, ToolsRecord),
    okRecords(f.verifiers, VerifiersRecord),
    readJsonl(f.awm, AwmSourceRecord),
  ]);
  const awmByEnv = new Map(awm.map((a) => [a.env, a]));
  return [...seeds.values()].flatMap((seed) => {
    const scenario = scenarios.get(seed.env);
    const taskList = tasks.get(seed.env);
    const schema = schemas.get(seed.env);
    if (!scenario || !taskList || !schema) return [];
    return [
      {
        env: seed.env,
        scenario,
        tasks: taskList.tasks,
        ddl: schema.ddl,
        seedSql: seed.sql,
        spec: specs.get(seed.env),
        tools: tools.get(seed.env),
        verifiers: verifiers.get(seed.env),
        awm: awmByEnv.get(seed.env),
      },
    ];
  });
}
export type EnvInputs = Awaited<ReturnType<typeof envInputs>>[number];

/** A validation report as problems the model can act on. */
export function reportProblems(report: {
  world: { ok: boolean; error?: string | undefined };
  tools: { tool: string; ok: boolean; error?: string | undefined }[];
}): string[] {
  return [
    ...(report.world.ok ? [] : [`the world does not build in the runtime: ${report.world.error}`]),
    ...report.tools.filter((t) => !t.ok).map((t) => `tool ${t.tool} is broken on a smoke call: ${t.error}`),
  ];
}

/** At most `n` lines, so one bad file does not fill the model's context. */
export const firstLines = (lines: string[], n = 30) =>
  lines.length > n ? [...lines.slice(0, n), `... and ${lines.length - n} more`] : lines;
