import type { Db, SqlValue } from "./define.ts";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Inserts one row from an object of column values and returns its rowid. Table and column names are checked to be
 * plain identifiers (they cannot be bound as parameters); values are always bound.
 */
export function insertRow(db: Db, table: string, row: Readonly<Record<string, SqlValue | boolean>>): number {
  const columns = Object.keys(row);
  for (const name of [table, ...columns]) {
    if (!IDENT.test(name)) throw new Error(`insertRow: "${name}" is not a plain SQL identifier (letters, digits, _)`);
  }
  if (!columns.length) return db.run(`INSERT INTO ${table} DEFAULT VALUES`).lastRowId;
  const values = Object.values(row).map((v) => (typeof v === "boolean" ? Number(v) : v));
  return db.run(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, values)
    .lastRowId;
}
