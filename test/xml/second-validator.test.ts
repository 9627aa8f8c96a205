// A second, independent XSD validator: Debian's xmllint (libxml2-utils, the C libxml2 as distributions ship
// it) checks a sample of every message type the product writes, besides the libxml2-wasm build the broker
// validates with. A fault in the WebAssembly build, its schema loader or our driver schema for several
// namespaces would let both our writer and our reader agree on documents no one else accepts; xmllint
// would not. Samples: each register family's queries (first, polling) and answers of every status from
// the sandbox records, enveloped and signed as sent; the broker's nachweisAnfrage (1.0 and 1.1), nachweisAntwort,
// fehlermeldung and protokollauszug as a running broker serves them.
// xmllint is required, locally too: scripts/ensure-xmllint.sh installs it (CI calls it before the tests).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { birthStatementFor } from '../../adapters/birth-certificate/records.ts';
import { CODES } from '../../adapters/code-lists.ts';
import { incomeStatementFor } from '../../adapters/income/records.ts';
import { maternityBenefitFor } from '../../adapters/maternity-benefit/records.ts';
import type { RegisterAnswer, RegisterQuery } from '../../adapters/register-envelope.ts';
import { salaryStatementFor } from '../../adapters/salary/records.ts';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import { defineMessageSchema, schemaErrors, type MessageSchema } from '../../adapters/xml-schemas.ts';
import { SCHEMA_DIR } from '../../adapters/xsd-compiler.ts';
import type { MessageHeader } from '../../adapters/xml.ts';
import { transferLogSchema } from '../../broker/audit/transfer-log-xml.ts';
import { answerSchema } from '../../broker/http/xml-api/answer-document.ts';
import { NACHWEIS_1_0 } from '../../broker/http/xml-api/namespace.ts';
import { requestSchema } from '../../broker/http/xml-api/request-document.ts';
import { REGISTERS, TODAY } from '../adapters/fixtures.ts';
import { testDatabase } from '../helpers/databases.ts';
import { ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { errorSchema, grantConsent, postXml, xmlRequest } from './helpers.ts';

const CITIZEN = DEMO_CITIZENS[0]!;
/** The 1.0 nachweisAnfrage the broker still accepts (request-document.ts reads it with this schema). */
const REQUEST_1_0 = defineMessageSchema({ files: [NACHWEIS_1_0.schemaFile], root: { namespace: NACHWEIS_1_0.namespace, name: 'nachweisAnfrage' } });
const SCHEMA_ROOT = fileURLToPath(SCHEMA_DIR);

/** What xmllint said about one document: its exit status and its report. */
interface XmllintVerdict {
  status: number | null;
  report: string;
}

/** The temporary directory for driver schemas and documents; removed after the tests. */
let work: string;

/**
 * Validates `xml` with xmllint against the schema files of `schema` (relative to xoev-schemas/). Several
 * files validate together through a driver schema that imports each by its path, as the broker's compiler
 * does; --nonet: nothing is fetched.
 */
function xmllint(xml: string, files: readonly string[]): XmllintVerdict {
  const id = randomUUID();
  let schemaFile = path.join(SCHEMA_ROOT, files[0]!);
  if (files.length > 1) {
    const imports = files.map((f) => {
      const file = path.join(SCHEMA_ROOT, f);
      const namespace = /targetNamespace="([^"]+)"/.exec(readFileSync(file, 'utf8'))?.[1];
      return `<xs:import namespace="${namespace}" schemaLocation="file://${file}"/>`;
    });
    schemaFile = path.join(work, `${id}.xsd`);
    writeFileSync(schemaFile, `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">${imports.join('')}</xs:schema>`);
  }
  const documentFile = path.join(work, `${id}.xml`);
  writeFileSync(documentFile, xml);
  const run = spawnSync('xmllint', ['--noout', '--nonet', '--schema', schemaFile, documentFile], { encoding: 'utf8' });
  return { status: run.status, report: `${run.stdout}${run.stderr}`.replaceAll(`${documentFile}`, 'document') };
}

/** Both validators accept the document. */
function expectValidToBoth(what: string, xml: string, schema: MessageSchema): void {
  expect(schemaErrors(xml, schema), `${what}: libxml2-wasm`).to.deep.equal([]);
  const verdict = xmllint(xml, schema.files);
  expect(verdict.status, `${what}: xmllint said ${verdict.report}`).to.equal(0);
  expect(verdict.report).to.match(/document validates/);
}

const header = (sender: string, recipient: string, inReplyTo: string | null = null): MessageHeader => ({
  messageId: randomUUID(),
  inReplyTo,
  createdAt: '2026-06-15T10:00:00.000Z',
  sender,
  recipient,
});

/** Each family's period for a year of interest, and a found answer's payload from the sandbox records. */
const SAMPLES: Record<string, { period: unknown; payload: () => unknown }> = {
  salary: { period: { from: '2025-01', to: '2025-12' }, payload: () => salaryStatementFor(CITIZEN, { from: '2025-01', to: '2025-12' }, TODAY) },
  'maternity-benefit': { period: { from: '2024-01-01', to: '2026-06-01' }, payload: () => firstFound((idNr) => maternityBenefitFor(idNr, { from: '2020-01-01', to: '2026-06-01' })) },
  income: { period: { from: 2020, to: 2025 }, payload: () => incomeStatementFor(CITIZEN, { from: 2020, to: 2025 }, TODAY) },
  'birth-certificate': { period: { from: '2000-01-01', to: '2026-06-01' }, payload: () => firstFound((idNr) => birthStatementFor(idNr, { from: '1990-01-01', to: '2026-06-01' }, TODAY)) },
};

function firstFound<T>(lookup: (idNr: string) => T | null): T {
  for (const idNr of DEMO_CITIZENS) {
    const found = lookup(idNr);
    if (found !== null) return found;
  }
  throw new Error('no sandbox citizen has a record');
}

describe('a second XML validator (xmllint) accepts a sample of every message type', function () {
  this.timeout(120_000);

  before(() => {
    const version = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
    if (version.error || version.status !== 0) {
      throw new Error('xmllint is not installed: run `sh scripts/ensure-xmllint.sh` (installs Debian\'s libxml2-utils)');
    }
    work = mkdtempSync(path.join(tmpdir(), 'evidence-broker-xmllint-'));
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('the register families (adapters/*)', () => {
    for (const register of REGISTERS) {
      const messages = register.messages;
      const sample = SAMPLES[register.type];

      it(`${register.type}: signed queries (first, polling) and answers of every status, also with what XML must escape`, () => {
        expect(sample, `a sample for ${register.type}`).not.to.equal(undefined);
        const query: RegisterQuery<unknown> = {
          header: header('evidence-broker', messages.register),
          reference: randomUUID(),
          requester: 'Elterngeldstelle Müller & Söhne <Teststadt> "Nord"',
          purpose: CODES.purpose.codes[0]!,
          idNr: CITIZEN,
          period: sample!.period,
          ticket: null,
        };
        // As sent: sealed in the transport envelope and signed (the sandbox broker's key).
        expectValidToBoth('query', messages.buildQuery(query), messages.querySchema);
        expectValidToBoth('polling query', messages.buildQuery({ ...query, ticket: randomUUID() }), messages.querySchema);

        const answerHeader = header(messages.register, 'evidence-broker', query.header.messageId);
        const answers: RegisterAnswer<unknown>[] = [
          { header: answerHeader, status: 'gefunden', idNr: CITIZEN, payload: sample!.payload() },
          { header: answerHeader, status: 'nicht-gefunden', idNr: CITIZEN },
          { header: answerHeader, status: 'in-bearbeitung', idNr: CITIZEN, ticket: randomUUID(), expectedBy: '2026-06-16T10:00:00.000Z' },
          { header: answerHeader, status: 'abgelehnt', idNr: null, reason: CODES.refusalReason.codes[0]! },
        ];
        // Signed with the register's sandbox key, as its simulator sends them.
        for (const answer of answers) expectValidToBoth(`answer ${answer.status}`, messages.buildAnswer(answer), messages.answerSchema);
      });
    }
  });

  describe("the broker's XML API documents, as a running broker serves them", () => {
    let h: Harness;

    before(async () => {
      h = await startHarness((await testDatabase('sqlite'))!);
      await grantConsent(h, CITIZEN, ['salary', 'maternity-benefit', 'income', 'birth-certificate']);
    });
    after(async () => h?.close());

    it('nachweisAnfrage (1.1 and 1.0), nachweisAntwort, fehlermeldung and protokollauszug', async () => {
      const body = { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary', 'maternity-benefit', 'income', 'birth-certificate'], purpose: 'elterngeld', caseReference: 'EG-XMLLINT-1 Müller/Nord', routing: ROUTING } as never;
      const request = xmlRequest(h, body);
      expectValidToBoth('nachweisAnfrage 1.1', request, requestSchema);
      const salaryOnly = { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: 'EG-XMLLINT-2' } as never;
      const request1_0 = xmlRequest(h, salaryOnly, { version: NACHWEIS_1_0.version });
      expectValidToBoth('nachweisAnfrage 1.0', request1_0, REQUEST_1_0);

      const answered = await postXml(h, request);
      expect(answered.status, answered.text).to.equal(201);
      expect(answered.text).to.include('<daten>');
      expectValidToBoth('nachweisAntwort', answered.text, answerSchema);
      const answered1_0 = await postXml(h, request1_0);
      expect(answered1_0.status, answered1_0.text).to.equal(201);
      expectValidToBoth('nachweisAntwort to a 1.0 request', answered1_0.text, answerSchema);

      const refused = await postXml(h, xmlRequest(h, { ...(salaryOnly as object), citizen: { idNr: '12345678901' } } as never));
      expect(refused.status).to.equal(400);
      expectValidToBoth('fehlermeldung', refused.text, errorSchema);

      const log = await fetch(`${h.url}/v1/citizens/${CITIZEN}/transfers?format=xml`, { headers: { authorization: `Bearer ${await h.citizenToken(CITIZEN)}` } });
      expect(log.status).to.equal(200);
      const extract = await log.text();
      expect(extract).to.include('EG-XMLLINT-1');
      expectValidToBoth('protokollauszug', extract, transferLogSchema);
    });
  });

  describe('xmllint as run here refuses what the schema refuses', () => {
    it('rejects a register answer with an element the schema does not have, and one missing a required element', () => {
      const messages = REGISTERS[0]!.messages;
      const xml = messages.buildAnswer({ header: header(messages.register, 'evidence-broker'), status: 'nicht-gefunden', idNr: CITIZEN });
      const extra = xml.replace('</nachrichtenkopf>', '</nachrichtenkopf><unbekannt>x</unbekannt>');
      const missing = xml.replace(/<status[^>]*>[\s\S]*?<\/status>/, '');
      for (const [what, bad] of [['extra element', extra], ['missing status', missing]] as const) {
        expect(bad, what).not.to.equal(xml);
        expect(schemaErrors(bad, messages.answerSchema), `${what}: libxml2-wasm`).not.to.deep.equal([]);
        const verdict = xmllint(bad, messages.answerSchema.files);
        expect(verdict.status, `${what}: ${verdict.report}`).to.not.equal(0);
        expect(verdict.report).to.match(/fails to validate/);
      }
    });
  });
});
