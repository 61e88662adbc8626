import type { Group } from "../../workers/shared/group.ts";

/** Whose GRPO arithmetic to reproduce; the Python client's `grpo_advantages` documents each from its source. */
export type AdvantageConvention = "verl" | "trl" | "trl_async";

export interface AdvantageOptions {
  /** verl's norm_adv_by_std_in_grpo: false gives r - mean. */
  normByStd?: boolean;
  /** TRL's scale_rewards. */
  scaleRewards?: "group" | "batch" | "none";
  /** For TRL's "batch" scaling: the groups whose counted rewards make the std (this one alone by default). */
  batch?: Pick<Group, "trajectories">[];
}

const counted = (group: Pick<Group, "trajectories">) =>
  group.trajectories.filter((t) => t.loss_weight === 1).map((t) => t.reward);

function std(values: number[], ddof: number): number {
  if (values.length - ddof <= 0) return Number.NaN;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - ddof));
}

/**
 * One advantage per trajectory, in the group's order, as `convention` computes it: verl (std over n - 1, epsilon
 * 1e-6, a lone member r / (1 + 1e-6)), TRL (std over n - 1, epsilon 1e-4, `scaleRewards`; a lone member 0) or TRL
 * async (std over n, epsilon 1e-8). Loss-weight-0 members stay out of the mean and std and get 0.
 */
export function grpoAdvantages(
  group: Pick<Group, "trajectories">,
  convention: AdvantageConvention = "verl",
  options: AdvantageOptions = {},
): number[] {
  const { normByStd = true, scaleRewards = "group", batch } = options;
  const rewards = counted(group);
  if (rewards.length === 0) return group.trajectories.map(() => 0);
  let mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  let scale: number;
  if (convention === "verl") {
    let deviation = std(rewards, 1);
    if (rewards.length === 1) [mean, deviation] = [0, 1];
    scale = normByStd ? deviation + 1e-6 : 1;
  } else if (convention === "trl") {
    if (scaleRewards === "none") scale = 1;
    else if (scaleRewards === "batch") scale = std((batch ?? [group]).flatMap(counted), 1) + 1e-4;
    else scale = std(rewards, 1) + 1e-4;
  } else {
    scale = std(rewards, 0) + 1e-8;
  }
  return group.trajectories.map((t) => {
    const value = t.loss_weight === 1 ? (t.reward - mean) / scale : 0;
    return Number.isNaN(value) ? 0 : value;
  });
}
