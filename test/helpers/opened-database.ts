// A fresh, opened database per test, for suites that run on each kind (test/helpers/databases.ts). Kept apart
// from databases.ts, which the bench imports too: this one needs mocha's hooks.
import { openDatabase, type Database } from '../../broker/db/database.ts';
import { testDatabase, type TestDatabase } from './databases.ts';

/**
 * Mocha hooks for a suite of the given kind: before each test a fresh database of that kind, opened (and
 * migrated) through the broker's openDatabase; after it, closed and removed. The test is skipped when
 * PostgreSQL is not reachable (outside CI). Call inside `describe`; the getter answers the current one.
 */
export function openedDatabasePerTest(kind: TestDatabase['name']): () => Database {
  let database: Database | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeEach(async function () {
    const db = await testDatabase(kind);
    if (!db) return this.skip();
    const created = db.create();
    drop = created.drop;
    database = await openDatabase(created.url);
  });
  afterEach(async () => {
    await database?.close();
    await drop?.();
    database = undefined;
    drop = undefined;
  });
  return () => {
    if (!database) throw new Error('no database: openedDatabasePerTest gives one inside tests and their hooks only');
    return database;
  };
}
