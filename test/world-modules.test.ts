/**
 * Runs in the workerd-modules project: FARM_WORLD_MODULES = 3. The farm's setting, not the loader's default of 32,
 * bounds how many worlds of a bundle keep their evaluated module code (a local world process sets it from its heap).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, createInstance, upload } from "./helpers.ts";

beforeAll(async () => {
  await upload("memo");
});

describe("evaluated module code per isolate, as the farm sets it", () => {
  it("keeps it for as many worlds as FARM_WORLD_MODULES says, and lets the least recently used go past that", async () => {
    const first = await createInstance("memo");
    expect(await call(first, "remember", { title: "kept" })).toMatchObject({ result: { cached: ["kept"] } });
    // A world built from the isolate's template runs no environment code; its first call evaluates the bundle.
    const others = [await createInstance("memo"), await createInstance("memo")];
    for (const other of others) expect(await call(other, "recall")).toMatchObject({ ok: true, result: { cached: [] } });
    // Three worlds hold their modules: the first is still among them.
    expect(await call(first, "recall")).toMatchObject({ ok: true, result: { cached: ["kept"] } });
    // Three more worlds' calls push out the two others, then the first: it evaluates the bundle again, cache empty.
    for (let i = 0; i < 3; i++)
      expect(await call(await createInstance("memo"), "recall")).toMatchObject({ ok: true, result: { cached: [] } });
    expect(await call(first, "recall")).toMatchObject({ ok: true, result: { cached: [] } });
  });
});
