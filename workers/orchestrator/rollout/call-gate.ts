/**
 * Lets the calls of one runtime's rollouts run side by side, except a replay, which runs alone.
 *
 * A call that was running when its runtime died, where nothing tells whether its code was what was running (see
 * rollout-object.ts), is run once more; if the runtime dies again during that replay, the call is what killed it. That reading holds only if nothing else was running beside the replay: every other
 * rollout in the runtime waits at the gate (before writing its own marker, so the wait costs it no attempt) until the
 * replay has answered. Rollouts of one runtime share this module, so the gate is per process (per isolate,
 * deployed, where the platform's limits end a runaway and replays are rare).
 *
 * Waits are bounded: a call that hangs (awaiting something that never comes) must not hold every rollout of its
 * runtime. A call that spins holds the runtime's thread, so no timer fires and nothing starts beside it anyway.
 */
export class CallGate {
  private running = 0;
  /** Replays waiting or running, in order; new ordinary calls wait behind them. */
  private replays: Promise<void> = Promise.resolve();
  private replaying = 0;
  private drained: (() => void) | undefined;
  private readonly waiting: (() => void)[] = [];

  /** How long a call waits for a replay, and a replay for the calls in flight, before going ahead. */
  private readonly waitMs: number;

  constructor(waitMs = 10_000) {
    this.waitMs = waitMs;
  }

  /** An ordinary call: runs at once unless a replay is waiting or running. */
  async shared<T>(run: () => Promise<T>): Promise<T> {
    if (this.replaying > 0) await this.bounded(new Promise<void>((resolve) => this.waiting.push(resolve)));
    this.running += 1;
    try {
      return await run();
    } finally {
      this.running -= 1;
      if (this.running === 0) this.drained?.();
    }
  }

  /** A replay: waits for the calls already running to answer and for earlier replays, then runs with none beside it. */
  alone<T>(run: () => Promise<T>): Promise<T> {
    this.replaying += 1;
    const turn = this.bounded(this.replays).then(async () => {
      if (this.running > 0) await this.bounded(new Promise<void>((resolve) => (this.drained = resolve)));
      this.drained = undefined;
      return run();
    });
    this.replays = turn
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.replaying -= 1;
        if (this.replaying === 0) for (const wake of this.waiting.splice(0)) wake();
      });
    return turn;
  }

  private bounded(wait: Promise<void>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([wait, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.waitMs)))]).finally(
      () => {
        if (timer !== undefined) clearTimeout(timer);
      },
    );
  }
}
