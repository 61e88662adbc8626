/** Mean and sample standard deviation (n - 1, as GRPO trainers use it); one value has std 0. */
export function rewardStats(values: number[]): { n: number; mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { n, mean: 0, std: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, std };
}

/**
 * Each distinct error once, with how many rollouts it failed, most frequent first: a policy server nobody started
 * fails every rollout the same way, and says so once.
 */
export function problems(rows: { error: string | null }[], limit = 10): { error: string; rollouts: number }[] {
  const counts = new Map<string, number>();
  for (const { error } of rows) if (error) counts.set(error, (counts.get(error) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([error, rollouts]) => ({ error, rollouts }));
}
