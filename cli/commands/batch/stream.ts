import { StreamLine, type Group } from "../../../workers/shared/group.ts";
import type { FarmClient } from "../../farm/client.ts";
import type { Command } from "../command.ts";
import { intOption, UsageError } from "../command.ts";
import { FARM_OPTIONS_USAGE, farmFrom, farmOptions } from "../farm-options.ts";
import { fixed } from "../render.ts";

const RECONNECTS = 5;

async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  const reader = body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) yield line;
    }
  }
  if (buffered.trim()) yield buffered.trim();
}

/**
 * Every finished group of a batch from `cursor` on, each once: a dropped connection resumes after the last group
 * seen (the farm delivers at least once; seq tells repeats apart). Ends with the farm's end line.
 */
export async function* groups(client: FarmClient, batchId: string, cursor = 0): AsyncGenerator<{ group: Group; raw: string } | { end: string; raw: string }> {
  let next = cursor;
  for (let attempt = 0; ; attempt++) {
    const path = `/v1/batches/${batchId}/groups?cursor=${next}`;
    try {
      const res = await client.fetch("GET", path);
      await client.assertOk(res, "GET", path);
      for await (const raw of lines(res.body!)) {
        const parsed = StreamLine.safeParse(JSON.parse(raw));
        if (!parsed.success) throw new Error(`the farm sent a line that is not a group, heartbeat or end: ${raw.slice(0, 200)}`);
        const line = parsed.data;
        if (line.type === "end") {
          yield { end: line.state, raw };
          return;
        }
        if (line.type === "group" && line.seq >= next) {
          next = line.seq + 1;
          attempt = 0;
          yield { group: line, raw };
        }
      }
    } catch (err) {
      // A connection that failed or broke is worth another try; anything the farm said is not.
      const dropped = err instanceof TypeError || (err as { code?: string }).code === "farm_unreachable";
      if (!dropped || attempt >= RECONNECTS) throw err;
    }
    if (attempt >= RECONNECTS) throw new Error(`the group stream of ${batchId} kept closing before its end (cursor ${next})`);
    await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
  }
}

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
    const client = farmFrom(values);
    let count = 0;
    for await (const item of groups(client, positionals[0]!, intOption(values, "cursor", 0, 0))) {
      if ("end" in item) {
        console.log(values.json ? item.raw : `end: ${count} groups, batch ${item.end}`);
        break;
      }
      count++;
      const g = item.group;
      if (values.json) console.log(item.raw);
      else {
        const rewards = g.trajectories.map((t) => fixed(t.reward, 2)).join(" ");
        console.log(`#${g.seq} ${g.group_id} ${g.task.env}/${g.task.task_id}  rewards ${rewards}  mean ${fixed(g.stats.mean)} ± ${fixed(g.stats.std)}`);
      }
    }
    return 0;
  },
};
