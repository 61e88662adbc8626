import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TaskCode } from "../records.ts";

export interface EnvSources {
  name: string;
  description: string;
  ddl: string;
  seedSql: string;
  /** The tools module as the model wrote it: `export const tools = {...}`, importing from "worldfarm/sdk". */
  toolsCode: string;
  tasks: TaskCode[];
}

/** Text as a template literal: SQL stays readable in the file, one statement a line. */
const literal = (text: string) => "`" + text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${") + "`";

export function taskFile(t: TaskCode): string {
  return [
    `import { task } from "worldfarm/sdk";`,
    ``,
    `export default task({`,
    `  id: ${JSON.stringify(t.id)},`,
    `  prompt: ${JSON.stringify(t.prompt)},`,
    `  verify: ${t.verify.trim()},`,
    `  solution: ${JSON.stringify(t.solution)},`,
    ...(t.referenceAnswer !== null ? [`  referenceAnswer: ${JSON.stringify(t.referenceAnswer)},`] : []),
    `});`,
    ``,
  ].join("\n");
}

/**
 * Writes an environment folder in the one layout every environment has (README, "Writing an environment"):
 * index.ts assembling schema.ts, seed/, tools/ and tasks/, one file per task. Everything imports the SDK as
 * `worldfarm/sdk`, so the folder can live anywhere.
 */
export async function writeEnv(dir: string, src: EnvSources): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await Promise.all(["seed", "tools", "tasks"].map((sub) => mkdir(join(dir, sub), { recursive: true })));
  const ids = src.tasks.map((t) => t.id);
  const ident = (id: string) => "task_" + id.replace(/-/g, "_");
  const files: Record<string, string> = {
    "schema.ts": `export const schema = ${literal(src.ddl.trim())};\n`,
    "seed/index.ts": `export const seed = ${literal(src.seedSql.trim())};\n`,
    "tools/index.ts": src.toolsCode.trim() + "\n",
    "tasks/index.ts": [
      ...ids.map((id) => `import ${ident(id)} from "./${id}.ts";`),
      ``,
      `export const tasks = [${ids.map(ident).join(", ")}];`,
      ``,
    ].join("\n"),
    "index.ts": [
      `import { defineEnv } from "worldfarm/sdk";`,
      `import { schema } from "./schema.ts";`,
      `import { seed } from "./seed/index.ts";`,
      `import { tasks } from "./tasks/index.ts";`,
      `import { tools } from "./tools/index.ts";`,
      ``,
      `export default defineEnv({`,
      `  name: ${JSON.stringify(src.name)},`,
      `  description: ${JSON.stringify(src.description)},`,
      `  schema,`,
      `  seed,`,
      `  tools,`,
      `  tasks,`,
      `  userId: 1,`,
      `  epoch: "2026-01-15T09:00:00.000Z",`,
      `});`,
      ``,
    ].join("\n"),
    ...Object.fromEntries(src.tasks.map((t) => [`tasks/${t.id}.ts`, taskFile(t)])),
  };
  await Promise.all(Object.entries(files).map(([file, text]) => writeFile(join(dir, file), text)));
}
