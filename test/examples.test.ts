import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { ValidationReport } from "../workers/shared/validation.ts";
import { call, createInstance, farm, upload, type Created } from "./helpers.ts";
import { json, revisions } from "./mcp-clients.ts";

/** The example environments, each with a read-only tool an agent would call first. */
const examples = [
  { env: "shop", tool: "list_categories", minTools: 25, minTasks: 12 },
  { env: "tracker", tool: "list_projects", minTools: 25, minTasks: 12 },
];

describe.each(examples)("the $env example environment", ({ env, tool, minTools, minTasks }) => {
  it("is as rich as the Agent World Model's environments", () => {
    const { manifest } = inject("bundles")[env]!;
    expect(manifest.tools.length).toBeGreaterThanOrEqual(minTools);
    expect(manifest.tasks.length).toBeGreaterThanOrEqual(minTasks);
    for (const t of manifest.tasks) expect(t.solution.length, t.id).toBeGreaterThan(0);
  });

  it("validates in workerd: every tool answers, every solution passes its verifier, a no-op passes none", async () => {
    await upload(env);
    const report = (await (await farm(`/v1/envs/${env}/validate`, { method: "POST" })).json()) as ValidationReport;
    expect(report.tools.filter((t) => !t.ok)).toEqual([]);
    expect(report.tasks.filter((t) => !t.ok)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("builds later worlds from the first one's rows, and forks them, foreign keys and all", async () => {
    await upload(env);
    const task = inject("bundles")[env]!.manifest.tasks.find((t) => t.solution.length > 1)!;
    const first = await createInstance(env);
    const second = await createInstance(env);
    const state = async (id: string) => (await farm(`/v1/instances/${id}/state`)).json();
    expect(await state(second.instanceId)).toEqual(await state(first.instanceId));
    for (const step of task.solution) expect((await call(second, step.tool, step.args)).ok, step.tool).toBe(true);
    const fork = (await (await farm(`/v1/instances/${second.instanceId}/fork`, { method: "POST" })).json()) as Created;
    const diff = async (id: string) => (await farm(`/v1/instances/${id}/diff`)).json();
    expect(await diff(fork.instanceId)).toEqual(await diff(second.instanceId));
    const verified = await (
      await farm(`/v1/instances/${fork.instanceId}/verify`, {
        method: "POST",
        json: { taskId: task.id, answer: task.referenceAnswer ?? null },
      })
    ).json();
    expect(verified).toMatchObject({ complete: true });
  });

  it.each(revisions)("lists and calls its tools over MCP $revision", async ({ connect }) => {
    await upload(env);
    const session = await connect(await createInstance(env));
    const tools = await session.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      inject("bundles")
        [env]!.manifest.tools.map((t) => t.name)
        .sort(),
    );
    expect(json(await session.callTool(tool, {}))).toBeTypeOf("object");
    await session.close();
  });
});
