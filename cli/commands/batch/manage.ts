import type { Command } from "../command.ts";
import { intOption, UsageError } from "../command.ts";
import { FARM_OPTIONS_USAGE, farmFrom, farmOptions } from "../farm-options.ts";
import { fixed, renderTable } from "../render.ts";

export const list: Command = {
  summary: "the farm's newest batches with their state and reward",
  usage: `worldfarm batch list [--limit N] [--url URL] [--token TOKEN] [--json]\n\n${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, limit: { type: "string" }, json: { type: "boolean" } },
  async run(values, positionals) {
    if (positionals.length) throw new UsageError(`batch list takes no arguments, not "${positionals.join(" ")}"`);
    const { runs } = await farmFrom(values).runs(intOption(values, "limit", 20, 1, 500));
    const batches = runs.flatMap((r) => r.batches).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    if (values.json) console.log(JSON.stringify(batches));
    else if (!batches.length) console.log("no batches yet: worldfarm batch run --env shop --watch");
    else
      console.log(
        renderTable(
          ["batch", "state", "policy version", "rollouts", "settled", "mean", "std", "created"],
          batches.map((b) => [
            b.batchId,
            b.deletedAt ? "deleted" : b.state,
            b.policyVersion ?? "",
            b.rollouts,
            b.counts.completed + b.counts.failed + b.counts.cancelled,
            b.reward.n ? fixed(b.reward.mean) : "–",
            b.reward.n ? fixed(b.reward.std) : "–",
            b.createdAt,
          ]),
        ),
      );
    return 0;
  },
};

export const cancel: Command = {
  summary: "stop a batch: waiting rollouts are cancelled, running ones are stopped and end as cancelled",
  usage: `worldfarm batch cancel <batchId> [--url URL] [--token TOKEN] [--json]

Waiting rollouts are cancelled at once; running ones are told to stop and count as cancelled once they have
(batch status shows them). A batch that already ended is left as it is. --json prints the batch's status.
${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, json: { type: "boolean" } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("name one batch: worldfarm batch cancel <batchId>");
    const client = farmFrom(values);
    const before = await client.batch(positionals[0]!);
    if (before.state !== "running") {
      console.log(
        values.json
          ? JSON.stringify(before)
          : `batch ${before.batchId} had already ended (${before.state}): nothing to cancel`,
      );
      return 0;
    }
    const after = await client.cancel(positionals[0]!);
    const waiting = after.counts.cancelled - before.counts.cancelled;
    const stopping = after.counts.running;
    console.log(
      values.json
        ? JSON.stringify(after)
        : `batch ${after.batchId} ${after.state}: ${waiting} waiting rollouts cancelled` +
            (stopping ? `; ${stopping} running, told to stop (they end as cancelled)` : ""),
    );
    return 0;
  },
};
