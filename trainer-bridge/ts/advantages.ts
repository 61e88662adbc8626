import type { Group } from "../../workers/shared/group.ts";

/**
 * One advantage per trajectory, in the group's order: (r - mean) / (std + epsilon), verl's convention (std with
 * n - 1); `normByStd: false` gives r - mean. Loss-weight-0 members (failed, cancelled) stay out of the mean and std
 * and get 0; with fewer than two counted members every advantage is 0. The Python client's `grpo_advantages`.
 */
export function grpoAdvantages(group: Pick<Group, "trajectories">, { normByStd = true, epsilon = 1e-6 } = {}): number[] {
  const rewards = group.trajectories.filter((t) => t.loss_weight === 1).map((t) => t.reward);
  if (rewards.length < 2) return group.trajectories.map(() => 0);
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  const std = Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / (rewards.length - 1));
  const scale = normByStd ? std + epsilon : 1;
  return group.trajectories.map((t) => (t.loss_weight === 1 ? (t.reward - mean) / scale : 0));
}
