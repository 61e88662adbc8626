import type { Group, Sample, Trajectory } from "../../workers/shared/group.ts";

/** Why a trajectory is not trained on as one row; the Python client's worldfarm._rows explains each. */
export type LeftOut = "failed" | "cancelled" | "no_token_ids" | "split" | "no_logprobs" | "prompt_too_long";

/** A trajectory as one training row, or the reason it is left out (its row then has mask 0 and reward null). */
export function trajectoryRow(trajectory: Trajectory): { sample: Sample | undefined; leftOut: LeftOut | null } {
  const { samples } = trajectory;
  const last = samples.at(-1);
  if (trajectory.loss_weight !== 1)
    return { sample: last, leftOut: trajectory.status === "cancelled" ? "cancelled" : "failed" };
  if (!last) return { sample: undefined, leftOut: "no_token_ids" };
  if (samples.length > 1) return { sample: last, leftOut: "split" };
  if (last.response_logprobs.some((lp, i) => lp === null && last.response_mask[i] === 1))
    return { sample: last, leftOut: "no_logprobs" };
  return { sample: last, leftOut: null };
}

function tokens(trajectory: Trajectory, fallbackPromptIds: number[], fillerId: number) {
  const { sample, leftOut } = trajectoryRow(trajectory);
  if (!sample) {
    if (fallbackPromptIds.length === 0)
      throw new RangeError("a trajectory without token ids needs the task's prompt ids to fill its row");
    return { leftOut, prompt: [...fallbackPromptIds], response: [fillerId], mask: [0 as const], logprobs: [0] };
  }
  const response = sample.response_ids.length ? [...sample.response_ids] : [fillerId];
  const mask =
    leftOut === null && sample.response_ids.length ? [...sample.response_mask] : response.map(() => 0 as const);
  // 0.0 only under mask 0, where neither library reads it into the loss; a trainable row has every logprob.
  const logprobs = response.map((_, i) => (leftOut === null ? (sample.response_logprobs[i] ?? 0) : 0));
  return { leftOut, prompt: [...sample.prompt_ids], response, mask, logprobs };
}

/** verl's AgentLoopOutput fields (verl b178a3cd) for one trajectory; see the Python client's `verl_output`. */
export interface VerlOutput {
  prompt_ids: number[];
  response_ids: number[];
  response_mask: (0 | 1)[];
  response_logprobs: number[];
  multi_modal_data: Record<string, never>;
  reward_score: number | null;
  num_turns: number;
  metrics: { generate_sequences: number; tool_calls: number; num_preempted: number };
  extra_fields: {
    worldfarm: {
      trajectory_id: string;
      group_id: string;
      status: Trajectory["status"];
      left_out: LeftOut | null;
      response_truncated: boolean;
    };
  };
}

/** One verl AgentLoopOutput per trajectory, cut to verl's prompt and response lengths. */
export function toVerl(
  group: Group,
  options: { promptLength: number; responseLength: number; fallbackPromptIds?: number[]; padTokenId?: number },
): VerlOutput[] {
  const { promptLength, responseLength, fallbackPromptIds = [], padTokenId = 0 } = options;
  return group.trajectories.map((trajectory) => {
    const row = tokens(trajectory, fallbackPromptIds, padTokenId);
    let { leftOut, prompt, mask } = row;
    if (prompt.length > promptLength) {
      prompt = prompt.slice(-promptLength);
      leftOut ??= "prompt_too_long";
    }
    if (leftOut !== null) mask = mask.map(() => 0 as const);
    return {
      prompt_ids: prompt,
      response_ids: row.response.slice(0, responseLength),
      response_mask: mask.slice(0, responseLength),
      response_logprobs: row.logprobs.slice(0, responseLength),
      multi_modal_data: {},
      reward_score: leftOut === null ? trajectory.reward : null,
      num_turns: trajectory.messages.filter((m) => m.role !== "system").length,
      metrics: { generate_sequences: 0, tool_calls: 0, num_preempted: -1 },
      extra_fields: {
        worldfarm: {
          trajectory_id: trajectory.trajectory_id,
          group_id: group.group_id,
          status: trajectory.status,
          left_out: leftOut,
          response_truncated: row.response.length > responseLength,
        },
      },
    };
  });
}

/** What a TRL GRPOTrainer `rollout_func` returns (TRL f2cd5771): one entry per trajectory in each list. */
export interface TrlRollouts {
  prompt_ids: number[][];
  completion_ids: number[][];
  logprobs: number[][];
  env_mask: (0 | 1)[][];
  reward: (number | null)[];
  left_out: (LeftOut | null)[];
  trajectory_id: string[];
  group_id: string[];
}

/** The group as a TRL `rollout_func` result: never an empty completion, reward null for a member left out. */
export function toTrl(group: Group, options: { eosTokenId: number; fallbackPromptIds?: number[] }): TrlRollouts {
  const rows = group.trajectories.map((t) => ({
    t,
    row: tokens(t, options.fallbackPromptIds ?? [], options.eosTokenId),
  }));
  return {
    prompt_ids: rows.map(({ row }) => row.prompt),
    completion_ids: rows.map(({ row }) => row.response),
    logprobs: rows.map(({ row }) => row.logprobs),
    env_mask: rows.map(({ row }) => row.mask),
    reward: rows.map(({ t, row }) => (row.leftOut === null ? t.reward : null)),
    left_out: rows.map(({ row }) => row.leftOut),
    trajectory_id: rows.map(({ t }) => t.trajectory_id),
    group_id: rows.map(() => group.group_id),
  };
}
