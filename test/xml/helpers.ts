// What the XML tests share: a canary HTTP server that must never be called, a reader for the XML error
// document, valid messages of every target, and counts of what the broker stored.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { CODES } from '../../adapters/code-lists.ts';
import { defineMessageSchema, readMessage, schemaErrors } from '../../adapters/xml-schemas.ts';
import { codeSchema, repeated, rootElement } from '../../adapters/xml.ts';
import { NACHWEIS_NAMESPACE, NACHWEIS_SCHEMA_FILE, type NachweisVersion } from '../../broker/http/xml-api/namespace.ts';
import { buildEvidenceRequest } from '../../broker/http/xml-api/request-document.ts';
import type { EvidenceRequestBody } from '../../broker/http/schemas.ts';
import { AUTHORITY_ID, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

/** An HTTP server that counts every request: a document that makes anything fetch a URL is caught here. */
export async function startCanary(): Promise<{ url: string; readonly hits: number; close(): Promise<void> }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { 'content-type': 'application/xml-dtd' }).end('<!ENTITY leaked "root:x:0:0">');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get hits() {
      return hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const errorSchema = defineMessageSchema({ files: [NACHWEIS_SCHEMA_FILE], root: { namespace: NACHWEIS_NAMESPACE, name: 'fehlermeldung' } });

/** An XML error document as a client reads it. */
export interface XmlError {
  code: string;
  type: string;
  status: number;
  title: string;
  detail: string;
  inReplyTo: string | null;
  invalidParams: { name: string; reason: string }[];
  refusal: string | null;
}

const errorShape = rootElement('fehlermeldung', {
  nachrichtenId: z.uuid(),
  referenzNachrichtenId: z.uuid().optional(),
  fehlercode: codeSchema(CODES.errorCode, CODES.errorCode.codes),
  typ: z.string(),
  titel: z.string(),
  status: z.string().transform(Number),
  detail: z.string(),
  ungueltigerParameter: repeated(z.object({ name: z.string(), grund: z.string() })),
  grund: z.string().optional(),
}).transform(
  (e): XmlError => ({
    code: e.fehlercode,
    type: e.typ,
    status: e.status,
    title: e.titel,
    detail: e.detail,
    inReplyTo: e.referenzNachrichtenId ?? null,
    invalidParams: e.ungueltigerParameter.map((p) => ({ name: p.name, reason: p.grund })),
    refusal: e.grund ?? null,
  }),
);

/** Reads an XML error document; it must be valid against the nachweis schema. */
export function readXmlError(xml: string): XmlError {
  const problems = schemaErrors(xml, errorSchema);
  if (problems.length > 0) throw new Error(`the error document is not valid: ${problems.join('; ')}`);
  return readMessage(xml, errorSchema, errorShape);
}

/**
 * A nachweisAnfrage from the harness's authority to the broker, in the current version unless told; the body's
 * routing travels as zustaendigkeit (a body asking for maternity-benefit, income or birth-certificate needs ROUTING).
 */
export function xmlRequest(
  h: Harness,
  body: EvidenceRequestBody,
  header: { messageId?: string; sender?: string; recipient?: string; version?: NachweisVersion } = {},
): string {
  const to = { messageId: header.messageId ?? randomUUID(), inReplyTo: null, createdAt: new Date().toISOString(), sender: header.sender ?? AUTHORITY_ID, recipient: header.recipient ?? h.broker.ctx.cfg.brokerId };
  return buildEvidenceRequest(body, to, header.version);
}

/** POSTs an XML body (bytes or text) as the harness's authority. */
export async function postXml(h: Harness, body: Uint8Array | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}/v1/evidence-requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/xml', ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** What the broker has stored and fetched so far: none of it may change for a refused request. */
export async function footprint(h: Harness) {
  const db = h.broker.ctx.database.prisma;
  return {
    evidenceRequests: await db.evidenceRequest.count(),
    auditEntries: await db.auditEntry.count(),
    registerCalls: Object.values(h.sims.byType).reduce((n, sim) => n + sim.calls, 0),
  };
}

/** The citizen's consent for the harness's authority (recorded by the authority, as for a paper consent). */
export async function grantConsent(h: Harness, idNr: string, evidenceTypes: string[], purpose = 'elterngeld'): Promise<string> {
  const res = await h.call('POST', '/v1/consents', {
    body: { citizen: { idNr }, grantee: AUTHORITY_ID, evidenceTypes, purpose, paper: PAPER_FORM, validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString() },
  });
  if (res.status !== 201) throw new Error(`consent not recorded: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}
