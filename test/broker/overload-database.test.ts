// A saturated database is an overload, not an internal error: the broker answers 503 problem+json with
// Retry-After, logs and counts it without personal data, records nothing by halves, and a retry with the
// same Idempotency-Key succeeds once the database is free. The conditions are real: a second connection
// holds the lock the broker needs (PostgreSQL: the AuditHead row; SQLite: the database's write lock).
// NOTE: each test starts its own broker (its log and counters are its own), and the call that must be in
// flight when the lock is taken is held at a proxy (held-register.ts) instead of slowed by a latency.
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import pg from 'pg';
import { pino } from 'pino';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { holdRegister, type HeldRegister } from '../helpers/held-register.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '86095742719';
const CASE = 'EG-OVERLOAD-1';
const ALL_TYPES = ['salary', 'maternity-benefit', 'income'];
const BODY = { citizen: { idNr: CITIZEN }, evidenceTypes: ALL_TYPES, purpose: 'elterngeld', caseReference: CASE, routing: ROUTING };

/** The same test database, with parameters added to its URL (pg applies e.g. lock_timeout from there). */
function withUrlParams(db: TestDatabase, params: Record<string, string>): TestDatabase {
  return {
    name: db.name,
    create() {
      const made = db.create();
      const url = new URL(made.url);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return { url: url.toString(), drop: made.drop };
    },
  };
}

/** A second connection that takes the lock the broker's audit append needs, until released. */
interface LockHolder {
  /** PostgreSQL: how many other sessions wait on a lock right now (the broker's connections queued behind ours). */
  waiting(): Promise<number>;
  release(): Promise<void>;
}

async function holdAuditLock(kind: TestDatabase['name'], databaseUrl: string): Promise<LockHolder> {
  if (kind === 'sqlite') {
    const conn = new Database(databaseUrl.slice('file:'.length));
    conn.exec('BEGIN IMMEDIATE'); // the write lock: no other connection may write until ROLLBACK
    return {
      waiting: async () => 0, // SQLite has no view of its waiters
      async release() {
        conn.exec('ROLLBACK');
        conn.close();
      },
    };
  }
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema')!;
  url.search = '';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`UPDATE "${schema}"."AuditHead" SET seq = seq WHERE id = 1`);
  const observer = new pg.Client({ connectionString: url.toString() });
  await observer.connect();
  return {
    async waiting() {
      const { rows } = await observer.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
      return Number(rows[0]!.n);
    },
    async release() {
      await observer.end();
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

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

async function consent(h: Harness) {
  const res = await h.call('POST', '/v1/consents', {
    body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ALL_TYPES, purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
  });
  expect(res.status).to.equal(201);
}

const transfersOf = (h: Harness, requestId: string) => h.broker.ctx.database.prisma.auditDetail.count({ where: { requestId, entry: { kind: 'transfer' } } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough that a held register call is never cut by the broker's own time limit while the test looks. */
const HOLDING_TIMEOUT_MS = 30_000;

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function busyCount(h: Harness, cause: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  return Number(new RegExp(`^broker_database_busy_total\\{cause="${cause}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

for (const kind of DATABASE_KINDS) {
  describe(`overload of the database (${kind})`, function () {
    this.timeout(60_000);
    let db: TestDatabase;
    let h: Harness;
    let held: HeldRegister | undefined;
    let lines: Record<string, unknown>[];

    before(async function () {
      const found = await testDatabase(kind);
      if (!found) return this.skip();
      // PostgreSQL: a short lock_timeout keeps the test quick (the broker's own default is 3 s).
      db = kind === 'postgresql' ? withUrlParams(found, { lock_timeout: '500' }) : found;
    });
    beforeEach(async () => {
      const captured = capturingLogger();
      lines = captured.lines;
      h = await startHarness(db, { registerTimeoutMs: HOLDING_TIMEOUT_MS, log: captured.log });
      await consent(h);
    });
    afterEach(async () => {
      await held?.close();
      held = undefined;
      await h?.close();
    });

    describe('when another connection holds the audit lock while the answer is being committed', () => {
      it('answers 503 with Retry-After, records nothing, and the retry with the same Idempotency-Key gets one answer and one audit entry', async () => {
        const cause = kind === 'sqlite' ? 'sqlite-busy' : 'lock-timeout';
        const busyBefore = await busyCount(h, cause);
        const idempotencyKey = `key-${crypto.randomUUID()}`;
        // The salary call is held until the lock is taken: the request is recorded, and the failure hits the
        // transaction completing it, the worst place for it.
        held = await holdRegister(h, 'drv-rvbea');
        const pending = h.call('POST', '/v1/evidence-requests', { body: BODY, headers: { 'idempotency-key': idempotencyKey } });
        await held.arrivals(1);
        const row = await until('the request row', () => h.broker.ctx.database.prisma.evidenceRequest.findFirst({ where: { caseReference: CASE, status: 'in-progress' } }));
        const holder = await holdAuditLock(kind, h.databaseUrl);
        let refused: Awaited<typeof pending>;
        try {
          held.release();
          refused = await pending;
        } finally {
          await holder.release();
        }

        expect(refused.status).to.equal(503);
        expect(refused.headers.get('content-type')).to.match(/^application\/problem\+json/);
        expect(refused.headers.get('retry-after')).to.equal('1');
        expect(refused.body).to.include({ code: 'overloaded', status: 503 });
        expect(JSON.stringify(refused.body)).not.to.include(CITIZEN);
        // Nothing half-recorded: no audit entry, no items, no answer.
        expect(await transfersOf(h, row.id)).to.equal(0);
        expect(await h.broker.ctx.database.prisma.evidenceItem.count({ where: { requestId: row.id } })).to.equal(0);
        // …and let go of as soon as the database takes writes again, so the retry need not wait for the lock.
        const after = await until('the request let go of', () =>
          h.broker.ctx.database.prisma.evidenceRequest.findFirst({ where: { id: row.id, lockedUntil: { lte: new Date() } } }),
        );
        expect(after).to.include({ status: 'in-progress', auditSeq: null, resultCipher: null });
        // Counted, and logged with codes only.
        expect(await busyCount(h, cause)).to.equal(busyBefore + 1);
        const logged = lines.filter((l) => l.msg === 'database busy; answered 503');
        expect(logged).to.have.length(1);
        expect(logged[0]).to.deep.include({ level: 40, method: 'POST', route: '/v1/evidence-requests' });
        expect((logged[0]!.dbBusy as { cause: string }).cause).to.equal(cause);
        expect(JSON.stringify(logged[0])).not.to.include(CITIZEN);
        expect(JSON.stringify(logged[0])).not.to.include(CASE);

        // The immediate retry takes the request over and answers it.
        const retry = await h.call('POST', '/v1/evidence-requests', { body: BODY, headers: { 'idempotency-key': idempotencyKey } });
        expect(retry.status).to.equal(201);
        expect(retry.body.id).to.equal(row.id);
        expect(retry.body.status).to.equal('complete');
        expect(await transfersOf(h, row.id)).to.equal(1);
        const again = await h.call('POST', '/v1/evidence-requests', { body: BODY, headers: { 'idempotency-key': idempotencyKey } });
        expect(again.status).to.equal(201);
        expect(again.headers.get('idempotent-replayed')).to.equal('true');
        expect(await transfersOf(h, row.id)).to.equal(1);
        expect((await h.broker.ctx.audit.verify()).ok).to.equal(true);
      });
    });

    describe('when the lock is held before the request arrives', () => {
      it('answers 503 and, once the lock is gone, a plain retry succeeds', async () => {
        const holder = await holdAuditLock(kind, h.databaseUrl);
        let refused: Awaited<ReturnType<Harness['call']>>;
        try {
          refused = await h.call('POST', '/v1/evidence-requests', { body: { ...BODY, caseReference: 'EG-OVERLOAD-2' } });
        } finally {
          await holder.release();
        }
        expect(refused.status).to.equal(503);
        expect(refused.headers.get('retry-after')).to.equal('1');
        const retry = await h.call('POST', '/v1/evidence-requests', { body: { ...BODY, caseReference: 'EG-OVERLOAD-2' } });
        expect(retry.status).to.equal(201);
        expect(await transfersOf(h, retry.body.id)).to.equal(1);
      });
    });
  });
}

describe('overload of the database (postgresql): every answer waits on the audit lock', function () {
  this.timeout(60_000);
  let h: Harness;

  before(async function () {
    const found = await testDatabase('postgresql');
    if (!found) return this.skip();
    // A long lock_timeout, so the one audit batch in flight stays stuck behind the lock for the whole test.
    h = await startHarness(withUrlParams(found, { lock_timeout: '20000' }), { registerTimeoutMs: 2000, log: capturingLogger().log });
    await consent(h);
  });
  after(async () => h?.close());

  it('refuses with 503 what waited too long behind the stuck audit batch, answers the rest once the lock is free, and loses nothing', async () => {
    const holder = await holdAuditLock('postgresql', h.databaseUrl);
    let results: Awaited<ReturnType<Harness['call']>>[];
    try {
      const sent = Array.from({ length: 16 }, (_, i) => h.call('POST', '/v1/evidence-requests', { body: { ...BODY, caseReference: `EG-POOL-${i}` } }));
      // Group commit runs one audit batch at a time: once it is stuck behind the lock, the other answers wait
      // in its queue.
      await until('the audit batch waiting on the lock', async () => ((await holder.waiting()) >= 1 ? true : null), 30_000);
      await until('every request at its audit step', async () => ((await h.broker.ctx.database.prisma.evidenceRequest.count({ where: { caseReference: { startsWith: 'EG-POOL-' } } })) === 16 ? true : null), 30_000);
      // Only one connection waits on the lock: the rest of the pool stays free for everything else. A read
      // is answered while that batch is still stuck (no lock timeout yet, a session still waiting on our lock).
      expect(await h.broker.ctx.database.prisma.participant.count()).to.be.greaterThan(0);
      expect(await busyCount(h, 'lock-timeout'), 'the stuck batch gave up before the read was answered').to.equal(0);
      expect(await holder.waiting()).to.be.at.least(1);
      // The answers queued behind the stuck batch wait up to 2 s (like a transaction's maxWait): let go once
      // one of them has been refused for waiting too long.
      await until('an answer refused for waiting behind the stuck batch', async () => ((await busyCount(h, 'audit-queue-timeout')) > 0 ? true : null), 30_000);
      await holder.release();
      results = await Promise.all(sent);
    } catch (err) {
      await holder.release().catch(() => undefined);
      throw err;
    }
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s !== 201 && s !== 503), `statuses ${statuses.join(',')}`).to.deep.equal([]);
    const refused = results.filter((r) => r.status === 503);
    expect(refused.length, `statuses ${statuses.join(',')}`).to.be.greaterThan(0);
    for (const r of refused) {
      expect(r.headers.get('retry-after')).to.equal('1');
      expect(r.body.code).to.equal('overloaded');
    }
    const waitedTooLong = (await busyCount(h, 'audit-queue-timeout')) + (await busyCount(h, 'transaction-start-timeout')) + (await busyCount(h, 'pool-timeout'));
    expect(waitedTooLong).to.equal(refused.length);
    expect(await busyCount(h, 'audit-queue-timeout')).to.be.greaterThan(0);

    // Every 201 has exactly one audit entry and nothing else has one; the chain verifies.
    const answered = results.filter((r) => r.status === 201);
    for (const r of answered) expect(await transfersOf(h, r.body.id)).to.equal(1);
    expect(await h.broker.ctx.database.prisma.auditDetail.count({ where: { entry: { kind: 'transfer' } } })).to.equal(answered.length);
    expect((await h.broker.ctx.audit.verify()).ok).to.equal(true);
  });
});
