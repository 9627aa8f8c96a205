// The XML evidence request (nachweis:nachweisAnfrage) and its mapping to the JSON request's shape, so an XML
// request goes through the very same zod schema (EvidenceRequestBody) and service call as a JSON one.
// Reading is the shared safe path (adapters/xml-schemas.ts): profile, XSD, tree, shape.
import { z } from 'zod';
import { CODES } from '../../../adapters/code-lists.ts';
import { defineMessageSchema, readMessage } from '../../../adapters/xml-schemas.ts';
import { codeSchema, headerSchema, repeated, rootElement, writeCode, writeHeader, XmlMessageError, type MessageHeader } from '../../../adapters/xml.ts';
import type { EvidenceRequestBody } from '../schemas.ts';
import { NACHWEIS_1_0, NACHWEIS_NAMESPACE, NACHWEIS_SCHEMA_FILE, NACHWEIS_VERSION, newNachweisDocument, XML_BODY_LIMIT_BYTES, type NachweisVersion } from './namespace.ts';

const REQUEST_LIMITS = { maxBytes: XML_BODY_LIMIT_BYTES, maxDepth: 16 };

/** What an incoming nachweisAnfrage must be. */
export const requestSchema = defineMessageSchema({
  files: [NACHWEIS_SCHEMA_FILE],
  root: { namespace: NACHWEIS_NAMESPACE, name: 'nachweisAnfrage' },
  limits: REQUEST_LIMITS,
});

/** A nachweisAnfrage of version 1.0 (no zustaendigkeit): still accepted, read by its own schema. */
const requestSchema1_0 = defineMessageSchema({
  files: [NACHWEIS_1_0.schemaFile],
  root: { namespace: NACHWEIS_1_0.namespace, name: 'nachweisAnfrage' },
  limits: REQUEST_LIMITS,
});

/** zustaendigkeit's elements and the routing hints (RoutingHints) they are in the JSON request. */
const ROUTING_ELEMENTS = { wohnortAgs: 'ags', krankenkasseIk: 'insurerIk', geburtsortAgs: 'birthPlaceAgs' } as const;
type RoutingElement = keyof typeof ROUTING_ELEMENTS;
const ELEMENT_OF_HINT = Object.fromEntries(Object.entries(ROUTING_ELEMENTS).map(([element, hint]) => [hint, element])) as Record<string, RoutingElement>;

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
  // An empty <zustaendigkeit/> is valid (every hint is optional) and reads as no hints.
  zustaendigkeit: z
    .preprocess((v) => (v === '' ? {} : v), z.object({ wohnortAgs: z.string().optional(), krankenkasseIk: z.string().optional(), geburtsortAgs: z.string().optional() }))
    .optional(),
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
      ...(r.zustaendigkeit ? { routing: routingOf(r.zustaendigkeit) } : {}),
    },
  }),
);

function routingOf(zustaendigkeit: Partial<Record<RoutingElement, string>>): Record<string, string> {
  const routing: Record<string, string> = {};
  for (const [element, hint] of Object.entries(ROUTING_ELEMENTS)) {
    const value = zustaendigkeit[element as RoutingElement];
    if (value !== undefined) routing[hint] = value;
  }
  return routing;
}

/**
 * Reads an untrusted nachweisAnfrage of version 1.1, or of 1.0 (whose callers have not moved yet: it can ask
 * only for types that need no routing hint, EvidenceRequestBody says which); throws XmlMessageError for
 * anything that is neither.
 */
export function readEvidenceRequest(xml: string): XmlEvidenceRequest {
  try {
    return readMessage(xml, requestSchema, requestShape);
  } catch (err) {
    if (!(err instanceof XmlMessageError && err.problem === 'wrong-root')) throw err;
    try {
      return readMessage(xml, requestSchema1_0, requestShape);
    } catch (err1_0) {
      // Neither version's root: name the current one, which is what a caller should send.
      if (err1_0 instanceof XmlMessageError && err1_0.problem === 'wrong-root') throw err;
      throw err1_0;
    }
  }
}

// ---- writing (clients, tests) ---------------------------------------------------------------------------

/** Writes a nachweisAnfrage for `body` as a case-management system sends it; version 1.0 has no routing hints. */
export function buildEvidenceRequest(body: EvidenceRequestBody, header: MessageHeader, version: NachweisVersion = NACHWEIS_VERSION): string {
  if (version === NACHWEIS_1_0.version && body.routing !== undefined) throw new Error('a nachweisAnfrage 1.0 cannot carry routing hints');
  const root = newNachweisDocument('nachweisAnfrage', version);
  writeHeader(root, header);
  root.ele('person').ele('identifikationsnummer').txt(body.citizen.idNr);
  for (const type of body.evidenceTypes) writeCode(root, 'nachweisart', CODES.evidenceType, type);
  writeCode(root, 'zweck', CODES.purpose, body.purpose);
  root.ele('aktenzeichen').txt(body.caseReference);
  if (body.consentId !== undefined) root.ele('grundlage').ele('einwilligungId').txt(body.consentId);
  else if (body.legalBasis !== undefined) writeCode(root.ele('grundlage'), 'rechtsgrundlage', CODES.legalBasis, body.legalBasis);
  if (body.period) {
    const period = root.ele('zeitraum');
    period.ele('beginn').txt(body.period.from);
    period.ele('ende').txt(body.period.to);
  }
  if (body.routing !== undefined) {
    const zustaendigkeit = root.ele('zustaendigkeit');
    // In the schema's order, whatever order the JSON object has.
    for (const [element, hint] of Object.entries(ROUTING_ELEMENTS)) {
      const value = body.routing[hint];
      if (value !== undefined) zustaendigkeit.ele(element).txt(value);
    }
  }
  return root.end({ prettyPrint: true });
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
    case 'routing':
      return rest !== undefined && ELEMENT_OF_HINT[rest] !== undefined ? `${root}/zustaendigkeit/${ELEMENT_OF_HINT[rest]}` : `${root}/zustaendigkeit`;
    default:
      return root;
  }
}
