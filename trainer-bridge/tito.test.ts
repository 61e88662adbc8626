import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qwen3Tokenizer } from "../cli/fake-policy/qwen3.ts";
import type { FakeTokenizer } from "../cli/fake-policy/tokenizer.ts";
import type { Group } from "../workers/shared/group.ts";
import { startBridgeFarm, type BridgeFarm } from "./local-farm.ts";
import { Farm } from "./ts/index.ts";

/**
 * Token in, token out against a fake vLLM that tokenizes with the real Qwen3 tokenizer and renders the official
 * Qwen3 chat template, on a real farm: every trajectory is one training sample holding exactly the ids served.
 */
let local: BridgeFarm;
let qwen3: FakeTokenizer;
beforeAll(async () => {
  qwen3 = await qwen3Tokenizer();
  local = await startBridgeFarm({ noise: 0, tokenizer: qwen3, record: true });
}, 180_000);
afterAll(() => local?.close());

const TASKS = ["cheapest-headphones-in-stock", "track-hydro-flask-order", "add-sister-address"].map((taskId) => ({
  env: "shop",
  taskId,
}));

async function groups(policy: Record<string, unknown>): Promise<Group[]> {
  const farm = new Farm(local.url, { token: local.token });
  const created = await farm.runBatch({
    tasks: TASKS,
    groupSize: 2,
    maxTurns: 12,
    policy: { kind: "openai", baseUrl: local.policyUrl, model: "fake-policy", ...policy },
  });
  const out: Group[] = [];
  for await (const group of farm.groups(created.batchId)) out.push(group);
  return out;
}

const thinking = (on: boolean) => ({ extraBody: { chat_template_kwargs: { enable_thinking: on } } });

describe("token in, token out on the real Qwen3 tokenizer and template", () => {
  for (const on of [false, true]) {
    it(`keeps every trajectory one sample made of exactly the ids served (thinking ${on ? "on" : "off"})`, async () => {
      const all = await groups({ tokenInTokenOut: true, ...thinking(on) });
      const served = new Map(local.policy.served.map((s) => [JSON.stringify(s.promptIds), s]));
      const trajectories = all.flatMap((g) => g.trajectories);
      expect(trajectories.map((t) => t.status)).toEqual(trajectories.map(() => "completed"));
      expect(trajectories.some((t) => t.turns.length > 2)).toBe(true);
      for (const t of trajectories) {
        expect(t.samples).toHaveLength(1);
        const [sample] = t.samples;
        // Each turn's prompt went to /v1/completions as ids, and its completion is what the server generated.
        const completions: number[] = [];
        for (const turn of t.turns) {
          const hit = served.get(JSON.stringify(turn.prompt_token_ids));
          expect(hit?.endpoint).toBe("completions");
          expect(turn.completion_token_ids).toEqual(hit!.completionIds);
          completions.push(...hit!.completionIds);
        }
        expect(sample!.prompt_ids).toEqual(t.turns[0]!.prompt_token_ids);
        const last = t.turns.at(-1)!;
        expect([...sample!.prompt_ids, ...sample!.response_ids]).toEqual([
          ...last.prompt_token_ids!,
          ...last.completion_token_ids!,
        ]);
        expect(sample!.response_ids.filter((_, i) => sample!.response_mask[i] === 1)).toEqual(completions);
        sample!.response_logprobs.forEach((lp, i) => expect(lp === null).toBe(sample!.response_mask[i] === 0));
        // The generation prompt is the template's: Qwen3 pre-fills an empty think block when thinking is off.
        const prompt = qwen3.decode(last.prompt_token_ids!);
        expect(prompt.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n")).toBe(!on);
      }
    }, 180_000);
  }

  it("chat completions with thinking off split every turn into its own sample (the template drops the empty think block)", async () => {
    const trajectories = (await groups(thinking(false))).flatMap((g) => g.trajectories);
    for (const t of trajectories) {
      expect(t.samples).toHaveLength(t.turns.length);
      expect(t.samples.slice(1).every((s) => s.starts_because === "prefix_mismatch")).toBe(true);
    }
  }, 180_000);
});
