/** Mean and sample standard deviation (n - 1, as GRPO trainers use it); one value has std 0. */
export function rewardStats(values: number[]): { n: number; mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { n, mean: 0, std: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, std };
}
