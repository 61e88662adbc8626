/**
 * The runtime side of the loop and recursion guards the farm inserts into every uploaded bundle
 * (workers/env-host/loader/guard-instrument.ts). Each world owns one: environment code gets only `tick`, handed in
 * where it cannot be replaced, so it can spend its budget but never refill it. It counts steps instead of reading
 * time because Date.now() stands still during synchronous code once deployed.
 */
export class GuardError extends Error {
  override name = "GuardError";
}

export class Guard {
  private budget = 0;
  private remaining = 0;

  /** Counts one loop iteration or function call; once the budget is spent, throws on every call. */
  readonly tick = (): void => {
    if (--this.remaining < 0) {
      throw new GuardError(
        `environment code ran more than ${this.budget} loop iterations or function calls in one call: ` +
          "stopped as a probable infinite loop. Check loop conditions and recursion base cases.",
      );
    }
  };

  /** Starts a new budget for one entry into environment code (a call, a verification, a module evaluation). */
  arm(steps: number): void {
    if (!(steps > 0)) throw new RangeError(`guard budget must be a positive number, got ${steps}`);
    this.budget = steps;
    this.remaining = steps;
  }

  /** Whether the current budget ran out, even if the environment code caught the GuardError. */
  tripped(): boolean {
    return this.remaining < 0;
  }
}
