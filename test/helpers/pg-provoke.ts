// Raw PostgreSQL sessions that provoke the database's own errors against a running broker: a second client
// holding locks, an observer that sees whom it blocks, a database and role of the test's own with a
// connection limit. Everything here is created by the test and dropped again; nothing touches other schemas.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestDatabase } from './databases.ts';

/** The server part of a broker's DATABASE_URL (no `schema`, no session parameters), for raw clients. */
export function serverUrl(databaseUrl: string, as?: { user?: string; database?: string }): string {
  const url = new URL(databaseUrl);
  url.search = '';
  if (as?.user !== undefined) url.username = as.user;
  if (as?.database !== undefined) url.pathname = `/${as.database}`;
  return url.toString();
}

/** The `schema` a broker's DATABASE_URL names. */
export function schemaOf(databaseUrl: string): string {
  const schema = new URL(databaseUrl).searchParams.get('schema');
  if (!schema) throw new Error('the DATABASE_URL names no schema');
  return schema;
}

/**
 * The same test database with session settings added to its URL. `server` settings go into libpq's
 * `options` (-c name=value), next to the search_path the broker sets itself: pg lets the URL's `options`
 * replace the one the broker passes, so the schema's search_path is repeated here.
 */
export function withSessionSettings(db: TestDatabase, params: Record<string, string>, server: Record<string, string> = {}): TestDatabase {
  return {
    name: db.name,
    create() {
      const made = db.create();
      const url = new URL(made.url);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      const settings = Object.entries(server).map(([k, v]) => `-c ${k}=${v}`);
      if (settings.length) url.searchParams.set('options', [`-c search_path="${schemaOf(made.url)}"`, ...settings].join(' '));
      return { url: url.toString(), drop: made.drop };
    },
  };
}

/** A raw session on the broker's database (as the server's superuser), with its backend's pid. */
export interface RawSession {
  client: pg.Client;
  pid: number;
  end(): Promise<void>;
}

export async function rawSession(connectionString: string): Promise<RawSession> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return { client, pid: rows[0]!.pid, end: () => client.end().catch(() => undefined) };
}

/** How many sessions wait on a lock that the session `pid` holds. */
export async function blockedBy(observer: pg.Client, pid: number): Promise<number> {
  const { rows } = await observer.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid]);
  return Number(rows[0]!.n);
}

/** Polls `probe` every 20 ms until it returns non-null; fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | null> | T | null, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A database and a login role of the test's own on the PostgreSQL at `adminUrl` (a superuser's URL): the
 * role owns the database and is no superuser, so the server enforces connection limits on it (superusers
 * are exempt). `drop()` removes both, closing whatever is still connected.
 */
export interface OwnDatabase {
  role: string;
  database: string;
  /** A TestDatabase whose one schema lives in this database, connected as the role. */
  testDatabase: TestDatabase;
  /** ALTER DATABASE … CONNECTION LIMIT n (-1: none). */
  limitConnections(n: number): Promise<void>;
  drop(): Promise<void>;
}

export async function ownDatabase(adminUrl: string, prefix: string): Promise<OwnDatabase> {
  const suffix = randomBytes(5).toString('hex');
  const role = `${prefix}_role_${suffix}`;
  const database = `${prefix}_db_${suffix}`;
  const admin = async <T>(run: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      return await run(c);
    } finally {
      await c.end();
    }
  };
  await admin(async (c) => {
    await c.query(`CREATE ROLE "${role}" LOGIN NOSUPERUSER`);
    await c.query(`CREATE DATABASE "${database}" OWNER "${role}"`);
  });
  const url = new URL(serverUrl(adminUrl, { user: role, database }));
  url.searchParams.set('schema', 'broker');
  return {
    role,
    database,
    testDatabase: { name: 'postgresql', create: () => ({ url: url.toString(), drop: async () => undefined }) },
    limitConnections: (n) => admin(async (c) => void (await c.query(`ALTER DATABASE "${database}" CONNECTION LIMIT ${Math.trunc(n)}`))),
    drop: () =>
      admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS "${role}"`);
      }),
  };
}
