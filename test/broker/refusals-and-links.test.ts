// Issue 24, over HTTP on both databases: a refused evidence request shows in the citizen's transfers (JSON, XML
// protocol extract, cockpit) as a refusal — who, when, purpose, reason, nothing transferred; a transfer names the
// consent that allowed it and the consent lists the transfer; a paper consent shows who recorded it from which form.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { citizenTagKey, citizenTagOf } from '../../broker/audit/audit-log.ts';
import { transferLogSchemaErrors } from '../../broker/audit/transfer-log-xml.ts';
import { DIRECTORY_REFUSALS, REFUSAL_REASON_CODES, REFUSAL_REASONS } from '../../consent/refusal-reasons.ts';
import type { AuthorizationRefusal } from '../../broker/evidence/authorize.ts';
import { ConsentListView, ConsentView, TransferListView } from '../../broker/http/schemas.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { daysAgo, PAPER_FORM } from '../helpers/paper-form.ts';
import { PageClient } from '../pages/page-client.ts';
import { readFileSync } from 'node:fs';

const REFUSED_CITIZEN = '47295136822';
const LINKED_CITIZEN = '73915268449';
const BYSTANDER = '86095742719';
const LIMITED = 'wohngeldstelle-nur-einkommen';
const DATA_KEY = randomBytes(32);
const germanDate = (day: string) => day.split('-').reverse().join('.');
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

function evidenceRequest(idNr: string, o: Record<string, unknown> = {}) {
  return { citizen: { idNr }, evidenceTypes: ['salary', 'income'], purpose: 'elterngeld', caseReference: 'EG-2026-0024', routing: ROUTING, ...o };
}

describe('refusal reasons: one catalogue', () => {
  it('covers every directory refusal and has an English and a German text for each code, the same codes the protokoll XSD enumerates', () => {
    const directory: readonly AuthorizationRefusal['reason'][] = DIRECTORY_REFUSALS;
    expect([...directory].sort()).to.deep.equal((['evidence-type-not-allowed', 'purpose-not-allowed', 'legal-basis-not-allowed'] satisfies AuthorizationRefusal['reason'][]).sort());
    for (const code of REFUSAL_REASON_CODES) {
      expect(REFUSAL_REASONS[code].en, code).to.match(/^[a-z].{10,}[a-z]$/);
      expect(REFUSAL_REASONS[code].de, code).to.match(/^[A-ZÄÖÜ].{10,}\.$/);
    }
    const xsd = readFileSync(new URL('../../xoev-schemas/protokoll/protokoll-1.2.xsd', import.meta.url), 'utf8');
    const simpleType = /<xs:simpleType name="Ablehnungscode">[\s\S]*?<\/xs:simpleType>/.exec(xsd)![0];
    expect([...simpleType.matchAll(/<xs:enumeration value="([^"]+)"\/>/g)].map((m) => m[1])).to.deep.equal(REFUSAL_REASON_CODES);
  });
});

for (const kind of DATABASE_KINDS) {
  describe(`refusals and consent links (${kind})`, function () {
    this.timeout(60_000);
    let h: Harness;
    let offsetMs = 0;
    let limitedToken: string;
    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db, { clock: () => new Date(Date.now() + offsetMs), config: { dataKey: { base64: DATA_KEY.toString('base64') } } });
      await h.broker.ctx.participants.upsert(
        { id: LIMITED, name: 'Wohngeldstelle Nur Einkommen', kind: 'authority', region: 'DE-BY', evidenceTypes: ['income'], purposes: ['wohngeld'], legalBases: [] },
        new Date(),
      );
      limitedToken = await h.broker.ctx.tokens.issue({ participantId: LIMITED }, 'test');
    });
    after(async () => h?.close());
    afterEach(() => (offsetMs = 0));

    async function signedInCitizen(idNr: string): Promise<PageClient> {
      const c = new PageClient(h.url);
      await c.get('/cockpit/sign-in');
      const res = await c.post('/cockpit/sign-in', { idNr });
      expect(res.status, res.html).to.equal(303);
      await c.get('/cockpit');
      return c;
    }

    async function recordPaperConsent(idNr: string, o: Record<string, unknown> = {}): Promise<string> {
      const res = await h.call('POST', '/v1/consents', {
        body: { citizen: { idNr }, grantee: AUTHORITY_ID, evidenceTypes: ['salary', 'income'], purpose: 'elterngeld', validUntil: inDays(90), paper: PAPER_FORM, ...o },
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body.id as string;
    }

    const transfersJson = async (idNr: string) => {
      const res = await h.call('GET', `/v1/citizens/${idNr}/transfers`, { token: await h.citizenToken(idNr) });
      expect(res.status).to.equal(200);
      return TransferListView.parse(res.body).transfers as any[];
    };

    describe('when requests about a citizen are refused', () => {
      let revokedConsent: string;
      let expiredConsent: string;
      const seqs: number[] = [];

      before(async function () {
        if (!h) return this.skip();
        const citizen = await h.citizenToken(REFUSED_CITIZEN);
        // 1. No consent at all.
        const none = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest(REFUSED_CITIZEN) });
        expect(none.status).to.equal(403);
        // 2. The directory: this authority may not ask for salary.
        const directory = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest(REFUSED_CITIZEN, { purpose: 'wohngeld', caseReference: 'WG-7' }), token: limitedToken });
        expect(directory.status).to.equal(403);
        // 3. A consent the citizen revoked.
        revokedConsent = await recordPaperConsent(REFUSED_CITIZEN);
        expect((await h.call('DELETE', `/v1/consents/${revokedConsent}`, { token: citizen })).status).to.equal(200);
        const revoked = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest(REFUSED_CITIZEN, { consentId: revokedConsent }) });
        expect(revoked.status).to.equal(403);
        expect(revoked.body.refusal).to.equal('revoked');
        // 4. A consent that has expired (the broker's clock two days on).
        const granted = await h.call('POST', '/v1/consents', {
          body: { citizen: { idNr: REFUSED_CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ['income'], purpose: 'wohngeld', validUntil: inDays(1) },
          token: citizen,
        });
        expect(granted.status).to.equal(201);
        expiredConsent = granted.body.id;
        offsetMs = 2 * 86_400_000;
        const expired = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest(REFUSED_CITIZEN, { evidenceTypes: ['income'], purpose: 'wohngeld', consentId: expiredConsent }) });
        expect(expired.body.refusal).to.equal('expired');
        offsetMs = 0;
        const rows = await h.broker.ctx.database.prisma.auditDetail.findMany({ where: { citizenIdNr: REFUSED_CITIZEN, entry: { kind: 'refusal' } }, orderBy: { seq: 'asc' } });
        seqs.push(...rows.map((r) => r.seq));
      });

      it('audits each refusal with the citizen: their IdNr in the detail row and their tag on the entry', async () => {
        expect(seqs).to.have.length(4);
        const entries = await h.broker.ctx.database.prisma.auditEntry.findMany({ where: { seq: { in: seqs } }, include: { detail: true } });
        const tag = citizenTagOf(citizenTagKey(DATA_KEY), REFUSED_CITIZEN);
        for (const e of entries) {
          expect(e.kind).to.equal('refusal');
          expect(e.detail!.citizenIdNr).to.equal(REFUSED_CITIZEN);
          expect(e.citizenTag, `entry ${e.seq}`).to.equal(tag);
        }
      });

      it('lists them in the JSON as refusals: who, when, purpose, reason code and text, nothing transferred', async () => {
        const refusals = (await transfersJson(REFUSED_CITIZEN)).filter((t) => t.kind === 'refusal');
        expect(refusals.map((t) => t.auditEntryId)).to.deep.equal([...seqs].reverse());
        expect(refusals.map((t) => t.reason.code)).to.deep.equal(['expired', 'revoked', 'evidence-type-not-allowed', 'no-consent']);
        for (const t of refusals) {
          expect(t.transferred).to.equal(false);
          expect(t.reason.text).to.equal(REFUSAL_REASONS[t.reason.code as keyof typeof REFUSAL_REASONS].en);
          expect(t).to.not.have.property('items');
          expect(Date.parse(t.at)).to.be.greaterThan(Date.now() - 600_000);
        }
        const [expired, revoked, directory, none] = refusals;
        expect(directory).to.deep.include({ requester: LIMITED, purpose: 'wohngeld', caseReference: 'WG-7', evidenceTypes: ['salary', 'income'], consentId: null });
        expect(none).to.deep.include({ requester: AUTHORITY_ID, purpose: 'elterngeld', consentId: null });
        // A refusal about one of the citizen's consents names it.
        expect(revoked.consentId).to.equal(revokedConsent);
        expect(expired.consentId).to.equal(expiredConsent);
      });

      it('does not show another citizen the refusals, nor this citizen a consent id named by an authority that is not theirs', async () => {
        expect((await transfersJson(BYSTANDER)).filter((t) => t.kind === 'refusal')).to.deep.equal([]);
        // The authority names the bystander's consent for this citizen: refused as consent-unknown, and the id stays hidden.
        const theirs = await recordPaperConsent(BYSTANDER);
        const res = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest(REFUSED_CITIZEN, { consentId: theirs }) });
        expect(res.body.refusal).to.equal('consent-unknown');
        const [latest] = await transfersJson(REFUSED_CITIZEN);
        expect(latest).to.deep.include({ kind: 'refusal', consentId: null });
        expect(latest.reason.code).to.equal('consent-unknown');
        expect(JSON.stringify(await transfersJson(REFUSED_CITIZEN))).to.not.include(theirs);
        seqs.push(latest.auditEntryId);
      });

      it('writes them into the schema-valid protocol extract as ablehnung, with reason and nichtsUebermittelt', async () => {
        const res = await fetch(`${h.url}/v1/citizens/${REFUSED_CITIZEN}/transfers?format=xml`, { headers: { authorization: `Bearer ${await h.citizenToken(REFUSED_CITIZEN)}` } });
        const xml = await res.text();
        expect(transferLogSchemaErrors(xml)).to.deep.equal([]);
        expect(xml.match(/<ablehnung>/g)).to.have.length(seqs.length);
        expect(xml.match(/<nichtsUebermittelt>true<\/nichtsUebermittelt>/g)).to.have.length(seqs.length);
        expect(xml).to.include('<code>no-consent</code>');
        expect(xml).to.include(`<text>${REFUSAL_REASONS['no-consent'].de}</text>`);
        expect(xml).to.include(`<behoerdenkennung>${LIMITED}</behoerdenkennung>`);
        expect(xml).to.include(`<einwilligungId>${revokedConsent}</einwilligungId>`);
      });

      it('shows them in the cockpit in German with who, purpose and reason, saying that nothing was transferred', async () => {
        const page = (await (await signedInCitizen(REFUSED_CITIZEN)).get('/cockpit')).html;
        const cards = page.split('<li class="record"').slice(1);
        const refused = cards.filter((c) => c.includes('– abgelehnt</h3>'));
        expect(refused).to.have.length(seqs.length);
        for (const card of refused) expect(card).to.include('nichts übermittelt');
        const directory = refused.find((c) => c.includes('Wohngeldstelle Nur Einkommen'))!;
        expect(directory).to.include('Wohngeld');
        expect(directory).to.include(REFUSAL_REASONS['evidence-type-not-allowed'].de);
        expect(page).to.include(REFUSAL_REASONS['no-consent'].de);
        expect(page).to.include(REFUSAL_REASONS.revoked.de);
        expect(page).to.include(`href="/cockpit/consents/${revokedConsent}"`);
        // The filter by authority keeps the refusal of that authority.
        const filtered = (await (await signedInCitizen(REFUSED_CITIZEN)).get(`/cockpit?authority=${LIMITED}`)).html;
        expect(filtered).to.include('Wohngeldstelle Nur Einkommen – abgelehnt');
        expect(filtered).to.not.include('Elterngeldstelle Teststadt – abgelehnt');
      });

      it('still lists a refusal whose details went missing, as a refusal (JSON and XML)', async () => {
        const seq = seqs[0]!;
        await h.broker.ctx.database.prisma.auditDetail.delete({ where: { seq } });
        const entry = (await transfersJson(REFUSED_CITIZEN)).find((t) => t.auditEntryId === seq);
        expect(entry).to.deep.include({ kind: 'refusal', detailsMissing: true });
        const res = await fetch(`${h.url}/v1/citizens/${REFUSED_CITIZEN}/transfers?format=xml`, { headers: { authorization: `Bearer ${await h.citizenToken(REFUSED_CITIZEN)}` } });
        const xml = await res.text();
        expect(transferLogSchemaErrors(xml)).to.deep.equal([]);
        expect(xml).to.match(new RegExp(`<protokolleintragId>${seq}</protokolleintragId>[\\s\\S]*?<angabenFehlen>\\s*<eintragsart>ablehnung</eintragsart>`));
      });
    });

    describe('when a transfer is made under a consent', () => {
      it('names the consent, and the consent lists the transfer (API, both ways); a legal-basis transfer names its basis instead', async () => {
        const consentId = await recordPaperConsent(LINKED_CITIZEN);
        const made = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest(LINKED_CITIZEN) });
        expect(made.status, JSON.stringify(made.body)).to.equal(201);
        const byLaw = await h.call('POST', '/v1/evidence-requests', { body: evidenceRequest(LINKED_CITIZEN, { evidenceTypes: ['salary'], legalBasis: 'beeg-9' }) });
        expect(byLaw.status, JSON.stringify(byLaw.body)).to.equal(201);

        const transfers = (await transfersJson(LINKED_CITIZEN)).filter((t) => t.kind === 'transfer');
        const underConsent = transfers.find((t) => t.requestId === made.body.id)!;
        expect(underConsent.basis).to.deep.equal({ basis: 'consent', consentId });
        expect(transfers.find((t) => t.requestId === byLaw.body.id)!.basis).to.deep.equal({ basis: 'legal-basis', legalBasis: 'beeg-9' });

        const expected = [{ auditEntryId: made.body.auditEntryId, leafIndex: made.body.auditEntryId - 1, requester: AUTHORITY_ID, requestId: made.body.id, outcome: 'complete' }];
        const strip = (ts: any[]) => ts.map(({ at, ...rest }) => (expect(Date.parse(at)).to.be.a('number'), rest));
        const citizen = await h.citizenToken(LINKED_CITIZEN);
        const asCitizen = ConsentView.parse((await h.call('GET', `/v1/consents/${consentId}`, { token: citizen })).body);
        expect(strip(asCitizen.transfers)).to.deep.equal(expected);
        const asGrantee = ConsentView.parse((await h.call('GET', `/v1/consents/${consentId}`)).body);
        expect(strip(asGrantee.transfers)).to.deep.equal(expected);
        const list = ConsentListView.parse((await h.call('GET', `/v1/citizens/${LINKED_CITIZEN}/consents`, { token: citizen })).body);
        expect(strip(list.consents.find((c) => c.id === consentId)!.transfers)).to.deep.equal(expected);
      });

      it('links both ways in the cockpit: the transfer to its consent, the consent page to the transfer', async () => {
        const consentId = (await h.broker.ctx.consentStore.listForCitizen(LINKED_CITIZEN))[0]!.id;
        const [under] = (await h.broker.ctx.audit.transfersUnderConsents(LINKED_CITIZEN, [consentId])).get(consentId)!;
        const c = await signedInCitizen(LINKED_CITIZEN);
        const list = (await c.get('/cockpit')).html;
        const card = list.split('<li class="record"').find((c) => c.includes(`id="transfer-${under!.auditEntryId}"`))!;
        expect(card).to.include(`href="/cockpit/consents/${consentId}"`);
        expect(list).to.include('Gesetz: ');
        const consents = (await c.get('/cockpit/consents')).html;
        expect(consents).to.include('1 Abruf – <a href="/cockpit/consents/');
        const page = await c.get(`/cockpit/consents/${consentId}`);
        expect(page.status).to.equal(200);
        expect(page.html).to.include(`href="/cockpit#transfer-${under!.auditEntryId}"`);
        expect(page.html).to.include(`Protokolleintrag Nr. ${under!.auditEntryId}`);
        // Another citizen's consent is "not found".
        expect((await (await signedInCitizen(BYSTANDER)).get(`/cockpit/consents/${consentId}`)).status).to.equal(404);
      });
    });

    describe('when an authority records a consent from a paper form', () => {
      it('shows the citizen who recorded it from which form, and lets them revoke it', async () => {
        const idNr = BYSTANDER;
        const signedOn = daysAgo(2);
        const viaApi = await recordPaperConsent(idNr, { paper: { reference: 'EG-Antrag 2026/2424', signedOn } });
        const api = ConsentView.parse((await h.call('GET', `/v1/consents/${viaApi}`, { token: await h.citizenToken(idNr) })).body);
        expect(api).to.deep.include({ grantedBy: AUTHORITY_ID, paper: { reference: 'EG-Antrag 2026/2424', signedOn, recordedByClerk: null } });
        // One recorded by a clerk on the lookup page (which records it through the same ledger) names the clerk.
        const clerk = await h.broker.ctx.pages.clerks.register({ username: 'clara', displayName: 'Clara Muster', participantId: AUTHORITY_ID, password: 'ein langes Passwort 24' });
        const byClerk = await h.broker.ctx.consents.grant({
          citizenIdNr: idNr,
          granteeId: AUTHORITY_ID,
          evidenceTypes: ['income'],
          purpose: 'wohngeld',
          validFrom: new Date(),
          validUntil: new Date(inDays(30)),
          grantedBy: AUTHORITY_ID,
          paper: { reference: 'WG-Antrag 2026/77', signedOn, recordedByClerk: clerk.id },
        });
        const c = await signedInCitizen(idNr);
        const page = (await c.get('/cockpit/consents')).html;
        expect(page).to.include(`erfasst von Elterngeldstelle Teststadt (über ihr Fachverfahren) am `);
        expect(page).to.include(`, aus einem Papierformular vom ${germanDate(signedOn)} (Formularkennzeichen EG-Antrag 2026/2424)`);
        expect(page).to.include('erfasst von Clara Muster (Elterngeldstelle Teststadt) am ');
        expect(page).to.include(`, aus einem Papierformular vom ${germanDate(signedOn)} (Formularkennzeichen WG-Antrag 2026/77)`);
        expect(page).to.include(`href="/cockpit/consents/${byClerk.id}/revoke"`);
        const detail = (await c.get(`/cockpit/consents/${byClerk.id}`)).html;
        expect(detail).to.include('erfasst von Clara Muster (Elterngeldstelle Teststadt)');
        expect(detail).to.include(`href="/cockpit/consents/${byClerk.id}/revoke"`);
        // Revoking it from the cockpit.
        await c.get(`/cockpit/consents/${byClerk.id}/revoke`);
        const done = await c.post(`/cockpit/consents/${byClerk.id}/revoke`, {});
        expect(done.status).to.equal(303);
        const after = ConsentView.parse((await h.call('GET', `/v1/consents/${byClerk.id}`, { token: await h.citizenToken(idNr) })).body);
        expect(after.state).to.equal('revoked');
        expect((await c.get(`/cockpit/consents/${byClerk.id}`)).html).to.not.include(`/cockpit/consents/${byClerk.id}/revoke"`);
      });
    });
  });
}
