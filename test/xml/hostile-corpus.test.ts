// Every document of the hostile-XML corpus (test/xml/corpus/README.md) against every reader: the broker's XML
// endpoint, each adapter's answer parsing (the simulators send the document with fault 'raw'), each
// simulator's query parsing, and the readers directly. Each must refuse it cleanly, for the stated reason,
// store and fetch nothing, and never call the canary server.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import { startRegisterSimulator } from '../../adapters/simulator-server.ts';
import { XML_LIMITS, XmlMessageError } from '../../adapters/xml.ts';
import type { EvidenceRequestBody } from '../../broker/http/schemas.ts';
import { XML_BODY_LIMIT_BYTES } from '../../broker/http/xml-api/namespace.ts';
import { buildEvidenceRequest, readEvidenceRequest } from '../../broker/http/xml-api/request-document.ts';
import { clock, failureOf, inTime, registerRequest, REGISTERS, SENDER, type RegisterUnderTest } from '../adapters/fixtures.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { CORPUS_DIR, corpusCases, decodeStrictly, renderCase, targetOf, type CorpusTarget } from './corpus.ts';
import { footprint, grantConsent, postXml, readXmlError, startCanary, xmlRequest } from './helpers.ts';
import { sandboxAdapterKeys } from '../helpers/sandbox-adapter-keys.ts';

const CASES = corpusCases();
const CITIZEN = DEMO_CITIZENS[0]!;
/** A request the harness's authority may make once the citizen consented (grantConsent). */
const REQUEST: EvidenceRequestBody = { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: 'EG-2026-0042' };
/** What no refusal may ever repeat: the citizen, or anything a leaked /etc/passwd or canary answer would show. */
const NEVER_QUOTED = [CITIZEN, 'root:', 'leaked'];

/** The reason a reader gives: the decoder's, or the XmlProblem of the first check that refuses it. */
function refusalOf(bytes: Uint8Array, read: (text: string) => unknown): string {
  const text = decodeStrictly(bytes);
  if (text === null) return 'invalid-utf-8';
  try {
    read(text);
  } catch (err) {
    if (err instanceof XmlMessageError) {
      for (const secret of NEVER_QUOTED) expect(err.message).not.to.include(secret);
      return err.problem;
    }
    throw err;
  }
  return 'accepted';
}

/** The query an adapter really sends to a register, captured once, as a template for the query cases. */
async function capturedQuery(register: RegisterUnderTest): Promise<string> {
  let seen = '';
  const spy = await startRegisterSimulator({
    register: register.messages.register,
    handler: {
      answer(xml) {
        seen = xml;
        const q = register.messages.parseQuery(xml);
        const header = { messageId: randomUUID(), inReplyTo: q.header.messageId, createdAt: clock().toISOString(), sender: q.header.recipient, recipient: q.header.sender };
        return register.messages.buildAnswer({ header, status: 'nicht-gefunden', idNr: q.idNr });
      },
    },
  });
  try {
    await register.adapter({ baseUrl: spy.url, sender: SENDER, clock, ...sandboxAdapterKeys(register.type) }).fetchEvidence(registerRequest(CITIZEN), inTime());
  } finally {
    await spy.close();
  }
  return seen;
}

/** A valid answer of the register (about the citizen, "not found"), as a template for the answer cases. */
function validAnswer(register: RegisterUnderTest): string {
  const header = { messageId: randomUUID(), inReplyTo: randomUUID(), createdAt: clock().toISOString(), sender: register.messages.register, recipient: SENDER };
  return register.messages.buildAnswer({ header, status: 'nicht-gefunden', idNr: CITIZEN });
}

describe('the hostile-XML corpus', () => {
  it('indexes every file of test/xml/corpus/ exactly once', () => {
    const files = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.xml')).sort();
    expect(CASES.map((c) => c.file).sort()).to.deep.equal(files);
    expect(files.length).to.be.greaterThan(40);
  });

  describe('read directly, after a strict UTF-8 decode', () => {
    const canary = 'http://127.0.0.1:9';
    const header = { messageId: randomUUID(), inReplyTo: null, createdAt: clock().toISOString(), sender: 'elterngeldstelle-test', recipient: 'evidence-broker' };
    const request = targetOf(buildEvidenceRequest(REQUEST, header), { maxBytes: XML_BODY_LIMIT_BYTES, canary });
    for (const c of CASES) {
      it(`${c.file}: refused as ${c.refusedAs} by the broker's request reader and every register's readers`, () => {
        expect(refusalOf(renderCase(c.file, request), readEvidenceRequest), 'nachweisAnfrage').to.equal(c.refusedAs);
        for (const register of REGISTERS) {
          const answer = targetOf(validAnswer(register), { maxBytes: XML_LIMITS.maxBytes, canary });
          expect(refusalOf(renderCase(c.file, answer), (t) => register.messages.parseAnswer(t)), `${register.type} answer`).to.equal(c.refusedAs);
        }
      });
    }
  });
});

for (const kind of DATABASE_KINDS) {
  describe(`the hostile-XML corpus against the broker's XML endpoint (${kind})`, function () {
    let h: Harness;
    let canary: Awaited<ReturnType<typeof startCanary>>;
    let target: CorpusTarget;
    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db);
      await grantConsent(h, CITIZEN, ['salary']);
      canary = await startCanary();
      target = targetOf(xmlRequest(h, REQUEST), { maxBytes: XML_BODY_LIMIT_BYTES, canary: canary.url });
    });
    after(async () => {
      if (canary) {
        expect(canary.hits, 'requests the canary server received').to.equal(0);
        await canary.close();
      }
      await h?.close();
    });

    it('answers the untouched message the cases are built from (201), so every refusal below is the case’s doing', async () => {
      const res = await postXml(h, `${target.open}${target.children}${target.close}`);
      expect(res.status, res.text).to.equal(201);
      expect(res.headers.get('content-type')).to.match(/^application\/xml/);
    });

    for (const c of CASES) {
      const [status, code] = c.broker.split(' ') as [string, string];
      it(`${c.file}: ${c.tests} → ${c.broker}, nothing stored or fetched`, async () => {
        const before = await footprint(h);
        const res = await postXml(h, renderCase(c.file, target));
        expect(res.status, res.text).to.equal(Number(status));
        expect(res.headers.get('content-type')).to.match(/^application\/xml; charset=utf-8/);
        const error = readXmlError(res.text);
        expect(error).to.include({ code, status: Number(status) });
        for (const secret of NEVER_QUOTED) expect(res.text).not.to.include(secret);
        expect(await footprint(h)).to.deep.equal(before);
      });
    }
  });
}

describe('the hostile-XML corpus as register answers', () => {
  let canary: Awaited<ReturnType<typeof startCanary>>;
  before(async () => {
    canary = await startCanary();
  });
  after(async () => {
    expect(canary.hits, 'requests the canary server received').to.equal(0);
    await canary.close();
  });

  for (const register of REGISTERS) {
    describe(`sent by the ${register.type} simulator (fault 'raw')`, () => {
      let sim: Awaited<ReturnType<RegisterUnderTest['start']>>;
      let target: CorpusTarget;
      before(async () => {
        sim = await register.start({ clock });
        target = targetOf(validAnswer(register), { maxBytes: XML_LIMITS.maxBytes, canary: canary.url });
      });
      after(() => sim.close());

      const fetchOnce = () => register.adapter({ baseUrl: sim.url, sender: SENDER, clock, ...sandboxAdapterKeys(register.type) }).fetchEvidence(registerRequest(CITIZEN), inTime());

      it('refuses the untouched answer only because it answers another message (it is valid)', async () => {
        sim.setBehaviour({ fault: 'raw', rawBody: `${target.open}${target.children}${target.close}` });
        const err = await failureOf(fetchOnce());
        expect(err.code).to.equal(`${register.codePrefix}_REJECTED_ANSWER`);
      });

      for (const c of CASES) {
        it(`${c.file} → ${register.codePrefix}_${c.registerAnswer}`, async () => {
          sim.setBehaviour({ fault: 'raw', rawBody: renderCase(c.file, target) });
          const err = await failureOf(fetchOnce());
          expect(err.code).to.equal(`${register.codePrefix}_${c.registerAnswer}`);
          for (const secret of NEVER_QUOTED) expect(err.message).not.to.include(secret);
        });
      }
    });
  }
});

describe('the hostile-XML corpus as register queries', () => {
  let canary: Awaited<ReturnType<typeof startCanary>>;
  before(async () => {
    canary = await startCanary();
  });
  after(async () => {
    expect(canary.hits, 'requests the canary server received').to.equal(0);
    await canary.close();
  });

  for (const register of REGISTERS) {
    describe(`received by the ${register.type} simulator`, () => {
      let sim: Awaited<ReturnType<RegisterUnderTest['start']>>;
      let target: CorpusTarget;
      before(async () => {
        sim = await register.start({ clock });
        target = targetOf(await capturedQuery(register), { maxBytes: XML_LIMITS.maxBytes, canary: canary.url });
      });
      after(() => sim.close());

      const post = (body: Uint8Array | string) => fetch(sim.url, { method: 'POST', headers: { 'content-type': 'application/xml' }, body });

      it('answers the untouched query (200)', async () => {
        expect((await post(`${target.open}${target.children}${target.close}`)).status).to.equal(200);
      });

      for (const c of CASES) {
        it(`${c.file} → ${c.registerRequest}`, async () => {
          const bytes = renderCase(c.file, target);
          expect(refusalOf(bytes, (t) => register.messages.parseQuery(t))).to.equal(c.refusedAs);
          const res = await post(bytes);
          expect(res.status).to.equal(Number(c.registerRequest));
          const text = await res.text();
          for (const secret of NEVER_QUOTED) expect(text).not.to.include(secret);
        });
      }
    });
  }
});
