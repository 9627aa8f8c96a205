// The databases the integration tests run on: SQLite always, PostgreSQL when one is reachable.
// Each harness gets its own SQLite file or PostgreSQL schema, made from the migrations, so runs never
// see each other's data. Under CI=true a missing PostgreSQL is an error, not a skip.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** A database kind the suite runs against. */
export interface TestDatabase {
  name: 'sqlite' | 'postgresql';
  /** A fresh, empty database URL and a function that removes it again. */
  create(): { url: string; drop(): Promise<void> };
}

const PG_URL = process.env.PG_TEST_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

const sqlite: TestDatabase = {
  name: 'sqlite',
  create() {
    const dir = mkdtempSync(path.join(tmpdir(), 'broker-test-'));
    return { url: `file:${path.join(dir, 'broker.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

const postgresql: TestDatabase = {
  name: 'postgresql',
  create() {
    const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    return {
      url: url.toString(),
      drop: async () => {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  },
};

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

let pgProblem: Promise<string | null> | undefined;

export const DATABASE_KINDS = ['sqlite', 'postgresql'] as const;

/**
 * The database of that kind, or null when PostgreSQL is not reachable (the caller skips). Under CI=true
 * a missing PostgreSQL fails the run instead: CI has one, so its absence is a fault.
 */
export async function testDatabase(kind: TestDatabase['name']): Promise<TestDatabase | null> {
  if (kind === 'sqlite') return sqlite;
  pgProblem ??= postgresReachable().then((problem) => {
    if (problem === null) return null;
    if (process.env.CI === 'true') throw new Error(`CI=true but PostgreSQL at ${PG_URL} is not reachable: ${problem}`);
    process.stderr.write(`\n  NOTE: PostgreSQL at ${PG_URL} is not reachable (${problem}): the PostgreSQL half of the suite is SKIPPED.\n\n`);
    return problem;
  });
  return (await pgProblem) === null ? postgresql : null;
}
