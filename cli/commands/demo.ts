import type { BatchStatus } from "../../workers/shared/batch.ts";
import { buildEnv } from "../build/bundle-env.ts";
import { adminTokenFor } from "../farm/access.ts";
import { FarmClient } from "../farm/client.ts";
import { examplePolicy } from "../fake-policy/example-policy.ts";
import type { Command } from "./command.ts";
import { envDirs } from "./env-dirs.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function table(status: BatchStatus): string {
  const rows = Object.entries(status.rewardByEnv).map(([env, r]) => `  ${env.padEnd(10)} ${String(r.n).padStart(6)} ${r.mean.toFixed(3).padStart(8)} ${r.std.toFixed(3).padStart(8)}`);
  return [`  ${"env".padEnd(10)} ${"n".padStart(6)} ${"mean".padStart(8)} ${"std".padStart(8)}`, ...rows,
    `  ${"all".padEnd(10)} ${String(status.reward.n).padStart(6)} ${status.reward.mean.toFixed(3).padStart(8)} ${status.reward.std.toFixed(3).padStart(8)}`].join("\n");
}

export const demo: Command = {
  summary: "run a rollout batch of the example environments against a local fake vLLM-like policy server",
  usage: `worldfarm demo [--url URL] [--token TOKEN] [--group N] [--format openai-tools|awm-xml] [--noise P] [--json]

Needs a running farm (npm start). Starts a fake OpenAI-compatible policy that plays each task's reference
solution, with a fraction P (default 0.1) of its replies garbled or failed so rewards spread, runs one batch
over every task of the local environments, and prints the rewards.`,
  options: {
    url: { type: "string" }, token: { type: "string" }, group: { type: "string" }, format: { type: "string" },
    noise: { type: "string" }, json: { type: "boolean" },
  },
  async run(values) {
    const url = (values.url as string | undefined) ?? process.env.WORLDFARM_URL ?? "http://127.0.0.1:8787";
    const group = Number(values.group ?? 4);
    const noise = Number(values.noise ?? 0.1);
    const format = (values.format as string | undefined) ?? "openai-tools";
    if (!Number.isInteger(group) || group < 1) throw new Error(`--group must be a positive integer, not "${values.group}"`);
    if (!(noise >= 0 && noise <= 1)) throw new Error(`--noise must be between 0 and 1, not "${values.noise}"`);
    const farm = new FarmClient(url, adminTokenFor(url, values.token as string | undefined));
    const bundles = await Promise.all((await envDirs([])).map((dir) => buildEnv(dir)));
    const policy = await examplePolicy(bundles, { noise });
    try {
      const created = await farm.request<{ batchId: string; rollouts: number }>("POST", "/v1/batches", {
        tasks: Object.fromEntries(bundles.map((b) => [b.manifest.name, "all"])), groupSize: group, toolFormat: format,
        policy: { kind: "openai", baseUrl: `${policy.url}/v1`, model: "fake-policy", backoffMs: 50 }, maxTurns: 30, policyVersion: "demo",
      });
      if (!values.json) console.log(`batch ${created.batchId}: ${created.rollouts} rollouts against the fake policy at ${policy.url}`);
      let status: BatchStatus;
      for (;;) {
        status = await farm.request<BatchStatus>("GET", `/v1/batches/${created.batchId}`);
        const c = status.counts;
        if (!values.json) process.stdout.write(`\r  running ${c.running}  done ${c.completed + c.failed}/${created.rollouts}  mean reward ${status.reward.mean.toFixed(3)}   `);
        if (status.state !== "running") break;
        await sleep(500);
      }
      if (values.json) console.log(JSON.stringify(status));
      else console.log(`\n\n${table(status)}\n\n  stop reasons: ${JSON.stringify(status.stopReasons)}  (${status.rolloutsPerSecond.toFixed(1)} rollouts/s, ${policy.requests} policy requests)`);
      return status.counts.failed > 0 && status.counts.completed === 0 ? 1 : 0;
    } finally {
      await policy.close();
    }
  },
};
