// DATABASE_URL decides the database: `file:` is the embedded SQLite, `postgresql://` is PostgreSQL.
import path from 'node:path';

/** Where the data lives, as parsed from DATABASE_URL. */
export type DatabaseTarget =
  | { provider: 'sqlite'; file: string }
  | { provider: 'postgresql'; connectionString: string; schema: string };

export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('file:')) {
    const file = url.slice('file:'.length);
    return { provider: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
  }
  const parsed = new URL(url);
  // NOTE: `schema` is Prisma's convention, not libpq's; strip it so pg does not pass it to the server.
  const schema = parsed.searchParams.get('schema') ?? 'public';
  parsed.searchParams.delete('schema');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new Error('DATABASE_URL schema must be a plain identifier');
  return { provider: 'postgresql', connectionString: parsed.toString(), schema };
}
