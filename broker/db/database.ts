// Opens the database named by DATABASE_URL through Prisma's driver adapters and applies migrations.
// NOTE: both generated clients have the same models (test/prisma-schemas.test.ts), so all code uses one type, `Db`.
// NOTE: only the configured provider's client and adapter are loaded (dynamic imports); the type import is erased.
import type { PrismaClient as SqlitePrismaClient } from '../../prisma/generated/sqlite/client.ts';
import { wrappingConnections, type AdapterFactory } from './adapter-factory.ts';
import { parseDatabaseUrl, type DatabaseTarget } from './database-url.ts';
import { directSql, type DirectSql, type SqlAdapter } from './direct-sql.ts';
import { migrate } from './migrate.ts';
import { withStatementCache, type StatementCacheStats } from './sqlite-statement-cache.ts';
import { withTransactionGate } from './sqlite-transaction-gate.ts';

/** The Prisma client the stores use, whichever database is behind it. */
export type Db = SqlitePrismaClient;
/** A Prisma client inside an interactive transaction. */
export type DbTx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** An open database: the client, which provider, and how to close it. */
export interface Database {
  prisma: Db;
  target: DatabaseTarget;
  migrationsApplied: string[];
  /** SQLite: the prepared-statement cache in front of Prisma's adapter (broker/db/sqlite-statement-cache.ts). */
  statementCache: (() => StatementCacheStats) | null;
  close(): Promise<void>;
}

/**
 * Time limits that turn a saturated database into a quick, retryable 503 instead of a queue that grows until every
 * request times out. NOTE: a transaction's timer cannot interrupt a statement waiting for a lock or in SQLite's busy
 * handler, so each lock wait has its own shorter limit in the database: the statement fails, the connection frees.
 */
export const DATABASE_TIME_LIMITS = {
  /** How long a transaction (Prisma's interactive one, or direct-sql.ts's) may wait to start (a pool connection; SQLite's one connection). */
  transactionMaxWaitMs: 2_000,
  /** How long a transaction may run, from BEGIN to COMMIT. */
  transactionTimeoutMs: 5_000,
  /** PostgreSQL: connections in this process's pool, unless opened with another `poolSize` (DATABASE_POOL_SIZE). */
  poolMax: 10,
  /**
   * How long a query waits for a connection: PostgreSQL, a free pool connection (or a new one to connect);
   * SQLite, the end of the transaction open on its one connection (sqlite-transaction-gate.ts).
   */
  poolWaitMs: 2_000,
  /** PostgreSQL lock_timeout: a statement waiting longer for a row lock (the AuditHead row) fails with 55P03. */
  lockTimeoutMs: 3_000,
  /** SQLite busy timeout; better-sqlite3 waits synchronously, so the whole process stands still meanwhile. */
  sqliteBusyTimeoutMs: 1_000,
} as const;

/** The two transaction limits, for a transaction straight on the adapter (direct-sql.ts). */
export const TRANSACTION_LIMITS = { maxWaitMs: DATABASE_TIME_LIMITS.transactionMaxWaitMs, timeoutMs: DATABASE_TIME_LIMITS.transactionTimeoutMs } as const;

/** Each open client's direct line to its driver adapter (broker/db/direct-sql.ts). */
const directLines = new WeakMap<Db, DirectSql>();

/** Statements and transactions straight to the driver adapter under `db` (see direct-sql.ts). */
export function directSqlOf(db: Db): DirectSql {
  const direct = directLines.get(db);
  if (!direct) throw new Error('This Prisma client was not opened by openDatabase: it has no direct line to its adapter');
  return direct;
}

/** The adapter factory, noting the adapter Prisma connects through (everything else is the factory's own). */
function noting<A, F extends AdapterFactory<A>>(factory: F, seen: (adapter: SqlAdapter) => void): F {
  const note = (adapter: A) => {
    seen(adapter as unknown as SqlAdapter);
    return adapter;
  };
  return wrappingConnections(factory, note, false);
}

/** @param opts.poolSize PostgreSQL: connections in the pool (default DATABASE_TIME_LIMITS.poolMax); ignored for SQLite. */
export async function openDatabase(url: string, opts: { migrate?: boolean; poolSize?: number } = {}): Promise<Database> {
  const target = parseDatabaseUrl(url);
  const migrationsApplied = opts.migrate === false ? [] : await migrate(target);
  const limits = DATABASE_TIME_LIMITS;
  const transactionOptions = { maxWait: limits.transactionMaxWaitMs, timeout: limits.transactionTimeoutMs };
  // NOTE: parameters in DATABASE_URL (e.g. ?lock_timeout=500&statement_timeout=10000) override these: pg
  // applies the URL's over the object's.
  let prisma: Db;
  let statementCache: Database['statementCache'] = null;
  // Prisma connects its adapter once, in $connect below; a direct statement before that fails (none is sent then).
  let connected: SqlAdapter | null = null;
  const seen = (adapter: SqlAdapter) => {
    connected = adapter;
  };
  const adapter: SqlAdapter = {
    queryRaw: (q) => (connected ?? notConnected()).queryRaw(q),
    executeRaw: (q) => (connected ?? notConnected()).executeRaw(q),
    startTransaction: () => (connected ?? notConnected()).startTransaction(),
  };
  if (target.provider === 'sqlite') {
    const [{ PrismaClient }, { PrismaBetterSqlite3 }] = await Promise.all([import('../../prisma/generated/sqlite/client.ts'), import('@prisma/adapter-better-sqlite3')]);
    const cached = withStatementCache(new PrismaBetterSqlite3({ url: target.file, timeout: limits.sqliteBusyTimeoutMs }));
    statementCache = cached.stats;
    // The gate keeps statements outside a transaction out of an open one (sqlite-transaction-gate.ts).
    prisma = new PrismaClient({ adapter: noting(withTransactionGate(cached.factory, limits.poolWaitMs), seen), transactionOptions });
  } else {
    const [{ PrismaClient }, { PrismaPg }] = await Promise.all([import('../../prisma/generated/postgresql/client.ts'), import('@prisma/adapter-pg')]);
    prisma = new PrismaClient({
      adapter: noting(new PrismaPg(
        {
          connectionString: target.connectionString,
          max: opts.poolSize ?? limits.poolMax,
          connectionTimeoutMillis: limits.poolWaitMs,
          lock_timeout: limits.lockTimeoutMs,
          // Raw SQL (the audit log's multi-row inserts) names tables unqualified, as Prisma's own queries mean them.
          ...(target.schema ? { options: `-c search_path="${target.schema}"` } : {}),
        },
        { schema: target.schema },
      ), seen),
      transactionOptions,
    }) as unknown as Db;
  }
  await prisma.$connect();
  directLines.set(prisma, directSql(adapter, target.provider));
  return { prisma, target, migrationsApplied, statementCache, close: () => prisma.$disconnect() };
}

function notConnected(): never {
  throw new Error('The database is not connected yet');
}
