// SQLite only (PostgreSQL gives each transaction its own connection): one transaction at a time on the adapter's one
// connection, and a statement outside it waits up to `waitMs`. NOTE: ungated, such a statement runs INSIDE another
// caller's open transaction: it reads uncommitted rows, and its write is undone after success if that batch rolls back.
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
