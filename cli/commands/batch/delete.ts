import type { BatchSummary } from "../../../workers/shared/run.ts";
import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { parseDuration } from "../duration.ts";
import { FARM_OPTIONS_USAGE, farmFrom, farmOptions } from "../farm-options.ts";
import { renderTable } from "../render.ts";

const DROP_SUMMARY_USAGE = `  --drop-summary  forget the batch entirely: by default /v1/runs keeps its reward summary for the run's curve`;

const keeping = (values: Record<string, string | boolean | undefined>) => ({ keepSummary: !values["drop-summary"] });

export const remove: Command = {
  summary: "delete a batch and its rollouts' trajectories, checkpoints and worlds (cancels it if it runs)",
  usage: `worldfarm batch delete <batchId> [--drop-summary] [--url URL] [--token TOKEN] [--json]\n\n${DROP_SUMMARY_USAGE}\n${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, "drop-summary": { type: "boolean" }, json: { type: "boolean" } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("name one batch: worldfarm batch delete <batchId>");
    const deleted = await farmFrom(values).deleteBatch(positionals[0]!, keeping(values));
    if (values.json) console.log(JSON.stringify(deleted));
    else {
      const storage = deleted.purgedAt
        ? "its storage is gone"
        : "its rollouts' storage goes in waves (delete again to see when done)";
      console.log(
        `batch ${deleted.batchId} deleted; ${storage}${deleted.summaryKept ? "; /v1/runs keeps its reward summary" : ""}`,
      );
    }
    return 0;
  },
};

/** /v1/runs lists at most this many of the newest batches: prune looks no further back. */
const LISTED = 500;

export const prune: Command = {
  summary: "delete every batch that finished longer ago than --older-than (30m, 12h, 2d); running ones stay",
  usage: `worldfarm batch prune --older-than DURATION [--dry-run] [--drop-summary] [--url URL] [--token TOKEN] [--json]

  --older-than D  batches that finished more than D ago: 90s, 30m, 12h, 2d (among the ${LISTED} newest)
  --dry-run       list them, delete nothing
${DROP_SUMMARY_USAGE}
${FARM_OPTIONS_USAGE}`,
  options: {
    ...farmOptions,
    "older-than": { type: "string" },
    "dry-run": { type: "boolean" },
    "drop-summary": { type: "boolean" },
    json: { type: "boolean" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new UsageError(`batch prune takes options only, not "${positionals.join(" ")}"`);
    if (values["older-than"] === undefined) throw new UsageError("say how old: worldfarm batch prune --older-than 2d");
    const cutoff = Date.now() - parseDuration("older-than", values["older-than"]) * 1000;
    const client = farmFrom(values);
    const { runs } = await client.runs(LISTED);
    const due = runs
      .flatMap((r) => r.batches)
      .filter(
        (b: BatchSummary) =>
          b.state !== "running" && b.deletedAt === null && b.finishedAt !== null && Date.parse(b.finishedAt) < cutoff,
      );
    if (!values["dry-run"]) for (const b of due) await client.deleteBatch(b.batchId, keeping(values));
    const rows = due.map((b) => ({
      batchId: b.batchId,
      state: b.state,
      finishedAt: b.finishedAt!,
      rollouts: b.rollouts,
    }));
    if (values.json) console.log(JSON.stringify({ dryRun: Boolean(values["dry-run"]), batches: rows }));
    else if (!rows.length) console.log(`no batch finished more than ${String(values["older-than"])} ago`);
    else {
      console.log(
        renderTable(
          ["batch", "state", "finished", "rollouts"],
          rows.map((r) => [r.batchId, r.state, r.finishedAt, r.rollouts]),
        ),
      );
      console.log(
        `${values["dry-run"] ? "would delete" : "deleted"} ${rows.length} batch${rows.length === 1 ? "" : "es"}`,
      );
    }
    return 0;
  },
};
