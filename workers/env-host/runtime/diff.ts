import type { TableDiff } from "../../shared/instance.ts";
import type { SqlValue } from "../sdk/define.ts";
import type { TableRows } from "../sdk/tables.ts";

function cellKey(value: SqlValue): string {
  return value instanceof ArrayBuffer ? `b:${[...new Uint8Array(value)].join(",")}` : JSON.stringify(value);
}

function sameCell(a: SqlValue | undefined, b: SqlValue | undefined): boolean {
  return cellKey(a ?? null) === cellKey(b ?? null);
}

/** Rows inserted, deleted and updated per table, matched by primary key (or rowid). */
export function diffTables(before: TableRows[], after: TableRows[]): TableDiff[] {
  const beforeByName = new Map(before.map((t) => [t.name, t]));
  const out: TableDiff[] = [];
  for (const table of after) {
    const old = beforeByName.get(table.name);
    beforeByName.delete(table.name);
    const keyIdx = table.key.map((k) => table.columns.indexOf(k));
    const keyOf = (row: SqlValue[]) => keyIdx.map((i) => cellKey(row[i] ?? null)).join("|");
    const oldRows = new Map((old?.rows ?? []).map((r) => [keyOf(r), r]));
    const diff: TableDiff = { table: table.name, columns: table.columns, inserted: [], deleted: [], updated: [] };
    for (const row of table.rows) {
      const prev = oldRows.get(keyOf(row));
      if (!prev) {
        diff.inserted.push(row);
        continue;
      }
      oldRows.delete(keyOf(row));
      const changed = table.columns.filter((_, i) => !sameCell(prev[i], row[i]));
      if (changed.length) diff.updated.push({ before: prev, after: row, changed });
    }
    diff.deleted.push(...oldRows.values());
    if (diff.inserted.length || diff.deleted.length || diff.updated.length) out.push(diff);
  }
  for (const dropped of beforeByName.values()) {
    out.push({ table: dropped.name, columns: dropped.columns, inserted: [], deleted: dropped.rows, updated: [] });
  }
  return out;
}
