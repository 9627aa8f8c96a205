// The citizen's transfer log as XML, in the style of an XDatenschutzcockpit protocol extract
// (xoev-schemas/protokoll/protokoll-1.2.xsd): one `uebermittlung` per transfer with its leaf in the audit Merkle
// tree, who asked, when, what, why, on which basis and with which outcome — hashes, never the data; for a request
// refused before any register was asked, who asked, why it was refused, and that nothing was transferred; or, when
// the entry's details are missing, that they are and until when they should have been kept.
import { randomUUID } from 'node:crypto';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { CODES } from '../../adapters/code-lists.ts';
import { defineMessageSchema, schemaErrors } from '../../adapters/xml-schemas.ts';
import { writeCode, writeHeader } from '../../adapters/xml.ts';
import { isRefusalReason, REFUSAL_REASONS } from '../../consent/refusal-reasons.ts';
import type { RefusedAttempt, TransferRecord } from './audit-log.ts';

// 1.2: the leaf index, entries whose details are missing and refused requests; 1.1 (register instances) and 1.0 stay published, the
// broker writes 1.2 only.
export const TRANSFER_LOG_VERSION = '1.2';
export const TRANSFER_LOG_NAMESPACE = 'urn:xoev-de:evidence-broker:protokoll:1.2';
export const TRANSFER_LOG_SCHEMA_FILE = 'protokoll/protokoll-1.2.xsd';

/** What a protocol extract must be; tests check every extract the broker writes against it. */
export const transferLogSchema = defineMessageSchema({
  files: [TRANSFER_LOG_SCHEMA_FILE],
  root: { namespace: TRANSFER_LOG_NAMESPACE, name: 'protokollauszug' },
  // A long-lived citizen's log grows with every transfer; reading one back is rare (archives, tests).
  limits: { maxBytes: 32 * 1024 * 1024, maxDepth: 16 },
});

/** The fields of a transfer's details the log shows (written by EvidenceService). */
interface TransferDetails {
  purpose?: string;
  caseReference?: string;
  basis?: { basis: 'consent'; consentId: string } | { basis: 'legal-basis'; legalBasis: string };
  outcome?: string;
  completes?: string;
  /** register: the instance id (the register family's id in entries from before the directory); null, and no registerName, when none was responsible. */
  items?: { type: string; register: string | null; registerName?: string | null; status: string; dataHash?: string; reason?: string }[];
}

export function buildTransferLogXml(opts: { idNr: string; transfers: TransferRecord[]; now: Date; sender: string }): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(TRANSFER_LOG_NAMESPACE, 'protokoll:protokollauszug', { version: TRANSFER_LOG_VERSION });
  writeHeader(root, { messageId: randomUUID(), inReplyTo: null, createdAt: opts.now.toISOString(), sender: opts.sender, recipient: 'buerger' });
  root.ele('person').ele('identifikationsnummer').txt(opts.idNr);
  for (const t of opts.transfers) {
    const u = root.ele('uebermittlung');
    u.ele('protokolleintragId').txt(String(t.auditEntryId));
    u.ele('blattIndex').txt(String(t.leafIndex));
    u.ele('zeitpunkt').txt(t.at.toISOString());
    if (t.detailsMissing) {
      const missing = u.ele('angabenFehlen');
      missing.ele('eintragsart').txt(t.kind === 'refusal' ? 'ablehnung' : 'uebermittlung');
      missing.ele('aufbewahrungBis').txt(t.retentionEndsAt.toISOString());
      continue;
    }
    if (t.kind === 'refusal') {
      writeRefusal(u.ele('ablehnung'), t);
      continue;
    }
    const d = t.details as TransferDetails;
    u.ele('empfaenger').ele('behoerdenkennung').txt(t.requester);
    if (t.requestId) u.ele('anfrageId').txt(t.requestId);
    if (d.completes) u.ele('nachlieferung').txt('true');
    if (d.caseReference) u.ele('aktenzeichen').txt(d.caseReference);
    if (d.purpose) writeCode(u, 'zweck', CODES.purpose, d.purpose);
    if (d.basis?.basis === 'consent') u.ele('grundlage').ele('einwilligungId').txt(d.basis.consentId);
    else if (d.basis?.basis === 'legal-basis') writeCode(u.ele('grundlage'), 'rechtsgrundlage', CODES.legalBasis, d.basis.legalBasis);
    if (d.outcome) writeCode(u, 'ergebnis', CODES.requestOutcome, d.outcome);
    for (const item of d.items ?? []) {
      const n = u.ele('nachweis');
      writeCode(n, 'nachweisart', CODES.evidenceType, item.type);
      if (item.register !== null) n.ele('register').txt(item.register);
      if (item.registerName !== undefined && item.registerName !== null) n.ele('registerName').txt(item.registerName);
      writeCode(n, 'status', CODES.itemStatus, item.status);
      if (item.dataHash) n.ele('pruefsumme', { algorithmus: 'SHA-256' }).txt(item.dataHash);
      if (item.reason) writeCode(n, 'fehlercode', CODES.registerFailure, item.reason);
    }
  }
  return root.end({ prettyPrint: true });
}

/** The fields of a refusal's details the log shows (written by broker/evidence/authorize.ts refusalEvent). */
interface RefusalDetails {
  purpose?: string;
  caseReference?: string;
  evidenceTypes?: string[];
  legalBasis?: string;
}

function writeRefusal(a: XMLBuilder, t: RefusedAttempt): void {
  const d = t.details as RefusalDetails;
  a.ele('anfragendeBehoerde').ele('behoerdenkennung').txt(t.requester);
  if (d.caseReference) a.ele('aktenzeichen').txt(d.caseReference);
  if (d.purpose) writeCode(a, 'zweck', CODES.purpose, d.purpose);
  if (d.legalBasis) writeCode(a.ele('grundlage'), 'rechtsgrundlage', CODES.legalBasis, d.legalBasis);
  else if (t.consentId) a.ele('grundlage').ele('einwilligungId').txt(t.consentId);
  for (const type of d.evidenceTypes ?? []) writeCode(a, 'nachweisart', CODES.evidenceType, type);
  const g = a.ele('grund');
  // NOTE: the XSD enumerates the catalogue's codes (a test keeps them equal); an entry naming another code (none is
  // written today) keeps its place in the log with the text alone.
  if (isRefusalReason(t.reason)) {
    g.ele('code').txt(t.reason);
    g.ele('text').txt(REFUSAL_REASONS[t.reason].de);
  } else {
    g.ele('text').txt('Die Anfrage wurde abgelehnt.');
  }
  a.ele('nichtsUebermittelt').txt('true');
}

/** libxml2's findings for an extract (empty when valid); for tests: the findings quote the document. */
export function transferLogSchemaErrors(xml: string): string[] {
  return schemaErrors(xml, transferLogSchema);
}
