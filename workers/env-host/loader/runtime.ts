import { WorkerEntrypoint } from "cloudflare:workers";
import type { EnvModule } from "../sdk/bundle-entry.ts";
import type { EnvDef } from "../sdk/define.ts";
import { seededRandom, stepClock, type WorldSources } from "../sdk/determinism.ts";
import type { EnvDescription } from "../sdk/describe.ts";
import { Guard, GuardError } from "../sdk/guard.ts";
import { callTeller, NOBODY } from "../sdk/running-call.ts";
import { DEFAULT_EPOCH, GUARD_BUDGET, isStackOverflow, WorldBase } from "../sdk/world.ts";
import { worldGlobals } from "./world-globals.ts";

/** What bundle-prepare.ts makes of an uploaded module: one fresh module scope per call. */
export type EnvFactory = (guard: () => void, globals: Record<string, unknown>) => Record<string, unknown>;

/**
 * Evaluates the bundle's module code for one world, on a budget of its own: module top-level code that loops is
 * stopped here, at upload (Describe runs it) as at any world's start.
 */
function evaluate(factory: EnvFactory, guard: Guard, sources: WorldSources): EnvModule {
  guard.arm(GUARD_BUDGET);
  let exported: Record<string, unknown>;
  try {
    exported = factory(guard.tick, worldGlobals(sources));
  } catch (err) {
    if (err instanceof GuardError || guard.tripped() || isStackOverflow(err)) {
      throw new GuardError(
        "runaway: the bundle's module top-level code was stopped as a probable infinite loop (too many loop iterations or function calls)",
      );
    }
    throw err;
  }
  const module = exported.default as Partial<EnvModule> | undefined;
  if (guard.tripped())
    throw new GuardError("runaway: the bundle's module code was stopped as a probable infinite loop");
  if (
    typeof module !== "object" ||
    module === null ||
    typeof module.definition !== "object" ||
    typeof module.describe !== "function" ||
    typeof module.formatError !== "function"
  ) {
    throw new Error(
      "the bundle's default export is not what the SDK's bundleExports returns: rebuild it with `worldfarm build`",
    );
  }
  return module as EnvModule;
}

/**
 * How many worlds of this isolate keep their evaluated module code, unless the farm's loader config says
 * (WORLD_MODULES). One evaluation of a bundle built with the SDK retains ~1.6 MB (mostly zod's own objects, measured
 * in Node for the shop example) and costs ~10 ms: unbounded, a few hundred worlds would fill a deployed isolate's
 * 128 MB; too few, and rollouts running side by side push each other's modules out, so each tool call evaluates the
 * bundle again. Past the cap the least recently used world lets go of its module and evaluates it again when next
 * used, as it would after its object was evicted: module scope was never durable.
 */
const EVALUATED_WORLDS = 32;

function moduleSources(): WorldSources {
  return { clock: stepClock(Date.parse(DEFAULT_EPOCH), 0), random: seededRandom({ value: 0 }) };
}

/**
 * The classes the farm's loader module exports around a prepared bundle. Every world (each facet of each instance
 * or rollout) evaluates the bundle's code afresh, so no two worlds share a module-level variable, and counts its
 * code's steps against a guard only this runtime can arm.
 */
export function loaderRuntime(factory: EnvFactory) {
  /** The worlds holding an evaluated module, least recently used first. */
  const evaluated = new Set<World>();

  class World extends WorldBase {
    private module: EnvModule | undefined;

    private envModule(): EnvModule {
      const module = (this.module ??= evaluate(factory, this.guard, this.sources));
      evaluated.delete(this);
      evaluated.add(this);
      if (evaluated.size > ((this.env as { WORLD_MODULES?: number }).WORLD_MODULES ?? EVALUATED_WORLDS)) {
        const oldest = evaluated.values().next().value!;
        evaluated.delete(oldest);
        oldest.module = undefined;
      }
      return module;
    }

    protected definition(): EnvDef {
      return this.envModule().definition;
    }

    protected override forgetCode(): void {
      this.module = undefined;
      evaluated.delete(this);
    }

    protected formatInputError(error: unknown): string {
      return String(this.envModule().formatError(error));
    }
  }

  class Describe extends WorkerEntrypoint {
    describe(): EnvDescription {
      const guard = new Guard();
      guard.serve(callTeller(this.env), NOBODY);
      const module = evaluate(factory, guard, moduleSources());
      guard.arm(GUARD_BUDGET);
      try {
        // Plain data back to the farm, read on this budget.
        const described = JSON.parse(JSON.stringify(module.describe())) as EnvDescription;
        if (guard.tripped()) throw new GuardError("tripped");
        return described;
      } catch (err) {
        if (err instanceof GuardError || guard.tripped() || isStackOverflow(err)) {
          throw new GuardError("runaway: describing the environment was stopped as a probable infinite loop");
        }
        throw err;
      }
    }
  }

  return { World, Describe };
}
