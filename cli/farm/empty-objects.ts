import { open, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";

const OBJECT_DB = /^([0-9a-f]{64})\.sqlite$/;

/** Pages in a SQLite file, from its header's page size; 0 for a file too short to have one. */
async function pageCount(path: string, size: number): Promise<number> {
  if (size < 100) return 0;
  const file = await open(path, "r");
  try {
    const header = Buffer.alloc(2);
    await file.read(header, 0, 2, 16);
    const pageSize = header.readUInt16BE(0) === 1 ? 65_536 : header.readUInt16BE(0);
    return pageSize ? Math.ceil(size / pageSize) : 0;
  } finally {
    await file.close();
  }
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/**
 * Removes one object's files from its namespace folder if its database is empty and closed: one page, no write-ahead
 * log (an object workerd has open keeps one). Its facets (id.N.sqlite...) and facet list go with it: a deleted
 * object's facets were deleted first. Answers the files removed, or null when the object is not empty or not closed.
 */
export async function removeIfEmpty(
  dir: string,
  id: string,
  names?: string[],
): Promise<{ files: number; bytes: number } | null> {
  const db = join(dir, `${id}.sqlite`);
  const size = await sizeOf(db);
  if ((await sizeOf(`${db}-wal`)) > 0 || (await pageCount(db, size)) > 1) return null;
  const removed = { files: 0, bytes: 0 };
  for (const own of (names ?? (await readdir(dir).catch(() => []))).filter((n) => n.startsWith(`${id}.`))) {
    removed.bytes += await sizeOf(join(dir, own));
    await rm(join(dir, own), { force: true });
    removed.files += 1;
  }
  return removed;
}

/**
 * Removes what local workerd leaves of deleted Durable Objects. Deployed, an object whose storage was deleted is
 * gone; locally deleteAll leaves an empty one-page database (and a facet list, if it had facets) for every object,
 * ~8 KB on disk and two files each: 10,000 deleted rollouts would keep 20,000 files. A database of one page and no
 * write-ahead log has no tables, so nothing is lost; run only while workerd is stopped, when no object has it open
 * (deleted-objects.ts removes the objects known deleted while the farm runs).
 */
export async function removeEmptyObjects(
  persistDir: string,
): Promise<{ objects: number; files: number; bytes: number }> {
  const removed = { objects: 0, files: 0, bytes: 0 };
  const root = join(persistDir, "do");
  const namespaces = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const ns of namespaces.filter((d) => d.isDirectory())) {
    const dir = join(root, ns.name);
    const names = await readdir(dir);
    for (const name of names) {
      const id = OBJECT_DB.exec(name)?.[1];
      if (!id) continue;
      const gone = await removeIfEmpty(dir, id, names);
      if (!gone) continue;
      removed.files += gone.files;
      removed.bytes += gone.bytes;
      removed.objects += 1;
    }
  }
  return removed;
}
