import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DeletedObjects } from "./deleted-objects.ts";

const id = (n: number) => n.toString(16).padStart(64, "0");

let root: string;
let ns: string;
let sweeper: DeletedObjects;

/** An object's database as local workerd leaves it: empty after deleteAll, or holding a table. */
function database(name: string, table: boolean): void {
  const db = new DatabaseSync(join(ns, `${name}.sqlite`));
  db.exec("PRAGMA page_size = 4096");
  db.exec(table ? "CREATE TABLE t (x); INSERT INTO t VALUES (1)" : "VACUUM");
  db.close();
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "worldfarm-deleted-"));
  ns = join(root, "worlds", "1", "do", "world-1-Rollout");
  await mkdir(ns, { recursive: true });
  sweeper = new DeletedObjects((slot) => join(root, "worlds", String(slot)), 60_000);
});

afterEach(async () => {
  sweeper.dispose();
  await rm(root, { recursive: true, force: true });
});

describe("DeletedObjects", () => {
  it("removes an object it was told was deleted once its database is empty and closed, facets included; nothing else", async () => {
    database(id(1), false);
    await writeFile(join(ns, `${id(1)}.facets`), "live\ninitial\n");
    database(id(2), false); // empty, but nobody said it was deleted
    database(id(3), true); // said deleted, but it still holds a table: never removed
    database(id(4), false);
    await writeFile(join(ns, `${id(4)}.sqlite-wal`), "open"); // workerd still has it open
    sweeper.add(1, [id(1), id(3), id(4)]);
    await sweeper.sweep();
    expect((await readdir(ns)).sort()).toEqual([
      `${id(2)}.sqlite`,
      `${id(3)}.sqlite`,
      `${id(4)}.sqlite`,
      `${id(4)}.sqlite-wal`,
    ]);
    expect(sweeper.removed).toMatchObject({ objects: 1, files: 2 });

    // Once workerd lets it go (its write-ahead log gone), the next sweep takes it.
    await rm(join(ns, `${id(4)}.sqlite-wal`));
    await sweeper.sweep();
    expect((await readdir(ns)).sort()).toEqual([`${id(2)}.sqlite`, `${id(3)}.sqlite`]);
  });

  it.each([
    ["no body", undefined],
    ["a slot that is no world", { slot: 0, ids: [id(1)] }],
    ["an id that is not a Durable Object id", { slot: 1, ids: ["../../admin-token"] }],
    ["ids that are not a list", { slot: 1, ids: id(1) }],
  ])("refuses a report with %s, touching nothing", async (_what, body) => {
    database(id(1), false);
    const answer = await sweeper.handle(
      new Request("http://worlds/deleted", {
        method: "POST",
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    expect(answer).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    await sweeper.sweep();
    expect(await readdir(ns)).toEqual([`${id(1)}.sqlite`]);
  });

  it("accepts a report from control and sweeps it", async () => {
    database(id(5), false);
    const answer = await sweeper.handle(
      new Request("http://worlds/deleted", { method: "POST", body: JSON.stringify({ slot: 1, ids: [id(5)] }) }),
    );
    expect(answer).toEqual({ status: 202, body: { pending: 1 } });
    await sweeper.sweep();
    expect(await readdir(ns)).toEqual([]);
  });
});
