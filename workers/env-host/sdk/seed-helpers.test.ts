import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import type { Db, SqlValue } from "./define.ts";
import { seededRandom } from "./determinism.ts";
import { fixedRandom } from "./random.ts";
import { insertRow } from "./rows.ts";

/** The SDK's Db over a real SQLite, as a world gives one to seed code. */
function sqliteDb(ddl: string): { db: Db; sqlite: DatabaseSync } {
  const sqlite = new DatabaseSync(":memory:");
  sqlite.exec(ddl);
  const params = (p: readonly SqlValue[] = []) => p as (string | number | null)[];
  const db: Db = {
    query: (text, p) => sqlite.prepare(text).all(...params(p)) as never[],
    get: (text, p) => sqlite.prepare(text).get(...params(p)) as never,
    run: (text, p) => {
      const r = sqlite.prepare(text).run(...params(p));
      return { changes: Number(r.changes), lastRowId: Number(r.lastInsertRowid) };
    },
  };
  return { db, sqlite };
}

describe("fixedRandom", () => {
  it("gives the same sequence for the same seed, the instance random's for that seed", () => {
    const draw = (seed: number) => {
      const r = fixedRandom(seed);
      return [
        r.next(),
        r.int(1, 6),
        r.pick(["a", "b", "c"]),
        r.shuffle([1, 2, 3, 4, 5]),
        r.weighted([
          ["x", 1],
          ["y", 3],
        ]),
        r.id("u"),
      ];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    const a = fixedRandom(7);
    const b = seededRandom({ value: 7 });
    expect([a.next(), a.int(0, 99), a.id()]).toEqual([b.next(), b.int(0, 99), b.id()]);
  });

  it("shuffles a copy holding the same items, and picks only given items", () => {
    const r = fixedRandom(1);
    const items = Object.freeze([1, 2, 3, 4, 5, 6, 7, 8]);
    const shuffled = r.shuffle(items);
    expect([...shuffled].sort()).toEqual([...items]);
    expect(new Set(Array.from({ length: 20 }, () => r.shuffle(items).join())).size).toBeGreaterThan(1);
    expect(new Set(Array.from({ length: 200 }, () => r.pick(items)))).toEqual(new Set(items));
  });

  it("chooses by weight: a zero weight never, the heavier more often", () => {
    const r = fixedRandom(3);
    const counts = { never: 0, rare: 0, often: 0 };
    for (let i = 0; i < 2000; i++)
      counts[
        r.weighted([
          ["never", 0],
          ["rare", 1],
          ["often", 9],
        ] as const)
      ]++;
    expect(counts.never).toBe(0);
    expect(counts.often).toBeGreaterThan(counts.rare * 4);
  });

  it("refuses what has no answer", () => {
    const r = fixedRandom(0);
    expect(() => r.pick([])).toThrow(/no items/);
    expect(() => r.weighted([])).toThrow(/at least one option/);
    expect(() => r.weighted([["a", -1]])).toThrow(/>= 0/);
    expect(() => r.weighted([["a", Number.NaN]])).toThrow(/>= 0/);
  });
});

describe("insertRow", () => {
  const DDL = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, active INTEGER, note TEXT DEFAULT 'x')";

  it("inserts the row's columns, binds its values and returns the rowid", () => {
    const { db, sqlite } = sqliteDb(DDL);
    expect(insertRow(db, "users", { name: "Ada", active: true, note: null })).toBe(1);
    expect(insertRow(db, "users", { name: "Bob'); DROP TABLE users; --", active: false })).toBe(2);
    expect(sqlite.prepare("SELECT * FROM users ORDER BY id").all()).toEqual([
      { id: 1, name: "Ada", active: 1, note: null },
      { id: 2, name: "Bob'); DROP TABLE users; --", active: 0, note: "x" },
    ]);
  });

  it("refuses a table or column name that is not a plain identifier, writing nothing", () => {
    const { db, sqlite } = sqliteDb(DDL);
    expect(() => insertRow(db, "users; DROP TABLE users", { name: "x" })).toThrow(/not a plain SQL identifier/);
    expect(() => insertRow(db, "users", { "name) VALUES ('x'); --": "y" })).toThrow(/not a plain SQL identifier/);
    expect(sqlite.prepare("SELECT count(*) AS n FROM users").get()).toEqual({ n: 0 });
  });

  it("passes SQLite's own errors through", () => {
    const { db } = sqliteDb(DDL);
    expect(() => insertRow(db, "users", { active: 1 })).toThrow(/NOT NULL/);
    expect(() => insertRow(db, "nope", { name: "x" })).toThrow(/no such table/);
  });
});
