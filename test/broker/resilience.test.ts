// Resilience through the API: idempotent retries, async mode, per-register retries and circuit breaker,
// and the limits that protect the broker. Real broker, real simulators, SQLite and PostgreSQL.
// NOTE: every test starts its own broker (no circuit, rate budget or register left as another test left it),
// and a call that must be in flight while the test acts is held at a proxy (held-register.ts), not slowed by
// a latency a loaded machine could outrun.
import { expect } from 'chai';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { holdRegister, type HeldRegister } from '../helpers/held-register.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';
import { until } from '../helpers/until.ts';

const CITIZEN = '86095742719';
const ALL_TYPES = ['salary', 'maternity-benefit', 'income'];
const body = (o: Record<string, unknown> = {}) => ({ citizen: { idNr: CITIZEN }, evidenceTypes: ALL_TYPES, purpose: 'elterngeld', caseReference: 'EG-R-1', routing: ROUTING, ...o });
const key = () => `key-${crypto.randomUUID()}`;
/** The register instances a request for ALL_TYPES reaches with ROUTING. */
const SALARY = 'drv-rvbea';
const INCOME = 'stv-bayern';
/** Long enough that a held call is never cut by the broker's own time limit while the test looks at it. */
const HOLDING_TIMEOUT_MS = 30_000;

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
    this.timeout(60_000);
    let db: TestDatabase;
    const cleanups: (() => Promise<void>)[] = [];
    before(async function () {
      const found = await testDatabase(kind);
      if (!found) return this.skip();
      db = found;
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** A broker of this test's own, with the consent the requests need. */
    async function start(opts: Parameters<typeof startHarness>[1] = {}): Promise<Harness> {
      const h = await startHarness(db, { registerTimeoutMs: 1500, ...opts });
      cleanups.push(() => h.close());
      await consent(h);
      return h;
    }
    async function hold(h: Harness, instanceId: string): Promise<HeldRegister> {
      const held = await holdRegister(h, instanceId);
      cleanups.push(() => held.close());
      return held;
    }

    describe('when a caller repeats a request with the same Idempotency-Key', () => {
      it('gets the first answer again, without a second fetch or audit entry', async () => {
        const h = await start();
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
        const h = await start();
        const k = key();
        expect((await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } })).status).to.equal(201);
        const other = await h.call('POST', '/v1/evidence-requests', { body: body({ caseReference: 'EG-R-2' }), headers: { 'idempotency-key': k } });
        expect(other.status).to.equal(422);
        expect(other.body.code).to.equal('idempotency-key-reused');
        const short = await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': 'short' } });
        expect(short.status).to.equal(400);
        expect(short.body.invalidParams[0].name).to.equal('header.idempotency-key');
      });

      it('answers a repeat sent while the first is still being answered with 409 and Retry-After, and the first once: one answer, one audit entry', async () => {
        const h = await start({ registerTimeoutMs: HOLDING_TIMEOUT_MS });
        const held = await hold(h, INCOME);
        const k = key();
        // The first is recorded and its income call held: the repeat certainly arrives while it is in progress.
        const first = h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } });
        await held.arrivals(1);
        const repeat = await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } });
        expect(repeat.status).to.equal(409);
        expect(Number(repeat.headers.get('retry-after'))).to.be.greaterThan(0);
        held.release();
        const answered = await first;
        expect(answered.status).to.equal(201);
        expect(await transfersOf(h, answered.body.id)).to.equal(1);
        const retried = await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } });
        expect(retried.body).to.deep.equal(answered.body);
        expect(await transfersOf(h, answered.body.id)).to.equal(1);
      });

      it('answers repeats sent at the same moment once, whichever comes first: one 201, the other 409 or the same answer replayed', async () => {
        // Both may be in flight together or one after the other, as a client's network decides: what holds
        // either way is one fetch, one audit entry, and no second answer that differs from the first.
        const h = await start();
        const k = key();
        const [a, b] = await Promise.all([
          h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } }),
          h.call('POST', '/v1/evidence-requests', { body: body(), headers: { 'idempotency-key': k } }),
        ]);
        const fresh = [a, b].filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') !== 'true');
        expect(fresh, `statuses ${a.status}, ${b.status}`).to.have.length(1);
        const answered = fresh[0]!;
        const other = a === answered ? b : a;
        if (other.status === 409) expect(Number(other.headers.get('retry-after'))).to.be.greaterThan(0);
        else expect(other.body, `status ${other.status}`).to.deep.equal(answered.body);
        expect(await transfersOf(h, answered.body.id)).to.equal(1);
        expect(h.sims.byType.income.calls).to.equal(1);
      });
    });

    describe('when another process takes a request over while its registers are being asked', () => {
      it('refuses to commit the late answer (409), records no transfer and leaves the new holder\'s row alone', async () => {
        const h = await start({ registerTimeoutMs: HOLDING_TIMEOUT_MS });
        const prisma = h.broker.ctx.database.prisma;
        const held = await hold(h, INCOME);
        const late = h.call('POST', '/v1/evidence-requests', { body: body({ caseReference: 'EG-R-takeover' }) });
        await held.arrivals(1);
        const row = await prisma.evidenceRequest.findFirst({ where: { caseReference: 'EG-R-takeover' } });
        expect(row, 'the request was recorded').to.not.equal(null);
        // What a takeover does (claimNew, the sweep): a new lock token on the row, compare-and-set.
        await prisma.evidenceRequest.update({ where: { id: row!.id }, data: { lockToken: 'another-process' } });
        held.release();
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
        const h = await start({ registerTimeoutMs: HOLDING_TIMEOUT_MS });
        const held = await hold(h, SALARY);
        // Answered while the salary register has not answered (its call is held): 202 does not wait for registers.
        const accepted = await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { prefer: 'respond-async' } });
        expect(accepted.status).to.equal(202);
        expect(accepted.headers.get('preference-applied')).to.equal('respond-async');
        expect(accepted.body).to.include({ status: 'in-progress', auditEntryId: null });
        const location = accepted.headers.get('location')!;
        await held.arrivals(1);
        expect((await h.call('GET', location)).body.status).to.equal('in-progress');
        held.release();
        let answer = (await h.call('GET', location)).body;
        await until('the async answer', async () => (answer = (await h.call('GET', location)).body).status !== 'in-progress');
        expect(answer.status).to.equal('complete');
        expect(answer.evidence[0].data.months).to.be.an('array');
        expect(await transfersOf(h, accepted.body.id)).to.equal(1);
      });

      it('resumes the work of a broker that died holding it', async () => {
        const h = await start();
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
        const h = await start();
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
        const h = await start();
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
      it('opens its circuit and fails fast without calling it, while the others still answer', async () => {
        const h = await start();
        h.sims.byType['maternity-benefit'].setBehaviour({ fault: 'http-500' });
        for (let i = 0; i < 2; i++) await h.call('POST', '/v1/evidence-requests', { body: body() });
        // From now on a call to it would hang until REGISTER_TIMEOUT_MS and end as a timeout: an item refused
        // as CIRCUIT_OPEN, with no call made, was refused without waiting for the register.
        h.sims.byType['maternity-benefit'].setBehaviour({ fault: 'none', latencyMs: 120_000 });
        const callsBefore = h.sims.byType['maternity-benefit'].calls;
        const res = await h.call('POST', '/v1/evidence-requests', { body: body() });
        const maternity = res.body.evidence.find((e: { type: string }) => e.type === 'maternity-benefit');
        expect(maternity.reason.code).to.equal('MATERNITY_BENEFIT_CIRCUIT_OPEN');
        expect(h.sims.byType['maternity-benefit'].calls).to.equal(callsBefore);
        expect(res.body.evidence.find((e: { type: string }) => e.type === 'salary').status).to.equal('delivered');
        const metrics = await (await fetch(`${h.url}/metrics`)).text();
        // One circuit per register instance: the AOK's is open, the rvBEA's closed.
        expect(metrics).to.match(/broker_register_circuit_state\{register="gkv-aok-bayern"\} 1/);
        expect(metrics).to.match(/broker_register_circuit_state\{register="drv-rvbea"\} 0/);
      });
    });

    describe('limits against abuse', () => {
      it('refuses a body over 64 KiB with 413 problem+json', async () => {
        const h = await start();
        const res = await h.call('POST', '/v1/evidence-requests', { body: body({ caseReference: 'x'.repeat(70_000) }) });
        expect(res.status).to.equal(413);
        expect(res.body.code).to.equal('payload-too-large');
      });

      it('refuses a request over MAX_IN_FLIGHT with 503 and Retry-After, and answers those in flight', async () => {
        const h = await start({ registerTimeoutMs: HOLDING_TIMEOUT_MS, config: { maxInFlight: 2 } });
        const held = await hold(h, SALARY);
        // Two requests in flight for certain: both their salary calls are held.
        const inFlight = [1, 2].map((i) => h.call('POST', '/v1/evidence-requests', { body: body({ caseReference: `EG-R-flight-${i}`, evidenceTypes: ['salary'] }) }));
        await held.arrivals(2);
        const refused = await h.call('POST', '/v1/evidence-requests', { body: body({ caseReference: 'EG-R-flight-3', evidenceTypes: ['salary'] }) });
        expect(refused.status).to.equal(503);
        expect(refused.body.code).to.equal('overloaded');
        expect(refused.headers.get('retry-after')).to.equal('1');
        held.release();
        for (const answered of await Promise.all(inFlight)) expect(answered.status).to.equal(201);
      });

      it('refuses a caller over its rate with 429 and Retry-After, counting only its own requests', async () => {
        const h = await start({ config: { rateLimitPerMinute: 5 } });
        // A caller of its own: nothing before this test spent any of its budget (the consent was another's call).
        await h.broker.ctx.participants.upsert(
          { id: 'resilience-limited', name: 'Limited', kind: 'authority', region: 'DE-BY', evidenceTypes: ['salary'], purposes: ['elterngeld'], legalBases: [] },
          new Date(),
        );
        const token = await h.broker.ctx.tokens.issue({ participantId: 'resilience-limited' }, 'test');
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await h.call('GET', '/v1/me', { token })).status);
        expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 429]);
        const refused = await h.call('GET', '/v1/me', { token });
        expect(refused.status).to.equal(429);
        expect(refused.body.code).to.equal('rate-limited');
        expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
        // Another caller still has its own budget.
        expect((await h.call('GET', '/v1/me')).status).to.equal(200);
      });
    });
  });
}
