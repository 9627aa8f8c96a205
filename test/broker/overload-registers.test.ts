// A request that needs a register already at its limit (REGISTER_MAX_IN_FLIGHT requests at it) waits for room
// before anything is looked up or recorded — up to ADMISSION_WAIT_MS — and is answered once a call ends; past
// the deadline it is refused as a whole with 503 and Retry-After, instead of being answered — and audited as
// a transfer — with a `*_BUSY` item. Requests for the other registers go on meanwhile. Real simulators, real
// HTTP, a real database.
// NOTE: the call that fills the register is held at a proxy (held-register.ts) until the test lets it go, so
// "a call is in flight" and "the waiter is queued" are observed, not assumed from latencies; every test starts
// its own broker, so none depends on what another left behind.
import { expect } from 'chai';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { admissionGate, holdRegister, type HeldRegister } from '../helpers/held-register.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';
import { until } from '../helpers/until.ts';

const CITIZEN = '86095742719';
const CITIZEN_WITHOUT_CONSENT = '12345678911';
const TYPES = ['salary', 'maternity-benefit', 'income'];
/** The register instances a request for TYPES reaches (each type's first sandbox instance). */
const SALARY = 'drv-rvbea';
const INSTANCES = [SALARY, 'gkv-aok-bayern', 'stv-bayern'];
/** A wait no slow machine runs out of: where the deadline is not what a test is about. */
const LONG_WAIT_MS = 30_000;
/** A wait the deadline test lets run out (the held call never ends before it). */
const SHORT_WAIT_MS = 500;
const body = (caseReference: string, evidenceTypes: string[], idNr = CITIZEN) => ({ citizen: { idNr }, evidenceTypes, purpose: 'elterngeld', caseReference, routing: ROUTING });

/** A sample of the broker's metrics, e.g. metric(text, 'broker_admission_wait_seconds_sum', 'admission="admitted"'). */
function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`) || l.startsWith(`${name}{${labels},`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
const metrics = async (h: Harness) => (await fetch(`${h.url}/metrics`)).text();

/** A promise with a flag telling whether it has settled yet. */
function watched<T>(p: Promise<T>): { promise: Promise<T>; settled(): boolean } {
  let done = false;
  const promise = p.finally(() => (done = true));
  return { promise, settled: () => done };
}

describe('a register at its limit of calls (sqlite)', function () {
  this.timeout(60_000);
  let h: Harness | undefined;
  let held: HeldRegister | undefined;

  /** A broker admitting one request at a time per register, a consent, and the salary register held. */
  async function start(admissionWaitMs: number): Promise<{ h: Harness; held: HeldRegister }> {
    const db = await testDatabase('sqlite');
    if (!db) throw new Error('SQLite is always there');
    h = await startHarness(db, { registerTimeoutMs: LONG_WAIT_MS, config: { registerMaxInFlight: 1, admissionWaitMs } });
    const consent = await h.call('POST', '/v1/consents', {
      body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: TYPES, purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(consent.status).to.equal(201);
    held = await holdRegister(h, SALARY);
    return { h, held };
  }

  /** Fills the salary register: one request whose call is held there; `answer` is that request's. */
  async function fillSalary(h: Harness, held: HeldRegister, caseReference: string, evidenceTypes = ['salary']): Promise<{ answer: ReturnType<Harness['call']> }> {
    const answer = h.call('POST', '/v1/evidence-requests', { body: body(caseReference, evidenceTypes) });
    await held.arrivals(held.arrived + 1);
    expect(admissionGate(h).admittedTo(SALARY)).to.equal(1);
    return { answer };
  }

  /** Sends a request for TYPES and resolves once it waits in the admission queue. */
  async function queued(h: Harness, caseReference: string) {
    const gate = admissionGate(h);
    const waiting = watched(h.call('POST', '/v1/evidence-requests', { body: body(caseReference, TYPES) }));
    await until('the request to wait for room', () => gate.waiting === 1 || waiting.settled());
    expect(waiting.settled(), 'answered instead of waiting').to.equal(false);
    return waiting;
  }

  afterEach(async () => {
    await held?.close();
    await h?.close();
    held = undefined;
    h = undefined;
  });

  it('lets a request needing it wait, recording nothing meanwhile, and answers it 201 once the call ends within ADMISSION_WAIT_MS', async () => {
    const { h, held } = await start(LONG_WAIT_MS);
    const prisma = h.broker.ctx.database.prisma;
    const gate = admissionGate(h);
    const before = await metrics(h);
    const filling = (await fillSalary(h, held, 'EG-WAIT-1')).answer;
    const otherCalls = h.sims.byType['maternity-benefit'].calls + h.sims.byType.income.calls;
    const waiting = await queued(h, 'EG-WAIT-3');

    // While it waits: nothing recorded, no register asked, still queued however long we look.
    expect(await prisma.evidenceRequest.count({ where: { caseReference: 'EG-WAIT-3' } })).to.equal(0);
    expect(h.sims.byType['maternity-benefit'].calls + h.sims.byType.income.calls).to.equal(otherCalls);
    expect(waiting.settled()).to.equal(false);
    expect(gate.waiting).to.equal(1);

    // The call ends: the slot is given back and the waiter admitted — after, not before.
    held.release();
    const answered = await waiting.promise;
    expect(answered.status).to.equal(201);
    expect(answered.body.status).to.equal('complete');
    expect((await filling).status).to.equal(201);
    const after = await metrics(h);
    const admitted = (m: string) => metric(m, 'broker_admission_wait_seconds_count', 'admission="admitted"');
    expect(admitted(after) - admitted(before)).to.equal(2); // the filler at once, the waiter once the call ended
    expect(metric(after, 'broker_admission_wait_seconds_count', 'admission="deadline"')).to.equal(0);
    expect(metric(after, 'broker_load_refusals_total', 'reason="registers-busy"')).to.equal(0);
    expect(gate.waiting).to.equal(0);
  });

  it('lets a waiting request leave the queue when its caller disconnects, recording nothing', async () => {
    const { h, held } = await start(LONG_WAIT_MS);
    const prisma = h.broker.ctx.database.prisma;
    const gate = admissionGate(h);
    const before = await metrics(h);
    const filling = (await fillSalary(h, held, 'EG-GONE-1')).answer;
    const client = new AbortController();
    const waiting = watched(
      fetch(`${h.url}/v1/evidence-requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body('EG-GONE-3', TYPES)),
        signal: client.signal,
      }).catch((err: unknown) => err),
    );
    await until('the request to wait for room', () => gate.waiting === 1 || waiting.settled());
    expect(waiting.settled(), 'answered instead of waiting').to.equal(false);
    client.abort();
    expect(await waiting.promise).to.have.property('name', 'AbortError');
    // The broker sees the connection close and takes the waiter out of the queue, while the call is still held.
    await until('the waiter to leave the queue', () => gate.waiting === 0);
    const abandoned = (m: string) => metric(m, 'broker_admission_wait_seconds_count', 'admission="abandoned"');
    expect(abandoned(await metrics(h)) - abandoned(before)).to.equal(1);
    expect(held.held).to.equal(1);
    held.release();
    expect((await filling).status).to.equal(201);
    expect(await prisma.evidenceRequest.count({ where: { caseReference: 'EG-GONE-3' } })).to.equal(0);
    expect(metric(await metrics(h), 'broker_load_refusals_total', 'reason="registers-busy"')).to.equal(0);
  });

  it('serves requests for the other registers while one waits for the full register', async () => {
    const { h, held } = await start(LONG_WAIT_MS);
    const gate = admissionGate(h);
    // The filler asks all three registers; its other calls end at once and give their registers back.
    const filling = (await fillSalary(h, held, 'EG-OTHER-1', TYPES)).answer;
    await until('the filler to give back the registers whose calls ended', () => gate.admittedTo('gkv-aok-bayern') === 0 && gate.admittedTo('stv-bayern') === 0);
    const waiting = await queued(h, 'EG-OTHER-3');

    const others = await h.call('POST', '/v1/evidence-requests', { body: body('EG-OTHER-4', ['maternity-benefit', 'income']) });
    expect(others.status).to.equal(201);
    expect(others.body.status).to.equal('complete');
    expect(waiting.settled(), 'the waiter was answered before the others').to.equal(false);
    expect(gate.waiting).to.equal(1);

    held.release();
    expect((await waiting.promise).status).to.equal(201);
    expect((await filling).status).to.equal(201);
  });

  it('refuses it with 503 and Retry-After once ADMISSION_WAIT_MS has passed, recording nothing, and answers it once it has room', async () => {
    const { h, held } = await start(SHORT_WAIT_MS);
    const prisma = h.broker.ctx.database.prisma;
    // The filler's salary call is held until after the refusal: the refusal can only come from the deadline.
    const filling = (await fillSalary(h, held, 'EG-FULL-1', TYPES)).answer;
    const entriesBefore = await prisma.auditEntry.count();

    const started = performance.now();
    const refused = await h.call('POST', '/v1/evidence-requests', { body: body('EG-FULL-3', TYPES) });
    const waitedMs = performance.now() - started;
    expect(refused.status).to.equal(503);
    expect(held.held, 'the full register\'s call is still in flight').to.equal(1);
    // It waited for room (a lower bound only: a slow machine may take longer, never shorter; 1 ms for timer rounding).
    expect(waitedMs).to.be.at.least(SHORT_WAIT_MS - 1);
    expect(refused.headers.get('retry-after')).to.equal('1');
    expect(refused.body).to.include({ code: 'overloaded', status: 503 });
    expect(refused.body.detail).to.include(SALARY); // the busy register instance
    expect(JSON.stringify(refused.body)).not.to.include(CITIZEN);
    expect(await prisma.evidenceRequest.count({ where: { caseReference: 'EG-FULL-3' } })).to.equal(0);
    const m = await metrics(h);
    expect(metric(m, 'broker_load_refusals_total', 'reason="registers-busy"')).to.equal(1);
    expect(metric(m, 'broker_admission_wait_seconds_count', 'admission="deadline"')).to.equal(1);

    held.release();
    const done = await filling;
    expect(done.status).to.equal(201);
    expect(done.body.status).to.equal('complete');
    expect(await prisma.auditEntry.count()).to.equal(entriesBefore + 1); // the transfer of EG-FULL-1 only
    const again = await h.call('POST', '/v1/evidence-requests', { body: body('EG-FULL-3', TYPES) });
    expect(again.status).to.equal(201);
    expect(again.body.status).to.equal('complete');
    expect((await h.broker.ctx.audit.verify()).ok).to.equal(true);
  });

  it('gives the registers back on every way a request ends: refused consent, replay, reused key, async delivery', async () => {
    const { h, held } = await start(LONG_WAIT_MS);
    held.release(); // nothing held here: calls pass at once
    const gate = admissionGate(h);
    const nothingHeld = () => INSTANCES.every((r) => gate.admittedTo(r) === 0) && gate.waiting === 0;
    // Each twice: a register holds one request at a time, so a single leak on any path would fill it.
    for (const round of [1, 2]) {
      const refused = await h.call('POST', '/v1/evidence-requests', { body: body(`EG-PATH-${round}-consent`, TYPES, CITIZEN_WITHOUT_CONSENT) });
      expect(refused.status).to.equal(403);
      expect(nothingHeld(), 'after a refused consent').to.equal(true);

      const key = { 'idempotency-key': `overload-path-key-${round}` };
      expect((await h.call('POST', '/v1/evidence-requests', { body: body(`EG-PATH-${round}-key`, TYPES), headers: key })).status).to.equal(201);
      expect(nothingHeld(), 'after an answer').to.equal(true);
      const replayed = await h.call('POST', '/v1/evidence-requests', { body: body(`EG-PATH-${round}-key`, TYPES), headers: key });
      expect(replayed.status).to.equal(201);
      expect(replayed.headers.get('idempotent-replayed')).to.equal('true');
      expect(nothingHeld(), 'after a replay').to.equal(true);
      expect((await h.call('POST', '/v1/evidence-requests', { body: body(`EG-PATH-${round}-other`, TYPES), headers: key })).status).to.equal(422);
      expect(nothingHeld(), 'after a reused key').to.equal(true);

      const accepted = await h.call('POST', '/v1/evidence-requests', { body: body(`EG-PATH-${round}-async`, TYPES), headers: { prefer: 'respond-async' } });
      expect(accepted.status).to.equal(202);
      await h.broker.ctx.evidence.drain();
      expect((await h.call('GET', `/v1/evidence-requests/${accepted.body.id}`)).body.status).to.equal('complete');
      expect(nothingHeld(), 'after an async delivery').to.equal(true);
    }
    const last = await h.call('POST', '/v1/evidence-requests', { body: body('EG-PATH-last', TYPES) });
    expect(last.status).to.equal(201);
    expect(last.body.status).to.equal('complete');
    // Admitted at once every time: nothing ever waited.
    const m = await metrics(h);
    for (const outcome of ['deadline', 'abandoned', 'queue-full']) expect(metric(m, 'broker_admission_wait_seconds_count', `admission="${outcome}"`), outcome).to.equal(0);
  });
});

describe('a register at its limit of calls, with ADMISSION_WAIT_MS=0 (sqlite)', function () {
  this.timeout(60_000);
  let h: Harness | undefined;
  let held: HeldRegister | undefined;
  afterEach(async () => {
    await held?.close();
    await h?.close();
  });

  it('refuses a request needing it at once, as before there was a wait', async () => {
    const db = (await testDatabase('sqlite'))!;
    h = await startHarness(db, { registerTimeoutMs: LONG_WAIT_MS, config: { registerMaxInFlight: 1, admissionWaitMs: 0 } });
    const consent = await h.call('POST', '/v1/consents', {
      body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: TYPES, purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(consent.status).to.equal(201);
    held = await holdRegister(h, SALARY);
    const filling = h.call('POST', '/v1/evidence-requests', { body: body('EG-NOW-1', ['salary']) });
    await held.arrivals(1);
    const refused = await h.call('POST', '/v1/evidence-requests', { body: body('EG-NOW-3', TYPES) });
    expect(refused.status).to.equal(503);
    expect(refused.headers.get('retry-after')).to.equal('1');
    // At once: refused while the call that fills the register is still held, so not after waiting for it.
    expect(held.held).to.equal(1);
    expect(admissionGate(h).waiting).to.equal(0);
    held.release();
    expect((await filling).status).to.equal(201);
  });
});
