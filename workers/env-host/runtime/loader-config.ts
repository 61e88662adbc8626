import { COMPATIBILITY_DATE } from "../../shared/constants.ts";
import { LOADER_RUNTIME, LOADER_RUNTIME_ID } from "../loader/runtime-source.gen.ts";

/** CPU a bundle may use per request where the runtime enforces it (deployed); the farm's guards cover local workerd. */
const BUNDLE_CPU_MS = 2_000;

/**
 * The one place a bundle is loaded, at upload and for every world: the same id always gets the same code and
 * limits, as Worker Loader requires. Worlds share nothing through the isolate (each evaluates the bundle's code
 * afresh, see loader/runtime.ts), so one isolate per bundle serves them all; the runtime's hash is part of the id
 * so a farm that changed its runtime never reuses an isolate that runs the old one.
 */
export function loadBundle(env: Env, bundleId: string, prepared: string) {
  const modules = Number(env.FARM_WORLD_MODULES);
  return env.LOADER.get(`${bundleId}.${LOADER_RUNTIME_ID}`, () => ({
    compatibilityDate: COMPATIBILITY_DATE,
    mainModule: "main.js",
    modules: { "main.js": LOADER_RUNTIME, "env.js": prepared },
    globalOutbound: null,
    env: {
      ...(Number.isInteger(modules) && modules > 0 ? { WORLD_MODULES: modules } : {}),
      ...(env.FARM_CALL_SECRET ? { CALL_SECRET: env.FARM_CALL_SECRET } : {}),
    },
    limits: { cpuMs: BUNDLE_CPU_MS },
  }));
}
