import type { Group, Sample, Trajectory } from "../../workers/shared/group.ts";
import { grpoAdvantages } from "./advantages.ts";

/** One verl row: its agent loop's AgentLoopOutput fields plus what its trainer's DataProto holds per sample. */
export interface VerlRow {
  uid: string;
  trajectory_id: string;
  sample_index: number;
  starts_because: Sample["starts_because"];
  prompt_ids: number[];
  response_ids: number[];
  response_mask: (0 | 1)[];
  response_logprobs: number[];
  rollout_log_probs: number[];
  reward_score: number;
  token_level_scores: number[];
  advantages: number[];
  num_turns: number;
  loss_weight: 0 | 1;
}

/** What a TRL GRPOTrainer `rollout_func` returns: one entry per sample in each list. */
export interface TrlRollouts {
  prompt_ids: number[][];
  completion_ids: number[][];
  logprobs: number[][];
  env_mask: (0 | 1)[][];
  reward: number[];
  advantages: number[];
  uid: string[];
  trajectory_id: string[];
  loss_weight: (0 | 1)[];
  num_turns: number[];
}

interface Row { trajectory: Trajectory; sample: Sample; index: number; mask: (0 | 1)[]; advantage: number }

const EMPTY: Sample = { prompt_ids: [], response_ids: [], response_mask: [], response_logprobs: [], turns: [0, 0], starts_because: "start" };

/**
 * One row per sample, as the Python adapters: a trajectory without samples gives one empty row, and a
 * loss-weight-0 member keeps its tokens under an all-zero mask and advantage 0.
 */
function rows(group: Group, advantages = grpoAdvantages(group)): Row[] {
  if (advantages.length !== group.trajectories.length) {
    throw new RangeError(`got ${advantages.length} advantages for a group of ${group.trajectories.length}`);
  }
  return group.trajectories.flatMap((trajectory, i) => {
    const weighted = trajectory.loss_weight === 1;
    const samples = trajectory.samples.length ? trajectory.samples : [EMPTY];
    return samples.map((sample, index) => ({
      trajectory, sample, index,
      mask: weighted ? sample.response_mask : sample.response_mask.map(() => 0 as const),
      advantage: weighted ? advantages[i]! : 0,
    }));
  });
}

/** The group in verl's names, one row per sample: reward on the last response token, uid = group id for GRPO. */
export function toVerl(group: Group, advantages?: number[]): VerlRow[] {
  return rows(group, advantages).map(({ trajectory, sample, index, mask, advantage }) => ({
    uid: group.group_id,
    trajectory_id: trajectory.trajectory_id,
    sample_index: index,
    starts_because: sample.starts_because,
    prompt_ids: sample.prompt_ids,
    response_ids: sample.response_ids,
    response_mask: mask,
    response_logprobs: sample.response_logprobs,
    rollout_log_probs: sample.response_logprobs,
    reward_score: trajectory.reward,
    token_level_scores: sample.response_ids.map((_, i, all) => (i === all.length - 1 ? trajectory.reward : 0)),
    advantages: mask.map((m) => advantage * m),
    num_turns: trajectory.num_turns,
    loss_weight: trajectory.loss_weight,
  }));
}

/** The group as a TRL `rollout_func` result: env_mask 1 where the model generated the token, 0 for tool output. */
export function toTrl(group: Group, advantages?: number[]): TrlRollouts {
  const all = rows(group, advantages);
  return {
    prompt_ids: all.map((r) => r.sample.prompt_ids),
    completion_ids: all.map((r) => r.sample.response_ids),
    logprobs: all.map((r) => r.sample.response_logprobs),
    env_mask: all.map((r) => r.mask),
    reward: all.map((r) => r.trajectory.reward),
    advantages: all.map((r) => r.advantage),
    uid: all.map(() => group.group_id),
    trajectory_id: all.map((r) => r.trajectory.trajectory_id),
    loss_weight: all.map((r) => r.trajectory.loss_weight),
    num_turns: all.map((r) => r.trajectory.num_turns),
  };
}
