import { join } from "node:path";
import { files, type SynthContext } from "../context.ts";
import { typecheckEnv } from "../env/typecheck.ts";
import { writeEnv } from "../env/write.ts";
import { appendJsonl } from "../jsonl.ts";
import { converge, Dialogue } from "../llm/dialogue.ts";
import { renderPrompt } from "../prompts/render.ts";
import type { SpecRecord, ToolSpec, ToolsRecord } from "../records.ts";
import { SpecReply, ToolsReply } from "../responses.ts";
import { runStage } from "../stage.ts";
import { taskList } from "./tasks.ts";
import { envInputs, firstLines, reportProblems, type EnvInputs } from "./inputs.ts";

function specProblems(tools: ToolSpec[]): string[] {
  const seen = new Set<string>();
  return tools.flatMap((t) => (seen.has(t.name) ? [`tool name "${t.name}" is used twice`] : (seen.add(t.name), [])));
}

async function spec(ctx: SynthContext, inp: EnvInputs): Promise<ToolSpec[]> {
  if (inp.spec) return inp.spec.tools;
  const prompt = renderPrompt("spec", {
    title: inp.scenario.title,
    description: inp.scenario.description,
    ddl: inp.ddl,
    tasks: taskList(inp.tasks),
    count: ctx.options.tools,
  });
  const { tools } = await converge(new Dialogue(ctx.llm, "tools", SpecReply, prompt, ctx.retries + 1), (r) =>
    specProblems(r.tools),
  );
  const record: SpecRecord = { env: inp.env, tools, status: "ok", reasons: [] };
  await appendJsonl(files(ctx.work).spec, record);
  return tools;
}

/**
 * An API spec, then the module implementing it. Each draft is written as a candidate environment, typechecked,
 * bundled, uploaded and smoke-called in workerd; compiler errors, load errors and broken tools go back.
 * Imported AWM environments skip the spec call (theirs carries over) and port the Python instead.
 */
export async function toolsStage(ctx: SynthContext) {
  const f = files(ctx.work);
  const inputs = await envInputs(ctx);
  return runStage(ctx, {
    stage: "tools",
    file: f.tools,
    items: inputs,
    key: (i) => i.env,
    dropped: (i, reasons): ToolsRecord => ({ env: i.env, code: "", tools: [], status: "dropped", reasons }),
    async run(inp): Promise<ToolsRecord> {
      const tools = await spec(ctx, inp);
      const specText = JSON.stringify(tools, null, 1);
      const prompt = inp.awm
        ? renderPrompt("port-tools", {
            title: inp.scenario.title,
            ddl: inp.ddl,
            spec: specText,
            python: inp.awm.envCode,
          })
        : renderPrompt("tools", {
            title: inp.scenario.title,
            description: inp.scenario.description,
            ddl: inp.ddl,
            spec: specText,
          });
      const dir = join(f.build, inp.env);
      let names: string[] = [];
      const { code } = await converge(
        new Dialogue(ctx.llm, "tools", ToolsReply, prompt, ctx.retries + 1),
        async ({ code }) => {
          await writeEnv(dir, {
            name: inp.env,
            description: inp.scenario.description,
            ddl: inp.ddl,
            seedSql: inp.seedSql,
            toolsCode: code,
            tasks: [],
          });
          const errors = [...typecheckEnv(dir).values()].flat();
          if (errors.length) return firstLines(errors.map((e) => `type error: ${e}`));
          let report;
          try {
            report = await ctx.farm.validate(dir);
          } catch (err) {
            return [`the module does not build or load: ${(err as Error).message}`];
          }
          names = report.tools.map((t) => t.tool);
          const missing = tools
            .filter((t) => !names.includes(t.name))
            .map((t) => `the specification's tool ${t.name} is missing`);
          return firstLines([...reportProblems(report), ...missing]);
        },
      );
      return { env: inp.env, code, tools: names, status: "ok", reasons: [] };
    },
  });
}
