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

const RUNNERS: Record<string, Stage> = { ...STAGES, "import-awm": importAwmStage };

/** What each command runs, in order: a stage alone, every stage, or the AWM import and the stages that port it. */
export const PIPELINES: Record<string, string[]> = {
  ...Object.fromEntries(Object.keys(STAGES).map((name) => [name, [name]])),
  all: Object.keys(STAGES),
  "import-awm": ["import-awm", "tools", "verifiers", "validate"],
};

export async function runPipeline(ctx: SynthContext, name: string): Promise<Record<string, StageResult>> {
  const stages = PIPELINES[name];
  if (!stages) throw new Error(`unknown synth stage "${name}"; one of: ${Object.keys(PIPELINES).join(", ")}`);
  const results: Record<string, StageResult> = {};
  for (const stage of stages) results[stage] = await RUNNERS[stage]!(ctx);
  return results;
}
