import type { EnvDef } from "../sdk/define.ts";
import lab from "../../../test/fixtures/envs/lab/index.ts";
export const staticEnvs: Record<string, EnvDef> = { lab };
