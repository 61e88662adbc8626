import { readdirSync, readFileSync } from "node:fs";
import type { Miniflare } from "miniflare";

/** workerd's CPU clock: /proc counts user and system time in ticks of 1/100 s on Linux. */
const TICK_MS = 10;

function children(): number[] {
  const out: number[] = [];
  for (const task of readdirSync("/proc/self/task")) {
    try {
      out.push(...readFileSync(`/proc/self/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number));
    } catch {
      // a thread that ended while we looked
    }
  }
  return out;
}

/** The workerd processes this Node process started whose environment carries `tag` (`WORLDFARM_WORLD=...`). */
export function taggedChildren(prefix: string): number[] {
  return children().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, "utf8")
        .split("\0")
        .some((v) => v.startsWith(prefix));
    } catch {
      return false;
    }
  });
}

/** Read and write system calls a process has made so far (sockets and files alike), from /proc/<pid>/io. */
export function syscallsOf(pid: number): number | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, "utf8");
    return Number(io.match(/^syscr: (\d+)$/m)?.[1]) + Number(io.match(/^syscw: (\d+)$/m)?.[1]);
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, in ms. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

function tagged(pid: number, tag: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(tag);
  } catch {
    return false;
  }
}

/**
 * One world: a Miniflare whose workerd process hosts environment code. Miniflare restarts its workerd by itself
 * when the process dies (killed or aborted), on the same ports, and registers it again; so stopping a world is
 * killing its workerd, found among this process's children by a tag in its environment.
 */
export class WorldProcess {
  private pid: number | undefined;
  readonly slot: number;
  readonly mf: Miniflare;
  /** `WORLDFARM_WORLD=<farm>-<slot>`, set in workerd's environment through unsafeRuntimeEnv. */
  private readonly tag: string;
  /** The world Worker's own socket (no Miniflare entry Worker in front), kept across Miniflare's restarts. */
  private readonly direct: URL;

  constructor(slot: number, mf: Miniflare, tag: string, direct: URL) {
    this.slot = slot;
    this.mf = mf;
    this.tag = tag;
    this.direct = direct;
  }

  /** The workerd pid now (it changes on every restart), or undefined while there is none. */
  workerd(): number | undefined {
    if (this.pid !== undefined && tagged(this.pid, this.tag)) return this.pid;
    this.pid = children().find((pid) => tagged(pid, this.tag));
    return this.pid;
  }

  /** Milliseconds of CPU the current workerd has used, or undefined when it is gone. */
  cpuMs(): number | undefined {
    const pid = this.workerd();
    return pid === undefined ? undefined : cpuMsOf(pid);
  }

  /** Read and write system calls the current workerd has made, or undefined when it is gone. */
  syscalls(): number | undefined {
    const pid = this.workerd();
    return pid === undefined ? undefined : syscallsOf(pid);
  }

  /** Stops the runtime at once; Miniflare starts a fresh one on the same folder and ports. */
  kill(): boolean {
    const pid = this.workerd();
    if (pid === undefined) return false;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      return false;
    }
    this.pid = undefined;
    return true;
  }

  async url(): Promise<URL> {
    return this.direct;
  }

  dispose(): Promise<void> {
    return this.mf.dispose();
  }
}
