// The one path every register adapter takes — sign and send the query, verify the answer, check it answers
// *our* query about *our* citizen, map it with the register's semantic checks — so a register supplies only
// its message family and mapping, and a refused answer fails only its own item.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { RegisterError, type RegisterAdapter, type RegisterOutcome, type RegisterRequest } from './contract.ts';
import type { Dispatcher } from 'undici';
import { postXml } from './http-transport.ts';
import type { MessageFamily, RegisterAnswer } from './register-envelope.ts';
import { SignatureError } from './signature-profile.ts';
import type { SigningIdentity } from './signing-keys.ts';
import { signEnvelope, signEnvelopeWith, type SignatureOperation } from './signing.ts';
import { XmlMessageError, type MessageHeader } from './xml.ts';

/** How the broker reaches one register instance (an entry of the register directory). */
export interface RegisterAdapterConfig {
  /** The instance's endpoint (POST target), from the directory only. */
  baseUrl: string;
  /** The instance's id: the recipient of every query and the only sender an answer may name. */
  recipient: string;
  /** The broker's Behördenkennung, sent as the messages' sender. */
  sender: string;
  clock?: () => Date;
  /** The broker's key and certificate that sign every query (of the instance's crypto profile). */
  signing: OnFirstUse<SigningIdentity | Promise<SigningIdentity>>;
  /**
   * Where the signatures' private-key operation runs (a worker pool, ./signature-pool.ts); omitted: on the
   * event loop.
   */
  signatureOperation?: SignatureOperation;
  /**
   * The instance's certificates pinned now (valid, not retired), read at every answer: an answer must be signed
   * with one of their keys, whatever the answer carries. Several during a key rollover.
   */
  registerCertificates: () => readonly string[];
  /** The connections to use (mutual TLS: a pool presenting the broker's client certificate); default: Node's fetch. */
  dispatcher?: Dispatcher;
}

/**
 * A key or certificate, or the function that makes it on the first query. NOTE: keys made on demand (the
 * development sandbox's) would otherwise be made by every process that makes adapters, the admin tool too.
 */
export type OnFirstUse<T extends object | string> = T | (() => T);

/** Reads an OnFirstUse value: as given, or made by the first call and kept. */
export function onFirstUse<T extends object | string>(source: OnFirstUse<T>): () => T {
  if (typeof source !== 'function') return () => source;
  let made: T | undefined;
  return () => (made ??= source());
}

/** Thrown by a register's mapping when an answer is well-formed but cannot be about the request. */
export class RejectedAnswer extends Error {
  override name = 'RejectedAnswer';
}

/** What a register contributes: its messages and how its answer maps to the normalized model. */
export interface RegisterMapping<T extends string, D, S, P> {
  evidenceType: T;
  messages: MessageFamily<S, P>;
  /** The normalized evidence model of the type, checked on every mapped answer. */
  evidenceSchema: z.ZodType<D>;
  /** The requested period ('YYYY-MM' inclusive) in the register's own terms. */
  toRegisterPeriod(period: RegisterRequest['period']): S;
  /**
   * Maps found evidence; throws RejectedAnswer for evidence that is valid XML but cannot be true for this
   * request (outside the period, negative or implausible amounts, dated after the answer). `fetchedAt` is
   * when the answer arrived. Reasons name the rule, never a value (no personal data in errors).
   */
  toEvidence(payload: P, req: RegisterRequest, fetchedAt: Date): D;
}

export function createRegisterAdapter<T extends string, D, S, P>(
  mapping: RegisterMapping<T, D, S, P>,
  cfg: RegisterAdapterConfig,
): RegisterAdapter<T, D> {
  const { evidenceType, messages } = mapping;
  const clock = cfg.clock ?? (() => new Date());
  // Keys given as functions are made on the first query: whoever calls with a short deadline makes them first.
  const signer = onFirstUse(cfg.signing);
  const fail = (kind: 'MALFORMED_ANSWER' | 'REJECTED_ANSWER' | 'BAD_SIGNATURE', message: string, cause?: unknown) =>
    new RegisterError(evidenceType, kind, message, cause === undefined ? undefined : { cause });

  async function exchange(req: RegisterRequest, ticket: string | null, signal: AbortSignal): Promise<RegisterOutcome<D>> {
    const header: MessageHeader = {
      messageId: randomUUID(),
      inReplyTo: null,
      createdAt: clock().toISOString(),
      sender: cfg.sender,
      recipient: cfg.recipient,
    };
    const sealed = messages.sealQuery({
      header,
      reference: req.requestId,
      requester: req.requester,
      purpose: req.purpose,
      idNr: req.idNr,
      period: mapping.toRegisterPeriod(req.period),
      ticket,
    });
    const identity = await signer();
    const xml = cfg.signatureOperation ? await signEnvelopeWith(sealed, identity, cfg.signatureOperation) : signEnvelope(sealed, identity);
    const answerXml = await postXml({ evidenceType, url: cfg.baseUrl, xml, signal, requestId: req.correlationId, dispatcher: cfg.dispatcher });
    const fetchedAt = clock();

    let answer: RegisterAnswer<P>;
    try {
      answer = messages.parseAnswer(answerXml, cfg.registerCertificates());
    } catch (err) {
      // NOTE: an answer whose signature is missing, foreign or does not cover what is read is never read.
      if (err instanceof SignatureError) throw fail('BAD_SIGNATURE', err.message, err);
      if (err instanceof XmlMessageError) throw fail('MALFORMED_ANSWER', err.message, err);
      throw err;
    }
    checkAddressing(answer, header, req);

    const registerMessageId = answer.header.messageId;
    switch (answer.status) {
      case 'nicht-gefunden':
        return { status: 'not-found', fetchedAt, registerMessageId };
      case 'in-bearbeitung':
        return { status: 'pending', ticket: answer.ticket, expectedBy: answer.expectedBy ? new Date(answer.expectedBy) : null, fetchedAt, registerMessageId };
      case 'abgelehnt':
        throw new RegisterError(evidenceType, 'UPSTREAM_ERROR', `register refused the query (${answer.reason})`);
      case 'gefunden':
        return { status: 'delivered', data: toCheckedEvidence(answer.payload, req, fetchedAt), fetchedAt, registerMessageId };
    }
  }

  // NOTE: an answer that is not a reply to our message, or about another citizen, must never reach a
  // case file; it is refused as a whole, however plausible its content.
  function checkAddressing(answer: RegisterAnswer<P>, query: MessageHeader, req: RegisterRequest): void {
    if (answer.header.inReplyTo !== query.messageId) throw fail('REJECTED_ANSWER', 'answer is not a reply to our message');
    if (answer.header.sender !== cfg.recipient) throw fail('REJECTED_ANSWER', 'answer comes from another sender');
    if (answer.header.recipient !== cfg.sender) throw fail('REJECTED_ANSWER', 'answer is addressed to another participant');
    if (answer.idNr !== null && answer.idNr !== req.idNr) throw fail('REJECTED_ANSWER', 'answer is about another citizen');
  }

  function toCheckedEvidence(payload: P, req: RegisterRequest, fetchedAt: Date): D {
    let evidence: D;
    try {
      evidence = mapping.toEvidence(payload, req, fetchedAt);
    } catch (err) {
      if (err instanceof RejectedAnswer) throw fail('REJECTED_ANSWER', err.message);
      throw err;
    }
    const checked = mapping.evidenceSchema.safeParse(evidence);
    if (!checked.success) {
      const path = checked.error.issues[0]?.path.join('.') ?? '';
      throw fail('MALFORMED_ANSWER', `answer does not fit the evidence model at ${path || 'its root'}`);
    }
    return checked.data;
  }

  return {
    register: cfg.recipient,
    evidenceType,
    fetchEvidence: (req, signal) => exchange(req, null, signal),
    pollPending: (ticket, req, signal) => exchange(req, ticket, signal),
  };
}
