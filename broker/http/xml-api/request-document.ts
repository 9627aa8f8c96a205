// The XML evidence request (nachweis:nachweisAnfrage) and its mapping to the JSON request's shape, so an XML
// request goes through the very same zod schema (EvidenceRequestBody) and service call as a JSON one.
// Reading is the shared safe path (adapters/xml-schemas.ts): profile, XSD, tree, shape.
import { z } from 'zod';
import { CODES } from '../../../adapters/code-lists.ts';
import { defineMessageSchema, readMessage } from '../../../adapters/xml-schemas.ts';
import { codeSchema, headerSchema, repeated, rootElement, type MessageHeader } from '../../../adapters/xml.ts';
import { NACHWEIS_NAMESPACE, NACHWEIS_SCHEMA_FILE, XML_BODY_LIMIT_BYTES } from './namespace.ts';

/** What an incoming nachweisAnfrage must be. */
export const requestSchema = defineMessageSchema({
  files: [NACHWEIS_SCHEMA_FILE],
  root: { namespace: NACHWEIS_NAMESPACE, name: 'nachweisAnfrage' },
  limits: { maxBytes: XML_BODY_LIMIT_BYTES, maxDepth: 16 },
});

/** An XML request as read: its header, and the body in the JSON request's shape (not yet checked by zod). */
export interface XmlEvidenceRequest {
  header: MessageHeader;
  body: Record<string, unknown>;
}

// Loose on purpose where EvidenceRequestBody is strict (IdNr check digit, allowed legal bases, month order):
// those checks run once, in the same schema for both formats, and report the same field problems.
const requestShape = rootElement('nachweisAnfrage', {
  nachrichtenkopf: headerSchema,
  person: z.object({ identifikationsnummer: z.string() }),
  nachweisart: repeated(codeSchema(CODES.evidenceType, CODES.evidenceType.codes), { min: 1 }),
  zweck: codeSchema(CODES.purpose, CODES.purpose.codes),
  aktenzeichen: z.string(),
  grundlage: z
    .object({
      einwilligungId: z.string().optional(),
      rechtsgrundlage: z
        .object({ '@_listURI': z.literal(CODES.legalBasis.listURI), '@_listVersionID': z.literal(CODES.legalBasis.listVersionID), code: z.string() })
        .optional(),
    })
    .optional(),
  zeitraum: z.object({ beginn: z.string(), ende: z.string() }).optional(),
}).transform(
  (r): XmlEvidenceRequest => ({
    header: r.nachrichtenkopf,
    body: {
      citizen: { idNr: r.person.identifikationsnummer },
      evidenceTypes: r.nachweisart,
      purpose: r.zweck,
      caseReference: r.aktenzeichen,
      ...(r.grundlage?.einwilligungId !== undefined ? { consentId: r.grundlage.einwilligungId } : {}),
      ...(r.grundlage?.rechtsgrundlage !== undefined ? { legalBasis: r.grundlage.rechtsgrundlage.code } : {}),
      ...(r.zeitraum ? { period: { from: r.zeitraum.beginn, to: r.zeitraum.ende } } : {}),
    },
  }),
);

/** Reads an untrusted nachweisAnfrage; throws XmlMessageError for anything that is not one. */
export function readEvidenceRequest(xml: string): XmlEvidenceRequest {
  return readMessage(xml, requestSchema, requestShape);
}

/** Where a field of the JSON request lives in the XML request, for field problems reported to XML callers. */
export function xmlPathOf(jsonPath: string): string {
  const [, field, rest] = /^body(?:\.([A-Za-z]+))?(?:\.(.+))?$/.exec(jsonPath) ?? [];
  const root = 'nachweisAnfrage';
  switch (field) {
    case undefined:
      return root;
    case 'citizen':
      return `${root}/person/identifikationsnummer`;
    case 'evidenceTypes':
      return rest !== undefined && /^\d+$/.test(rest) ? `${root}/nachweisart[${Number(rest) + 1}]/code` : `${root}/nachweisart`;
    case 'purpose':
      return `${root}/zweck/code`;
    case 'caseReference':
      return `${root}/aktenzeichen`;
    case 'consentId':
      return `${root}/grundlage/einwilligungId`;
    case 'legalBasis':
      return `${root}/grundlage/rechtsgrundlage/code`;
    case 'period':
      return rest === 'from' ? `${root}/zeitraum/beginn` : rest === 'to' ? `${root}/zeitraum/ende` : `${root}/zeitraum`;
    default:
      return root;
  }
}
