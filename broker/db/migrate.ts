// Applies the committed Prisma migrations through the database driver, because Prisma's CLI cannot fetch its
// native schema engine here. Each pending file runs in its own transaction and is recorded in `_prisma_migrations`
// as `prisma migrate deploy` would (SHA-256 checksum), so a machine with the CLI sees the same state.
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseTarget } from './database-url.ts';

const PRISMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma');
// NOTE: the advisory lock key Prisma Migrate itself uses, so our runner and the CLI exclude each other.
const PG_MIGRATION_LOCK = 72707369;

/** One migration folder on disk. */
export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function listMigrations(provider: DatabaseTarget['provider']): Migration[] {
  const dir = path.join(PRISMA_DIR, provider, 'migrations');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * A database whose recorded migrations do not match the files on disk: never migrated further. The message
 * names the migration and what to do, and quotes no data.
 */
export class MigrationDriftError extends Error {
  override name = 'MigrationDriftError';
}

/** One row of `_prisma_migrations`, as far as the runner reads it. */
interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** Which migrations to apply: all pending (the default), or only those up to and including `through`. */
export interface MigrateOptions {
  /** The last migration to apply (tests build a database as an earlier release left it). */
  through?: string;
}

/** The migrations on disk still to apply, after checking that what the database records agrees with them. */
function pendingOf(migrations: Migration[], rows: AppliedRow[], opts: MigrateOptions): Migration[] {
  const onDisk = new Map(migrations.map((m) => [m.name, m]));
  const applied = new Set<string>();
  for (const row of rows) {
    if (row.rolled_back_at !== null) continue; // rolled back by hand: Prisma applies it again, so do we
    const name = row.migration_name;
    if (row.finished_at === null) {
      throw new MigrationDriftError(`migration ${name} is recorded as started but not finished (a failed run): repair the database and mark the migration rolled back before starting the broker`);
    }
    const disk = onDisk.get(name);
    if (!disk) {
      throw new MigrationDriftError(`the database records migration ${name}, which this broker does not have (migrated by a newer release?): start the release that made it`);
    }
    if (row.checksum !== disk.checksum) {
      throw new MigrationDriftError(
        `migration ${name} was changed after it was applied (recorded checksum ${row.checksum.slice(0, 12)}…, file ${disk.checksum.slice(0, 12)}…): restore the file as it was applied`,
      );
    }
    applied.add(name);
  }
  let wanted = migrations;
  if (opts.through !== undefined) {
    const end = migrations.findIndex((m) => m.name === opts.through);
    if (end < 0) throw new Error(`no migration named ${opts.through}`);
    wanted = migrations.slice(0, end + 1);
  }
  return wanted.filter((m) => !applied.has(m.name));
}

const APPLIED_ROWS = 'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"';

const SQLITE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const PG_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export function migrateSqlite(file: string, opts: MigrateOptions = {}): string[] {
  if (file !== ':memory:') {
    mkdirSync(path.dirname(file), { recursive: true });
    // The file holds personal data: created readable by the broker's user only (SQLite gives -wal/-shm the same mode).
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  }
  const db = new Database(file, { timeout: 10_000 });
  try {
    db.pragma('journal_mode = WAL');
    db.exec(SQLITE_MIGRATIONS_TABLE);
    // BEGIN IMMEDIATE takes the write lock first, so two starting brokers cannot both apply a migration.
    const pending = db
      .transaction(() => {
        return pendingOf(listMigrations('sqlite'), db.prepare(APPLIED_ROWS).all() as AppliedRow[], opts);
      })
      .immediate();
    for (const m of pending) {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES (?, ?, ?, ?, ?, 1)`,
        ).run(randomUUID(), m.checksum, Date.now(), m.name, Date.now());
      }).immediate();
    }
    return pending.map((m) => m.name);
  } finally {
    db.close();
  }
}

export async function migratePostgres(connectionString: string, schema: string, opts: MigrateOptions = {}): Promise<string[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PG_MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
    await client.query(PG_MIGRATIONS_TABLE);
    const { rows } = await client.query<AppliedRow>(APPLIED_ROWS);
    const pending = pendingOf(listMigrations('postgresql'), rows, opts);
    for (const m of pending) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return pending.map((m) => m.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}

export async function migrate(target: DatabaseTarget, opts: MigrateOptions = {}): Promise<string[]> {
  return target.provider === 'sqlite'
    ? migrateSqlite(target.file, opts)
    : migratePostgres(target.connectionString, target.schema, opts);
}
