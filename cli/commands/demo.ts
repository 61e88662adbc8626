import type { BatchStatus } from "../../workers/shared/batch.ts";
import { buildEnv } from "../build/bundle-env.ts";
import { ToolFormatName } from "../../workers/shared/rollout.ts";
import { examplePolicy } from "../fake-policy/example-policy.ts";
import type { Command } from "./command.ts";
import { intOption, UsageError } from "./command.ts";
import { envDirs } from "./env-dirs.ts";
import { FARM_OPTIONS_USAGE, farmFrom, farmOptions } from "./farm-options.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function table(status: BatchStatus): string {
  const rows = Object.entries(status.rewardByEnv).map(
    ([env, r]) =>
      `  ${env.padEnd(10)} ${String(r.n).padStart(6)} ${r.mean.toFixed(3).padStart(8)} ${r.std.toFixed(3).padStart(8)}`,
  );
  return [
    `  ${"env".padEnd(10)} ${"n".padStart(6)} ${"mean".padStart(8)} ${"std".padStart(8)}`,
    ...rows,
    `  ${"all".padEnd(10)} ${String(status.reward.n).padStart(6)} ${status.reward.mean.toFixed(3).padStart(8)} ${status.reward.std.toFixed(3).padStart(8)}`,
  ].join("\n");
}

export const demo: Command = {
  summary: "run a rollout batch of the example environments against a local fake vLLM-like policy server",
  usage: `worldfarm demo [--url URL] [--token TOKEN] [--group N] [--format openai-tools|awm-xml] [--noise P] [--json]

Needs a running farm (npm start). Starts a fake OpenAI-compatible policy that plays each task's reference
solution, with a fraction P of its replies garbled or failed so rewards spread, runs one batch over every task
of the example environments the farm serves, and prints the rewards.

  --group N       rollouts per task (default 4)
  --format F      openai-tools or awm-xml (default openai-tools)
  --noise P       the fraction of bad replies, 0 to 1 (default 0.1; 0 plays every task perfectly)
${FARM_OPTIONS_USAGE}`,
  options: {
    ...farmOptions,
    group: { type: "string" },
    format: { type: "string" },
    noise: { type: "string" },
    json: { type: "boolean" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new UsageError(`demo takes options only, not "${positionals.join(" ")}"`);
    const group = intOption(values, "group", 4, 1, 256);
    const noise = values.noise === undefined ? 0.1 : Number(values.noise);
    const format = (values.format as string | undefined) ?? "openai-tools";
    if (values.noise?.toString().trim() === "" || !(noise >= 0 && noise <= 1))
      throw new UsageError(`--noise must be a number from 0 to 1, not "${values.noise}"`);
    if (!ToolFormatName.safeParse(format).success)
      throw new UsageError(`--format is one of ${ToolFormatName.options.join(", ")}, not "${format}"`);
    const farm = farmFrom(values);
    // The example environments this farm serves: a farm started with some of envs/ runs a demo of those.
    const served = new Set((await farm.envs()).map((e) => e.name));
    const bundles = (await Promise.all((await envDirs([])).map((dir) => buildEnv(dir)))).filter((b) =>
      served.has(b.manifest.name),
    );
    if (!bundles.length)
      throw new Error(
        `the farm at ${farm.baseUrl} serves none of the example environments in envs/: upload them (worldfarm envs upload)`,
      );
    const policy = await examplePolicy(bundles, { noise });
    try {
      const created = await farm.createBatch({
        tasks: Object.fromEntries(bundles.map((b) => [b.manifest.name, "all"])),
        groupSize: group,
        toolFormat: format as ToolFormatName,
        policy: { kind: "openai", baseUrl: `${policy.url}/v1`, model: "fake-policy", backoffMs: 50 },
        maxTurns: 30,
        policyVersion: "demo",
      });
      if (!values.json)
        console.log(`batch ${created.batchId}: ${created.rollouts} rollouts against the fake policy at ${policy.url}`);
      let status: BatchStatus;
      for (;;) {
        status = await farm.batch(created.batchId);
        const c = status.counts;
        if (!values.json)
          process.stdout.write(
            `\r  running ${c.running}  done ${c.completed + c.failed}/${created.rollouts}  mean reward ${status.reward.mean.toFixed(3)}   `,
          );
        if (status.state !== "running") break;
        await sleep(500);
      }
      if (values.json) console.log(JSON.stringify(status));
      else
        console.log(
          `\n\n${table(status)}\n\n  stop reasons: ${JSON.stringify(status.stopReasons)}  (${status.rolloutsPerSecond.toFixed(1)} rollouts/s, ${policy.requests} policy requests)`,
        );
      return status.counts.failed > 0 && status.counts.completed === 0 ? 1 : 0;
    } finally {
      await policy.close();
    }
  },
};
