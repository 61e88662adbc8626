import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { ValidationReport } from "../workers/shared/validation.ts";
import { createInstance, farm, upload } from "./helpers.ts";
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

  it.each(revisions)("lists and calls its tools over MCP $revision", async ({ connect }) => {
    await upload(env);
    const session = await connect(await createInstance(env));
    const tools = await session.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(inject("bundles")[env]!.manifest.tools.map((t) => t.name).sort());
    expect(json(await session.callTool(tool, {}))).toBeTypeOf("object");
    await session.close();
  });
});
