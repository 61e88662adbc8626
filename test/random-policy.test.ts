import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { seededRandom } from "../workers/env-host/sdk/determinism.ts";
import { randomValue } from "../workers/orchestrator/policy/random-args.ts";
import { checkCall } from "../workers/orchestrator/tool-format/check-call.ts";
import { settled, startBatch, upload } from "./helpers.ts";

describe("the random policy", () => {
  it.each(["shop", "tracker"])("draws arguments valid for every %s tool's schema", (name) => {
    const random = seededRandom({ value: 42 });
    for (const tool of inject("bundles")[name]!.manifest.tools) {
      for (let i = 0; i < 30; i++) {
        const args = randomValue(tool.inputSchema, random.next) as Record<string, unknown>;
        const check = checkCall(tool.name, args, [tool], []);
        expect(check.argsValid, `${tool.name} ${JSON.stringify(args)}: ${check.message}`).toBe(true);
      }
    }
  });

  it("is a low baseline: a random batch completes with low rewards", async () => {
    await upload("shop");
    const { batchId, rollouts } = await startBatch({
      tasks: { shop: "all" },
      groupSize: 2,
      policy: { kind: "random" },
      maxTurns: 6,
    });
    const status = await settled(batchId, { timeoutMs: 300_000 });
    expect(status.counts).toMatchObject({ completed: rollouts, failed: 0 });
    expect(status.reward.mean).toBeLessThan(0.2);
  });
});
