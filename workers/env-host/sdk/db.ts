import type { Db, ReadDb, Row, SqlValue } from "./define.ts";

export function syncDb(sql: SqlStorage): Db {
  return {
    query: <T extends Row>(text: string, params: readonly SqlValue[] = []) =>
      sql.exec<T>(text, ...params).toArray(),
    get: <T extends Row>(text: string, params: readonly SqlValue[] = []) =>
      sql.exec<T>(text, ...params).toArray()[0] as T | undefined,
    run: (text: string, params: readonly SqlValue[] = []) => {
      const cursor = sql.exec(text, ...params);
      cursor.toArray();
      const lastRowId = sql.exec<{ id: number }>("SELECT last_insert_rowid() AS id").one().id;
      return { changes: cursor.rowsWritten, lastRowId };
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
