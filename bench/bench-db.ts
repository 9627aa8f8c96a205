// Throwaway databases for the bench: a SQLite file in a temp directory, or a PostgreSQL schema
// `bench_<random>` that is dropped afterwards. Both are made by the broker's own migrations.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const DEFAULT_PG_URL = 'postgresql://postgres@127.0.0.1:5432/test';

/** A fresh database URL and how to remove it again. */
export interface BenchDatabase {
  kind: 'sqlite' | 'postgresql';
  url: string;
  /** SQLite only: the file. */
  file: string | null;
  drop(): Promise<void>;
}

export function freshSqlite(label = 'bench'): BenchDatabase {
  const dir = mkdtempSync(path.join(tmpdir(), `evidence-broker-${label}-`));
  const file = path.join(dir, 'broker.db');
  return { kind: 'sqlite', url: `file:${file}`, file, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export function freshPostgres(baseUrl: string): BenchDatabase {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
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

/** null when PostgreSQL answers, else why not. */
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

/**
 * Writes dates the way the Prisma SQLite adapter wrote `sample` (ISO text with '+00:00' or 'Z', or epoch
 * milliseconds), so rows bulk-inserted around Prisma read back exactly as Prisma's own.
 */
export function sqliteDateWriter(sample: unknown): (d: Date) => string | number {
  if (typeof sample === 'number' || typeof sample === 'bigint') return (d) => d.getTime();
  if (typeof sample === 'string' && sample.endsWith('+00:00')) return (d) => d.toISOString().replace('Z', '+00:00');
  if (typeof sample === 'string' && sample.endsWith('Z')) return (d) => d.toISOString();
  throw new Error(`unknown SQLite date format: ${String(sample)}`);
}
