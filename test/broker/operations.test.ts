// What operators rely on: statistics that single nobody out, metrics, and logs without personal data.
import { expect } from 'chai';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import { StatisticsView } from '../../broker/http/schemas.ts';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';
import { logLines as captureLog } from '../helpers/log-lines.ts';

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString();

async function requestEvidence(h: Harness, idNr: string, token = h.token, grantee = AUTHORITY_ID) {
  const consent = await h.call('POST', '/v1/consents', {
    token,
    body: { citizen: { idNr }, grantee, evidenceTypes: ['salary', 'income'], purpose: 'wohngeld', paper: PAPER_FORM, validUntil: inAYear() },
  });
  expect(consent.status).to.equal(201);
  const res = await h.call('POST', '/v1/evidence-requests', { token, body: { citizen: { idNr }, evidenceTypes: ['salary', 'income'], purpose: 'wohngeld', caseReference: `WG-${idNr}`, routing: ROUTING } });
  expect(res.status).to.equal(201);
  return res.body;
}

describe('operations', () => {
  let h: Harness;
  const { log, lines: logLines } = captureLog();
  before(async () => {
    h = await startHarness((await testDatabase('sqlite'))!, { log });
  });
  after(async () => h?.close());

  describe('GET /v1/statistics', () => {
    it('counts delivered items per month, region, type and register instance, and suppresses small cells', async () => {
      await h.broker.ctx.participants.upsert(
        { id: 'wohngeldstelle-hh', name: 'Wohngeldstelle Hamburg', kind: 'authority', region: 'DE-HH', evidenceTypes: ['salary', 'income'], purposes: ['wohngeld'], legalBases: [] },
        new Date(),
      );
      const hamburg = await h.broker.ctx.tokens.issue({ participantId: 'wohngeldstelle-hh' }, 'test');
      for (const idNr of [...DEMO_CITIZENS, '12345678911', '47295136822']) await requestEvidence(h, idNr);
      await requestEvidence(h, DEMO_CITIZENS[0]!, hamburg, 'wohngeldstelle-hh');

      const operator = await h.broker.ctx.tokens.issue({ operator: 'statistik' }, 'test');
      const month = new Date().toISOString().slice(0, 7);
      const res = await h.call('GET', `/v1/statistics?from=${month}&to=${month}`, { token: operator });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const stats = StatisticsView.parse(res.body);
      const cell = (region: string, type: string) => stats.rows.find((r) => r.region === region && r.evidenceType === type);
      expect(cell('DE-BY', 'salary')).to.deep.include({ register: 'drv-rvbea', transactions: 6, suppressed: false });
      expect(cell('DE-HH', 'salary')).to.deep.include({ register: 'drv-rvbea', transactions: null, suppressed: true });
      expect(JSON.stringify(res.body)).not.to.match(/\d{11}/);

      const csv = await h.call('GET', `/v1/statistics?from=${month}&to=${month}&format=csv`, { token: operator });
      expect(csv.headers.get('content-type')).to.match(/^text\/csv/);
      expect(csv.body.split('\n')[0]).to.equal('month,region,evidence_type,register,transactions,suppressed');
      expect(csv.body).to.include(`${month},DE-BY,salary,drv-rvbea,6,false`);
      expect(csv.body).to.include(`${month},DE-HH,salary,drv-rvbea,,true`);
    });

    it('is for operators only, and checks its query', async () => {
      expect((await h.call('GET', '/v1/statistics')).status).to.equal(403);
      expect((await h.call('GET', '/v1/statistics', { token: null })).status).to.equal(401);
      const operator = await h.broker.ctx.tokens.issue({ operator: 'statistik' }, 'test');
      expect((await h.call('GET', '/v1/statistics?from=2026-13', { token: operator })).status).to.equal(400);
      expect((await h.call('GET', '/v1/statistics?from=2026-05&to=2026-01', { token: operator })).status).to.equal(400);
    });
  });

  describe('GET /metrics', () => {
    it('exposes request, register, refusal and audit metrics in Prometheus format', async () => {
      await h.call('POST', '/v1/evidence-requests', { body: { citizen: { idNr: '73915268449' }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: 'X-1' } });
      const res = await fetch(`${h.url}/metrics`);
      const text = await res.text();
      expect(res.headers.get('content-type')).to.match(/^text\/plain/);
      expect(text).to.match(/broker_http_requests_total\{method="POST",route="\/v1\/evidence-requests",status="201"\} \d+/);
      expect(text).to.match(/broker_register_request_duration_seconds_count\{register="drv-rvbea",outcome="delivered"\} \d+/);
      expect(text).to.match(/broker_consent_refusals_total\{refusal="no-consent"\} [1-9]/);
      expect(text).to.match(/broker_audit_chain_length \d+/);
      expect(text).to.match(/^process_cpu_user_seconds_total /m);
      expect(text).not.to.include('73915268449');
    });
  });

  describe('logs', () => {
    it('carry no IdNr, token or evidence value on any line of this run', () => {
      const all = logLines.join('\n');
      expect(logLines.length).to.be.greaterThan(10);
      for (const idNr of [...DEMO_CITIZENS, '12345678911', '47295136822', '73915268449']) expect(all).not.to.include(idNr);
      expect(all).not.to.match(/eb_[A-Za-z0-9_-]{20,}/);
      expect(all).not.to.match(/grossCents|taxableIncomeCents|dailyRateCents/);
    });
  });
});
