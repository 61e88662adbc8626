import { describe, expect, it, beforeAll } from "vitest";
import { call, createInstance, farm, upload } from "./helpers.ts";

beforeAll(async () => {
  await upload("lab");
});

describe("instances", () => {
  it("creates, calls, resets, diffs", async () => {
    const inst = await createInstance("lab");
    const added = await call(inst, "add_note", { title: "hello" });
    expect(added).toEqual({ ok: true, result: { id: 6 } });
    const diff = await (await farm(`/v1/instances/${inst.instanceId}/diff`)).json() as { tables: { table: string; inserted: unknown[] }[] };
    expect(diff.tables).toHaveLength(1);
    expect(diff.tables[0]!.inserted).toHaveLength(1);
    expect((await farm(`/v1/instances/${inst.instanceId}/reset`, { method: "POST" })).status).toBe(200);
    const after = await (await farm(`/v1/instances/${inst.instanceId}/diff`)).json() as { tables: unknown[] };
    expect(after.tables).toEqual([]);
  });
});
