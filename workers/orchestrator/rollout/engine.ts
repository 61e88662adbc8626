import type { ChatMessage, ToolCallRequest } from "../../shared/chat.ts";
import type { TaskInfo, ToolInfo } from "../../shared/manifest.ts";
import type { RewardSpec, RolloutResult, StopReason, TurnRecord } from "../../shared/rollout.ts";
import type { ToolOutcome, VerifyOutcome } from "../../env-host/sdk/world.ts";
import { truncate, type TruncationSpec } from "../context/truncate.ts";
import type { FormatCheck, ToolFormat } from "../tool-format/format.ts";
import { PolicyError, type Policy } from "../policy/policy.ts";
import { fnv1a } from "./fnv.ts";
import { judge, type Verdict } from "../reward/judge.ts";

/** The world a rollout acts on: in a Rollout object, its own facets; in tests, anything with these two methods. */
export interface RolloutWorld {
  call(tool: string, args: unknown, stepId: string): Promise<ToolOutcome>;
  verify(taskId: string, answer: string | null): Promise<VerifyOutcome>;
}

export interface RolloutSetup {
  rolloutId: string;
  env: string;
  task: TaskInfo;
  tools: ToolInfo[];
  format: ToolFormat;
  policy: Policy;
  maxTurns: number;
  truncation: TruncationSpec;
  reward: RewardSpec;
  /** Epoch ms the rollout ends by, whatever it is waiting for. */
  deadline?: number;
  /** Aborted when the rollout is cancelled. */
  signal?: AbortSignal;
}

/** Everything a rollout needs to go on after a restart; it is saved after every turn. */
export interface RolloutState {
  messages: ChatMessage[];
  turns: TurnRecord[];
  done?: { stopReason: StopReason; answer: string | null; error?: string };
}

const FAILED: readonly StopReason[] = ["policy_error", "env_error", "cancelled"];

function systemPrompt(setup: RolloutSetup): string {
  const base =
    `You are an assistant acting for the logged-in user of the "${setup.env}" application. ` +
    "Use the tools to carry out the user's request. When you are done, reply with your final answer and no tool call.";
  const format = setup.format.prepare(setup.tools).system;
  return format ? `${base}\n\n${format}` : base;
}

export function startRollout(setup: RolloutSetup): RolloutState {
  return {
    messages: [
      { role: "system", content: systemPrompt(setup) },
      { role: "user", content: setup.task.prompt },
    ],
    turns: [],
  };
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Runs the world's side of each call; a call the format rejected never reaches the world. */
async function runCalls(
  setup: RolloutSetup,
  world: RolloutWorld,
  turn: number,
  calls: ToolCallRequest[],
  checks: FormatCheck[],
) {
  const results: TurnRecord["toolResults"] = [];
  for (const [i, call] of calls.entries()) {
    const check = checks[i];
    const local = setup.format.answerLocally(call, setup.tools);
    if (local !== undefined) {
      results.push({ callId: call.id, tool: call.name, ok: true, output: local });
      continue;
    }
    if (check && (!check.knownTool || !check.argsValid)) {
      results.push({
        callId: call.id,
        tool: call.name,
        ok: false,
        output: check.message ?? `cannot call ${call.name}`,
      });
      continue;
    }
    // The call itself is part of its step id: a turn replayed after a restart may be answered differently by the
    // policy, and a different call must run, not receive the result recorded for the one it replaces.
    const stepId = `${setup.rolloutId}:${turn}:${i}:${fnv1a(`${call.name}\0${JSON.stringify(call.arguments)}`).toString(16)}`;
    const outcome = await world.call(call.name, call.arguments, stepId);
    results.push(
      outcome.ok
        ? { callId: call.id, tool: call.name, ok: true, output: JSON.stringify(outcome.result) }
        : { callId: call.id, tool: call.name, ok: false, output: outcome.message },
    );
  }
  return results;
}

/** One turn: build the (truncated) request, ask the policy, read its reply, run its calls. */
export async function stepRollout(
  setup: RolloutSetup,
  world: RolloutWorld,
  state: RolloutState,
): Promise<RolloutState> {
  if (state.done) return state;
  const turn = state.turns.length;
  if (turn >= setup.maxTurns) return { ...state, done: { stopReason: "max_turns", answer: null } };
  const { messages: request, rewritten } = truncate(state.messages, setup.truncation);
  const { tools } = setup.format.prepare(setup.tools);
  let policyTurn;
  try {
    policyTurn = await setup.policy.next({
      messages: request,
      ...(tools ? { tools } : {}),
      task: setup.task,
      turn,
      ...(setup.deadline ? { deadline: setup.deadline } : {}),
      ...(setup.signal ? { signal: setup.signal } : {}),
    });
  } catch (err) {
    if (err instanceof PolicyError && err.kind === "deadline")
      return { ...state, done: { stopReason: "timeout", answer: null } };
    if (err instanceof PolicyError && err.kind === "cancelled")
      return { ...state, done: { stopReason: "cancelled", answer: null, error: "cancelled by its batch" } };
    return { ...state, done: { stopReason: "policy_error", answer: null, error: errorText(err) } };
  }
  const { reply } = policyTurn;
  const parsed = setup.format.parse(reply, setup.tools);
  const assistant: ChatMessage = {
    role: "assistant",
    content: reply.content ?? null,
    ...(reply.tool_calls?.length ? { tool_calls: reply.tool_calls } : {}),
  };
  const record: TurnRecord = {
    // The tools are the same every turn: recorded with the first request only, not repeated in every checkpoint.
    turn,
    request,
    ...(tools && turn === 0 ? { tools } : {}),
    truncated: rewritten,
    reply,
    outcome: parsed.kind,
    formatOk:
      parsed.kind === "answer" ||
      (parsed.kind === "calls" && parsed.checks.every((c) => c.parsable && c.knownTool && c.argsValid)),
    toolResults: [],
    ...(policyTurn.promptTokenIds ? { promptTokenIds: policyTurn.promptTokenIds } : {}),
    ...(policyTurn.completionTokenIds ? { completionTokenIds: policyTurn.completionTokenIds } : {}),
    ...(policyTurn.logprobs ? { logprobs: policyTurn.logprobs } : {}),
    ...(policyTurn.finishReason ? { finishReason: policyTurn.finishReason } : {}),
    latencyMs: policyTurn.latencyMs,
    attempts: policyTurn.attempts,
  };
  const messages = [...state.messages, assistant];
  if (parsed.kind === "answer") {
    return { messages, turns: [...state.turns, record], done: { stopReason: "answered", answer: parsed.answer } };
  }
  if (parsed.kind === "violation") {
    record.violation = parsed.reason;
    const turns = [...state.turns, record];
    if (setup.reward.stopOnFormatError) return { messages, turns, done: { stopReason: "format_error", answer: null } };
    return {
      messages: [...messages, { role: "user", content: `Your reply could not be used: ${parsed.reason}` }],
      turns,
    };
  }
  try {
    record.toolResults = await runCalls(setup, world, turn, parsed.calls, parsed.checks);
  } catch (err) {
    return {
      messages,
      turns: [...state.turns, record],
      done: { stopReason: "env_error", answer: null, error: errorText(err) },
    };
  }
  const results = parsed.calls.map((call, i) =>
    setup.format.result(call, record.toolResults[i]!.output, !record.toolResults[i]!.ok),
  );
  const turns = [...state.turns, record];
  if (!record.formatOk && setup.reward.stopOnFormatError)
    return { messages: [...messages, ...results], turns, done: { stopReason: "format_error", answer: null } };
  return { messages: [...messages, ...results], turns };
}

/** Verifies a finished rollout and scores it: outcome from the task's verifier, minus the format penalty. */
export async function finishRollout(
  setup: RolloutSetup,
  world: RolloutWorld,
  state: RolloutState,
  stop?: StopReason,
): Promise<RolloutResult> {
  const done = state.done ?? { stopReason: stop ?? "timeout", answer: null };
  const format = state.turns.map((t) => (t.formatOk ? 1 : 0));
  const formatErrors = format.filter((f) => f === 0).length;
  const base = {
    rolloutId: setup.rolloutId,
    env: setup.env,
    taskId: setup.task.id,
    answer: done.answer,
    numTurns: state.turns.length,
    messages: state.messages,
    turns: state.turns,
  };
  const failed = (stopReason: StopReason, error: string): RolloutResult => ({
    ...base,
    status: "failed",
    stopReason,
    error,
    reward: 0,
    lossWeight: 0,
    rewardComponents: { outcome: 0, formatErrors, format, verifier: null },
  });
  if (FAILED.includes(done.stopReason)) return failed(done.stopReason, done.error ?? done.stopReason);
  let verified: VerifyOutcome;
  try {
    verified = await world.verify(setup.task.id, done.answer);
  } catch (err) {
    return failed("env_error", `verification failed: ${errorText(err)}`);
  }
  if (!verified.ok) return failed("env_error", `verification failed: ${verified.message}`);
  let outcome = verified.result.complete ? 1 : 0;
  let judged: { verdict: Verdict; reply: string } | undefined;
  if (setup.reward.judge) {
    try {
      judged = await judge(setup.reward.judge, setup.task, state.messages, done.answer, verified.result);
    } catch (err) {
      return failed("policy_error", `the judge failed: ${errorText(err)}`);
    }
    outcome = { completed: 1, partially: setup.reward.judge.partialCredit, not: 0 }[judged.verdict];
  }
  return {
    ...base,
    status: "completed",
    stopReason: done.stopReason,
    lossWeight: 1,
    reward: outcome - setup.reward.formatPenalty * formatErrors,
    rewardComponents: {
      outcome,
      formatErrors,
      format,
      verifier: verified.result,
      ...(judged ? { judge: judged } : {}),
    },
  };
}
