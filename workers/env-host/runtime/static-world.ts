import { z } from "zod";
import { FarmError } from "../../shared/errors.ts";
import type { EnvDef } from "../sdk/define.ts";
import { WorldBase } from "../sdk/world.ts";
import { staticEnvs } from "./static-envs.ts";

/** The world facet of static mode: one class for every compiled-in environment, told which at setup. */
export class StaticWorld extends WorldBase {
  protected definition(env?: string): EnvDef {
    const def = env ? staticEnvs[env] : undefined;
    if (!def) throw new FarmError("not_compiled_in", 400, `environment "${env}" is not compiled into this Worker`);
    return def;
  }

  protected formatInputError(error: unknown): string {
    return z.prettifyError(error as z.ZodError);
  }
}
