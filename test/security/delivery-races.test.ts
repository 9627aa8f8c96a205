// Deliveries that race a revocation or each other: a poll already asking the register when the citizen
// revokes, two polls of the same pending item at once, an async answer whose last item arrives later.
import { expect } from 'chai';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { holdRegister } from '../helpers/held-register.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '86095742719';
const inAMonth = () => new Date(Date.now() + 30 * 86_400_000).toISOString();
const body = (o: Record<string, unknown> = {}) => ({ citizen: { idNr: CITIZEN }, evidenceTypes: ['salary', 'income'], purpose: 'elterngeld', caseReference: 'EG-RACE-1', routing: ROUTING, ...o });
const shape = (evidence: { type: string; status: string; data: unknown; reason?: { code: string } }[]) =>
  evidence.map((e) => [e.type, e.status, e.reason?.code ?? null, e.data === null ? null : 'data']);

for (const kind of DATABASE_KINDS) {
  describe(`delivery races (${kind})`, function () {
    let h: Harness;
    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      // Long: a poll's call is held while the test revokes, and must not be cut by the broker's own limit.
      h = await startHarness(db, { registerTimeoutMs: 30_000 });
    });
    after(async () => h?.close());
    beforeEach(() => Object.values(h.sims.byType).forEach((s) => s.reset()));

    async function grant(evidenceTypes = ['salary', 'income']) {
      const res = await h.call('POST', '/v1/consents', { body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes, purpose: 'elterngeld', paper: PAPER_FORM, validUntil: inAMonth() } });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body as { id: string };
    }

    it('a poll already waiting on the register when the citizen revokes delivers nothing, and the refusal stays recorded', async () => {
      const consent = await grant(['salary']);
      h.sims.byType.salary.setBehaviour({ fault: 'pending' });
      const posted = await h.call('POST', '/v1/evidence-requests', { body: body({ evidenceTypes: ['salary'] }) });
      expect(posted.body.evidence[0].status).to.equal('pending');
      h.sims.byType.salary.setBehaviour({ fault: 'none' });
      // The poll's call is held at the register until the revocation is through.
      const held = await holdRegister(h, 'drv-rvbea');
      let started: Awaited<ReturnType<Harness['call']>>;
      try {
        const slow = h.call('GET', `/v1/evidence-requests/${posted.body.id}`);
        await held.arrivals(1);
        expect((await h.call('DELETE', `/v1/consents/${consent.id}`, { token: await h.citizenToken(CITIZEN) })).status).to.equal(200);
        const after = await h.call('GET', `/v1/evidence-requests/${posted.body.id}`);
        expect(shape(after.body.evidence)).to.deep.equal([['salary', 'unavailable', 'CONSENT_REVOKED', null]]);
        expect(held.arrived, 'a GET after the revocation asked the register').to.equal(1);
        held.release();
        started = await slow;
      } finally {
        await held.close();
      }
      expect(started.status).to.equal(200);
      expect(shape(started.body.evidence)).to.deep.equal([['salary', 'unavailable', 'CONSENT_REVOKED', null]]);
      const last = await h.call('GET', `/v1/evidence-requests/${posted.body.id}`);
      expect(shape(last.body.evidence)).to.deep.equal([['salary', 'unavailable', 'CONSENT_REVOKED', null]]);
    });

    it('two polls of the same pending item at once deliver it once and audit it once', async () => {
      await grant();
      h.sims.byType.salary.setBehaviour({ fault: 'pending' });
      const posted = await h.call('POST', '/v1/evidence-requests', { body: body() });
      h.sims.byType.salary.setBehaviour({ fault: 'none', latencyMs: 300 });
      const [a, b] = await Promise.all([h.call('GET', `/v1/evidence-requests/${posted.body.id}`), h.call('GET', `/v1/evidence-requests/${posted.body.id}`)]);
      const delivered = [a, b].filter((r) => r.body.evidence[0].data !== null);
      expect(delivered).to.have.length(1);
      for (const r of [a, b]) expect(r.body.evidence[0].status).to.equal('delivered');
      const completions = await h.broker.ctx.database.prisma.auditDetail.count({ where: { requestId: posted.body.id } });
      expect(completions).to.equal(2); // the answer, and the one completion
    });

    it('an async answer with one item pending hands over the other items\' data with the last delivery', async () => {
      await grant();
      h.sims.byType.salary.setBehaviour({ fault: 'pending' });
      const accepted = await h.call('POST', '/v1/evidence-requests', { body: body(), headers: { prefer: 'respond-async' } });
      expect(accepted.status).to.equal(202);
      await h.broker.ctx.evidence.drain();
      // The first GET finds the salary item pending and polls it: it arrives now, with the held income.
      const first = await h.call('GET', `/v1/evidence-requests/${accepted.body.id}`);
      expect(first.body.status).to.equal('complete');
      expect(shape(first.body.evidence)).to.deep.equal([['salary', 'delivered', null, 'data'], ['income', 'delivered', null, 'data']]);
      const again = await h.call('GET', `/v1/evidence-requests/${accepted.body.id}`);
      expect(shape(again.body.evidence)).to.deep.equal([['salary', 'delivered', null, null], ['income', 'delivered', null, null]]);
    });
  });
}
