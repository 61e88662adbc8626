import * as z from "zod";
import type { EnvDef } from "./define.ts";
import { describeEnv, type EnvDescription } from "./describe.ts";

/**
 * What a bundle's default export is: its definition, and what only the bundle's own zod can do with the schemas
 * in it. The farm brings the world that runs it (workers/env-host/loader/runtime.ts).
 */
export interface EnvModule {
  definition: EnvDef;
  describe(): EnvDescription;
  formatError(error: unknown): string;
}

export function bundleExports(def: EnvDef): EnvModule {
  return {
    definition: def,
    describe: () => describeEnv(def),
    formatError: (error) => z.prettifyError(error as z.ZodError),
  };
}
