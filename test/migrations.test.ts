import { env, runInDurableObject } from "cloudflare:test";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as batchTables from "../workers/orchestrator/batch/tables.ts";
import { BATCH_MIGRATIONS } from "../workers/orchestrator/batch/migrations.ts";
import { INDEX_MIGRATIONS } from "../workers/farm-index/migrations.ts";
import { migrate, schemaVersion } from "../workers/storage/migrate.ts";
import type { RunList } from "../workers/shared/run.ts";
import { BATCH_V0, REGISTRY_V0, wipeTables } from "./fixtures/schema-v0/ddl.ts";
import { farm, upload } from "./helpers.ts";
import { Batch, FarmIndex, Registry } from "../workers/index.ts";

type Storage = DurableObjectStorage;

/** A Batch object's storage as the farm before versioned schemas left it: its tables, one rollout, no version. */
async function preVersioningBatch(name: string): Promise<DurableObjectStub<Batch>> {
  const stub = env.BATCH.getByName(name);
  await runInDurableObject(stub, (_batch, state) => {
    wipeTables(state.storage);
    for (const statement of BATCH_V0) state.storage.sql.exec(statement);
    state.storage.sql.exec(`INSERT INTO rollouts (id, seq, group_id, env, bundle_id, task_id, status, reward)
      VALUES ('r1', 0, 'g0', 'lab', 'bundle', 'add-groceries', 'completed', 0.5)`);
    state.storage.sql.exec(
      "INSERT INTO groups (id, env, task_id, size, done) VALUES ('g0', 'lab', 'add-groceries', 1, 1)",
    );
    state.storage.kv.put("meta", { batchId: name, spec: {}, createdAt: 0, state: "done", finishedAt: 0 });
    expect(schemaVersion(state.storage)).toBe(0);
  });
  return stub;
}

const rows = (storage: Storage, query: string) => storage.sql.exec(query).toArray();
const columns = (storage: Storage, table: string) =>
  rows(storage, `PRAGMA table_info(${table})`) as { name: string; notnull: number; pk: number }[];

describe("versioned migrations", () => {
  it("upgrade a Batch written before schemas were versioned in place, keeping its rows", async () => {
    const stub = await preVersioningBatch("pre-versioning");
    await runInDurableObject(stub, async (_batch, state) => {
      // What the object's next start after the farm's upgrade runs, on the storage the old farm left.
      const started = new Batch(state, env);
      await state.blockConcurrencyWhile(async () => undefined);
      expect((await started.rollouts({ offset: 0, limit: 10 })).rollouts.map((r) => [r.rolloutId, r.reward])).toEqual([
        ["r1", 0.5],
      ]);
      expect(schemaVersion(state.storage)).toBe(BATCH_MIGRATIONS.length);
      expect(rows(state.storage, "SELECT id, status, reward FROM rollouts")).toEqual([
        { id: "r1", status: "completed", reward: 0.5 },
      ]);
      expect(rows(state.storage, "SELECT id, done FROM groups")).toEqual([{ id: "g0", done: 1 }]);
      // v2 dropped the events table the old code wrote and nothing read.
      expect(rows(state.storage, "SELECT name FROM sqlite_master WHERE name = 'events'")).toEqual([]);
    });
  });

  it("bring a new column to an object that already exists, once", async () => {
    const stub = await preVersioningBatch("gains-a-column");
    const next = [...BATCH_MIGRATIONS, ["ALTER TABLE rollouts ADD COLUMN note TEXT"]];
    await runInDurableObject(stub, (_batch, state) => {
      migrate(state.storage, next);
      expect(schemaVersion(state.storage)).toBe(next.length);
      expect(rows(state.storage, "SELECT id, reward, note FROM rollouts")).toEqual([
        { id: "r1", reward: 0.5, note: null },
      ]);
      // Applied already: starting again runs nothing (the ALTER would fail if it ran twice).
      migrate(state.storage, next);
      expect(columns(state.storage, "rollouts").filter((c) => c.name === "note")).toHaveLength(1);
    });
  });

  it("leave an object at its version when a migration fails, with nothing of it applied", async () => {
    const stub = await preVersioningBatch("bad-migration");
    await runInDurableObject(stub, (_batch, state) => {
      migrate(state.storage, BATCH_MIGRATIONS);
      const broken = [
        ...BATCH_MIGRATIONS,
        ["ALTER TABLE rollouts ADD COLUMN note TEXT", "ALTER TABLE nowhere ADD COLUMN x TEXT"],
      ];
      expect(() => migrate(state.storage, broken)).toThrow(/nowhere/);
      expect(schemaVersion(state.storage)).toBe(BATCH_MIGRATIONS.length);
      expect(columns(state.storage, "rollouts").map((c) => c.name)).not.toContain("note");
      expect(rows(state.storage, "SELECT id FROM rollouts")).toEqual([{ id: "r1" }]);
    });
  });

  it("refuse tables newer than the code instead of querying them as if they were older", async () => {
    const stub = await preVersioningBatch("from-the-future");
    await runInDurableObject(stub, (_batch, state) => {
      migrate(state.storage, [...BATCH_MIGRATIONS, ["ALTER TABLE rollouts ADD COLUMN note TEXT"]]);
      expect(() => migrate(state.storage, BATCH_MIGRATIONS)).toThrow(/newer than this code/);
    });
  });

  it("build the tables the Batch's drizzle declaration queries, column for column", async () => {
    await runInDurableObject(env.BATCH.getByName("fresh"), (_batch, state) => {
      const declared: unknown[] = Object.values(batchTables);
      expect(declared.length).toBeGreaterThan(0);
      for (const table of declared) {
        expect(is(table, SQLiteTable)).toBe(true);
        const config = getTableConfig(table as SQLiteTable);
        const built = columns(state.storage, config.name);
        // SQLite lets a primary key column hold null unless told otherwise; drizzle counts it not null either way.
        expect(built.map((c) => [c.name, c.notnull === 1 || c.pk > 0, c.pk > 0]).sort(), config.name).toEqual(
          config.columns.map((c) => [c.name, c.notNull, c.primary]).sort(),
        );
      }
    });
  });
});

describe("the farm index", () => {
  it("adopts what a pre-index Registry held, and the Registry keeps only bundles", async () => {
    await upload("lab");
    const registry = env.REGISTRY.getByName("registry");
    const secret = "ab".repeat(32);
    const summary = (batchId: string, deletedAt: string | null) => ({
      batchId,
      state: "done",
      createdAt: "2026-11-01T00:00:00.000Z",
      finishedAt: "2026-11-01T00:01:00.000Z",
      counts: { pending: 0, running: 0, completed: 4, failed: 0, cancelled: 0 },
      reward: null,
      rewardByEnv: {},
      policyVersion: batchId === "b_000000000000000000000001" ? "old@1" : "old@2",
      rollouts: 4,
      deletedAt,
    });
    await runInDurableObject(registry, async (_registry, state) => {
      // The previous farm's Registry: the same bundle tables, the index's tables beside them, no schema version.
      for (const statement of REGISTRY_V0) state.storage.sql.exec(statement);
      state.storage.sql.exec("DROP TABLE schema_version");
      const sql = state.storage.sql;
      sql.exec("INSERT INTO secrets (name, value) VALUES ('instance', ?)", secret);
      sql.exec("INSERT INTO batches VALUES ('b_000000000000000000000001', '2026-11-01T00:00:00.000Z', 4, 'old@1')");
      sql.exec("INSERT INTO batches VALUES ('b_000000000000000000000002', '2026-11-02T00:00:00.000Z', 4, 'old@2')");
      sql.exec(
        "INSERT INTO batch_summaries VALUES ('b_000000000000000000000001', ?)",
        JSON.stringify(summary("b_000000000000000000000001", null)),
      );
      sql.exec(
        "INSERT INTO batch_summaries VALUES ('b_000000000000000000000002', ?)",
        JSON.stringify(summary("b_000000000000000000000002", "2026-11-03T00:00:00.000Z")),
      );
      sql.exec(
        "INSERT INTO deleted_batches VALUES ('b_000000000000000000000002', '2026-11-03T00:00:00.000Z', '2026-11-03T00:00:01.000Z')",
      );
      sql.exec(
        "INSERT INTO instances VALUES ('older', 'lab', '2026-11-01T00:00:00.000Z'), ('newer', 'lab', '2026-11-01T00:00:00.000Z')",
      );
      // The Registry's own start on that storage versions it and leaves every table where it is, for the index to adopt.
      new Registry(state, env);
      await state.blockConcurrencyWhile(async () => undefined);
      expect(schemaVersion(state.storage)).toBe(1);
      expect(rows(state.storage, "SELECT count(*) AS n FROM instances")).toEqual([{ n: 2 }]);
    });

    const listed = (await (await farm("/v1/batches")).json()) as { batches: { batchId: string }[] };
    expect(listed.batches.map((b) => b.batchId)).toEqual(["b_000000000000000000000002", "b_000000000000000000000001"]);
    const gone = await farm("/v1/batches/b_000000000000000000000002");
    expect(gone.status).toBe(410);
    const { runs } = (await (await farm("/v1/runs")).json()) as RunList;
    expect(runs.find((r) => r.run === "old")?.batches.map((b) => [b.batchId, b.deletedAt])).toEqual([
      ["b_000000000000000000000001", null],
      ["b_000000000000000000000002", "2026-11-03T00:00:00.000Z"],
    ]);
    await runInDurableObject(env.FARM_INDEX.getByName("index"), (index, state) => {
      expect(index.secret()).toBe(secret);
      expect(index.instances(undefined, 0, 10)).toEqual({ ids: ["newer", "older"], total: 2 });
      expect(index.instanceEnv("older")).toBe("lab");
      expect(schemaVersion(state.storage)).toBe(INDEX_MIGRATIONS.length);
    });
    await runInDurableObject(registry, (registryObject, state) => {
      expect(registryObject.legacyIndex()).toBeNull();
      expect(rows(state.storage, "SELECT name FROM envs")).toEqual([{ name: "lab" }]);
    });
    // The bundles stayed where they were: the adopted farm still creates instances of them.
    expect((await farm("/v1/envs/lab/instances", { method: "POST", json: {} })).status).toBe(201);
  });

  it("stopped between copying and the Registry's drop, finishes the drop on its next start without copying again", async () => {
    const registry = env.REGISTRY.getByName("registry");
    const index = env.FARM_INDEX.getByName("interrupted");
    // Started once, before the Registry held anything to adopt.
    await runInDurableObject(index, (_index, state) => expect(state.storage.kv.get("legacy-index")).toBe("done"));
    await runInDurableObject(registry, (_registry, state) => {
      for (const statement of REGISTRY_V0) state.storage.sql.exec(statement);
      state.storage.sql.exec(
        "INSERT INTO batches VALUES ('b_000000000000000000000009', '2026-11-01T00:00:00.000Z', 1, NULL)",
      );
    });
    await runInDurableObject(index, async (_index, state) => {
      state.storage.kv.put("legacy-index", "copied");
      const started = new FarmIndex(state, env);
      await state.blockConcurrencyWhile(async () => undefined);
      expect(state.storage.kv.get("legacy-index")).toBe("done");
      expect(started.batchRecord("b_000000000000000000000009")).toEqual({ state: "unknown" });
    });
    await runInDurableObject(registry, (registryObject) => expect(registryObject.legacyIndex()).toBeNull());
  });
});
