import { z } from "zod";

/**
 * What a local farm's supervisor says of a rollout's call found running after its runtime was stopped
 * (cli/farm/supervisor.ts `verdict`, asked by workers/orchestrator/rollout/rollout-object.ts).
 */
export const CallVerdict = z.discriminatedUnion("verdict", [
  /** Its environment code was the code running when the runtime stopped: it is not run again. */
  z.object({
    verdict: z.literal("culprit"),
    code: z.enum(["runaway", "memory", "world_crashed"]),
    message: z.string(),
  }),
  /** Another call's code was running: this one is sent again (its step id keeps it from taking effect twice). */
  z.object({ verdict: z.literal("innocent") }),
  /**
   * Nothing recorded tells (deployed, a farm restarted since, a call made before calls were told), or the call was
   * running when its runtime crashed, which may be its doing or a kill from outside: it is run once more, alone.
   */
  z.object({ verdict: z.literal("unknown") }),
]);
export type CallVerdict = z.infer<typeof CallVerdict>;
