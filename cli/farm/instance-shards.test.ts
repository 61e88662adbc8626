import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEnv } from "../build/bundle-env.ts";
import { Farm } from "../../trainer-bridge/ts/index.ts";
import { ROOT } from "../paths.ts";
import { freePort } from "./free-port.ts";
import { startLocalFarm, type LocalFarm } from "./local-farm.ts";

/**
 * With instance shards an environment's instances spread over several worlds by id: each is served at its own
 * world (its callUrl's port) and through control, writes stay its own, and every one is found again after the farm
 * restarts on the same state folder, which keeps its number of shards.
 */

interface Created {
  instanceId: string;
  callUrl: string;
  token: string;
}

let farm: LocalFarm;
let client: Farm;
let dir: string;
const made: Created[] = [];
/** Every cart's size once the first instance has added to its own. */
let expected: number[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "worldfarm-instance-shards-"));
  farm = await startLocalFarm({ port: await freePort(), persistDir: dir, worlds: 3, instanceShards: 2 });
  client = new Farm(farm.url.toString(), { token: farm.token });
  await client.uploadEnv(await buildEnv(join(ROOT, "envs/shop")));
  // Eight instances: the chance that all land in one of two shards is 1 in 128.
  for (let i = 0; i < 8; i++) made.push(await client.createInstance("shop"));
}, 180_000);

afterAll(async () => {
  await farm?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ports = () => new Set(made.map((m) => new URL(m.callUrl).port));

async function cartSizes(): Promise<number[]> {
  return Promise.all(
    made.map(async (m) => {
      const cart = (await client.callTool(m.instanceId, "view_cart", {})) as { result: { items: unknown[] } };
      return cart.result.items.length;
    }),
  );
}

describe("instance shards", () => {
  it("spread an environment's instances over two worlds, each served at its own world and through control", async () => {
    expect(ports().size).toBe(2);
    const seeded = await cartSizes();
    expect(await client.callTool(made[0]!, "add_to_cart", { product_id: 1 })).toMatchObject({ ok: true });
    expected = seeded.map((n, i) => (i === 0 ? n + 1 : n));
    expect(await cartSizes()).toEqual(expected);
  });

  it("finds every instance where it was made after a restart", async () => {
    await farm.restart();
    expect(await cartSizes()).toEqual(expected);
    const again = await client.createInstance("shop");
    expect(ports().has(new URL(again.callUrl).port)).toBe(true);
  }, 120_000);
});
