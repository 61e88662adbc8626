import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { call, createInstance, farm, upload, type Created } from "./helpers.ts";

beforeAll(async () => {
  await upload("lab");
});

const json = async <T = any>(res: Response | Promise<Response>): Promise<T> => (await res).json() as Promise<T>;

async function notes(inst: Created): Promise<string[]> {
  const listed = await call(inst, "list_notes");
  return (listed.result as { notes: { title: string }[] }).notes.map((n) => n.title);
}

describe("an instance's world", () => {
  it("is built from the bundle's schema and seed", async () => {
    const inst = await createInstance("lab");
    expect(await notes(inst)).toEqual(["note 1", "note 2", "note 3", "note 4", "note 5"]);
    const state = await json(farm(`/v1/instances/${inst.instanceId}/state`));
    expect(state.tables).toEqual([
      { name: "notes", rows: 5 },
      { name: "tokens", rows: 0 },
    ]);
  });

  it("keeps instances isolated: writes in one are not seen in another", async () => {
    const a = await createInstance("lab");
    const b = await createInstance("lab");
    await call(a, "add_note", { title: "only in a" });
    expect(await notes(a)).toContain("only in a");
    expect(await notes(b)).not.toContain("only in a");
  });

  it("refuses one instance's token on another", async () => {
    const a = await createInstance("lab");
    const b = await createInstance("lab");
    const res = await farm(`/v1/instances/${b.instanceId}/call`, {
      method: "POST",
      json: { tool: "list_notes" },
      token: a.token,
      headers: { "cf-connecting-ip": "203.0.113.9" },
    });
    expect(res.status).toBe(401);
    expect((await json(res)).error.code).toBe("unauthorized");
  });

  it("resets to the initial snapshot", async () => {
    const inst = await createInstance("lab");
    await call(inst, "add_note", { title: "temp" });
    await call(inst, "delete_note", { id: 2 });
    await farm(`/v1/instances/${inst.instanceId}/reset`, { method: "POST" });
    expect(await notes(inst)).toEqual(["note 1", "note 2", "note 3", "note 4", "note 5"]);
  });

  it("diffs inserted, updated and deleted rows since the initial state", async () => {
    const inst = await createInstance("lab");
    await call(inst, "add_note", { title: "new", body: "b" });
    await call(inst, "delete_note", { id: 3 });
    const diff = await json(farm(`/v1/instances/${inst.instanceId}/diff`));
    expect(diff.tables).toHaveLength(1);
    const notesDiff = diff.tables[0];
    expect(notesDiff.table).toBe("notes");
    expect(notesDiff.inserted).toHaveLength(1);
    expect(notesDiff.inserted[0]).toContain("new");
    expect(notesDiff.deleted).toEqual([[3, "note 3", "body 3", "2026-01-01T00:00:00.000Z"]]);
    expect(notesDiff.updated).toEqual([]);
  });

  it("forks: the fork has the current state, and then goes its own way", async () => {
    const inst = await createInstance("lab");
    await call(inst, "add_note", { title: "before fork" });
    // Rows cross to the fork as bound values: text SQL would quote, and NUL would end, arrives whole.
    const odd = `it's "quoted", (parenthesised)\0 past a NUL, 💥 ${"long ".repeat(2_000)}`;
    await call(inst, "add_note", { title: odd });
    const fork = await json<Created>(farm(`/v1/instances/${inst.instanceId}/fork`, { method: "POST" }));
    expect(fork.instanceId).not.toBe(inst.instanceId);
    expect(await notes(fork)).toEqual(await notes(inst));
    expect(await notes(fork)).toContain(odd);
    await call(fork, "add_note", { title: "fork only" });
    expect(await notes(inst)).not.toContain("fork only");
    // The fork keeps the original's initial snapshot: reset goes back to the seed, diff shows all three notes.
    const diff = await json(farm(`/v1/instances/${fork.instanceId}/diff`));
    expect(diff.tables[0].inserted).toHaveLength(3);
    await farm(`/v1/instances/${fork.instanceId}/reset`, { method: "POST" });
    expect(await notes(fork)).toHaveLength(5);
  });

  it("is deterministic: the same actions from the same seed give the same state", async () => {
    const run = async (seed: number) => {
      const inst = await createInstance("lab", { seed });
      for (let i = 0; i < 3; i++) await call(inst, "new_token");
      await call(inst, "add_note", { title: "t" });
      return json(farm(`/v1/instances/${inst.instanceId}/state?table=tokens`));
    };
    const [a, b, c] = await Promise.all([run(7), run(7), run(8)]);
    expect(a.rows).toHaveLength(3);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("pages through a table's rows", async () => {
    const inst = await createInstance("lab");
    const page = await json(farm(`/v1/instances/${inst.instanceId}/state?table=notes&offset=1&limit=2`));
    expect(page.total).toBe(5);
    expect(page.columns).toEqual(["id", "title", "body", "created_at"]);
    expect(page.rows.map((r: unknown[]) => r[0])).toEqual([2, 3]);
    const missing = await farm(`/v1/instances/${inst.instanceId}/state?table=nope`);
    expect(missing.status).toBe(404);
    const bad = await farm(`/v1/instances/${inst.instanceId}/state?table=notes&limit=0`);
    expect(bad.status).toBe(400);
  });

  it("counts calls and errors", async () => {
    const inst = await createInstance("lab");
    await call(inst, "list_notes");
    await call(inst, "delete_note", { id: 999 });
    const info = await json(farm(`/v1/instances/${inst.instanceId}`));
    expect(info.counters.calls).toBe(2);
    expect(info.counters.errors).toBe(1);
    expect(info.counters.toolMs).toBeGreaterThanOrEqual(0);
  });
});

describe("tool calls", () => {
  it("roll back every write of a tool that throws", async () => {
    const inst = await createInstance("lab");
    const out = await call(inst, "write_then_fail");
    expect(out).toMatchObject({ ok: false, kind: "tool_error", message: "failed after writing" });
    expect(await notes(inst)).not.toContain("partial");
  });

  it("report schema violations with the validation message", async () => {
    const inst = await createInstance("lab");
    const out = await call(inst, "add_note", { title: 42 });
    expect(out.ok).toBe(false);
    expect(out.kind).toBe("invalid_arguments");
    expect(out.message).toContain("title");
  });

  it("stop a tool that loops forever, and the instance and farm keep answering", async () => {
    const inst = await createInstance("lab");
    const other = await createInstance("lab");
    const spun = await call(inst, "spin");
    expect(spun).toMatchObject({ ok: false, kind: "runaway" });
    expect(await notes(inst)).toHaveLength(5);
    expect(await notes(other)).toHaveLength(5);
  });

  it("stop unbounded recursion", async () => {
    const inst = await createInstance("lab");
    const out = await call(inst, "recurse");
    expect(out.ok).toBe(false);
    expect(await notes(inst)).toHaveLength(5);
  });

  it("stop unbounded recursion as runaway code", async () => {
    const inst = await createInstance("lab");
    expect(await call(inst, "recurse")).toMatchObject({ ok: false, kind: "runaway" });
  });
});

describe("verify", () => {
  it("passes the reference solution and fails a no-op, for every task", async () => {
    const tasks = inject("bundles").lab!.manifest.tasks.filter((t) => !["spin-verifier", "reach-out"].includes(t.id));
    for (const t of tasks) {
      const solved = await createInstance("lab");
      for (const step of t.solution) expect((await call(solved, step.tool, step.args)).ok).toBe(true);
      const yes = await json(
        farm(`/v1/instances/${solved.instanceId}/verify`, {
          method: "POST",
          json: { taskId: t.id, answer: t.referenceAnswer ?? null },
        }),
      );
      expect(yes, t.id).toMatchObject({ taskId: t.id, complete: true });
      const idle = await createInstance("lab");
      const no = await json(
        farm(`/v1/instances/${idle.instanceId}/verify`, { method: "POST", json: { taskId: t.id } }),
      );
      expect(no, t.id).toMatchObject({ complete: false });
    }
  });

  it("stops a verifier that loops forever with a clear error", async () => {
    const inst = await createInstance("lab");
    const res = await farm(`/v1/instances/${inst.instanceId}/verify`, {
      method: "POST",
      json: { taskId: "spin-verifier" },
    });
    expect(res.status).toBe(422);
    expect((await json(res)).error.code).toBe("runaway");
    expect(await notes(inst)).toHaveLength(5);
  });

  it("refuses the network to environment code", async () => {
    const inst = await createInstance("lab");
    const res = await farm(`/v1/instances/${inst.instanceId}/verify`, {
      method: "POST",
      json: { taskId: "reach-out" },
    });
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.error.code).toBe("verifier_error");
    expect(body.error.message).toMatch(/not permitted to access the internet/);
  });

  it("answers 404 for an unknown task and 400 for a bad body", async () => {
    const inst = await createInstance("lab");
    const unknown = await farm(`/v1/instances/${inst.instanceId}/verify`, { method: "POST", json: { taskId: "nope" } });
    expect(unknown.status).toBe(404);
    const bad = await farm(`/v1/instances/${inst.instanceId}/verify`, { method: "POST", json: { answer: 3 } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.message).toContain("taskId");
  });
});

describe("lifecycle", () => {
  it("deletes an instance, after which it is 404", async () => {
    const inst = await createInstance("lab");
    expect((await farm(`/v1/instances/${inst.instanceId}`, { method: "DELETE" })).status).toBe(204);
    const gone = await farm(`/v1/instances/${inst.instanceId}`);
    expect(gone.status).toBe(404);
    expect((await json(gone)).error.code).toBe("instance_not_found");
  });

  it("expires after its idle TTL and deletes its storage", async () => {
    const inst = await createInstance("lab", { ttlSeconds: 10 });
    const stub = env.ENV_INSTANCE.getByName(inst.instanceId);
    // Not yet idle long enough: the alarm only moves on.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await farm(`/v1/instances/${inst.instanceId}`)).status).toBe(200);
    // Idle for 11 s as the instance sees it: its last activity is moved back instead of the test waiting.
    await runInDurableObject(stub, (instance, state) => {
      const past = Date.now() - 11_000;
      state.storage.kv.put("lastActive", past);
      Object.assign(instance, { lastActive: past });
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await farm(`/v1/instances/${inst.instanceId}`)).status).toBe(404);
    expect(
      await runInDurableObject(stub, async (_, state) => [
        [...state.storage.kv.list()].length,
        await state.storage.getAlarm(),
      ]),
    ).toEqual([0, null]);
  });

  it("answers 404 for unknown and malformed instance ids", async () => {
    expect((await farm(`/v1/instances/${"0".repeat(32)}`)).status).toBe(404);
    expect((await farm(`/v1/instances/not-an-id/reset`, { method: "POST" })).status).toBe(404);
  });
});
