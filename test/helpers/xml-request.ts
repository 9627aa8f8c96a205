// Writes a nachweisAnfrage as a case-management system would send it: the tests' client for the XML interface.
import { CODES } from '../../adapters/code-lists.ts';
import { writeCode, writeHeader, type MessageHeader } from '../../adapters/xml.ts';
import { newNachweisDocument } from '../../broker/http/xml-api/namespace.ts';
import type { EvidenceRequestBody } from '../../broker/http/schemas.ts';

/** Writes a nachweisAnfrage for `body` under `header`. */
export function buildEvidenceRequest(body: EvidenceRequestBody, header: MessageHeader): string {
  const root = newNachweisDocument('nachweisAnfrage');
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
  return root.end({ prettyPrint: true });
}
