import type {} from "./provided.ts";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { BatchStatus } from "../workers/shared/batch.ts";
import { Group, StreamLine } from "../workers/shared/group.ts";
import { farm, settled, startBatch, upload } from "./helpers.ts";

beforeAll(async () => {
  for (const name of ["shop", "lab"]) await upload(name);
});

/** Reads a stream line by line until `stop` says enough, then drops the connection. */
async function readLines(res: Response, stop: (line: StreamLine, all: StreamLine[]) => boolean): Promise<StreamLine[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const lines: StreamLine[] = [];
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return lines;
    buffered += value;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = StreamLine.parse(JSON.parse(buffered.slice(0, newline)));
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      if (stop(line, lines)) {
        await reader.cancel();
        return lines;
      }
    }
  }
}

const groupsOf = (lines: StreamLine[]) => lines.filter((l): l is Group => l.type === "group");
const tokenPolicy = () =>
  ({ kind: "openai", baseUrl: inject("fakePolicies").shop, model: "fake-qwen", maxRetries: 2, backoffMs: 0 }) as const;

describe("the group stream", () => {
  it("sends every finished group once, in log order, with token-exact samples, then an end line", async () => {
    const shopTasks = inject("bundles")
      .shop!.manifest.tasks.slice(0, 3)
      .map((t) => ({ env: "shop", taskId: t.id }));
    const { batchId, streamUrl } = await startBatch({
      tasks: shopTasks,
      groupSize: 2,
      policy: tokenPolicy(),
      policyVersion: "step-7",
      maxTurns: 12,
    });
    expect(streamUrl).toMatch(new RegExp(`/v1/batches/${batchId}/groups$`));
    const res = await farm(`/v1/batches/${batchId}/groups?heartbeatMs=200`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = await readLines(res, () => false);
    expect(lines.at(-1)).toEqual({ type: "end", cursor: 3, state: "done" });
    const groups = groupsOf(lines);
    expect(groups.map((g) => g.seq)).toEqual([0, 1, 2]);
    expect(new Set(groups.map((g) => g.group_id))).toEqual(new Set([0, 1, 2].map((n) => `${batchId}.g${n}`)));
    const prompts = new Map(inject("bundles").shop!.manifest.tasks.map((t) => [t.id, t.prompt]));
    for (const group of groups) {
      expect(group).toMatchObject({
        schema: "worldfarm.group.v1",
        batch_id: batchId,
        policy: { kind: "openai", model: "fake-qwen", policy_version: "step-7" },
      });
      expect(group.task.prompt).toBe(prompts.get(group.task.task_id));
      expect(group.stats).toEqual({ n: 2, size: 2, mean: 1, std: 0, all_equal: true });
      for (const t of group.trajectories) {
        expect(t).toMatchObject({
          status: "completed",
          stop_reason: "answered",
          reward: 1,
          loss_weight: 1,
          reward_components: { outcome: 1 },
        });
        expect(t.num_turns).toBe(t.turns.length);
        expect(t.turns.length).toBeGreaterThan(1);
        // No truncation and a template that only appends: one sample holds the whole trajectory.
        expect(t.samples).toHaveLength(1);
        const [sample] = t.samples;
        expect(sample!.prompt_ids).toEqual(t.turns[0]!.prompt_token_ids);
        expect(sample!.response_ids.length).toBe(sample!.response_mask.length);
        expect(sample!.response_logprobs.length).toBe(sample!.response_mask.length);
        // Replaying the layout gives back exactly what the policy received and generated every turn.
        const context = [...sample!.prompt_ids];
        let at = 0;
        for (const turn of t.turns) {
          const prompt = turn.prompt_token_ids!;
          expect(prompt.slice(0, context.length)).toEqual(context);
          const added = prompt.slice(context.length);
          expect(sample!.response_ids.slice(at, at + added.length)).toEqual(added);
          expect(sample!.response_mask.slice(at, at + added.length).every((m) => m === 0)).toBe(true);
          expect(sample!.response_logprobs.slice(at, at + added.length).every((l) => l === null)).toBe(true);
          context.push(...added);
          at += added.length;
          const generated = turn.completion_token_ids!;
          expect(sample!.response_ids.slice(at, at + generated.length)).toEqual(generated);
          expect(sample!.response_mask.slice(at, at + generated.length).every((m) => m === 1)).toBe(true);
          expect(sample!.response_logprobs.slice(at, at + generated.length)).toEqual(turn.logprobs);
          context.push(...generated);
          at += generated.length;
        }
        expect(at).toBe(sample!.response_ids.length);
      }
    }
  });

  it("starts a new sample where truncation rewrote the history", async () => {
    const task = inject("bundles").shop!.manifest.tasks.find((t) => t.solution.length >= 3)!;
    const { batchId } = await startBatch({
      tasks: [{ env: "shop", taskId: task.id }],
      groupSize: 1,
      policy: tokenPolicy(),
      truncation: { keepTurns: 1 },
      maxTurns: 12,
    });
    const [group] = groupsOf(await readLines(await farm(`/v1/batches/${batchId}/groups`), (l) => l.type === "group"));
    const t = group!.trajectories[0]!;
    expect(t.turns.filter((turn) => turn.truncated).length).toBeGreaterThan(0);
    expect(t.samples.map((s) => s.starts_because)).toEqual([
      "start",
      ...t.turns.filter((turn) => turn.truncated).map(() => "truncated"),
    ]);
    for (const s of t.samples) expect(s.prompt_ids).toEqual(t.turns[s.turns[0]]!.prompt_token_ids);
  });

  it("resumes from any cursor: a reader cut off after every group still gets each exactly once", async () => {
    const { batchId } = await startBatch({
      tasks: { lab: ["add-groceries", "delete-first", "count-notes"] },
      groupSize: 2,
      concurrency: 2,
      policy: { kind: "oracle" },
    });
    const seen: string[] = [];
    let cursor = 0;
    for (let connections = 0; connections < 20; connections++) {
      const lines = await readLines(
        await farm(`/v1/batches/${batchId}/groups?cursor=${cursor}&heartbeatMs=100`),
        (l) => l.type !== "heartbeat",
      );
      const last = lines.at(-1)!;
      if (last.type === "end") break;
      if (last.type === "group") {
        seen.push(last.group_id);
        cursor = last.seq + 1;
      }
    }
    expect(seen.sort()).toEqual([0, 1, 2].map((n) => `${batchId}.g${n}`));
    const fromTwo = groupsOf(await readLines(await farm(`/v1/batches/${batchId}/groups?cursor=2`), () => false));
    expect(fromTwo.map((g) => g.seq)).toEqual([2]);
  });

  it("holds a cursor beyond the end open with heartbeats while the batch runs, and ends it once the batch is done", async () => {
    // The slow policy answers after 10 s, so the batch is surely still running while the heartbeats come.
    const policy = { kind: "openai", baseUrl: inject("fakePolicies").slow, model: "m", timeoutMs: 60_000 } as const;
    const running = await startBatch({ tasks: { lab: ["add-groceries"] }, groupSize: 4, concurrency: 1, policy });
    const waiting = await readLines(
      await farm(`/v1/batches/${running.batchId}/groups?cursor=5&heartbeatMs=100`),
      (_l, all) => all.length === 3,
    );
    expect(waiting.map((l) => l.type)).toEqual(["heartbeat", "heartbeat", "heartbeat"]);
    expect(waiting[0]).toMatchObject({ cursor: 5, state: "running" });
    await farm(`/v1/batches/${running.batchId}/cancel`, { method: "POST" });

    const { batchId } = await startBatch({
      tasks: { lab: ["add-groceries"] },
      groupSize: 4,
      policy: { kind: "oracle" },
    });
    await settled(batchId);
    expect(await readLines(await farm(`/v1/batches/${batchId}/groups?cursor=5`), () => false)).toEqual([
      { type: "end", cursor: 5, state: "done" },
    ]);
  });

  it("keeps failed and cancelled members in their group at loss weight 0", async () => {
    const failing = {
      kind: "openai",
      baseUrl: inject("fakePolicies").failing,
      model: "m",
      maxRetries: 0,
      backoffMs: 0,
    } as const;
    const { batchId } = await startBatch({ tasks: { lab: ["add-groceries"] }, groupSize: 2, policy: failing });
    const [failed] = groupsOf(await readLines(await farm(`/v1/batches/${batchId}/groups`), () => false));
    expect(failed!.stats).toMatchObject({ n: 0, size: 2 });
    expect(failed!.trajectories.map((t) => [t.status, t.stop_reason, t.loss_weight])).toEqual([
      ["failed", "policy_error", 0],
      ["failed", "policy_error", 0],
    ]);

    const slow = {
      kind: "openai",
      baseUrl: inject("fakePolicies").busy,
      model: "m",
      maxRetries: 8,
      backoffMs: 0,
    } as const;
    const cancelled = await startBatch({
      tasks: { lab: ["add-groceries", "delete-first"] },
      groupSize: 3,
      concurrency: 1,
      policy: slow,
    });
    await farm(`/v1/batches/${cancelled.batchId}/cancel`, { method: "POST" });
    const lines = await readLines(await farm(`/v1/batches/${cancelled.batchId}/groups?heartbeatMs=100`), () => false);
    expect(lines.at(-1)).toMatchObject({ type: "end", state: "cancelled", cursor: 2 });
    const members = groupsOf(lines).flatMap((g) => g.trajectories);
    expect(members).toHaveLength(6);
    expect(
      members
        .filter((t) => t.status === "cancelled")
        .every((t) => t.loss_weight === 0 && t.stop_reason === "cancelled"),
    ).toBe(true);
    expect(members.filter((t) => t.status === "cancelled").length).toBeGreaterThanOrEqual(5);
  });

  it("speaks Server-Sent Events, resuming from Last-Event-ID", async () => {
    const { batchId } = await startBatch({
      tasks: { lab: ["add-groceries", "delete-first"] },
      groupSize: 1,
      policy: { kind: "oracle" },
    });
    await settled(batchId);
    const res = await farm(`/v1/batches/${batchId}/groups?format=sse`);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = (await res.text()).trim().split("\n\n");
    expect(events.map((e) => e.split("\n").filter((l) => !l.startsWith("data: ")))).toEqual([
      ["id: 0", "event: group"],
      ["id: 1", "event: group"],
      ["event: end"],
    ]);
    expect(Group.parse(JSON.parse(events[1]!.split("\n")[2]!.slice(6))).seq).toBe(1);
    const resumed = await farm(`/v1/batches/${batchId}/groups?cursor=0`, {
      headers: { accept: "text/event-stream", "last-event-id": "0" },
    });
    expect((await resumed.text()).match(/^id: \d+$/gm)).toEqual(["id: 1"]);
  });

  it("answers 404 for an unknown batch and 400 for a bad cursor or format", async () => {
    const unknown = await farm(`/v1/batches/b_${"0".repeat(24)}/groups`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("batch_not_found");
    const { batchId } = await startBatch({
      tasks: { lab: ["add-groceries"] },
      groupSize: 1,
      policy: { kind: "oracle" },
    });
    for (const q of ["cursor=-1", "cursor=first", "format=xml", "heartbeatMs=5"]) {
      const res = await farm(`/v1/batches/${batchId}/groups?${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/cursor|format|heartbeatMs/);
    }
  });
});

describe("push delivery", () => {
  it("posts every group, signed, to a receiver that fails three times: each arrives later, once", async () => {
    const { url, failures } = inject("webhook");
    const hook = `${url}/hook-${crypto.randomUUID()}`;
    const secret = "a-secret-of-enough-length";
    await fetch(hook, { method: "PUT", body: secret });
    const { batchId } = await startBatch({
      tasks: { lab: ["add-groceries", "delete-first", "count-notes"] },
      groupSize: 2,
      policy: { kind: "oracle" },
      deliver: { url: hook, secret, backoffMs: 20 },
    });
    let received: {
      accepted: { delivery: string; seq: number; signatureOk: boolean; body: Group }[];
      attempts: Record<string, number>;
    };
    for (;;) {
      received = await (await fetch(hook)).json();
      if (received.accepted.length >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    received = await (await fetch(hook)).json();
    expect(received.accepted.map((a) => a.delivery).sort()).toEqual([0, 1, 2].map((n) => `${batchId}.g${n}`));
    expect(received.accepted.every((a) => a.signatureOk && Group.parse(a.body).group_id === a.delivery)).toBe(true);
    expect(Object.values(received.attempts)).toEqual([failures + 1, failures + 1, failures + 1]);
    const status = (await (await farm(`/v1/batches/${batchId}`)).json()) as BatchStatus;
    expect(status.deliveries).toMatchObject({ delivered: 3, pending: 0, attempts: 3 * (failures + 1) });
  });

  it("refuses a delivery spec without a usable URL or secret", async () => {
    for (const deliver of [
      { url: "not a url", secret: "a-secret-of-enough-length" },
      { url: "http://127.0.0.1:1/x", secret: "short" },
    ]) {
      const res = await farm("/v1/batches", {
        method: "POST",
        json: { tasks: { lab: "all" }, policy: { kind: "oracle" }, deliver },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/deliver/);
    }
  });
});
