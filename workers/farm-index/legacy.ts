/**
 * Farms before the FarmIndex object kept its tables in the Registry. The index adopts them once: it copies them
 * whole (the index's first schema is theirs), then the Registry drops them.
 */
export const LEGACY_INDEX_TABLES = ["secrets", "batches", "instances", "batch_summaries", "deleted_batches"] as const;

type LegacyTable = (typeof LEGACY_INDEX_TABLES)[number];
type Row = Record<string, SqlStorageValue>;

/** The legacy tables' rows, in insertion order; null when this database never held them. */
export type LegacyIndex = Partial<Record<LegacyTable, Row[]>> | null;

function present(sql: SqlStorage): LegacyTable[] {
  const names = new Set(
    sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((r) => r.name),
  );
  return LEGACY_INDEX_TABLES.filter((t) => names.has(t));
}

export function readLegacyIndex(sql: SqlStorage): LegacyIndex {
  const tables = present(sql);
  if (!tables.length) return null;
  // By rowid: the instance listing's order is its insertion order.
  return Object.fromEntries(tables.map((t) => [t, sql.exec<Row>(`SELECT * FROM ${t} ORDER BY rowid`).toArray()]));
}

export function dropLegacyIndex(sql: SqlStorage): void {
  for (const table of present(sql)) sql.exec(`DROP TABLE ${table}`);
}

/** Copies the legacy rows into tables of the same shape; a row the index holds already is kept as it is. */
export function writeLegacyIndex(sql: SqlStorage, legacy: LegacyIndex): number {
  let copied = 0;
  for (const table of LEGACY_INDEX_TABLES) {
    for (const row of legacy?.[table] ?? []) {
      const columns = Object.keys(row);
      sql.exec(
        `INSERT OR IGNORE INTO ${table} (${columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
        ...Object.values(row),
      );
      copied++;
    }
  }
  return copied;
}
