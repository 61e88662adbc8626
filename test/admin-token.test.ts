import { describe, expect, it } from "vitest";
import { farm, upload } from "./helpers.ts";

const ADMIN = "test-admin-token";

describe("with FARM_ADMIN_TOKEN set", () => {
  it("requires it on admin routes, from any address", async () => {
    const none = await farm("/v1/envs");
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.code).toBe("unauthorized");
    expect((await farm("/v1/envs", { token: "wrong" })).status).toBe(401);
    expect((await farm("/v1/envs", { token: ADMIN, headers: { "cf-connecting-ip": "203.0.113.7" } })).status).toBe(200);
  });

  it("lets the instance token open only the instance's tools", async () => {
    await upload("lab", ADMIN);
    const created = (await (
      await farm("/v1/envs/lab/instances", { method: "POST", json: {}, token: ADMIN })
    ).json()) as any;
    const tools = await farm(`/v1/instances/${created.instanceId}/call`, {
      method: "POST",
      json: { tool: "list_notes" },
      token: created.token,
    });
    expect(tools.status).toBe(200);
    for (const [method, path] of [
      ["POST", "reset"],
      ["GET", "state"],
      ["GET", "diff"],
      ["POST", "verify"],
    ] as const) {
      const res = await farm(`/v1/instances/${created.instanceId}/${path}`, {
        method,
        token: created.token,
        ...(method === "POST" ? { json: { taskId: "count-notes" } } : {}),
      });
      expect(res.status, path).toBe(401);
    }
  });
});
