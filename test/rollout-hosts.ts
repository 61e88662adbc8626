import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Rollout } from "../workers/orchestrator/rollout/rollout-object.ts";
import { INDEX } from "../workers/orchestrator/rollout/rollout-run.ts";

/**
 * Moves a rollout out of its host into an object of its own named by its id, its keys unprefixed: how a rollout
 * started before hosts is stored. Answers that object.
 */
export async function storeAlone(host: DurableObjectStub<Rollout>, id: string): Promise<DurableObjectStub<Rollout>> {
  const own = await runInDurableObject(host, (_o, ctx) => {
    const entries = Array.from(ctx.storage.kv.list({ prefix: `${id}/` }));
    for (const [key] of entries) ctx.storage.kv.delete(key);
    ctx.storage.kv.delete(INDEX + id);
    return entries.map(([key, value]) => [key.slice(id.length + 1), value] as const);
  });
  const alone = env.ROLLOUT.getByName(id);
  await runInDurableObject(alone, (_o, ctx) => {
    for (const [key, value] of own) ctx.storage.kv.put(key, value);
  });
  return alone;
}
