import { access } from "node:fs/promises";
import { join } from "node:path";
import { buildEnv } from "../../cli/build/bundle-env.ts";
import type { ValidationReport } from "../../workers/shared/validation.ts";
import { files, type SynthContext } from "../context.ts";
import { Dropped } from "../errors.ts";
import { writeEnv } from "../env/write.ts";
import type { DroppedTask, TaskCode, ValidateRecord } from "../records.ts";
import { writeReport } from "../report.ts";
import { runStage } from "../stage.ts";
import { envInputs, reportProblems } from "./inputs.ts";

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * The gate: each environment, whole, validated in workerd the way `worldfarm envs validate` does it. Tasks that fail
 * are dropped and the rest validated again; only an environment that then passes is written to the envs folder,
 * and its bundle there must be the one that passed.
 */
export async function validateStage(ctx: SynthContext) {
  const f = files(ctx.work);
  const inputs = (await envInputs(ctx)).filter((i) => i.tools && i.verifiers);
  const result = await runStage(ctx, {
    stage: "validate",
    file: f.validate,
    items: inputs,
    key: (i) => i.env,
    dropped: (i, reasons): ValidateRecord => ({ env: i.env, droppedTasks: [], ms: 0, status: "dropped", reasons }),
    async run(inp): Promise<ValidateRecord> {
      const started = performance.now();
      const dest = join(ctx.envsDir, inp.env);
      if (await exists(dest)) throw new Dropped([`${dest} already exists; synth does not overwrite an environment`]);
      const sources = (tasks: TaskCode[]) => ({
        name: inp.env,
        description: inp.scenario.description,
        ddl: inp.ddl,
        seedSql: inp.seedSql,
        toolsCode: inp.tools!.code,
        tasks,
      });
      const dir = join(f.build, inp.env);
      let tasks = inp.verifiers!.tasks;
      const droppedTasks: DroppedTask[] = [...inp.verifiers!.dropped];
      let report: ValidationReport;
      for (;;) {
        await writeEnv(dir, sources(tasks));
        report = await ctx.farm.validate(dir);
        if (report.ok) break;
        const broken = reportProblems(report);
        if (broken.length) throw new Dropped(broken);
        const failing = new Set(report.tasks.filter((t) => !t.ok).map((t) => t.task));
        droppedTasks.push(...report.tasks.filter((t) => !t.ok).map((t) => ({ id: t.task, reasons: t.problems })));
        tasks = tasks.filter((t) => !failing.has(t.id));
        if (tasks.length < ctx.options.minTasks)
          throw new Dropped([`${tasks.length} task(s) pass validation, fewer than ${ctx.options.minTasks}`]);
      }
      await writeEnv(dest, sources(tasks));
      const written = await buildEnv(dest);
      if (written.manifest.bundleId !== report.bundleId) report = await ctx.farm.validate(dest);
      return {
        env: inp.env,
        out: dest,
        report,
        droppedTasks,
        ms: Math.round(performance.now() - started),
        status: "ok",
        reasons: [],
      };
    },
  });
  if (!ctx.dryRun) await writeReport(ctx);
  return result;
}
