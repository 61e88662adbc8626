import { writeFile } from "node:fs/promises";
import { relative } from "node:path";
import { z } from "zod";
import { files, type SynthContext } from "./context.ts";
import { readJsonl } from "./jsonl.ts";
import { describeUsage } from "./llm/usage.ts";
import { ValidateRecord } from "./records.ts";

const Dropped = z.looseObject({
  env: z.string(),
  status: z.enum(["ok", "dropped"]),
  reasons: z.array(z.string()).default([]),
});

/** report.md in the work folder: what was kept, what was dropped at which stage and why, what it cost. */
export async function writeReport(ctx: SynthContext): Promise<string> {
  const f = files(ctx.work);
  const validated = (await readJsonl(f.validate, ValidateRecord)).filter((r) => r.status === "ok");
  const lines = [`# Synthesis report`, ``, `## Valid environments (${validated.length})`, ``];
  for (const r of validated) {
    const report = r.report!;
    lines.push(
      `- **${r.env}** — ${report.tools.length} tools, ${report.tasks.length} tasks, validated in ${report.ms} ms (${r.out ? relative(process.cwd(), r.out) : ""})`,
    );
    for (const t of r.droppedTasks) lines.push(`  - dropped task ${t.id}: ${t.reasons.join("; ")}`);
  }
  lines.push(``, `## Dropped`, ``);
  for (const stage of ["scenarios", "tasks", "schema", "seed", "tools", "verifiers", "validate"] as const) {
    for (const r of await readJsonl(f[stage], Dropped)) {
      if (r.status === "dropped") lines.push(`- ${stage}: **${r.env}** — ${r.reasons.join("; ")}`);
    }
  }
  lines.push(``, `## LLM usage (this run)`, ``);
  for (const [stage, u] of Object.entries(ctx.usage.summary())) lines.push(`- ${stage}: ${describeUsage(u, u.cost)}`);
  const text = lines.join("\n") + "\n";
  await writeFile(f.report, text);
  return text;
}
