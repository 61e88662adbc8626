import type { BatchStatus } from "../../../workers/shared/batch.ts";
import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { FARM_OPTIONS_USAGE, farmFrom, farmOptions } from "../farm-options.ts";
import { POLICIES, specFromFlags } from "./spec.ts";
import { exitCode, problemLines, progressLines, summaryTable, watchBatch } from "./watch.ts";

export const run: Command = {
  summary: "start a rollout batch; --watch shows its progress and a summary table",
  usage: `worldfarm batch run --env ENV [--tasks IDS] [--policy ${POLICIES.join("|")}] [--group N] [--watch] [options]

  --env ENV              environment to run (repeat for several)
  --tasks IDS            task ids separated by commas (env:task with several --env); default all tasks
  --policy P             oracle (plays each task's reference solution), random (random valid calls), or
                         openai (any OpenAI-compatible server: --base-url, --model, --api-key, --temperature;
                         defaults $OPENAI_BASE_URL, $OPENAI_MODEL, $OPENAI_API_KEY). Default oracle
  --group N              rollouts per task, one GRPO group (default 4)
  --format F             openai-tools or awm-xml (default openai-tools)
  --max-turns N          (default 10)   --concurrency N (default 256)   --seed N (default 0)
  --policy-version V     tags the batch; NAME@STEP puts it in run NAME on the dashboard
  --watch                wait for the end: progress bars, then the summary table. Exits 1 if the batch was
                         cancelled or every rollout failed
${FARM_OPTIONS_USAGE}`,
  options: {
    ...farmOptions,
    env: { type: "string", multiple: true },
    tasks: { type: "string" },
    policy: { type: "string" },
    group: { type: "string" },
    format: { type: "string" },
    "max-turns": { type: "string" },
    concurrency: { type: "string" },
    seed: { type: "string" },
    "policy-version": { type: "string" },
    "base-url": { type: "string" },
    model: { type: "string" },
    "api-key": { type: "string" },
    temperature: { type: "string" },
    watch: { type: "boolean" },
    json: { type: "boolean" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new UsageError(`batch run takes options only, not "${positionals.join(" ")}"`);
    const spec = specFromFlags(values, (values.env as unknown as string[] | undefined) ?? []);
    const client = farmFrom(values);
    const created = await client.createBatch(spec);
    if (!values.watch) {
      if (values.json) console.log(JSON.stringify(created));
      else {
        console.log(`batch ${created.batchId}: ${created.rollouts} rollouts`);
        console.log(`  progress  worldfarm batch status ${created.batchId} --watch`);
        console.log(`  groups    worldfarm batch stream ${created.batchId}   (${created.streamUrl})`);
      }
      return 0;
    }
    if (!values.json)
      console.log(
        `batch ${created.batchId}: ${created.rollouts} rollouts (${spec.policy.kind} policy, groups of ${spec.groupSize})`,
      );
    const status = await watchBatch(client, created.batchId, { quiet: values.json === true });
    if (values.json) console.log(JSON.stringify(status));
    else console.log(`\n${await summaryTable(client, status)}`);
    return exitCode(status);
  },
};

export const status: Command = {
  summary: "a batch's progress and rewards; --watch follows it to the end",
  usage: `worldfarm batch status <batchId> [--watch] [--url URL] [--token TOKEN] [--json]\n\n${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, watch: { type: "boolean" }, json: { type: "boolean" } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("name one batch: worldfarm batch status <batchId>");
    const client = farmFrom(values);
    const id = positionals[0]!;
    const now = values.watch
      ? await watchBatch(client, id, { quiet: values.json === true })
      : await client.request<BatchStatus>("GET", `/v1/batches/${id}`);
    if (values.json) console.log(JSON.stringify(now));
    else if (now.state === "running") {
      const c = now.counts;
      console.log(
        [
          ...progressLines(now, c.pending + c.running + c.completed + c.failed + c.cancelled),
          ...problemLines(now),
        ].join("\n"),
      );
    } else console.log(`${values.watch ? "\n" : ""}${await summaryTable(client, now)}`);
    return values.watch ? exitCode(now) : 0;
  },
};
