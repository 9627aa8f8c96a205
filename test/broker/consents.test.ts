// The consent ledger through the API: who may grant, read and revoke, and that each change is audited.
import { expect } from 'chai';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, startHarness, type Harness } from '../helpers/harness.ts';
import { daysAgo, PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '47295136822';
const OTHER = '73915268449';
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
const consentBody = (o: Record<string, unknown> = {}) => ({
  citizen: { idNr: CITIZEN },
  grantee: AUTHORITY_ID,
  evidenceTypes: ['salary', 'income'],
  purpose: 'wohngeld',
  validUntil: inDays(90),
  ...o,
});

for (const kind of DATABASE_KINDS) {
  describe(`consents (${kind})`, function () {
    let h: Harness;
    let citizen: string;
    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db);
      citizen = await h.citizenToken(CITIZEN);
    });
    after(async () => h?.close());

    describe('when a citizen grants consent in the cockpit', () => {
      it('records it for themself and lists it', async () => {
        const res = await h.call('POST', '/v1/consents', { body: consentBody(), token: citizen });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body).to.include({ grantee: AUTHORITY_ID, purpose: 'wohngeld', state: 'active' });
        const list = await h.call('GET', `/v1/citizens/${CITIZEN}/consents`, { token: citizen });
        expect(list.body.consents.map((c: any) => c.id)).to.include(res.body.id);
      });

      it('refuses to grant on behalf of another citizen', async () => {
        const res = await h.call('POST', '/v1/consents', { body: consentBody({ citizen: { idNr: OTHER } }), token: citizen });
        expect(res.status).to.equal(403);
      });

      it('refuses an unknown grantee and a validity that ends before it starts', async () => {
        const unknown = await h.call('POST', '/v1/consents', { body: consentBody({ grantee: 'nobody' }), token: citizen });
        expect(unknown.status).to.equal(400);
        expect(unknown.body.invalidParams[0].name).to.equal('body.grantee');
        const backwards = await h.call('POST', '/v1/consents', { body: consentBody({ validFrom: inDays(10), validUntil: inDays(5) }), token: citizen });
        expect(backwards.status).to.equal(400);
      });
    });

    describe('when an authority records a paper consent', () => {
      it('may record one granted to itself, not to another authority', async () => {
        const own = await h.call('POST', '/v1/consents', { body: consentBody({ paper: PAPER_FORM }) });
        expect(own.status).to.equal(201);
        await h.broker.ctx.participants.upsert(
          { id: 'wohngeldstelle-b', name: 'Wohngeldstelle B', kind: 'authority', region: 'DE-HH', evidenceTypes: ['income'], purposes: ['wohngeld'], legalBases: [] },
          new Date(),
        );
        const other = await h.call('POST', '/v1/consents', { body: consentBody({ grantee: 'wohngeldstelle-b', paper: PAPER_FORM }) });
        expect(other.status).to.equal(403);
      });

      it('keeps the signed form\'s reference and date (no clerk through the API); the citizen sees them, the audit entry names them', async () => {
        const paper = { reference: 'WG-Antrag 2026/4711', signedOn: daysAgo(2) };
        const recorded = await h.call('POST', '/v1/consents', { body: consentBody({ paper }) });
        expect(recorded.status, JSON.stringify(recorded.body)).to.equal(201);
        const expected = { ...paper, recordedByClerk: null };
        expect(recorded.body.paper).to.deep.equal(expected);
        expect((await h.call('GET', `/v1/consents/${recorded.body.id}`, { token: citizen })).body.paper).to.deep.equal(expected);
        const listed = (await h.call('GET', `/v1/citizens/${CITIZEN}/consents`, { token: citizen })).body.consents.find((c: any) => c.id === recorded.body.id);
        expect(listed.paper).to.deep.equal(expected);
        const [granted] = await h.broker.ctx.database.prisma.auditDetail.findMany({ where: { consentId: recorded.body.id } });
        expect(JSON.parse(granted!.details)).to.deep.include({ paper: expected });
        // A consent the citizen grants for themself has no paper form.
        const own = await h.call('POST', '/v1/consents', { body: consentBody(), token: citizen });
        expect(own.body.paper).to.equal(null);
      });
    });

    describe('who sees a consent', () => {
      it('the citizen and the grantee see it; another citizen gets 404, not a hint', async () => {
        const { body } = await h.call('POST', '/v1/consents', { body: consentBody(), token: citizen });
        expect((await h.call('GET', `/v1/consents/${body.id}`, { token: citizen })).status).to.equal(200);
        expect((await h.call('GET', `/v1/consents/${body.id}`)).status).to.equal(200);
        const stranger = await h.call('GET', `/v1/consents/${body.id}`, { token: await h.citizenToken(OTHER) });
        expect(stranger.status).to.equal(404);
        expect((await h.call('DELETE', `/v1/consents/${body.id}`, { token: await h.citizenToken(OTHER) })).status).to.equal(404);
        expect((await h.call('GET', '/v1/consents/not-a-uuid')).status).to.equal(400);
      });
    });

    describe('when a consent is revoked', () => {
      it('is revoked once, idempotently, and both grant and revocation are in the audit chain', async () => {
        const { body } = await h.call('POST', '/v1/consents', { body: consentBody(), token: citizen });
        const first = await h.call('DELETE', `/v1/consents/${body.id}`, { token: citizen });
        const second = await h.call('DELETE', `/v1/consents/${body.id}`, { token: citizen });
        expect(first.body.state).to.equal('revoked');
        expect(second.status).to.equal(200);
        expect(second.body.revokedAt).to.equal(first.body.revokedAt);
        const kinds = await h.broker.ctx.database.prisma.auditDetail.findMany({ where: { consentId: body.id }, include: { entry: true } });
        expect(kinds.map((d) => d.entry.kind).sort()).to.deep.equal(['consent-granted', 'consent-revoked']);
        expect((await h.call('GET', '/v1/audit/verify', { token: await h.operatorToken() })).body.ok).to.equal(true);
      });
    });
  });
}
