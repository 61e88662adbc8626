import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CallVerdict } from "../../workers/shared/call-verdict.ts";
import { CALL_LINE, NOBODY } from "../../workers/env-host/sdk/running-call.ts";

/** What the supervisor needs of a world process (cli/farm/world-process.ts). */
export interface World {
  workerd(): number | undefined;
  cpuMs(): number | undefined;
  syscalls(): number | undefined;
  kill(): boolean;
  url(): Promise<URL>;
  dispose(): Promise<void>;
}

export interface SupervisorOptions {
  /** How many world processes at most; environments beyond that share the least crowded one. */
  cap: number;
  /**
   * How much CPU (ms) a world may burn while a health check waits unanswered before it counts as stuck. CPU, not
   * wall time: on a loaded machine a busy world answers late because it gets little CPU, and a spinning one gets
   * as little; what tells them apart is that the busy one answers within a little CPU, the stuck one never does.
   */
  stuckCpuMs: number;
  /**
   * How much CPU (ms) a world may burn while a health check waits unanswered even though it keeps making system
   * calls; 6 x stuckCpuMs if not given. Reading and writing is what a busy world does, but so is a query that spills
   * temporary B-trees to disk forever: past this bound it counts as stuck too.
   */
  busyCpuMs?: number;
  everyMs: number;
  heapMb: number;
  /** The secret the worlds' runtimes print with the rollout call whose code runs (sdk/running-call.ts). */
  callSecret?: string;
  /** Where the environment-to-world assignment is kept, so a restarted farm finds each world's state again. */
  assignmentsFile?: string;
  start(slot: number): Promise<World>;
  /** Called with each stop, for logs. */
  onStop?(slot: number, stop: Stop): void;
}

export interface Stop {
  at: number;
  code: "runaway" | "memory" | "world_crashed";
  message: string;
  /**
   * The token of the rollout call whose environment code was running when the supervisor stopped the runtime, or
   * when it ran out of memory.
   */
  culprit?: string;
  /**
   * The token of the call whose code was running when the runtime died otherwise: a crash may be that code's doing
   * or a kill from outside (the OOM killer, a person), so the call is neither blamed nor cleared, but run again alone.
   */
  suspect?: string;
}

interface Slot {
  world: Promise<World>;
  probe?: {
    since: number;
    /** CPU when the check was sent: what the world burned since counts against busyCpuMs. */
    cpuAtProbe: number | undefined;
    /** CPU when the world was last seen idle of system calls: what it burned since counts against stuckCpuMs. */
    cpuAtStart: number | undefined;
    syscallsAtLastCheck: number | undefined;
  };
  /** workerd's pid while it runs; a change means Miniflare started a fresh one. */
  pid?: number;
  stops: Stop[];
  restarts: number;
  /** The last time the workerd printed a V8 heap-limit abort. */
  oomAt?: number;
  /** The rollout call whose environment code the world's runtime last said it runs (sdk/running-call.ts). */
  running?: string;
  /** What `running` was when the heap-limit abort was printed: the call that ran out of memory. */
  runningAtOom?: string;
  /** The last check that found its workerd running. */
  aliveAt?: number;
  /** Set while this supervisor has killed the world and the fresh one has not answered yet. */
  killedAt?: number;
  /** Set while a death it did not cause is being judged: until it is dated, no lost call is told to come again. */
  judging?: boolean;
  ready: boolean;
}

/** The environment a world is assigned for: shard k of `name` is assigned as `name~k` (workers/env-host/worlds.ts). */
const environmentOf = (assigned: string) => assigned.split("~")[0]!;

/** How long a call waits for its world to come back; on a loaded 2-core machine a restart took over 10 s. */
const RESTART_WAIT_MS = 60_000;

const OOM = /heap limit|out of memory|Fatal JavaScript|Fatal process out of memory/i;

/** System calls between two checks (500 ms apart) that show a runtime at work rather than spinning. */
const BUSY_SYSCALLS = 20;
/** busyCpuMs in multiples of stuckCpuMs, when not given: a loaded world seen answering after 5.1 s of CPU has 6x room. */
const BUSY_FACTOR = 6;

/**
 * Starts an environment's world process on first use, and stops one that is stuck: a health check still
 * unanswered after the process burned stuckCpuMs of CPU is code spinning inside the runtime (nothing in workerd
 * can interrupt it) and making no system call. A world that is busy answers after a little CPU or keeps reading and
 * writing while it works through its queue, and one starved of CPU burns none, so none of them is touched, however
 * late it answers. A world that dies by itself (an out-of-memory abort) is restarted by Miniflare; either way
 * the supervisor records why, so the call that caused it is answered with the limit it ran into.
 */
export class Supervisor {
  private readonly slots = new Map<number, Slot>();
  private readonly assignments: Record<string, number>;
  private readonly timer: NodeJS.Timeout;
  private readonly options: SupervisorOptions;

  constructor(options: SupervisorOptions) {
    this.options = options;
    const file = options.assignmentsFile;
    this.assignments =
      file && existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, number>) : {};
    this.timer = setInterval(() => this.tick(), options.everyMs);
    this.timer.unref();
    this.prewarm();
  }

  /**
   * Keeps the next free world starting before any environment asks for it: a world takes seconds to start on a
   * loaded machine, which the first upload of an environment would otherwise wait for.
   */
  private prewarm(): void {
    const used = Object.values(this.assignments);
    const next = Math.max(0, ...used) + 1;
    if (next <= this.options.cap && !this.slots.has(next)) void this.world(next).catch(() => undefined);
  }

  /** The world slot of an environment, its process started and answering. */
  async assign(env: string): Promise<number> {
    let slot = this.assignments[env];
    if (slot === undefined) {
      const used = Object.values(this.assignments);
      if (new Set(used).size < this.options.cap) slot = Math.max(0, ...used) + 1;
      else {
        // A shard on a world its environment already runs in would add no core: the least loaded of the others.
        const siblings = new Set(
          Object.entries(this.assignments)
            .filter(([name]) => environmentOf(name) === environmentOf(env))
            .map(([, s]) => s),
        );
        const load = new Map<number, number>();
        for (const s of used) load.set(s, (load.get(s) ?? 0) + 1);
        const rank = (s: number) => (siblings.has(s) ? 1 : 0);
        slot = [...load].sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1] || a[0] - b[0])[0]![0];
      }
      this.assignments[env] = slot;
      this.save();
      this.prewarm();
    }
    await this.world(slot);
    return slot;
  }

  private save(): void {
    const file = this.options.assignmentsFile;
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(this.assignments, null, 2));
  }

  private world(slot: number): Promise<World> {
    let s = this.slots.get(slot);
    if (!s) {
      const world = this.options.start(slot);
      s = { world, stops: [], restarts: 0, ready: true };
      this.slots.set(slot, s);
      world.then(
        (w) => (s!.pid = w.workerd()),
        () => this.slots.delete(slot),
      );
    }
    return s.world;
  }

  /** Why a call into a world that started at `since` lost its connection, or that it should be sent again. */
  async lost(slot: number, since: number): Promise<{ retry: true } | ({ retry: false } & Omit<Stop, "at">)> {
    const s = this.slots.get(slot);
    if (!s) return { retry: true };
    const deadline = Date.now() + RESTART_WAIT_MS;
    while (Date.now() < deadline) {
      await this.check(slot, s);
      // Only a stop after the call began is its fault: a client that sends its next call the moment the last one
      // failed must find the world coming back, not be blamed too. (`since` is read right after an await, so
      // workerd's clock, which moves only with I/O, is current.)
      const stop = s.stops.findLast((x) => x.at > since);
      if (stop) return { retry: false, code: stop.code, message: stop.message };
      if (s.ready && s.killedAt === undefined && !s.judging) return { retry: true };
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      retry: false,
      code: "world_crashed",
      message: `the environment's runtime went away and did not come back within ${RESTART_WAIT_MS / 1000} s`,
    };
  }

  /** The counts the containment tests read: a world restarted is one whose calls were all cut. */
  restarts(): Record<number, number> {
    return Object.fromEntries([...this.slots].map(([slot, s]) => [slot, s.restarts]));
  }

  /** A world's own Miniflare entry, for measuring what serving its traffic there would save. */
  async worldUrl(slot: number): Promise<URL | undefined> {
    const s = this.slots.get(slot);
    return s ? (await s.world).url() : undefined;
  }

  slotOf(env: string): number | undefined {
    return this.assignments[env];
  }

  /**
   * Lines the world's workerd printed: an out-of-memory abort is told apart from a kill by these, and the call whose
   * code runs by the lines its runtime prints with the farm's secret. Answers whether the line was one of those,
   * which are not for the farm's log.
   */
  log(slot: number, message: string): boolean {
    const s = this.slots.get(slot);
    const secret = this.options.callSecret;
    if (secret !== undefined && message.startsWith(`${CALL_LINE} ${secret} `)) {
      const token = message.slice(CALL_LINE.length + secret.length + 2);
      if (s) s.running = token === NOBODY ? undefined : token;
      return true;
    }
    if (s && OOM.test(message)) {
      s.oomAt = Date.now();
      s.runningAtOom = s.running;
    }
    return false;
  }

  /**
   * Whose doing the stop was that cut the call `token` names: the call's own (its code was running), another's, or
   * unknown (no stop recorded, as after a farm restart). Asked by a rollout from the runtime that came back, so the
   * stop is waited for until the supervisor has dated it.
   */
  async verdict(slot: number, token: string): Promise<CallVerdict> {
    const s = this.slots.get(slot);
    if (!s) return { verdict: "unknown" };
    const deadline = Date.now() + RESTART_WAIT_MS;
    while (Date.now() < deadline) {
      await this.check(slot, s);
      if (s.ready && s.killedAt === undefined && !s.judging) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const stop = s.stops.findLast((x) => x.culprit === token);
    if (stop) return { verdict: "culprit", code: stop.code, message: stop.message };
    if (s.stops.length === 0 || s.stops.some((x) => x.suspect === token)) return { verdict: "unknown" };
    return { verdict: "innocent" };
  }

  private stop(slot: number, s: Slot, stop: Stop): void {
    s.stops.push(stop);
    if (s.stops.length > 20) s.stops.shift();
    s.restarts += 1;
    s.ready = false;
    s.probe = undefined;
    this.options.onStop?.(slot, stop);
  }

  private tick(): void {
    for (const [slot, s] of this.slots) void this.check(slot, s);
  }

  private async check(slot: number, s: Slot): Promise<void> {
    let world: World;
    try {
      world = await s.world;
    } catch {
      return;
    }
    const pid = world.workerd();
    if (s.pid !== undefined && pid !== s.pid && s.killedAt === undefined) {
      // Its workerd died by itself. The abort's last words may still be in the pipe: read them before judging.
      s.pid = undefined;
      s.ready = false;
      s.judging = true;
      // Read before waiting: checks running meanwhile see the fresh process alive and move aliveAt past the death,
      // and the fresh runtime's calls say what they run.
      const aliveAt = s.aliveAt;
      const running = s.running;
      s.running = undefined;
      await new Promise((r) => setTimeout(r, 300));
      const memory = s.oomAt !== undefined && Date.now() - s.oomAt < 30_000;
      // Dated by the first sign of death, not by when it was noticed: a call that began after the abort only found
      // the world down, and is sent again rather than blamed for it.
      const at = memory ? s.oomAt! : (aliveAt ?? Date.now());
      const culprit = memory ? s.runningAtOom : undefined;
      const suspect = memory ? undefined : running;
      s.oomAt = undefined;
      s.runningAtOom = undefined;
      s.judging = false;
      this.stop(slot, s, {
        at,
        ...(culprit ? { culprit } : {}),
        ...(suspect ? { suspect } : {}),
        code: memory ? "memory" : "world_crashed",
        message: memory
          ? `the environment's code ran out of memory (an isolate may hold ${this.options.heapMb} MB): its runtime aborted and was restarted`
          : "the environment's runtime crashed and was restarted",
      });
      return;
    }
    s.pid = pid;
    if (pid === undefined) return;
    s.aliveAt = Date.now();
    const now = Date.now();
    if (!s.probe) {
      const cpu = world.cpuMs();
      const probe = { since: now, cpuAtProbe: cpu, cpuAtStart: cpu, syscallsAtLastCheck: world.syscalls() };
      s.probe = probe;
      void world
        .url()
        .then((url) => fetch(new URL("/healthz", url)))
        .then(
          (res) => {
            void res.body?.cancel();
            if (s.probe === probe) s.probe = undefined;
            if (res.ok) {
              s.ready = true;
              s.killedAt = undefined;
            }
          },
          () => {
            if (s.probe === probe) s.probe = undefined;
          },
        );
      return;
    }
    const cpu = world.cpuMs();
    if (cpu === undefined || s.probe.cpuAtStart === undefined || s.probe.cpuAtProbe === undefined) return;
    // A runtime with thousands of rollouts queued may take seconds of CPU to reach a health check, but it reads and
    // writes sockets and files all the while; code spinning inside it makes no system call at all. Measured: a
    // 1,024-rollout batch on a loaded machine had a world burn 5.1 s of CPU before answering, and was stopped.
    const syscalls = world.syscalls();
    const working =
      syscalls !== undefined &&
      s.probe.syscallsAtLastCheck !== undefined &&
      syscalls - s.probe.syscallsAtLastCheck > BUSY_SYSCALLS;
    s.probe.syscallsAtLastCheck = syscalls;
    const waited = ((now - s.probe.since) / 1000).toFixed(1);
    const busyCpuMs = this.options.busyCpuMs ?? BUSY_FACTOR * this.options.stuckCpuMs;
    const unanswered = cpu - s.probe.cpuAtProbe;
    if (working) {
      s.probe.cpuAtStart = cpu;
      if (unanswered < busyCpuMs) return;
      this.kill(
        slot,
        s,
        world,
        now,
        `the environment's code ran ${(unanswered / 1000).toFixed(1)} s of CPU (over ${waited} s) reading and writing (a query spilling to disk?) without its runtime answering, past the limit of ${busyCpuMs / 1000} s: it was stopped and its runtime restarted`,
      );
      return;
    }
    const burnt = cpu - s.probe.cpuAtStart;
    if (burnt < this.options.stuckCpuMs) return;
    this.kill(
      slot,
      s,
      world,
      now,
      `the environment's code ran ${(burnt / 1000).toFixed(1)} s of CPU (over ${waited} s) without yielding, past the limit of ${this.options.stuckCpuMs / 1000} s: it was stopped and its runtime restarted`,
    );
  }

  private kill(slot: number, s: Slot, world: World, now: number, message: string): void {
    s.killedAt = now;
    const culprit = s.running;
    s.running = undefined;
    this.stop(slot, s, { at: now, code: "runaway", message, ...(culprit ? { culprit } : {}) });
    world.kill();
  }

  /** The WORLDS service the control process calls: `POST /assign?env=`, `POST /lost?slot=&since=`. */
  async handle(request: Request): Promise<{ status: number; body: unknown }> {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/assign")
        return { status: 200, body: { slot: await this.assign(url.searchParams.get("env") ?? "") } };
      if (url.pathname === "/lost") {
        return {
          status: 200,
          body: await this.lost(Number(url.searchParams.get("slot")), Number(url.searchParams.get("since"))),
        };
      }
      return { status: 404, body: { error: { code: "not_found", message: url.pathname } } };
    } catch (err) {
      return {
        status: 503,
        body: {
          error: {
            code: "world_unavailable",
            message: `the environment's runtime could not start: ${err instanceof Error ? err.message : String(err)}`,
          },
        },
      };
    }
  }

  async dispose(): Promise<void> {
    clearInterval(this.timer);
    const worlds = [...this.slots.values()].map((s) => s.world);
    this.slots.clear();
    await Promise.all(worlds.map(async (w) => (await w.catch(() => undefined))?.dispose().catch(() => undefined)));
  }
}
