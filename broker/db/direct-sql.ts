// The per-request hot statements and the audit group commit's transactions go straight to Prisma's driver adapter,
// whose per-query work is far below the client's. Values bind and dates store exactly as Prisma's own queries do;
// a transaction keeps Prisma's rules: one connection, ROLLBACK on any error, DATABASE_TIME_LIMITS.
import type { DatabaseTarget } from './database-url.ts';

/** A value bound to a statement. */
export type SqlValue = string | number | boolean | Date | null;

/** What the adapter answers a query with (Prisma's SqlResultSet, as far as it is read here). */
interface ResultSet {
  columnNames: string[];
  rows: unknown[][];
}

interface SqlQuery {
  sql: string;
  args: unknown[];
  argTypes: { scalarType: string; arity: 'scalar' | 'list' }[];
  /** Set on every statement sent from here (never on Prisma's own): see DIRECT_STATEMENT. */
  [DIRECT_STATEMENT]?: true;
}

/**
 * Marks a statement as sent from here (SqlValue types only), so SQLite runs it on the cached prepared statement and
 * skips adapter work this code does not need: a debug logger that keeps recent arguments alive, result-type mapping
 * (./sqlite-statement-cache.ts). Binding, errors and the transaction gate are the same either way.
 */
export const DIRECT_STATEMENT = Symbol('direct statement');

/** The part of Prisma's SqlDriverAdapter (and of a transaction's queryable) used here. */
export interface SqlQueryable {
  queryRaw(query: SqlQuery): Promise<ResultSet>;
  executeRaw(query: SqlQuery): Promise<number>;
}

/** A transaction of the adapter: after BEGIN; `commit`/`rollback` only give its connection back (Prisma's SQL is sent first). */
interface SqlTransaction extends SqlQueryable {
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** Prisma's SqlDriverAdapter, as far as it is used here. */
export interface SqlAdapter extends SqlQueryable {
  startTransaction(): Promise<SqlTransaction>;
}

/** Statements with `?` placeholders, outside a transaction or inside one. */
export interface SqlStatements {
  /**
   * Rows as objects keyed by column name. `sql` uses `?` placeholders (turned into `$1, $2, …` on PostgreSQL);
   * the columns named in `dates` come back as Date (or null).
   */
  query<T>(sql: string, args: readonly SqlValue[], dates?: readonly string[]): Promise<T[]>;
  /** The number of rows the statement changed. */
  execute(sql: string, args: readonly SqlValue[]): Promise<number>;
}

/** How long a transaction may wait to begin, and run from BEGIN to its end. */
export interface TransactionLimits {
  maxWaitMs: number;
  timeoutMs: number;
}

export interface DirectSql extends SqlStatements {
  /**
   * `work` in one transaction, never committed after a failed statement even if `work` caught it (PostgreSQL would
   * roll back on COMMIT without a word); past `maxWaitMs` or `timeoutMs` it fails "busy" (db-errors.ts).
   * NOTE: `work` must use the `tx` it is given: on SQLite a statement outside waits for this very transaction.
   */
  transaction<T>(work: (tx: SqlStatements) => Promise<T>, limits: TransactionLimits): Promise<T>;
}

/** No transaction began within its wait limit (a pool connection; SQLite's one connection). */
export class TransactionStartTimeout extends Error {
  override name = 'TransactionStartTimeout';
  constructor(ms: number) {
    super(`no transaction could begin within ${ms} ms`);
  }
}

/** A transaction ran out of its time and was rolled back. */
export class TransactionTimeout extends Error {
  override name = 'TransactionTimeout';
  constructor(ms: number) {
    super(`the transaction ran longer than ${ms} ms and was rolled back`);
  }
}

function scalarType(v: SqlValue): string {
  if (v === null) return 'unknown';
  if (v instanceof Date) return 'datetime';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v; // 'string' | 'boolean'
}

/** `?` placeholders as the provider wants them. The SQL is the code's own and holds no `?` in a literal. */
export function placeholders(sql: string, provider: DatabaseTarget['provider']): string {
  if (provider === 'sqlite') return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const CONTROL = (sql: string): SqlQuery => ({ sql, args: [], argTypes: [], [DIRECT_STATEMENT]: true });

export function directSql(adapter: SqlAdapter, provider: DatabaseTarget['provider']): DirectSql {
  // Each distinct SQL text is rewritten once (the hot path has a handful, the multi-row inserts a few more).
  const texts = new Map<string, string>();
  const statement = (sql: string, args: readonly SqlValue[]): SqlQuery => {
    let text = texts.get(sql);
    if (text === undefined) {
      text = placeholders(sql, provider);
      if (texts.size >= 512) texts.clear();
      texts.set(sql, text);
    }
    return { sql: text, args: [...args], argTypes: args.map((a) => ({ scalarType: scalarType(a), arity: 'scalar' })), [DIRECT_STATEMENT]: true };
  };
  const statements = (on: SqlQueryable, open: () => void = () => undefined, failed: () => void = () => undefined): SqlStatements => ({
    async query<T>(sql: string, args: readonly SqlValue[], dates: readonly string[] = []): Promise<T[]> {
      open();
      const result = await on.queryRaw(statement(sql, args)).catch((err: unknown) => {
        failed();
        throw err;
      });
      const { columnNames } = result;
      const isDate = columnNames.map((c) => dates.includes(c));
      return result.rows.map((row) => {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < columnNames.length; i++) {
          const v = row[i];
          out[columnNames[i]!] = isDate[i] && v !== null && v !== undefined ? new Date(v as string) : v;
        }
        return out as T;
      });
    },
    execute: async (sql, args) => {
      open();
      return on.executeRaw(statement(sql, args)).catch((err: unknown) => {
        failed();
        throw err;
      });
    },
  });

  /** Ends `tx` with ROLLBACK (best effort: a failed COMMIT or a broken connection may have ended it already). */
  const rollBack = async (tx: SqlTransaction): Promise<void> => {
    try {
      await tx.executeRaw(CONTROL('ROLLBACK'));
    } catch {
      // nothing left to roll back
    }
    await tx.rollback();
  };

  async function begin(maxWaitMs: number): Promise<SqlTransaction> {
    const starting = adapter.startTransaction();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransactionStartTimeout(maxWaitMs)), maxWaitMs);
    });
    try {
      return await Promise.race([starting, late]);
    } catch (err) {
      // A transaction that begins after its caller gave up is ended at once.
      if (err instanceof TransactionStartTimeout) starting.then(rollBack).catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    ...statements(adapter),
    async transaction<T>(work: (tx: SqlStatements) => Promise<T>, limits: TransactionLimits): Promise<T> {
      const tx = await begin(limits.maxWaitMs);
      // `ending` is set once: by the time limit (ROLLBACK at once) or by the end of `work` (COMMIT or ROLLBACK).
      let ending: Promise<void> | null = null;
      let timedOut = false;
      const timer = setTimeout(() => {
        if (ending) return; // already committing or rolling back: the work's own outcome stands
        timedOut = true;
        ending = rollBack(tx);
        // Awaited below once `work` returns; until then a failed rollback must not count as unhandled.
        ending.catch(() => undefined);
      }, limits.timeoutMs);
      let statementFailed = false;
      const open = () => {
        if (ending) throw timedOut ? new TransactionTimeout(limits.timeoutMs) : new Error('the transaction has ended');
      };
      try {
        let result: T;
        try {
          result = await work(statements(tx, open, () => (statementFailed = true)));
          open();
          if (statementFailed) throw new Error('a statement of this transaction failed; it is rolled back, not committed');
        } catch (err) {
          ending ??= rollBack(tx);
          await ending;
          throw timedOut ? new TransactionTimeout(limits.timeoutMs) : err;
        }
        ending = tx.executeRaw(CONTROL('COMMIT')).then(
          () => tx.commit(),
          (err: unknown) => rollBack(tx).then(() => Promise.reject(err)),
        );
        await ending;
        return result;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** What `prismaStatements` needs of a Prisma client or of one of its interactive transactions. */
interface PrismaRaw {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/**
 * The same statements through Prisma's client, for a caller that holds a Prisma interactive transaction
 * (`db.$transaction(async (tx) => …)`) and wants the audit log's appends in it. Values are bound by the
 * same adapter; only Prisma's per-query overhead is added.
 */
export function prismaStatements(client: PrismaRaw, provider: DatabaseTarget['provider']): SqlStatements {
  return {
    async query<T>(sql: string, args: readonly SqlValue[], dates: readonly string[] = []): Promise<T[]> {
      const rows = await client.$queryRawUnsafe<Record<string, unknown>[]>(placeholders(sql, provider), ...args);
      for (const row of rows) for (const c of dates) if (row[c] !== null && row[c] !== undefined) row[c] = new Date(row[c] as string);
      return rows as T[];
    },
    execute: (sql, args) => client.$executeRawUnsafe(placeholders(sql, provider), ...args),
  };
}
