// The citizen's transfer log as XML, in the style of an XDatenschutzcockpit protocol extract: one
// `uebermittlung` per transfer with who asked, when, what, why and with which outcome (hashes, not data).
import { randomUUID } from 'node:crypto';
import { create } from 'xmlbuilder2';
import { writeCode, writeHeader, type CodeList } from '../../adapters/xml.ts';
import { CODE_LISTS } from '../domain/codes.ts';
import type { TransferRecord } from './audit-log.ts';

export const TRANSFER_LOG_NAMESPACE = 'urn:xoev-de:evidence-broker:protokoll:1.0';
const OUTCOME_LIST: CodeList = { listURI: 'urn:de:evidence-broker:codeliste:ergebnis', listVersionID: '1.0' };
const ITEM_STATUS_LIST: CodeList = { listURI: 'urn:de:evidence-broker:codeliste:nachweisstatus', listVersionID: '1.0' };

/** The fields of a transfer's details the log shows (written by EvidenceService). */
interface TransferDetails {
  purpose?: string;
  caseReference?: string;
  basis?: { basis: 'consent'; consentId: string } | { basis: 'legal-basis'; legalBasis: string };
  outcome?: string;
  completes?: string;
  items?: { type: string; register: string; status: string; dataHash?: string; reason?: string }[];
}

export function buildTransferLogXml(opts: { idNr: string; transfers: TransferRecord[]; now: Date; sender: string }): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(TRANSFER_LOG_NAMESPACE, 'protokollauszug', { version: '1.0' });
  writeHeader(root, { messageId: randomUUID(), inReplyTo: null, createdAt: opts.now.toISOString(), sender: opts.sender, recipient: 'buerger' });
  root.ele('person').ele('identifikationsnummer').txt(opts.idNr);
  for (const t of opts.transfers) {
    const d = t.details as TransferDetails;
    const u = root.ele('uebermittlung');
    u.ele('protokolleintragId').txt(String(t.auditEntryId));
    u.ele('zeitpunkt').txt(t.at.toISOString());
    u.ele('empfaenger').ele('behoerdenkennung').txt(t.requester);
    if (t.requestId) u.ele('anfrageId').txt(t.requestId);
    if (d.caseReference) u.ele('aktenzeichen').txt(d.caseReference);
    if (d.purpose) writeCode(u, 'zweck', CODE_LISTS.purpose, d.purpose);
    if (d.basis?.basis === 'consent') u.ele('rechtsgrundlage').ele('einwilligungId').txt(d.basis.consentId);
    else if (d.basis?.basis === 'legal-basis') u.ele('rechtsgrundlage').ele('gesetzlicheGrundlage').txt(d.basis.legalBasis);
    if (d.outcome) writeCode(u, 'ergebnis', OUTCOME_LIST, d.outcome);
    for (const item of d.items ?? []) {
      const n = u.ele('nachweis');
      writeCode(n, 'nachweisart', CODE_LISTS.evidenceType, item.type);
      n.ele('register').txt(item.register);
      writeCode(n, 'status', ITEM_STATUS_LIST, item.status);
      if (item.dataHash) n.ele('pruefsumme', { algorithmus: 'SHA-256' }).txt(item.dataHash);
      if (item.reason) n.ele('fehlercode').txt(item.reason);
    }
  }
  return root.end({ prettyPrint: true });
}
