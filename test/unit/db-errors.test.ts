// Which database errors are "busy" (503, retry) and which are faults (500). The samples copy the shapes
// Prisma 7 and the drivers threw here (the integration tests in test/broker/overload-*.test.ts provoke
// the real ones); no database is needed for these.
import { expect } from 'chai';
import { classifyDatabaseBusy, isUniqueViolation } from '../../broker/db/db-errors.ts';

/** A PrismaClientKnownRequestError as the client raises it: a P-code, a message, and meta. */
function prismaError(code: string, message: string, meta: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name: 'PrismaClientKnownRequestError', code, meta, clientVersion: '7.10.0' });
}

/** A database error through a driver adapter: Prisma keeps the driver's code in meta.driverAdapterError. */
function adapterError(prismaCode: string, originalCode: string, originalMessage: string, kind = 'postgres'): Error {
  return prismaError(prismaCode, `\nInvalid \`tx.auditHead.update()\` invocation:\n\n${originalMessage}`, {
    modelName: 'AuditHead',
    driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode, originalMessage, kind } },
  });
}

describe('classifying database errors', () => {
  describe('when an interactive transaction runs out of time', () => {
    it('is busy when it could not start within maxWait (pool or SQLite connection taken)', () => {
      const err = prismaError('P2028', 'Transaction API error: Unable to start a transaction in the given time.');
      expect(classifyDatabaseBusy(err)).to.deep.equal({ cause: 'transaction-start-timeout', prismaCode: 'P2028' });
    });
    it('is busy when it expired before its commit', () => {
      const err = prismaError(
        'P2028',
        'Transaction API error: A commit cannot be executed on an expired transaction. The timeout for this transaction was 5000 ms, however 5210 ms passed since the start of the transaction.',
        { operation: 'commit', timeout: 5000, timeTaken: 5210 },
      );
      expect(classifyDatabaseBusy(err)?.cause).to.equal('transaction-timeout');
    });
    it('is a fault when the transaction is unknown or already closed (a bug, not load)', () => {
      expect(classifyDatabaseBusy(prismaError('P2028', 'Transaction API error: Transaction not found. Transaction ID is invalid.'))).to.equal(null);
      expect(classifyDatabaseBusy(prismaError('P2028', 'Transaction API error: Transaction already closed: A query cannot be executed on a committed transaction.'))).to.equal(null);
    });
  });

  describe('when PostgreSQL reports contention', () => {
    const cases: [string, string, string, string][] = [
      ['P2034', '40001', 'could not serialize access due to concurrent update', 'write-conflict'],
      ['P2034', '40P01', 'deadlock detected', 'write-conflict'],
      ['P2039', '55P03', 'canceling statement due to lock timeout', 'lock-timeout'],
      ['P2010', '57014', 'canceling statement due to statement timeout', 'statement-timeout'],
      ['P2037', '53300', 'sorry, too many clients already', 'too-many-connections'],
    ];
    for (const [prismaCode, sqlstate, message, cause] of cases) {
      it(`is busy (${cause}) for SQLSTATE ${sqlstate} through Prisma (${prismaCode})`, () => {
        expect(classifyDatabaseBusy(adapterError(prismaCode, sqlstate, message))).to.deep.equal({ cause, prismaCode, driverCode: sqlstate });
      });
    }
    it('is busy for a raw pg error with a busy SQLSTATE (a driver used without Prisma)', () => {
      const err = Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03', severity: 'ERROR' });
      expect(classifyDatabaseBusy(err)).to.deep.equal({ cause: 'lock-timeout', driverCode: '55P03' });
    });
    it('is busy for the adapter\'s own error, from a statement sent without Prisma\'s client (direct-sql.ts)', () => {
      // The kinds @prisma/adapter-pg 7.10 gives these SQLSTATEs (test/broker/postgres-errors.test.ts provokes each).
      const cases: [string, string, string][] = [
        ['40001', 'TransactionWriteConflict', 'write-conflict'],
        ['40P01', 'TransactionWriteConflict', 'write-conflict'],
        ['57014', 'postgres', 'statement-timeout'],
        ['53300', 'TooManyConnections', 'too-many-connections'],
      ];
      for (const [originalCode, kind, cause] of cases) {
        const err = Object.assign(new Error(kind), { name: 'DriverAdapterError', cause: { originalCode, originalMessage: 'from the server', kind } });
        expect(classifyDatabaseBusy(err)).to.deep.equal({ cause, driverCode: originalCode });
      }
    });
    it('is busy when Prisma names a write conflict without a driver code', () => {
      const err = prismaError('P2034', 'Transaction failed due to a write conflict or a deadlock. Please retry your transaction');
      expect(classifyDatabaseBusy(err)).to.deep.equal({ cause: 'write-conflict', prismaCode: 'P2034' });
    });
  });

  describe('when no pool connection became free in time', () => {
    it("is busy for pg-pool's checkout timeout (it reaches the caller unwrapped)", () => {
      expect(classifyDatabaseBusy(new Error('timeout exceeded when trying to connect'))).to.deep.equal({ cause: 'pool-timeout' });
    });
    it("is busy for Prisma's pool timeout code", () => {
      expect(classifyDatabaseBusy(prismaError('P2024', 'Timed out fetching a new connection from the connection pool.'))?.cause).to.equal('pool-timeout');
    });
  });

  describe('when SQLite stays locked past the busy timeout', () => {
    it('is busy for SQLITE_BUSY through the adapter (P1008, "database is locked")', () => {
      const err = adapterError('P1008', 'SQLITE_BUSY', 'database is locked', 'SocketTimeout');
      expect(classifyDatabaseBusy(err)).to.deep.equal({ cause: 'sqlite-busy', prismaCode: 'P1008', driverCode: 'SQLITE_BUSY' });
    });
    it('is busy for an extended busy code and for a raw better-sqlite3 error', () => {
      expect(classifyDatabaseBusy(adapterError('P1008', 'SQLITE_BUSY_SNAPSHOT', 'database is locked', 'SocketTimeout'))?.cause).to.equal('sqlite-busy');
      const raw = Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' });
      expect(classifyDatabaseBusy(raw)).to.deep.equal({ cause: 'sqlite-busy', driverCode: 'SQLITE_BUSY' });
    });
  });

  describe('when the error is wrapped', () => {
    it('finds the busy error in the cause chain', () => {
      const inner = prismaError('P2028', 'Transaction API error: Unable to start a transaction in the given time.');
      const outer = new Error('group commit failed', { cause: new Error('batch failed', { cause: inner }) });
      expect(classifyDatabaseBusy(outer)?.cause).to.equal('transaction-start-timeout');
    });
    it('stops at a cycle instead of looping', () => {
      const a: Error & { cause?: unknown } = new Error('a');
      a.cause = new Error('b', { cause: a });
      expect(classifyDatabaseBusy(a)).to.equal(null);
    });
  });

  describe('when the database is broken, not busy', () => {
    const faults: [string, Error][] = [
      ['a unique violation', adapterError('P2002', '23505', 'duplicate key value violates unique constraint')],
      ['a missing table', adapterError('P2021', '42P01', 'relation "AuditHead" does not exist')],
      ['an unknown SQLSTATE', adapterError('P2039', '22012', 'division by zero')],
      ['an unreachable server', prismaError('P1001', "Can't reach database server at 127.0.0.1:5432")],
      ['a pg socket timeout (P1008 without SQLITE_BUSY)', prismaError('P1008', 'Operation has timed out')],
      ['a SQLite constraint error', Object.assign(new Error('UNIQUE constraint failed'), { name: 'SqliteError', code: 'SQLITE_CONSTRAINT_UNIQUE' })],
      ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'seq')")],
    ];
    for (const [what, err] of faults) {
      it(`is not busy for ${what}`, () => expect(classifyDatabaseBusy(err)).to.equal(null));
    }
    it('is not busy for values that are not errors', () => {
      for (const v of [undefined, null, 'timeout exceeded when trying to connect', 42, { code: 55 }]) expect(classifyDatabaseBusy(v)).to.equal(null);
    });
  });
});

describe('recognizing a unique violation', () => {
  /** A raw query's failure (`$executeRaw`): P2010, the adapter's classification in meta. */
  const rawError = (originalCode: string, kind: string) =>
    prismaError('P2010', 'Raw query failed.', { driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode, originalMessage: 'constraint failed', kind } } });

  it("is one from Prisma's own queries (P2002)", () => {
    expect(isUniqueViolation(adapterError('P2002', '23505', 'duplicate key value violates unique constraint'))).to.equal(true);
  });
  it('is one from a raw INSERT on SQLite and on PostgreSQL (P2010 with the adapter naming it)', () => {
    // The shapes Prisma 7.10 threw here for a raw multi-row INSERT (broker/db/raw-insert.ts) into a unique index.
    expect(isUniqueViolation(rawError('SQLITE_CONSTRAINT_UNIQUE', 'UniqueConstraintViolation'))).to.equal(true);
    expect(isUniqueViolation(rawError('23505', 'UniqueConstraintViolation'))).to.equal(true);
  });
  it('is not one for other raw failures, other codes or values that are not errors', () => {
    expect(isUniqueViolation(rawError('SQLITE_CONSTRAINT_NOTNULL', 'NullConstraintViolation'))).to.equal(false);
    expect(isUniqueViolation(rawError('57014', 'postgres'))).to.equal(false);
    expect(isUniqueViolation(prismaError('P2003', 'Foreign key constraint violated'))).to.equal(false);
    for (const v of [undefined, null, 'P2002', 42, { code: 'P2010' }]) expect(isUniqueViolation(v)).to.equal(false);
  });
});
