// The OSCI-style transport envelope every register message travels in (xoev-schemas/transport/): a transport
// header that addresses the message (envelope id, time, sender, recipient, message type) and `inhalt`, which
// carries exactly one message of a register family. The envelope is unsigned for now; the unit a later XML
// Signature will cover is already one identifiable element, `inhalt` with its `Id` attribute.
// NOTE: the transport header is routing information; the message header inside is what the parties answer
// to. A reader checks that both agree (checkEnvelope), so a mis-addressed or re-labelled envelope is refused.
import { randomUUID } from 'node:crypto';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { z } from 'zod';
import { CODES, type MessageType } from './code-lists.ts';
import { authorityId, codeSchema, rootElement, writeCode, XmlMessageError, type MessageHeader } from './xml.ts';

export const TRANSPORT_NAMESPACE = 'urn:xoev-de:evidence-broker:transport:1.0';
export const TRANSPORT_SCHEMA_FILE = 'transport/eb-transport-1.0.xsd';
const PREFIX = 'transport';

/** The envelope's own header. */
export interface TransportHeader {
  envelopeId: string;
  createdAt: string;
  sender: string;
  recipient: string;
  messageType: MessageType;
}

/** The value of `inhalt/@Id`: what a signature's Reference will point at ('#' + this). */
export function contentId(envelopeId: string): string {
  return `inhalt-${envelopeId}`;
}

/**
 * Wraps one message for the transport, addressed like the message header it carries; `writeContent` adds
 * the message's root element to `inhalt`.
 */
export function sealEnvelope(header: MessageHeader, messageType: MessageType, writeContent: (inhalt: XMLBuilder) => void): string {
  const envelopeId = randomUUID();
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(TRANSPORT_NAMESPACE, `${PREFIX}:umschlag`, { version: '1.0' });
  const kopf = root.ele('transportkopf');
  kopf.ele('umschlagId').txt(envelopeId);
  kopf.ele('erstellungszeitpunkt').txt(header.createdAt);
  kopf.ele('absender').ele('behoerdenkennung').txt(header.sender);
  kopf.ele('empfaenger').ele('behoerdenkennung').txt(header.recipient);
  writeCode(kopf, 'nachrichtentyp', CODES.messageType, messageType);
  writeContent(root.ele('inhalt', { Id: contentId(envelopeId) }));
  return root.end();
}

const transportHeader = z
  .object({
    umschlagId: z.uuid(),
    erstellungszeitpunkt: z.iso.datetime({ offset: true }),
    absender: z.object({ behoerdenkennung: authorityId }),
    empfaenger: z.object({ behoerdenkennung: authorityId }),
    nachrichtentyp: codeSchema(CODES.messageType, CODES.messageType.codes),
  })
  .transform(
    (k): TransportHeader => ({
      envelopeId: k.umschlagId,
      createdAt: k.erstellungszeitpunkt,
      sender: k.absender.behoerdenkennung,
      recipient: k.empfaenger.behoerdenkennung,
      messageType: k.nachrichtentyp,
    }),
  );

/** The zod shape of an envelope carrying `contentRoot` (the tree has local names; the validator checked namespaces). */
export function envelopeShape<T>(contentRoot: string, content: z.ZodType<T>) {
  // `inhalt/@Id` is required by the schema; the content is looked up by its root's local name.
  const inhalt = z.object({ [contentRoot]: content } as Record<string, z.ZodType<T>>);
  return rootElement('umschlag', { transportkopf: transportHeader, inhalt }).transform((envelope) => ({
    transport: envelope.transportkopf,
    content: envelope.inhalt[contentRoot] as T,
  }));
}

/** Refuses an envelope whose addressing or type disagrees with the message it carries. */
export function checkEnvelope(transport: TransportHeader, header: MessageHeader, messageType: MessageType): void {
  if (transport.messageType !== messageType) {
    throw new XmlMessageError('unexpected-shape', `the envelope declares another message type than the ${messageType} it carries`);
  }
  if (transport.sender !== header.sender || transport.recipient !== header.recipient) {
    throw new XmlMessageError('unexpected-shape', 'the envelope is addressed differently from the message it carries');
  }
}
