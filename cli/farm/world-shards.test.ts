import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { worldShards } from "./world-shards.ts";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "worldfarm-shards-"));
  dirs.push(dir);
  return dir;
}

describe("world shards", () => {
  it("takes one per core wanted, at most the world cap, at least one", () => {
    expect(worldShards("rollout", 8, 2)).toBe(2);
    expect(worldShards("rollout", 1, 4)).toBe(1);
    expect(worldShards("rollout", 8, 0)).toBe(1);
  });

  it("keeps the number a state folder was first given, however many are wanted later", async () => {
    const dir = await stateDir();
    expect(worldShards("rollout", 8, 2, dir)).toBe(2);
    expect(await readFile(join(dir, "worlds", "rollout-shards"), "utf8")).toBe("2");
    expect(worldShards("rollout", 8, 4, dir)).toBe(2);
  });

  it("keeps 1 for a folder whose worlds ran before shards, where its rollouts are", async () => {
    const dir = await stateDir();
    mkdirSync(join(dir, "worlds"), { recursive: true });
    writeFileSync(join(dir, "worlds", "assignments.json"), JSON.stringify({ shop: 1 }));
    expect(worldShards("rollout", 8, 2, dir)).toBe(1);
    expect(existsSync(join(dir, "worlds", "rollout-shards"))).toBe(true);
    expect(worldShards("rollout", 8, 2, dir)).toBe(1);
  });

  it("keeps the instances' number apart from the rollouts', each fixed on first use", async () => {
    const dir = await stateDir();
    expect(worldShards("rollout", 8, 2, dir)).toBe(2);
    expect(worldShards("instance", 8, 3, dir)).toBe(3);
    expect(await readFile(join(dir, "worlds", "instance-shards"), "utf8")).toBe("3");
    expect(worldShards("instance", 8, 1, dir)).toBe(3);
    expect(worldShards("rollout", 8, 1, dir)).toBe(2);
  });
});
