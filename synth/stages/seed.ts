import { files, type SynthContext } from "../context.ts";
import { checkSql } from "../env/sqlite.ts";
import { converge, Dialogue } from "../llm/dialogue.ts";
import { renderPrompt } from "../prompts/render.ts";
import { ScenarioRecord, SchemaRecord, type SeedRecord, TasksRecord } from "../records.ts";
import { SeedReply } from "../responses.ts";
import { okRecords, runStage } from "../stage.ts";
import { taskList } from "./tasks.ts";

/** Rows that make every task solvable, executed for real over the schema; SQLite's errors go back. */
export async function seedStage(ctx: SynthContext) {
  const f = files(ctx.work);
  const scenarios = await okRecords(f.scenarios, ScenarioRecord);
  const tasks = await okRecords(f.tasks, TasksRecord);
  const schemas = [...(await okRecords(f.schema, SchemaRecord)).values()].filter(
    (s) => tasks.has(s.env) && scenarios.has(s.env),
  );
  return runStage(ctx, {
    stage: "seed",
    file: f.seed,
    items: schemas,
    key: (s) => s.env,
    dropped: (s, reasons): SeedRecord => ({ env: s.env, sql: "", status: "dropped", reasons }),
    async run(schema): Promise<SeedRecord> {
      const s = scenarios.get(schema.env)!;
      const prompt = renderPrompt("seed", {
        title: s.title,
        ddl: schema.ddl,
        tasks: taskList(tasks.get(schema.env)!.tasks),
      });
      const { sql } = await converge(
        new Dialogue(ctx.llm, "seed", SeedReply, prompt, ctx.retries + 1),
        (r) => checkSql(schema.ddl, r.sql).problems,
      );
      return { env: schema.env, sql, status: "ok", reasons: [] };
    },
  });
}
