import { files, type SynthContext } from "../context.ts";
import type { AwmEndpoint } from "../awm/format.ts";
import { readAwm, type AwmScenarioData } from "../awm/read.ts";
import { Dropped } from "../errors.ts";
import { checkSql } from "../env/sqlite.ts";
import { appendJsonl } from "../jsonl.ts";
import {
  TOOL_NAME,
  type AwmSourceRecord,
  type ScenarioRecord,
  type SchemaRecord,
  type SeedRecord,
  type SpecRecord,
  type TasksRecord,
  type ToolSpec,
} from "../records.ts";
import { runStage } from "../stage.ts";
import { slug } from "./scenarios.ts";

/** An AWM endpoint as a tool specification: the operation id names the tool, GETs are reads. */
export function toolSpec(e: AwmEndpoint): ToolSpec {
  if (!TOOL_NAME.test(e.operation_id))
    throw new Dropped([`operation_id "${e.operation_id}" is not a usable tool name`]);
  const params = Object.fromEntries(
    Object.entries(e.request_params ?? {}).map(([name, p]) => [
      name,
      `${p.type}${p.required ? "" : " (optional)"}: ${p.description}`,
    ]),
  );
  const method = e.method.toUpperCase();
  return {
    name: e.operation_id,
    description: [e.summary, e.description].filter(Boolean).join(". ") || `${method} ${e.path}`,
    params,
    readOnly: method === "GET",
    destructive: method === "DELETE",
  };
}

/**
 * Imports AWM scenarios into the work folder as if the earlier stages had made them: the scenario, its tasks,
 * its schema (tables then indexes) and its sample rows carry over as they are, checked in SQLite; the spec
 * becomes the tools stage's spec; the Python tools and verifiers are kept for the stages that port them.
 */
export async function importAwmStage(ctx: SynthContext) {
  if (!ctx.options.awm) throw new Error("import-awm needs --awm <folder with AWM's gen_*.jsonl files>");
  const f = files(ctx.work);
  const scenarios = await readAwm(ctx.options.awm);
  return runStage(ctx, {
    stage: "import-awm",
    file: f.scenarios,
    items: scenarios,
    key: (s) => slug(s.name),
    dropped: (s, reasons): ScenarioRecord => ({
      env: slug(s.name),
      title: s.name,
      description: s.description,
      seed: "awm",
      status: "dropped",
      reasons,
    }),
    async run(s: AwmScenarioData): Promise<ScenarioRecord> {
      const env = slug(s.name);
      const missing = (["tasks", "db", "sample", "spec", "code"] as const).filter((k) => !s[k]);
      if (missing.length) throw new Dropped([`AWM has no ${missing.join(", ")} for "${s.name}"`]);
      const ddl = [
        ...s.db!.tables.map((t) => t.ddl.trim()),
        ...s.db!.tables.flatMap((t) => t.indexes.map((i) => i.trim())),
      ].join("\n");
      const sql = s.sample!.tables.flatMap((t) => t.insert_statements.map((i) => i.trim())).join("\n");
      const problems = checkSql(ddl, sql).problems;
      if (problems.length) throw new Dropped(problems.map((p) => `AWM data: ${p}`));
      const tools = s.spec!.api_groups.flatMap((g) => g.endpoints.map(toolSpec));
      const tasks = s.tasks!.map((prompt, i) => ({ id: `task-${i + 1}`, prompt }));
      const verifiers = Object.fromEntries([...s.verifiers].map(([idx, code]) => [String(idx), code]));
      const records: [string, TasksRecord | SchemaRecord | SeedRecord | SpecRecord | AwmSourceRecord][] = [
        [f.awm, { env, scenario: s.name, envCode: s.code!, verifiers }],
        [f.tasks, { env, tasks, status: "ok", reasons: [] }],
        [f.schema, { env, ddl, status: "ok", reasons: [] }],
        [f.seed, { env, sql, status: "ok", reasons: [] }],
        [f.spec, { env, tools, status: "ok", reasons: [] }],
      ];
      for (const [file, record] of records) await appendJsonl(file, record);
      return { env, title: s.name, description: s.description, seed: "awm", status: "ok", reasons: [] };
    },
  });
}
