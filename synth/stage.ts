import { z } from "zod";
import type { SynthContext } from "./context.ts";
import { Dropped, DryRun } from "./errors.ts";
import { appendJsonl, readJsonl } from "./jsonl.ts";
import { mapLimit } from "./llm/limit.ts";
import { progressBar } from "./llm/progress.ts";

type Outcome = { status: "ok" | "dropped" };

export interface StageSpec<I> {
  stage: string;
  /** The stage's output jsonl: an item whose key is already there is done. */
  file: string;
  items: I[];
  key: (item: I) => string;
  /** The key field of the stage's records. */
  recordKey?: string;
  /** One record, or several (a seed gives several scenarios); the item counts as ok if any record is. */
  run: (item: I) => Promise<Outcome | Outcome[]>;
  /** The record for an item given up on. */
  dropped: (item: I, reasons: string[]) => unknown;
}

export interface StageResult {
  ran: number;
  ok: number;
  dropped: number;
  skipped: number;
}

/**
 * Runs a stage over the items not done yet: resumable (a record is appended the moment an item is done or
 * dropped), concurrent, with a progress bar. An item that fails for another reason (the provider down after its
 * retries, a bug) writes nothing, so a rerun tries it again; the stage then fails with every such error.
 */
export async function runStage<I>(ctx: SynthContext, spec: StageSpec<I>): Promise<StageResult> {
  const recordKey = spec.recordKey ?? "env";
  const existing = await readJsonl(spec.file, z.looseObject({ [recordKey]: z.string() }));
  const done = new Set(existing.map((r) => r[recordKey] as string));
  const pending = [...new Map(spec.items.filter((i) => !done.has(spec.key(i))).map((i) => [spec.key(i), i])).values()];
  const todo = ctx.limit === undefined ? pending : pending.slice(0, ctx.limit);
  const result: StageResult = { ran: todo.length, ok: 0, dropped: 0, skipped: spec.items.length - todo.length };
  const bar = progressBar({ stage: spec.stage, total: todo.length, usage: ctx.usage });
  const failures: string[] = [];
  await mapLimit(todo, ctx.concurrency, async (item) => {
    try {
      const produced = await spec.run(item);
      const records = Array.isArray(produced) ? produced : [produced];
      for (const record of records) await appendJsonl(spec.file, record);
      const ok = records.some((r) => r.status === "ok");
      if (ok) result.ok++;
      else result.dropped++;
      bar.tick(ok);
    } catch (err) {
      if (err instanceof Dropped) {
        await appendJsonl(spec.file, spec.dropped(item, err.reasons));
        result.dropped++;
        bar.tick(false);
      } else if (err instanceof DryRun) {
        bar.tick();
      } else {
        failures.push(`${spec.key(item)}: ${err instanceof Error ? err.message : String(err)}`);
        bar.tick(false);
      }
    }
  });
  bar.finish();
  if (failures.length)
    throw new Error(
      `${spec.stage}: ${failures.length} item(s) failed and will be retried on a rerun:\n  ${failures.join("\n  ")}`,
    );
  return result;
}

/** The usable records of an earlier stage, by key. */
export async function okRecords<S extends z.ZodType<{ env: string; status: "ok" | "dropped" }>>(
  file: string,
  schema: S,
): Promise<Map<string, z.infer<S>>> {
  const records = await readJsonl(file, schema);
  return new Map(records.filter((r) => r.status === "ok").map((r) => [r.env, r]));
}
