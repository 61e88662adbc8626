import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Over how many worlds one environment's rollouts, or its instances, spread (workers/env-host/worlds.ts
 * `shardWorld`): as many as wanted (a world process uses one core), at most the world cap. A rollout or instance is
 * found by its id's shard, so the number is kept in the state folder for its life; a folder whose worlds ran before
 * such shards keeps 1, where its rollouts or instances are.
 */
export function worldShards(kind: "rollout" | "instance", cap: number, wanted: number, persistDir?: string): number {
  const shards = Math.max(1, Math.min(Math.floor(wanted) || 1, cap));
  if (!persistDir) return shards;
  const file = join(persistDir, "worlds", `${kind}-shards`);
  if (existsSync(file)) return Math.max(1, Number.parseInt(readFileSync(file, "utf8"), 10) || 1);
  const kept = existsSync(join(persistDir, "worlds", "assignments.json")) ? 1 : shards;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, String(kept));
  return kept;
}
