// The OSCI-style transport envelope every register message travels in (xoev-schemas/transport/).
// NOTE: the transport header is not signed, only `inhalt` is; a reader checks that the header agrees with the
// message header inside and that the signed `inhalt/@Id` names this envelope, so re-wrapping is refused.
import { randomUUID } from 'node:crypto';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { z } from 'zod';
import { MESSAGE_TYPE_LIST, type MessageType } from './register-code-lists.ts';
import { authorityId, rootElement, writeCode, XmlMessageError, type MessageHeader } from './xml.ts';

export const TRANSPORT_NAMESPACE = 'urn:xoev-de:evidence-broker:transport:1.1';
export const TRANSPORT_SCHEMA_FILE = 'transport/eb-transport-1.1.xsd';
/** The envelope's fixed version attribute (1.1: signed). */
export const TRANSPORT_VERSION = '1.1';
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
 * the message's root element to `inhalt`. The result is not signed yet (signEnvelope, ./signing.ts).
 */
export function sealEnvelope(header: MessageHeader, messageType: MessageType, writeContent: (inhalt: XMLBuilder) => void): string {
  const envelopeId = randomUUID();
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(TRANSPORT_NAMESPACE, `${PREFIX}:umschlag`, { version: TRANSPORT_VERSION });
  const kopf = root.ele('transportkopf');
  kopf.ele('umschlagId').txt(envelopeId);
  kopf.ele('erstellungszeitpunkt').txt(header.createdAt);
  kopf.ele('absender').ele('behoerdenkennung').txt(header.sender);
  kopf.ele('empfaenger').ele('behoerdenkennung').txt(header.recipient);
  writeCode(kopf, 'nachrichtentyp', MESSAGE_TYPE_LIST, messageType);
  writeContent(root.ele('inhalt', { Id: contentId(envelopeId) }));
  return root.end();
}

const messageTypeCode = z
  .object({
    '@_listURI': z.literal(MESSAGE_TYPE_LIST.listURI),
    '@_listVersionID': z.literal(MESSAGE_TYPE_LIST.listVersionID),
    code: z.custom<MessageType>((v) => typeof v === 'string' && /^[a-z0-9-]{1,60}\.(anfrage|antwort)$/.test(v)),
  })
  .transform((typed) => typed.code);

const transportHeader = z
  .object({
    umschlagId: z.uuid(),
    erstellungszeitpunkt: z.iso.datetime({ offset: true }),
    absender: z.object({ behoerdenkennung: authorityId }),
    empfaenger: z.object({ behoerdenkennung: authorityId }),
    // The schema enumerates the message types; checkEnvelope then demands the one expected.
    nachrichtentyp: messageTypeCode,
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
  // The content is looked up by its root's local name; `inhalt/@Id` must name this envelope.
  const inhalt = z.object({ '@_Id': z.string(), [contentRoot]: content } as Record<string, z.ZodType<T>>);
  return rootElement('umschlag', { transportkopf: transportHeader, inhalt })
    .refine((envelope) => (envelope.inhalt['@_Id'] as unknown) === contentId(envelope.transportkopf.envelopeId), { path: ['inhalt', '@_Id'] })
    .transform((envelope) => ({
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
