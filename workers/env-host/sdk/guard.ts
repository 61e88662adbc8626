import { NOBODY, type CallTeller } from "./running-call.ts";

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
  private teller: CallTeller | undefined;
  private owner = NOBODY;

  /** Counts one loop iteration or function call; once the budget is spent, throws on every call. */
  readonly tick = (): void => {
    this.teller?.again(this.owner);
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

  /** Counts what runs from here on for the call `owner` (a rollout's token, or NOBODY), and says so (running-call.ts). */
  serve(teller: CallTeller, owner: string): void {
    this.teller = teller;
    this.owner = owner;
    teller.again(owner);
  }

  /** The call is over: what its world's code may still run (a stray promise callback) is nobody's. */
  release(): void {
    this.owner = NOBODY;
    this.teller?.again(NOBODY);
  }

  /** The call yields (a verifier awaiting a read): other code, in this isolate or another, may run meanwhile. */
  pause(): void {
    this.teller?.again(NOBODY);
  }

  /** The call resumes after its await. */
  resume(): void {
    this.teller?.again(this.owner);
  }

  /** Whether the current budget ran out, even if the environment code caught the GuardError. */
  tripped(): boolean {
    return this.remaining < 0;
  }
}
