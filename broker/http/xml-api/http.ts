// The HTTP side of the XML interface, for the evidence-request routes: read the request body in either format
// into the one value EvidenceRequestBody checks, and send an answer in the format the caller gets
// (negotiation.ts). Everything between — authorization, consent, fan-out, audit — is the same code for both.
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Participant } from '../../identity/auth/principal.ts';
import { BrokerError, ForbiddenError, ValidationError } from '../../domain/errors.ts';
import type { EvidenceAnswer } from '../../evidence/evidence-service.ts';
import { EvidenceRequestBody, parseOrThrow } from '../schemas.ts';
import { XmlMessageError } from '../../../adapters/xml.ts';
import { buildEvidenceAnswer } from './answer-document.ts';
import { rememberRequestMessageId } from './error-document.ts';
import { XML_CONTENT_TYPE } from './namespace.ts';
import { answersInXml, sentXml } from './negotiation.ts';
import { readEvidenceRequest, xmlPathOf } from './request-document.ts';

/** Who reads the request: the authenticated participant, and this broker as the addressee. */
export interface XmlAddressing {
  participant: Participant;
  brokerId: string;
}

/** A POST body, read: the checked request and, for XML, the id of the message to answer to. */
export interface EvidenceRequestInput {
  body: EvidenceRequestBody;
  /** The XML request's nachrichtenId; null for JSON. */
  messageId: string | null;
}

/**
 * Reads the body of POST /v1/evidence-requests — JSON as parsed by express.json, or XML (a nachweisAnfrage,
 * strictly UTF-8, validated against its schema) mapped to the JSON shape — and checks it with
 * EvidenceRequestBody. Hostile or invalid XML is refused with 400 before anything else happens.
 */
export function readEvidenceRequestInput(req: Request, res: Response, who: XmlAddressing): EvidenceRequestInput {
  if (!sentXml(req)) return { body: parseOrThrow(EvidenceRequestBody, req.body, 'body'), messageId: null };

  const xml = readXmlRequest(xmlText(req));
  rememberRequestMessageId(res, xml.header.messageId);
  // NOTE: the header must not contradict the token: the sender is the authenticated participant.
  if (xml.header.sender !== who.participant.id) {
    throw new ForbiddenError('The message header names another sender than the authenticated participant');
  }
  if (xml.header.recipient !== who.brokerId) {
    throw new ValidationError(`The message is addressed to another recipient than this broker (${who.brokerId})`, [
      { name: 'nachweisAnfrage/nachrichtenkopf/empfaenger/behoerdenkennung', reason: `must be ${who.brokerId}` },
    ]);
  }
  try {
    return { body: parseOrThrow(EvidenceRequestBody, xml.body, 'body'), messageId: xml.header.messageId };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    // Same checks, same reasons; only the names say where the field is in the XML document.
    const invalidParams = err.invalidParams.map((p) => ({ name: xmlPathOf(p.name), reason: p.reason }));
    throw new ValidationError(`Invalid nachweisAnfrage: ${invalidParams.map((p) => `${p.name} ${p.reason}`).join('; ')}`, invalidParams);
  }
}

function readXmlRequest(text: string) {
  try {
    return readEvidenceRequest(text);
  } catch (err) {
    if (!(err instanceof XmlMessageError)) throw err;
    // The message names the problem and a path of the schema's own names, never a value of the document.
    throw new ValidationError(`The XML document is refused: ${err.message}`, [{ name: 'nachweisAnfrage', reason: err.message }]);
  }
}

/** The raw body (express.raw) as text: declared and actual encoding must be UTF-8, and valid. */
function xmlText(req: Request): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(req.get('content-type') ?? '')?.[1];
  if (charset !== undefined && !/^utf-8$/i.test(charset)) {
    throw new BrokerError(415, 'unsupported-media-type', 'Unsupported media type', 'Send XML encoded as UTF-8 (charset=utf-8)');
  }
  if (!Buffer.isBuffer(req.body)) throw new ValidationError('The XML body is empty', [{ name: 'nachweisAnfrage', reason: 'missing' }]);
  try {
    // A UTF-8 byte order mark is allowed and dropped; any invalid byte sequence refuses the whole document.
    return new TextDecoder('utf-8', { fatal: true }).decode(req.body);
  } catch {
    throw new ValidationError('The XML body is not valid UTF-8', [{ name: 'nachweisAnfrage', reason: 'not valid UTF-8' }]);
  }
}

/** Sends an evidence answer as JSON or, for callers that speak XML, as a nachweisAntwort; the status is set before. */
export function sendEvidenceAnswer(
  req: Request,
  res: Response,
  answer: EvidenceAnswer,
  addressing: { inReplyTo: string | null; brokerId: string; participantId: string; now: Date },
): void {
  if (!answersInXml(req)) {
    res.json(answer);
    return;
  }
  const header = {
    messageId: randomUUID(),
    inReplyTo: addressing.inReplyTo,
    createdAt: addressing.now.toISOString(),
    sender: addressing.brokerId,
    recipient: addressing.participantId,
  };
  res.type(XML_CONTENT_TYPE).send(buildEvidenceAnswer(answer, header));
}
