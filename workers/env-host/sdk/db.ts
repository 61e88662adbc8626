import type { Db, ReadDb, Row, SqlValue } from "./define.ts";

/** `onWrite` hears how many rows each statement wrote, so a caller can tell a call that changed nothing. */
export function syncDb(sql: SqlStorage, onWrite: (rows: number) => void = () => {}): Db {
  const exec = <T extends Row>(text: string, params: readonly SqlValue[]) => {
    const cursor = sql.exec<T>(text, ...params);
    const rows = cursor.toArray();
    if (cursor.rowsWritten) onWrite(cursor.rowsWritten);
    return { rows, written: cursor.rowsWritten };
  };
  return {
    query: <T extends Row>(text: string, params: readonly SqlValue[] = []) => exec<T>(text, params).rows,
    get: <T extends Row>(text: string, params: readonly SqlValue[] = []) =>
      exec<T>(text, params).rows[0] as T | undefined,
    run: (text: string, params: readonly SqlValue[] = []) => {
      const { written } = exec(text, params);
      return { changes: written, lastRowId: sql.exec<{ id: number }>("SELECT last_insert_rowid() AS id").one().id };
    },
  };
}

/** The shape a read-only handle has on the wire: one method, so it crosses RPC as a plain stub. */
export interface ReadQuery {
  read(sql: string, params: readonly SqlValue[]): Promise<Row[]>;
}

export function readDb(source: ReadQuery): ReadDb {
  return {
    query: async <T extends Row>(text: string, params: readonly SqlValue[] = []) =>
      (await source.read(text, params)) as T[],
    get: async <T extends Row>(text: string, params: readonly SqlValue[] = []) =>
      (await source.read(text, params))[0] as T | undefined,
  };
}
