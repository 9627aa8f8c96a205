// A request that needs a register already at its limit (REGISTER_MAX_IN_FLIGHT requests at it) waits for room
// before anything is looked up or recorded — up to ADMISSION_WAIT_MS — and is answered once a call ends; past
// the deadline it is refused as a whole with 503 and Retry-After, instead of being answered — and audited as
// a transfer — with a `*_BUSY` item. Requests for the other registers go on meanwhile. Real simulators, real
// HTTP, a real database.
import { expect } from 'chai';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '86095742719';
const CITIZEN_WITHOUT_CONSENT = '12345678911';
const TYPES = ['salary', 'maternity-benefit', 'income'];
const WAIT_MS = 1_500;
const body = (caseReference: string, evidenceTypes: string[], idNr = CITIZEN) => ({ citizen: { idNr }, evidenceTypes, purpose: 'elterngeld', caseReference, routing: ROUTING });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startWithConsent(admissionWaitMs: number): Promise<Harness | null> {
  const db = await testDatabase('sqlite');
  if (!db) return null;
  // One request at a time per register.
  const h = await startHarness(db, { registerTimeoutMs: 5000, config: { registerMaxInFlight: 1, admissionWaitMs } });
  const consent = await h.call('POST', '/v1/consents', {
    body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: TYPES, purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
  });
  expect(consent.status).to.equal(201);
  return h;
}

/** Makes the salary register slow and fills it: one request's call in flight; `answer` is that request's. */
async function fillSalary(h: Harness, latencyMs: number, prefix: string, evidenceTypes = ['salary']): Promise<{ answer: ReturnType<Harness['call']> }> {
  const prisma = h.broker.ctx.database.prisma;
  h.sims.byType.salary.setBehaviour({ latencyMs });
  const filling = h.call('POST', '/v1/evidence-requests', { body: body(`${prefix}-1`, evidenceTypes) });
  for (let waited = 0; (await prisma.evidenceRequest.count({ where: { caseReference: `${prefix}-1` } })) < 1; waited += 20) {
    if (waited > 10_000) throw new Error('the request was not recorded');
    await sleep(20);
  }
  await sleep(100); // its call reached the salary register
  return { answer: filling };
}

/** A sample of the broker's metrics, e.g. metric(text, 'broker_admission_wait_seconds_sum', 'admission="admitted"'). */
function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`) || l.startsWith(`${name}{${labels},`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('a register at its limit of calls (sqlite)', function () {
  this.timeout(60_000);
  let h: Harness;

  before(async function () {
    const started = await startWithConsent(WAIT_MS);
    if (!started) return this.skip();
    h = started;
  });
  afterEach(() => h?.sims.byType.salary.reset());
  after(async () => h?.close());

  it('lets a request needing it wait, recording nothing meanwhile, and answers it 201 once a call ends within ADMISSION_WAIT_MS', async () => {
    const prisma = h.broker.ctx.database.prisma;
    const metricsBefore = await (await fetch(`${h.url}/metrics`)).text();
    // The first call ends ~900 ms after it started: well within the wait of 1.5 s.
    const filling = (await fillSalary(h, 900, 'EG-WAIT')).answer;
    const waiting = h.call('POST', '/v1/evidence-requests', { body: body('EG-WAIT-3', TYPES) });
    await sleep(150);
    expect(await prisma.evidenceRequest.count({ where: { caseReference: 'EG-WAIT-3' } })).to.equal(0);

    const answered = await waiting;
    expect(answered.status).to.equal(201);
    expect(answered.body.status).to.equal('complete');
    expect((await filling).status).to.equal(201);
    // It waited for the first call to end (the one that filled the register was admitted at once).
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    const waited = metric(metrics, 'broker_admission_wait_seconds_sum', 'admission="admitted"') - metric(metricsBefore, 'broker_admission_wait_seconds_sum', 'admission="admitted"');
    expect(waited).to.be.within(0.4, WAIT_MS / 1000);
    expect(metric(metrics, 'broker_load_refusals_total', 'reason="registers-busy"')).to.equal(metric(metricsBefore, 'broker_load_refusals_total', 'reason="registers-busy"'));
  });

  it('lets a waiting request leave the queue when its caller disconnects, recording nothing', async () => {
    const prisma = h.broker.ctx.database.prisma;
    const metricsBefore = await (await fetch(`${h.url}/metrics`)).text();
    const filling = (await fillSalary(h, 900, 'EG-GONE')).answer;
    const client = new AbortController();
    const waiting = fetch(`${h.url}/v1/evidence-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body('EG-GONE-3', TYPES)),
      signal: client.signal,
    }).catch((err: unknown) => err);
    await sleep(200);
    client.abort();
    expect(await waiting).to.have.property('name', 'AbortError');
    await sleep(100);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    const abandoned = (m: string) => metric(m, 'broker_admission_wait_seconds_count', 'admission="abandoned"');
    expect(abandoned(metrics) - abandoned(metricsBefore)).to.equal(1);
    expect((await filling).status).to.equal(201);
    expect(await prisma.evidenceRequest.count({ where: { caseReference: 'EG-GONE-3' } })).to.equal(0);
  });

  it('refuses it with 503 and Retry-After once ADMISSION_WAIT_MS has passed, recording nothing, serves the other registers meanwhile, and answers once it has room', async () => {
    const prisma = h.broker.ctx.database.prisma;
    // A request for all three registers whose salary call takes 2.5 s: longer than the wait. Its other calls
    // end at once and give their registers back.
    const filling = (await fillSalary(h, 2_500, 'EG-FULL', TYPES)).answer;
    const entriesBefore = await prisma.auditEntry.count();

    const started = performance.now();
    let refusedAt: number | null = null;
    const refusal = h.call('POST', '/v1/evidence-requests', { body: body('EG-FULL-3', TYPES) }).then((res) => ((refusedAt = performance.now()), res));
    // The other registers are not full: a request for them alone is answered while the first one waits.
    const others = await h.call('POST', '/v1/evidence-requests', { body: body('EG-FULL-4', ['maternity-benefit', 'income']) });
    expect(others.status).to.equal(201);
    expect(others.body.status).to.equal('complete');
    expect(refusedAt).to.equal(null);

    const refused = await refusal;
    expect(refused.status).to.equal(503);
    expect(refusedAt! - started).to.be.within(WAIT_MS - 100, WAIT_MS + 700);
    expect(refused.headers.get('retry-after')).to.equal('1');
    expect(refused.body).to.include({ code: 'overloaded', status: 503 });
    expect(refused.body.detail).to.include('drv-rvbea'); // the busy register instance
    expect(JSON.stringify(refused.body)).not.to.include(CITIZEN);
    expect(await prisma.evidenceRequest.count({ where: { caseReference: 'EG-FULL-3' } })).to.equal(0);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metric(metrics, 'broker_load_refusals_total', 'reason="registers-busy"')).to.be.at.least(1);
    expect(metric(metrics, 'broker_admission_wait_seconds_count', 'admission="deadline"')).to.be.at.least(1);

    const done = await filling;
    expect(done.status).to.equal(201);
    expect(done.body.status).to.equal('complete');
    expect(await prisma.auditEntry.count()).to.equal(entriesBefore + 2); // the transfers of EG-FULL-1 and EG-FULL-4 only
    h.sims.byType.salary.reset();
    const again = await h.call('POST', '/v1/evidence-requests', { body: body('EG-FULL-3', TYPES) });
    expect(again.status).to.equal(201);
    expect(again.body.status).to.equal('complete');
    expect((await h.broker.ctx.audit.verify()).ok).to.equal(true);
  });

  it('gives the registers back on every way a request ends: refused consent, replay, reused key, async delivery', async () => {
    // Each twice: a register holds one request at a time, so a single leak on any path would fill it.
    for (const round of [1, 2]) {
      const refused = await h.call('POST', '/v1/evidence-requests', { body: body(`EG-PATH-${round}-consent`, TYPES, CITIZEN_WITHOUT_CONSENT) });
      expect(refused.status).to.equal(403);

      const key = { 'idempotency-key': `overload-path-key-${round}` };
      expect((await h.call('POST', '/v1/evidence-requests', { body: body(`EG-PATH-${round}-key`, TYPES), headers: key })).status).to.equal(201);
      const replayed = await h.call('POST', '/v1/evidence-requests', { body: body(`EG-PATH-${round}-key`, TYPES), headers: key });
      expect(replayed.status).to.equal(201);
      expect(replayed.headers.get('idempotent-replayed')).to.equal('true');
      expect((await h.call('POST', '/v1/evidence-requests', { body: body(`EG-PATH-${round}-other`, TYPES), headers: key })).status).to.equal(422);

      const accepted = await h.call('POST', '/v1/evidence-requests', { body: body(`EG-PATH-${round}-async`, TYPES), headers: { prefer: 'respond-async' } });
      expect(accepted.status).to.equal(202);
      for (let waited = 0; (await h.call('GET', `/v1/evidence-requests/${accepted.body.id}`)).body.status !== 'complete'; waited += 50) {
        if (waited > 10_000) throw new Error('the async request was not answered');
        await sleep(50);
      }
    }
    const started = performance.now();
    const last = await h.call('POST', '/v1/evidence-requests', { body: body('EG-PATH-last', TYPES) });
    expect(last.status).to.equal(201);
    expect(last.body.status).to.equal('complete');
    expect(performance.now() - started).to.be.below(WAIT_MS / 2); // admitted at once, not after waiting
  });
});

describe('a register at its limit of calls, with ADMISSION_WAIT_MS=0 (sqlite)', function () {
  this.timeout(60_000);
  let h: Harness;

  before(async function () {
    const started = await startWithConsent(0);
    if (!started) return this.skip();
    h = started;
  });
  after(async () => h?.close());

  it('refuses a request needing it at once, as before there was a wait', async () => {
    const filling = (await fillSalary(h, 1_000, 'EG-NOW')).answer;
    try {
      const started = performance.now();
      const refused = await h.call('POST', '/v1/evidence-requests', { body: body('EG-NOW-3', TYPES) });
      expect(refused.status).to.equal(503);
      expect(refused.headers.get('retry-after')).to.equal('1');
      expect(performance.now() - started).to.be.below(500);
      expect((await filling).status).to.equal(201);
    } finally {
      h.sims.byType.salary.reset();
    }
  });
});
