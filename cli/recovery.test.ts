import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchStatus } from "../workers/shared/batch.ts";
import type { Group } from "../workers/shared/group.ts";
import type { RolloutView } from "../workers/shared/rollout.ts";
import { buildEnv } from "./build/bundle-env.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import { freePort } from "./farm/free-port.ts";
import { startLocalFarm, type LocalFarm } from "./farm/local-farm.ts";
import { startFakePolicy, type FakePolicy, type Reply } from "./fake-policy/server.ts";
import { assistantText, completionText, encode } from "./fake-policy/tokenizer.ts";
import { ROOT } from "./paths.ts";
import { startWebhookReceiver } from "../test/webhook-receiver.ts";

/**
 * A batch of several hundred rollouts (more than a probe's wave) through real runtime deaths: workerd killed with
 * SIGKILL while rollouts are being started and while policy requests are in flight, stopped by the farm's own
 * supervisor while a tool call has frozen it, and the whole farm stopped and started again on its state folder.
 * Every rollout must end on its own (none waits for its deadline), with the world, messages and turn records of an
 * uninterrupted run. Every innocent rollout completes, its calls that were in a dying runtime run once more and taking
 * effect once; the call that froze the runtime, named by its runtime as the call it ran, is not run again.
 */
const GROUPS = 50;
const SIZE = 4;
const ROLLOUTS = GROUPS * SIZE;
const SECRET = "recovery-test-secret-0123456789";

let dir: string;
let farm: LocalFarm;
let client: Farm;
let policy: FakePolicy;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
/** Set by the test: the next rollout at its second turn is told to call the tool that freezes its runtime. */
let freezeArmed = false;
let culpritPrompt: string | undefined;

const call = (name: string, args: unknown): Reply => ({
  content: null,
  tool_calls: [{ id: `c_${name}`, type: "function", function: { name, arguments: JSON.stringify(args) } }],
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "worldfarm-recovery-"));
  farm = await startLocalFarm({ port: await freePort(), persistDir: dir });
  client = new Farm(farm.url.toString(), { token: farm.token });
  await client.uploadEnv(await buildEnv(join(ROOT, "test/fixtures/envs/recovery")));
  receiver = await startWebhookReceiver(0);
  policy = await startFakePolicy({
    latencyMs: 200,
    script: (request, turn) => {
      if (turn === 1 && freezeArmed) {
        freezeArmed = false;
        culpritPrompt = JSON.stringify(request.messages);
        return call("freeze", {});
      }
      return turn < 2 ? call("add_item", { title: `t${turn}` }) : { content: "Added t0 and t1." };
    },
  });
}, 120_000);

afterAll(async () => {
  await farm?.dispose();
  await policy?.close();
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
});

function workerdPids(): number[] {
  const out = execFileSync("ps", ["--ppid", String(process.pid), "-o", "pid=,comm="], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((l) => l.includes("workerd"))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(new URL("/healthz", farm.url), { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/** What an out-of-memory abort, a crash or a supervisor does to the runtime; Miniflare starts a new one. */
async function killRuntime(): Promise<void> {
  const pids = workerdPids();
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, "SIGKILL");
  await until(
    "the runtime to come back",
    async () => (await healthy()) && workerdPids().every((p) => !pids.includes(p)),
  );
}

const status = (batchId: string) => client.request<BatchStatus>("GET", `/v1/batches/${batchId}`);
/** The status, or null while the runtime is away. */
const statusNow = (batchId: string) => status(batchId).catch(() => null);

/** Each turn as the messages tell it and as its record does: the request, the reply, and the reply's token ids. */
function disagreements(view: RolloutView): string[] {
  const { messages, turns } = view.result!;
  const found: string[] = [];
  if (messages.filter((m) => m.role === "assistant").length !== turns.length)
    found.push(`${turns.length} turns, but other assistant messages`);
  for (const turn of turns) {
    if (JSON.stringify(messages.slice(0, turn.request.length)) !== JSON.stringify(turn.request))
      found.push(`turn ${turn.turn}: request is not the history`);
    const said = messages[turn.request.length];
    if (
      said?.role !== "assistant" ||
      (said.content ?? null) !== turn.reply.content ||
      JSON.stringify(said.tool_calls ?? []) !== JSON.stringify(turn.reply.tool_calls ?? [])
    ) {
      found.push(`turn ${turn.turn}: the message is not the reply`);
    } else if (
      JSON.stringify(encode(completionText(assistantText(said)))) !== JSON.stringify(turn.completionTokenIds)
    ) {
      found.push(`turn ${turn.turn}: the message is not the text of its token ids`);
    }
  }
  return found;
}

describe("a batch whose runtime dies", () => {
  it("finishes every rollout after kills at start, mid-request, mid-call and a farm restart; the call that froze the runtime is not run again", async () => {
    await fetch(`${receiver.url}/recovery`, { method: "PUT", body: SECRET });
    const { batchId } = await client.createBatch({
      tasks: Array.from({ length: GROUPS }, () => ({ env: "recovery", taskId: "add-two" })),
      groupSize: SIZE,
      concurrency: ROLLOUTS,
      policy: { kind: "openai", baseUrl: `${policy.url}/v1`, model: "m", backoffMs: 50 },
      maxTurns: 5,
      rolloutTimeoutMs: 600_000,
      deliver: { url: `${receiver.url}/recovery`, secret: SECRET, backoffMs: 100 },
    });

    // 1. While the batch's alarm is still starting its rollouts.
    await until("the first policy requests", () => policy.requests >= 10);
    await killRuntime();

    // 2. With hundreds of policy requests in flight.
    const before = policy.requests;
    await until("policy requests after the first restart", () => policy.requests >= before + ROLLOUTS / 2);
    await killRuntime();

    // 3. In a tool call that freezes the runtime it runs in: the farm's supervisor stops that runtime, no test does.
    // Its runtime said whose call it ran, so that call is not run again: its rollout ends, the calls beside it are
    // sent again, and the runtime is stopped no more.
    const restarts = () => Object.values(farm.supervisor.restarts()).reduce((sum, n) => sum + n, 0);
    const restartsBefore = restarts();
    freezeArmed = true;
    await until("the freezing call", () => culpritPrompt !== undefined);
    await until("the supervisor to stop the frozen runtime", () => restarts() > restartsBefore);
    await until("the runtime to come back", healthy);

    // 4. The farm stopped and started again on its state folder: nobody asks for the batch, it carries on by itself.
    await until(
      "a third of the rollouts to finish",
      async () => ((await statusNow(batchId))?.counts.completed ?? 0) >= ROLLOUTS / 3,
    );
    await until("the culprit to end", async () => ((await statusNow(batchId))?.counts.failed ?? 0) >= 1);
    expect(restarts()).toBe(restartsBefore + 1);
    await farm.restart();
    const restarted = policy.requests;
    await until("policy requests after the farm restart", () => policy.requests >= restarted + 20);

    await until(
      "the batch to finish",
      async () => ((await statusNow(batchId))?.state ?? "running") !== "running",
      240_000,
    );
    const done = await status(batchId);
    expect(done.counts.pending + done.counts.running).toBe(0);
    expect(done.stopReasons.timeout ?? 0).toBe(0);
    expect(done.counts.completed + done.counts.failed).toBe(ROLLOUTS);

    const views = [] as RolloutView[];
    const ids = Array.from({ length: ROLLOUTS }, (_, n) => `${batchId}.g${Math.floor(n / SIZE)}.${n % SIZE}`);
    for (let i = 0; i < ids.length; i += 16) {
      views.push(
        ...(await Promise.all(
          ids.slice(i, i + 16).map((id) => client.request<RolloutView>("GET", `/v1/rollouts/${id}`)),
        )),
      );
    }
    // The rollout that froze its runtime ended once, env_error naming the limit, never run again (the runtime was
    // stopped once); every other rollout completed, each call having taken effect exactly once (the verifier gives
    // reward 1 only then).
    const stopped = views.filter((v) => v.result!.status !== "completed");
    expect(stopped.map((v) => v.result!.error)).toEqual([
      expect.stringMatching(
        /^runaway: the tool call freeze of turn 1 stopped its runtime: the environment's code ran .* without yielding, past the limit of .*; the call is not run again$/,
      ),
    ]);
    const culprits = stopped;
    expect(culprits[0]!.result).toMatchObject({ stopReason: "env_error", lossWeight: 0, numTurns: 1 });
    const others = views.filter((v) => v.result!.status === "completed");
    expect(others.every((v) => v.result!.reward === 1 && v.result!.stopReason === "answered")).toBe(true);
    expect(others.length).toBe(ROLLOUTS - 1);
    expect(views.flatMap((v) => disagreements(v).map((d) => `${v.rolloutId}: ${d}`))).toEqual([]);

    // Every group reached the receiver; a delivery cut off by a kill may arrive again, under the same delivery id.
    await until("every group delivered", async () => (await statusNow(batchId))?.deliveries?.pending === 0);
    const { accepted } = (await (await fetch(`${receiver.url}/recovery`)).json()) as {
      accepted: { delivery: string; seq: number; body: Group }[];
    };
    const groups = new Map(accepted.map((a) => [a.delivery, a]));
    expect(groups.size).toBe(GROUPS);
    expect(new Set(accepted.map((a) => a.seq)).size).toBe(GROUPS);
    const culpritGroup = [...groups.values()].find((g) =>
      g.body.trajectories.some((t) => t.trajectory_id === culprits[0]!.rolloutId),
    )!;
    expect(culpritGroup.body.trajectories.find((t) => t.trajectory_id === culprits[0]!.rolloutId)).toMatchObject({
      status: "failed",
      loss_weight: 0,
    });
  }, 600_000);
});
