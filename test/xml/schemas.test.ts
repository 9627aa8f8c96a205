// The schemas themselves, and every message the product writes checked against them: register queries and
// answers in their envelopes, the broker's nachweisAnfrage, nachweisAntwort and fehlermeldung, and the
// transfer log — for generated content (fast-check), including the characters XML must escape. Also: what
// libxml2 may and may not do while validating (load nothing, keep no document).
import { expect } from 'chai';
import type { BirthStatement } from '../../adapters/birth-certificate/messages.ts';
import { EVIDENCE_TYPE_LIST } from '../../adapters/index.ts';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { CODES } from '../../adapters/code-lists.ts';
import type { IncomeStatement } from '../../adapters/income/messages.ts';
import type { MaternityBenefitStatement } from '../../adapters/maternity-benefit/messages.ts';
import type { RegisterAnswer, RegisterQuery } from '../../adapters/register-envelope.ts';
import type { SalaryStatement } from '../../adapters/salary/messages.ts';
import { CITIZEN_IN_NO_REGISTER, DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import { defineMessageSchema, schemaErrors, validateDocument } from '../../adapters/xml-schemas.ts';
import { SCHEMA_DIR } from '../../adapters/xsd-compiler.ts';
import type { MessageHeader } from '../../adapters/xml.ts';
import { buildTransferLogXml, transferLogSchemaErrors } from '../../broker/audit/transfer-log-xml.ts';
import type { TransferRecord } from '../../broker/audit/audit-log.ts';
import { LEGAL_BASES } from '../../consent/legal-bases.ts';
import { REFUSAL_REASON_CODES } from '../../consent/refusal-reasons.ts';
import type { EvidenceAnswer, EvidenceItemAnswer } from '../../broker/evidence/evidence-service.ts';
import type { ErrorCode } from '../../broker/domain/errors.ts';
import { answerSchema, buildEvidenceAnswer, readEvidenceAnswer } from '../../broker/http/xml-api/answer-document.ts';
import { buildErrorDocument } from '../../broker/http/xml-api/error-document.ts';
import { buildEvidenceRequest, readEvidenceRequest, requestSchema } from '../../broker/http/xml-api/request-document.ts';
import { REGISTERS } from '../adapters/fixtures.ts';
import { errorSchema, readXmlError, startCanary } from './helpers.ts';

const RUNS = { numRuns: 40 };

// ---- arbitraries ----------------------------------------------------------------------------------------

const idNr = fc.constantFrom(...DEMO_CITIZENS, CITIZEN_IN_NO_REGISTER);
const uuid = fc.uuid({ version: 4 });
const isoTime = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
const month = fc.tuple(fc.integer({ min: 2000, max: 2040 }), fc.integer({ min: 1, max: 12 })).map(([y, m]) => `${y}-${String(m).padStart(2, '0')}`);
const day = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2040-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const participantId = fc.stringMatching(/^[a-z][a-z0-9-]{2,30}$/);
/** Names as registers write them, with everything XML has to escape. */
const name = fc
  .stringMatching(/^[A-Za-zÄÖÜäöüß0-9 &<>"'.,()/+-]{1,80}$/)
  .map((s) => s.trim())
  .filter((s) => s.length > 0);
const cents = fc.integer({ min: 0, max: 99_999_999_99 });
const signedCents = fc.integer({ min: -99_999_999_99, max: 99_999_999_99 });
const digits = (n: number) => fc.stringMatching(new RegExp(`^\\d{${n}}$`));

const header = (sender: fc.Arbitrary<string>, recipient: fc.Arbitrary<string>, replying: boolean) =>
  fc.record({ messageId: uuid, inReplyTo: replying ? uuid : fc.constant(null), createdAt: isoTime, sender, recipient }) as fc.Arbitrary<MessageHeader>;

const salaryStatement: fc.Arbitrary<SalaryStatement> = fc.record({
  employer: fc.record({ name, operatorNumber: digits(8) }),
  period: fc.record({ from: month, to: month }),
  months: fc.array(fc.record({ month, grossCents: cents, netCents: cents }), { minLength: 1, maxLength: 24 }),
});
const maternityStatement: fc.Arbitrary<MaternityBenefitStatement> = fc.record({
  insurer: fc.record({ name, institutionCode: digits(9) }),
  benefitPeriod: fc.record({ from: day, to: day }),
  dailyRateCents: cents,
  totalPaidCents: cents,
});
const incomeStatement: fc.Arbitrary<IncomeStatement> = fc.record({
  taxOffice: fc.record({ name, number: digits(4) }),
  assessments: fc.array(fc.record({ year: fc.integer({ min: 1990, max: 2100 }), taxableIncomeCents: signedCents, assessmentDate: day }), { minLength: 1, maxLength: 12 }),
});
const personName = fc.record({ familyName: name, givenNames: name });
const birthStatement: fc.Arbitrary<BirthStatement> = fc.record({
  records: fc.array(
    fc.record({
      registryOffice: fc.record({ name, ags: digits(8) }),
      registerEntry: fc.tuple(fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: 1990, max: 2100 })).map(([n, y]) => `G ${n}/${y}`),
      child: personName,
      dateOfBirth: day,
      placeOfBirth: fc.record({ municipality: name, ags: digits(8) }),
      parents: fc.array(personName, { minLength: 1, maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 10 },
  ),
});
const PAYLOADS: Record<string, fc.Arbitrary<unknown>> = {
  salary: salaryStatement,
  'maternity-benefit': maternityStatement,
  income: incomeStatement,
  'birth-certificate': birthStatement,
};
const PERIODS: Record<string, fc.Arbitrary<unknown>> = {
  salary: fc.record({ from: month, to: month }),
  'maternity-benefit': fc.record({ from: day, to: day }),
  income: fc.record({ from: fc.integer({ min: 1990, max: 2100 }), to: fc.integer({ min: 1990, max: 2100 }) }),
  'birth-certificate': fc.record({ from: day, to: day }),
};

// ---- the schema files -----------------------------------------------------------------------------------

function schemaFiles(dir = SCHEMA_DIR, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? schemaFiles(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`) : e.name.endsWith('.xsd') ? [`${prefix}${e.name}`] : [],
  );
}

describe('the XSD files in xoev-schemas/', () => {
  const files = schemaFiles();

  it('are the shared schemas (nachweis and protokoll in every published version) and one per evidence type’s register family', () => {
    const families = EVIDENCE_TYPE_LIST.map((t) => t.messages.querySchema.files.find((f) => !f.startsWith('transport/'))!);
    const shared = ['basis/eb-basis-1.0.xsd', 'nachweis/nachweis-1.0.xsd', 'nachweis/nachweis-1.1.xsd', 'protokoll/protokoll-1.0.xsd', 'protokoll/protokoll-1.1.xsd', 'protokoll/protokoll-1.2.xsd', 'transport/eb-transport-1.1.xsd'];
    expect(files.sort()).to.deep.equal([...shared, ...families].sort());
  });

  for (const file of files) {
    it(`${file} compiles, and follows the conventions: versioned namespace, unqualified children, fixed root version`, () => {
      expect(() => defineMessageSchema({ files: [file], root: { namespace: 'urn:unused', name: 'unused' } })).not.to.throw();
      const text = readFileSync(new URL(file, SCHEMA_DIR), 'utf8');
      const [dir, base] = file.split('/') as [string, string];
      const version = /-(\d+\.\d+)\.xsd$/.exec(base)?.[1];
      const namespace = /targetNamespace="([^"]+)"/.exec(text)?.[1];
      const expectedName = dir === 'basis' ? 'basis' : dir === 'transport' ? 'transport' : dir;
      expect(namespace).to.equal(`urn:xoev-de:evidence-broker:${expectedName}:${version}`);
      expect(text).to.include('elementFormDefault="unqualified"').and.include('attributeFormDefault="unqualified"').and.include(`version="${version}"`);
      expect(text).to.include('blockDefault="#all"');
      // every root element's type carries the fixed version attribute
      for (const [, , type] of text.matchAll(/^ {2}<xs:element name="([^"]+)" type="[\w-]+:([^"]+)"/gm)) {
        // the named type up to the next top-level declaration (nested anonymous types included)
        const start = text.indexOf(`<xs:complexType name="${type}">`);
        const end = text.slice(start + 1).search(/\n {2}<xs:(complexType|simpleType|element) name=/);
        const complexType = start < 0 ? '' : text.slice(start, end < 0 ? undefined : start + 1 + end);
        expect(complexType, type).to.include(`<xs:attribute name="version" type="xs:token" use="required" fixed="${version}"/>`);
      }
      expect(text).not.to.match(/<!DOCTYPE|<xs:include|schemaLocation="http/);
    });
  }
});

// ---- everything the product writes ----------------------------------------------------------------------

describe('every message the product writes is valid against its schema', () => {
  for (const register of REGISTERS) {
    const messages = register.messages;
    const who = fc.constant(messages.register);

    it(`${register.type}: queries (first and polling), and they read back unchanged`, () => {
      fc.assert(
        fc.property(
          header(participantId, who, false),
          fc.record({ reference: name, requester: name, purpose: fc.constantFrom(...CODES.purpose.codes), idNr, period: PERIODS[register.type]!, ticket: fc.option(uuid, { nil: null }) }),
          (h, q) => {
            const query = { header: h, ...q } as RegisterQuery<unknown>;
            const xml = messages.buildQuery(query);
            expect(schemaErrors(xml, messages.querySchema)).to.deep.equal([]);
            expect(messages.parseQuery(xml)).to.deep.equal(query);
          },
        ),
        RUNS,
      );
    });

    it(`${register.type}: answers of every status, and they read back unchanged`, () => {
      const answer = fc.oneof(
        fc.record({ status: fc.constant('gefunden' as const), idNr, payload: PAYLOADS[register.type]! }),
        fc.record({ status: fc.constant('nicht-gefunden' as const), idNr }),
        fc.record({ status: fc.constant('in-bearbeitung' as const), idNr, ticket: uuid, expectedBy: fc.option(isoTime, { nil: null }) }),
        fc.record({ status: fc.constant('abgelehnt' as const), idNr: fc.option(idNr, { nil: null }), reason: fc.constantFrom(...CODES.refusalReason.codes) }),
      );
      fc.assert(
        fc.property(header(who, participantId, true), answer, (h, a) => {
          const full = { header: h, ...a } as RegisterAnswer<unknown>;
          const xml = messages.buildAnswer(full);
          expect(schemaErrors(xml, messages.answerSchema)).to.deep.equal([]);
          expect(messages.parseAnswer(xml)).to.deep.equal(full);
        }),
        RUNS,
      );
    });
  }

  const requestBody = fc.record(
    {
      citizen: fc.record({ idNr }),
      evidenceTypes: fc.uniqueArray(fc.constantFrom(...CODES.evidenceType.codes), { minLength: 1, maxLength: 3 }),
      purpose: fc.constantFrom(...CODES.purpose.codes),
      caseReference: fc.stringMatching(/^[A-Za-zÄÖÜäöüß0-9._/-][A-Za-zÄÖÜäöüß0-9 ._/-]{0,40}[A-Za-z0-9]$/),
      consentId: uuid,
      legalBasis: fc.constantFrom(...CODES.legalBasis.codes),
      period: fc.record({ from: month, to: month }),
      routing: fc.record({ ags: digits(8), insurerIk: digits(9), birthPlaceAgs: digits(8) }, { requiredKeys: [] }),
    },
    { requiredKeys: ['citizen', 'evidenceTypes', 'purpose', 'caseReference'] },
  );

  it('nachweisAnfrage: what a case-management system sends reads back as the same JSON request', () => {
    fc.assert(
      fc.property(header(participantId, fc.constant('evidence-broker'), false), requestBody, (h, b) => {
        const body = b.consentId !== undefined ? { ...b, legalBasis: undefined } : b;
        const clean = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
        const xml = buildEvidenceRequest(clean as never, h);
        expect(schemaErrors(xml, requestSchema)).to.deep.equal([]);
        expect(readEvidenceRequest(xml)).to.deep.equal({ header: h, body: clean });
      }),
      RUNS,
    );
  });

  const data: Record<string, fc.Arbitrary<unknown>> = {
    salary: salaryStatement.map((s) => ({ ...s, currency: 'EUR' })),
    'maternity-benefit': maternityStatement.map((m) => ({ ...m, currency: 'EUR' })),
    income: incomeStatement.map((i) => ({
      taxOffice: i.taxOffice,
      years: i.assessments.map((a) => ({ year: a.year, taxableIncomeCents: a.taxableIncomeCents, assessmentDate: a.assessmentDate })),
      currency: 'EUR',
    })),
    'birth-certificate': birthStatement,
  };
  const reasonCode = (type: string) => fc.constantFrom(...CODES.registerFailure.codes.filter((c) => c.startsWith(`${type.replace('-', '_').toUpperCase()}_`)));
  /** Reasons of no one type: a withdrawn basis, or routing found an instance that does not serve the asker. */
  const untypedCode = fc.constantFrom('CONSENT_REVOKED', 'CONSENT_EXPIRED', 'LEGAL_BASIS_NOT_APPLICABLE', 'REFUSED_BY_REGISTER_POLICY');
  /** The directory's instance an item came from: its id and its display name. */
  const instance = fc.record({ register: participantId, registerName: name });
  const item = (type: (typeof CODES.evidenceType.codes)[number]): fc.Arbitrary<EvidenceItemAnswer> =>
    fc.oneof(
      fc.record({ type: fc.constant(type), status: fc.constant('delivered' as const), data: data[type]!, provenance: fc.tuple(instance, isoTime).map(([i, fetchedAt]) => ({ ...i, fetchedAt })), dataHash: digits(64).map((d) => d.replace(/[0-5]/g, 'a')) }),
      fc.record({ type: fc.constant(type), status: fc.constantFrom('not-found' as const, 'pending' as const), data: fc.constant(null), provenance: fc.tuple(instance, isoTime).map(([i, fetchedAt]) => ({ ...i, fetchedAt })) }),
      fc.record({
        type: fc.constant(type),
        status: fc.constant('unavailable' as const),
        data: fc.constant(null),
        provenance: instance.map((i) => ({ ...i, fetchedAt: null })),
        reason: fc.record({ code: fc.oneof(reasonCode(type), untypedCode), message: name }),
      }),
      // No instance of the directory was responsible: no register, no name.
      fc.record({
        type: fc.constant(type),
        status: fc.constant('unavailable' as const),
        data: fc.constant(null),
        provenance: fc.constant({ register: null, registerName: null, fetchedAt: null }),
        reason: fc.record({ code: fc.constant('NO_RESPONSIBLE_REGISTER'), message: name }),
      }),
    );
  const answer: fc.Arbitrary<EvidenceAnswer> = fc
    .tuple(
      fc.record({
        id: uuid,
        status: fc.constantFrom(...CODES.requestOutcome.codes),
        purpose: fc.constantFrom(...CODES.purpose.codes),
        caseReference: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,30}[A-Za-z0-9]$/),
        period: fc.record({ from: month, to: month }),
        createdAt: isoTime,
        basis: fc.oneof(
          fc.record({ basis: fc.constant('consent' as const), consentId: uuid }),
          fc.record({ basis: fc.constant('legal-basis' as const), legalBasis: fc.constantFrom(...CODES.legalBasis.codes) }),
        ),
        auditEntryId: fc.option(fc.nat(), { nil: null }),
      }),
      fc.subarray([...CODES.evidenceType.codes]),
    )
    .chain(([a, types]) => fc.tuple(...types.map(item)).map((evidence) => ({ ...a, evidence })));

  it('nachweisAntwort: every answer the JSON API can give reads back as exactly that answer', () => {
    fc.assert(
      fc.property(header(fc.constant('evidence-broker'), participantId, true), answer, (h, a) => {
        const xml = buildEvidenceAnswer(a, h);
        expect(schemaErrors(xml, answerSchema)).to.deep.equal([]);
        expect(readEvidenceAnswer(xml)).to.deep.equal({ header: h, answer: a });
      }),
      RUNS,
    );
  });

  it('fehlermeldung: every error code, with field problems and a consent refusal', () => {
    for (const code of CODES.errorCode.codes) {
      const problem = {
        type: `https://evidence-broker.example/problems/${code}`,
        title: 'A title & <more>',
        status: code === 'internal' ? 500 : 400,
        detail: 'Detail with "quotes"',
        code: code as ErrorCode,
        instance: '/v1/evidence-requests?x=1&y=2',
        invalidParams: [{ name: 'nachweisAnfrage/person/identifikationsnummer', reason: 'IdNr has a wrong check digit' }],
        ...(code === 'consent-required' ? { refusal: 'no-consent' } : {}),
      };
      const inReplyTo = randomUUID();
      const xml = buildErrorDocument(problem, { inReplyTo, now: new Date() });
      expect(schemaErrors(xml, errorSchema), code).to.deep.equal([]);
      expect(readXmlError(xml)).to.deep.include({ code, status: problem.status, detail: problem.detail, inReplyTo, refusal: problem.refusal ?? null });
    }
  });

  it('protokollauszug: transfers of every kind, refused requests, and entries whose details are missing', () => {
    const date = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true });
    const missing = fc.record({
      auditEntryId: fc.integer({ min: 1, max: 1_000_000 }),
      at: date,
      kind: fc.constantFrom('transfer' as const, 'refusal' as const),
      detailsMissing: fc.constant(true as const),
      retentionEndsAt: date,
    });
    const refused = fc.record({
      auditEntryId: fc.integer({ min: 1, max: 1_000_000 }),
      at: date,
      kind: fc.constant('refusal' as const),
      detailsMissing: fc.constant(false as const),
      requester: participantId,
      reason: fc.oneof(fc.constantFrom(...REFUSAL_REASON_CODES), fc.constant('a-code-of-the-future')),
      consentId: fc.option(uuid, { nil: null }),
      details: fc.record(
        {
          purpose: fc.constantFrom(...CODES.purpose.codes),
          caseReference: name,
          evidenceTypes: fc.uniqueArray(fc.constantFrom(...CODES.evidenceType.codes), { maxLength: 4 }),
          legalBasis: fc.constantFrom(...LEGAL_BASES.map((b) => b.code)),
        },
        { requiredKeys: [] },
      ),
    });
    const kept = fc.record({
      auditEntryId: fc.integer({ min: 1, max: 1_000_000 }),
      at: date,
      kind: fc.constant('transfer' as const),
      detailsMissing: fc.constant(false as const),
      requester: participantId,
      requestId: fc.option(uuid, { nil: null }),
      details: fc.record(
        {
          purpose: fc.constantFrom(...CODES.purpose.codes),
          caseReference: name,
          basis: fc.oneof(
            fc.record({ basis: fc.constant('consent'), consentId: uuid }),
            fc.record({ basis: fc.constant('legal-basis'), legalBasis: fc.constantFrom(...CODES.legalBasis.codes) }),
          ),
          outcome: fc.constantFrom('complete', 'partial', 'failed'),
          completes: uuid,
          items: fc.array(
            fc.record(
              {
                type: fc.constantFrom(...CODES.evidenceType.codes),
                // null: no instance was responsible; entries from before the directory name the family and no registerName
                register: fc.option(participantId, { nil: null }),
                registerName: fc.option(name, { nil: null }),
                status: fc.constantFrom(...CODES.itemStatus.codes),
                dataHash: digits(64),
                reason: fc.constantFrom(...CODES.registerFailure.codes),
              },
              { requiredKeys: ['type', 'register', 'status'] },
            ),
            { maxLength: 3 },
          ),
        },
        { requiredKeys: [] },
      ),
    });
    const transfer = fc.oneof(kept, refused, missing).map((t): TransferRecord => ({ ...t, leafIndex: t.auditEntryId - 1 }));
    fc.assert(
      fc.property(idNr, fc.uniqueArray(transfer, { selector: (t) => t.auditEntryId, maxLength: 5 }), (citizen, transfers) => {
        const xml = buildTransferLogXml({ idNr: citizen, transfers, now: new Date(), sender: 'evidence-broker' });
        expect(transferLogSchemaErrors(xml)).to.deep.equal([]);
        expect(xml.match(/<blattIndex>/g) ?? []).to.have.length(transfers.length);
        expect(xml.match(/<angabenFehlen>/g) ?? []).to.have.length(transfers.filter((t) => t.detailsMissing).length);
        expect(xml.match(/<nichtsUebermittelt>true</g) ?? []).to.have.length(transfers.filter((t) => !t.detailsMissing && t.kind === 'refusal').length);
      }),
      RUNS,
    );
  });
});

// ---- what libxml2 may do while validating ---------------------------------------------------------------

describe('validating with libxml2-wasm', () => {
  const salary = REGISTERS[0]!.messages;
  const answer = () =>
    salary.buildAnswer({
      header: { messageId: randomUUID(), inReplyTo: randomUUID(), createdAt: new Date().toISOString(), sender: 'rvbea', recipient: 'evidence-broker' },
      status: 'nicht-gefunden',
      idNr: DEMO_CITIZENS[0]!,
    });

  it('loads nothing a document names, even past the DOCTYPE ban: no entity, DTD, schema hint or XInclude', async () => {
    const canary = await startCanary();
    try {
      const valid = answer();
      const hinted = valid.replace(
        'version="1.1">',
        `version="1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:xoev-de:evidence-broker:transport:1.1 ${canary.url}/evil.xsd">`,
      );
      // A schema location hint is harmless information: the document is valid, and the hint is not followed.
      expect(() => validateDocument(hinted, salary.answerSchema)).not.to.throw();
      // Straight to libxml2, skipping checkDocumentProfile: the parser itself must not fetch or expand.
      const body = valid.replace(/^<\?xml[^>]*>/, '');
      for (const doctype of [
        `<!DOCTYPE x [<!ENTITY e SYSTEM "${canary.url}/entity">]>`,
        `<!DOCTYPE x SYSTEM "${canary.url}/dtd">`,
        `<!DOCTYPE x [<!ENTITY % p SYSTEM "${canary.url}/parameter"> %p;]>`,
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
      ]) {
        expect(() => validateDocument(doctype + body, salary.answerSchema)).to.throw(/DOCTYPE|not well-formed/);
      }
      const xinclude = valid.replace('<transportkopf>', `<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="${canary.url}/xi"/><transportkopf>`);
      expect(() => validateDocument(xinclude, salary.answerSchema)).to.throw(/not valid/);
      expect(canary.hits).to.equal(0);
    } finally {
      await canary.close();
    }
  });

  it('disposes every document it parses (memory stays flat over thousands of messages)', () => {
    const padded = answer().replace('</transport:umschlag>', `<!--${'x'.repeat(20_000)}--></transport:umschlag>`);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) validateDocument(padded, salary.answerSchema);
    };
    run(300); // warm up the WebAssembly heap and the JIT
    const before = process.memoryUsage().rss;
    run(4_000); // 80 MB of documents; a leak would keep most of it
    expect(process.memoryUsage().rss - before).to.be.lessThan(40 * 1024 * 1024);
  });
});
