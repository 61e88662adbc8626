import type { ToolInfo } from "../../shared/manifest.ts";
import { seededRandom } from "../../env-host/sdk/determinism.ts";
import type { ToolFormat } from "../tool-format/format.ts";
import type { Policy } from "./policy.ts";
import { randomValue } from "./random-args.ts";

/**
 * Valid calls to random tools with random arguments from their schemas, then a shrug: the lower bound a trained
 * policy has to beat. Seeded, so a batch's random baseline is reproducible.
 */
export function randomPolicy(format: ToolFormat, tools: ToolInfo[], seed: number, answerChance = 0.25): Policy {
  return {
    async next({ turn }) {
      // Drawn from (seed, turn), so a rollout resumed after a restart makes the same calls it would have made.
      const random = seededRandom({ value: seed ^ Math.imul(turn + 1, 0x9e3779b1) });
      if (turn > 0 && random.next() < answerChance)
        return { reply: { content: "I am not sure." }, latencyMs: 0, attempts: 1 };
      const tool = tools[random.int(0, tools.length - 1)]!;
      const args = randomValue(tool.inputSchema, random.next) as Record<string, unknown>;
      return {
        reply: format.write({ id: `call_${turn}`, name: tool.name, arguments: args }),
        latencyMs: 0,
        attempts: 1,
      };
    },
  };
}
