// Statements sent straight to the driver adapter under a Prisma client, for the few statements that run on every
// request outside a transaction: the bearer-token and client-certificate lookups, the directory entry, the
// consent lookup and the evidence request's INSERT.
// Prisma's client spends far more on a raw query than the database does: a `$queryRaw` of one indexed row cost
// 100–140 µs of CPU on SQLite against 22–40 µs for the same statement through the adapter (an idle process,
// 5,000 calls), and several times that under load (query interpretation, tracing spans, value encoding,
// promise layers). The adapter is the one Prisma itself uses, through its published driver-adapter interface
// (`queryRaw` / `executeRaw` with `args` and `argTypes`), so values are bound and dates stored exactly as
// Prisma's own queries bind and store them (SQLite: ISO 8601 text; PostgreSQL: timestamp(3)), on the same
// SQLite connection (with its statement cache) or the same PostgreSQL pool.
// NOTE: only for statements outside transactions: a transaction stays Prisma's (`$transaction`), which owns
// BEGIN/COMMIT, its time limits and, on SQLite, the lock on the one connection.
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
}

/** The part of Prisma's SqlDriverAdapter (and of a transaction's queryable) used here. */
export interface SqlQueryable {
  queryRaw(query: SqlQuery): Promise<ResultSet>;
  executeRaw(query: SqlQuery): Promise<number>;
}

export interface DirectSql {
  /**
   * Rows as objects keyed by column name. `sql` uses `?` placeholders (turned into `$1, $2, …` on PostgreSQL);
   * the columns named in `dates` come back as Date (or null).
   */
  query<T>(sql: string, args: readonly SqlValue[], dates?: readonly string[]): Promise<T[]>;
  /** The number of rows the statement changed. */
  execute(sql: string, args: readonly SqlValue[]): Promise<number>;
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

export function directSql(adapter: SqlQueryable, provider: DatabaseTarget['provider']): DirectSql {
  // Each distinct SQL text is rewritten once (the hot path has a handful).
  const texts = new Map<string, string>();
  const statement = (sql: string, args: readonly SqlValue[]): SqlQuery => {
    let text = texts.get(sql);
    if (text === undefined) {
      text = placeholders(sql, provider);
      texts.set(sql, text);
    }
    return { sql: text, args: [...args], argTypes: args.map((a) => ({ scalarType: scalarType(a), arity: 'scalar' })) };
  };
  return {
    async query<T>(sql: string, args: readonly SqlValue[], dates: readonly string[] = []): Promise<T[]> {
      const result = await adapter.queryRaw(statement(sql, args));
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
    execute: (sql, args) => adapter.executeRaw(statement(sql, args)),
  };
}
