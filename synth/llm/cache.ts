import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Responses on disk keyed by the hash of the request that produced them; the API key is never part of it. */
export class ResponseCache {
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  static key(request: unknown): string {
    return createHash("sha256").update(JSON.stringify(request)).digest("hex");
  }

  private file(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<unknown | undefined> {
    try {
      return JSON.parse(await readFile(this.file(key), "utf8"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  /** Written to a temporary name first, so a crash never leaves half a response that a rerun would trust. */
  async set(key: string, value: unknown): Promise<void> {
    const file = this.file(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, file);
  }
}
