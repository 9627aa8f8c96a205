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

/** A throwaway database: its URL and how to remove it again. */
export interface ScratchDatabase {
  kind: 'sqlite' | 'postgresql';
  url: string;
  /** SQLite only: the file. */
  file: string | null;
  drop(): Promise<void>;
}

/** A SQLite file in a fresh temporary directory (removed with the directory). */
export function freshSqlite(label: string): ScratchDatabase {
  const dir = mkdtempSync(path.join(tmpdir(), `evidence-broker-${label}-`));
  const file = path.join(dir, 'broker.db');
  return { kind: 'sqlite', url: `file:${file}`, file, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh schema `<prefix>_<random>` on the PostgreSQL at `baseUrl` (dropped with CASCADE). */
export function freshPostgres(baseUrl: string, prefix: string): ScratchDatabase {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const url = new URL(baseUrl);
  url.searchParams.set('schema', schema);
  return {
    kind: 'postgresql',
    url: url.toString(),
    file: null,
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** null when the PostgreSQL at `url` answers, else why not. */
export async function postgresProblem(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
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

const sqlite: TestDatabase = { name: 'sqlite', create: () => freshSqlite('test') };
const postgresql: TestDatabase = { name: 'postgresql', create: () => freshPostgres(PG_URL, `t_${process.pid}`) };

let pgProblem: Promise<string | null> | undefined;

export const DATABASE_KINDS = ['sqlite', 'postgresql'] as const;

/**
 * The database of that kind, or null when PostgreSQL is not reachable (the caller skips). Under CI=true
 * a missing PostgreSQL fails the run instead: CI has one, so its absence is a fault.
 */
export async function testDatabase(kind: TestDatabase['name']): Promise<TestDatabase | null> {
  if (kind === 'sqlite') return sqlite;
  pgProblem ??= postgresProblem(PG_URL).then((problem) => {
    if (problem === null) return null;
    if (process.env.CI === 'true') throw new Error(`CI=true but PostgreSQL at ${PG_URL} is not reachable: ${problem}`);
    process.stderr.write(`\n  NOTE: PostgreSQL at ${PG_URL} is not reachable (${problem}): the PostgreSQL half of the suite is SKIPPED.\n\n`);
    return problem;
  });
  return (await pgProblem) === null ? postgresql : null;
}
