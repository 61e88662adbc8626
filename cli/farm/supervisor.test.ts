import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "./free-port.ts";
import { Supervisor, type SupervisorOptions, type World } from "./supervisor.ts";
import { cpuMsOf, syscallsOf } from "./world-process.ts";

/**
 * The supervisor's decisions against real processes, each standing in for a world's workerd: one that answers, one
 * that spins making no system call, one that writes without pause, one that dies by itself. Every wait is for a
 * state (a stop recorded, CPU burnt as /proc counts it), never for a length of time.
 */

type Mode = "answer" | "spin" | "write" | "busy";

/**
 * Each mode's HTTP server answers /healthz while its event loop runs; "die" on stdin ends it as an abort would.
 * "die-oom" prints V8's last words a moment before it exits, as workerd does while it aborts: written and exited at
 * once, the exit could reach this process before the words did, and the death would be dated after itself.
 */
const CHILD = `
const mode = process.argv[1];
const server = require("node:http").createServer((req, res) => { process.stdout.write("request\\n"); res.end("ok"); });
process.stdin.on("data", (d) => {
  if (String(d).includes("die-oom")) { process.stderr.write("Fatal JavaScript out of memory: Reached heap limit\\n", () => setTimeout(() => process.exit(134), 200)); }
  else if (String(d).includes("die")) process.exit(1);
});
server.listen(Number(process.argv[2]), "127.0.0.1", () => {
  process.stdout.write("ready\\n", () => {
    if (mode === "spin") for (;;) {}
    if (mode === "write") { const fd = require("node:fs").openSync("/dev/null", "w"); for (;;) require("node:fs").writeSync(fd, "x"); }
    if (mode === "busy") { const work = () => { const end = performance.now() + 20; while (performance.now() < end) {} setTimeout(work, 5); }; work(); }
  });
});`;

/** A world whose "workerd" is a Node process; like Miniflare, it starts a fresh answering one when its process dies. */
class ChildWorld implements World {
  private child!: ChildProcess;
  private port!: number;
  private disposed = false;
  exits: number[] = [];
  /** Health checks the current process has answered. */
  requests = 0;

  private mode: Mode;

  private constructor(mode: Mode) {
    this.mode = mode;
  }

  static async start(mode: Mode): Promise<ChildWorld> {
    const world = new ChildWorld(mode);
    await world.spawn();
    return world;
  }

  private async spawn(): Promise<void> {
    this.port = await freePort();
    const child = spawn(process.execPath, ["-e", CHILD, this.mode, String(this.port)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    this.requests = 0;
    child.stderr!.on("data", (d: Buffer) => this.onLog?.(String(d)));
    child.stdout!.on("data", (d: Buffer) => (this.requests += String(d).split("request").length - 1));
    child.once("exit", () => {
      this.exits.push(Date.now());
      this.mode = "answer";
      // A process killed by dispose() while starting rejects a spawn nobody waits for.
      if (!this.disposed) this.spawn().catch(() => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once("data", () => resolve());
      child.once("exit", () => reject(new Error("the child exited before it was ready")));
    });
  }

  onLog?: (line: string) => void;

  pid(): number | undefined {
    return this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  workerd(): number | undefined {
    return this.pid();
  }

  cpuMs(): number | undefined {
    const pid = this.pid();
    return pid === undefined ? undefined : cpuMsOf(pid);
  }

  syscalls(): number | undefined {
    const pid = this.pid();
    return pid === undefined ? undefined : syscallsOf(pid);
  }

  kill(): boolean {
    return this.child.kill("SIGKILL");
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  async url(): Promise<URL> {
    return new URL(`http://127.0.0.1:${this.port}`);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.child.kill("SIGKILL");
  }
}

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.dispose()));
});

async function supervise(
  mode: Mode,
  options: Partial<SupervisorOptions> = {},
): Promise<{ supervisor: Supervisor; world: ChildWorld }> {
  const world = await ChildWorld.start(mode);
  const supervisor: Supervisor = new Supervisor({
    cap: 1,
    stuckCpuMs: 300,
    everyMs: 50,
    heapMb: 64,
    start: async () => world,
    ...options,
  });
  world.onLog = (line) => supervisor.log(1, line);
  supervisors.push(supervisor);
  expect(await supervisor.assign("env")).toBe(1);
  return { supervisor, world };
}

async function until<T>(read: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves once the world's current process has burnt `ms` of CPU. */
const burnt = (world: ChildWorld, ms: number) => until(() => ((world.cpuMs() ?? 0) >= ms ? true : undefined));
const stopped = (supervisor: Supervisor) => until(() => (supervisor.restarts()[1]! > 0 ? true : undefined));

describe("the supervisor tells busy from stuck", () => {
  it("stops a world that spins without a system call, blames calls begun before the stop and resends later ones", async () => {
    const before = Date.now() - 1;
    const { supervisor, world } = await supervise("spin");
    await stopped(supervisor);
    const after = Date.now();
    expect(await supervisor.lost(1, before)).toMatchObject({
      retry: false,
      code: "runaway",
      message: expect.stringMatching(/without yielding, past the limit of 0.3 s/),
    });
    // Begun after the stop, a call only found the world down: it is sent again once the fresh process answers.
    expect(await supervisor.lost(1, after)).toEqual({ retry: true });
    expect(world.exits).toHaveLength(1);
  }, 60_000);

  it("leaves a world that answers alone, however much CPU it burns", async () => {
    const { supervisor, world } = await supervise("busy", { stuckCpuMs: 500 });
    await burnt(world, 1_500);
    expect(supervisor.restarts()[1]).toBe(0);
  }, 60_000);

  it("counts a world that keeps writing as busy up to busyCpuMs without an answer, then stops it", async () => {
    const { supervisor, world } = await supervise("write", { stuckCpuMs: 200, busyCpuMs: 1_200 });
    // Three times the stuck budget burnt with the health check unanswered: spinning, it would have been stopped.
    await burnt(world, 600);
    expect(supervisor.restarts()[1]).toBe(0);
    await stopped(supervisor);
    expect(await supervisor.lost(1, 0)).toMatchObject({
      retry: false,
      code: "runaway",
      message: expect.stringMatching(/reading and writing .* past the limit of 1.2 s/),
    });
  }, 60_000);

  it("dates a world's own death by its first sign: calls begun before it are blamed, calls begun after are resent", async () => {
    const { supervisor, world } = await supervise("answer");
    const before = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    world.send("die-oom");
    await until(() => world.exits[0]);
    // A call that began after the abort but before the supervisor noticed it.
    const after = world.exits[0]! + 1;
    const [late, early] = await Promise.all([supervisor.lost(1, after), supervisor.lost(1, before)]);
    expect(late).toEqual({ retry: true });
    expect(early).toMatchObject({ retry: false, code: "memory" });

    const beforeCrash = Date.now();
    // Without an abort message the death is dated by the last check that saw the process alive: wait for a check
    // that began after beforeCrash (the second health check from now; the first may have been sent before).
    const answered = world.requests;
    await until(() => (world.requests >= answered + 2 ? true : undefined));
    world.send("die");
    await until(() => world.exits[1]);
    const afterCrash = world.exits[1]! + 1;
    const [lateCrash, earlyCrash] = await Promise.all([
      supervisor.lost(1, afterCrash),
      supervisor.lost(1, beforeCrash),
    ]);
    expect(lateCrash).toEqual({ retry: true });
    expect(earlyCrash).toMatchObject({ retry: false, code: "world_crashed" });
    expect(supervisor.restarts()[1]).toBe(2);
  }, 60_000);
});

describe("the supervisor names the call that stopped a world", () => {
  const SECRET = "s3cret";
  const line = (token: string) => `worldfarm-call ${SECRET} ${token}`;

  it("blames the rollout call its runtime last said runs, and no other, for a runaway", async () => {
    const { supervisor } = await supervise("spin", { callSecret: SECRET });
    // What a runtime prints: t1 ran and ended, t2 runs now. A line without the secret is environment code's own
    // print, trying to blame another call: it is left for the log and changes nothing.
    for (const token of ["t1", "-", "t2"]) expect(supervisor.log(1, line(token))).toBe(true);
    expect(supervisor.log(1, "worldfarm-call forged t3")).toBe(false);
    expect(supervisor.log(1, `worldfarm-call ${SECRET}x t3`)).toBe(false);
    await stopped(supervisor);
    expect(await supervisor.verdict(1, "t2")).toMatchObject({
      verdict: "culprit",
      code: "runaway",
      message: expect.stringMatching(/without yielding, past the limit of 0.3 s/),
    });
    expect(await supervisor.verdict(1, "t1")).toEqual({ verdict: "innocent" });
    expect(await supervisor.verdict(1, "t3")).toEqual({ verdict: "innocent" });
  }, 60_000);

  it("blames the call that ran out of memory, suspects the one a crash cut; knows nothing before any stop", async () => {
    const { supervisor, world } = await supervise("answer", { callSecret: SECRET });
    supervisor.log(1, line("t4"));
    expect(await supervisor.verdict(1, "t4")).toEqual({ verdict: "unknown" });
    supervisor.log(1, line("t5"));
    world.send("die-oom");
    await until(() => world.exits[0]);
    expect(await supervisor.verdict(1, "t5")).toMatchObject({ verdict: "culprit", code: "memory" });
    expect(await supervisor.verdict(1, "t4")).toEqual({ verdict: "innocent" });
    // Past the stop, what the fresh runtime runs is its own. A crash (or a kill from outside) neither blames t6 nor
    // clears it: it is run again alone. t5 stays the culprit of the abort only.
    supervisor.log(1, line("t6"));
    world.send("die");
    await until(() => world.exits[1]);
    expect(await supervisor.verdict(1, "t6")).toEqual({ verdict: "unknown" });
    expect(await supervisor.verdict(1, "t5")).toMatchObject({ verdict: "culprit", code: "memory" });
    expect(supervisor.restarts()[1]).toBe(2);
  }, 60_000);
});

describe("the supervisor places environments on worlds", () => {
  it("puts a shard of an environment on a world the environment does not run in, once every world is in use", async () => {
    const supervisor = new Supervisor({
      cap: 2,
      stuckCpuMs: 300,
      everyMs: 50,
      heapMb: 64,
      start: () => ChildWorld.start("answer"),
    });
    supervisors.push(supervisor);
    expect(await supervisor.assign("shop")).toBe(1);
    expect(await supervisor.assign("tracker")).toBe(2);
    // Both worlds are in use and as loaded: each shard goes where its environment is not.
    expect(await supervisor.assign("shop~1")).toBe(2);
    expect(await supervisor.assign("tracker~1")).toBe(1);
    expect(await supervisor.assign("notes")).toBe(1);
    expect(await supervisor.assign("notes~1")).toBe(2);
  }, 30_000);
});
