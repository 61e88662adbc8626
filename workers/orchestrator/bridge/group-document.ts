import { GROUP_SCHEMA, type Group, type Trajectory } from "../../shared/group.ts";
import type { PolicySpec } from "../../shared/policy-spec.ts";
import type { RolloutResult, StopReason } from "../../shared/rollout.ts";
import { decodeFarmError } from "../../shared/errors.ts";
import { loadManifest } from "../../env-host/registry-client.ts";
import { rolloutStub } from "../../env-host/worlds.ts";
import { buildSamples } from "./samples.ts";

/** A finished group as the Batch's log holds it: its ledger rows, not yet its trajectories. */
export interface LogEntry {
  seq: number;
  groupId: string;
  env: string;
  bundleId: string;
  taskId: string;
  mean: number;
  std: number;
  allEqual: boolean;
  finishedAt: number;
  members: {
    id: string;
    /** The object that hosts the rollout (batch/hosts.ts). */
    host: string;
    status: "completed" | "failed" | "cancelled";
    stopReason: StopReason;
    reward: number;
    error: string | null;
  }[];
}

export interface LogPage {
  batchId: string;
  policy: PolicySpec;
  policyVersion: string | null;
  state: "running" | "done" | "cancelled";
  entries: LogEntry[];
  /** The batch has no rollout left to finish and the page reaches the end of the log. */
  ended: boolean;
}

/** A trajectory is the rollout's result without each turn's request: trainers get token ids, the viewer the rest. */
export type TrainingResult = Omit<RolloutResult, "turns"> & {
  turns: Omit<RolloutResult["turns"][number], "request" | "tools">[];
};

function trajectory(member: LogEntry["members"][number], result: TrainingResult | null): Trajectory {
  if (!result) {
    // Cancelled before it started, or it never could: it still belongs to its group, at weight 0.
    return {
      trajectory_id: member.id,
      status: member.status,
      stop_reason: member.stopReason,
      error: member.error,
      reward: member.reward,
      reward_components: { outcome: 0, format: [], format_errors: 0, verifier: null, judge: null },
      loss_weight: 0,
      num_turns: 0,
      answer: null,
      messages: [],
      turns: [],
      samples: [],
    };
  }
  const c = result.rewardComponents;
  return {
    trajectory_id: member.id,
    // The ledger's word: a rollout stopped by its batch's cancel ends failed in its own result, cancelled here.
    status: member.status,
    stop_reason: result.stopReason,
    error: result.error ?? null,
    reward: result.reward,
    reward_components: {
      outcome: c.outcome,
      format: c.format,
      format_errors: c.formatErrors,
      verifier: c.verifier,
      judge: c.judge ?? null,
    },
    loss_weight: result.lossWeight,
    num_turns: result.numTurns,
    answer: result.answer,
    messages: result.messages,
    turns: result.turns.map((t) => ({
      turn: t.turn,
      truncated: t.truncated,
      outcome: t.outcome,
      violation: t.violation ?? null,
      format_ok: t.formatOk,
      finish_reason: t.finishReason ?? null,
      prompt_token_ids: t.promptTokenIds ?? null,
      completion_token_ids: t.completionTokenIds ?? null,
      logprobs: t.logprobs ?? null,
      tool_results: t.toolResults.map((r) => ({ call_id: r.callId, tool: r.tool, ok: r.ok, output: r.output })),
    })),
    samples: buildSamples(result.turns),
  };
}

/** A member that never started is stored nowhere; any other failure to read one must not pass for that. */
async function memberResult(
  env: Env,
  envName: string,
  member: LogEntry["members"][number],
): Promise<TrainingResult | null> {
  try {
    return (await (await rolloutStub(env, envName, member.host)).trajectory(member.id)) as TrainingResult | null;
  } catch (err) {
    if (decodeFarmError(err)?.code === "rollout_not_found") return null;
    throw decodeFarmError(err) ?? err;
  }
}

/** Assembles one finished group from its ledger entry and its members' Rollout objects. */
export async function groupDocument(
  env: Env,
  page: Pick<LogPage, "batchId" | "policy" | "policyVersion">,
  entry: LogEntry,
): Promise<Group> {
  const [manifest, ...results] = await Promise.all([
    loadManifest(env, entry.bundleId),
    ...entry.members.map((m) => (m.status === "cancelled" ? Promise.resolve(null) : memberResult(env, entry.env, m))),
  ]);
  const completed = entry.members.filter((m) => m.status === "completed").length;
  return {
    schema: GROUP_SCHEMA,
    type: "group",
    seq: entry.seq,
    group_id: entry.groupId,
    batch_id: page.batchId,
    task: {
      env: entry.env,
      bundle_id: entry.bundleId,
      task_id: entry.taskId,
      prompt: manifest.tasks.find((t) => t.id === entry.taskId)?.prompt ?? "",
    },
    policy: {
      kind: page.policy.kind,
      model: page.policy.kind === "openai" ? page.policy.model : null,
      policy_version: page.policyVersion,
    },
    trajectories: entry.members.map((m, i) => trajectory(m, (results[i] as TrainingResult | null) ?? null)),
    stats: { n: completed, size: entry.members.length, mean: entry.mean, std: entry.std, all_equal: entry.allEqual },
    finished_at: new Date(entry.finishedAt).toISOString(),
  };
}
