// The XML evidence answer (nachweis:nachweisAntwort): the JSON API's EvidenceAnswer in the nachweis schema's
// terms; readEvidenceAnswer reads it back exactly, so tests prove both formats carry the same content.
import { z } from 'zod';
import { CODES } from '../../../adapters/code-lists.ts';
import { EVIDENCE_TYPE_LIST, EVIDENCE_TYPES, evidenceTypeOf } from '../../../adapters/index.ts';
import { defineMessageSchema, readMessage } from '../../../adapters/xml-schemas.ts';
import {
  codeSchema,
  headerSchema,
  repeated,
  rootElement,
  writeCode,
  writeHeader,
  type MessageHeader,
} from '../../../adapters/xml.ts';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { EvidenceAnswer, EvidenceItemAnswer } from '../../evidence/evidence-service.ts';
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
  // Both absent when no instance of the directory was responsible (NO_RESPONSIBLE_REGISTER).
  if (item.provenance.register !== null) origin.ele('register').txt(item.provenance.register);
  if (item.provenance.registerName !== null) origin.ele('registerName').txt(item.provenance.registerName);
  if (item.provenance.fetchedAt !== null) origin.ele('abgerufenAm').txt(item.provenance.fetchedAt);
  if (item.dataHash !== undefined) el.ele('pruefsumme', { algorithmus: 'SHA-256' }).txt(item.dataHash);
  if (item.reason !== undefined) {
    const failure = el.ele('fehler');
    writeCode(failure, 'grund', CODES.registerFailure, item.reason.code);
    failure.ele('meldung').txt(item.reason.message);
  }
  if (item.data !== null && item.data !== undefined) writeData(el.ele('daten'), item);
}

/** Writes the delivered evidence in its type's element; it was checked against the evidence model when it arrived, and is again here. */
function writeData(el: XMLBuilder, item: EvidenceItemAnswer): void {
  const type = evidenceTypeOf(item.type);
  type.answerFragment.write(el.ele(type.answerFragment.element), type.evidenceSchema.parse(item.data));
}

// ---- reading (clients, tests) ---------------------------------------------------------------------------

const range = z.object({ beginn: z.string(), ende: z.string() }).transform((r) => ({ from: r.beginn, to: r.ende }));

/** `daten` holds one element per delivered item, named by its type (adapters/<type>/answer-fragment.ts). */
const dataShape = z.object(Object.fromEntries(EVIDENCE_TYPE_LIST.map((t) => [t.answerFragment.element, t.answerFragment.read.optional()])));
const FRAGMENT_ELEMENTS = EVIDENCE_TYPE_LIST.map((t) => t.answerFragment.element);

const itemShape = z
  .object({
    nachweisart: codeSchema(CODES.evidenceType, CODES.evidenceType.codes),
    status: codeSchema(CODES.itemStatus, CODES.itemStatus.codes),
    // <herkunft/> is empty for an item no instance was responsible for.
    herkunft: z.preprocess(
      (v) => (v === '' ? {} : v),
      z.object({ register: z.string().optional(), registerName: z.string().optional(), abgerufenAm: z.string().optional() }),
    ),
    pruefsumme: z.object({ '#text': z.string() }).optional(),
    fehler: z.object({ grund: z.object({ code: z.string() }), meldung: z.string() }).optional(),
    daten: dataShape.optional(),
  })
  .transform(
    (n): EvidenceItemAnswer => ({
      type: n.nachweisart,
      status: n.status,
      data: FRAGMENT_ELEMENTS.map((element) => n.daten?.[element]).find((d) => d !== undefined) ?? null,
      provenance: { register: n.herkunft.register ?? null, registerName: n.herkunft.registerName ?? null, fetchedAt: n.herkunft.abgerufenAm ?? null },
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
  nachweis: repeated(itemShape, { max: EVIDENCE_TYPES.length }),
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
