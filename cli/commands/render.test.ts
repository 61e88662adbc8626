import { describe, expect, it } from "vitest";
import type { BatchStatus } from "../../workers/shared/batch.ts";
import { progressLines } from "./batch/watch.ts";
import { bar, renderTable } from "./render.ts";

describe("renderTable", () => {
  it("pads columns to their widest cell and right-aligns numeric ones", () => {
    expect(
      renderTable(
        ["env", "n", "mean"],
        [
          ["shop", 16, "1.000"],
          ["tracker", 4, "0.250"],
        ],
      ),
    ).toBe(["env       n  mean", "-------  --  -----", "shop     16  1.000", "tracker   4  0.250"].join("\n"));
  });
});

describe("progress", () => {
  it("fills a bar in proportion, never past full", () => {
    expect(bar(0, 10, 10)).toBe("[----------]");
    expect(bar(5, 10, 10)).toBe("[#####-----]");
    expect(bar(12, 10, 10)).toBe("[##########]");
    expect(bar(0, 0, 4)).toBe("[----]");
  });

  it("draws rollouts, groups and the reward so far", () => {
    const status: BatchStatus = {
      batchId: "b",
      state: "running",
      createdAt: "",
      finishedAt: null,
      counts: { pending: 4, running: 2, completed: 3, failed: 1, cancelled: 0 },
      groups: { total: 5, done: 2 },
      reward: { n: 3, mean: 0.6667, std: 0.4714 },
      rewardByEnv: {},
      stopReasons: {},
      rolloutsPerSecond: 2.5,
      errors: [],
      problems: [],
      deliveries: null,
      expiresAt: null,
    };
    expect(progressLines(status, 10)).toEqual([
      `rollouts [${"#".repeat(12)}${"-".repeat(18)}]  4/10  running 2  failed 1`,
      `groups   [${"#".repeat(12)}${"-".repeat(18)}]  2/5`,
      "reward   0.667 ± 0.471 (n=3)  2.5 rollouts/s  running",
    ]);
  });
});
