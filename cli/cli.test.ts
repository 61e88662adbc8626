/**
 * The worldfarm CLI as a user runs it (bin/worldfarm.js in a child process) against a real local farm in workerd,
 * its errors included. One farm for the file.
 */
import { spawn } from "node:child_process";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchStatus } from "../workers/shared/batch.ts";
import type { EnvSummary } from "../workers/shared/manifest.ts";
import { Group } from "../workers/shared/group.ts";
import type { InstanceCreated, InstanceList } from "../workers/shared/instance.ts";
import type { RolloutList } from "../workers/shared/rollout.ts";
import { buildEnv, type BuiltBundle } from "./build/bundle-env.ts";
import { commands } from "./commands/index.ts";
import { isGroup } from "./commands/command.ts";
import { startFakePolicy, type FakePolicy, type Solution } from "./fake-policy/server.ts";
import { Farm } from "../trainer-bridge/ts/index.ts";
import { freePort } from "./farm/free-port.ts";
import { startLocalFarm, type LocalFarm } from "./farm/local-farm.ts";
import { ROOT } from "./paths.ts";
import { runToExit, type Run } from "./testing/run.ts";

let farm: LocalFarm;
let client: Farm;
let url: string;
let persistDir: string;
let shop: BuiltBundle;
let policy: FakePolicy;

/** Runs the CLI to its exit, against the test farm unless `env` says otherwise. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runToExit(process.execPath, [join(ROOT, "bin/worldfarm.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, WORLDFARM_URL: url, FARM_ADMIN_TOKEN: farm.token, NODE_NO_WARNINGS: "1", ...env },
  });
}

const json = <T>(run: Run): T => {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
};

beforeAll(async () => {
  persistDir = await mkdtemp(join(tmpdir(), "worldfarm-cli-"));
  farm = await startLocalFarm({ port: await freePort(), persistDir });
  url = farm.url.toString().replace(/\/$/, "");
  client = new Farm(url, { token: farm.token });
  shop = await buildEnv(join(ROOT, "envs/shop"));
  // Uploaded here too, so each test stands on its own; the upload test uploads the same bundle again.
  await client.uploadEnv(shop);
  const solutions: Record<string, Solution> = Object.fromEntries(
    shop.manifest.tasks.map((t) => [
      t.prompt,
      { steps: t.solution, ...(t.referenceAnswer ? { answer: t.referenceAnswer } : {}) },
    ]),
  );
  policy = await startFakePolicy({ solutions, latencyMs: 20 });
}, 120_000);

afterAll(async () => {
  await policy?.close();
  await farm?.dispose();
  if (persistDir) await rm(persistDir, { recursive: true, force: true });
});

describe("worldfarm --help", { timeout: 60_000 }, () => {
  it("lists every command; every group lists its subcommands; every command has its usage", async () => {
    const top = await cli(["--help"]);
    expect(top.code).toBe(0);
    for (const name of Object.keys(commands)) expect(top.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    const group = await cli(["batch", "--help"]);
    expect(group.code).toBe(0);
    for (const sub of ["run", "status", "list", "stream", "cancel"])
      expect(group.stdout).toMatch(new RegExp(`^  ${sub} `, "m"));
    const sub = await cli(["batch", "run", "--env", "shop", "--help"]);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^worldfarm batch run --env ENV/);
    // Every usage names its own command line: checked in-process, one child per command would only repeat the above.
    const labels = Object.entries(commands).flatMap(([name, c]) =>
      isGroup(c)
        ? Object.entries(c.subcommands).map(([s, command]) => [`${name} ${s}`, command] as const)
        : [[name, c] as const],
    );
    expect(labels.map(([l]) => l)).toEqual(
      expect.arrayContaining([
        "dev",
        "build",
        "envs list",
        "envs upload",
        "envs validate",
        "instance create",
        "batch run",
        "batch stream",
        "bench",
      ]),
    );
    for (const [label, command] of labels) expect(command.usage, label).toMatch(new RegExp(`^worldfarm ${label}( |$)`));
  });
});

describe("environments and instances", { timeout: 120_000 }, () => {
  it("uploads, lists and shows environments", async () => {
    const uploaded = await cli(["envs", "upload", "envs/shop", "--json"]);
    expect(json<{ name: string; bundleId: string }>(uploaded)).toMatchObject({
      name: "shop",
      bundleId: shop.manifest.bundleId,
    });
    const listed = json<EnvSummary[]>(await cli(["envs", "list", "--json"]));
    expect(listed.find((e) => e.name === "shop")).toMatchObject({
      tools: shop.manifest.tools.length,
      tasks: shop.manifest.tasks.length,
    });
    const table = await cli(["envs", "list"]);
    expect(table.stdout).toMatch(
      new RegExp(
        `^shop\\s+${shop.manifest.tools.length}\\s+${shop.manifest.tasks.length}\\s+${shop.manifest.bundleId.slice(0, 12)}`,
        "m",
      ),
    );
    const shown = await cli(["envs", "show", "shop"]);
    expect(shown.code).toBe(0);
    for (const t of shop.manifest.tasks) expect(shown.stdout).toContain(t.id);
    const validated = await cli(["envs", "validate", "envs/tracker", "--json"]);
    expect(json<{ env: string; ok: boolean }>(validated)).toMatchObject({ env: "tracker", ok: true });
  });

  it("creates an instance, calls its tools, lists it and deletes it", async () => {
    const created = json<InstanceCreated>(await cli(["instance", "create", "shop", "--seed", "3", "--json"]));
    // Served at the instance's world: the farm's host name, the world's port.
    expect(created.mcpUrl).toMatch(
      new RegExp(
        `^${new URL(url).protocol}//${new URL(url).hostname.replaceAll(".", "\\.")}:\\d+/v1/instances/${created.instanceId}/mcp$`,
      ),
    );
    const ok = await cli([
      "instance",
      "call",
      created.instanceId,
      "update_profile",
      '{"phone":"(415) 555-0100"}',
      "--instance-token",
      created.token,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ phone: "(415) 555-0100" });
    const bad = await cli([
      "instance",
      "call",
      created.instanceId,
      "update_profile",
      '{"phone":1}',
      "--instance-token",
      created.token,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^update_profile: invalid_arguments: /);
    const badJson = await cli([
      "instance",
      "call",
      created.instanceId,
      "update_profile",
      '{"phone":1}',
      "--instance-token",
      created.token,
      "--json",
    ]);
    expect(badJson).toMatchObject({ code: 1, stdout: "" });
    expect(JSON.parse(badJson.stderr)).toEqual({
      error: { code: "invalid_arguments", message: expect.stringMatching(/^update_profile: /) },
    });
    const list = json<InstanceList>(await cli(["instance", "list", "--env", "shop", "--json"]));
    expect(list.instances.find((i) => i.instanceId === created.instanceId)).toMatchObject({
      seed: 3,
      counters: { calls: 3, errors: 2 },
    });
    expect((await cli(["instance", "delete", created.instanceId])).code).toBe(0);
    const again = await cli(["instance", "delete", created.instanceId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("404 instance_not_found");
  });
});

describe("batches", { timeout: 120_000 }, () => {
  let oracleBatch: string;

  it("runs an oracle batch with --watch: progress, then the summary table", async () => {
    const run = await cli([
      "batch",
      "run",
      "--env",
      "shop",
      "--tasks",
      "update-phone-number,adjust-cart",
      "--policy",
      "oracle",
      "--group",
      "8",
      "--policy-version",
      "cli-run@1",
      "--watch",
    ]);
    expect(run.code, run.stderr).toBe(0);
    oracleBatch = /^batch (b_[0-9a-f]{24}): 16 rollouts \(oracle policy, groups of 8\)$/m.exec(run.stdout)![1]!;
    // Not a terminal: the bar prints a line as progress moves, ending full.
    expect(run.stdout).toMatch(/^rollouts \[#{30}\] 16\/16 {2}running 0 {2}failed 0$/m);
    expect(run.stdout).toMatch(/^shop\s+16\s+16\s+0\s+0\s+1\.000\s+0\.000$/m);
    expect(run.stdout).toContain("stop reasons: answered 16");
    const status = await client.request<BatchStatus>("GET", `/v1/batches/${oracleBatch}`);
    expect(status).toMatchObject({ state: "done", counts: { completed: 16 }, reward: { mean: 1 } });
  });

  it("runs the openai policy against an OpenAI-compatible server, --json", async () => {
    const status = json<BatchStatus>(
      await cli([
        "batch",
        "run",
        "--env",
        "shop",
        "--tasks",
        "update-phone-number",
        "--policy",
        "openai",
        "--base-url",
        `${policy.url}/v1`,
        "--model",
        "fake-policy",
        "--group",
        "3",
        "--max-turns",
        "8",
        "--watch",
        "--json",
      ]),
    );
    expect(status).toMatchObject({
      state: "done",
      counts: { completed: 3, failed: 0 },
      reward: { n: 3, mean: 1, std: 0 },
    });
  });

  it("runs the random policy; without --watch it prints the batch and returns", async () => {
    const created = json<{ batchId: string; rollouts: number; streamUrl: string }>(
      await cli([
        "batch",
        "run",
        "--env",
        "shop",
        "--tasks",
        "update-phone-number",
        "--policy",
        "random",
        "--group",
        "2",
        "--json",
      ]),
    );
    expect(created).toMatchObject({ rollouts: 2, streamUrl: `${url}/v1/batches/${created.batchId}/groups` });
    const watched = await cli(["batch", "status", created.batchId, "--watch", "--json"]);
    expect(json<BatchStatus>(watched)).toMatchObject({ state: "done", counts: { completed: 2 } });
  });

  it("streams a batch's groups: a line per group, NDJSON with --json, from a cursor", async () => {
    const human = await cli(["batch", "stream", oracleBatch]);
    expect(human.code, human.stderr).toBe(0);
    // Groups stream in the order they complete, and either of the two may finish first.
    const [first, second, end] = human.stdout.trim().split("\n");
    expect(first).toMatch(/^#0 /);
    expect(second).toMatch(/^#1 /);
    expect(end).toBe("end: 2 groups, batch done");
    const [g0, g1] = [first!, second!].map((line) => line.slice(3)).sort();
    expect(g0).toMatch(
      new RegExp(`^${oracleBatch}\\.g0 shop/update-phone-number  rewards (1\\.00 ){7}1\\.00  mean 1\\.000 ± 0\\.000$`),
    );
    expect(g1).toMatch(new RegExp(`^${oracleBatch}\\.g1 shop/adjust-cart  rewards`));
    const ndjson = await cli(["batch", "stream", oracleBatch, "--json"]);
    const lines = ndjson.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as unknown);
    // The end line the farm sends comes through too: a trainer reading the pipe knows the batch ended.
    expect(lines.pop()).toEqual({ type: "end", cursor: 2, state: "done" });
    const groups = lines.map((l) => Group.parse(l));
    expect(groups.map((g) => g.seq)).toEqual([0, 1]);
    const ledger = await client.request<RolloutList>(
      "GET",
      `/v1/batches/${oracleBatch}/rollouts?groupId=${oracleBatch}.g1`,
    );
    const streamed = groups.find((g) => g.group_id === `${oracleBatch}.g1`)!;
    expect(streamed.trajectories.map((t) => [t.trajectory_id, t.reward])).toEqual(
      ledger.rollouts.map((r) => [r.rolloutId, r.reward]),
    );
    const fromCursor = await cli(["batch", "stream", oracleBatch, "--json", "--cursor", "1"]);
    expect(
      fromCursor.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { seq?: number; type: string }).seq ?? l),
    ).toEqual([1, expect.stringContaining('"type":"end"')]);
  });

  it("resumes a group stream that drops, after the last group it printed", async () => {
    // A proxy that cuts the first stream right after its first line, as a flaky network would.
    let streams = 0;
    const proxy = createServer((req, res) => {
      const first = req.url!.includes("/groups") && streams++ === 0;
      const upstream = httpRequest(`${url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.on("data", (chunk: Buffer) => {
          if (!first) return res.write(chunk);
          const text = chunk.toString();
          up.destroy();
          res.write(text.slice(0, text.indexOf("\n") + 1), () => res.socket?.destroy());
        });
        up.on("end", () => res.end());
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const run = await cli(["batch", "stream", oracleBatch, "--json"], {
        WORLDFARM_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(
        run.stdout
          .trim()
          .split("\n")
          .map(
            (l) => (JSON.parse(l) as { seq?: number; type: string }).seq ?? (JSON.parse(l) as { type: string }).type,
          ),
      ).toEqual([0, 1, "end"]);
      expect(streams).toBe(2);
    } finally {
      proxy.close();
    }
  });

  it("lists batches with their reward and shows one's status", async () => {
    const list = json<{ batchId: string; policyVersion: string | null; reward: { mean: number } }[]>(
      await cli(["batch", "list", "--json"]),
    );
    expect(list.find((b) => b.batchId === oracleBatch)).toMatchObject({
      policyVersion: "cli-run@1",
      reward: { mean: 1 },
    });
    const status = await cli(["batch", "status", oracleBatch]);
    expect(status.stdout).toMatch(/^shop\s+16\s+16\s+0\s+0\s+1\.000\s+0\.000$/m);
  });

  it("says once and plainly that nothing answers at a policy URL nobody serves, yet creates the batch", async () => {
    const port = await freePort();
    const policyUrl = `http://127.0.0.1:${port}/v1`;
    const run = await cli([
      "batch",
      "run",
      "--env",
      "shop",
      "--tasks",
      "adjust-cart,update-phone-number",
      "--policy",
      "openai",
      "--base-url",
      policyUrl,
      "--model",
      "m",
      "--group",
      "2",
      "--watch",
    ]);
    expect(run.code, run.stderr).toBe(1);
    const plain = new RegExp(
      `^error \\(4 rollouts\\): Nothing answers at ${policyUrl}/chat/completions \\(.+\\): is the policy server running, and reachable from the farm\\?$`,
    );
    expect(run.stdout.split("\n").filter((l) => l.includes("Nothing answers"))).toEqual([expect.stringMatching(plain)]);
    const batchId = /^batch (\S+): 4 rollouts/.exec(run.stdout)![1]!;
    const status = json<BatchStatus>(await cli(["batch", "status", batchId, "--json"]));
    expect(status.problems).toEqual([
      { error: expect.stringContaining(`Nothing answers at ${policyUrl}/chat/completions`), rollouts: 4 },
    ]);
  });

  it("cancels a batch; watching a cancelled batch exits 1", async () => {
    const slow = await startFakePolicy({
      latencyMs: 300,
      script: () => ({
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "view_cart", arguments: "{}" } }],
      }),
    });
    try {
      const { batchId } = json<{ batchId: string }>(
        await cli([
          "batch",
          "run",
          "--env",
          "shop",
          "--tasks",
          "adjust-cart",
          "--policy",
          "openai",
          "--base-url",
          `${slow.url}/v1`,
          "--model",
          "m",
          "--group",
          "6",
          "--concurrency",
          "1",
          "--json",
        ]),
      );
      const cancel = await cli(["batch", "cancel", batchId]);
      expect(cancel.code, cancel.stderr).toBe(0);
      // Waiting rollouts are cancelled by this call; the one running (concurrency 1) is told to stop.
      const said = new RegExp(
        `^batch ${batchId} cancelled: (\\d) waiting rollouts cancelled(?:; (\\d) running, told to stop \\(they end as cancelled\\))?$`,
      ).exec(cancel.stdout.trim());
      expect(said, cancel.stdout).not.toBeNull();
      // Six rollouts one at a time: those not yet finished are the waiting ones cancelled and the one running.
      const [waiting, running] = [Number(said![1]), Number(said![2] ?? 0)];
      expect(waiting).toBeGreaterThanOrEqual(3);
      expect(running).toBeLessThanOrEqual(1);
      expect(waiting + running).toBeLessThanOrEqual(6);
      const again = await cli(["batch", "cancel", batchId]);
      expect(again).toMatchObject({
        code: 0,
        stdout: `batch ${batchId} had already ended (cancelled): nothing to cancel\n`,
      });
      const cancelled = json<BatchStatus>(await cli(["batch", "cancel", batchId, "--json"]));
      expect(cancelled.state).toBe("cancelled");
      const watched = await cli(["batch", "status", batchId, "--watch"]);
      expect(watched.code).toBe(1);
      expect(watched.stdout).toMatch(/batch cancelled$/m);
    } finally {
      await slow.close();
    }
  });
});

describe.concurrent("errors", { timeout: 60_000 }, () => {
  const cases: [string, string[], number, RegExp][] = [
    ["an unknown command", ["nope"], 2, /^worldfarm: unknown command "nope"/],
    ["an unknown subcommand", ["envs", "nope"], 2, /^worldfarm envs: unknown subcommand "nope"/],
    ["a group without a subcommand", ["batch"], 2, /^worldfarm batch <subcommand>/],
    ["an unknown option", ["batch", "run", "--env", "shop", "--bogus"], 2, /Unknown option '--bogus'/],
    ["no environment", ["batch", "run"], 2, /name an environment: --env shop/],
    [
      "a group size out of range",
      ["batch", "run", "--env", "shop", "--group", "0"],
      2,
      /--group must be a whole number from 1 to 256, not "0"/,
    ],
    [
      "an unknown policy",
      ["batch", "run", "--env", "shop", "--policy", "smart"],
      2,
      /--policy is one of oracle, random, openai, not "smart"/,
    ],
    [
      "openai without a server",
      ["batch", "run", "--env", "shop", "--policy", "openai"],
      2,
      /--policy openai needs --base-url/,
    ],
    [
      "an unknown environment",
      ["batch", "run", "--env", "nope"],
      1,
      /400 invalid_request: tasks: no environment named "nope"/,
    ],
    ["an unknown task", ["batch", "run", "--env", "shop", "--tasks", "nope"], 1, /shop has no task "nope"/],
    ["an unknown batch", ["batch", "status", `b_${"0".repeat(24)}`], 1, /404 batch_not_found/],
    [
      "a folder that is no environment",
      ["envs", "upload", "envs/nope"],
      2,
      /not an environment folder \(no index\.ts\): envs\/nope/,
    ],
    [
      "tool arguments that are not JSON",
      ["instance", "call", "0".repeat(32), "t", "{x"],
      2,
      /the tool arguments are not JSON/,
    ],
    ["an unknown benchmark", ["bench", "nope"], 2, /no benchmark "nope": env-host, batch/],
  ];
  it.each(cases)("%s", async (_what, args, code, message) => {
    const run = await cli(args);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  });

  it("says when the farm cannot be reached, and prints errors as JSON with --json", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await cli(["envs", "list"], { WORLDFARM_URL: closed });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach the farm at ${closed}`);
    const asJson = await cli(["envs", "list", "--json"], { WORLDFARM_URL: closed });
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stderr)).toMatchObject({ error: { code: "farm_unreachable" } });
    const notFound = await cli(["batch", "status", `b_${"0".repeat(24)}`, "--json"]);
    expect(JSON.parse(notFound.stderr)).toMatchObject({ error: { code: "batch_not_found" } });
  });
});

describe("worldfarm dev", { timeout: 120_000 }, () => {
  it("serves the farm and rebuilds an environment when its source changes; a broken build is reported, not fatal", async () => {
    // Four folders deep like the fixture, so its relative import of the SDK still resolves.
    const envDir = join(ROOT, "test-artifacts/cli-dev/envs/lab");
    await rm(join(ROOT, "test-artifacts/cli-dev"), { recursive: true, force: true });
    await cp(join(ROOT, "test/fixtures/envs/lab"), envDir, { recursive: true });
    const state = await mkdtemp(join(tmpdir(), "worldfarm-dev-"));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [join(ROOT, "bin/worldfarm.js"), "dev", envDir, "--port", String(port), "--state", state],
      { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    const until = async (what: () => boolean | Promise<boolean>, label: string) => {
      for (const end = Date.now() + 60_000; Date.now() < end; ) {
        if (await what()) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`timed out waiting for ${label}; output:\n${out}`);
    };
    try {
      await until(
        () => out.includes(`worldfarm is running at http://127.0.0.1:${port}  (environments: lab)`),
        "the farm",
      );
      const token = (await readFile(join(state, "admin-token"), "utf8")).trim();
      expect(out).toContain(`Dashboard: http://127.0.0.1:${port}/#token=${token}`);
      // The fake vLLM that npm start offers beside the farm, so batches run without a GPU.
      expect(out).toContain(
        `Policy: a fake vLLM playing the example tasks (10% noise) at http://127.0.0.1:${port + 1}/v1`,
      );
      const devFarm = new Farm(`http://127.0.0.1:${port}`, { token });
      const source = join(envDir, "index.ts");
      const original = await readFile(source, "utf8");
      await writeFile(source, original.replace("Test fixture: notes", "Edited fixture: notes"));
      await until(
        async () =>
          (await devFarm.request<{ description: string }>("GET", "/v1/envs/lab")).description.startsWith(
            "Edited fixture",
          ),
        "the rebuilt environment",
      );
      await until(() => /lab rebuilt and uploaded: bundle [0-9a-f]{12}/.test(out), "the rebuild's log line");
      await writeFile(source, original.replace("defineEnv({", "defineEnv({ ("));
      await until(() => / {2}lab: .*(error|Expected)/i.test(out), "the build error");
      expect((await devFarm.request<{ description: string }>("GET", "/v1/envs/lab")).description).toMatch(
        /^Edited fixture/,
      );
    } finally {
      child.kill("SIGINT");
      // 130 is how Miniflare's own exit hook ends a process interrupted by SIGINT.
      expect([0, 130]).toContain(await exited);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      await rm(state, { recursive: true, force: true });
      await rm(join(ROOT, "test-artifacts/cli-dev"), { recursive: true, force: true });
    }
  });
});
