import type { EnvDef } from "../sdk/define.ts";
import tracker from "../../../envs/tracker/index.ts";
export const staticEnvs: Record<string, EnvDef> = { tracker };
