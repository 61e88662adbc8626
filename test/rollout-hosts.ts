import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { WorldHost } from "../workers/env-host/runtime/host.ts";
import type { Rollout } from "../workers/orchestrator/rollout/rollout-object.ts";
import { INDEX } from "../workers/orchestrator/rollout/rollout-run.ts";
import { laneFacets } from "../workers/orchestrator/rollout/world-lanes.ts";
import type { RolloutSpec } from "../workers/shared/rollout.ts";

/**
 * Moves a rollout out of its host into an object of its own named by its id, its keys unprefixed and its world in
 * that object's own facets: how a rollout started before hosts is stored. Answers that object.
 */
export async function storeAlone(host: DurableObjectStub<Rollout>, id: string): Promise<DurableObjectStub<Rollout>> {
  const { own, world } = await runInDurableObject(host, async (_o, ctx) => {
    const entries = Array.from(ctx.storage.kv.list({ prefix: `${id}/` }));
    for (const [key] of entries) ctx.storage.kv.delete(key);
    ctx.storage.kv.delete(INDEX + id);
    const stored = (key: string) => entries.find(([k]) => k === `${id}/${key}`)![1];
    const spec = stored("spec") as RolloutSpec;
    const lane = stored("lane") as number;
    const names = laneFacets(lane);
    const state = await new WorldHost(ctx, env, { envName: spec.env, bundleId: spec.bundleId }, names).exportState();
    return {
      own: entries
        .filter(([key]) => key !== `${id}/lane`)
        .map(([key, value]) => [key.slice(id.length + 1), value] as const),
      world: { spec, state },
    };
  });
  const alone = env.ROLLOUT.getByName(id);
  await runInDurableObject(alone, async (_o, ctx) => {
    for (const [key, value] of own) ctx.storage.kv.put(key, value);
    await new WorldHost(ctx, env, { envName: world.spec.env, bundleId: world.spec.bundleId }).restore(world.state);
  });
  return alone;
}
