import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { seededRandom } from "../workers/env-host/sdk/determinism.ts";
import { randomValue } from "../workers/orchestrator/policy/random-args.ts";
import { checkCall } from "../workers/orchestrator/tool-format/check-call.ts";
import type { BatchStatus } from "../workers/shared/batch.ts";
import { farm, upload } from "./helpers.ts";

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
    const res = await farm("/v1/batches", { method: "POST", json: { tasks: { shop: "all" }, groupSize: 2, policy: { kind: "random" }, maxTurns: 6 } });
    expect(res.status).toBe(201);
    const { batchId, rollouts } = (await res.json()) as { batchId: string; rollouts: number };
    let status: BatchStatus;
    do {
      await new Promise((r) => setTimeout(r, 100));
      status = (await (await farm(`/v1/batches/${batchId}`)).json()) as BatchStatus;
    } while (status.state === "running");
    expect(status.counts).toMatchObject({ completed: rollouts, failed: 0 });
    expect(status.reward.mean).toBeLessThan(0.2);
  });
});
