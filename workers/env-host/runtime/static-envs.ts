import type { EnvDef } from "../sdk/define.ts";
import shop from "../../../envs/shop/index.ts";
import tracker from "../../../envs/tracker/index.ts";

/** Environments compiled into the Worker, for deployments without Worker Loader (RUNTIME_MODE = "static"). */
export const staticEnvs: Record<string, EnvDef> = { shop, tracker };
