/**
 * `worldfarm batch delete` and `worldfarm batch prune` as a user runs them (child processes) against a real local
 * farm in workerd; and what deleted objects leave on disk goes while the farm runs, a live rollout's files staying.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchDeleted } from "../workers/shared/batch.ts";
import { buildEnv } from "./build/bundle-env.ts";
import { startFakePolicy, type FakePolicy } from "./fake-policy/server.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import { freePort } from "./farm/free-port.ts";
import { startLocalFarm, type LocalFarm } from "./farm/local-farm.ts";
import { ROOT } from "./paths.ts";
import { runCli, type CliRun } from "./run-cli.ts";
import { settled, startBatch } from "./testing/batches.ts";

let farm: LocalFarm;
let client: Farm;
let url: string;
let persistDir: string;
let slow: FakePolicy;

const cli = (args: string[]) => runCli(url, farm.token, args);
const json = <T>(run: CliRun): T => {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
};

beforeAll(async () => {
  persistDir = await mkdtemp(join(tmpdir(), "worldfarm-cli-delete-"));
  farm = await startLocalFarm({ port: await freePort(), persistDir });
  url = farm.url.toString().replace(/\/$/, "");
  client = new Farm(url, { token: farm.token });
  await client.uploadEnv(await buildEnv(join(ROOT, "envs/shop")));
  slow = await startFakePolicy({ latencyMs: 60_000 });
}, 120_000);

afterAll(async () => {
  await slow?.close();
  await farm?.dispose();
  if (persistDir) await rm(persistDir, { recursive: true, force: true });
});

async function oracleBatch(group = 2): Promise<string> {
  const { batchId } = await startBatch(client, {
    tasks: [{ env: "shop", taskId: "adjust-cart" }],
    groupSize: group,
    policy: { kind: "oracle" },
  });
  await settled(client, batchId, 240_000);
  return batchId;
}

/** Files under the state folder's Rollout namespace whose names start with one of these objects' ids. */
/** Rollout objects live in the world process of their environment: `<state>/worlds/N/do/world-N-Rollout/`. */
async function rolloutFiles(): Promise<string[]> {
  const worlds = await readdir(join(persistDir, "worlds"), { withFileTypes: true }).catch(() => []);
  const files = await Promise.all(
    worlds
      .filter((w) => w.isDirectory())
      .map(async (w) => {
        const dir = join(persistDir, "worlds", w.name, "do", `world-${w.name}-Rollout`);
        return (await readdir(dir).catch(() => [])).map((f) => `${w.name}/${f}`);
      }),
  );
  return files.flat().filter((f) => !f.split("/")[1]!.startsWith("metadata"));
}

describe("worldfarm batch delete", { timeout: 120_000 }, () => {
  it("deletes a batch; reading it afterwards fails with 410; no file of it stays, without a restart", async () => {
    const before = await rolloutFiles();
    const batchId = await oracleBatch(3);
    const withDeleted = await rolloutFiles();
    expect(withDeleted.length).toBeGreaterThan(before.length);
    // A rollout still running while the other batch is deleted: its object is live, its files must stay.
    const { batchId: running } = await client.createBatch({
      tasks: [{ env: "shop", taskId: "adjust-cart" }],
      groupSize: 1,
      policy: { kind: "openai", baseUrl: `${slow.url}/v1`, model: "m", timeoutMs: 120_000 },
    });
    await expect.poll(async () => (await client.batch(running)).counts.running, { timeout: 60_000 }).toBe(1);
    const withLive = await rolloutFiles();
    expect(json<BatchDeleted>(await cli(["batch", "delete", batchId, "--json"]))).toMatchObject({
      batchId,
      summaryKept: true,
    });
    const status = await cli(["batch", "status", batchId]);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/410 batch_deleted: batch b_[0-9a-f]{24} was deleted/);
    const list = json<{ batchId: string; deletedAt: string | null }[]>(await cli(["batch", "list", "--json"]));
    expect(list.find((b) => b.batchId === batchId)?.deletedAt).toEqual(expect.any(String));
    expect((await cli(["batch", "list"])).stdout).toMatch(new RegExp(`^${batchId}\\s+deleted`, "m"));

    // Deleting again says when the waves are done; the empty databases workerd leaves of the deleted objects are
    // removed once workerd lets them go, while the farm runs; the live rollout's files are all still there.
    const purged = async () => json<BatchDeleted>(await cli(["batch", "delete", batchId, "--json"])).purgedAt;
    await expect.poll(purged, { timeout: 60_000, interval: 500 }).toEqual(expect.any(String));
    // The live rollout's files: every file of an object that was not there before and is still running.
    const liveObjects = withLive
      .filter((f) => !withDeleted.includes(f) && f.endsWith(".sqlite"))
      .map((f) => f.slice(0, -".sqlite".length));
    const isLive = (f: string) => liveObjects.some((o) => f.startsWith(`${o}.`));
    const leftOfDeleted = async () => (await rolloutFiles()).filter((f) => !before.includes(f) && !isLive(f));
    await expect.poll(leftOfDeleted, { timeout: 120_000, interval: 1_000 }).toEqual([]);
    // Every database the live rollout had is still there (its world may have added more since).
    const liveDbs = withLive.filter((f) => f.endsWith(".sqlite") && isLive(f));
    expect(liveDbs.length).toBeGreaterThan(0);
    expect((await rolloutFiles()).filter((f) => liveDbs.includes(f)).sort()).toEqual(liveDbs.sort());
    expect((await client.batch(running)).state).toBe("running");
    await client.cancel(running);
  }, 300_000);

  it("says what is wrong: no batch named, an unknown batch", async () => {
    const none = await cli(["batch", "delete"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/name one batch: worldfarm batch delete <batchId>/);
    const unknown = await cli(["batch", "delete", `b_${"0".repeat(24)}`]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("404 batch_not_found");
  });
});

describe("worldfarm batch prune", { timeout: 120_000 }, () => {
  it("deletes the batches that finished longer ago than --older-than, never a running one", async () => {
    const old = await oracleBatch();
    const { batchId: running } = await client.createBatch({
      tasks: [{ env: "shop", taskId: "adjust-cart" }],
      groupSize: 1,
      policy: { kind: "openai", baseUrl: `${slow.url}/v1`, model: "m", timeoutMs: 120_000 },
    });
    // --older-than counts from when a batch finished, to the second.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(json<{ batches: unknown[] }>(await cli(["batch", "prune", "--older-than", "2d", "--json"]))).toEqual({
      dryRun: false,
      batches: [],
    });
    const dry = json<{ dryRun: boolean; batches: { batchId: string }[] }>(
      await cli(["batch", "prune", "--older-than", "1s", "--dry-run", "--json"]),
    );
    expect(dry.dryRun).toBe(true);
    expect(dry.batches.map((b) => b.batchId)).toContain(old);
    expect(dry.batches.map((b) => b.batchId)).not.toContain(running);
    expect((await client.send("GET", `/v1/batches/${old}`)).status).toBe(200);

    const pruned = await cli(["batch", "prune", "--older-than", "1s", "--drop-summary"]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(new RegExp(`^${old}\\s+done`, "m"));
    expect(pruned.stdout).toMatch(/^deleted \d+ batch(es)?$/m);
    expect((await client.send("GET", `/v1/batches/${old}`)).status).toBe(410);
    expect((await client.send("GET", `/v1/batches/${running}`)).status).toBe(200);
    const listed = json<{ batchId: string }[]>(await cli(["batch", "list", "--json"]));
    expect(listed.map((b) => b.batchId)).not.toContain(old);
    await client.cancel(running);
  });

  it.concurrent.each([
    [["batch", "prune"], /say how old: worldfarm batch prune --older-than 2d/],
    [["batch", "prune", "--older-than", "2w"], /--older-than takes a duration such as 30m, 12h or 2d/],
    [["batch", "prune", "--older-than", "2d", "extra"], /batch prune takes options only/],
  ])("exits 2 with the usage for bad input: %j", async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
