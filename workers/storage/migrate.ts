/**
 * One object's schema history: each migration is the statements that take the schema one version up, applied once
 * to every object of its class, in order, whenever the object starts. A migration is never edited once shipped:
 * an object that already ran it would not see the edit; a change is a new migration at the end.
 *
 * The first migration of a class that existed before versioning is the schema it had then, written with IF NOT
 * EXISTS: an object that was created by that code holds those tables already and takes the migration as a no-op.
 */
export type Migration = readonly string[];

/** Where each object records the version its tables are at. */
const VERSION_TABLE = "schema_version";

export function schemaVersion(storage: DurableObjectStorage): number {
  const known =
    storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", VERSION_TABLE).toArray().length >
    0;
  if (!known) return 0;
  return storage.sql.exec<{ version: number }>(`SELECT version FROM ${VERSION_TABLE}`).toArray()[0]?.version ?? 0;
}

/**
 * Brings an object's tables to the newest version, all in one transaction: an object never sits at a half-applied
 * version. One whose tables are newer than this code (a rollback after an upgrade) is refused, not written with
 * queries for a schema it no longer has.
 */
export function migrate(storage: DurableObjectStorage, migrations: readonly Migration[]): void {
  storage.transactionSync(() => {
    const from = schemaVersion(storage);
    if (from > migrations.length) {
      throw new Error(
        `this object's tables are at schema version ${from}, newer than this code's ${migrations.length}: run the newer farm`,
      );
    }
    if (from === migrations.length) return;
    for (const migration of migrations.slice(from)) for (const statement of migration) storage.sql.exec(statement);
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} (version INTEGER NOT NULL)`);
    storage.sql.exec(`DELETE FROM ${VERSION_TABLE}`);
    storage.sql.exec(`INSERT INTO ${VERSION_TABLE} (version) VALUES (?)`, migrations.length);
  });
}
