import type { RolloutResult, RolloutSpec, RolloutView } from "../../shared/rollout.ts";
import type { TableDiff } from "../../shared/instance.ts";
import type { ChatMessage } from "../../shared/chat.ts";
import { FarmError, encodeFarmError } from "../../shared/errors.ts";
import { loadManifest } from "../../env-host/registry-client.ts";
import { deleteWorld, WorldHost } from "../../env-host/runtime/host.ts";
import type { ToolOutcome, VerifyOutcome } from "../../env-host/sdk/world.ts";
import { releaseSlot, slotStub } from "./world-slot.ts";
import { worldReleased, type WorldLanes } from "./world-lanes.ts";
import type { TableRows } from "../../env-host/sdk/tables.ts";
import { policyFromSpec } from "../policy/from-spec.ts";
import { toolFormat } from "../tool-format/registry.ts";
import type { TrainingResult } from "../bridge/group-document.ts";
import { decodeReply, decodeTurns, encodeReply, encodeTurn, type StoredReply, type StoredTurn } from "./turn-store.ts";
import { fnv1a } from "./fnv.ts";
import { CallGate } from "./call-gate.ts";
import { scopedKv, type ScopedKv } from "./scoped-kv.ts";
import type { CallVerdict } from "../../shared/call-verdict.ts";
import { verdictOf } from "./verdict.ts";
import { plainResults } from "../../shared/received.ts";
import type { PolicyTurn } from "../policy/policy.ts";
import {
  finishRollout,
  startRollout,
  stepRollout,
  type RolloutSetup,
  type RolloutState,
  type RolloutWorld,
} from "./engine.ts";

/** A 32-bit seed from a rollout id: stable across restarts, different for each member of a group. */
const hashSeed = (rolloutId: string) => fnv1a(rolloutId) | 0;

/**
 * The state beside the turns. The history is stored a message per key (`message:N`), like the turns: the whole of it
 * rewritten, and read back, at every checkpoint cost more than the rest of the turn. Checkpoints written before
 * that carry the history in `messages` and have no `messageCount`.
 */
type Checkpoint = Pick<RolloutState, "done"> & { turnCount: number; messageCount?: number; messages?: ChatMessage[] };

/** How long a purge waits for a loop in flight to stop; one stuck in a tool call is not waited for. */
const PURGE_WAIT_MS = 10_000;

/**
 * Written, and made durable, before a call into environment code (a tool call or the verifier); the checkpoint that
 * records the call's turn clears it, written with the next call's marker (or when the loop stops), so a runtime that
 * died while the policy was asked for the next turn leaves it too. Found by a loop starting after a restart, it names
 * the call that was running when the runtime died, or the last one before it. Most such calls are innocent (a
 * runtime runs many rollouts' calls at once). A local farm's
 * supervisor knows which call's code was running when it stopped the runtime, by the call's token
 * (sdk/running-call.ts): that call ends naming the limit it ran into, and is not run again; the others are sent
 * again, their step ids keeping them from taking effect twice. Where nothing tells (deployed, or a farm restarted
 * since), the call is run once more, alone in its runtime (call-gate.ts); found again after that replay, it is taken
 * to be what stopped the runtime and is not run a third time.
 */
interface RunningCall {
  turn: number;
  tool: string;
  /** The call's step id; the verifier's is VERIFIER. */
  key: string;
  /** 1 for the call, 2 for its replay. Markers written before replays existed have none: they are not replayed. */
  attempt?: number;
  /** Names this attempt to the supervisor while its environment code runs. */
  token?: string;
  /**
   * Whether this attempt ran alone in its runtime: a stop during it, with nothing telling whose it was, is its own.
   * Markers from before it have none: their second attempts always ran alone.
   */
  alone?: boolean;
}

/**
 * How often a call may be started: a call whose runtime keeps being stopped under it by others (or by restarts of
 * the farm) ends rather than waits for ever.
 */
const ATTEMPTS = 5;

/**
 * The policy's reply whose calls the turn in progress runs, stored with the turn's first call marker: a replay runs
 * the same calls again rather than asking the policy anew, whose different answer would leave the first call's effect
 * in the world and not in the trajectory.
 */
interface ReplyInFlight {
  turn: number;
  policyTurn: PolicyTurn;
}

/** As the marker stores it (turn-store.ts). */
interface StoredReplyInFlight {
  turn: number;
  policyTurn: StoredReply;
}

const gate = new CallGate();

/**
 * A rollout's world: in the lane of its host it holds (world-lanes.ts); for a rollout started before lanes, in the
 * slot it holds (world-slot.ts), or, before slots, in the facets of its own object.
 */
interface HeldWorld {
  call(tool: string, args: unknown, stepId: string, token: string): Promise<ToolOutcome>;
  verify(taskId: string, answer: string | null, token: string): Promise<VerifyOutcome>;
  diff(): Promise<TableDiff[]>;
  rows(table: string, offset: number, limit: number): Promise<TableRows & { total: number }>;
}

/** What a rollout answers its batch when asked whether its loop is alive. */
export type Liveness =
  /** Its loop is running in this instance of the object. */
  | { state: "live" }
  /** Its loop was not running here (its runtime restarted, or its alarm was dropped); it has been started again. */
  | { state: "woken" }
  | { state: "finished"; report: RolloutReport }
  | { state: "unknown" };

/** What a finished rollout tells its batch; the trajectory itself stays in the Rollout object. */
export type RolloutReport = Pick<RolloutResult, "rolloutId" | "status" | "stopReason" | "reward" | "error">;

export function reportOf({
  rolloutId,
  status,
  stopReason,
  reward,
  error,
}: Omit<RolloutResult, "turns" | "messages">): RolloutReport {
  return { rolloutId, status, stopReason, reward, ...(error ? { error } : {}) };
}

/** The marker's name for the task's verifier, which runs environment code too. */
const VERIFIER = "the verifier";

/** How a stop names the call it ends. */
function callName(call: RunningCall): string {
  return call.tool === VERIFIER ? VERIFIER : `the tool call ${call.tool} of turn ${call.turn}`;
}

/** The stop a call that was running when its runtime died comes to, naming what stops a runtime. */
function stoppedCall(call: RunningCall): NonNullable<RolloutState["done"]> {
  const what = callName(call);
  const attempt = call.attempt ?? 1;
  const when =
    attempt === 1
      ? `while ${what} was running`
      : attempt === 2
        ? `again while ${what} was being run a second time`
        : `while ${what} was running, for the ${attempt}th time during this call`;
  return {
    stopReason: "env_error",
    answer: null,
    error:
      `runtime_stopped: the runtime stopped ${when} ` +
      "(a crash, an out-of-memory abort, or a supervisor stopping a runaway); the call is not run again",
  };
}

/** The stop of the call whose code was running when the supervisor stopped its runtime, naming the limit. */
function culpritStop(call: RunningCall, verdict: Extract<CallVerdict, { verdict: "culprit" }>): RolloutState["done"] {
  return {
    stopReason: "env_error",
    answer: null,
    error: `${verdict.code}: ${callName(call)} stopped its runtime: ${verdict.message}; the call is not run again`,
  };
}

/**
 * Whether a call found running after a restart is run again: it has attempts left, it is not a replay that ran alone
 * and met a stop nobody explains (that stop was its own), and (for a tool) its reply is kept.
 */
function replayable(
  call: RunningCall,
  reply: ReplyInFlight | undefined,
  state: RolloutState,
  verdict: CallVerdict,
): boolean {
  if (call.attempt === undefined || call.attempt >= ATTEMPTS) return false;
  if (verdict.verdict === "unknown" && (call.alone ?? call.attempt > 1)) return false;
  if (call.tool === VERIFIER) return state.done !== undefined;
  return !state.done && call.turn === state.turns.length && reply?.turn === call.turn;
}

/**
 * The host's index of the rollouts it holds, a key per rollout under this prefix: "live" until the rollout's result is
 * stored, then "ended". Rollout ids begin with their batch's id (`b_`), so no rollout's own keys fall under it.
 */
export const INDEX = "rollout/";

/**
 * One rollout in the object that hosts it (rollout-object.ts): its loop, its checkpoints under keys of its own, and
 * the world it holds in one of the host's lanes (world-lanes.ts). The loop checkpoints after every turn; a restart
 * resumes from the last checkpoint, and step ids keep a replayed tool call from taking effect twice. A runtime that
 * died takes the host's memory with it: a loop that is not running in this instance is not running at all, which is
 * how its batch tells a stalled rollout from a working one.
 */
export class RolloutRun {
  private held: HeldWorld | undefined;
  private running: Promise<unknown> = Promise.resolve();
  /** The loop and its report, while they run in this instance. */
  private driving: Promise<void> | undefined;
  /** Whether this instance has run the loop: one that has not, finding a checkpoint, follows a runtime that died. */
  private ranHere = false;
  private readonly cancelling = new AbortController();
  /** Its storage is being deleted: nothing may be written or reported after that. */
  private purged = false;
  /** How many turns and messages the stored checkpoint holds, once this instance has read or written it. */
  private saved: { turns: number; messages: number } | undefined;
  private readonly kv: ScopedKv;

  /**
   * `prefix` begins each of the rollout's keys in its host's storage; it is empty for a rollout stored before hosts
   * existed, alone in an object named by its id.
   */
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly lanes: WorldLanes,
    readonly rolloutId: string,
    readonly prefix: string,
  ) {
    this.kv = scopedKv(ctx.storage.kv, prefix);
  }

  /** Whether the rollout is stored alone in an object of its own (from before hosts). */
  get alone(): boolean {
    return this.prefix === "";
  }

  private spec(): RolloutSpec {
    const spec = this.kv.get<RolloutSpec>("spec");
    if (!spec) throw encodeFarmError(new FarmError("rollout_not_found", 404, "no such rollout"));
    return spec;
  }

  private index(state: "live" | "ended"): void {
    if (!this.alone) this.ctx.storage.kv.put(INDEX + this.rolloutId, state);
  }

  private world(spec: RolloutSpec): HeldWorld {
    if (this.held) return this.held;
    const lane = this.kv.get<number>("lane");
    const slot = this.kv.get<string>("slot");
    if (lane !== undefined) this.held = this.lanes.world(lane, spec.rolloutId);
    else if (slot !== undefined) {
      const stub = slotStub(this.env, slot);
      const id = spec.rolloutId;
      this.held = {
        call: (tool, args, stepId, token) => stub.call(id, tool, args, stepId, token),
        verify: (taskId, answer, token) => stub.verify(id, taskId, answer, token),
        diff: () => stub.diff(id),
        rows: (table, offset, limit) => stub.rows(id, table, offset, limit),
      };
    } else this.held = new WorldHost(this.ctx, this.env, { envName: spec.env, bundleId: spec.bundleId });
    return this.held;
  }

  /**
   * Lets the world go once the result is stored, so a batch of thousands never holds them all: the lane goes to the
   * next rollout of the host once the commit that stores the result (and lets go of the lane) is durable. The lane's
   * number stays stored (forgetting it was one more write): letting go again is a no-op at a lane held by another.
   */
  private async letGo(spec: RolloutSpec): Promise<void> {
    this.held = undefined;
    const lane = this.kv.get<number>("lane");
    const slot = this.kv.get<string>("slot");
    if (lane !== undefined) await this.lanes.release(lane, spec.rolloutId);
    else if (slot !== undefined) {
      // The slot's next holder resets the world: the result must be durable before that can happen.
      await this.ctx.storage.sync();
      await releaseSlot(this.env, slot, spec.rolloutId);
    } else deleteWorld(this.ctx);
  }

  private async setup(spec: RolloutSpec): Promise<RolloutSetup> {
    const manifest = await loadManifest(this.env, spec.bundleId);
    const task = manifest.tasks.find((t) => t.id === spec.taskId);
    if (!task) throw encodeFarmError(new FarmError("task_not_found", 404, `${spec.env} has no task "${spec.taskId}"`));
    const format = toolFormat(spec.toolFormat);
    return {
      rolloutId: spec.rolloutId,
      env: spec.env,
      task,
      tools: manifest.tools,
      format,
      policy: policyFromSpec(spec.policy, format, manifest.tools, hashSeed(spec.rolloutId)),
      maxTurns: spec.maxTurns,
      truncation: spec.truncation,
      reward: spec.reward,
      deadline: this.kv.get<number>("deadline") ?? Date.now() + spec.rolloutTimeoutMs,
      signal: this.cancelling.signal,
    };
  }

  /**
   * A checkpoint writes the new turn under its own key and the rest of the state beside it, each turn in its
   * compact stored form: rewriting every turn, or storing each whole, made checkpoints grow with the square of
   * the conversation.
   */
  private save(state: RolloutState): void {
    if (this.purged) throw new Error("the rollout was deleted");
    const { turns, messages, done } = state;
    const saved = this.saved ?? this.savedCounts();
    for (let n = Math.min(saved.turns, turns.length); n < turns.length; n++)
      this.kv.put(`turn:${n}`, encodeTurn(turns[n]!, turns[n - 1], messages));
    for (let n = saved.messages; n < messages.length; n++) this.kv.put(`message:${n}`, messages[n]);
    this.kv.put<Checkpoint>("state", {
      ...(done ? { done } : {}),
      turnCount: turns.length,
      messageCount: messages.length,
    });
    this.saved = { turns: turns.length, messages: messages.length };
    this.kv.delete("call");
    this.kv.delete("reply");
    // Each turn's prompt ids repeat the conversation so far (tens of thousands of ids by the last turn), and a rollout
    // kept them all until its end: hundreds of rollouts at once made a world's heap, and its garbage collection,
    // grow with them. The checkpoint holds them; only the last turn's are needed again, to store the next turn's as
    // what follows them.
    for (let n = 0; n < turns.length - 1; n++) turns[n]!.promptTokenIds = undefined;
  }

  /** What the stored checkpoint holds; one from before per-message keys is written whole once more. */
  private savedCounts(): { turns: number; messages: number } {
    const checkpoint = this.kv.get<Checkpoint>("state");
    return { turns: checkpoint?.turnCount ?? 0, messages: checkpoint?.messageCount ?? 0 };
  }

  private load(): RolloutState {
    const { turnCount, messageCount, messages: legacy, done } = this.kv.get<Checkpoint>("state")!;
    const messages =
      legacy ?? Array.from({ length: messageCount ?? 0 }, (_, n) => this.kv.get<ChatMessage>(`message:${n}`)!);
    const stored = Array.from({ length: turnCount }, (_, n) => this.kv.get<StoredTurn>(`turn:${n}`)!);
    this.saved = legacy ? undefined : { turns: turnCount, messages: messages.length };
    return { messages, turns: decodeTurns(stored, messages), ...(done ? { done } : {}) };
  }

  /** The result once the rollout ended; its turns and messages are the checkpoint's, stored once. */
  private finished(): RolloutResult | null {
    const summary = this.kv.get<Omit<RolloutResult, "turns" | "messages">>("result");
    if (!summary) return null;
    const { messages, turns } = this.load();
    return { ...summary, messages, turns };
  }

  /** Holds the world and stores the first checkpoint; false when the rollout was started before (a retried start). */
  async start(spec: RolloutSpec): Promise<boolean> {
    if (this.kv.get("spec")) return false;
    const setup = await this.setup(spec);
    const lane = await this.lanes.hold(spec.rolloutId, { envName: spec.env, bundleId: spec.bundleId, seed: spec.seed });
    this.kv.put("lane", lane);
    this.kv.put("spec", spec);
    this.kv.put("deadline", Date.now() + spec.rolloutTimeoutMs);
    this.save(startRollout(setup));
    this.index("live");
    return true;
  }

  /** Runs up to `turns` turns, checkpointing after each; finishes the rollout when it is done. */
  async advance(turns = Number.POSITIVE_INFINITY): Promise<RolloutResult | null> {
    return (await this.queued(turns)) ? this.finished() : null;
  }

  /** Runs up to `turns` turns after those already asked for; answers the report once the rollout has ended. */
  private queued(turns: number): Promise<RolloutReport | null> {
    if (this.purged) return Promise.resolve(null);
    // The alarm and a caller may both ask; turns must run one after another, never side by side on one state.
    const run = this.running.then(() => this.run(turns));
    this.running = run.catch(() => undefined);
    return run;
  }

  /**
   * The loop. It answers the report, not the result: the result is read back from storage by whoever wants it, so
   * the turns in memory need not keep what the checkpoints hold (see save()).
   */
  private async run(turns: number): Promise<RolloutReport | null> {
    const spec = this.spec();
    const ended = this.kv.get<Omit<RolloutResult, "turns" | "messages">>("result");
    if (ended) {
      // A slot is let go of after its result's commit: a runtime that died in between left it held. A lane is let go
      // of in that commit.
      if (this.kv.get("slot") !== undefined) await this.letGo(spec);
      return reportOf(ended);
    }
    const host = this.world(spec);
    let state = this.load();
    const died = this.kv.get<RunningCall>("call");
    const storedReply = this.kv.get<StoredReplyInFlight>("reply");
    let reply: ReplyInFlight | undefined = storedReply && {
      turn: storedReply.turn,
      policyTurn: decodeReply(storedReply.policyTurn, state.turns[storedReply.turn - 1]),
    };
    let replaying: RunningCall | undefined;
    /** A replay nobody vouched for runs alone, so that a second stop during it can only be its own doing. */
    let alone = false;
    if (died && (!state.done || died.tool === VERIFIER)) {
      const verdict: CallVerdict = died.token
        ? await verdictOf(this.env.WORLD_STOPS, died.token)
        : { verdict: "unknown" };
      if (verdict.verdict === "culprit") {
        state = { ...state, done: culpritStop(died, verdict) };
        this.save(state);
      } else if (replayable(died, reply, state, verdict)) {
        replaying = died;
        alone = verdict.verdict === "unknown";
      } else {
        state = { ...state, done: stoppedCall(died) };
        this.save(state);
      }
    }
    const asked = await this.setup(spec);
    let storedTurn = reply?.turn;
    // The turn being replayed gets its stored reply back; every other turn asks the policy.
    const setup: RolloutSetup = {
      ...asked,
      policy: {
        next: async (request) => {
          if (replaying && reply?.turn === request.turn) return reply.policyTurn;
          const policyTurn = await asked.policy.next(request);
          reply = { turn: request.turn, policyTurn };
          return policyTurn;
        },
      },
    };
    /**
     * A turn's checkpoint is written in one commit with the next call's marker, not in a commit of its own before the
     * next policy request: a commit blocks the runtime's thread on an `fsync`, and two a turn were a fifth of its
     * time. A runtime that dies while the policy is asked thus leaves the last call's marker: locally the supervisor
     * says it was not that call's doing and it is sent again with its stored reply (its step id keeps a write from
     * taking effect twice); deployed, where nothing tells, it is run again alone.
     */
    let unsaved: RolloutState | undefined;
    const flush = () => {
      if (unsaved) this.save(unsaved);
      unsaved = undefined;
    };
    // Environment code runs in tool calls and in the verifier; either may be what stops the runtime.
    const marked = <T>(tool: string, key: string, run: (token: string) => Promise<T>): Promise<T> => {
      const turn = state.turns.length;
      const attempt = replaying?.key === key && replaying.turn === turn ? replaying.attempt! + 1 : 1;
      const token = crypto.randomUUID();
      const solo = alone && attempt > 1;
      const go = async () => {
        if (this.purged) throw new Error("the rollout was deleted");
        flush();
        this.kv.put<RunningCall>("call", { turn, tool, key, attempt, token, alone: solo });
        if (tool !== VERIFIER && storedTurn !== turn && reply?.turn === turn) {
          this.kv.put<StoredReplyInFlight>("reply", {
            turn,
            policyTurn: encodeReply(reply.policyTurn, state.turns[turn - 1]),
          });
          storedTurn = turn;
        }
        await this.ctx.storage.sync();
        return run(token);
      };
      return solo ? gate.alone(go) : gate.shared(go);
    };
    const world: RolloutWorld = {
      call: (tool, args, stepId) => marked(tool, stepId, (token) => host.call(tool, args, stepId, token)),
      verify: (taskId, answer) => marked(VERIFIER, VERIFIER, (token) => host.verify(taskId, answer, token)),
    };
    const deadline = this.kv.get<number>("deadline")!;
    for (let i = 0; i < turns && !state.done; i++) {
      if (this.kv.get("cancelled"))
        state = { ...state, done: { stopReason: "cancelled", answer: null, error: "cancelled by its batch" } };
      else
        state =
          Date.now() >= deadline
            ? { ...state, done: { stopReason: "timeout", answer: null } }
            : await stepRollout(setup, world, state);
      unsaved = state;
    }
    flush();
    if (!state.done) return null;
    const result = await finishRollout(setup, world, state);
    // The verifier has answered: what follows runs no environment code, and a restart may verify again.
    this.kv.delete("call");
    // The world's changes are kept; the world itself is let go.
    this.kv.put("diff", await host.diff());
    const { turns: _turns, messages: _messages, ...summary } = result;
    this.kv.put("result", summary);
    this.index("ended");
    await this.letGo(spec);
    return reportOf(summary);
  }

  /**
   * Runs the rollout to its end and reports to its batch, from its host's alarm; a failed report throws, so the alarm
   * retries it. An alarm that finds a rollout part way through, in a fresh instance, is the sign of a runtime that
   * died: the batch is told, so it can wake those of its rollouts whose alarms do not come back.
   */
  wake(): Promise<void> {
    const spec = this.kv.get<RolloutSpec>("spec");
    if (
      !this.ranHere &&
      spec?.batchId &&
      !this.kv.get("result") &&
      ((this.kv.get<Checkpoint>("state")?.turnCount ?? 0) > 0 || this.kv.get("call"))
    ) {
      this.ctx.waitUntil(
        plainResults(this.env.BATCH.getByName(spec.batchId))
          .rolloutResumed()
          .catch(() => undefined),
      );
    }
    return this.drive();
  }

  /** The loop, once per instance however often the alarm and a wake ask for it. */
  drive(): Promise<void> {
    this.ranHere = true;
    this.driving ??= this.runAndReport().finally(() => {
      this.driving = undefined;
    });
    return this.driving;
  }

  private async runAndReport(): Promise<void> {
    const spec = this.kv.get<RolloutSpec>("spec");
    if (!spec) return;
    const report = await this.queued(Number.POSITIVE_INFINITY);
    if (report && spec.batchId && !this.purged)
      await plainResults(this.env.BATCH.getByName(spec.batchId)).report(report);
  }

  /**
   * Asked by its batch, after a restart and now and then: is the loop alive? Answered from memory while it runs
   * here. Otherwise its result if it has one (the report was lost), else the loop is started again from here, not
   * left to an alarm that the runtime which died may have been running; the alarm set beside it holds the object
   * open while the loop runs and brings it back should this instance go too.
   */
  async resume(): Promise<Liveness> {
    if (this.driving) return { state: "live" };
    if (!this.kv.get("spec")) return { state: "unknown" };
    const summary = this.kv.get<Omit<RolloutResult, "turns" | "messages">>("result");
    if (summary) return { state: "finished", report: reportOf(summary) };
    void this.drive().catch(() => undefined);
    await this.ctx.storage.setAlarm(Date.now());
    return { state: "woken" };
  }

  /** Ends the rollout at once, a policy request in flight included; it finishes as cancelled and reports so. */
  cancel(): void {
    if (!this.kv.get("spec") || this.kv.get("result")) return;
    this.kv.put("cancelled", true);
    this.cancelling.abort();
  }

  /**
   * Stops the loop before the rollout's storage is deleted, so no checkpoint lands after the deletion, and lets its
   * world go. A loop stuck in a tool call is not waited for past PURGE_WAIT_MS; it can write nothing after this.
   */
  async stop(): Promise<void> {
    this.purged = true;
    this.cancelling.abort();
    await Promise.race([this.running, new Promise((resolve) => setTimeout(resolve, PURGE_WAIT_MS))]);
    const spec = this.kv.get<RolloutSpec>("spec");
    if (spec) await this.letGo(spec);
  }

  /** Deletes the rollout's keys and its host's index entry (a rollout alone in its object is deleted with it). */
  erase(): void {
    for (const key of this.kv.keys()) this.ctx.storage.kv.delete(key);
    this.ctx.storage.kv.delete(INDEX + this.rolloutId);
  }

  result(): RolloutResult | null {
    this.spec();
    return this.finished();
  }

  /** The result as trainers read it: every turn's token ids, without the request messages the viewer shows. */
  trajectory(): TrainingResult | null {
    this.spec();
    const result = this.finished();
    if (!result) return null;
    return { ...result, turns: result.turns.map(({ request: _request, tools: _tools, ...turn }) => turn) };
  }

  view(): RolloutView {
    const spec = this.spec();
    const result = this.finished();
    return {
      rolloutId: spec.rolloutId,
      batchId: spec.batchId ?? null,
      env: spec.env,
      bundleId: spec.bundleId,
      taskId: spec.taskId,
      state: result ? "finished" : "running",
      turns: result ? result.turns : this.load().turns,
      result,
    };
  }

  diff(): Promise<TableDiff[]> {
    const spec = this.spec();
    const kept = this.kv.get<TableDiff[]>("diff");
    return kept ? Promise.resolve(kept) : this.world(spec).diff();
  }

  rows(table: string, offset: number, limit: number): Promise<TableRows & { total: number }> {
    const spec = this.spec();
    if (this.kv.get("result")) throw worldReleased();
    return this.world(spec).rows(table, offset, limit);
  }
}
