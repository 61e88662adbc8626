import { files, type SynthContext } from "../context.ts";
import { checkSql } from "../env/sqlite.ts";
import { converge, Dialogue } from "../llm/dialogue.ts";
import { renderPrompt } from "../prompts/render.ts";
import { ScenarioRecord, type SchemaRecord, TasksRecord } from "../records.ts";
import { SchemaReply } from "../responses.ts";
import { okRecords, runStage } from "../stage.ts";
import { taskList } from "./tasks.ts";

/** SQLite DDL supporting the tasks, executed for real; SQLite's errors go back to the model. */
export async function schemaStage(ctx: SynthContext) {
  const f = files(ctx.work);
  const scenarios = await okRecords(f.scenarios, ScenarioRecord);
  const tasks = [...(await okRecords(f.tasks, TasksRecord)).values()].filter((t) => scenarios.has(t.env));
  return runStage(ctx, {
    stage: "schema",
    file: f.schema,
    items: tasks,
    key: (t) => t.env,
    dropped: (t, reasons): SchemaRecord => ({ env: t.env, ddl: "", status: "dropped", reasons }),
    async run(t): Promise<SchemaRecord> {
      const s = scenarios.get(t.env)!;
      const dialogue = new Dialogue(
        ctx.llm,
        "schema",
        SchemaReply,
        renderPrompt("schema", { title: s.title, description: s.description, tasks: taskList(t.tasks) }),
        ctx.retries + 1,
      );
      const { ddl } = await converge(dialogue, (r) => checkSql(r.ddl).problems);
      return { env: t.env, ddl, status: "ok", reasons: [] };
    },
  });
}
