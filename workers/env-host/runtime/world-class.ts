import type { WorldBase } from "../sdk/world.ts";
import { loadBundleModule } from "../registry-client.ts";
import { COMPATIBILITY_DATE } from "../../shared/constants.ts";

/** CPU a bundle may use per request where the runtime enforces it (deployed); the build-time guards cover local workerd. */
const BUNDLE_CPU_MS = 2_000;

export interface WorldSpec {
  env: string;
  bundleId: string;
}

export type RuntimeMode = "loader" | "static";

export function runtimeMode(env: Env): RuntimeMode {
  return env.RUNTIME_MODE === "static" ? "static" : "loader";
}

/**
 * The Durable Object class a world's facets run. Loader mode: the bundle, sandboxed in its own isolate with no
 * network; its loader id is the bundle id, so every instance of one bundle shares the loaded code. Static mode:
 * environments compiled into this Worker.
 */
export async function worldClass(env: Env, ctx: DurableObjectState, spec: WorldSpec): Promise<DurableObjectClass<WorldBase>> {
  if (runtimeMode(env) === "static") {
    return (ctx.exports as unknown as { StaticWorld: DurableObjectClass<WorldBase> }).StaticWorld;
  }
  const module = await loadBundleModule(env, spec.bundleId);
  const worker = env.LOADER.get(spec.bundleId, () => ({
    compatibilityDate: COMPATIBILITY_DATE,
    mainModule: "bundle.js",
    modules: { "bundle.js": module },
    globalOutbound: null,
    limits: { cpuMs: BUNDLE_CPU_MS },
  }));
  return worker.getDurableObjectClass<WorldBase>("World");
}
