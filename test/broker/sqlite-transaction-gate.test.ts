// Statements outside a transaction while another caller's transaction is open (broker/db/sqlite-transaction-gate.ts).
// On SQLite all of them share Prisma's one connection: without the gate an outside write lands inside the open
// transaction and is undone by its rollback after its caller was told it succeeded, and an outside read sees
// the transaction's uncommitted rows. Through openDatabase neither may happen, on either database.
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { directSqlOf, openDatabase, type Database } from '../../broker/db/database.ts';
import { classifyDatabaseBusy } from '../../broker/db/db-errors.ts';
import { ConnectionWaitTimeout, gatedAdapter } from '../../broker/db/sqlite-transaction-gate.ts';
import { DATABASE_KINDS } from '../helpers/databases.ts';
import { openedDatabasePerTest } from '../helpers/opened-database.ts';

const AT = new Date(Date.UTC(2026, 10, 26, 12, 0, 0));
const token = (id: string) => ({ id, tokenHash: `hash-${id}`, subjectType: 'operator', subjectId: 'ops', label: 'gate', createdAt: AT, expiresAt: null, revokedAt: null });
const INSERT_TOKEN = 'INSERT INTO "ApiToken" ("id", "tokenHash", "subjectType", "subjectId", "label", "createdAt") VALUES (?, ?, ?, ?, ?, ?)';
const tokenArgs = (id: string) => [id, `hash-${id}`, 'operator', 'ops', 'gate', AT] as const;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
class Rollback extends Error {}

/** Runs `during` while a transaction that wrote `inside` is open, then rolls that transaction back. */
async function duringRolledBack<T>(database: Database, inside: string, during: () => Promise<T>): Promise<T> {
  let outside: Promise<T> | undefined;
  const failed = await database.prisma
    .$transaction(async (tx) => {
      await tx.apiToken.create({ data: token(inside) });
      // Not awaited here: with the gate, an outside statement on SQLite waits for this transaction to end.
      outside = during();
      outside.catch(() => undefined);
      await pause(30);
      throw new Rollback();
    })
    .then(
      () => null,
      (err: unknown) => err,
    );
  expect(failed).to.be.instanceOf(Rollback);
  return outside!;
}

for (const kind of DATABASE_KINDS) {
  describe(`statements outside an open transaction (${kind})`, function () {
    this.timeout(60_000);
    const opened = openedDatabasePerTest(kind);

    it("an outside write through Prisma's client survives the open transaction's rollback", async () => {
      const database = opened();
      await duringRolledBack(database, 'inside', () => database.prisma.apiToken.create({ data: token('outside') }));
      expect((await database.prisma.apiToken.findMany({ select: { id: true } })).map((t) => t.id)).to.deep.equal(['outside']);
    });

    it('an outside write straight to the driver adapter survives it too', async () => {
      const database = opened();
      const changed = await duringRolledBack(database, 'inside', () => directSqlOf(database.prisma).execute(INSERT_TOKEN, tokenArgs('direct')));
      expect(changed).to.equal(1);
      expect((await database.prisma.apiToken.findMany({ select: { id: true } })).map((t) => t.id)).to.deep.equal(['direct']);
    });

    it("an outside read never sees the open transaction's uncommitted row", async () => {
      const database = opened();
      const seen = await duringRolledBack(database, 'uncommitted', () => directSqlOf(database.prisma).query<{ id: string }>('SELECT "id" FROM "ApiToken"', []));
      expect(seen).to.deep.equal([]);
      expect(await database.prisma.apiToken.count()).to.equal(0);
    });

    it('outside statements and transactions still all complete under concurrency', async () => {
      const database = opened();
      const writes = Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? database.prisma.$transaction(async (tx) => {
              await tx.apiToken.create({ data: token(`tx-${i}`) });
              await pause(2);
            })
          : directSqlOf(database.prisma).execute(INSERT_TOKEN, tokenArgs(`out-${i}`)),
      );
      await Promise.all(writes);
      expect(await database.prisma.apiToken.count()).to.equal(20);
    });
  });
}

describe("Prisma's better-sqlite3 adapter with and without the gate", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const query = (sql: string, args: unknown[] = []) => ({ sql, args, argTypes: args.map(() => ({ scalarType: 'string' as const, arity: 'scalar' as const })) });

  async function outsideWriteDuringRollback(gate: boolean): Promise<{ settledWhileOpen: boolean; rows: number }> {
    const database = await openDatabase(`file:${path.join(dir, 'x.db')}`); // migrated schema
    await database.close();
    const plain = await new PrismaBetterSqlite3({ url: path.join(dir, 'x.db') }).connect();
    const adapter = gate ? gatedAdapter(plain, 2_000) : plain;
    try {
      const tx = await adapter.startTransaction();
      await tx.executeRaw(query(INSERT_TOKEN, [...tokenArgs('inside').slice(0, 5), AT.toISOString()]));
      let settled = false;
      const outside = adapter.executeRaw(query(INSERT_TOKEN, [...tokenArgs('outside').slice(0, 5), AT.toISOString()])).then((n) => {
        settled = true;
        return n;
      });
      await pause(20);
      const settledWhileOpen = settled;
      await tx.executeRaw(query('ROLLBACK'));
      await tx.rollback();
      expect(await outside).to.equal(1);
      const result = (await adapter.queryRaw(query('SELECT COUNT(*) AS n FROM "ApiToken"'))) as { rows: unknown[][] };
      return { settledWhileOpen, rows: Number(result.rows[0]![0]) };
    } finally {
      await adapter.dispose();
    }
  }

  it('without it, an acknowledged outside write is undone by the rollback (why the gate exists)', async () => {
    expect(await outsideWriteDuringRollback(false)).to.deep.equal({ settledWhileOpen: true, rows: 0 });
  });

  it('with it, the outside write waits for the transaction to end and stays', async () => {
    expect(await outsideWriteDuringRollback(true)).to.deep.equal({ settledWhileOpen: false, rows: 1 });
  });

  it('an outside statement waits at most its limit, then fails as "busy"; the gate works on afterwards', async () => {
    const database = await openDatabase(`file:${path.join(dir, 'x.db')}`);
    await database.close();
    const adapter = gatedAdapter(await new PrismaBetterSqlite3({ url: path.join(dir, 'x.db') }).connect(), 50);
    try {
      const tx = await adapter.startTransaction();
      const started = Date.now();
      const err = await adapter.executeRaw(query(INSERT_TOKEN, [...tokenArgs('late').slice(0, 5), AT.toISOString()])).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ConnectionWaitTimeout);
      expect(Date.now() - started).to.be.within(40, 1_000);
      expect(classifyDatabaseBusy(err)).to.deep.equal({ cause: 'pool-timeout' });
      await tx.executeRaw(query('ROLLBACK'));
      await tx.rollback();
      expect(await adapter.executeRaw(query(INSERT_TOKEN, [...tokenArgs('after').slice(0, 5), AT.toISOString()]))).to.equal(1);
      const result = (await adapter.queryRaw(query('SELECT "id" FROM "ApiToken"'))) as { rows: unknown[][] };
      expect(result.rows).to.deep.equal([['after']]);
    } finally {
      await adapter.dispose();
    }
  });
});
