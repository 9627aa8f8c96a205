// The foundation scenarios, end to end: real broker, real simulators, real database (SQLite, and
// PostgreSQL when reachable), HTTP only.
import { expect } from 'chai';
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import { defineMessageSchema, schemaErrors } from '../../adapters/xml-schemas.ts';
import { NACHWEIS_NAMESPACE, NACHWEIS_SCHEMA_FILE } from '../../broker/http/xml-api/namespace.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const answerSchema = defineMessageSchema({ files: [NACHWEIS_SCHEMA_FILE], root: { namespace: NACHWEIS_NAMESPACE, name: 'nachweisAntwort' } });
const CITIZEN = '86095742719';
const OTHER_CITIZEN = '12345678911';
const ALL_TYPES = ['salary', 'maternity-benefit', 'income'];
const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString();

function evidenceRequest(overrides: Record<string, unknown> = {}) {
  return { citizen: { idNr: CITIZEN }, evidenceTypes: ALL_TYPES, purpose: 'elterngeld', caseReference: 'EG-2026-0001', routing: ROUTING, ...overrides };
}

async function grantConsent(h: Harness, overrides: Record<string, unknown> = {}) {
  const res = await h.call('POST', '/v1/consents', {
    body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ALL_TYPES, purpose: 'elterngeld', paper: PAPER_FORM, validUntil: inAYear(), ...overrides },
  });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body as { id: string };
}

const totalCalls = (h: Harness) => Object.values(h.sims.byType).reduce((n, s) => n + s.calls, 0);

for (const kind of DATABASE_KINDS) {
  describe(`evidence requests (${kind})`, function () {
    let h: Harness;
    let clockOffsetMs = 0;
    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      // NOTE: a budget a loaded 2-core CI machine meets for four signed register calls; the slow register below is
      // far slower still, so the timeout test does not depend on how fast this machine is.
      h = await startHarness(db, { registerTimeoutMs: 2500, clock: () => new Date(Date.now() + clockOffsetMs) });
    });
    after(async () => h?.close());
    beforeEach(() => {
      clockOffsetMs = 0;
      for (const sim of Object.values(h.sims.byType)) sim.reset();
    });

    describe('when the citizen consented and every register answers', () => {
      it('delivers salary, maternity benefit and income with provenance and an audit entry', async () => {
        await grantConsent(h);
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest() });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.status).to.equal('complete');
        expect(res.body.evidence.map((e: any) => e.type)).to.deep.equal(ALL_TYPES);
        // The instances ROUTING reaches: the national one, the insurer of the IK, the Land of the AGS.
        expect(res.body.evidence.map((e: any) => e.provenance.register)).to.deep.equal(['drv-rvbea', 'gkv-aok-bayern', 'stv-bayern']);
        expect(res.body.evidence.map((e: any) => e.provenance.registerName)).to.deep.equal([
          'Deutsche Rentenversicherung Bund – rvBEA',
          'AOK Bayern – Die Gesundheitskasse',
          'Bayerisches Landesamt für Steuern',
        ]);
        for (const item of res.body.evidence) {
          expect(item.status).to.equal('delivered');
          expect(item.data).to.be.an('object');
          expect(Date.parse(item.provenance.fetchedAt)).to.be.closeTo(Date.now(), 60_000);
        }
        const salary = res.body.evidence[0].data;
        expect(salary.months).to.have.length.greaterThan(0);
        expect(salary.months[0].grossCents).to.be.a('number');
        expect(res.body.auditEntryId).to.be.a('number');
        expect(res.headers.get('location')).to.equal(`/v1/evidence-requests/${res.body.id}`);
      });

      it('delivers every evidence type of the list, the birth certificate of the 2026 child too, each audited', async () => {
        await grantConsent(h, { evidenceTypes: [...EVIDENCE_TYPES] });
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ evidenceTypes: [...EVIDENCE_TYPES], period: { from: '2026-01', to: '2026-06' } }) });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.status).to.equal('complete');
        expect(res.body.evidence.map((e: any) => e.type)).to.deep.equal([...EVIDENCE_TYPES]);
        const birth = res.body.evidence.find((e: any) => e.type === 'birth-certificate');
        expect(birth.provenance).to.deep.include({ register: 'standesamt-muenchen', registerName: 'Standesamt München' });
        expect(birth.data.records[0].dateOfBirth).to.match(/^2026-0[2-5]-/);
        expect(birth.dataHash).to.match(/^[0-9a-f]{64}$/);
        expect(res.body.auditEntryId).to.be.a('number');
      });

      it('keeps the request without its payload: GET shows statuses and hashes, never the data', async () => {
        const posted = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest() });
        const res = await h.call('GET', `/v1/evidence-requests/${posted.body.id}`);
        expect(res.status).to.equal(200);
        expect(res.body.status).to.equal('complete');
        expect(res.body.auditEntryId).to.equal(posted.body.auditEntryId);
        for (const item of res.body.evidence) {
          expect(item.data).to.equal(null);
          expect(item.dataHash).to.match(/^[0-9a-f]{64}$/);
        }
      });

      it('lists items in the same order in the answer and in a later GET, whatever order was asked', async () => {
        const posted = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ evidenceTypes: ['income', 'salary', 'maternity-benefit'] }) });
        const later = await h.call('GET', `/v1/evidence-requests/${posted.body.id}`);
        expect(posted.body.evidence.map((e: any) => e.type)).to.deep.equal(ALL_TYPES);
        expect(later.body.evidence.map((e: any) => e.type)).to.deep.equal(ALL_TYPES);
      });

      it('shows the transfer to the citizen, and only to that citizen', async () => {
        const posted = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest() });
        const own = await h.call('GET', `/v1/citizens/${CITIZEN}/transfers`, { token: await h.citizenToken(CITIZEN) });
        expect(own.status).to.equal(200);
        const entry = own.body.transfers.find((t: any) => t.requestId === posted.body.id);
        expect(entry).to.include({ requester: AUTHORITY_ID, auditEntryId: posted.body.auditEntryId, purpose: 'elterngeld', outcome: 'complete' });
        expect(JSON.stringify(own.body)).not.to.include('grossCents');

        const other = await h.call('GET', `/v1/citizens/${CITIZEN}/transfers`, { token: await h.citizenToken(OTHER_CITIZEN) });
        expect(other.status).to.equal(403);
        const authority = await h.call('GET', `/v1/citizens/${CITIZEN}/transfers`);
        expect(authority.status).to.equal(403);
      });
    });

    describe('when no consent covers the request', () => {
      it('refuses with 403 consent-required and calls no register', async () => {
        const before = totalCalls(h);
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ citizen: { idNr: OTHER_CITIZEN } }) });
        expect(res.status).to.equal(403);
        expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
        expect(res.body.type).to.match(/\/consent-required$/);
        expect(totalCalls(h)).to.equal(before);
      });

      it('refuses a consent for another purpose', async () => {
        const consent = await grantConsent(h, { citizen: { idNr: OTHER_CITIZEN }, purpose: 'wohngeld' });
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ citizen: { idNr: OTHER_CITIZEN }, consentId: consent.id }) });
        expect(res.status).to.equal(403);
        expect(res.body.detail).to.match(/another purpose/);
      });
    });

    describe('when the consent was revoked', () => {
      it('stops the very next request', async () => {
        const consent = await grantConsent(h, { citizen: { idNr: OTHER_CITIZEN } });
        const ok = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ citizen: { idNr: OTHER_CITIZEN }, consentId: consent.id }) });
        expect(ok.status).to.equal(201);
        const revoke = await h.call('DELETE', `/v1/consents/${consent.id}`, { token: await h.citizenToken(OTHER_CITIZEN) });
        expect(revoke.status).to.equal(200);
        expect(revoke.body.state).to.equal('revoked');
        const before = totalCalls(h);
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ citizen: { idNr: OTHER_CITIZEN }, consentId: consent.id }) });
        expect(res.status).to.equal(403);
        expect(res.body.detail).to.match(/revoked/);
        const implicit = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ citizen: { idNr: OTHER_CITIZEN } }) });
        expect(implicit.status).to.equal(403);
        expect(totalCalls(h)).to.equal(before);
      });
    });

    describe('when the consent has expired', () => {
      it('refuses with 403 once its validity is over', async () => {
        const idNr = '47295136822';
        const consent = await grantConsent(h, { citizen: { idNr }, validUntil: new Date(Date.now() + 60_000).toISOString() });
        expect((await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ citizen: { idNr } }) })).status).to.equal(201);
        clockOffsetMs = 120_000;
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ citizen: { idNr }, consentId: consent.id }) });
        expect(res.status).to.equal(403);
        expect(res.body.detail).to.match(/expired/);
        const shown = await h.call('GET', `/v1/consents/${consent.id}`);
        expect(shown.body.state).to.equal('expired');
      });
    });

    describe('when a legal basis allows the request without consent', () => {
      it('delivers what the basis covers and records the basis', async () => {
        const res = await h.call('POST', '/v1/evidence-requests', {
          body: evidenceRequest({ citizen: { idNr: OTHER_CITIZEN }, evidenceTypes: ['salary'], legalBasis: 'beeg-9' }),
        });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.basis).to.deep.equal({ basis: 'legal-basis', legalBasis: 'beeg-9' });
      });

      it('refuses evidence types the basis does not cover', async () => {
        const res = await h.call('POST', '/v1/evidence-requests', {
          body: evidenceRequest({ citizen: { idNr: OTHER_CITIZEN }, evidenceTypes: ['income'], legalBasis: 'beeg-9' }),
        });
        expect(res.status).to.equal(403);
      });
    });

    describe('when the input is bad', () => {
      it('refuses an IdNr with a wrong check digit with 400 naming the field', async () => {
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ citizen: { idNr: '86095742718' } }) });
        expect(res.status).to.equal(400);
        expect(res.body.type).to.match(/\/invalid-request$/);
        expect(res.body.invalidParams).to.deep.include({ name: 'body.citizen.idNr', reason: 'IdNr has a wrong check digit' });
      });

      it('refuses unknown evidence types, unknown fields and malformed JSON', async () => {
        const unknownType = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ evidenceTypes: ['pension'] }) });
        expect(unknownType.status).to.equal(400);
        const extra = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ callbackUrl: 'http://example.org' }) });
        expect(extra.status).to.equal(400);
        const malformed = await h.call('POST', '/v1/evidence-requests', { body: '{"citizen":' });
        expect(malformed.status).to.equal(400);
        expect(malformed.body.type).to.match(/\/invalid-request$/);
      });

      it('refuses an evidence type its descriptor does not serve for the purpose, naming it, and records no consent for it either', async () => {
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ evidenceTypes: ['salary', 'birth-certificate'], purpose: 'wohngeld' }) });
        expect(res.status).to.equal(400);
        expect(res.body.invalidParams).to.deep.include({ name: 'body.evidenceTypes', reason: 'birth-certificate may be asked for elterngeld, kinderzuschlag only' });
        const consent = await h.call('POST', '/v1/consents', {
          body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ['birth-certificate'], purpose: 'buergergeld', validUntil: inAYear() },
        });
        expect(consent.status).to.equal(400);
      });

      it('refuses a body that is not JSON with 415', async () => {
        const res = await h.call('POST', '/v1/evidence-requests', { body: 'idNr=86095742719', headers: { 'content-type': 'text/plain' } });
        expect(res.status).to.equal(415);
      });

      it('answers 404 problem+json for an unknown request id', async () => {
        const res = await h.call('GET', '/v1/evidence-requests/00000000-0000-4000-8000-000000000000');
        expect(res.status).to.equal(404);
        expect(res.body.type).to.match(/\/not-found$/);
      });
    });

    describe('when the directory does not allow what the authority asks for', () => {
      it('refuses with 403 before consent is looked at, calls no register, and audits the refusal', async () => {
        await h.broker.ctx.participants.upsert(
          { id: 'wohngeldstelle-nur-einkommen', name: 'Wohngeldstelle', kind: 'authority', region: 'DE-SN', evidenceTypes: ['income'], purposes: ['wohngeld'], legalBases: [] },
          new Date(),
        );
        const token = await h.broker.ctx.tokens.issue({ participantId: 'wohngeldstelle-nur-einkommen' }, 'test');
        const before = totalCalls(h);
        const type = await h.call('POST', '/v1/evidence-requests', { token, body: evidenceRequest({ evidenceTypes: ['salary'], purpose: 'wohngeld' }) });
        const purpose = await h.call('POST', '/v1/evidence-requests', { token, body: evidenceRequest({ evidenceTypes: ['income'], purpose: 'elterngeld' }) });
        const basis = await h.call('POST', '/v1/evidence-requests', { token, body: evidenceRequest({ evidenceTypes: ['income'], purpose: 'wohngeld', legalBasis: 'wogg-23' }) });
        for (const res of [type, purpose, basis]) {
          expect(res.status).to.equal(403);
          expect(res.body.code).to.equal('forbidden');
        }
        expect(totalCalls(h)).to.equal(before);
        const refusals = await h.broker.ctx.database.prisma.auditDetail.findMany({ where: { actorId: 'wohngeldstelle-nur-einkommen', entry: { kind: 'refusal' } } });
        expect(refusals.map((r) => JSON.parse(r.details).reason)).to.deep.equal(['evidence-type-not-allowed', 'purpose-not-allowed', 'legal-basis-not-allowed']);
      });
    });

    describe('when the caller is not authenticated', () => {
      it('answers 401 for an unknown token and for none', async () => {
        const unknown = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest(), token: 'eb_unknown_token_0123456789abcdef' });
        expect(unknown.status).to.equal(401);
        expect(unknown.body.type).to.match(/\/unauthenticated$/);
        expect(unknown.headers.get('www-authenticate')).to.match(/^Bearer/);
        const none = await h.call('GET', '/v1/me', { token: null });
        expect(none.status).to.equal(401);
      });

      it('tells an authenticated caller who it is and what it may request', async () => {
        const res = await h.call('GET', '/v1/me');
        expect(res.status).to.equal(200);
        expect(res.body).to.deep.include({ kind: 'participant', participantId: AUTHORITY_ID });
        expect(res.body.may.evidenceTypes).to.deep.equal([...EVIDENCE_TYPES]);
      });
    });

    describe('when the maternity-benefit register answers 500', () => {
      it('marks that item unavailable and still delivers salary and income', async () => {
        h.sims.byType['maternity-benefit'].setBehaviour({ fault: 'http-500' });
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest() });
        expect(res.status).to.equal(201);
        expect(res.body.status).to.equal('partial');
        const byType = Object.fromEntries(res.body.evidence.map((e: any) => [e.type, e]));
        expect(byType['maternity-benefit'].status).to.equal('unavailable');
        expect(byType['maternity-benefit'].reason.code).to.equal('MATERNITY_BENEFIT_UPSTREAM_ERROR');
        expect(byType.salary.status).to.equal('delivered');
        expect(byType.income.status).to.equal('delivered');
      });
    });

    describe('when the income register is slower than its time budget', () => {
      it('answers within the budget, income unavailable with a timeout, the rest delivered', async () => {
        h.sims.byType.income.setBehaviour({ latencyMs: 12_000 });
        const started = Date.now();
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest() });
        // Answered on the budget, long before the register would have answered.
        expect(Date.now() - started).to.be.lessThan(10_000);
        expect(res.body.status).to.equal('partial');
        const income = res.body.evidence.find((e: any) => e.type === 'income');
        expect(income.status).to.equal('unavailable');
        expect(income.reason.code).to.equal('INCOME_TIMEOUT');
      });
    });

    describe('when every register is down', () => {
      it('answers failed, still with an audit entry', async () => {
        for (const sim of Object.values(h.sims.byType)) sim.setBehaviour({ fault: 'http-500' });
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest() });
        expect(res.status).to.equal(201);
        expect(res.body.status).to.equal('failed');
        expect(res.body.auditEntryId).to.be.a('number');
      });
    });

    describe('when the salary register answers on its weekly cycle (pending)', () => {
      it('reports the item pending and delivers it on a later GET, audited as its own transfer', async () => {
        h.sims.byType.salary.setBehaviour({ fault: 'pending' });
        const posted = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest() });
        expect(posted.body.status).to.equal('partial');
        expect(posted.body.evidence[0]).to.include({ type: 'salary', status: 'pending', data: null });
        h.sims.byType.salary.setBehaviour({ fault: 'none' });
        const later = await h.call('GET', `/v1/evidence-requests/${posted.body.id}`);
        expect(later.status).to.equal(200);
        expect(later.body.status).to.equal('complete');
        expect(later.body.evidence[0].status).to.equal('delivered');
        expect(later.body.evidence[0].data.months).to.be.an('array');
        expect(later.body.auditEntryId).to.be.greaterThan(posted.body.auditEntryId);
        const again = await h.call('GET', `/v1/evidence-requests/${posted.body.id}`);
        expect(again.body.evidence[0].data).to.equal(null);
      });
    });

    describe('when the citizen revokes the consent while the salary item is pending', () => {
      it('does not ask the register again, ends the item unavailable (CONSENT_REVOKED) and audits that', async () => {
        const consent = await grantConsent(h, { evidenceTypes: ['salary'] });
        h.sims.byType.salary.setBehaviour({ fault: 'pending' });
        const posted = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ evidenceTypes: ['salary'] }) });
        expect(posted.body.basis).to.deep.equal({ basis: 'consent', consentId: consent.id });
        expect(posted.body.evidence[0]).to.include({ status: 'pending' });
        const citizen = await h.citizenToken(CITIZEN);
        expect((await h.call('DELETE', `/v1/consents/${consent.id}`, { token: citizen })).status).to.equal(200);
        h.sims.byType.salary.setBehaviour({ fault: 'none' });
        const callsBefore = h.sims.byType.salary.calls;

        const later = await h.call('GET', `/v1/evidence-requests/${posted.body.id}`);
        expect(later.status).to.equal(200);
        expect(later.body.status).to.equal('failed');
        expect(later.body.evidence[0]).to.include({ type: 'salary', status: 'unavailable', data: null });
        expect(later.body.evidence[0].reason.code).to.equal('CONSENT_REVOKED');
        expect(h.sims.byType.salary.calls).to.equal(callsBefore);
        expect(later.body.auditEntryId).to.be.greaterThan(posted.body.auditEntryId);
        const detail = await h.broker.ctx.database.prisma.auditDetail.findUniqueOrThrow({ where: { seq: later.body.auditEntryId } });
        expect(detail.details).to.include('CONSENT_REVOKED');

        const again = await h.call('GET', `/v1/evidence-requests/${posted.body.id}`);
        expect(again.body.evidence[0]).to.include({ status: 'unavailable', data: null });
        expect(again.body.auditEntryId).to.equal(later.body.auditEntryId);
        expect(h.sims.byType.salary.calls).to.equal(callsBefore);
        const xml = await fetch(`${h.url}/v1/evidence-requests/${posted.body.id}`, { headers: { authorization: `Bearer ${h.token}`, accept: 'application/xml' } });
        const document = await xml.text();
        expect(schemaErrors(document, answerSchema)).to.deep.equal([]);
        expect(document).to.include('<code>CONSENT_REVOKED</code>');
      });
    });

    describe('when the consent expires while the salary item is pending', () => {
      it('ends the item unavailable with CONSENT_EXPIRED instead of delivering it', async () => {
        const validUntil = new Date(Date.now() + 3_600_000).toISOString();
        await grantConsent(h, { evidenceTypes: ['salary'], purpose: 'kinderzuschlag', validUntil });
        h.sims.byType.salary.setBehaviour({ fault: 'pending' });
        const posted = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest({ evidenceTypes: ['salary'], purpose: 'kinderzuschlag' }) });
        expect(posted.body.evidence[0]).to.include({ status: 'pending' });
        h.sims.byType.salary.setBehaviour({ fault: 'none' });
        clockOffsetMs = 2 * 3_600_000;
        const later = await h.call('GET', `/v1/evidence-requests/${posted.body.id}`);
        expect(later.body.evidence[0]).to.include({ status: 'unavailable', data: null });
        expect(later.body.evidence[0].reason.code).to.equal('CONSENT_EXPIRED');
      });
    });

    describe('when the citizen revokes before an async answer is collected', () => {
      it('withholds the held evidence: GET shows the outcome without data', async () => {
        const consent = await grantConsent(h, { evidenceTypes: ['income'], purpose: 'wohngeld' });
        const accepted = await h.call('POST', '/v1/evidence-requests', {
          body: evidenceRequest({ evidenceTypes: ['income'], purpose: 'wohngeld' }),
          headers: { prefer: 'respond-async' },
        });
        expect(accepted.status).to.equal(202);
        await h.broker.ctx.evidence.drain();
        const citizen = await h.citizenToken(CITIZEN);
        expect((await h.call('DELETE', `/v1/consents/${consent.id}`, { token: citizen })).status).to.equal(200);
        const later = await h.call('GET', `/v1/evidence-requests/${accepted.body.id}`);
        expect(later.status).to.equal(200);
        expect(later.body.evidence[0]).to.include({ type: 'income', data: null });
      });
    });

    describe('audit chain', () => {
      it('verifies after all of the above', async () => {
        const res = await h.call('GET', '/v1/audit/verify', { token: await h.operatorToken() });
        expect(res.status).to.equal(200);
        expect(res.body.ok).to.equal(true);
        expect(res.body.entries).to.be.greaterThan(5);
      });

      it('detects a tampered detail row and names the first broken entry', async () => {
        const posted = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest() });
        const seq = posted.body.auditEntryId as number;
        const prisma = h.broker.ctx.database.prisma;
        const detail = await prisma.auditDetail.findUniqueOrThrow({ where: { seq } });
        await prisma.auditDetail.update({ where: { seq }, data: { details: detail.details.replace('"complete"', '"failed"') } });
        const res = await h.call('GET', '/v1/audit/verify', { token: await h.operatorToken() });
        expect(res.status).to.equal(409);
        expect(res.body).to.include({ ok: false, brokenAt: seq, reason: 'detail-commitment-mismatch' });
        await prisma.auditDetail.update({ where: { seq }, data: { details: detail.details } });
      });

      it('detects a rewritten entry in the chain', async () => {
        const prisma = h.broker.ctx.database.prisma;
        const entry = await prisma.auditEntry.findUniqueOrThrow({ where: { seq: 2 } });
        await prisma.auditEntry.update({ where: { seq: 2 }, data: { createdAt: new Date(entry.createdAt.getTime() - 1000) } });
        const res = await h.call('GET', '/v1/audit/verify', { token: await h.operatorToken() });
        expect(res.body).to.include({ ok: false, brokenAt: 2, reason: 'entry-hash-mismatch' });
        await prisma.auditEntry.update({ where: { seq: 2 }, data: { createdAt: entry.createdAt } });
        expect((await h.call('GET', '/v1/audit/verify', { token: await h.operatorToken() })).body.ok).to.equal(true);
      });
    });
  });
}
