import type { SynthContext } from "./context.ts";
import type { StageResult } from "./stage.ts";
import { importAwmStage } from "./stages/import-awm.ts";
import { scenariosStage } from "./stages/scenarios.ts";
import { schemaStage } from "./stages/schema.ts";
import { seedStage } from "./stages/seed.ts";
import { tasksStage } from "./stages/tasks.ts";
import { toolsStage } from "./stages/tools.ts";
import { validateStage } from "./stages/validate.ts";
import { verifiersStage } from "./stages/verifiers.ts";

type Stage = (ctx: SynthContext) => Promise<StageResult>;

export const STAGES: Record<string, Stage> = {
  scenarios: scenariosStage,
  tasks: tasksStage,
  schema: schemaStage,
  seed: seedStage,
  tools: toolsStage,
  verifiers: verifiersStage,
  validate: validateStage,
};

/** What each command runs, in order: a stage alone, every stage, or the AWM import and the stages that port it. */
export const PIPELINES: Record<string, Stage[]> = {
  ...Object.fromEntries(Object.entries(STAGES).map(([name, stage]) => [name, [stage]])),
  all: Object.values(STAGES),
  "import-awm": [importAwmStage, toolsStage, verifiersStage, validateStage],
};

export async function runPipeline(ctx: SynthContext, name: string): Promise<Record<string, StageResult>> {
  const stages = PIPELINES[name];
  if (!stages) throw new Error(`unknown synth stage "${name}"; one of: ${Object.keys(PIPELINES).join(", ")}`);
  const results: Record<string, StageResult> = {};
  for (const stage of stages) results[stage.name.replace(/Stage$/, "")] = await stage(ctx);
  return results;
}
