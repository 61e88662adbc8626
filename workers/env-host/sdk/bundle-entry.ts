import { WorkerEntrypoint } from "cloudflare:workers";
import type { EnvDef } from "./define.ts";
import { describeEnv } from "./describe.ts";
import { makeWorld } from "./world.ts";

/** What every bundle exports: the world facet class, and an entrypoint the registry asks to describe it. */
export function bundleExports(def: EnvDef) {
  return {
    World: makeWorld(def),
    Describe: class Describe extends WorkerEntrypoint {
      describe() {
        return describeEnv(def);
      }
    },
  };
}
