import { describe, expect, it } from "vitest";
import { buildSamples } from "./samples.ts";

const turn = (
  n: number,
  prompt: number[] | undefined,
  completion: number[] | undefined,
  extra: { truncated?: boolean; logprobs?: number[] } = {},
) => ({
  turn: n,
  truncated: extra.truncated ?? false,
  promptTokenIds: prompt,
  completionTokenIds: completion,
  logprobs: extra.logprobs,
});

describe("training samples from a trajectory's token ids", () => {
  it("joins turns whose prompts extend the history: tool output is masked, generated tokens are not", () => {
    const samples = buildSamples([
      turn(0, [1, 2], [3, 4], { logprobs: [-0.1, -0.2] }),
      turn(1, [1, 2, 3, 4, 50, 51], [5], { logprobs: [-0.5] }),
      turn(2, [1, 2, 3, 4, 50, 51, 5, 60], [6, 7], { logprobs: [-0.6, -0.7] }),
    ]);
    expect(samples).toEqual([
      {
        prompt_ids: [1, 2],
        response_ids: [3, 4, 50, 51, 5, 60, 6, 7],
        response_mask: [1, 1, 0, 0, 1, 0, 1, 1],
        response_logprobs: [-0.1, -0.2, null, null, -0.5, null, -0.6, -0.7],
        turns: [0, 2],
        starts_because: "start",
      },
    ]);
  });

  it("starts a new sample where truncation rewrote the history, or the prompt stops extending it", () => {
    const samples = buildSamples([
      turn(0, [1, 2], [3]),
      turn(1, [1, 2, 3, 9], [4]),
      turn(2, [1, 2, 4, 9], [5], { truncated: true }),
      turn(3, [7, 7, 7], [8]),
    ]);
    expect(samples.map((s) => [s.starts_because, s.turns, s.prompt_ids])).toEqual([
      ["start", [0, 1], [1, 2]],
      ["truncated", [2, 2], [1, 2, 4, 9]],
      ["prefix_mismatch", [3, 3], [7, 7, 7]],
    ]);
    // Missing logprobs are null, one per token, so every array keeps the response's length and none reads as p = 1.
    expect(samples[0]!.response_logprobs).toEqual([null, null, null]);
  });

  it("makes no samples from turns without token ids, and restarts after a turn that has none", () => {
    expect(buildSamples([turn(0, undefined, undefined), turn(1, undefined, undefined)])).toEqual([]);
    const samples = buildSamples([turn(0, [1], [2]), turn(1, undefined, undefined), turn(2, [1, 2, 3], [4])]);
    expect(samples.map((s) => s.starts_because)).toEqual(["start", "prefix_mismatch"]);
  });

  it("handles prompts longer than a call's argument limit", () => {
    const long = Array.from({ length: 300_000 }, (_, i) => i % 1000);
    const [sample] = buildSamples([turn(0, [0], [1]), turn(1, [0, 1, ...long], [2])]);
    expect(sample!.response_ids).toHaveLength(300_002);
  });
});
