// The XML evidence answer (nachweis:nachweisAntwort): the same answer the JSON API gives (EvidenceAnswer),
// written in the nachweis schema's terms. Amounts travel as euros with two decimals, as in the register
// messages; readEvidenceAnswer turns a document back into the JSON answer exactly (tests prove both
// formats carry the same content, and a TypeScript client can use it as its reader).
import { z } from 'zod';
import { CODES } from '../../adapters/code-lists.ts';
import { evidenceSchemas, IncomeEvidence, MaternityBenefitEvidence, SalaryEvidence } from '../../adapters/evidence-model.ts';
import { defineMessageSchema, readMessage } from '../../adapters/xml-schemas.ts';
import {
  centsToEuroText,
  codeSchema,
  euroAmount,
  headerSchema,
  repeated,
  rootElement,
  writeCode,
  writeHeader,
  type MessageHeader,
} from '../../adapters/xml.ts';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { EvidenceAnswer, EvidenceItemAnswer } from '../evidence/evidence-service.ts';
import { NACHWEIS_NAMESPACE, NACHWEIS_SCHEMA_FILE, newNachweisDocument } from './namespace.ts';

/** What a nachweisAntwort must be (for readers; the broker's own answers are checked in its tests). */
export const answerSchema = defineMessageSchema({
  files: [NACHWEIS_SCHEMA_FILE],
  root: { namespace: NACHWEIS_NAMESPACE, name: 'nachweisAntwort' },
});

/** The nachweisAntwort for an answer; `header` addresses it (in reply to the XML request, if there was one). */
export function buildEvidenceAnswer(answer: EvidenceAnswer, header: MessageHeader): string {
  const root = newNachweisDocument('nachweisAntwort');
  writeHeader(root, header);
  root.ele('anfrageId').txt(answer.id);
  writeCode(root, 'ergebnis', CODES.requestOutcome, answer.status);
  writeCode(root, 'zweck', CODES.purpose, answer.purpose);
  root.ele('aktenzeichen').txt(answer.caseReference);
  const period = root.ele('zeitraum');
  period.ele('beginn').txt(answer.period.from);
  period.ele('ende').txt(answer.period.to);
  root.ele('anfragezeitpunkt').txt(answer.createdAt);
  const basis = root.ele('grundlage');
  if (answer.basis.basis === 'consent') basis.ele('einwilligungId').txt(answer.basis.consentId);
  else writeCode(basis, 'rechtsgrundlage', CODES.legalBasis, answer.basis.legalBasis);
  for (const item of answer.evidence) writeItem(root.ele('nachweis'), item);
  if (answer.auditEntryId !== null) root.ele('protokolleintragId').txt(String(answer.auditEntryId));
  return root.end({ prettyPrint: true });
}

function writeItem(el: XMLBuilder, item: EvidenceItemAnswer): void {
  writeCode(el, 'nachweisart', CODES.evidenceType, item.type);
  writeCode(el, 'status', CODES.itemStatus, item.status);
  const origin = el.ele('herkunft');
  origin.ele('register').txt(item.provenance.register);
  if (item.provenance.fetchedAt !== null) origin.ele('abgerufenAm').txt(item.provenance.fetchedAt);
  if (item.dataHash !== undefined) el.ele('pruefsumme', { algorithmus: 'SHA-256' }).txt(item.dataHash);
  if (item.reason !== undefined) {
    const failure = el.ele('fehler');
    writeCode(failure, 'grund', CODES.registerFailure, item.reason.code);
    failure.ele('meldung').txt(item.reason.message);
  }
  if (item.data !== null && item.data !== undefined) writeData(el.ele('daten'), item);
}

/** Writes the delivered evidence; it was checked against the evidence model when it arrived, and is again here. */
function writeData(el: XMLBuilder, item: EvidenceItemAnswer): void {
  switch (item.type) {
    case 'salary': {
      const s = evidenceSchemas.salary.parse(item.data);
      const out = el.ele('entgelt');
      const employer = out.ele('arbeitgeber');
      employer.ele('name').txt(s.employer.name);
      employer.ele('betriebsnummer').txt(s.employer.operatorNumber);
      const period = out.ele('zeitraum');
      period.ele('beginn').txt(s.period.from);
      period.ele('ende').txt(s.period.to);
      for (const m of s.months) {
        const month = out.ele('entgeltmonat');
        month.ele('monat').txt(m.month);
        month.ele('bruttoarbeitsentgelt').txt(centsToEuroText(m.grossCents));
        month.ele('nettoarbeitsentgelt').txt(centsToEuroText(m.netCents));
      }
      out.ele('waehrung').txt(s.currency);
      return;
    }
    case 'maternity-benefit': {
      const m = evidenceSchemas['maternity-benefit'].parse(item.data);
      const out = el.ele('mutterschaftsgeld');
      const insurer = out.ele('krankenkasse');
      insurer.ele('name').txt(m.insurer.name);
      insurer.ele('institutionskennzeichen').txt(m.insurer.institutionCode);
      const period = out.ele('leistungszeitraum');
      period.ele('beginn').txt(m.benefitPeriod.from);
      period.ele('ende').txt(m.benefitPeriod.to);
      out.ele('kalendertaeglicherBetrag').txt(centsToEuroText(m.dailyRateCents));
      out.ele('gesamtbetrag').txt(centsToEuroText(m.totalPaidCents));
      out.ele('waehrung').txt(m.currency);
      return;
    }
    case 'income': {
      const i = evidenceSchemas.income.parse(item.data);
      const out = el.ele('einkommen');
      const office = out.ele('finanzamt');
      office.ele('name').txt(i.taxOffice.name);
      office.ele('finanzamtsnummer').txt(i.taxOffice.number);
      for (const y of i.years) {
        const year = out.ele('veranlagung');
        year.ele('veranlagungsjahr').txt(String(y.year));
        year.ele('zuVersteuerndesEinkommen').txt(centsToEuroText(y.taxableIncomeCents));
        year.ele('bescheiddatum').txt(y.assessmentDate);
      }
      out.ele('waehrung').txt(i.currency);
      return;
    }
  }
}

// ---- reading (clients, tests) ---------------------------------------------------------------------------

const range = z.object({ beginn: z.string(), ende: z.string() }).transform((r) => ({ from: r.beginn, to: r.ende }));

const salaryData = z
  .object({
    arbeitgeber: z.object({ name: z.string(), betriebsnummer: z.string() }),
    zeitraum: range,
    entgeltmonat: repeated(z.object({ monat: z.string(), bruttoarbeitsentgelt: euroAmount, nettoarbeitsentgelt: euroAmount }), { min: 1 }),
    waehrung: z.literal('EUR'),
  })
  .transform(
    (s): SalaryEvidence => ({
      employer: { name: s.arbeitgeber.name, operatorNumber: s.arbeitgeber.betriebsnummer },
      period: s.zeitraum,
      months: s.entgeltmonat.map((m) => ({ month: m.monat, grossCents: m.bruttoarbeitsentgelt, netCents: m.nettoarbeitsentgelt })),
      currency: s.waehrung,
    }),
  )
  .pipe(SalaryEvidence);

const maternityData = z
  .object({
    krankenkasse: z.object({ name: z.string(), institutionskennzeichen: z.string() }),
    leistungszeitraum: range,
    kalendertaeglicherBetrag: euroAmount,
    gesamtbetrag: euroAmount,
    waehrung: z.literal('EUR'),
  })
  .transform(
    (m): MaternityBenefitEvidence => ({
      insurer: { name: m.krankenkasse.name, institutionCode: m.krankenkasse.institutionskennzeichen },
      benefitPeriod: m.leistungszeitraum,
      dailyRateCents: m.kalendertaeglicherBetrag,
      totalPaidCents: m.gesamtbetrag,
      currency: m.waehrung,
    }),
  )
  .pipe(MaternityBenefitEvidence);

const incomeData = z
  .object({
    finanzamt: z.object({ name: z.string(), finanzamtsnummer: z.string() }),
    veranlagung: repeated(z.object({ veranlagungsjahr: z.string(), zuVersteuerndesEinkommen: euroAmount, bescheiddatum: z.string() }), { min: 1 }),
    waehrung: z.literal('EUR'),
  })
  .transform(
    (i): IncomeEvidence => ({
      taxOffice: { name: i.finanzamt.name, number: i.finanzamt.finanzamtsnummer },
      years: i.veranlagung.map((v) => ({ year: Number(v.veranlagungsjahr), taxableIncomeCents: v.zuVersteuerndesEinkommen, assessmentDate: v.bescheiddatum })),
      currency: i.waehrung,
    }),
  )
  .pipe(IncomeEvidence);

const itemShape = z
  .object({
    nachweisart: codeSchema(CODES.evidenceType, CODES.evidenceType.codes),
    status: codeSchema(CODES.itemStatus, CODES.itemStatus.codes),
    herkunft: z.object({ register: z.string(), abgerufenAm: z.string().optional() }),
    pruefsumme: z.object({ '#text': z.string() }).optional(),
    fehler: z.object({ grund: z.object({ code: z.string() }), meldung: z.string() }).optional(),
    daten: z.object({ entgelt: salaryData.optional(), mutterschaftsgeld: maternityData.optional(), einkommen: incomeData.optional() }).optional(),
  })
  .transform(
    (n): EvidenceItemAnswer => ({
      type: n.nachweisart,
      status: n.status,
      data: n.daten?.entgelt ?? n.daten?.mutterschaftsgeld ?? n.daten?.einkommen ?? null,
      provenance: { register: n.herkunft.register, fetchedAt: n.herkunft.abgerufenAm ?? null },
      ...(n.fehler ? { reason: { code: n.fehler.grund.code, message: n.fehler.meldung } } : {}),
      ...(n.pruefsumme ? { dataHash: n.pruefsumme['#text'] } : {}),
    }),
  );

const answerShape = rootElement('nachweisAntwort', {
  nachrichtenkopf: headerSchema,
  anfrageId: z.string(),
  ergebnis: codeSchema(CODES.requestOutcome, CODES.requestOutcome.codes),
  zweck: codeSchema(CODES.purpose, CODES.purpose.codes),
  aktenzeichen: z.string(),
  zeitraum: range,
  anfragezeitpunkt: z.string(),
  grundlage: z.object({ einwilligungId: z.string().optional(), rechtsgrundlage: z.object({ code: z.string() }).optional() }),
  nachweis: repeated(itemShape, { max: 3 }),
  protokolleintragId: z.string().regex(/^\d+$/).transform(Number).optional(),
}).transform((a) => ({
  header: a.nachrichtenkopf,
  answer: {
    id: a.anfrageId,
    status: a.ergebnis,
    purpose: a.zweck,
    caseReference: a.aktenzeichen,
    period: a.zeitraum,
    createdAt: a.anfragezeitpunkt,
    basis:
      a.grundlage.einwilligungId !== undefined
        ? { basis: 'consent' as const, consentId: a.grundlage.einwilligungId }
        : { basis: 'legal-basis' as const, legalBasis: a.grundlage.rechtsgrundlage?.code ?? '' },
    evidence: a.nachweis,
    auditEntryId: a.protokolleintragId ?? null,
  } satisfies EvidenceAnswer,
}));

/** Reads a nachweisAntwort back into the JSON answer (validated against the schema first). */
export function readEvidenceAnswer(xml: string): { header: MessageHeader; answer: EvidenceAnswer } {
  return readMessage(xml, answerSchema, answerShape);
}
