import { files, type SynthContext } from "../context.ts";
import { converge, Dialogue } from "../llm/dialogue.ts";
import { renderPrompt } from "../prompts/render.ts";
import { ScenarioRecord, type TaskSpec, type TasksRecord } from "../records.ts";
import { TasksReply } from "../responses.ts";
import { okRecords, runStage } from "../stage.ts";

export const taskList = (tasks: TaskSpec[]) => tasks.map((t) => `- ${t.id}: ${t.prompt}`).join("\n");

function taskProblems(tasks: TaskSpec[], wanted: number): string[] {
  const problems: string[] = [];
  if (tasks.length < wanted) problems.push(`${tasks.length} tasks given, ${wanted} asked for`);
  const seen = new Set<string>();
  for (const t of tasks) {
    if (seen.has(t.id)) problems.push(`task id "${t.id}" is used twice`);
    seen.add(t.id);
  }
  return problems;
}

/** K concrete, checkable tasks per scenario, for the logged-in user. */
export async function tasksStage(ctx: SynthContext) {
  const f = files(ctx.work);
  const scenarios = [...(await okRecords(f.scenarios, ScenarioRecord)).values()];
  return runStage(ctx, {
    stage: "tasks",
    file: f.tasks,
    items: scenarios,
    key: (s) => s.env,
    dropped: (s, reasons): TasksRecord => ({ env: s.env, tasks: [], status: "dropped", reasons }),
    async run(s): Promise<TasksRecord> {
      const dialogue = new Dialogue(
        ctx.llm,
        "tasks",
        TasksReply,
        renderPrompt("tasks", { title: s.title, description: s.description, count: ctx.options.tasks }),
        ctx.retries + 1,
      );
      const { tasks } = await converge(dialogue, (r) => taskProblems(r.tasks, ctx.options.tasks));
      return { env: s.env, tasks: tasks.slice(0, ctx.options.tasks), status: "ok", reasons: [] };
    },
  });
}
