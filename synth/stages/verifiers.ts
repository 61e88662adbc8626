import { join } from "node:path";
import { files, type SynthContext } from "../context.ts";
import { Dropped } from "../errors.ts";
import { typecheckEnv } from "../env/typecheck.ts";
import { writeEnv } from "../env/write.ts";
import { Dialogue } from "../llm/dialogue.ts";
import { mapLimit } from "../llm/limit.ts";
import { renderPrompt } from "../prompts/render.ts";
import type { DroppedTask, TaskCode, TaskSpec, VerifiersRecord } from "../records.ts";
import { VerifierReply } from "../responses.ts";
import { runStage } from "../stage.ts";
import { envInputs, firstLines, reportProblems, type EnvInputs } from "./inputs.ts";

type Draft = { spec: TaskSpec; dialogue: Dialogue<typeof VerifierReply>; code: TaskCode };

/** What is wrong with each task's draft, by task id: compile errors first, then what validation in workerd found. */
async function problemsOf(
  ctx: SynthContext,
  inp: EnvInputs,
  drafts: Draft[],
  toolsCode: string,
  toolNames: string[],
): Promise<Map<string, string[]>> {
  const problems = new Map<string, string[]>();
  const add = (id: string, p: string[]) => p.length && problems.set(id, [...(problems.get(id) ?? []), ...p]);
  for (const d of drafts) {
    add(
      d.spec.id,
      d.code.solution
        .filter((s) => !toolNames.includes(s.tool))
        .map((s) => `the solution calls ${s.tool}, which is not a tool; tools are: ${toolNames.join(", ")}`),
    );
  }
  const dir = join(files(ctx.work).build, inp.env);
  const write = (tasks: Draft[]) =>
    writeEnv(dir, {
      name: inp.env,
      description: inp.scenario.description,
      ddl: inp.ddl,
      seedSql: inp.seedSql,
      toolsCode,
      tasks: tasks.map((d) => d.code),
    });
  await write(drafts.filter((d) => !problems.has(d.spec.id)));
  for (const [file, errors] of typecheckEnv(dir)) {
    const id = /^tasks\/(.+)\.ts$/.exec(file)?.[1];
    if (!id || !drafts.some((d) => d.spec.id === id))
      throw new Dropped([`generated file ${file} does not compile: ${errors.join("; ")}`]);
    add(
      id,
      firstLines(
        errors.map((e) => `type error: ${e}`),
        15,
      ),
    );
  }
  const runnable = drafts.filter((d) => !problems.has(d.spec.id));
  if (!runnable.length) return problems;
  await write(runnable);
  const report = await ctx.farm.validate(dir);
  const broken = reportProblems(report);
  if (broken.length) throw new Dropped(broken);
  for (const t of report.tasks) add(t.task, t.problems);
  return problems;
}

/**
 * A verifier (code mode, with info for judge mode) and a reference solution per task. All of an environment's
 * drafts are checked together each round (typecheck, then validation in workerd: the solution passes, doing
 * nothing fails) and each task's problems go back to its own conversation. Tasks still failing when their turns
 * run out are dropped; an environment left with fewer than --min-tasks is dropped.
 */
export async function verifiersStage(ctx: SynthContext) {
  const f = files(ctx.work);
  const inputs = (await envInputs(ctx)).filter((i) => i.tools);
  return runStage(ctx, {
    stage: "verifiers",
    file: f.verifiers,
    items: inputs,
    key: (i) => i.env,
    dropped: (i, reasons): VerifiersRecord => ({ env: i.env, tasks: [], dropped: [], status: "dropped", reasons }),
    async run(inp): Promise<VerifiersRecord> {
      const tools = inp.tools!;
      const dropped: DroppedTask[] = [];
      const started = await mapLimit(inp.tasks, ctx.concurrency, async (spec, index): Promise<Draft | undefined> => {
        const python = inp.awm?.verifiers[String(index)];
        const vars = {
          title: inp.scenario.title,
          ddl: inp.ddl,
          seed: inp.seedSql,
          tools: tools.code,
          id: spec.id,
          prompt: spec.prompt,
        };
        const prompt =
          python !== undefined ? renderPrompt("port-verifier", { ...vars, python }) : renderPrompt("verifier", vars);
        const dialogue = new Dialogue(ctx.llm, "verifiers", VerifierReply, prompt, ctx.retries + 1);
        try {
          return { spec, dialogue, code: { ...spec, ...(await dialogue.reply()) } };
        } catch (err) {
          if (!(err instanceof Dropped)) throw err;
          dropped.push({ id: spec.id, reasons: err.reasons });
          return undefined;
        }
      });
      let drafts = started.filter((d) => d !== undefined);
      for (;;) {
        const problems = drafts.length
          ? await problemsOf(ctx, inp, drafts, tools.code, tools.tools)
          : new Map<string, string[]>();
        if (!problems.size) break;
        const revised = await mapLimit(drafts, ctx.concurrency, async (d): Promise<Draft | undefined> => {
          const p = problems.get(d.spec.id);
          if (!p) return d;
          try {
            return { ...d, code: { ...d.spec, ...(await d.dialogue.revise(p)) } };
          } catch (err) {
            if (!(err instanceof Dropped)) throw err;
            dropped.push({ id: d.spec.id, reasons: err.reasons });
            return undefined;
          }
        });
        drafts = revised.filter((d) => d !== undefined);
      }
      const kept = drafts.map((d) => d.code);
      if (kept.length < ctx.options.minTasks) {
        throw new Dropped([
          `${kept.length} task(s) validated, fewer than ${ctx.options.minTasks}`,
          ...dropped.map((d) => `${d.id}: ${d.reasons.join("; ")}`),
        ]);
      }
      return { env: inp.env, tasks: kept, dropped, status: "ok", reasons: [] };
    },
  });
}
