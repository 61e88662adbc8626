import type {} from "./provided.ts";
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { z } from "zod";
import type { RolloutResult, RolloutSpec } from "../workers/shared/rollout.ts";
import type { RolloutState } from "../workers/orchestrator/rollout/engine.ts";
import type { StoredTurn } from "../workers/orchestrator/rollout/turn-store.ts";
import { fnv1a } from "../workers/orchestrator/rollout/fnv.ts";
import type { Rollout } from "../workers/orchestrator/rollout/rollout-object.ts";
import { scopedKv, type ScopedKv } from "../workers/orchestrator/rollout/scoped-kv.ts";
import { refusal, upload } from "./helpers.ts";
import { storeAlone } from "./rollout-hosts.ts";

type SpecInput = z.input<typeof RolloutSpec>;

/** Runs `fn` in a rollout's host object, with the rollout's own keys of the host's storage. */
function inHost<T>(
  stub: DurableObjectStub<Rollout>,
  id: string,
  fn: (host: Rollout, kv: ScopedKv) => T | Promise<T>,
): Promise<T> {
  return runInDurableObject(stub, (host: Rollout, ctx) => fn(host, scopedKv(ctx.storage.kv, `${id}/`)));
}

const bundles = () => inject("bundles");

beforeAll(async () => {
  for (const name of ["shop", "tracker", "lab"]) await upload(name);
});

async function rollout(
  input: Omit<SpecInput, "rolloutId" | "bundleId">,
): Promise<{ result: RolloutResult; id: string }> {
  const id = crypto.randomUUID();
  const stub = env.ROLLOUT.getByName(`host-${id}`);
  await stub.start({ rolloutId: id, bundleId: bundles()[input.env]!.manifest.bundleId, ...input });
  const result = (await stub.advance(id)) as unknown as RolloutResult;
  return { result, id };
}

/** A started rollout of lab's add-groceries task (the oracle's unless told), not yet advanced. */
async function groceries(policy: SpecInput["policy"] = { kind: "oracle" }) {
  const id = crypto.randomUUID();
  const stub = env.ROLLOUT.getByName(`host-${id}`);
  await stub.start({
    rolloutId: id,
    env: "lab",
    bundleId: bundles().lab!.manifest.bundleId,
    taskId: "add-groceries",
    policy,
  });
  return { id, stub };
}

describe.each(["openai-tools", "awm-xml"] as const)("an oracle rollout in %s", (toolFormat) => {
  it.each(["shop", "tracker"])("completes every %s task with reward 1", async (name) => {
    const tasks = bundles()[name]!.manifest.tasks;
    const results = await Promise.all(
      tasks.map(
        async (t) =>
          (await rollout({ env: name, taskId: t.id, policy: { kind: "oracle" }, toolFormat, maxTurns: 30 })).result,
      ),
    );
    for (const [i, r] of results.entries()) {
      expect({ task: r.taskId, reward: r.reward, stop: r.stopReason }).toEqual({
        task: tasks[i]!.id,
        reward: 1,
        stop: "answered",
      });
      expect(r.numTurns).toBe(tasks[i]!.solution.length + 1);
      expect(r.lossWeight).toBe(1);
      expect(r.turns.every((t) => t.formatOk)).toBe(true);
    }
  });
});

describe("rollout scoring", () => {
  const task = "add-groceries";

  it("gives a no-op answer reward 0", async () => {
    const { result } = await rollout({
      env: "lab",
      taskId: task,
      policy: { kind: "scripted", replies: [{ content: "I don't know" }] },
    });
    expect(result).toMatchObject({ status: "completed", stopReason: "answered", reward: 0, answer: "I don't know" });
    expect(result.rewardComponents).toMatchObject({ outcome: 0, formatErrors: 0 });
  });

  it("feeds a format violation back, scores it, and goes on", async () => {
    const replies = [{ content: "<tool_call>{not json" }, { content: "I give up" }];
    const { result } = await rollout({
      env: "lab",
      taskId: task,
      policy: { kind: "scripted", replies },
      toolFormat: "awm-xml",
    });
    expect(result.rewardComponents).toMatchObject({ outcome: 0, formatErrors: 1, format: [0, 1] });
    expect(result.reward).toBeCloseTo(-0.1);
    expect(result.messages.some((m) => m.role === "user" && /could not be used/.test(m.content))).toBe(true);
  });

  it("stops at the first violation when asked to", async () => {
    const replies = [{ content: "<tool_call>{not json" }];
    const { result } = await rollout({
      env: "lab",
      taskId: task,
      policy: { kind: "scripted", replies },
      toolFormat: "awm-xml",
      reward: { formatPenalty: 0.5, stopOnFormatError: true },
    });
    expect(result).toMatchObject({ stopReason: "format_error", reward: -0.5, numTurns: 1 });
  });

  it("stops at max_turns", async () => {
    const call = {
      content: null,
      tool_calls: [{ id: "c", type: "function" as const, function: { name: "list_notes", arguments: "{}" } }],
    };
    const { result } = await rollout({
      env: "lab",
      taskId: task,
      policy: { kind: "scripted", replies: [call] },
      maxTurns: 3,
    });
    expect(result).toMatchObject({ stopReason: "max_turns", numTurns: 3, reward: 0 });
  });

  it("stops at its wall-clock limit while waiting for a slow policy, without waiting out the request", async () => {
    const policy = { kind: "openai", baseUrl: inject("fakePolicies").slow, model: "m", timeoutMs: 60_000 } as const;
    const started = Date.now();
    const { result } = await rollout({ env: "lab", taskId: task, policy, rolloutTimeoutMs: 400 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ stopReason: "timeout", status: "completed", numTurns: 0, reward: 0 });
    expect(result.error).toBeUndefined();
  });

  it("stops at its wall-clock limit, and is still verified", async () => {
    // Each spin call runs its whole step budget before the guard stops it: 200 of them take far longer than 300 ms.
    const call = {
      content: null,
      tool_calls: [{ id: "c", type: "function" as const, function: { name: "spin", arguments: "{}" } }],
    };
    const started = Date.now();
    const { result } = await rollout({
      env: "lab",
      taskId: task,
      policy: { kind: "scripted", replies: [call] },
      maxTurns: 200,
      rolloutTimeoutMs: 300,
    });
    expect(result).toMatchObject({ stopReason: "timeout", status: "completed", reward: 0 });
    expect(result.rewardComponents.verifier).toMatchObject({ complete: false });
    expect(result.numTurns).toBeLessThan(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("reports an unknown tool to the policy without touching the world", async () => {
    const call = {
      content: null,
      tool_calls: [{ id: "c", type: "function" as const, function: { name: "no_such_tool", arguments: "{}" } }],
    };
    const { result } = await rollout({
      env: "lab",
      taskId: task,
      policy: { kind: "scripted", replies: [call, { content: "done" }] },
    });
    expect(result.turns[0]!.toolResults[0]).toMatchObject({ ok: false, tool: "no_such_tool" });
    expect(result.rewardComponents.formatErrors).toBe(1);
  });
});

describe.each(["openai-tools", "awm-xml"] as const)(
  "a rollout against an OpenAI-compatible server in %s",
  (toolFormat) => {
    it("reaches reward 1 and records the token ids and logprobs of every turn", async () => {
      const policy = {
        kind: "openai",
        baseUrl: inject("fakePolicies").lab,
        model: "fake-policy",
        maxRetries: 1,
        backoffMs: 0,
      } as const;
      const { result, id } = await rollout({ env: "lab", taskId: "add-groceries", policy, toolFormat });
      expect(result).toMatchObject({ reward: 1, stopReason: "answered", numTurns: 2 });
      // The checkpoint stores the second prompt as what follows the first prompt and completion, not whole.
      const stored = await inHost(env.ROLLOUT.getByName(`host-${id}`), id, (_o, kv) => kv.get<StoredTurn>("turn:1"));
      expect(stored!.promptPrefix).toBe(
        result.turns[0]!.promptTokenIds!.length + result.turns[0]!.completionTokenIds!.length,
      );
      for (const turn of result.turns) {
        expect(turn.promptTokenIds!.length).toBeGreaterThan(0);
        expect(turn.completionTokenIds!.length).toBe(turn.logprobs!.length);
      }
      // The second turn's prompt extends the first turn's prompt and completion, as a trainer needs it to.
      const [first, second] = result.turns;
      expect(second!.promptTokenIds!.slice(0, first!.promptTokenIds!.length)).toEqual(first!.promptTokenIds);
    });

    it("stores each turn's prompt ids as what follows the turn before's, checkpoint after checkpoint", async () => {
      const policy = { kind: "openai", baseUrl: inject("fakePolicies").shop, model: "fake-policy" } as const;
      const { result, id } = await rollout({ env: "shop", taskId: "adjust-cart", policy, toolFormat });
      expect(result).toMatchObject({ reward: 1, numTurns: 4 });
      const stored = await inHost(env.ROLLOUT.getByName(`host-${id}`), id, (_o, kv) =>
        [1, 2, 3].map((n) => kv.get<StoredTurn>(`turn:${n}`)!),
      );
      for (const [n, turn] of stored.entries()) {
        const before = result.turns[n]!;
        expect(turn.promptPrefix).toBe(before.promptTokenIds!.length + before.completionTokenIds!.length);
        expect(turn.promptTokenIds!.length).toBe(result.turns[n + 1]!.promptTokenIds!.length - turn.promptPrefix!);
      }
    });

    it("marks a rollout whose policy keeps failing as failed, with loss weight 0", async () => {
      const policy = {
        kind: "openai",
        baseUrl: inject("fakePolicies").failing,
        model: "fake-policy",
        maxRetries: 1,
        backoffMs: 0,
      } as const;
      const { result } = await rollout({ env: "lab", taskId: "add-groceries", policy, toolFormat });
      expect(result).toMatchObject({ status: "failed", stopReason: "policy_error", lossWeight: 0, reward: 0 });
      expect(result.error).toMatch(/500/);
    });
  },
);

describe("judge mode", () => {
  const judged = (judgeUrl: string, policy: SpecInput["policy"]) =>
    rollout({ env: "lab", taskId: "add-groceries", policy, reward: { judge: { baseUrl: judgeUrl, model: "judge" } } });

  it("takes the outcome from the judge, which sees the verifier's facts", async () => {
    const { result } = await judged(inject("fakePolicies").judge, { kind: "oracle" });
    expect(result).toMatchObject({ reward: 1, rewardComponents: { outcome: 1, judge: { verdict: "completed" } } });
    const { result: idle } = await judged(inject("fakePolicies").judge, {
      kind: "scripted",
      replies: [{ content: "no" }],
    });
    expect(idle).toMatchObject({
      reward: 0,
      rewardComponents: { outcome: 0, judge: { verdict: "not" }, verifier: { complete: false } },
    });
  });

  it("gives partial credit for a partial verdict", async () => {
    const { result } = await judged(inject("fakePolicies").judgePartial, { kind: "oracle" });
    expect(result).toMatchObject({ reward: 0.5, rewardComponents: { outcome: 0.5, judge: { verdict: "partially" } } });
  });

  it("marks the rollout failed when the judge cannot be reached", async () => {
    const { result } = await judged(inject("fakePolicies").failing, { kind: "oracle" });
    expect(result).toMatchObject({ status: "failed", stopReason: "policy_error", lossWeight: 0 });
    expect(result.error).toMatch(/judge/);
  });
});

describe("a rollout restarted mid-way", () => {
  it("resumes from its last checkpoint without repeating a tool call that took effect", async () => {
    const id = crypto.randomUUID();
    const stub = env.ROLLOUT.getByName(`host-${id}`);
    const spec: SpecInput = {
      rolloutId: id,
      env: "lab",
      bundleId: bundles().lab!.manifest.bundleId,
      taskId: "add-groceries",
      policy: { kind: "oracle" },
    };
    await stub.start(spec);
    // Simulate a crash after the tool took effect but before the checkpoint was written: run a turn, then put
    // the state back to the checkpoint before it.
    const before = await inHost(stub, id, (_o, kv) => kv.get<RolloutState>("state"));
    await inHost(stub, id, async (o, kv) => {
      await o.advance(id, 1);
      kv.put("state", before);
      kv.delete("result");
    });
    const result = (await stub.advance(id)) as unknown as RolloutResult;
    expect(result).toMatchObject({ reward: 1, stopReason: "answered" });
    const diff = (await stub.diff(id)) as { table: string; inserted: unknown[] }[];
    expect(diff).toHaveLength(1);
    expect(diff[0]!.inserted).toHaveLength(1);
  });

  const addNote = (title: string, body: string) => ({
    content: null,
    tool_calls: [
      {
        id: "c1",
        type: "function" as const,
        function: { name: "add_note", arguments: JSON.stringify({ title, body }) },
      },
    ],
  });
  const scripted = (title: string, body: string) => ({
    kind: "scripted" as const,
    replies: [addNote(title, body), { content: "done" }],
  });
  const stepId = (id: string, title: string, body: string) =>
    `${id}:0:0:${fnv1a(`add_note\0${JSON.stringify({ title, body })}`).toString(16)}`;

  it.each([
    ["after the call took effect", true],
    ["before the call reached the world", false],
  ])(
    "runs a call that was running as its runtime stopped once more, with the same reply, taking effect once (%s)",
    async (_when, tookEffect) => {
      const { id, stub } = await groceries(scripted("groceries", "milk, eggs"));
      await inHost(stub, id, async (o, kv) => {
        const before = kv.get<RolloutState>("state");
        if (tookEffect) await o.advance(id, 1);
        // What a runtime that died inside the call leaves: the last checkpoint, the call's marker and the turn's reply.
        // The policy would now answer otherwise: the replay must not ask it.
        kv.put("state", before);
        kv.put("call", {
          turn: 0,
          tool: "add_note",
          key: stepId(id, "groceries", "milk, eggs"),
          attempt: 1,
        });
        kv.put("reply", {
          turn: 0,
          policyTurn: { reply: addNote("groceries", "milk, eggs"), latencyMs: 5, attempts: 1 },
        });
        kv.put("spec", { ...kv.get<object>("spec"), policy: scripted("draft", "x") });
      });
      const result = (await stub.advance(id)) as unknown as RolloutResult;
      expect(result).toMatchObject({ status: "completed", reward: 1, stopReason: "answered", numTurns: 2 });
      expect(result.turns[0]!.reply).toEqual(addNote("groceries", "milk, eggs"));
      const diff = (await stub.diff(id)) as { table: string; inserted: unknown[][] }[];
      expect(diff[0]!.inserted).toHaveLength(1);
      expect(await inHost(stub, id, (_o, kv) => [kv.get("call"), kv.get("reply")])).toEqual([undefined, undefined]);
    },
  );

  it.each([
    [
      "its replay was running too",
      { attempt: 2 },
      /^runtime_stopped: the runtime stopped again while the tool call add_note of turn 0 was being run a second time/,
    ],
    [
      "the marker predates replays",
      {},
      /^runtime_stopped: the runtime stopped while the tool call add_note of turn 0 was running/,
    ],
  ])("ends env_error, without running the call again, when %s", async (_why, marker, error) => {
    const { id, stub } = await groceries(scripted("groceries", "milk, eggs"));
    await inHost(stub, id, (_o, kv) => {
      kv.put("call", { turn: 0, tool: "add_note", key: stepId(id, "groceries", "milk, eggs"), ...marker });
      kv.put("reply", {
        turn: 0,
        policyTurn: { reply: addNote("groceries", "milk, eggs"), latencyMs: 5, attempts: 1 },
      });
    });
    const result = (await stub.advance(id)) as unknown as RolloutResult;
    expect(result).toMatchObject({ status: "failed", stopReason: "env_error", lossWeight: 0, reward: 0, numTurns: 0 });
    expect(result.error).toMatch(error);
    expect(result.turns).toEqual([]);
    expect(result.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(await stub.diff(id)).toEqual([]);
    expect(await inHost(stub, id, (_o, kv) => kv.get("call"))).toBeUndefined();
  });

  it.each([
    [1, { status: "completed", stopReason: "answered", reward: 1, lossWeight: 1 }],
    [2, { status: "failed", stopReason: "env_error", lossWeight: 0, rewardComponents: { verifier: null } }],
  ])(
    "after its verifier was running as its runtime stopped (attempt %i), verifies once more or ends env_error",
    async (attempt, expected) => {
      const { id, stub } = await groceries();
      await inHost(stub, id, async (o, kv) => {
        await o.advance(id, 1);
        const state = kv.get<RolloutState>("state")!;
        kv.put("state", { ...state, done: { stopReason: "answered", answer: "done" } });
        kv.put("call", { turn: 1, tool: "the verifier", key: "the verifier", attempt });
      });
      const result = (await stub.advance(id)) as unknown as RolloutResult;
      expect(result).toMatchObject({ numTurns: 1, ...expected });
      if (attempt === 2)
        expect(result.error).toMatch(
          /^runtime_stopped: the runtime stopped again while the verifier was being run a second time/,
        );
    },
  );

  it("stores each message of the history once, and resumes a checkpoint that holds its history whole", async () => {
    const { id, stub } = await groceries();
    const stored = await inHost(stub, id, async (o, kv) => {
      await o.advance(id, 1);
      const state = kv.get<{ messageCount: number; messages?: unknown }>("state")!;
      const history = Array.from({ length: state.messageCount }, (_, n) => kv.get(`message:${n}`));
      // What a checkpoint written before per-message keys looks like: the history inside the state.
      kv.put("state", { turnCount: 1, messages: history });
      for (let n = 0; n < history.length; n++) kv.delete(`message:${n}`);
      return { state, history };
    });
    expect(stored.state.messages).toBeUndefined();
    expect(stored.history.length).toBeGreaterThan(2);
    expect(stored.history.every((m) => m !== undefined)).toBe(true);
    const result = (await stub.advance(id)) as unknown as RolloutResult;
    expect(result).toMatchObject({ status: "completed", reward: 1, stopReason: "answered" });
    expect(result.messages.slice(0, stored.history.length)).toEqual(stored.history);
    const rewritten = await inHost(stub, id, (_o, kv) => kv.get<object>("state"));
    expect(rewritten).toMatchObject({ messageCount: result.messages.length });
    expect(rewritten).not.toHaveProperty("messages");
    expect(((await stub.result(id)) as unknown as RolloutResult).messages).toEqual(result.messages);
  });

  it("clears a call's marker with the checkpoint that records its turn", async () => {
    const { id, stub } = await groceries();
    const result = (await stub.advance(id)) as unknown as RolloutResult;
    expect(result).toMatchObject({ status: "completed", reward: 1 });
    expect(await inHost(stub, id, (_o, kv) => kv.get("call"))).toBeUndefined();
  });

  it("runs a replayed turn's call when the policy answers it differently, and records that call's own result", async () => {
    const { id, stub } = await groceries(scripted("draft", "x"));
    const before = await inHost(stub, id, (_o, kv) => kv.get<RolloutState>("state"));
    await inHost(stub, id, async (o, kv) => {
      await o.advance(id, 1);
      // The crash: the first call took effect, its checkpoint was lost; the replay's policy says something else.
      kv.put("state", before);
      kv.put("spec", {
        ...kv.get<object>("spec"),
        policy: scripted("groceries", "milk, eggs"),
      });
    });
    const result = (await stub.advance(id)) as unknown as RolloutResult;
    expect(result).toMatchObject({ reward: 1, stopReason: "answered" });
    const diff = (await stub.diff(id)) as { table: string; inserted: unknown[][] }[];
    expect(diff[0]!.inserted).toHaveLength(2);
    const added = JSON.parse(result.turns[0]!.toolResults[0]!.output) as { id: number };
    expect(diff[0]!.inserted.find((row) => row.includes("groceries"))).toContain(added.id);
  });
});

describe("a host of rollouts", () => {
  const oracle = (id: string, taskId: string) => ({
    rolloutId: id,
    env: "shop",
    bundleId: bundles().shop!.manifest.bundleId,
    taskId,
    policy: { kind: "oracle" as const },
  });

  it("runs several rollouts at once under keys of their own, and its storage goes with the last one deleted", async () => {
    const host = env.ROLLOUT.getByName(`host-${crypto.randomUUID()}`);
    const tasks = bundles().shop!.manifest.tasks.slice(0, 3);
    const ids = tasks.map(() => crypto.randomUUID());
    await Promise.all(ids.map((id, i) => host.start(oracle(id, tasks[i]!.id))));
    // The host's alarm runs them all; nothing here advances them.
    for (const id of ids) await expect.poll(() => host.result(id), { timeout: 20_000 }).not.toBeNull();
    for (const [i, id] of ids.entries())
      expect(await host.result(id)).toMatchObject({ rolloutId: id, taskId: tasks[i]!.id, reward: 1 });
    const keys = () => runInDurableObject(host, (_o, ctx) => Array.from(ctx.storage.kv.list(), ([key]) => key));
    expect((await keys()).filter((k) => k.startsWith("rollout/")).sort()).toEqual(
      ids.map((id) => `rollout/${id}`).sort(),
    );
    const own = (k: string) => k.startsWith("rollout/") || k.startsWith("lane/");
    expect((await keys()).every((k) => own(k) || ids.some((id) => k.startsWith(`${id}/`)))).toBe(true);

    expect(await host.purge(ids[0]!)).toBeNull();
    expect(await host.purge(ids[1]!)).toBeNull();
    expect((await keys()).every((k) => k.includes(ids[2]!) || k.startsWith("lane/"))).toBe(true);
    expect(await host.result(ids[2]!)).toMatchObject({ reward: 1 });
    expect(await refusal(host.result(ids[0]!))).toMatch(/rollout_not_found/);
    const id = await host.purge(ids[2]!);
    expect(id).toBe(await runInDurableObject(host, (_o, ctx) => ctx.id.toString()));
    expect(await keys()).toEqual([]);
    expect(await runInDurableObject(host, (_o, ctx) => ctx.storage.getAlarm())).toBeNull();
  });

  it("starts a rollout at once while its alarm runs another's loop", async () => {
    const host = env.ROLLOUT.getByName(`host-${crypto.randomUUID()}`);
    const waiting = crypto.randomUUID();
    const policy = { kind: "openai", baseUrl: inject("fakePolicies").slow, model: "m", timeoutMs: 60_000 } as const;
    await host.start({ ...oracle(waiting, bundles().shop!.manifest.tasks[3]!.id), policy });
    await expect.poll(() => host.resume(waiting)).toEqual({ state: "live" });
    // The alarm set at the start has come by now and waits on that loop, whose policy answers after 10 s.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const quick = crypto.randomUUID();
    await host.start(oracle(quick, bundles().shop!.manifest.tasks[0]!.id));
    await expect.poll(() => host.result(quick), { timeout: 8_000 }).toMatchObject({ reward: 1 });
    expect(await host.result(waiting)).toBeNull();
    host.cancel(waiting);
    await expect.poll(() => host.result(waiting), { timeout: 20_000 }).toMatchObject({ stopReason: "cancelled" });
  });

  it("reads, resumes and deletes a rollout stored alone in an object of its own, as before hosts", async () => {
    const { id, stub } = await groceries();
    await stub.advance(id, 1);
    const alone = await storeAlone(stub, id);
    await runInDurableObject(alone, (_o, ctx) => ctx.storage.setAlarm(Date.now()));
    await expect.poll(() => alone.result(id), { timeout: 20_000 }).toMatchObject({ reward: 1, numTurns: 2 });
    expect(await alone.view(id)).toMatchObject({ rolloutId: id, state: "finished" });
    expect((await alone.diff(id))[0]!.inserted).toHaveLength(1);
    expect(await alone.purge(id)).toBe(await runInDurableObject(alone, (_o, ctx) => ctx.id.toString()));
    expect(await runInDurableObject(alone, (_o, ctx) => Array.from(ctx.storage.kv.list()).length)).toBe(0);
  });
});
