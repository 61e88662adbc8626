import { mkdir, open, readFile, rm } from "node:fs/promises";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Who holds a state folder: enough to tell a live farm from one that was killed without cleaning up. */
interface Holder {
  pid: number;
  /** The process's start time as the kernel counts it, where it can be read: a reused pid is not the holder. */
  started?: string;
  url: string;
  since: string;
}

export const LOCK_FILE = "worldfarm.lock";

/** Two farms writing one set of SQLite files corrupt each other's state: the second is refused, naming the first. */
export class StateInUseError extends Error {
  override readonly name = "StateInUseError";
  readonly holder: Holder;

  constructor(dir: string, holder: Holder) {
    super(`the state folder ${dir} is in use by the farm at ${holder.url} (pid ${holder.pid}, since ${holder.since}): ` +
      `stop that farm, or give this one a folder of its own with --state DIR`);
    this.holder = holder;
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces); undefined off Linux. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function alive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: the pid exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const started = startTime(holder.pid);
  return holder.started === undefined || started === undefined || started === holder.started;
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<Holder>;
    return typeof parsed.pid === "number" && typeof parsed.url === "string" ? (parsed as Holder) : undefined;
  } catch {
    return undefined;
  }
}

export interface StateLock {
  release(): Promise<void>;
}

/**
 * Takes `dir` for this process, or throws StateInUseError while a live farm holds it. A lock left by a farm that
 * died (SIGKILL, a crash) is taken over: its pid is gone, or is now another process's.
 */
export async function lockState(dir: string, url: string): Promise<StateLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const started = startTime(process.pid);
  const mine: Holder = { pid: process.pid, ...(started ? { started } : {}), url, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const file = await open(path, "wx");
      await file.writeFile(JSON.stringify(mine) + "\n");
      await file.close();
      // Only our own lock: another farm may have taken over a folder we were wrongly judged dead in.
      const ours = () => {
        try {
          const holder = JSON.parse(readFileSync(path, "utf8")) as Holder;
          return holder.pid === mine.pid && holder.since === mine.since;
        } catch {
          return false;
        }
      };
      // Miniflare's own signal handler may end the process before `release` is awaited.
      const onExit = () => ours() && rmSync(path, { force: true });
      process.once("exit", onExit);
      return {
        async release() {
          process.off("exit", onExit);
          if (ours()) await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = await readHolder(path);
    // A holder still writing its lock reads as unreadable for a moment: look again before taking it over.
    if (holder === undefined && attempt === 0) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    if (holder && holder.pid !== process.pid && alive(holder)) throw new StateInUseError(dir, holder);
    await rm(path, { force: true });
  }
  throw new Error(`could not take the lock ${path}: other processes keep taking it`);
}
