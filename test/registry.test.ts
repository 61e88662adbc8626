import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { farm, upload } from "./helpers.ts";
import { sha256hex } from "../workers/env-host/bundle-check.ts";

const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

describe("registry", () => {
  it("lists uploaded environments and their details", async () => {
    const { bundleId } = await upload("lab");
    const list = await json(farm("/v1/envs"));
    const lab = list.envs.find((e: { name: string }) => e.name === "lab");
    expect(lab).toMatchObject({ name: "lab", bundleId, tools: 7, tasks: 5 });
    const details = await json(farm("/v1/envs/lab"));
    expect(details.tools.find((t: { name: string }) => t.name === "add_note").inputSchema.required).toEqual(["title"]);
    expect(details.tasks[0]).toEqual({ id: "add-groceries", prompt: expect.any(String) });
  });

  it("is idempotent for the same bundle", async () => {
    const a = await upload("lab");
    const b = await upload("lab");
    expect(a.bundleId).toBe(b.bundleId);
  });

  it("answers 404 for an unknown environment", async () => {
    const res = await farm("/v1/envs/nowhere");
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("env_not_found");
    expect((await farm("/v1/envs/nowhere/instances", { method: "POST", json: {} })).status).toBe(404);
  });
});

describe("a broken bundle upload", () => {
  const lab = () => structuredClone(inject("bundles").lab!);
  const put = (body: unknown, name = "lab") => farm(`/v1/envs/${name}`, { method: "PUT", json: body });

  it("is refused when the body is not JSON", async () => {
    const res = await farm("/v1/envs/lab", {
      method: "PUT",
      body: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("invalid_json");
  });

  it("is refused when the manifest is malformed, naming the field", async () => {
    const bundle = lab();
    (bundle.manifest as { tools: unknown }).tools = "all of them";
    const res = await put(bundle);
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toContain("tools");
  });

  it("is refused when the bundle id is not the module's hash", async () => {
    const bundle = lab();
    bundle.module += "\n// changed";
    const res = await put(bundle);
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("bundle_id_mismatch");
  });

  it("is refused when the module does not load, with the reason", async () => {
    const module = "export const World = ;";
    const digest = await sha256hex(module);
    const bundle = lab();
    bundle.module = module;
    bundle.manifest.bundleId = digest;
    const res = await put(bundle);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("invalid_bundle");
    expect(body.error.message).toMatch(/does not load/);
  });

  it("is refused when the manifest does not match the bundle", async () => {
    const bundle = lab();
    bundle.manifest.tasks[0]!.prompt = "something else";
    const res = await put(bundle);
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("manifest_mismatch");
  });

  it("is refused when uploaded under another name", async () => {
    const res = await put(lab(), "other");
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("name_mismatch");
  });

  it("leaves the registry as it was", async () => {
    const before = await json(farm("/v1/envs"));
    await put({ manifest: {}, module: "" });
    expect(await json(farm("/v1/envs"))).toEqual(before);
  });
});

describe("access", () => {
  it("in the tests' unauthenticated mode, still refuses a bearer that is not the admin token", async () => {
    const res = await farm("/v1/envs", { token: "an-instance-token-perhaps" });
    expect(res.status).toBe(401);
    expect((await json(res)).error.code).toBe("unauthorized");
  });

  it("describes the API", async () => {
    const doc = await json(farm("/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/v1/instances/{id}/mcp");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await farm("/v1/nothing");
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("not_found");
  });
});
