// Statements sent straight to Prisma's driver adapter (broker/db/direct-sql.ts), on a real database (SQLite
// and PostgreSQL): they must store and read values exactly as Prisma's own queries do, because both kinds of
// statement share the tables; and their errors must be told apart as Prisma's are (a unique violation, a
// busy database), because the broker answers them differently.
import { expect } from 'chai';
import { DATABASE_TIME_LIMITS, directSqlOf, type Database } from '../../broker/db/database.ts';
import { classifyDatabaseBusy, isUniqueViolation } from '../../broker/db/db-errors.ts';
import { placeholders, TransactionStartTimeout, TransactionTimeout } from '../../broker/db/direct-sql.ts';
import { DATABASE_KINDS } from '../helpers/databases.ts';
import { openedDatabasePerTest } from '../helpers/opened-database.ts';

const AT = new Date(Date.UTC(2026, 10, 26, 12, 34, 56, 789));

const token = (id: string, over: Partial<{ tokenHash: string; expiresAt: Date | null }> = {}) => ({
  id,
  tokenHash: over.tokenHash ?? `hash-${id}`,
  subjectType: 'operator',
  subjectId: 'ops',
  label: 'label',
  createdAt: AT,
  expiresAt: over.expiresAt === undefined ? null : over.expiresAt,
  revokedAt: null,
});
const COLUMNS = ['id', 'tokenHash', 'subjectType', 'subjectId', 'label', 'createdAt', 'expiresAt', 'revokedAt'] as const;
const INSERT = `INSERT INTO "ApiToken" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;

describe('placeholders of a direct statement', () => {
  it('stay ? on SQLite and become $1, $2, … on PostgreSQL', () => {
    expect(placeholders('SELECT 1 WHERE a = ? AND b = ?', 'sqlite')).to.equal('SELECT 1 WHERE a = ? AND b = ?');
    expect(placeholders('SELECT 1 WHERE a = ? AND b = ?', 'postgresql')).to.equal('SELECT 1 WHERE a = $1 AND b = $2');
  });
});

for (const kind of DATABASE_KINDS) {
  describe(`statements straight to the driver adapter (${kind})`, function () {
    this.timeout(60_000);
    const opened = openedDatabasePerTest(kind);
    let database: Database;
    beforeEach(() => {
      database = opened();
    });

    it("writes a row Prisma reads back unchanged, dates to the millisecond", async () => {
      const row = token('t1', { expiresAt: new Date(AT.getTime() + 86_400_000) });
      expect(await directSqlOf(database.prisma).execute(INSERT, COLUMNS.map((c) => row[c]))).to.equal(1);
      expect(await database.prisma.apiToken.findUnique({ where: { id: 't1' } })).to.deep.equal(row);
    });

    it('reads a row Prisma wrote, the named columns as dates and nulls as null', async () => {
      const row = token('t2');
      await database.prisma.apiToken.create({ data: row });
      const found = await directSqlOf(database.prisma).query<Record<string, unknown>>(
        'SELECT "id", "createdAt", "expiresAt", "label" FROM "ApiToken" WHERE "tokenHash" = ? AND "subjectId" = ?',
        ['hash-t2', 'ops'],
        ['createdAt', 'expiresAt'],
      );
      expect(found).to.deep.equal([{ id: 't2', createdAt: AT, expiresAt: null, label: 'label' }]);
      expect(await directSqlOf(database.prisma).query('SELECT "id" FROM "ApiToken" WHERE "tokenHash" = ?', ['no such hash'])).to.deep.equal([]);
    });

    it('compares a bound date as Prisma stores it', async () => {
      await database.prisma.apiToken.create({ data: token('t3', { expiresAt: AT }) });
      const direct = directSqlOf(database.prisma);
      const count = async (sql: string) => (await direct.query<{ id: string }>(sql, [AT])).length;
      expect(await count('SELECT "id" FROM "ApiToken" WHERE "expiresAt" = ?')).to.equal(1);
      expect(await count('SELECT "id" FROM "ApiToken" WHERE "expiresAt" < ?')).to.equal(0);
      expect(await count('SELECT "id" FROM "ApiToken" WHERE "createdAt" <= ?')).to.equal(1);
    });

    it('reports a unique violation as one, and not as a busy database', async () => {
      const direct = directSqlOf(database.prisma);
      const row = token('t4');
      await direct.execute(INSERT, COLUMNS.map((c) => row[c]));
      const again = { ...row, id: 't5' }; // the same tokenHash
      const err = await direct.execute(INSERT, COLUMNS.map((c) => again[c])).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, 'the second INSERT must fail').to.not.equal(null);
      expect(isUniqueViolation(err)).to.equal(true);
      expect(classifyDatabaseBusy(err)).to.equal(null);
    });
  });
}

const LIMITS = { maxWaitMs: 2_000, timeoutMs: 5_000 };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

for (const kind of DATABASE_KINDS) {
  describe(`transactions straight on the driver adapter (${kind})`, function () {
    this.timeout(60_000);
    const opened = openedDatabasePerTest(kind);
    const ids = async () => (await opened().prisma.apiToken.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((t) => t.id);
    const insert = (tx: { execute(sql: string, args: readonly unknown[]): Promise<number> }, id: string) => {
      const row = token(id);
      return tx.execute(INSERT, COLUMNS.map((c) => row[c]) as never);
    };

    it('commits what the work wrote and answers what it returned', async () => {
      const direct = directSqlOf(opened().prisma);
      const result = await direct.transaction(async (tx) => {
        await insert(tx, 'a');
        await insert(tx, 'b');
        return (await tx.query<{ id: string }>('SELECT "id" FROM "ApiToken" ORDER BY "id"', [])).map((r) => r.id);
      }, LIMITS);
      expect(result).to.deep.equal(['a', 'b']);
      expect(await ids()).to.deep.equal(['a', 'b']);
    });

    it("rolls everything back when the work fails, rethrows its error, and leaves the database usable", async () => {
      const direct = directSqlOf(opened().prisma);
      const oops = new Error('the work changed its mind');
      const err = await failure(direct.transaction(async (tx) => {
        await insert(tx, 'a');
        throw oops;
      }, LIMITS));
      expect(err).to.equal(oops);
      // A failing statement rolls back the statements before it, and its error stays recognizable.
      const unique = await failure(direct.transaction(async (tx) => {
        await insert(tx, 'c');
        await tx.execute(INSERT, COLUMNS.map((c) => ({ ...token('d'), tokenHash: 'hash-c' })[c]));
      }, LIMITS));
      expect(isUniqueViolation(unique)).to.equal(true);
      expect(await ids()).to.deep.equal([]);
      await insert(direct, 'e');
      expect(await ids()).to.deep.equal(['e']);
    });

    it('never commits a transaction one of whose statements failed, even when the work caught the error', async () => {
      const direct = directSqlOf(opened().prisma);
      const err = await failure(direct.transaction(async (tx) => {
        await insert(tx, 'a');
        const dup = await failure(tx.execute(INSERT, COLUMNS.map((c) => ({ ...token('b'), tokenHash: 'hash-a' })[c])));
        expect(isUniqueViolation(dup)).to.equal(true);
        return 'carried on';
      }, LIMITS));
      expect(String(err)).to.match(/statement of this transaction failed/);
      expect(await ids()).to.deep.equal([]);
    });

    it('rolls back at its time limit: its statements are gone, later ones fail, and the failure is "busy"', async () => {
      const direct = directSqlOf(opened().prisma);
      let late: unknown = null;
      const err = await failure(direct.transaction(async (tx) => {
        await insert(tx, 'a');
        await pause(300);
        late = await failure(insert(tx, 'b'));
      }, { maxWaitMs: 2_000, timeoutMs: 100 }));
      expect(err).to.be.instanceOf(TransactionTimeout);
      expect(late).to.be.instanceOf(TransactionTimeout);
      expect(classifyDatabaseBusy(err)).to.deep.equal({ cause: 'transaction-timeout' });
      expect(await ids()).to.deep.equal([]);
      await insert(direct, 'c');
      expect(await ids()).to.deep.equal(['c']);
    });

    it('gives up beginning after its wait limit, "busy", and ends a transaction that begins too late', async () => {
      const { prisma } = opened();
      const direct = directSqlOf(prisma);
      // Whatever the one connection (SQLite) or the whole pool (PostgreSQL) is busy with.
      const holders = kind === 'sqlite' ? 1 : DATABASE_TIME_LIMITS.poolMax;
      let started = 0;
      const held = Array.from({ length: holders }, () =>
        prisma.$transaction(async (tx) => {
          started++;
          await tx.apiToken.count();
          await pause(400);
        }),
      );
      while (started < holders) await pause(5);
      let ran = false;
      const err = await failure(direct.transaction(async (tx) => {
        ran = true;
        await insert(tx, 'late');
      }, { maxWaitMs: 50, timeoutMs: 5_000 }));
      expect(err).to.be.instanceOf(TransactionStartTimeout);
      expect(classifyDatabaseBusy(err)).to.deep.equal({ cause: 'transaction-start-timeout' });
      await Promise.all(held);
      // The transaction that began after the caller gave up was ended at once, unused.
      await insert(direct, 'after');
      expect(await direct.transaction((tx) => tx.query<{ id: string }>('SELECT "id" FROM "ApiToken"', []), LIMITS)).to.deep.equal([{ id: 'after' }]);
      expect(ran).to.equal(false);
    });
  });
}

describe("classifying a driver adapter's own error", () => {
  const adapterError = (originalCode: string, kind: string) => Object.assign(new Error(kind), { name: 'DriverAdapterError', cause: { originalCode, originalMessage: 'x', kind } });
  it('is busy for SQLITE_BUSY and for a busy SQLSTATE, as through Prisma', () => {
    expect(classifyDatabaseBusy(adapterError('SQLITE_BUSY', 'SocketTimeout'))).to.deep.equal({ cause: 'sqlite-busy', driverCode: 'SQLITE_BUSY' });
    expect(classifyDatabaseBusy(adapterError('55P03', 'postgres'))).to.deep.equal({ cause: 'lock-timeout', driverCode: '55P03' });
  });
  it('is not busy for other codes', () => {
    expect(classifyDatabaseBusy(adapterError('SQLITE_CONSTRAINT_UNIQUE', 'UniqueConstraintViolation'))).to.equal(null);
    expect(classifyDatabaseBusy(adapterError('42P01', 'TableDoesNotExist'))).to.equal(null);
  });
});
