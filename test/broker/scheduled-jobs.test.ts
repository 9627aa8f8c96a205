// The broker's scheduled jobs fire on their own: with short configured intervals (SWEEP_INTERVAL_MS,
// CHECKPOINT_INTERVAL_SECONDS, PURGE_INTERVAL_MS) a running broker, never called by the test to sweep, sign
// or purge, takes over an orphaned async request, signs a checkpoint and a tree head of the grown log once
// the interval has passed, and deletes what outlived its retention while sparing requests still in progress.
// Real broker and simulators on SQLite and PostgreSQL; every wait is a bounded poll.
import { expect } from 'chai';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { logLines } from '../helpers/log-lines.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '86095742719';
const TYPES = ['salary', 'income'];
const DAY = 86_400_000;
const INTERVALS = { sweepIntervalMs: 150, purgeIntervalMs: 200, checkpointIntervalSeconds: 1 };
const body = (caseReference: string) => ({ citizen: { idNr: CITIZEN }, evidenceTypes: TYPES, purpose: 'elterngeld', caseReference, routing: ROUTING });

/** Polls `probe` until it answers a value other than undefined, for at most `ms`; fails naming `what`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function consent(h: Harness) {
  const res = await h.call('POST', '/v1/consents', {
    body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: TYPES, purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + DAY).toISOString() },
  });
  expect(res.status).to.equal(201);
}

/** A copy of an answered request's row, changed by `patch`: how a crashed or long-gone request looks in the table. */
async function copyOfRequest(h: Harness, id: string, patch: Record<string, unknown>): Promise<string> {
  const prisma = h.broker.ctx.database.prisma;
  const row = await prisma.evidenceRequest.findUniqueOrThrow({ where: { id } });
  const copy = crypto.randomUUID();
  await prisma.evidenceRequest.create({ data: { ...row, id: copy, idempotencyKeyHash: null, ...patch } });
  return copy;
}

const JOB_FAILURES = /sweep failed|checkpoint failed|signing the audit tree head failed|purge failed/;

for (const kind of DATABASE_KINDS) {
  describe(`scheduled jobs (${kind})`, function () {
    this.timeout(90_000);
    let db: TestDatabase;
    let h: Harness;
    let lines: string[];
    // The broker's clock runs with real time, shifted by this much (the audit retention test moves it on).
    let shiftMs = 0;
    beforeEach(async function () {
      shiftMs = 0;
      const found = await testDatabase(kind);
      if (!found) return this.skip();
      db = found;
      const logged = logLines('info');
      lines = logged.lines;
      h = await startHarness(db, { log: logged.log, clock: () => new Date(Date.now() + shiftMs), config: { ...INTERVALS, requestRetentionDays: 1 } });
      await consent(h);
    });
    afterEach(async () => h?.close());

    it('takes over an async request whose holder died and answers it, once, without being asked', async () => {
      const prisma = h.broker.ctx.database.prisma;
      const answered = await h.call('POST', '/v1/evidence-requests', { body: body('EG-SWEEP') });
      expect(answered.status).to.equal(201);
      // How a crashed holder leaves an async request: unanswered, nothing audited, its lock run out.
      const orphan = await copyOfRequest(h, answered.body.id, { mode: 'async', status: 'in-progress', answeredAt: null, auditSeq: null, resultCipher: null, resultExpiresAt: null, lockToken: 'dead-process', lockedUntil: new Date(Date.now() - 1000) });
      const status = await eventually('the sweep answers the orphaned request', async () => {
        const row = await prisma.evidenceRequest.findUniqueOrThrow({ where: { id: orphan } });
        return row.status === 'in-progress' ? undefined : row.status;
      });
      expect(status).to.equal('complete');
      const answer = await h.call('GET', `/v1/evidence-requests/${orphan}`);
      expect(answer.body.status).to.equal('complete');
      expect(await prisma.auditDetail.count({ where: { requestId: orphan, entry: { kind: 'transfer' } } })).to.equal(1);
    });

    it('marks a sync request whose holder died abandoned, without asking a register or auditing it', async () => {
      const prisma = h.broker.ctx.database.prisma;
      const answered = await h.call('POST', '/v1/evidence-requests', { body: body('EG-SWEEP-SYNC') });
      expect(answered.status).to.equal(201);
      const calls = () => Object.values(h.sims.byType).reduce((n, s) => n + s.calls, 0);
      const before = calls();
      const stale = await copyOfRequest(h, answered.body.id, { mode: 'sync', status: 'in-progress', answeredAt: null, auditSeq: null, resultCipher: null, resultExpiresAt: null, lockToken: 'dead-process', lockedUntil: new Date(Date.now() - 1000) });
      await eventually('the sweep abandons the stale sync request', async () => ((await prisma.evidenceRequest.findUniqueOrThrow({ where: { id: stale } })).status === 'abandoned' ? true : undefined));
      expect(calls()).to.equal(before);
      expect(await prisma.auditDetail.count({ where: { requestId: stale } })).to.equal(0);
    });

    it('signs a checkpoint and a tree head of the grown log once the interval has passed since the last', async () => {
      const prisma = h.broker.ctx.database.prisma;
      // The first transfer: the jobs sign it (there was no head yet at start-up: the log was empty).
      expect((await h.call('POST', '/v1/evidence-requests', { body: body('EG-CP-1') })).status).to.equal(201);
      const firstSize = await h.broker.ctx.audit.treeSize();
      const first = await eventually('a tree head of the first transfer', () => prisma.auditTreeHead.findFirst({ where: { treeSize: { gte: firstSize } }, orderBy: { treeSize: 'asc' } }).then((r) => r ?? undefined));
      expect((await h.call('POST', '/v1/evidence-requests', { body: body('EG-CP-2') })).status).to.equal(201);
      const grownSize = await h.broker.ctx.audit.treeSize();
      expect(grownSize).to.be.greaterThan(first.treeSize);
      const grown = await eventually('a tree head of the grown log', () => prisma.auditTreeHead.findFirst({ where: { treeSize: { gte: grownSize } } }).then((r) => r ?? undefined));
      // Not sooner than CHECKPOINT_INTERVAL_SECONDS after the one before.
      expect(grown.createdAt.getTime() - first.createdAt.getTime()).to.be.at.least(INTERVALS.checkpointIntervalSeconds * 1000);
      const heads = await prisma.auditTreeHead.findMany({ where: { treeSize: { gt: first.treeSize, lt: grown.treeSize } } });
      expect(heads, 'heads signed between the two, inside the interval').to.have.length(0);
      // The chain's signed checkpoint follows the head of the audit chain the same way.
      const head = await prisma.auditHead.findUniqueOrThrow({ where: { id: 1 } });
      const checkpoint = await eventually('a checkpoint of the grown chain', () => prisma.auditCheckpoint.findFirst({ where: { seq: { gte: head.seq } } }).then((r) => r ?? undefined));
      expect(checkpoint.seq).to.be.at.least(head.seq);
      const published = await h.call('GET', '/v1/audit/checkpoint', { token: null });
      expect(published.status).to.equal(200);
    });

    it('deletes request metadata past its retention, and spares a request still in progress', async () => {
      const prisma = h.broker.ctx.database.prisma;
      const answered = await h.call('POST', '/v1/evidence-requests', { body: body('EG-PURGE') });
      expect(answered.status).to.equal(201);
      const threeDaysAgo = new Date(Date.now() - 3 * DAY);
      const expired = await copyOfRequest(h, answered.body.id, { createdAt: threeDaysAgo, auditSeq: null });
      // As old, but its holder still works on it (lock held): the purge must leave it for holder and sweep.
      const inProgress = await copyOfRequest(h, answered.body.id, { createdAt: threeDaysAgo, status: 'in-progress', answeredAt: null, auditSeq: null, resultCipher: null, resultExpiresAt: null, lockToken: 'live-process', lockedUntil: new Date(Date.now() + DAY) });
      const recent = answered.body.id as string;

      await eventually('the purge deletes the expired request', async () => ((await prisma.evidenceRequest.count({ where: { id: expired } })) === 0 ? true : undefined));
      expect(await prisma.evidenceRequest.findUnique({ where: { id: inProgress } })).to.include({ status: 'in-progress', lockToken: 'live-process' });
      expect(await prisma.evidenceRequest.count({ where: { id: recent } })).to.equal(1);
      const purged = lines.map((l) => JSON.parse(l) as { msg: string; requests?: number }).filter((l) => l.msg === 'expired data deleted');
      expect(purged.reduce((n, l) => n + (l.requests ?? 0), 0)).to.equal(1);
    });

    it("deletes an audit entry's personal details once their retention has ended; the chain still verifies", async () => {
      const prisma = h.broker.ctx.database.prisma;
      const answered = await h.call('POST', '/v1/evidence-requests', { body: body('EG-PURGE-AUDIT') });
      expect(answered.status).to.equal(201);
      const seq = answered.body.auditEntryId as number;
      expect(await prisma.auditDetail.count({ where: { seq } })).to.equal(1);
      // The broker's clock moves past the audit retention (AUDIT_RETENTION_DAYS, default 730).
      shiftMs = (h.broker.ctx.cfg.auditRetentionDays + 1) * DAY;
      await eventually('the purge deletes the expired audit details', async () => ((await prisma.auditDetail.count({ where: { seq } })) === 0 ? true : undefined));
      expect(await prisma.auditEntry.count({ where: { seq } })).to.equal(1);
      const verify = await h.call('GET', '/v1/audit/verify', { token: await h.operatorToken() });
      expect(verify.body, JSON.stringify(verify.body)).to.include({ ok: true });
      const purged = lines.map((l) => JSON.parse(l) as { msg: string; auditDetails?: number }).filter((l) => l.msg === 'expired data deleted');
      expect(purged.reduce((n, l) => n + (l.auditDetails ?? 0), 0)).to.be.at.least(1);
    });

    it('runs none of its jobs after close, so none fails on a closed database', async () => {
      // Async work keeps the sweep busy while the broker closes mid-interval.
      for (let i = 0; i < 3; i++) {
        expect((await h.call('POST', '/v1/evidence-requests', { body: body(`EG-CLOSE-${i}`), headers: { prefer: 'respond-async' } })).status).to.equal(202);
      }
      const broker = h;
      h = undefined as unknown as Harness;
      await broker.close();
      // Twice the longest interval after the close: a job left scheduled would have run (and failed) by then.
      const quiet = Date.now() + 2 * Math.max(INTERVALS.sweepIntervalMs, INTERVALS.purgeIntervalMs);
      while (Date.now() < quiet) await new Promise((r) => setTimeout(r, 50));
      expect(lines.filter((l) => JOB_FAILURES.test(l))).to.deep.equal([]);
    });
  });
}
