import type { Command } from "../command.ts";
import { intOption, UsageError } from "../command.ts";
import { FARM_OPTIONS_USAGE, farmFrom, farmOptions } from "../farm-options.ts";
import { fixed } from "../render.ts";

export const stream: Command = {
  summary: "follow a batch's finished GRPO groups until it ends",
  usage: `worldfarm batch stream <batchId> [--cursor N] [--url URL] [--token TOKEN] [--json]

Prints each finished group (rewards of its trajectories, their mean and std) as it finishes, resuming after a
dropped connection. --json prints each group line as the farm sends it (worldfarm.group.v1 NDJSON), for a
trainer to read from a pipe, and last the farm's end line ({"type":"end",...}); heartbeats are left out. --cursor N starts at group N (default 0).
${FARM_OPTIONS_USAGE}`,
  options: { ...farmOptions, cursor: { type: "string" }, json: { type: "boolean" } },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("name one batch: worldfarm batch stream <batchId>");
    let count = 0;
    for await (const { line, text } of farmFrom(values, { retries: 5 }).records(positionals[0]!, {
      cursor: intOption(values, "cursor", 0, 0),
    })) {
      if (line.type === "heartbeat") continue;
      if (line.type === "end") {
        console.log(values.json ? text : `end: ${count} groups, batch ${line.state}`);
        break;
      }
      count++;
      if (values.json) console.log(text);
      else {
        const rewards = line.trajectories.map((t) => fixed(t.reward, 2)).join(" ");
        console.log(
          `#${line.seq} ${line.group_id} ${line.task.env}/${line.task.task_id}  rewards ${rewards}  mean ${fixed(line.stats.mean)} ± ${fixed(line.stats.std)}`,
        );
      }
    }
    return 0;
  },
};
