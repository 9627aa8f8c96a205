// PostgreSQL's own contention errors, caused for real on a real server against a real broker over HTTP:
// serialization failure (40001), deadlock (40P01), statement timeout (57014), too many connections (53300)
// and a pool checkout timeout. Each must answer 503 problem+json with Retry-After and be counted under its
// cause, so a Prisma or pg upgrade that changes how these errors reach the broker fails here, not in
// production. Each case has a broker of its own, with the session settings it needs in its DATABASE_URL.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { DATABASE_TIME_LIMITS } from '../../broker/db/database.ts';
import { testDatabase, type TestDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';
import { blockedBy, ownDatabase, rawSession, schemaOf, serverUrl, until, withSessionSettings, type RawSession } from '../helpers/pg-provoke.ts';

const CITIZEN = '86095742719';
const TYPES = ['salary', 'maternity-benefit', 'income'];
const request = (caseReference: string) => ({ citizen: { idNr: CITIZEN }, evidenceTypes: TYPES, purpose: 'elterngeld', caseReference, routing: ROUTING });

type Reply = Awaited<ReturnType<Harness['call']>>;

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

async function busyCount(h: Harness, cause: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  return Number(new RegExp(`^broker_database_busy_total\\{cause="${cause}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

async function consent(h: Harness): Promise<void> {
  const res = await h.call('POST', '/v1/consents', {
    body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: TYPES, purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
  });
  expect(res.status).to.equal(201);
}

/** The 503 every busy condition must give: problem+json, overloaded, Retry-After, no personal data. */
function expectBusyAnswer(res: Reply): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(503);
  expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
  expect(res.headers.get('retry-after')).to.equal('1');
  expect(res.body).to.include({ code: 'overloaded', status: 503 });
  expect(JSON.stringify(res.body)).not.to.include(CITIZEN);
}

/** The one 'database busy' log line since `from`, with the SQLSTATE that decided it. */
function busyLogged(lines: Record<string, unknown>[], from: number): { cause: string; driverCode?: string; prismaCode?: string }[] {
  return lines.slice(from).filter((l) => l.msg === 'database busy; answered 503').map((l) => l.dbBusy as { cause: string; driverCode?: string });
}

describe('PostgreSQL errors provoked for real answer 503 with Retry-After', function () {
  this.timeout(90_000);
  let pgDb: TestDatabase;

  before(async function () {
    const found = await testDatabase('postgresql');
    if (!found) return this.skip();
    pgDb = found;
  });

  /** A broker on its own schema with these settings; a consent for CITIZEN; the test's log lines. */
  async function brokerWith(db: TestDatabase): Promise<{ h: Harness; lines: Record<string, unknown>[] }> {
    const captured = capturingLogger();
    const h = await startHarness(db, { registerTimeoutMs: 2000, log: captured.log });
    try {
      await consent(h);
    } catch (err) {
      await h.close();
      throw err;
    }
    return { h, lines: captured.lines };
  }

  /** A superuser session on the broker's database, with the broker's schema first on its search_path. */
  async function sessionOn(h: Harness): Promise<RawSession> {
    const s = await rawSession(serverUrl(h.databaseUrl));
    await s.client.query(`SET search_path TO "${schemaOf(h.databaseUrl)}"`);
    return s;
  }

  describe('when a concurrent transaction commits a change to the row the broker waits for (serializable)', () => {
    it('answers 503 (write-conflict, SQLSTATE 40001) and the retry succeeds', async () => {
      // Every broker transaction serializable: the audit head row changed under its snapshot is 40001.
      const { h, lines } = await brokerWith(withSessionSettings(pgDb, { lock_timeout: '20000' }, { default_transaction_isolation: 'serializable' }));
      const holder = await sessionOn(h);
      const observer = await sessionOn(h);
      try {
        const before = await busyCount(h, 'write-conflict');
        const from = lines.length;
        await holder.client.query('BEGIN');
        await holder.client.query('UPDATE "AuditHead" SET "seq" = "seq" WHERE "id" = 1');
        const pending = h.call('POST', '/v1/evidence-requests', { body: request('EG-PG-40001') });
        await until('the broker blocked behind the audit head', async () => ((await blockedBy(observer.client, holder.pid)) >= 1 ? true : null));
        await holder.client.query('COMMIT');
        const refused = await pending;

        expectBusyAnswer(refused);
        expect(await busyCount(h, 'write-conflict')).to.equal(before + 1);
        expect(busyLogged(lines, from)).to.have.deep.members([{ cause: 'write-conflict', driverCode: '40001' }]);
        const retry = await h.call('POST', '/v1/evidence-requests', { body: request('EG-PG-40001') });
        expect(retry.status).to.equal(201);
      } finally {
        await holder.end();
        await observer.end();
        await h.close();
      }
    });
  });

  describe('when a concurrent transaction takes the broker\'s locks in the opposite order', () => {
    it('answers 503 (write-conflict, SQLSTATE 40P01) for the deadlock PostgreSQL breaks, and records nothing', async () => {
      // The broker's audit batch locks the head row, then inserts the answer's items. The holder blocks item
      // inserts first, then asks for the head row: a cycle. The broker waits first, and checks for deadlock
      // after 3 s; the holder checks only after 60 s, so PostgreSQL always cancels the broker's statement.
      const { h, lines } = await brokerWith(withSessionSettings(pgDb, { lock_timeout: '20000' }, { deadlock_timeout: '3s' }));
      const holder = await sessionOn(h);
      const observer = await sessionOn(h);
      try {
        const before = await busyCount(h, 'write-conflict');
        const from = lines.length;
        await holder.client.query("SET deadlock_timeout = '60s'");
        await holder.client.query('BEGIN');
        await holder.client.query('LOCK TABLE "EvidenceItem" IN SHARE MODE');
        const pending = h.call('POST', '/v1/evidence-requests', { body: request('EG-PG-40P01') });
        await until('the audit batch blocked on the items table', async () => ((await blockedBy(observer.client, holder.pid)) >= 1 ? true : null));
        // Blocks until PostgreSQL cancels the broker's statement, which releases the head row.
        await holder.client.query('UPDATE "AuditHead" SET "seq" = "seq" WHERE "id" = 1');
        const refused = await pending;
        await holder.client.query('ROLLBACK');

        expectBusyAnswer(refused);
        expect(await busyCount(h, 'write-conflict')).to.equal(before + 1);
        expect(busyLogged(lines, from)).to.have.deep.members([{ cause: 'write-conflict', driverCode: '40P01' }]);
        const prisma = h.broker.ctx.database.prisma;
        const row = await prisma.evidenceRequest.findFirstOrThrow({ where: { caseReference: 'EG-PG-40P01' } });
        expect(row).to.include({ status: 'in-progress', auditSeq: null });
        expect(await prisma.evidenceItem.count({ where: { requestId: row.id } })).to.equal(0);
      } finally {
        await holder.end();
        await observer.end();
        await h.close();
      }
    });
  });

  describe('when a statement waits past statement_timeout', () => {
    it('answers 503 (statement-timeout, SQLSTATE 57014) and the retry succeeds once the lock is gone', async () => {
      // lock_timeout far above statement_timeout: the statement is cancelled for its time, not for the lock.
      const { h, lines } = await brokerWith(withSessionSettings(pgDb, { lock_timeout: '20000', statement_timeout: '1500' }));
      const holder = await sessionOn(h);
      try {
        const before = await busyCount(h, 'statement-timeout');
        const from = lines.length;
        await holder.client.query('BEGIN');
        await holder.client.query('UPDATE "AuditHead" SET "seq" = "seq" WHERE "id" = 1');
        let refused: Reply;
        try {
          refused = await h.call('POST', '/v1/evidence-requests', { body: request('EG-PG-57014') });
        } finally {
          await holder.client.query('ROLLBACK');
        }
        expectBusyAnswer(refused);
        expect(await busyCount(h, 'statement-timeout')).to.equal(before + 1);
        expect(busyLogged(lines, from)).to.have.deep.members([{ cause: 'statement-timeout', driverCode: '57014' }]);
        const retry = await h.call('POST', '/v1/evidence-requests', { body: request('EG-PG-57014') });
        expect(retry.status).to.equal(201);
      } finally {
        await holder.end();
        await h.close();
      }
    });
  });

  describe('when the database refuses another connection', () => {
    it('answers 503 (too-many-connections, SQLSTATE 53300) and serves again once connections are allowed', async () => {
      // A database and role of the test's own: the server enforces CONNECTION LIMIT only on non-superusers.
      const own = await ownDatabase(serverUrl(pgDb.create().url), 'pg27');
      try {
        const { h, lines } = await brokerWith(own.testDatabase);
        const admin = await rawSession(serverUrl(pgDb.create().url, { database: own.database }));
        let held: RawSession | null = null;
        try {
          const before = await busyCount(h, 'too-many-connections');
          const from = lines.length;
          // One slot, taken by someone else; the broker's open connections are closed by the server.
          held = await rawSession(serverUrl(h.databaseUrl, { user: own.role }));
          await own.limitConnections(1);
          const brokers = `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND usename = $2 AND pid <> $3`;
          await admin.client.query(`SELECT pg_terminate_backend(pid) FROM (${brokers}) b`, [own.database, own.role, held.pid]);
          await until('the broker\'s connections closed', async () => ((await admin.client.query(brokers, [own.database, own.role, held!.pid])).rowCount === 0 ? true : null));

          const refused = await h.call('GET', '/v1/me');
          expectBusyAnswer(refused);
          expect(busyLogged(lines, from)).to.have.deep.members([{ cause: 'too-many-connections', driverCode: '53300' }]);

          await own.limitConnections(-1);
          expect((await h.call('GET', '/v1/me')).status).to.equal(200);
          // Read once connections are allowed again: /metrics reads the database too.
          expect(await busyCount(h, 'too-many-connections')).to.equal(before + 1);
        } finally {
          await held?.end();
          await admin.end();
          await h.close();
        }
      } finally {
        await own.drop();
      }
    });
  });

  describe('when every pool connection is taken for longer than a checkout may wait', () => {
    it('answers 503 (pool-timeout) to the requests that found no connection, and serves them all afterwards', async () => {
      // Authentication reads the token table on every request: locked, each request holds its connection
      // while it waits (lock_timeout far above the pool's wait), until the pool has none left.
      const { h, lines } = await brokerWith(withSessionSettings(pgDb, { lock_timeout: '20000' }));
      const holder = await sessionOn(h);
      const observer = await sessionOn(h);
      const extra = 3;
      try {
        const before = await busyCount(h, 'pool-timeout');
        const from = lines.length;
        await holder.client.query('BEGIN');
        await holder.client.query('LOCK TABLE "ApiToken" IN ACCESS EXCLUSIVE MODE');
        const settled: Reply[] = [];
        const sent: Promise<Reply>[] = [];
        let replies: Reply[];
        try {
          for (let i = 0; i < DATABASE_TIME_LIMITS.poolMax; i++) sent.push(h.call('GET', '/v1/me'));
          await until('the whole pool blocked on the token table', async () => ((await blockedBy(observer.client, holder.pid)) >= DATABASE_TIME_LIMITS.poolMax ? true : null));
          // The pool is exhausted: these wait for a connection, and give up after the pool's wait.
          for (let i = 0; i < extra; i++) sent.push(h.call('GET', '/v1/me').then((r) => (settled.push(r), r)));
          await until('the requests without a connection answered', () => (settled.length === extra ? true : null), 30_000);
        } finally {
          await holder.client.query('ROLLBACK');
          replies = await Promise.all(sent);
        }
        for (const r of settled) expectBusyAnswer(r);
        expect(replies.slice(0, DATABASE_TIME_LIMITS.poolMax).map((r) => r.status)).to.deep.equal(Array(DATABASE_TIME_LIMITS.poolMax).fill(200));
        expect(await busyCount(h, 'pool-timeout')).to.equal(before + extra);
        expect(busyLogged(lines, from).map((b) => b.cause)).to.deep.equal(Array(extra).fill('pool-timeout'));
        expect((await h.call('GET', '/v1/me')).status).to.equal(200);
      } finally {
        await holder.end();
        await observer.end();
        await h.close();
      }
    });
  });
});
