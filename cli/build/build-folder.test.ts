import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../paths.ts";
import { runToExit } from "../testing/run.ts";

/** An environment in the documented layout, written the way a user outside this repository would write it. */
const FILES: Record<string, string> = {
  "index.ts": `import { defineEnv } from "worldfarm/sdk";
import { schema } from "./schema.ts";
import { seed } from "./seed/index.ts";
import { tasks } from "./tasks/index.ts";
import { tools } from "./tools/index.ts";

export default defineEnv({ name: "notes", description: "Notes.", schema, seed, tools, tasks });
`,
  "schema.ts": `import { sql } from "worldfarm/sdk";

export const schema = sql\`CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, pinned INTEGER NOT NULL);\`;
`,
  "seed/index.ts": `import { fixedRandom, insertRow, type Db } from "worldfarm/sdk";
import { TITLES } from "./data.ts";

export function seed(db: Db): void {
  const random = fixedRandom(7);
  for (const title of random.shuffle(TITLES)) insertRow(db, "notes", { title, pinned: random.weighted([[true, 1], [false, 3]]) });
}
`,
  "seed/data.ts": `export const TITLES = ["groceries", "standup", "books", "trip", "ideas", "taxes"];\n`,
  "tools/index.ts": `import { tool, z } from "worldfarm/sdk";
import { titles } from "../lib/notes.ts";

export const tools = {
  list_notes: tool({ description: "List notes.", input: z.object({}), run: (_input, { db }) => titles(db) }),
};
`,
  "tasks/index.ts": `import { task } from "worldfarm/sdk";

export const tasks = [
  task({ id: "look", prompt: "List the notes.", solution: [{ tool: "list_notes", args: {} }], verify: () => ({ complete: true }) }),
];
`,
  "lib/notes.ts": `import type { Db } from "worldfarm/sdk";

export const titles = (db: Db): string[] => db.query<{ title: string }>("SELECT title FROM notes ORDER BY id").map((r) => r.title);
`,
};

let tmp: string;
let env: string;
const worldfarm = (args: string[]) =>
  runToExit(process.execPath, [join(ROOT, "bin/worldfarm.js"), ...args], {
    cwd: tmp,
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "worldfarm-build-"));
  env = join(tmp, "notes");
  for (const [file, text] of Object.entries(FILES)) {
    await mkdir(dirname(join(env, file)), { recursive: true });
    await writeFile(join(env, file), text);
  }
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe("worldfarm build <dir> --out <dir>", { timeout: 120_000 }, () => {
  it("builds an environment folder outside the repository against worldfarm/sdk", async () => {
    const run = await worldfarm(["build", "notes", "--out", "dist", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [result] = JSON.parse(run.stdout) as { name: string; bundleId: string; out: string }[];
    expect(result).toMatchObject({ name: "notes", out: join("dist", "notes") });
    const module = await readFile(join(tmp, "dist/notes/bundle.js"), "utf8");
    const manifest = JSON.parse(await readFile(join(tmp, "dist/notes/manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ format: "worldfarm.bundle.v1", name: "notes", bundleId: result!.bundleId });
    expect(manifest.bundleId).toBe(createHash("sha256").update(module).digest("hex"));
    expect(manifest.tools.map((t: { name: string }) => t.name)).toEqual(["list_notes"]);

    // The bundle carries the SDK's helpers: its seed fills a real SQLite, the same rows every time.
    const seeded = async () => {
      const { default: bundle } = await import(
        `${pathToFileURL(join(tmp, "dist/notes/bundle.js")).href}?${Math.random()}`
      );
      const sqlite = new DatabaseSync(":memory:");
      sqlite.exec(bundle.definition.schema);
      bundle.definition.seed({
        run: (text: string, params: never[]) => ({
          changes: 1,
          lastRowId: Number(sqlite.prepare(text).run(...params).lastInsertRowid),
        }),
      });
      return sqlite.prepare("SELECT title, pinned FROM notes ORDER BY id").all();
    };
    const rows = await seeded();
    expect(rows.map((r) => r.title).sort()).toEqual(["books", "groceries", "ideas", "standup", "taxes", "trip"]);
    expect(await seeded()).toEqual(rows);
  });

  it("type-checks the same folder with tsc once worldfarm is installed beside it", async () => {
    await mkdir(join(tmp, "node_modules"), { recursive: true });
    await symlink(ROOT, join(tmp, "node_modules/worldfarm"), "dir");
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ["lib.es2022.d.ts"],
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
    };
    const check = () => {
      const program = ts.createProgram([join(env, "index.ts")], options);
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    };
    expect(check()).toEqual([]);
    // Resolved for real, not typed as any: a wrong call to the SDK is an error.
    await writeFile(join(env, "lib/notes.ts"), `${FILES["lib/notes.ts"]}export const bad = (db: Db) => db.run(42);\n`);
    try {
      expect(check().join("\n")).toMatch(/not assignable to parameter of type 'string'/);
    } finally {
      await writeFile(join(env, "lib/notes.ts"), FILES["lib/notes.ts"]!);
    }
  });

  it("refuses a folder that is no environment, and reports a broken one", async () => {
    const none = await worldfarm(["build", "nowhere", "--out", "dist"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/not an environment folder \(no index\.ts\): nowhere/);
    expect((await worldfarm(["build", "notes", "--out", ""])).code).toBe(2);

    await mkdir(join(tmp, "broken"), { recursive: true });
    await writeFile(
      join(tmp, "broken/index.ts"),
      `import { nothing } from "worldfarm/sdk/nothing";\nexport default nothing;\n`,
    );
    const broken = await worldfarm(["build", "broken", "--out", "dist"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/worldfarm\/sdk\/nothing/);
  });
});
