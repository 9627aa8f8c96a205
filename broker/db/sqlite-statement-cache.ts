// A bounded LRU cache of compiled statements, keyed by SQL, in front of the connection of Prisma's better-sqlite3
// adapter, which otherwise compiles every query anew and throws the statement away.
import type { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { wrappingConnections } from './adapter-factory.ts';
import { DIRECT_STATEMENT } from './direct-sql.ts';

type Factory = Pick<PrismaBetterSqlite3, 'provider' | 'adapterName' | 'connect' | 'connectToShadowDb'>;
type SqlDriverAdapter = Awaited<ReturnType<Factory['connect']>>;

/** How many distinct SQL texts stay compiled (Prisma's queries plus the raw multi-row inserts of each size). */
export const STATEMENT_CACHE_SIZE = 256;

type Statement = BetterSqlite3.Statement<unknown[], unknown>;
type Connection = Pick<BetterSqlite3.Database, 'prepare'>;

/** Counts, for tests and metrics. */
export interface StatementCacheStats {
  cached: boolean;
  hits: number;
  misses: number;
  size: number;
  /** Statements from ./direct-sql.ts run on the cached statement itself (`directStatements`), not through the adapter. */
  direct: number;
}

type Columns = ReturnType<Statement['columns']>;
/**
 * Each statement's result columns, read once: the adapter asks on every query and better-sqlite3 rebuilds them
 * each time. Safe because they are fixed by the SQL and the schema, migrated before Prisma connects.
 */
const columnsOf = new WeakMap<Statement, Columns>();
function columns(stmt: Statement): Columns {
  let known = columnsOf.get(stmt);
  if (!known) {
    known = stmt.columns();
    columnsOf.set(stmt, known);
  }
  return known;
}

/**
 * A statement bound to one call's arguments. NOTE: better-sqlite3's `bind()` is for good, so each call binds its own;
 * the adapter uses a statement synchronously within one turn of the event loop, so no two queries share it at once.
 */
function bound(stmt: Statement, args: unknown[]) {
  let raw = false;
  const call = {
    get reader() {
      return stmt.reader;
    },
    run: () => stmt.run(args),
    get: () => stmt.raw(raw).get(args),
    all: () => stmt.raw(raw).all(args),
    iterate: () => stmt.raw(raw).iterate(args),
    columns: () => columns(stmt),
    raw(on = true) {
      raw = on;
      return call;
    },
  };
  return call;
}

/**
 * A `prepare` that compiles each SQL text once. What it returns answers `bind(args)` (what the adapter calls)
 * and, unbound, `run/get/all` with arguments like a better-sqlite3 statement.
 */
export function cachingPrepare(connection: Connection, size = STATEMENT_CACHE_SIZE) {
  const statements = new Map<string, Statement>();
  const stats = { hits: 0, misses: 0 };
  const prepare = (sql: string) => {
    let stmt = statements.get(sql);
    if (stmt) {
      stats.hits++;
      // Least recently used goes first: a hit moves to the end of the Map's order.
      statements.delete(sql);
    } else {
      stats.misses++;
      stmt = connection.prepare(sql) as Statement;
      if (statements.size >= size) statements.delete(statements.keys().next().value!);
    }
    statements.set(sql, stmt);
    const s = stmt;
    return {
      get reader() {
        return s.reader;
      },
      bind: (args: unknown[] = []) => bound(s, args),
      run: (...args: unknown[]) => s.run(...args),
      // Unbound reads get objects, whatever raw mode an earlier bound call left on the statement.
      get: (...args: unknown[]) => s.raw(false).get(...args),
      all: (...args: unknown[]) => s.raw(false).all(...args),
      columns: () => columns(s),
    };
  };
  return { prepare, stats: () => ({ ...stats, size: statements.size }) };
}

/** A query as Prisma's driver adapters take it (SqlQuery), with direct-sql.ts's mark. */
interface AdapterQuery {
  sql: string;
  args: unknown[];
  [DIRECT_STATEMENT]?: true;
}

/** The adapter's queryable (the connection, or a transaction on it), as far as used here. */
interface Queryable {
  queryRaw(query: AdapterQuery): Promise<unknown>;
  executeRaw(query: AdapterQuery): Promise<number>;
  /** The adapter's own error path: rethrows a driver error as Prisma's DriverAdapterError (kind, original code). */
  onError?(error: unknown): never;
}

/**
 * The value as the adapter binds it (its `mapArg`, for the types direct statements carry: SqlValue): dates as
 * ISO 8601 text with "+00:00", the adapter's default `timestampFormat`; booleans as 1/0; the rest as they are.
 */
function boundValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/**
 * A row as the adapter's `mapRow` gives it back: integers arrive as BigInt (safe-integers mode); a safe one becomes a
 * number, a larger one text. NOTE: its other two conversions are left out, as no direct statement needs them: dates
 * are stored as text (named in `dates`), and INTEGER columns are bound whole numbers only.
 */
function readRow(row: unknown[]): unknown[] {
  for (let i = 0; i < row.length; i++) {
    const value = row[i];
    if (typeof value === 'bigint') {
      const n = Number(value);
      row[i] = Number.isSafeInteger(n) ? n : value.toString();
    }
  }
  return row;
}

/**
 * DIRECT_STATEMENT-marked statements skip the adapter's debug logger and result-type mapping (so they are missing
 * from `DEBUG=prisma:driver-adapter*` output); Prisma's own queries go to the adapter. Failures still pass through
 * its `onError`, so callers see the same DriverAdapterError (unique violation, busy).
 */
function directStatements(queryable: Queryable, prepare: ReturnType<typeof cachingPrepare>['prepare'], counted: () => void): void {
  const queryRaw = queryable.queryRaw.bind(queryable);
  const executeRaw = queryable.executeRaw.bind(queryable);
  const failed = (err: unknown): never => {
    queryable.onError?.(err);
    throw err;
  };
  queryable.queryRaw = async (query) => {
    if (!query[DIRECT_STATEMENT]) return queryRaw(query);
    counted();
    try {
      const stmt = prepare(query.sql).bind(query.args.map(boundValue));
      if (!stmt.reader) {
        stmt.run();
        return { columnNames: [], columnTypes: [], rows: [] };
      }
      return { columnNames: stmt.columns().map((c) => c.name), columnTypes: [], rows: (stmt.raw().all() as unknown[][]).map(readRow) };
    } catch (err) {
      return failed(err);
    }
  };
  queryable.executeRaw = async (query) => {
    if (!query[DIRECT_STATEMENT]) return executeRaw(query);
    counted();
    try {
      return prepare(query.sql).bind(query.args.map(boundValue)).run().changes;
    } catch (err) {
      return failed(err);
    }
  };
}

/**
 * The adapter factory with the statement cache in front of every connection it opens. `stats()` reports on
 * the most recent connection.
 */
export function withStatementCache(factory: Factory, size = STATEMENT_CACHE_SIZE) {
  const uncached = (): StatementCacheStats => ({ cached: false, hits: 0, misses: 0, size: 0, direct: 0 });
  let readStats = uncached;
  const wrap = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    // NOTE: `client` is not in the adapter's published types (checked on 7.10.0, pinned). If a version moves it,
    // the adapter stays uncached (`cached: false`) and sqlite-statement-cache.test.ts fails: slower, still correct.
    const holder = adapter as unknown as { client?: BetterSqlite3.Database };
    const client = holder.client;
    if (!client || typeof client.prepare !== 'function' || typeof client.exec !== 'function') {
      readStats = uncached;
      return adapter;
    }
    const cache = cachingPrepare(client, size);
    // Everything else (exec, close, pragma, …) stays the real connection's.
    holder.client = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop === 'prepare') return cache.prepare;
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    // Direct statements skip the adapter's per-query work, unless the adapter stores dates another way than
    // boundValue binds them (an explicit timestampFormat): then they take the adapter's way like any query.
    let direct = 0;
    const options = (adapter as unknown as { adapterOptions?: { timestampFormat?: string } }).adapterOptions;
    // Likewise without the adapter's `onError` (its errors would not be Prisma's then).
    const hasOnError = typeof (adapter as unknown as Queryable).onError === 'function';
    if (hasOnError && (options?.timestampFormat ?? 'iso8601') === 'iso8601') {
      const counted = () => void direct++;
      const connection = adapter as unknown as Queryable & { startTransaction(...a: unknown[]): Promise<Queryable> };
      directStatements(connection, cache.prepare, counted);
      const startTransaction = connection.startTransaction.bind(connection);
      connection.startTransaction = async (...a: unknown[]) => {
        const tx = await startTransaction(...a);
        directStatements(tx, cache.prepare, counted);
        return tx;
      };
    }
    readStats = () => ({ cached: true, ...cache.stats(), direct });
    return adapter;
  };
  return { factory: wrappingConnections(factory, wrap), stats: () => readStats() };
}
