import { link, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
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
    super(
      `the state folder ${dir} is in use by the farm at ${holder.url} (pid ${holder.pid}, since ${holder.since}): ` +
        `stop that farm, or give this one a folder of its own with --state DIR`,
    );
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
  // Written whole beside the lock, then linked into place: link fails if the lock exists, so no farm ever reads a
  // half-written lock, and of two farms racing for a free folder exactly one gets it.
  const draft = `${path}.${process.pid}`;
  await writeFile(draft, JSON.stringify(mine) + "\n");
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(draft, path);
        return held(path, mine);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = await readHolder(path);
      if (holder && holder.pid !== process.pid && alive(holder)) throw new StateInUseError(dir, holder);
      await takeOver(path, holder);
    }
  } finally {
    await rm(draft, { force: true });
  }
  throw new Error(`could not take the lock ${path}: other processes keep taking it`);
}

/**
 * Moves a dead farm's lock out of the way. Two farms may judge the same lock dead at once: each moves the lock
 * aside under a name of its own (a rename is atomic) and deletes it only if it is still the lock it judged, so
 * neither deletes a lock the other has just taken; a live one moved by mistake is put back.
 */
async function takeOver(path: string, judged: Holder | undefined): Promise<void> {
  const aside = `${path}.${process.pid}.dead`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  const moved = await readHolder(aside);
  const same = judged === undefined ? moved === undefined : moved?.pid === judged.pid && moved.since === judged.since;
  if (!same) await link(aside, path).catch(() => {});
  await rm(aside, { force: true });
}

function held(path: string, mine: Holder): StateLock {
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
}
