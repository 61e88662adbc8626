import type {} from "./provided.ts";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { ToolInfo } from "../workers/shared/manifest.ts";
import type { RolloutResult } from "../workers/shared/rollout.ts";
import { call, createInstance, farm, upload, uploadModule } from "./helpers.ts";

const RUNAWAY = /probable infinite loop/;
const EPOCH = Date.parse("2026-01-15T09:00:00Z");

/** A bundle written by hand, with no SDK and no build: nothing in it counts steps unless the farm makes it. */
function handWritten(
  name: string,
  { topLevel = "", tool = "for (;;) {}", seed = "INSERT INTO t VALUES (1)" } = {},
): string {
  return `${topLevel}
const tools = [{ name: "loop", description: "loops", inputSchema: { type: "object" },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } }];
export default {
  definition: {
    name: ${JSON.stringify(name)}, description: "hand-written", schema: "CREATE TABLE t (x INTEGER)", seed: ${JSON.stringify(seed)},
    tools: { loop: { description: "loops", input: { safeParse: (a) => ({ success: true, data: a }) }, run: () => { ${tool} } } },
    tasks: [],
  },
  describe: () => ({ name: ${JSON.stringify(name)}, description: "hand-written", sdkVersion: "1", tools, tasks: [] }),
  formatError: (e) => String(e),
};`;
}

/** The tool every hand-written bundle here declares. */
const LOOP: ToolInfo = {
  name: "loop",
  description: "loops",
  inputSchema: { type: "object" },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
};

beforeAll(async () => {
  await upload("memo");
});

describe("the farm guards every bundle itself", () => {
  it("answers a seed that fails with 400 world_setup_failed and keeps nothing of the instance", async () => {
    expect(
      (
        await uploadModule("broken-seed", handWritten("broken-seed", { seed: "INSERT INTO nowhere VALUES (1)" }), [
          LOOP,
        ])
      ).status,
    ).toBe(201);
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await farm("/v1/envs/broken-seed/instances", { method: "POST", json: {} });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("world_setup_failed");
      expect(error.message).toMatch(/could not build its world: .*nowhere/);
    }
    // Its place in the farm index is taken back too: the index's own list, not the route's, which skips the dead.
    expect(await env.FARM_INDEX.getByName("index").instances("broken-seed", 0, 10)).toEqual({ ids: [], total: 0 });
  });

  it("stops a loop in a bundle built without any instrumentation, and the instance keeps answering", async () => {
    const res = await uploadModule("raw", handWritten("raw"), [LOOP]);
    expect(res.status).toBe(201);
    const inst = await createInstance("raw");
    const started = Date.now();
    expect(await call(inst, "loop")).toMatchObject({
      ok: false,
      kind: "runaway",
      message: expect.stringMatching(RUNAWAY),
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    const again = await farm(`/v1/instances/${inst.instanceId}/state`);
    expect(await again.json()).toEqual({ tables: [{ name: "t", rows: 1 }] });
  });

  it("stops code that arms a guard of its own and swallows the farm's GuardError", async () => {
    const inst = await createInstance("memo");
    expect(await call(inst, "rearm_and_spin")).toMatchObject({ ok: false, kind: "runaway" });
    expect(await call(inst, "recall")).toMatchObject({ ok: true, result: { cached: [] } });
  });

  it("stops a tool whose input schema, built at its first call, loops forever; the instance keeps its rows and answers", async () => {
    const inst = await createInstance("memo");
    expect(await call(inst, "remember", { title: "kept" })).toMatchObject({ ok: true });
    expect(await call(inst, "arm_inputs")).toMatchObject({ ok: true });
    expect(await call(inst, "spin_input")).toMatchObject({ ok: false, kind: "runaway" });
    const notes = (await (await farm(`/v1/instances/${inst.instanceId}/state?table=notes`)).json()) as {
      rows: unknown[];
    };
    expect(notes.rows).toEqual([[1, "kept"]]);
  });

  it("answers a tool whose input schema throws when built with an internal tool_error naming it; the rows stay", async () => {
    const inst = await createInstance("memo");
    expect(await call(inst, "remember", { title: "kept" })).toMatchObject({ ok: true });
    expect(await call(inst, "arm_inputs")).toMatchObject({ ok: true });
    expect(await call(inst, "throw_input")).toEqual({
      ok: false,
      kind: "tool_error",
      internal: true,
      message: "tool throw_input's input schema failed: no schema today",
    });
    expect(await call(inst, "recall")).toMatchObject({ ok: true, result: { cached: ["kept"] } });
  });

  it("stops a loop in a dependency file outside the environment's folder", async () => {
    const inst = await createInstance("memo");
    expect(await call(inst, "spin_dependency")).toMatchObject({ ok: false, kind: "runaway" });
  });

  it("refuses at upload, with the reason, a module whose top-level code loops", async () => {
    const res = await uploadModule("toplevel", handWritten("toplevel", { topLevel: "while (true) {}" }), [LOOP]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("invalid_bundle");
    expect(body.error.message).toMatch(/runaway: the bundle's module top-level code was stopped/);
  });

  it("refuses a bundle that imports, or names the farm's guard, before running any of it", async () => {
    const imports = await uploadModule(
      "imports",
      `import { DurableObject } from "cloudflare:workers";\n${handWritten("imports")}`,
      [LOOP],
    );
    expect(imports.status).toBe(400);
    expect(((await imports.json()) as { error: { message: string } }).error.message).toMatch(
      /imports "cloudflare:workers": a bundle must be one self-contained module/,
    );
    const reaches = await uploadModule("reaches", handWritten("reaches", { tool: "return __wfGuard;" }), [LOOP]);
    expect(reaches.status).toBe(400);
    expect(((await reaches.json()) as { error: { message: string } }).error.message).toMatch(/uses the name __wfGuard/);
  });
});

describe("worlds of one bundle share nothing", () => {
  it("keeps a module-level cache and globalThis to each instance", async () => {
    const a = await createInstance("memo");
    const b = await createInstance("memo");
    expect(await call(a, "remember", { title: "secret of a" })).toMatchObject({ result: { cached: ["secret of a"] } });
    expect(await call(b, "recall")).toMatchObject({ ok: true, result: { cached: [] } });
    expect(await call(b, "remember", { title: "b" })).toMatchObject({ result: { cached: ["b"] } });
    expect(await call(a, "count_global")).toMatchObject({ result: { calls: 1, selfSame: true } });
    expect(await call(a, "count_global")).toMatchObject({ result: { calls: 2 } });
    expect(await call(b, "count_global")).toMatchObject({ result: { calls: 1 } });
  });

  it("holds evaluated module code for at most 32 worlds of a bundle: the least recently used evaluates again", async () => {
    const first = await createInstance("memo");
    await call(first, "remember", { title: "kept while used" });
    expect(await call(first, "recall")).toMatchObject({ result: { cached: ["kept while used"] } });
    // A world built from the isolate's template runs no environment code; its first call evaluates the bundle.
    for (let i = 0; i < 32; i++) await call(await createInstance("memo"), "recall");
    expect(await call(first, "recall")).toMatchObject({ ok: true, result: { cached: [] } });
  });

  it("keeps a module-level cache to each rollout", async () => {
    const bundleId = inject("bundles").memo!.manifest.bundleId;
    const toolCall = (name: string, args: Record<string, unknown>) => ({
      content: null,
      tool_calls: [{ id: "c", type: "function" as const, function: { name, arguments: JSON.stringify(args) } }],
    });
    const run = async (reply: ReturnType<typeof toolCall>) => {
      const id = crypto.randomUUID();
      const stub = env.ROLLOUT.getByName(`host-${id}`);
      await stub.start({
        rolloutId: id,
        bundleId,
        env: "memo",
        taskId: "remember-milk",
        policy: { kind: "scripted", replies: [reply, { content: "done" }] },
      });
      return (await stub.advance(id)) as unknown as RolloutResult;
    };
    const first = await run(toolCall("remember", { title: "secret of rollout one" }));
    expect(JSON.stringify(first.messages)).toContain("secret of rollout one");
    const second = await run(toolCall("recall", {}));
    const seen = second.messages.filter((m) => m.role === "tool").map((m) => m.content);
    expect(seen).toEqual([JSON.stringify({ cached: [] })]);
  });

  it("gives Date and Math.random the world's step clock and seeded random: the same actions give the same world", async () => {
    const play = async (seed: number) => {
      const inst = await createInstance("memo", { seed });
      const results = [];
      for (const [tool, args] of [
        ["stamp", {}],
        ["remember", { title: "x" }],
        ["stamp", {}],
        ["recall", {}],
        ["stamp", {}],
      ] as const) {
        results.push(await call(inst, tool, args));
      }
      const rows = await (await farm(`/v1/instances/${inst.instanceId}/state?table=stamps`)).json();
      return { results, rows };
    };
    const [one, two, other] = await Promise.all([play(7), play(7), play(8)]);
    expect(two).toEqual(one);
    const first = one.results[0]!.result as { now: number; iso: string; random: number; clock: string };
    // The world's first call happens at its epoch; Date reads it as the tool's own clock does.
    expect(first.now).toBe(EPOCH);
    expect(Date.parse(first.iso)).toBe(EPOCH + 1);
    expect(Date.parse(first.clock)).toBe(EPOCH + 2);
    const third = one.results[2]!.result as { now: number };
    expect(third.now).toBe(EPOCH + 2 * 60_000);
    expect((other.results[0]!.result as { random: number }).random).not.toBe(first.random);
  });

  it("draws crypto.randomUUID, crypto.getRandomValues and performance.now from the world's seed and clock", async () => {
    const play = async (seed: number) => {
      const inst = await createInstance("memo", { seed });
      const results = [
        await call(inst, "stamp"),
        await call(inst, "remember", { title: "y" }),
        await call(inst, "stamp"),
      ];
      const rows = (await (await farm(`/v1/instances/${inst.instanceId}/state?table=stamps`)).json()) as {
        rows: unknown[][];
      };
      return { results, rows };
    };
    const [one, two, other] = await Promise.all([play(11), play(11), play(12)]);
    expect(two).toEqual(one);
    const first = one.results[0]!.result as { uuid: string; bytes: string; perf: number };
    expect(first.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.perf).toBe(EPOCH + 3);
    const otherFirst = other.results[0]!.result as { uuid: string; bytes: string };
    expect(otherFirst.uuid).not.toBe(first.uuid);
    expect(otherFirst.bytes).not.toBe(first.bytes);
    // Seed code draws them too: the seed's own row is the same for the same seed.
    expect(one.rows.rows.length).toBe(3);
  });

  it("refuses what would read the real clock or randomness, saying why", async () => {
    const inst = await createInstance("memo");
    const res = await call(inst, "real_clock");
    expect(res).toMatchObject({ ok: true });
    const got = res.result as Record<string, string>;
    expect(got.constructorNow).toMatch(/^refused: the real clock is not available/);
    expect(got.newConstructor).toMatch(/^refused: the real clock is not available/);
    expect(got.instanceConstructor).toMatch(/^refused: the real clock is not available/);
    expect(got.copyByConstructor).toBe("gave 7");
    expect(got.setTimeout).toMatch(/^refused: setTimeout\(\) is not available in environment code/);
    expect(got.setInterval).toMatch(/^refused: setInterval\(\) is not available/);
    expect(got.subtle).toMatch(/^refused: crypto.subtle is not available/);
    expect(got.globalCrypto).toBe("gave the same");
  });
});

describe("what a tool or verifier returns is capped at 1 MiB", () => {
  it("refuses a 100 MB tool result with a tool_error naming the limit, keeps none of the call's writes, and the instance answers on", async () => {
    const inst = await createInstance("memo");
    const huge = await call(inst, "huge_result", { size: 100_000_000, title: "from the huge call" });
    expect(huge).toMatchObject({ ok: false, kind: "tool_error" });
    expect(huge.message).toMatch(/tool huge_result's result is at least 100000\d+ bytes of JSON, over the 1 MiB limit/);
    expect(await call(inst, "huge_result", { size: 1000, title: "small" })).toMatchObject({ ok: true });
    const notes = (await (await farm(`/v1/instances/${inst.instanceId}/state?table=notes`)).json()) as {
      rows: unknown[][];
    };
    expect(JSON.stringify(notes.rows)).not.toContain("from the huge call");
    expect(notes.rows).toHaveLength(1);
    // Just under the cap passes: the limit is on the JSON, not on a rounder number.
    expect(await call(inst, "huge_result", { size: 1024 * 1024 - 20, title: "at the cap" })).toMatchObject({
      ok: true,
    });
  });

  it("answers a verifier's 100 MB result with 422 verifier_error naming the limit", async () => {
    const inst = await createInstance("memo");
    const res = await farm(`/v1/instances/${inst.instanceId}/verify`, {
      method: "POST",
      json: { taskId: "huge-info" },
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("verifier_error");
    expect(body.error.message).toMatch(/the verifier's result is at least \d+ bytes of JSON, over the 1 MiB limit/);
    expect(await call(inst, "recall")).toMatchObject({ ok: true });
  });
});

describe("built-in objects are frozen before environment code runs", () => {
  it("refuses one world's stash or override on a shared built-in, and another world sees none of it", async () => {
    const a = await createInstance("memo");
    const b = await createInstance("memo");
    const stashed = await call(a, "stash", { secret: "rows of a" });
    expect(stashed).toMatchObject({ ok: true });
    expect(stashed.result).toEqual({
      arrayPrototype: "refused: TypeError",
      objectPrototype: "refused: TypeError",
      stringMethod: "refused: TypeError",
      jsonParse: "refused: TypeError",
      objectKeys: "refused: TypeError",
      bareGlobal: "refused: TypeError",
    });
    for (const inst of [b, a]) {
      expect(await call(inst, "peek")).toMatchObject({
        ok: true,
        result: {
          arrayPrototype: null,
          objectPrototype: null,
          trimmed: "x",
          parsed: 1,
          keys: ["a"],
          array: "built-in",
        },
      });
    }
  });

  it("still lets code assign what its own objects inherit (toString, an error's name, constructor)", async () => {
    const inst = await createInstance("memo");
    expect(await call(inst, "override")).toMatchObject({
      ok: true,
      result: { error: "NamedError", text: "own toString", legacy: true },
    });
  });
});
