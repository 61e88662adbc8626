/**
 * Runtime side of the loop and recursion guards that the build inserts into environment code
 * (see cli/build/guard-instrument.ts). It counts steps instead of reading time because
 * Date.now() stands still during synchronous code once deployed.
 */

/** Generous enough that a guard nobody armed never stops real work. */
const DEFAULT_BUDGET = 50_000_000;

let budget = DEFAULT_BUDGET;
let remaining = DEFAULT_BUDGET;

export class GuardError extends Error {
  override name = "GuardError";
}

/** Counts one loop iteration or function call; once the budget is spent, throws on every call. */
export function __wfGuard(): void {
  if (--remaining < 0) {
    throw new GuardError(
      `environment code ran more than ${budget} loop iterations or function calls in one call: ` +
        "stopped as a probable infinite loop. Check loop conditions and recursion base cases.",
    );
  }
}

/** Starts a new budget for one tool call or verification. */
export function armGuard(steps: number): void {
  if (!(steps > 0)) throw new RangeError(`guard budget must be a positive number, got ${steps}`);
  budget = steps;
  remaining = steps;
}

/** Whether the current budget ran out, even if the environment code caught the GuardError. */
export function guardTripped(): boolean {
  return remaining < 0;
}
