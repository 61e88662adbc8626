import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildEnv } from "../cli/build/bundle-env.ts";
import { validateOnFarm } from "../cli/commands/validate.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import { freePort } from "../cli/farm/free-port.ts";
import { startLocalFarm, type LocalFarm } from "../cli/farm/local-farm.ts";
import { ROOT } from "../cli/paths.ts";
import { contextFrom } from "./config.ts";
import { files } from "./context.ts";
import { loadRecordings, startFakeLlm, type FakeLlm } from "./fake-llm/server.ts";
import { readJsonl } from "./jsonl.ts";
import { runPipeline } from "./pipeline.ts";
import { ScenarioRecord, SchemaRecord, SeedRecord, ToolsRecord, ValidateRecord, VerifiersRecord } from "./records.ts";

const FIXTURES = join(ROOT, "synth/fixtures");
let farm: LocalFarm;
let llm: FakeLlm;
let tmp: string;

beforeAll(async () => {
  process.env.WRANGLER_SEND_METRICS = "false";
  tmp = await mkdtemp(join(tmpdir(), "synth-e2e-"));
  [farm, llm] = await Promise.all([
    startLocalFarm({ port: await freePort(), persistDir: join(tmp, "farm") }),
    loadRecordings(join(FIXTURES, "recordings")).then((recordings) => startFakeLlm({ recordings })),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([farm?.dispose(), llm?.close()]);
  await rm(tmp, { recursive: true, force: true });
});

const context = (name: string, extra: Record<string, string> = {}) =>
  contextFrom(
    {
      work: join(tmp, name, "work"),
      envs: join(tmp, name, "envs"),
      "base-url": llm.url,
      model: "fake-model",
      farm: farm.url.toString(),
      "farm-token": farm.token,
      concurrency: "4",
      ...extra,
    },
    {},
  );

describe("synth all from seed names, against recorded LLM responses", () => {
  const run = () =>
    context("all", { seeds: join(FIXTURES, "seeds.jsonl"), "per-seed": "2", tasks: "3", "embed-model": "fake-embed" });
  const work = () => files(join(tmp, "all", "work"));
  const envs = () => join(tmp, "all", "envs");

  test("writes the two environments that validate, and drops the rest with reasons", { timeout: 240_000 }, async () => {
    const ctx = run();
    try {
      await runPipeline(ctx, "all");
    } finally {
      await ctx.farm.dispose();
    }
    expect((await readdir(envs())).sort()).toEqual(["evernote-notebooks", "todoist-projects"]);

    const scenarios = await readJsonl(work().scenarios, ScenarioRecord);
    expect(scenarios.find((s) => s.env === "weather-forecasts")).toMatchObject({
      status: "dropped",
      reasons: [expect.stringMatching(/^unsuitable/)],
    });
    expect(scenarios.find((s) => s.env === "evernote-notes")).toMatchObject({
      status: "dropped",
      reasons: [expect.stringMatching(/^duplicate of evernote-notebooks/)],
    });

    // Each broken reply went back and its repair is what was kept.
    const schema = (await readJsonl(work().schema, SchemaRecord)).find((r) => r.env === "evernote-notebooks")!;
    expect(schema.ddl).not.toContain(",,");
    const seed = (await readJsonl(work().seed, SeedRecord)).find((r) => r.env === "todoist-projects")!;
    expect(seed.sql).toContain("'Side hustle'");
    const tools = await readJsonl(work().tools, ToolsRecord);
    expect(tools.map((t) => [t.env, t.status, t.tools.length]).sort()).toEqual([
      ["evernote-notebooks", "ok", 10],
      ["todoist-projects", "ok", 12],
    ]);
    expect(tools.every((t) => !t.code.includes("projcts") && !t.code.includes("[id]).title"))).toBe(true);
    const verifiers = await readJsonl(work().verifiers, VerifiersRecord);
    const createNote = verifiers
      .find((v) => v.env === "evernote-notebooks")!
      .tasks.find((t) => t.id === "create-note")!;
    expect(createNote.verify).toContain("milk, eggs");
    const todoist = verifiers.find((v) => v.env === "todoist-projects")!;
    expect(todoist.tasks.map((t) => t.id)).toEqual(["add-task", "rename-project"]);
    expect(todoist.dropped).toEqual([
      { id: "complete-task", reasons: expect.arrayContaining([expect.stringContaining("no task 99")]) },
    ]);

    const validated = await readJsonl(work().validate, ValidateRecord);
    expect(validated.map((v) => [v.env, v.status, v.report?.tasks.length]).sort()).toEqual([
      ["evernote-notebooks", "ok", 3],
      ["todoist-projects", "ok", 2],
    ]);
    expect(await readdir(join(envs(), "todoist-projects", "tasks"))).not.toContain("complete-task.ts");
    // The one environment layout, importing the SDK by its package name from outside the repository.
    expect((await readdir(join(envs(), "todoist-projects"))).sort()).toEqual([
      "index.ts",
      "schema.ts",
      "seed",
      "tasks",
      "tools",
    ]);
    expect(await readFile(join(envs(), "todoist-projects", "tools", "index.ts"), "utf8")).toMatch(
      /^import \{[^}]*\} from "worldfarm\/sdk";/,
    );
    const report = await readFile(work().report, "utf8");
    expect(report).toContain("complete-task");
    expect(report).toContain("weather-forecasts");
  });

  test("what it wrote validates, uploads and serves MCP", { timeout: 120_000 }, async () => {
    const client = new Farm(farm.url.toString(), { token: farm.token });
    for (const name of ["evernote-notebooks", "todoist-projects"]) {
      const report = await validateOnFarm(client, join(envs(), name));
      expect(report.ok, JSON.stringify(report)).toBe(true);
    }
    await client.uploadEnv(await buildEnv(join(envs(), "todoist-projects")));
    const mcp = new Client({ name: "synth-e2e", version: "1.0.0" });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL("/v1/envs/todoist-projects/mcp", farm.url), {
        requestInit: { headers: { authorization: `Bearer ${farm.token}` } },
      }),
    );
    try {
      const { tools } = await mcp.listTools();
      expect(tools.map((t) => t.name)).toContain("create_task");
      expect(tools).toHaveLength(12);
      const created = await mcp.callTool({
        name: "create_task",
        arguments: { project_id: 1, content: "Buy paint", due_date: "2026-01-20" },
      });
      expect(created.isError).toBeFalsy();
      expect(JSON.stringify(created.content)).toContain("Buy paint");
      const refused = await mcp.callTool({ name: "complete_task", arguments: { id: 99 } });
      expect(refused.isError).toBe(true);
    } finally {
      await mcp.close();
    }
  });

  test("a rerun skips everything that is done and asks the model nothing", { timeout: 60_000 }, async () => {
    const before = llm.requests;
    const ctx = run();
    const results = await runPipeline(ctx, "all").finally(() => ctx.farm.dispose());
    expect(Object.values(results).map((r) => r.ran)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(llm.requests).toBe(before);
  });
});

test("import-awm carries schema and rows over, ports the Python, and validates", { timeout: 180_000 }, async () => {
  const ctx = context("awm", { awm: join(FIXTURES, "awm") });
  await runPipeline(ctx, "import-awm").finally(() => ctx.farm.dispose());
  const w = files(join(tmp, "awm", "work"));
  const scenarios = await readJsonl(w.scenarios, ScenarioRecord);
  expect(scenarios.find((s) => s.env === "corner-bakery")).toMatchObject({
    status: "dropped",
    reasons: [expect.stringContaining("FOREIGN KEY")],
  });
  const [validated] = await readJsonl(w.validate, ValidateRecord);
  expect(validated).toMatchObject({ env: "library-loans", status: "ok" });
  expect(validated!.report!.tools.map((t) => t.tool).sort()).toEqual([
    "borrow_book",
    "list_books",
    "list_my_loans",
    "return_book",
  ]);
  expect(validated!.report!.tasks.map((t) => [t.task, t.ok])).toEqual([
    ["task-1", true],
    ["task-2", true],
    ["task-3", true],
  ]);
  const schema = await readFile(join(tmp, "awm", "envs", "library-loans", "schema.ts"), "utf8");
  expect(schema).toContain("CREATE INDEX idx_loans_user");
});

describe("the CLI refuses bad input with a message and a non-zero exit", () => {
  const cli = (...args: string[]) =>
    promisify(execFile)(join(ROOT, "node_modules/.bin/node"), [join(ROOT, "cli/main.ts"), "synth", ...args], {
      cwd: tmp,
    }).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        stdout: err.stdout,
        stderr: err.stderr,
      }),
    );

  test("an unknown stage", { timeout: 30_000 }, async () => {
    const { code, stderr } = await cli("nonsense");
    expect(code).toBe(2);
    expect(stderr).toContain("name one stage");
  });

  test("scenarios without seeds, and a malformed number: exit 2 with the usage, as the README says", {
    timeout: 60_000,
  }, async () => {
    const usage = expect.stringContaining("worldfarm synth <stage> [options]");
    expect(await cli("scenarios", "--work", join(tmp, "cli"))).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--seeds"),
    });
    expect(await cli("all", "--dry-run", "--work", join(tmp, "cli"))).toMatchObject({ code: 2, stderr: usage });
    expect(await cli("tasks", "--retries", "lots")).toMatchObject({ code: 2, stderr: usage });
    expect((await cli("tasks", "--retries", "lots")).stderr).toContain("--retries must be an integer");
  });

  test("a dry run needs no LLM endpoint, and prints no warning", { timeout: 60_000 }, async () => {
    const { code, stdout, stderr } = await promisify(execFile)(
      join(ROOT, "node_modules/.bin/node"),
      [
        join(ROOT, "cli/main.ts"),
        "synth",
        "all",
        "--dry-run",
        "--limit",
        "1",
        "--seeds",
        join(FIXTURES, "seeds.jsonl"),
        "--work",
        join(tmp, "dry-bare"),
      ],
      { cwd: tmp, env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SYNTH_|OPENAI_)/.test(k))) },
    ).then((r) => ({ code: 0, ...r }));
    expect(code).toBe(0);
    expect(stdout).toContain("=== scenarios ((no --model) at (no --base-url))");
    expect(stderr).not.toMatch(/Warning/);
  });

  test("--dry-run prints the prompts, sends nothing and writes nothing", { timeout: 60_000 }, async () => {
    const before = llm.requests;
    const work = join(tmp, "dry");
    const { code, stdout } = await cli(
      "all",
      "--dry-run",
      "--limit",
      "1",
      "--seeds",
      join(FIXTURES, "seeds.jsonl"),
      "--work",
      work,
      "--base-url",
      llm.url,
      "--model",
      "m",
    );
    expect(code).toBe(0);
    expect(stdout).toContain("Seed: Evernote");
    expect(llm.requests).toBe(before);
    await expect(readdir(work)).rejects.toThrow(/ENOENT/);
  });
});
