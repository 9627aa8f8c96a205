// One SQLite connection, one transaction at a time, and nothing else on the connection while it is open.
// Prisma's better-sqlite3 adapter runs every query on its one connection. Its transactions take a mutex
// against each other, but a query outside any transaction does not: sent while another caller's transaction
// is open (between that transaction's awaits), it runs INSIDE that transaction. It then reads the
// transaction's uncommitted rows, and its own write is undone, after its caller was told it succeeded, when
// that transaction rolls back (test/broker/sqlite-transaction-gate.test.ts shows both on the plain adapter).
// In the broker that is the group commit's batch (one job's conflict rolls the batch back) against every
// request's own statements: the evidence request's INSERT, the consent lookup, token checks, sessions.
// This gate sits in front of the adapter: a transaction holds it from BEGIN until its COMMIT or ROLLBACK,
// and a statement outside a transaction waits for it while it is held, at most `waitMs` (then it fails with
// ConnectionWaitTimeout, "busy" like a pool checkout timeout: broker/db/db-errors.ts). Unheld, a statement
// runs at once (better-sqlite3 runs it synchronously within the call, so no transaction can begin in between).
// A transaction's own wait for the gate is bounded by its caller's maxWait (Prisma's, or direct-sql.ts's).
// NOTE: only for SQLite: PostgreSQL gives each transaction its own pooled connection.
import { Mutex, withTimeout } from 'async-mutex';
import { wrappingConnections, type AdapterFactory } from './adapter-factory.ts';

/** A statement outside a transaction waited longer than its limit for the open transaction to end. */
export class ConnectionWaitTimeout extends Error {
  override name = 'ConnectionWaitTimeout';
  constructor(ms: number) {
    super(`the database connection stayed in another transaction for more than ${ms} ms`);
  }
}

/** The surface of Prisma's SqlDriverAdapter (and of its Transaction) that is passed through. */
interface Queryable {
  readonly provider: 'sqlite' | 'postgres';
  readonly adapterName: string;
  queryRaw(query: unknown): Promise<unknown>;
  executeRaw(query: unknown): Promise<number>;
}
interface Transaction extends Queryable {
  readonly options: unknown;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  createSavepoint?(name: string): Promise<void>;
  rollbackToSavepoint?(name: string): Promise<void>;
  releaseSavepoint?(name: string): Promise<void>;
}
interface Adapter extends Queryable {
  executeScript(script: string): Promise<void>;
  startTransaction(isolationLevel?: never): Promise<Transaction>;
  getConnectionInfo?(): unknown;
  dispose(): Promise<void>;
}
/** The adapter with the gate in front (see above). */
export function gatedAdapter<A>(adapter: A, waitMs: number): A {
  const inner = adapter as unknown as Adapter;
  const gate = new Mutex();
  // NOTE: one error instance for every timed-out wait (async-mutex's interface); it carries no request data.
  const waiting = withTimeout(gate, waitMs, new ConnectionWaitTimeout(waitMs));
  const outside = <T>(run: () => Promise<T>): Promise<T> => (gate.isLocked() ? waiting.runExclusive(run) : run());
  const transaction = (tx: Transaction, release: () => void): Transaction => {
    let held = true;
    const end = async (how: () => Promise<void>) => {
      try {
        await how();
      } finally {
        if (held) {
          held = false;
          release();
        }
      }
    };
    return {
      provider: tx.provider,
      adapterName: tx.adapterName,
      options: tx.options,
      queryRaw: (q) => tx.queryRaw(q),
      executeRaw: (q) => tx.executeRaw(q),
      commit: () => end(() => tx.commit()),
      rollback: () => end(() => tx.rollback()),
      ...(tx.createSavepoint ? { createSavepoint: (name: string) => tx.createSavepoint!(name) } : {}),
      ...(tx.rollbackToSavepoint ? { rollbackToSavepoint: (name: string) => tx.rollbackToSavepoint!(name) } : {}),
      ...(tx.releaseSavepoint ? { releaseSavepoint: (name: string) => tx.releaseSavepoint!(name) } : {}),
    };
  };
  const gated: Adapter = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (q) => outside(() => inner.queryRaw(q)),
    executeRaw: (q) => outside(() => inner.executeRaw(q)),
    executeScript: (script) => outside(() => inner.executeScript(script)),
    async startTransaction(isolationLevel) {
      const release = await gate.acquire();
      try {
        return transaction(await inner.startTransaction(isolationLevel), release);
      } catch (err) {
        release();
        throw err;
      }
    },
    ...(inner.getConnectionInfo ? { getConnectionInfo: () => inner.getConnectionInfo!() } : {}),
    dispose: () => inner.dispose(),
  };
  return gated as unknown as A;
}

/** The adapter factory whose every connection is gated; `waitMs` bounds an outside statement's wait. */
export function withTransactionGate<A, F extends AdapterFactory<A>>(factory: F, waitMs: number): F {
  return wrappingConnections(factory, (adapter: A) => gatedAdapter(adapter, waitMs));
}
