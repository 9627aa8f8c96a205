// The broker's XML interface end to end, for case-management systems that speak XML: real broker, real
// simulators, real database (SQLite, and PostgreSQL when reachable), HTTP only. XML in gives XML out, with
// the same content as JSON; errors come back as XML error documents with the same codes and statuses.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import { schemaErrors } from '../../adapters/xml-schemas.ts';
import { transferLogSchemaErrors } from '../../broker/audit/transfer-log-xml.ts';
import type { EvidenceAnswer } from '../../broker/evidence/evidence-service.ts';
import type { EvidenceRequestBody } from '../../broker/http/schemas.ts';
import { answerSchema, readEvidenceAnswer } from '../../broker/http/xml-api/answer-document.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { footprint, grantConsent, postXml, readXmlError, xmlRequest } from './helpers.ts';

const CITIZEN = DEMO_CITIZENS[1]!;
const UNCONSENTED = DEMO_CITIZENS[2]!;
const ALL_TYPES = ['salary', 'maternity-benefit', 'income'] as const;
const BODY: EvidenceRequestBody = {
  citizen: { idNr: CITIZEN },
  evidenceTypes: [...ALL_TYPES],
  purpose: 'elterngeld',
  caseReference: 'EG-2026-0815',
  period: { from: '2025-01', to: '2025-12' },
  routing: ROUTING,
};
/** The Techniker Krankenkasse's IK: the sandbox's ECDSA instance of the maternity benefit (gkv-tk). */
const TK_IK = '101575519';
/** An AGS in Schleswig-Holstein (Land 01): no tax administration of the sandbox directory answers for it. */
const AGS_WITHOUT_REGISTER = '01001000';

/** The parts of an answer that differ between two requests for the same thing. */
function comparable(answer: EvidenceAnswer) {
  return {
    ...answer,
    id: 'ID',
    createdAt: 'T',
    auditEntryId: 'N',
    evidence: answer.evidence.map((e) => ({ ...e, provenance: { ...e.provenance, fetchedAt: e.provenance.fetchedAt === null ? null : 'T' } })),
  };
}

function validAnswer(xml: string) {
  expect(schemaErrors(xml, answerSchema), 'nachweisAntwort against its schema').to.deep.equal([]);
  return readEvidenceAnswer(xml);
}

for (const kind of DATABASE_KINDS) {
  describe(`the XML interface (${kind})`, function () {
    let h: Harness;
    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db, { registerTimeoutMs: 1500 });
      await grantConsent(h, CITIZEN, [...ALL_TYPES]);
    });
    after(async () => h?.close());
    beforeEach(() => {
      for (const sim of Object.values(h.sims.byType)) sim.reset();
    });

    describe('when a case-management system posts a nachweisAnfrage', () => {
      it('answers 201 with a valid nachweisAntwort in reply to it, with a Location', async () => {
        const messageId = randomUUID();
        const res = await postXml(h, xmlRequest(h, BODY, { messageId }));
        expect(res.status, res.text).to.equal(201);
        expect(res.headers.get('content-type')).to.equal('application/xml; charset=utf-8');
        const { header, answer } = validAnswer(res.text);
        expect(header).to.deep.include({ inReplyTo: messageId, sender: h.broker.ctx.cfg.brokerId, recipient: AUTHORITY_ID });
        expect(res.headers.get('location')).to.equal(`/v1/evidence-requests/${answer.id}`);
        expect(answer.status).to.equal('complete');
        expect(answer.evidence.map((e) => [e.type, e.status])).to.deep.equal(ALL_TYPES.map((t) => [t, 'delivered']));
      });

      it('carries the same content as the JSON answer to the same request', async () => {
        const xml = validAnswer((await postXml(h, xmlRequest(h, BODY))).text).answer;
        const json = (await h.call('POST', '/v1/evidence-requests', { body: BODY })).body as EvidenceAnswer;
        expect(comparable(xml)).to.deep.equal(comparable(json));
        expect(xml.evidence.map((e) => e.dataHash)).to.deep.equal(json.evidence.map((e) => e.dataHash));
      });

      it('shows the same state as JSON on a later GET with Accept: application/xml or ?format=xml', async () => {
        const posted = validAnswer((await postXml(h, xmlRequest(h, BODY))).text).answer;
        const json = await h.call('GET', `/v1/evidence-requests/${posted.id}`);
        const byAccept = await fetch(`${h.url}/v1/evidence-requests/${posted.id}`, { headers: { authorization: `Bearer ${h.token}`, accept: 'application/xml' } });
        const byQuery = await fetch(`${h.url}/v1/evidence-requests/${posted.id}?format=xml`, { headers: { authorization: `Bearer ${h.token}` } });
        for (const res of [byAccept, byQuery]) {
          expect(res.status).to.equal(200);
          const { header, answer } = validAnswer(await res.text());
          expect(header.inReplyTo).to.equal(null);
          expect(answer).to.deep.equal(json.body);
        }
      });

      it('answers in JSON when the caller asks for JSON, whatever it sent', async () => {
        const res = await postXml(h, xmlRequest(h, BODY), { accept: 'application/json' });
        expect(res.status).to.equal(201);
        expect(JSON.parse(res.text).status).to.equal('complete');
      });

      it('accepts text/xml, a UTF-8 charset parameter and a byte order mark', async () => {
        const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xmlRequest(h, BODY))]);
        const res = await postXml(h, bom, { 'content-type': 'text/xml; charset=UTF-8' });
        expect(res.status, res.text).to.equal(201);
      });

      it('replays the first answer for a repeated Idempotency-Key, in XML', async () => {
        const key = randomUUID();
        const body = xmlRequest(h, BODY);
        const first = validAnswer((await postXml(h, body, { 'idempotency-key': key })).text).answer;
        const calls = (await footprint(h)).registerCalls;
        const again = await postXml(h, xmlRequest(h, BODY), { 'idempotency-key': key });
        expect(again.status).to.equal(201);
        expect(again.headers.get('idempotent-replayed')).to.equal('true');
        expect(validAnswer(again.text).answer.id).to.equal(first.id);
        expect((await footprint(h)).registerCalls).to.equal(calls);
      });

      it('accepts it for later with Prefer: respond-async (202, in progress, no items yet)', async () => {
        const res = await postXml(h, xmlRequest(h, BODY), { prefer: 'respond-async' });
        expect(res.status, res.text).to.equal(202);
        const { answer } = validAnswer(res.text);
        expect(answer.status).to.equal('in-progress');
        expect(answer.evidence).to.deep.equal([]);
        await h.broker.ctx.evidence.drain();
      });

      it('reports an unavailable register in the same terms as JSON (fehler with the item’s code)', async () => {
        h.sims.byType.income.setBehaviour({ fault: 'http-500' });
        const { answer } = validAnswer((await postXml(h, xmlRequest(h, BODY))).text);
        expect(answer.status).to.equal('partial');
        const income = answer.evidence.find((e) => e.type === 'income')!;
        expect(income).to.deep.include({ status: 'unavailable', data: null });
        expect(income.reason?.code).to.equal('INCOME_UPSTREAM_ERROR');
      });
    });

    describe('when the nachweisAnfrage carries zustaendigkeit (routing hints, nachweis 1.1)', () => {
      it('routes like JSON: krankenkasseIk of the TK reaches gkv-tk, named in herkunft', async () => {
        const body: EvidenceRequestBody = { ...BODY, evidenceTypes: ['maternity-benefit'], routing: { insurerIk: TK_IK } };
        const xml = xmlRequest(h, body);
        expect(xml).to.include(`<zustaendigkeit>`).and.include(`<krankenkasseIk>${TK_IK}</krankenkasseIk>`);
        const res = await postXml(h, xml);
        expect(res.status, res.text).to.equal(201);
        expect(res.text).to.include('<register>gkv-tk</register>').and.include('<registerName>Techniker Krankenkasse</registerName>');
        const { answer } = validAnswer(res.text);
        expect(answer.evidence).to.have.length(1);
        expect(answer.evidence[0]).to.deep.include({ type: 'maternity-benefit', status: 'delivered' });
        expect(answer.evidence[0]!.provenance).to.include({ register: 'gkv-tk', registerName: 'Techniker Krankenkasse' });
        const json = (await h.call('POST', '/v1/evidence-requests', { body })).body as EvidenceAnswer;
        expect(comparable(answer)).to.deep.equal(comparable(json));
      });

      it('marks an item no instance answers for unavailable with NO_RESPONSIBLE_REGISTER, in a valid answer without a register', async () => {
        const res = await postXml(h, xmlRequest(h, { ...BODY, routing: { ...ROUTING, ags: AGS_WITHOUT_REGISTER } }));
        expect(res.status, res.text).to.equal(201);
        const { answer } = validAnswer(res.text);
        const income = answer.evidence.find((e) => e.type === 'income')!;
        expect(income).to.deep.include({ status: 'unavailable', data: null, provenance: { register: null, registerName: null, fetchedAt: null } });
        expect(income.reason?.code).to.equal('NO_RESPONSIBLE_REGISTER');
        expect(answer.evidence.find((e) => e.type === 'salary')!.provenance.register).to.equal('drv-rvbea');
      });

      it('400 invalid-request naming zustaendigkeit/wohnortAgs when income is asked for without it, storing and fetching nothing', async () => {
        const before = await footprint(h);
        const { ags: _, ...withoutAgs } = ROUTING;
        const messageId = randomUUID();
        const res = await postXml(h, xmlRequest(h, { ...BODY, routing: withoutAgs }, { messageId }));
        expect(res.status, res.text).to.equal(400);
        const error = readXmlError(res.text);
        expect(error).to.include({ code: 'invalid-request', inReplyTo: messageId });
        expect(error.invalidParams.map((p) => p.name)).to.deep.equal(['nachweisAnfrage/zustaendigkeit/wohnortAgs']);
        const json = await h.call('POST', '/v1/evidence-requests', { body: { ...BODY, routing: withoutAgs } });
        expect(json.body.invalidParams).to.deep.equal([{ name: 'body.routing.ags', reason: error.invalidParams[0]!.reason }]);
        expect(await footprint(h)).to.deep.equal(before);
      });

      it('400 invalid-request naming zustaendigkeit when it is missing altogether', async () => {
        const { routing: _, ...withoutRouting } = BODY;
        const error = readXmlError((await postXml(h, xmlRequest(h, withoutRouting))).text);
        expect(error.status).to.equal(400);
        expect(error.invalidParams.map((p) => p.name)).to.have.members(['nachweisAnfrage/zustaendigkeit/wohnortAgs', 'nachweisAnfrage/zustaendigkeit/krankenkasseIk']);
      });

      it('400 invalid-request for a malformed IK, refused by the schema before anything happens', async () => {
        const before = await footprint(h);
        const xml = xmlRequest(h, BODY).replace(`<krankenkasseIk>${ROUTING.insurerIk}</krankenkasseIk>`, '<krankenkasseIk>10831040X</krankenkasseIk>');
        expect(xml).to.include('10831040X');
        const res = await postXml(h, xml);
        expect(res.status, res.text).to.equal(400);
        const error = readXmlError(res.text);
        expect(error.code).to.equal('invalid-request');
        expect(error.detail).to.include('krankenkasseIk').and.not.include('10831040X');
        expect(await footprint(h)).to.deep.equal(before);
      });

      it('still accepts a nachweisAnfrage 1.0 (no zustaendigkeit) for salary, and answers in 1.1', async () => {
        const xml = xmlRequest(h, { ...BODY, evidenceTypes: ['salary'], routing: undefined }, { version: '1.0' });
        expect(xml).to.include('urn:xoev-de:evidence-broker:nachweis:1.0').and.not.include('zustaendigkeit');
        const messageId = /<nachrichtenId>([^<]+)<\/nachrichtenId>/.exec(xml)![1];
        const res = await postXml(h, xml);
        expect(res.status, res.text).to.equal(201);
        const { header, answer } = validAnswer(res.text);
        expect(header.inReplyTo).to.equal(messageId);
        expect(answer.evidence.map((e) => [e.type, e.status, e.provenance.register])).to.deep.equal([['salary', 'delivered', 'drv-rvbea']]);
      });

      it('refuses a nachweisAnfrage 1.0 that asks for a type needing a hint it cannot carry (400 naming zustaendigkeit)', async () => {
        const error = readXmlError((await postXml(h, xmlRequest(h, { ...BODY, evidenceTypes: ['income'], routing: undefined }, { version: '1.0' }))).text);
        expect(error.status).to.equal(400);
        expect(error.invalidParams.map((p) => p.name)).to.deep.equal(['nachweisAnfrage/zustaendigkeit/wohnortAgs']);
      });
    });

    describe('when the request is refused', () => {
      async function refused(res: { status: number; headers: Headers; text: string }, status: number, code: string) {
        expect(res.status, res.text).to.equal(status);
        expect(res.headers.get('content-type')).to.equal('application/xml; charset=utf-8');
        const error = readXmlError(res.text);
        expect(error).to.include({ status, code, type: `${h.broker.ctx.cfg.problemBaseUrl}${code}` });
        return error;
      }

      it('400 invalid-request for a document its schema does not allow, naming the place, never a value', async () => {
        const before = await footprint(h);
        const xml = xmlRequest(h, BODY).replace('<aktenzeichen>', '<aktenzeichen>EG 1</aktenzeichen><aktenzeichen>');
        const error = await refused(await postXml(h, xml), 400, 'invalid-request');
        expect(error.detail).to.include('/nachweisAnfrage/aktenzeichen');
        expect(error.detail).not.to.include('EG 1');
        expect(await footprint(h)).to.deep.equal(before);
      });

      it('400 invalid-request with the same reasons as JSON for a valid document with wrong values, at XML paths', async () => {
        const bad: EvidenceRequestBody = { ...BODY, citizen: { idNr: '86095742718' }, period: { from: '2025-12', to: '2025-01' } };
        const messageId = randomUUID();
        const error = await refused(await postXml(h, xmlRequest(h, bad, { messageId })), 400, 'invalid-request');
        const json = await h.call('POST', '/v1/evidence-requests', { body: bad });
        expect(json.status).to.equal(400);
        expect(error.invalidParams.map((p) => p.reason)).to.deep.equal(json.body.invalidParams.map((p: { reason: string }) => p.reason));
        expect(error.invalidParams.map((p) => p.name)).to.deep.equal(['nachweisAnfrage/person/identifikationsnummer', 'nachweisAnfrage/zeitraum']);
        expect(error.inReplyTo).to.equal(messageId);
      });

      it('401 unauthenticated without a token, before the document is read', async () => {
        const res = await fetch(`${h.url}/v1/evidence-requests`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<!DOCTYPE x><x/>' });
        await refused({ status: res.status, headers: res.headers, text: await res.text() }, 401, 'unauthenticated');
      });

      it('403 consent-required when no consent covers it, with the stable reason, calling no register', async () => {
        const before = await footprint(h);
        const messageId = randomUUID();
        const error = await refused(await postXml(h, xmlRequest(h, { ...BODY, citizen: { idNr: UNCONSENTED } }, { messageId })), 403, 'consent-required');
        expect(error.refusal).to.be.a('string').and.not.empty;
        expect(error.inReplyTo).to.equal(messageId);
        expect(error.detail).not.to.include(UNCONSENTED);
        // The refusal itself is audited (one entry); nothing is fetched and no request is stored.
        expect(await footprint(h)).to.deep.equal({ ...before, auditEntries: before.auditEntries + 1 });
      });

      it('403 forbidden when the header names another sender than the token', async () => {
        await refused(await postXml(h, xmlRequest(h, BODY, { sender: 'jobcenter-nebenan' })), 403, 'forbidden');
      });

      it('400 invalid-request when the header names another recipient than this broker', async () => {
        const error = await refused(await postXml(h, xmlRequest(h, BODY, { recipient: 'another-broker' })), 400, 'invalid-request');
        expect(error.invalidParams[0]?.name).to.equal('nachweisAnfrage/nachrichtenkopf/empfaenger/behoerdenkennung');
      });

      it('404 not-found for an unknown request, when asked for XML', async () => {
        const res = await fetch(`${h.url}/v1/evidence-requests/${randomUUID()}`, { headers: { authorization: `Bearer ${h.token}`, accept: 'application/xml' } });
        await refused({ status: res.status, headers: res.headers, text: await res.text() }, 404, 'not-found');
      });

      it('413 payload-too-large for a body over 64 KiB', async () => {
        const big = xmlRequest(h, BODY).replace('</nachweis:nachweisAnfrage>', `<!--${'x'.repeat(70_000)}--></nachweis:nachweisAnfrage>`);
        await refused(await postXml(h, big), 413, 'payload-too-large');
      });

      it('415 unsupported-media-type for XML anywhere else, for another charset, and for a compressed body', async () => {
        const consent = await fetch(`${h.url}/v1/consents`, { method: 'POST', headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/xml' }, body: '<a/>' });
        await refused({ status: consent.status, headers: consent.headers, text: await consent.text() }, 415, 'unsupported-media-type');
        await refused(await postXml(h, xmlRequest(h, BODY), { 'content-type': 'application/xml; charset=ISO-8859-1' }), 415, 'unsupported-media-type');
        await refused(await postXml(h, xmlRequest(h, BODY), { 'content-encoding': 'gzip' }), 415, 'unsupported-media-type');
      });

      it('keeps problem+json for JSON callers and for browsers', async () => {
        const json = await h.call('GET', `/v1/evidence-requests/${randomUUID()}`);
        expect(json.headers.get('content-type')).to.match(/^application\/problem\+json/);
        const browser = await h.call('GET', `/v1/evidence-requests/${randomUUID()}`, {
          headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
        });
        expect(browser.headers.get('content-type')).to.match(/^application\/problem\+json/);
      });
    });

    describe('the citizen’s transfer log as XML', () => {
      it('is a valid protokollauszug listing the XML and JSON transfers', async () => {
        h.sims.byType['maternity-benefit'].setBehaviour({ fault: 'negative-amount' });
        const posted = validAnswer((await postXml(h, xmlRequest(h, BODY))).text).answer;
        const res = await fetch(`${h.url}/v1/citizens/${CITIZEN}/transfers?format=xml`, { headers: { authorization: `Bearer ${await h.citizenToken(CITIZEN)}` } });
        expect(res.status).to.equal(200);
        const xml = await res.text();
        expect(transferLogSchemaErrors(xml)).to.deep.equal([]);
        expect(xml).to.include('urn:xoev-de:evidence-broker:protokoll:1.2');
        // Each entry names its leaf in the audit Merkle tree: entry number − 1, as in the JSON's leafIndex.
        const entries = [...xml.matchAll(/<protokolleintragId>(\d+)<\/protokolleintragId>\s*<blattIndex>(\d+)<\/blattIndex>/g)];
        expect(entries.length).to.equal((xml.match(/<uebermittlung>/g) ?? []).length).and.to.be.greaterThan(0);
        for (const [, entry, leaf] of entries) expect(Number(leaf)).to.equal(Number(entry) - 1);
        expect(xml).to.include(`<anfrageId>${posted.id}</anfrageId>`);
        expect(xml).to.include('<code>MATERNITY_BENEFIT_REJECTED_ANSWER</code>');
        expect(xml).not.to.include('grossCents');
      });

      it('names each item’s register instance and its registerName, and no register where none was responsible', async () => {
        const posted = validAnswer((await postXml(h, xmlRequest(h, { ...BODY, routing: { ...ROUTING, ags: AGS_WITHOUT_REGISTER } }))).text).answer;
        const res = await fetch(`${h.url}/v1/citizens/${CITIZEN}/transfers?format=xml`, { headers: { authorization: `Bearer ${await h.citizenToken(CITIZEN)}` } });
        const xml = await res.text();
        expect(transferLogSchemaErrors(xml)).to.deep.equal([]);
        const entry = xml.slice(xml.indexOf(`<anfrageId>${posted.id}</anfrageId>`), xml.indexOf('</uebermittlung>', xml.indexOf(`<anfrageId>${posted.id}</anfrageId>`)));
        const items = [...entry.matchAll(/<nachweis>([\s\S]*?)<\/nachweis>/g)].map((m) => m[1]!);
        expect(items).to.have.length(3);
        expect(items[0]).to.include('<register>drv-rvbea</register>').and.include('<registerName>Deutsche Rentenversicherung Bund – rvBEA</registerName>');
        expect(items[1]).to.include('<register>gkv-aok-bayern</register>').and.include('<registerName>AOK Bayern – Die Gesundheitskasse</registerName>');
        expect(items[2]).to.include('<code>NO_RESPONSIBLE_REGISTER</code>').and.not.include('<register>').and.not.include('<registerName>');
      });
    });
  });
}
