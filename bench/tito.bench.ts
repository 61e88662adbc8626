/**
 * How trajectories become training data on the real Qwen3 tokenizer and official chat template, thinking on and
 * off: the policy asked through chat completions (the farm re-renders the history every turn) or token in, token
 * out (`tokenInTokenOut`). A throwaway local farm with shop, the fake vLLM in Qwen3 mode without noise, 8 shop tasks
 * in groups of 2, up to 30 turns. Per mode: samples per trajectory, and tokens duplicated (every sample's prompt +
 * response, minus the final context: what a trainer would process twice or more if it trained every sample).
 * Run: node bench/tito.bench.ts. Appends its numbers to bench/TITO-RESULTS.md.
 */
import { appendFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { ROOT } from "../cli/paths.ts";
import { qwen3Tokenizer } from "../cli/fake-policy/qwen3.ts";
import { startBridgeFarm } from "../trainer-bridge/local-farm.ts";
import { Farm, type Trajectory } from "../trainer-bridge/ts/index.ts";

const TASKS = [
  "adjust-cart",
  "cheapest-headphones-in-stock",
  "track-hydro-flask-order",
  "add-sister-address",
  "update-phone-number",
  "wishlist-top-smart-home-under-50",
  "buy-cheapest-charger-with-coupon",
  "wishlist-to-office-express",
].map((taskId) => ({ env: "shop", taskId }));

function measure(trajectories: Trajectory[]) {
  const samples = trajectories.map((t) => t.samples.length);
  const duplicated = trajectories.map((t) => {
    const all = t.samples.reduce((n, s) => n + s.prompt_ids.length + s.response_ids.length, 0);
    const last = t.turns.at(-1)!;
    return all - (last.prompt_token_ids!.length + last.completion_token_ids!.length);
  });
  const context = trajectories.map(
    (t) => t.turns.at(-1)!.prompt_token_ids!.length + t.turns.at(-1)!.completion_token_ids!.length,
  );
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    trajectories: trajectories.length,
    turns: mean(trajectories.map((t) => t.turns.length)).toFixed(1),
    samples: `${mean(samples).toFixed(2)} (max ${Math.max(...samples)})`,
    oneSample: `${trajectories.filter((t) => t.samples.length === 1).length}/${trajectories.length}`,
    duplicated: `${Math.round(mean(duplicated))} (${((100 * duplicated.reduce((a, b) => a + b, 0)) / context.reduce((a, b) => a + b, 0)).toFixed(0)}% of the final context)`,
  };
}

const local = await startBridgeFarm({ noise: 0, tokenizer: await qwen3Tokenizer() });
const rows: string[] = [];
try {
  const farm = new Farm(local.url);
  for (const tito of [false, true]) {
    for (const thinking of [false, true]) {
      const created = await farm.runBatch({
        tasks: TASKS,
        groupSize: 2,
        maxTurns: 30,
        policy: {
          kind: "openai",
          baseUrl: local.policyUrl,
          model: "fake-policy",
          tokenInTokenOut: tito,
          extraBody: { chat_template_kwargs: { enable_thinking: thinking } },
        },
      });
      const trajectories: Trajectory[] = [];
      for await (const group of farm.groups(created.batchId))
        trajectories.push(...group.trajectories.filter((t) => t.status === "completed"));
      const m = measure(trajectories);
      const row = `| ${tito ? "token in, token out" : "chat completions"} | ${thinking ? "on" : "off"} | ${m.trajectories} | ${m.turns} | ${m.samples} | ${m.oneSample} | ${m.duplicated} |`;
      console.log(row);
      rows.push(row);
    }
  }
} finally {
  await local.close();
}
const header =
  `\n## ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)} (shared machine)\n\n` +
  "| policy API | thinking | trajectories | turns (mean) | samples per trajectory | one sample | tokens duplicated per trajectory (mean) |\n|---|---|---|---|---|---|---|\n";
await appendFile(join(ROOT, "bench/TITO-RESULTS.md"), `${header}${rows.join("\n")}\n`);
