/**
 * `worldfarm start` as a user runs it, in a child process on a port other than the default: the commands its
 * banner prints run as printed (in a shell, also in child processes) and reach this farm; a second farm on the
 * same state folder is refused; the fake vLLM moves to a free port when the one after the farm's is taken.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:net";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEnv } from "../build/bundle-env.ts";
import { freePort } from "../farm/free-port.ts";
import { LOCK_FILE } from "../farm/state-lock.ts";
import { ROOT } from "../paths.ts";
import { runToExit, type Run } from "../testing/run.ts";
import { startBanner } from "./start-banner.ts";

/** Neither $WORLDFARM_URL nor $PORT: what points a printed command at the farm must be in the command. */
const { WORLDFARM_URL: _url, PORT: _port, ...cleanEnv } = process.env;

const sh = (line: string) => runToExit("sh", ["-c", line], { cwd: ROOT, env: { ...cleanEnv, NODE_NO_WARNINGS: "1" } });

function worldfarm(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, "bin/worldfarm.js"), ...args], {
    cwd: ROOT,
    env: { ...cleanEnv, NODE_NO_WARNINGS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  return { child, output: () => out, exited: new Promise((r) => child.once("exit", r)) };
}

/** The shell commands in a banner, continuation lines joined, the explanation after each left off. */
function bannerCommands(banner: string): string[] {
  const joined = banner.replace(/\\\n\s*/g, "");
  return joined.split("\n").flatMap((line) => {
    const at = line.search(/curl |npx worldfarm /);
    if (at < 0) return [];
    return [
      line
        .slice(at)
        .split(/ {2,}[#(]/)[0]!
        .trim(),
    ];
  });
}

let port: number;
let state: string;
let farm: ReturnType<typeof worldfarm>;
let squatter: Server;

beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), "worldfarm-start-"));
  // Not 8787, and with the port after it taken, as a user's other service might hold it. Another test's process
  // may hold that next port already (one CI run failed so): then another pair is tried.
  for (let squatting = false; !squatting; ) {
    do port = await freePort();
    while (port === 8787 || port === 65535);
    squatter = createServer();
    squatting = await new Promise<boolean>((resolve) => {
      squatter.once("error", () => resolve(false));
      squatter.listen(port + 1, "127.0.0.1", () => resolve(true));
    });
  }
  farm = worldfarm(["start", "--port", String(port), "--state", state]);
  for (
    const end = Date.now() + 90_000;
    !farm.output().includes("Ctrl-C stops the farm.");
    await new Promise((r) => setTimeout(r, 200))
  ) {
    if (Date.now() > end || farm.child.exitCode !== null) throw new Error(`the farm did not start:\n${farm.output()}`);
  }
}, 120_000);

afterAll(async () => {
  farm?.child.kill("SIGINT");
  await farm?.exited;
  await new Promise<void>((r) => (squatter ? squatter.close(() => r()) : r()));
  await rm(state, { recursive: true, force: true });
});

describe("worldfarm start on a port of its own", { timeout: 300_000 }, () => {
  it("moves the fake vLLM to a free port when the next one is taken, and says so", () => {
    const line = farm
      .output()
      .split("\n")
      .find((l) => l.startsWith("Policy: "));
    expect(line).toMatch(new RegExp(`at http://127\\.0\\.0\\.1:(\\d+)/v1; port ${port + 1} was taken`));
    expect(line).not.toContain(`:${port + 1}/`);
  });

  it("prints commands that all run as printed against this farm", async () => {
    const url = `http://127.0.0.1:${port}`;
    const commands = bannerCommands(farm.output());
    // Each CLI line carries the farm's URL: without it, it would go to the default farm.
    const cli = commands.filter((c) => c.startsWith("npx worldfarm"));
    expect(cli.map((c) => c.split(" --")[0])).toEqual([
      "npx worldfarm batch run",
      "npx worldfarm batch run",
      "npx worldfarm demo",
    ]);
    // A state folder of its own: the CLI cannot find the token there, so each line carries it.
    for (const c of cli) expect(c).toMatch(new RegExp(` --url ${url} --token \\S+$`));
    const curls = commands.filter((c) => c.startsWith("curl"));
    expect(curls).toHaveLength(3);
    const [list, create, call] = curls as [string, string, string];
    const envs = await sh(list);
    expect(JSON.parse(envs.stdout).envs.map((e: { name: string }) => e.name)).toEqual(["shop", "tracker"]);
    const created = JSON.parse((await sh(create)).stdout) as { callUrl: string; token: string };
    // The one line with blanks to fill in: the call URL and token the line before it printed, on the world's port.
    expect(new URL(created.callUrl).port).not.toBe(String(port));
    const called = await sh(call.replace("<callUrl>", created.callUrl).replace("<token>", created.token));
    expect(JSON.parse(called.stdout), called.stdout).toMatchObject({ ok: true });
    // One after another, as a user would: three batches at once on a loaded machine test the farm, not the banner.
    const runs: Run[] = [];
    for (const c of cli) {
      const run = await sh(c);
      expect(run.code, `${c}\n${run.stdout}\n${run.stderr}\nfarm:\n${farm.output()}`).toBe(0);
      runs.push(run);
    }
    const [oracle, openai, demo] = runs as [Run, Run, Run];
    expect(oracle.stdout).toMatch(/160 rollouts .*batch done/);
    expect(openai.stdout).toMatch(/80 rollouts .*batch done/);
    expect(demo.stdout).toMatch(/batch \w+: 156 rollouts against the fake policy/);
    // All three batches ran on this farm.
    const batches = await sh(`npx worldfarm batch list --json${cli[0]!.slice(cli[0]!.indexOf(" --url"))}`);
    expect(JSON.parse(batches.stdout)).toHaveLength(3);
  });

  it("refuses a second farm on the same state folder, naming the one running and --state", async () => {
    for (const command of ["start", "dev"]) {
      const second = worldfarm([command, "--port", String(await freePort()), "--state", state]);
      const code = await second.exited;
      expect(code, second.output()).toBe(1);
      expect(second.output()).toContain(
        `the state folder ${state} is in use by the farm at http://127.0.0.1:${port} (pid ${farm.child.pid}`,
      );
      expect(second.output()).toContain("--state DIR");
    }
    // The first farm's lock outlived the refusals.
    expect(existsSync(join(state, LOCK_FILE))).toBe(true);
  });
});

describe("the banner", { timeout: 60_000 }, () => {
  it("prints the same commands for dev as for start, pointed at the farm and its token unless the CLI finds them", async () => {
    const bundles = [await buildEnv(join(ROOT, "envs/shop"))];
    const token = { value: "t0ken", note: "", cliFindsIt: false };
    const facts = { url: "http://127.0.0.1:9001", bundles, policy: { url: "http://127.0.0.1:9002" }, token };
    const start = bannerCommands(startBanner({ ...facts, dev: false }));
    expect(bannerCommands(startBanner({ ...facts, dev: true }))).toEqual(start);
    const cli = start.filter((c) => c.startsWith("npx"));
    expect(cli).toHaveLength(3);
    for (const c of cli) expect(c).toMatch(/ --url http:\/\/127\.0\.0\.1:9001 --token t0ken$/);
    const saved = process.env.WORLDFARM_URL;
    delete process.env.WORLDFARM_URL;
    try {
      const atDefault = bannerCommands(
        startBanner({ ...facts, url: "http://127.0.0.1:8787", token: { ...token, cliFindsIt: true }, dev: false }),
      );
      expect(atDefault.filter((c) => c.includes("--url") || c.includes("--token"))).toEqual([]);
    } finally {
      if (saved !== undefined) process.env.WORLDFARM_URL = saved;
    }
  });
});
