import type { SqlValue } from "./define.ts";

/** Tables of the world itself: not SQLite's, not Cloudflare's (_cf_), not ours (_wf_). */
export function worldTables(sql: SqlStorage): string[] {
  return sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' " +
        "AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE '\\_wf\\_%' ESCAPE '\\' ORDER BY name",
    )
    .toArray()
    .map((r) => r.name);
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface TableRows {
  name: string;
  columns: string[];
  /** Columns that identify a row across snapshots: the primary key, or SQLite's rowid. */
  key: string[];
  rows: SqlValue[][];
}

function primaryKey(sql: SqlStorage, table: string): string[] {
  return sql
    .exec<{ name: string; pk: number }>(`PRAGMA table_info(${quoteIdent(table)})`)
    .toArray()
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
}

function hasRowid(sql: SqlStorage, table: string): boolean {
  const ddl = sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = ?", table).one().sql;
  return !/WITHOUT\s+ROWID/i.test(ddl);
}

export function readTable(sql: SqlStorage, table: string, offset = 0, limit = -1): TableRows {
  const pk = primaryKey(sql, table);
  const useRowid = pk.length === 0 && hasRowid(sql, table);
  const select = useRowid
    ? `SELECT rowid AS "_wf_rowid", * FROM ${quoteIdent(table)} ORDER BY rowid`
    : `SELECT * FROM ${quoteIdent(table)} ORDER BY ${(pk.length ? pk : ["1"]).map(quoteIdent).join(", ")}`;
  const cursor = sql.exec(`${select} LIMIT ? OFFSET ?`, limit, offset);
  const columns = cursor.columnNames;
  const rows = [...cursor.raw()] as SqlValue[][];
  return { name: table, columns, key: useRowid ? ["_wf_rowid"] : pk, rows };
}

export function countRows(sql: SqlStorage, table: string): number {
  return sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`).one().n;
}

/** Durable Object SQL statements may be up to 100 KB; batches stay under that. */
const MAX_STATEMENT = 90_000;

/** A value in SQLite's own literal syntax, which reads back exactly as written; undefined where none does. */
function literal(value: SqlValue): string | undefined {
  if (value === null) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    return Number.isInteger(value) ? String(value) : value.toPrecision(17);
  }
  if (typeof value === "string") return value.includes("\0") ? undefined : `'${value.replaceAll("'", "''")}'`;
  return `X'${[...new Uint8Array(value)].map((b) => b.toString(16).padStart(2, "0")).join("")}'`;
}

/**
 * Inserts rows many to a statement: a statement per row costs more than the insert itself, and bound parameters
 * are capped at 100 a statement. Rows with a value no literal can carry go in alone, with parameters.
 */
export function insertRows(sql: SqlStorage, table: TableRows): void {
  const columns = table.columns.map((c) => (c === "_wf_rowid" ? "rowid" : c));
  const head = `INSERT INTO ${quoteIdent(table.name)} (${columns.map(quoteIdent).join(", ")}) VALUES `;
  let batch: string[] = [];
  let size = head.length;
  const flush = () => {
    if (batch.length) sql.exec(head + batch.join(","));
    batch = [];
    size = head.length;
  };
  for (const row of table.rows) {
    const values = row.map(literal);
    const tuple = `(${values.join(",")})`;
    if (values.includes(undefined) || head.length + tuple.length > MAX_STATEMENT) {
      sql.exec(`${head}(${columns.map(() => "?").join(", ")})`, ...row);
      continue;
    }
    if (size + tuple.length + 1 > MAX_STATEMENT) flush();
    batch.push(tuple);
    size += tuple.length + 1;
  }
  flush();
}
