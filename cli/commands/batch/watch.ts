import type { BatchStatus } from "../../../workers/shared/batch.ts";
import type { RolloutRow } from "../../../workers/shared/rollout.ts";
import type { Farm } from "../../../trainer-bridge/ts/index.ts";
import { bar, fixed, renderTable } from "../render.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Progress bars for rollouts and groups, and the reward so far. */
export function progressLines(status: BatchStatus, total: number): string[] {
  const c = status.counts;
  const settled = c.completed + c.failed + c.cancelled;
  const r = status.reward;
  return [
    `rollouts ${bar(settled, total)} ${String(settled).padStart(String(total).length)}/${total}  running ${c.running}  failed ${c.failed}${c.cancelled ? `  cancelled ${c.cancelled}` : ""}`,
    `groups   ${bar(status.groups.done, status.groups.total)} ${String(status.groups.done).padStart(String(total).length)}/${status.groups.total}`,
    `reward   ${r.n ? `${fixed(r.mean)} ± ${fixed(r.std)} (n=${r.n})` : "–"}  ${fixed(status.rolloutsPerSecond, 1)} rollouts/s  ${status.state}`,
  ];
}

/**
 * Polls a batch until it ends. On a terminal the bars redraw in place; in a log they print a line whenever
 * progress moved, at most once a second; with `quiet` nothing is printed.
 */
export async function watchBatch(
  client: Farm,
  batchId: string,
  { quiet = false, intervalMs = 500 } = {},
): Promise<BatchStatus> {
  const tty = process.stdout.isTTY === true;
  let drawn = 0;
  let lastLine = "";
  let lastPrinted = 0;
  for (;;) {
    const status = await client.batch(batchId);
    const c = status.counts;
    const total = c.pending + c.running + c.completed + c.failed + c.cancelled;
    const done = status.state !== "running";
    if (!quiet && tty) {
      const lines = progressLines(status, total);
      process.stdout.write(`${drawn ? `\x1b[${drawn}F\x1b[J` : ""}${lines.join("\n")}\n`);
      drawn = lines.length;
    } else if (!quiet) {
      const line = progressLines(status, total)[0]!;
      if (line !== lastLine && (done || Date.now() - lastPrinted >= 1000)) {
        console.log(line);
        lastLine = line;
        lastPrinted = Date.now();
      }
    }
    if (done) return status;
    await sleep(intervalMs);
  }
}

async function allRollouts(client: Farm, batchId: string): Promise<RolloutRow[]> {
  const out: RolloutRow[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await client.rollouts(batchId, { offset, limit: 1000 });
    out.push(...page.rollouts);
    if (out.length >= page.total || !page.rollouts.length) return out;
  }
}

/** Per environment: rollouts by outcome and the reward of the completed ones; then stop reasons. */
export async function summaryTable(client: Farm, status: BatchStatus): Promise<string> {
  const rows = await allRollouts(client, status.batchId);
  const envs = [...new Set(rows.map((r) => r.env))].sort();
  const line = (name: string, of: RolloutRow[], reward: { n: number; mean: number; std: number } | undefined) => [
    name,
    of.length,
    of.filter((r) => r.status === "completed").length,
    of.filter((r) => r.status === "failed").length,
    of.filter((r) => r.status === "cancelled").length,
    reward?.n ? fixed(reward.mean) : "–",
    reward?.n ? fixed(reward.std) : "–",
  ];
  const table = renderTable(
    ["env", "rollouts", "completed", "failed", "cancelled", "mean", "std"],
    [
      ...envs.map((e) =>
        line(
          e,
          rows.filter((r) => r.env === e),
          status.rewardByEnv[e],
        ),
      ),
      ...(envs.length > 1 ? [line("all", rows, status.reward)] : []),
    ],
  );
  const stops =
    Object.entries(status.stopReasons)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "none";
  const seconds = status.finishedAt ? (Date.parse(status.finishedAt) - Date.parse(status.createdAt)) / 1000 : undefined;
  return [
    table,
    "",
    `stop reasons: ${stops}`,
    `${rows.length} rollouts${seconds !== undefined ? ` in ${seconds.toFixed(1)} s` : ""} (${fixed(status.rolloutsPerSecond, 1)} rollouts/s), batch ${status.state}`,
    ...problemLines(status),
  ].join("\n");
}

/** Each distinct rollout error once: 160 rollouts failed by one unreachable policy server make one line. */
export function problemLines(status: BatchStatus, limit = 5): string[] {
  return status.problems
    .slice(0, limit)
    .map((p) => `error (${p.rollouts} rollout${p.rollouts === 1 ? "" : "s"}): ${p.error}`);
}

/** 0 when the batch ran to its end and something completed; 1 when it was cancelled or every rollout failed. */
export function exitCode(status: BatchStatus): number {
  return status.state === "done" && (status.counts.completed > 0 || status.counts.failed === 0) ? 0 : 1;
}
