export interface Prices {
  /** US dollars per million prompt tokens. */
  input: number;
  /** US dollars per million completion tokens. */
  output: number;
}

export interface StageUsage {
  calls: number;
  cached: number;
  promptTokens: number;
  completionTokens: number;
  /** Seconds spent waiting on the provider, cache hits excluded. */
  llmSeconds: number;
}

/** Token counts per stage; cached answers count their tokens once, when they were first paid for. */
export class UsageMeter {
  private readonly stages = new Map<string, StageUsage>();
  private readonly prices: Prices;

  constructor(prices: Prices = { input: 0, output: 0 }) {
    this.prices = prices;
  }

  stage(name: string): StageUsage {
    let usage = this.stages.get(name);
    if (!usage)
      this.stages.set(name, (usage = { calls: 0, cached: 0, promptTokens: 0, completionTokens: 0, llmSeconds: 0 }));
    return usage;
  }

  record(
    stage: string,
    hit: { cached: boolean; promptTokens: number; completionTokens: number; seconds: number },
  ): void {
    const usage = this.stage(stage);
    usage.calls++;
    if (hit.cached) {
      usage.cached++;
      return;
    }
    usage.promptTokens += hit.promptTokens;
    usage.completionTokens += hit.completionTokens;
    usage.llmSeconds += hit.seconds;
  }

  cost(stage: string): number {
    const u = this.stage(stage);
    return (u.promptTokens * this.prices.input + u.completionTokens * this.prices.output) / 1e6;
  }

  summary(): Record<string, StageUsage & { cost: number }> {
    return Object.fromEntries(
      [...this.stages.keys()].map((name) => [name, { ...this.stage(name), cost: this.cost(name) }]),
    );
  }
}

const thousands = (n: number) => n.toLocaleString("en-US");

export function describeUsage(u: StageUsage, cost: number): string {
  return `${u.calls} calls (${u.cached} cached), ${thousands(u.promptTokens)} in / ${thousands(u.completionTokens)} out tokens, $${cost.toFixed(4)}`;
}
