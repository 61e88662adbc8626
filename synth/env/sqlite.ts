import { DatabaseSync } from "node:sqlite";

/** Statements a Durable Object's SQLite refuses from environment code, or that would escape the world. */
const FORBIDDEN = /^\s*(PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|ATTACH|DETACH|VACUUM)\b/im;
const RESERVED = /\bCREATE\s+(?:TABLE|INDEX|VIEW|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?["`[]?(?:sqlite_|_cf_)/i;

export interface SqlCheck {
  problems: string[];
  /** Rows per table after the statements ran. */
  counts: Record<string, number>;
}

/**
 * Runs the DDL, then the seed, in a real in-memory SQLite with foreign keys enforced as in a Durable Object,
 * and says what failed in words the model can act on.
 */
export function checkSql(ddl: string, seed?: string): SqlCheck {
  const problems: string[] = [];
  for (const [label, text] of [
    ["schema", ddl],
    ["seed data", seed ?? ""],
  ] as const) {
    const bad = FORBIDDEN.exec(text);
    if (bad) problems.push(`the ${label} uses ${bad[1]!.toUpperCase()}, which the runtime refuses: remove it`);
  }
  if (RESERVED.test(ddl)) problems.push(`table names starting "sqlite_" or "_cf_" are reserved`);
  if (problems.length) return { problems, counts: {} };
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("PRAGMA foreign_keys = ON");
    try {
      db.exec(ddl);
    } catch (err) {
      return { problems: [`the schema fails in SQLite: ${(err as Error).message}`], counts: {} };
    }
    const tables = (
      db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all() as { name: string }[]
    ).map((t) => t.name);
    if (!tables.length) return { problems: ["the schema creates no tables"], counts: {} };
    if (seed !== undefined) {
      try {
        db.exec(seed);
      } catch (err) {
        return { problems: [`the seed data fails in SQLite: ${(err as Error).message}`], counts: {} };
      }
    }
    const counts = Object.fromEntries(
      tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]),
    );
    if (seed !== undefined) {
      if (Object.values(counts).every((n) => n === 0)) problems.push("the seed data inserts no rows");
      if (tables.includes("users") && !db.prepare("SELECT 1 FROM users WHERE id = 1").get())
        problems.push("the seed data has no users row with id 1, the logged-in user");
    }
    return { problems, counts };
  } finally {
    db.close();
  }
}
