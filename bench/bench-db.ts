// Throwaway databases for the bench: a SQLite file in a temp directory, or a PostgreSQL schema
// `bench_<random>` that is dropped afterwards. Both are made by the broker's own migrations.
import { freshPostgres as freshSchema, freshSqlite as freshFile, postgresProblem, type ScratchDatabase } from '../test/helpers/databases.ts';

export const DEFAULT_PG_URL = 'postgresql://postgres@127.0.0.1:5432/test';

/** A fresh database URL and how to remove it again (the tests' scratch databases). */
export type BenchDatabase = ScratchDatabase;
export { postgresProblem };

export const freshSqlite = (label = 'bench'): BenchDatabase => freshFile(label);
export const freshPostgres = (baseUrl: string): BenchDatabase => freshSchema(baseUrl, 'bench');

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
