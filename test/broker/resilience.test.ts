// Resilience through the API: idempotent retries, async mode, per-register retries and circuit breaker,
// and the limits that protect the broker. Real broker, real simulators, SQLite and PostgreSQL.
import { expect } from 'chai';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '86095742719';
const ALL_TYPES = ['salary', 'maternity-benefit', 'income'];
const body = (o: Record<string, unknown> = {}) => ({ citizen: { idNr: CITIZEN }, evidenceTypes: ALL_TYPES, purpose: 'elterngeld', caseReference: 'EG-R-1', routing: ROUTING, ...o });
const key = () => `key-${crypto.randomUUID()}`;

async function consent(h: Harness) {
  const res = await h.call('POST', '/v1/consents', {
    body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ALL_TYPES, purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
  });
  expect(res.status).to.equal(201);
}

const calls = (h: Harness) => Object.values(h.sims.byType).reduce((n, s) => n + s.calls, 0);
const transfersOf = (h: Harness, requestId: string) =>
  h.broker.ctx.database.prisma.auditDetail.count({ where: { requestId, entry: { kind: 'transfer' } } });

for (const kind of DATABASE_KINDS) {
  describe(`resilience (${kind})`, function () {
    let db: TestDatabase;
    let h: Harness;
    before(async function () {
      const found = await testDatabase(kind);
      if (!found) return this.skip();
      db = found;
      h = await startHarness(db, { registerTimeoutMs: 1500 });
      await consent(h);
    });
    after(async () => h?.close());
    beforeEach(() => Object.values(h.sims.byType).forEach((s) => s.reset()));

    describe('when a caller repeats a request with the same Idempotency-Key', () => {
      it('gets the first answer again, without a second fetch or audit entry', async () => {
        const k = key();
        const first = await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } });
        expect(first.status).to.equal(201);
        const before = calls(h);
        const again = await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } });
        expect(again.status).to.equal(201);
        expect(again.headers.get('idempotent-replayed')).to.equal('true');
        expect(again.body).to.deep.equal(first.body);
        expect(again.body.evidence[0].data.months).to.be.an('array');
        expect(calls(h)).to.equal(before);
        expect(await transfersOf(h, first.body.id)).to.equal(1);
      });

      it('refuses the key with another body (422) and a malformed key (400)', async () => {
        const k = key();
        expect((await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } })).status).to.equal(201);
        const other = await h.call('POST', '/v1/evidence-requests', { body: body({ caseReference: 'EG-R-2' }), headers: { 'idempotency-key': k } });
        expect(other.status).to.equal(422);
        expect(other.body.code).to.equal('idempotency-key-reused');
        const short = await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': 'short' } });
        expect(short.status).to.equal(400);
        expect(short.body.invalidParams[0].name).to.equal('header.idempotency-key');
      });

      it('answers concurrent repeats once: one answer, the other told to retry, one audit entry', async () => {
        h.sims.byType.income.setBehaviour({ latencyMs: 400 });
        const k = key();
        const [a, b] = await Promise.all([
          h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } }),
          h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } }),
        ]);
        const statuses = [a.status, b.status].sort();
        expect(statuses).to.deep.equal([201, 409]);
        const conflict = a.status === 409 ? a : b;
        expect(Number(conflict.headers.get('retry-after'))).to.be.greaterThan(0);
        const answered = a.status === 201 ? a : b;
        expect(await transfersOf(h, answered.body.id)).to.equal(1);
        const retried = await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } });
        expect(retried.body).to.deep.equal(answered.body);
      });
    });

    describe('when another process takes a request over while its registers are being asked', () => {
      it('refuses to commit the late answer (409), records no transfer and leaves the new holder\'s row alone', async () => {
        const prisma = h.broker.ctx.database.prisma;
        h.sims.byType.income.setBehaviour({ latencyMs: 600 });
        const late = h.call('POST', '/v1/evidence-requests', { body: body({ caseReference: 'EG-R-takeover' }) });
        let row = await prisma.evidenceRequest.findFirst({ where: { caseReference: 'EG-R-takeover' } });
        for (let i = 0; i < 100 && !row; i++) {
          await new Promise((r) => setTimeout(r, 20));
          row = await prisma.evidenceRequest.findFirst({ where: { caseReference: 'EG-R-takeover' } });
        }
        expect(row, 'the request was recorded').to.not.equal(null);
        // What a takeover does (claimNew, the sweep): a new lock token on the row, compare-and-set.
        await prisma.evidenceRequest.update({ where: { id: row!.id }, data: { lockToken: 'another-process' } });
        const answer = await late;
        expect(answer.status).to.equal(409);
        expect(await transfersOf(h, row!.id)).to.equal(0);
        const after = await prisma.evidenceRequest.findUniqueOrThrow({ where: { id: row!.id } });
        expect(after).to.include({ status: 'in-progress', lockToken: 'another-process', auditSeq: null });
        expect(await prisma.evidenceItem.count({ where: { requestId: row!.id } })).to.equal(0);
      });
    });

    describe('when the caller prefers an async answer', () => {
      it('answers 202 at once and delivers the evidence on GET', async () => {
        h.sims.byType.salary.setBehaviour({ latencyMs: 300 });
        const accepted = await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { prefer: 'respond-async' } });
        expect(accepted.status).to.equal(202);
        expect(accepted.headers.get('preference-applied')).to.equal('respond-async');
        expect(accepted.body).to.include({ status: 'in-progress', auditEntryId: null });
        const location = accepted.headers.get('location')!;
        let answer = (await h.call('GET', location)).body;
        for (let i = 0; i < 50 && answer.status === 'in-progress'; i++) {
          await new Promise((r) => setTimeout(r, 100));
          answer = (await h.call('GET', location)).body;
        }
        expect(answer.status).to.equal('complete');
        expect(answer.evidence[0].data.months).to.be.an('array');
        expect(await transfersOf(h, accepted.body.id)).to.equal(1);
      });

      it('resumes the work of a broker that died holding it', async () => {
        const prisma = h.broker.ctx.database.prisma;
        const accepted = await h.call('POST', '/v1/evidence-requests', { body: body({ caseReference: 'EG-R-crash' }), headers: { prefer: 'respond-async' } });
        await h.broker.ctx.evidence.drain();
        // Rewind it to how a crashed holder leaves it: unanswered, its lock run out, nothing audited.
        await prisma.auditDetail.count({ where: { requestId: accepted.body.id } }).then((n) => expect(n).to.equal(1));
        const crashedId = crypto.randomUUID();
        const row = await prisma.evidenceRequest.findUniqueOrThrow({ where: { id: accepted.body.id } });
        await prisma.evidenceRequest.create({
          data: { ...row, id: crashedId, status: 'in-progress', answeredAt: null, auditSeq: null, resultCipher: null, resultExpiresAt: null, lockToken: 'dead-process', lockedUntil: new Date(Date.now() - 1000), idempotencyKeyHash: null },
        });
        const swept = await h.broker.ctx.evidence.sweep();
        expect(swept.resumed).to.equal(1);
        await h.broker.ctx.evidence.drain();
        const answer = await h.call('GET', `/v1/evidence-requests/${crashedId}`);
        expect(answer.body.status).to.equal('complete');
        expect(await transfersOf(h, crashedId)).to.equal(1);
      });
    });

    describe('when the consent is revoked before the sweep resumes a crashed async request', () => {
      it('asks no register and answers every item unavailable with CONSENT_REVOKED, audited', async () => {
        const prisma = h.broker.ctx.database.prisma;
        const granted = await h.call('POST', '/v1/consents', {
          body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ALL_TYPES, purpose: 'kinderzuschlag', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
        });
        expect(granted.status).to.equal(201);
        const accepted = await h.call('POST', '/v1/evidence-requests', { body: body({ purpose: 'kinderzuschlag', caseReference: 'EG-R-revoked' }), headers: { prefer: 'respond-async' } });
        expect(accepted.status).to.equal(202);
        await h.broker.ctx.evidence.drain();
        const crashedId = crypto.randomUUID();
        const row = await prisma.evidenceRequest.findUniqueOrThrow({ where: { id: accepted.body.id } });
        expect(row.consentId).to.equal(granted.body.id);
        await prisma.evidenceRequest.create({
          data: { ...row, id: crashedId, status: 'in-progress', answeredAt: null, auditSeq: null, resultCipher: null, resultExpiresAt: null, lockToken: 'dead-process', lockedUntil: new Date(Date.now() - 1000), idempotencyKeyHash: null },
        });
        const citizen = await h.citizenToken(CITIZEN);
        expect((await h.call('DELETE', `/v1/consents/${granted.body.id}`, { token: citizen })).status).to.equal(200);
        const before = calls(h);

        expect((await h.broker.ctx.evidence.sweep()).resumed).to.equal(1);
        await h.broker.ctx.evidence.drain();
        expect(calls(h)).to.equal(before);
        const answer = await h.call('GET', `/v1/evidence-requests/${crashedId}`);
        expect(answer.body.status).to.equal('failed');
        for (const item of answer.body.evidence) {
          expect(item).to.include({ status: 'unavailable', data: null });
          expect(item.reason.code).to.equal('CONSENT_REVOKED');
        }
        expect(await transfersOf(h, crashedId)).to.equal(1);
      });
    });

    describe('when a register fails in ways worth retrying', () => {
      it('retries a 500 with backoff, but never a malformed answer', async () => {
        h.sims.byType.income.setBehaviour({ fault: 'http-500' });
        const failed = await h.call('POST', '/v1/evidence-requests', { body: body({ evidenceTypes: ['income'] }) });
        expect(failed.body.evidence[0].reason.code).to.equal('INCOME_UPSTREAM_ERROR');
        expect(h.sims.byType.income.calls).to.equal(3);
        h.sims.byType.income.reset();
        h.sims.byType.income.setBehaviour({ fault: 'malformed-xml' });
        const malformed = await h.call('POST', '/v1/evidence-requests', { body: body({ evidenceTypes: ['income'] }) });
        expect(malformed.body.evidence[0].reason.code).to.equal('INCOME_MALFORMED_ANSWER');
        expect(h.sims.byType.income.calls).to.equal(1);
      });
    });

    describe('when a register is down for good', () => {
      let own: Harness;
      before(async () => {
        own = await startHarness(db, { registerTimeoutMs: 1500 });
        await consent(own);
      });
      after(async () => own?.close());

      it('opens its circuit and fails fast without calling it, while the others still answer', async () => {
        own.sims.byType['maternity-benefit'].setBehaviour({ fault: 'http-500' });
        for (let i = 0; i < 2; i++) await own.call('POST', '/v1/evidence-requests', { body: body() });
        const callsBefore = own.sims.byType['maternity-benefit'].calls;
        const started = Date.now();
        const res = await own.call('POST', '/v1/evidence-requests', { body: body() });
        const maternity = res.body.evidence.find((e: { type: string }) => e.type === 'maternity-benefit');
        expect(maternity.reason.code).to.equal('MATERNITY_BENEFIT_CIRCUIT_OPEN');
        expect(own.sims.byType['maternity-benefit'].calls).to.equal(callsBefore);
        expect(res.body.evidence.find((e: { type: string }) => e.type === 'salary').status).to.equal('delivered');
        expect(Date.now() - started).to.be.lessThan(1000);
        const metrics = await (await fetch(`${own.url}/metrics`)).text();
        // One circuit per register instance: the AOK's is open, the rvBEA's closed.
        expect(metrics).to.match(/broker_register_circuit_state\{register="gkv-aok-bayern"\} 1/);
        expect(metrics).to.match(/broker_register_circuit_state\{register="drv-rvbea"\} 0/);
      });
    });

    describe('limits against abuse', () => {
      let limited: Harness;
      before(async () => {
        limited = await startHarness(db, { config: { rateLimitPerMinute: 5, maxInFlight: 2 } });
        await consent(limited);
      });
      after(async () => limited?.close());

      it('refuses a body over 64 KiB with 413 problem+json', async () => {
        const res = await limited.call('POST', '/v1/evidence-requests', { body: body({ caseReference: 'x'.repeat(70_000) }) });
        expect(res.status).to.equal(413);
        expect(res.body.code).to.equal('payload-too-large');
      });

      it('refuses too many requests in flight with 503 and Retry-After', async () => {
        limited.sims.byType.salary.setBehaviour({ latencyMs: 500 });
        const results = await Promise.all([1, 2, 3].map(() => limited.call('POST', '/v1/evidence-requests', { body: body({ evidenceTypes: ['salary'] }) })));
        const refused = results.filter((r) => r.status === 503);
        expect(refused.length).to.be.greaterThan(0);
        expect(refused[0]!.body.code).to.equal('overloaded');
        expect(refused[0]!.headers.get('retry-after')).to.equal('1');
        limited.sims.byType.salary.reset();
      });

      it('refuses a caller over its rate with 429 and Retry-After', async () => {
        let res;
        for (let i = 0; i < 8; i++) res = await limited.call('GET', '/v1/me');
        expect(res!.status).to.equal(429);
        expect(res!.body.code).to.equal('rate-limited');
        expect(Number(res!.headers.get('retry-after'))).to.be.within(1, 60);
      });
    });
  });
}
