// A request that needs a register already at its limit of calls (REGISTER_MAX_IN_FLIGHT in flight and as
// many queued) is refused as a whole with 503 and Retry-After before anything is looked up or recorded,
// instead of being answered — and audited as a transfer — with a `*_BUSY` item. Requests for the other
// registers go on; once the register has room again, the same request is answered. Real simulators, real
// HTTP, a real database.
import { expect } from 'chai';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, startHarness, type Harness } from '../helpers/harness.ts';

const CITIZEN = '86095742719';
const TYPES = ['salary', 'maternity-benefit', 'income'];
const body = (caseReference: string, evidenceTypes: string[]) => ({ citizen: { idNr: CITIZEN }, evidenceTypes, purpose: 'elterngeld', caseReference });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a register at its limit of calls (sqlite)', function () {
  this.timeout(60_000);
  let h: Harness;

  before(async function () {
    const db = await testDatabase('sqlite');
    if (!db) return this.skip();
    h = await startHarness(db, { registerTimeoutMs: 5000, config: { registerMaxInFlight: 1 } });
    const consent = await h.call('POST', '/v1/consents', {
      body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: TYPES, purpose: 'elterngeld', validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(consent.status).to.equal(201);
  });
  after(async () => h?.close());

  it('refuses a request needing it with 503 and Retry-After, recording nothing, serves the other registers, and answers once it has room', async () => {
    const prisma = h.broker.ctx.database.prisma;
    h.sims.byType.salary.setBehaviour({ latencyMs: 1_500 });
    try {
      // One call in flight and one queued: the salary register is full.
      const first = h.call('POST', '/v1/evidence-requests', { body: body('EG-FULL-1', ['salary']) });
      const second = h.call('POST', '/v1/evidence-requests', { body: body('EG-FULL-2', ['salary']) });
      for (let waited = 0; (await prisma.evidenceRequest.count({ where: { caseReference: { startsWith: 'EG-FULL-' } } })) < 2; waited += 20) {
        if (waited > 10_000) throw new Error('the two requests were not recorded');
        await sleep(20);
      }
      await sleep(100); // both calls reached the salary register's policy (one in flight, one queued)
      const entriesBefore = await prisma.auditEntry.count();

      const refused = await h.call('POST', '/v1/evidence-requests', { body: body('EG-FULL-3', TYPES) });
      expect(refused.status).to.equal(503);
      expect(refused.headers.get('retry-after')).to.equal('1');
      expect(refused.body).to.include({ code: 'overloaded', status: 503 });
      expect(refused.body.detail).to.include('salary');
      expect(JSON.stringify(refused.body)).not.to.include(CITIZEN);
      expect(await prisma.evidenceRequest.count({ where: { caseReference: 'EG-FULL-3' } })).to.equal(0);
      expect(await prisma.auditEntry.count()).to.equal(entriesBefore);
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      expect(metrics).to.match(/^broker_load_refusals_total\{reason="registers-busy"\} [1-9]/m);

      // The other registers are not full: a request for them alone is answered at once.
      const others = await h.call('POST', '/v1/evidence-requests', { body: body('EG-FULL-4', ['maternity-benefit', 'income']) });
      expect(others.status).to.equal(201);
      expect(others.body.status).to.equal('complete');

      for (const done of await Promise.all([first, second])) {
        expect(done.status).to.equal(201);
        expect(done.body.status).to.equal('complete');
      }
    } finally {
      h.sims.byType.salary.reset();
    }
    const again = await h.call('POST', '/v1/evidence-requests', { body: body('EG-FULL-3', TYPES) });
    expect(again.status).to.equal(201);
    expect(again.body.status).to.equal('complete');
    expect((await h.broker.ctx.audit.verify()).ok).to.equal(true);
  });
});
