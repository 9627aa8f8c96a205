// Data minimization per procedure: an authority with a valid consent asks for far more history than its
// procedure needs (ten years of income for Elterngeld, years 0001–9999). Each purpose has a longest period
// per evidence type, from the type's descriptor; beyond it the request is refused before anything is fetched.
import { expect } from 'chai';
import { EVIDENCE_TYPE_LIST } from '../../adapters/index.ts';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';

const CITIZEN = '86095742719';
const body = (o: Record<string, unknown>) => ({ citizen: { idNr: CITIZEN }, evidenceTypes: ['income'], purpose: 'elterngeld', caseReference: 'EG-P-1', routing: ROUTING, ...o });

describe('requested periods', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness((await testDatabase('sqlite'))!);
    const consent = await h.call('POST', '/v1/consents', { body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ['income', 'salary'], purpose: 'elterngeld', validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString() }, token: await h.citizenToken(CITIZEN) });
    expect(consent.status).to.equal(201);
  });
  after(async () => h?.close());

  for (const [attack, period] of [
    ['ten years of income under an Elterngeld consent', { from: '2016-01', to: '2025-12' }],
    ['the whole calendar, 0001-01 to 9999-12', { from: '0001-01', to: '9999-12' }],
  ] as const) {
    it(`refuses ${attack} with 400 naming period, asking no register`, async () => {
      const calls = h.sims.byType.income.calls;
      const res = await h.call('POST', '/v1/evidence-requests', { body: body({ period }) });
      expect(res.status).to.equal(400);
      expect(res.body.invalidParams.map((p: { name: string }) => p.name)).to.include('body.period');
      expect(h.sims.byType.income.calls).to.equal(calls);
    });
  }

  it('takes the strictest limit of the requested types, and accepts a period within it', async () => {
    const both = await h.call('POST', '/v1/evidence-requests', { body: body({ evidenceTypes: ['salary', 'income'], period: { from: '2023-01', to: '2025-12' } }) });
    expect(both.status).to.equal(400);
    expect(both.body.invalidParams[0].reason).to.match(/at most 24 months/);
    expect((await h.call('POST', '/v1/evidence-requests', { body: body({ period: { from: '2023-01', to: '2025-12' } }) })).status).to.equal(201);
  });

  it('gives every purpose a type serves a limit that holds at least the default twelve months', () => {
    for (const t of EVIDENCE_TYPE_LIST) {
      for (const purpose of t.purposes) expect(t.maxPeriodMonths[purpose], `${t.code} for ${purpose}`).to.be.at.least(12);
    }
  });
});
