import type { ToolFormat } from "../tool-format/format.ts";
import type { Policy } from "./policy.ts";

/**
 * Replays the task's reference solution, one call a turn, then gives its reference answer: the upper bound of a
 * batch, and the proof that the whole loop (format, tools, verifier) can reach reward 1. It counts turns rather
 * than reading the history, which truncation may have shortened.
 */
export function oraclePolicy(format: ToolFormat): Policy {
  return {
    async next({ task, turn }) {
      const step = task.solution[turn];
      const reply = step
        ? format.write({ id: `call_${turn}`, name: step.tool, arguments: step.args })
        : { content: task.referenceAnswer ?? "Done." };
      return { reply, latencyMs: 0, attempts: 1 };
    },
  };
}
