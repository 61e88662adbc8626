/**
 * Tells a local farm's supervisor whose call the environment code running in this isolate belongs to, so that when
 * the code spins or runs out of memory and its runtime is stopped, the call that did it is known without running
 * it again (cli/farm/supervisor.ts, `verdict`). The telling is a console line: workerd writes it to its output
 * before the next line of JavaScript runs, so it is out of the process however the code after it ends. Nothing
 * else is: a write to storage commits only once the code yields, which a spinning call never does.
 *
 * A runtime runs one piece of JavaScript at a time, so the last call told is the one running, provided every change
 * is told: a rollout's call is told when it enters its world and when it resumes after a verifier's read, "nobody"
 * when it ends or yields for a read, and a guard step of code other than the call told says whose it is (two
 * verifications of one isolate resuming in one turn). Since each isolate tells "nobody" before it yields, code that
 * runs for no rollout (an instance's call, seed code, module evaluation at upload) needs no line of its own, and
 * the calls of agents on MCP cost no line at all. The line carries the farm's secret for this runtime, which
 * environment code never sees, so no environment can print a line that blames another's call.
 */
export const CALL_LINE = "worldfarm-call";
/** Told when no rollout's call runs. */
export const NOBODY = "-";

export class CallTeller {
  private told = NOBODY;
  private readonly secret: string | undefined;

  /** With no secret (deployed, where the platform's limits stop a call and say so) nothing is printed. */
  constructor(secret: string | undefined) {
    this.secret = secret;
  }

  /** Tells `token` (or NOBODY) unless it was the last told. */
  again(token: string): void {
    if (this.told === token) return;
    this.told = token;
    if (this.secret !== undefined) console.log(`${CALL_LINE} ${this.secret} ${token}`);
  }
}

let teller: CallTeller | undefined;

/** The isolate's teller: one per isolate, since the last call told must be the last this isolate ran. */
export function callTeller(env: unknown): CallTeller {
  teller ??= new CallTeller((env as { CALL_SECRET?: string } | undefined)?.CALL_SECRET);
  return teller;
}
