import type { WorldBase } from "../sdk/world.ts";
import { loadPreparedModule } from "../registry-client.ts";
import { loadBundle } from "./loader-config.ts";

export interface WorldSpec {
  /** The environment's name: `env` in this module is the Worker's bindings. */
  envName: string;
  bundleId: string;
}

export type RuntimeMode = "loader" | "static";

export function runtimeMode(env: Env): RuntimeMode {
  return env.RUNTIME_MODE === "static" ? "static" : "loader";
}

/**
 * The Durable Object class a world's facets run. Loader mode: the farm's world around the prepared bundle, in an
 * isolate with no network. Static mode: environments compiled into this Worker.
 */
export async function worldClass(
  env: Env,
  ctx: DurableObjectState,
  spec: WorldSpec,
): Promise<DurableObjectClass<WorldBase>> {
  if (runtimeMode(env) === "static") {
    return (ctx.exports as unknown as { StaticWorld: DurableObjectClass<WorldBase> }).StaticWorld;
  }
  const worker = loadBundle(env, spec.bundleId, await loadPreparedModule(env, spec.bundleId));
  return worker.getDurableObjectClass<WorldBase>("World");
}
