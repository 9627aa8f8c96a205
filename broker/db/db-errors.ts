// Which database errors mean "busy" (saturated: retry shortly) rather than "broken": the error handler answers
// those 503 with Retry-After, like the in-flight limit. Shapes as Prisma 7 throws them through the adapters
// (meta.driverAdapterError.cause.originalCode) and raw driver errors: samples in test/unit/db-errors.test.ts.

/** Why the database could not serve a request in time; a metrics label and a log field. */
export type DatabaseBusyCause =
  | 'transaction-start-timeout'
  | 'transaction-timeout'
  | 'pool-timeout'
  | 'sqlite-busy'
  | 'write-conflict'
  | 'lock-timeout'
  | 'statement-timeout'
  | 'too-many-connections'
  | 'audit-queue-timeout';

/** A classified busy error: its cause and the codes that decided it (no message text: it may quote data). */
export interface DatabaseBusy {
  cause: DatabaseBusyCause;
  /** Prisma's P-code, when Prisma raised it. */
  prismaCode?: string;
  /** SQLSTATE (PostgreSQL) or SQLite result code name, when the database raised it. */
  driverCode?: string;
}

/** PostgreSQL SQLSTATEs that mean contention or saturation; the transaction was rolled back and may be repeated. */
const BUSY_SQLSTATES: Record<string, DatabaseBusyCause> = {
  '40001': 'write-conflict', // serialization_failure
  '40P01': 'write-conflict', // deadlock_detected
  '55P03': 'lock-timeout', // lock_not_available (lock_timeout, NOWAIT)
  '57014': 'statement-timeout', // query_canceled (statement_timeout)
  '53300': 'too-many-connections', // too_many_connections
};

/** Prisma codes that name the condition without a driver code behind them. */
const BUSY_PRISMA_CODES: Record<string, DatabaseBusyCause> = {
  P2024: 'pool-timeout', // timed out fetching a connection from the pool
  P2034: 'write-conflict', // write conflict or deadlock
  P2037: 'too-many-connections',
};

/** pg-pool's own error when no connection became free within connectionTimeoutMillis. */
const POOL_CHECKOUT_TIMEOUT = 'timeout exceeded when trying to connect';

/** Errors can arrive wrapped (`cause`); look this deep, no further. */
const MAX_CAUSE_DEPTH = 5;

/** The busy condition behind `err` (or anything in its `cause` chain), or null when it is not one. */
export function classifyDatabaseBusy(err: unknown): DatabaseBusy | null {
  let current: unknown = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const found = classifyOne(current as ErrorLike);
    if (found) return found;
    current = (current as ErrorLike).cause;
  }
  return null;
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  severity?: unknown;
  meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
  cause?: unknown;
}

function classifyOne(e: ErrorLike): DatabaseBusy | null {
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  if (code !== undefined && /^P\d{4}$/.test(code)) return fromPrisma(code, message, e.meta?.driverAdapterError?.cause?.originalCode);
  // A raw pg DatabaseError (it carries a severity) or a raw better-sqlite3 SqliteError.
  if (code !== undefined && typeof e.severity === 'string' && BUSY_SQLSTATES[code]) return { cause: BUSY_SQLSTATES[code], driverCode: code };
  if (code !== undefined && e.name === 'SqliteError' && code.startsWith('SQLITE_BUSY')) return { cause: 'sqlite-busy', driverCode: code };
  if (code === undefined && message === POOL_CHECKOUT_TIMEOUT) return { cause: 'pool-timeout' };
  // SQLite's one connection stayed in another transaction too long (broker/db/sqlite-transaction-gate.ts).
  if (e.name === 'ConnectionWaitTimeout') return { cause: 'pool-timeout' };
  // The audit group commit's queue limit (broker/audit/group-commit.ts): its one batch in flight is stuck.
  if (e.name === 'AuditQueueTimeout') return { cause: 'audit-queue-timeout' };
  // The two limits of a transaction straight on the driver adapter (broker/db/direct-sql.ts), as Prisma's P2028s.
  if (e.name === 'TransactionStartTimeout') return { cause: 'transaction-start-timeout' };
  if (e.name === 'TransactionTimeout') return { cause: 'transaction-timeout' };
  // A driver adapter's own error, from a statement sent to it without Prisma's client (broker/db/direct-sql.ts).
  if (e.name === 'DriverAdapterError') return fromDriverCode((e.cause as { originalCode?: unknown } | undefined)?.originalCode);
  return null;
}

function fromDriverCode(originalCode: unknown): DatabaseBusy | null {
  if (typeof originalCode !== 'string') return null;
  if (originalCode.startsWith('SQLITE_BUSY')) return { cause: 'sqlite-busy', driverCode: originalCode };
  const cause = BUSY_SQLSTATES[originalCode];
  return cause ? { cause, driverCode: originalCode } : null;
}

function fromPrisma(prismaCode: string, message: string, originalCode: unknown): DatabaseBusy | null {
  const driverCode = typeof originalCode === 'string' ? originalCode : undefined;
  if (driverCode !== undefined) {
    // P1008 (SocketTimeout) is how the SQLite adapter reports SQLITE_BUSY; the driver code says which it was.
    if (driverCode.startsWith('SQLITE_BUSY')) return { cause: 'sqlite-busy', prismaCode, driverCode };
    const cause = BUSY_SQLSTATES[driverCode];
    if (cause) return { cause, prismaCode, driverCode };
  }
  if (prismaCode === 'P2028') {
    // Only the two time limits of an interactive transaction; other P2028s (unknown or closed transaction) are bugs.
    if (message.includes('Unable to start a transaction in the given time')) return { cause: 'transaction-start-timeout', prismaCode };
    if (message.includes('on an expired transaction')) return { cause: 'transaction-timeout', prismaCode };
    return null;
  }
  const cause = BUSY_PRISMA_CODES[prismaCode];
  return cause ? { cause, prismaCode, ...(driverCode !== undefined ? { driverCode } : {}) } : null;
}

/**
 * A unique constraint refused the write: Prisma's P2002 from its own queries, P2010 from a raw query
 * (`$executeRaw`) whose driver adapter names the violation, or the adapter's own error for a statement sent
 * to it directly (broker/db/direct-sql.ts).
 */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; cause?: { kind?: unknown }; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } };
  if (e.code === 'P2002') return true;
  if (e.name === 'DriverAdapterError') return e.cause?.kind === 'UniqueConstraintViolation';
  return e.code === 'P2010' && e.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation';
}
