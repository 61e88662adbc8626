import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { call, createInstance, farm, upload } from "./helpers.ts";

// This file runs in the workerd-static project: RUNTIME_MODE = "static", environments compiled into the Worker.
describe("static mode", () => {
  it("serves a compiled-in environment behind the same interface", async () => {
    await upload("tracker");
    const task = inject("bundles").tracker!.manifest.tasks[0]!;
    const inst = await createInstance("tracker");
    const idle = (await (
      await farm(`/v1/instances/${inst.instanceId}/verify`, { method: "POST", json: { taskId: task.id } })
    ).json()) as any;
    expect(idle.complete).toBe(false);
    for (const step of task.solution) expect((await call(inst, step.tool, step.args)).ok).toBe(true);
    const done = (await (
      await farm(`/v1/instances/${inst.instanceId}/verify`, {
        method: "POST",
        json: { taskId: task.id, answer: task.referenceAnswer ?? null },
      })
    ).json()) as any;
    expect(done.complete).toBe(true);
    expect(await call(inst, "get_issue", { key: "NOPE-1" })).toMatchObject({ ok: false, kind: "tool_error" });
    await farm(`/v1/instances/${inst.instanceId}/reset`, { method: "POST" });
    const diff = (await (await farm(`/v1/instances/${inst.instanceId}/diff`)).json()) as any;
    expect(diff.tables).toEqual([]);
  });

  it("refuses a bundle that is not compiled in", async () => {
    const res = await farm("/v1/envs/lab", { method: "PUT", json: inject("bundles").lab });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe("not_compiled_in");
  });

  it("refuses a bundle that differs from the compiled-in environment", async () => {
    const bundle = structuredClone(inject("bundles").tracker!);
    bundle.manifest.description = "not what was compiled in";
    const res = await farm("/v1/envs/tracker", { method: "PUT", json: bundle });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe("manifest_mismatch");
  });
});
