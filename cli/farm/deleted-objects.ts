import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { removeIfEmpty } from "./empty-objects.ts";

/**
 * How long an object known deleted is waited for: workerd keeps a deleted object's database open until the object
 * is let go; past this, the next farm start's sweep removes what is left.
 */
const GIVE_UP_MS = 10 * 60_000;

const OBJECT_ID = /^[0-9a-f]{64}$/;

/**
 * Removes, while the farm runs, the files local workerd leaves of objects whose storage was deleted (a deleted
 * batch's Rollout objects): an empty one-page database and a facet list each. Only objects it is told were deleted
 * are touched, never one merely found empty, and each only once workerd has closed it (no write-ahead log left), so
 * no live object loses a file. The farm start's sweep (empty-objects.ts) remains for what this misses.
 */
export class DeletedObjects {
  private readonly pending = new Map<string, { slot: number; since: number }>();
  private readonly timer: NodeJS.Timeout;
  private sweeping: Promise<unknown> = Promise.resolve();
  /** Objects and files removed so far, for tests and benchmarks. */
  readonly removed = { objects: 0, files: 0, bytes: 0 };

  private readonly worldDir: (slot: number) => string;

  constructor(worldDir: (slot: number) => string, everyMs = 2_000) {
    this.worldDir = worldDir;
    this.timer = setInterval(() => void this.sweep(), everyMs);
    this.timer.unref();
  }

  /** Objects of world `slot` whose storage was deleted. */
  add(slot: number, ids: readonly string[]): void {
    const now = Date.now();
    for (const id of ids) this.pending.set(id, { slot, since: now });
  }

  /** Removes every pending object that workerd has closed; forgets those gone or waited for too long. */
  sweep(): Promise<unknown> {
    this.sweeping = this.sweeping.then(
      () => this.sweepOnce(),
      () => this.sweepOnce(),
    );
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const folders = new Map<number, string[]>();
    for (const [id, { slot, since }] of [...this.pending]) {
      let dirs = folders.get(slot);
      if (!dirs) {
        const root = join(this.worldDir(slot), "do");
        dirs = (await readdir(root, { withFileTypes: true }).catch(() => []))
          .filter((d) => d.isDirectory())
          .map((d) => join(root, d.name));
        folders.set(slot, dirs);
      }
      const dir = dirs.find((d) => existsSync(join(d, `${id}.sqlite`)));
      if (!dir) {
        this.pending.delete(id);
        continue;
      }
      const gone = await removeIfEmpty(dir, id);
      if (gone) {
        this.pending.delete(id);
        this.removed.objects += 1;
        this.removed.files += gone.files;
        this.removed.bytes += gone.bytes;
      } else if (Date.now() - since > GIVE_UP_MS) this.pending.delete(id);
    }
  }

  /** `POST /deleted` from the control process: `{"slot": N, "ids": [64 hex digits, ...]}`. */
  async handle(request: Request): Promise<{ status: number; body: unknown }> {
    const body = (await request.json().catch(() => null)) as { slot?: unknown; ids?: unknown } | null;
    const { slot, ids } = body ?? {};
    if (
      !Number.isInteger(slot) ||
      (slot as number) < 1 ||
      !Array.isArray(ids) ||
      !ids.every((id) => typeof id === "string" && OBJECT_ID.test(id))
    ) {
      return {
        status: 400,
        body: {
          error: { code: "invalid_request", message: 'expected {"slot": a world number, "ids": [Durable Object ids]}' },
        },
      };
    }
    this.add(slot as number, ids as string[]);
    return { status: 202, body: { pending: this.pending.size } };
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
