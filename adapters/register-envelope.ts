// The message family every register shares, built and read once here so registers cannot drift apart in
// how they address a citizen or report a status; each register adds its namespace, roots and payload.
// NOTE: no unsigned message can be built or read; given no keys, the sandbox key set is used (tests, tools).
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { z } from 'zod';
import type { Purpose } from '../broker/domain/codes.ts';
import { isValidIdNr } from '../broker/domain/idnr.ts';
import { REGISTER_CODES as CODES, type MessageType } from './register-code-lists.ts';
import type { RegisterId } from './contract.ts';
import { sandboxRegisterIdentity, sandboxTrust } from './sandbox-trust.ts';
import type { SigningIdentity } from './signing-keys.ts';
import { signEnvelope } from './signing.ts';
import { checkEnvelope, envelopeShape, sealEnvelope, TRANSPORT_NAMESPACE, TRANSPORT_SCHEMA_FILE } from './transport-envelope.ts';
import { defineMessageSchema, readSignedMessage, type MessageSchema } from './xml-schemas.ts';
import { codeSchema, headerSchema, writeCode, writeHeader, type CodeList, type MessageHeader } from './xml.ts';

export const ANSWER_STATUS_LIST: CodeList = CODES.answerStatus;
export const ANSWER_STATUSES = CODES.answerStatus.codes;

/** Why a register refused to answer a query at all (status 'abgelehnt'). */
export const REFUSAL_LIST: CodeList = CODES.refusalReason;
export const REFUSAL_REASONS = CODES.refusalReason.codes;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** A query to a register as it travels. */
export interface RegisterQuery<S> {
  header: MessageHeader;
  /** The broker's evidence request id, so both sides can refer to the same case. */
  reference: string;
  /** The authority that asks (the register sees who asks, not only the broker). */
  requester: string;
  purpose: Purpose;
  idNr: string;
  /** The period of interest in the register's own terms (months, days, years). */
  period: S;
  /** Vorgangsnummer from an earlier 'in-bearbeitung' answer when polling; null on a first query. */
  ticket: string | null;
}

/** A register's answer as it travels; `idNr` is whom the register says the answer is about. */
export type RegisterAnswer<P> =
  | { header: MessageHeader; status: 'gefunden'; idNr: string; payload: P }
  | { header: MessageHeader; status: 'nicht-gefunden'; idNr: string }
  | { header: MessageHeader; status: 'in-bearbeitung'; idNr: string; ticket: string; expectedBy: string | null }
  | { header: MessageHeader; status: 'abgelehnt'; idNr: string | null; reason: RefusalReason };

/** What one register adds to the shared family. */
export interface MessageFamilySpec<S, P> {
  register: RegisterId;
  /** Versioned, e.g. 'urn:xoev-de:evidence-broker:rvbea:1.0'; a new major version is a new namespace. */
  namespace: string;
  /** The family's XSD, relative to xoev-schemas/. */
  schemaFile: string;
  queryRoot: string;
  answerRoot: string;
  /** Content of the query's `zeitraum`. */
  period: { write(el: XMLBuilder, period: S): void; schema: z.ZodType<S> };
  /** Content of the answer's `nachweis`. */
  payload: { write(el: XMLBuilder, payload: P): void; schema: z.ZodType<P> };
}


/** The query period as every register family writes it, `<beginn>` and `<ende>`, read back by `schema`. */
export function beginEndPeriod<S extends { from: string | number; to: string | number }>(schema: z.ZodType<S>): MessageFamilySpec<S, never>['period'] {
  return {
    write(el, range) {
      el.ele('beginn').txt(String(range.from));
      el.ele('ende').txt(String(range.to));
    },
    schema,
  };
}
/**
 * Builds and reads one register's messages in their signed envelope (default identities: the sandbox's).
 * parse* verify with the sender's pinned certificate, or any of several (a key rollover); they throw
 * XmlMessageError, SignatureError for signatures.
 */
export interface MessageFamily<S, P> {
  readonly register: RegisterId;
  readonly namespace: string;
  /** What an incoming query and answer must be (the simulator and the adapter validate against these). */
  readonly querySchema: MessageSchema;
  readonly answerSchema: MessageSchema;
  buildQuery(query: RegisterQuery<S>, signer?: SigningIdentity): string;
  /** The query sealed in its envelope, not signed yet (for signEnvelopeWith, ./signing.ts). */
  sealQuery(query: RegisterQuery<S>): string;
  parseQuery(xml: string, brokerCertPem?: string | readonly string[]): RegisterQuery<S>;
  buildAnswer(answer: RegisterAnswer<P>, signer?: SigningIdentity): string;
  parseAnswer(xml: string, registerCertPem?: string | readonly string[]): RegisterAnswer<P>;
}

const person = z.object({ identifikationsnummer: z.string().refine(isValidIdNr, 'not a valid IdNr') });
const ticket = z.string().regex(/^[A-Za-z0-9-]{8,64}$/);
const freeIdentifier = z.string().min(1).max(200);

export function defineMessageFamily<S, P>(spec: MessageFamilySpec<S, P>): MessageFamily<S, P> {
  const queryType: MessageType = `${spec.register}.anfrage`;
  const answerType: MessageType = `${spec.register}.antwort`;
  const files = [TRANSPORT_SCHEMA_FILE, spec.schemaFile];
  const envelope = { namespace: TRANSPORT_NAMESPACE, name: 'umschlag' };
  const querySchema = defineMessageSchema({ files, root: envelope, content: { namespace: spec.namespace, name: spec.queryRoot }, signed: true });
  const answerSchema = defineMessageSchema({ files, root: envelope, content: { namespace: spec.namespace, name: spec.answerRoot }, signed: true });

  const queryShape = z
    .object({
      nachrichtenkopf: headerSchema,
      anfrageReferenz: freeIdentifier,
      anfragendeStelle: freeIdentifier,
      zweck: codeSchema(CODES.purpose, CODES.purpose.codes),
      person,
      zeitraum: spec.period.schema,
      vorgangsnummer: ticket.optional(),
    })
    .transform(
      (q): RegisterQuery<S> => ({
        header: q.nachrichtenkopf,
        reference: q.anfrageReferenz,
        requester: q.anfragendeStelle,
        purpose: q.zweck,
        idNr: q.person.identifikationsnummer,
        period: q.zeitraum,
        ticket: q.vorgangsnummer ?? null,
      }),
    );

  const answerShape = z
    .object({
      nachrichtenkopf: headerSchema,
      status: codeSchema(ANSWER_STATUS_LIST, ANSWER_STATUSES),
      person: person.optional(),
      vorgang: z.object({ vorgangsnummer: ticket, erwartetBis: z.iso.datetime({ offset: true }).optional() }).optional(),
      ablehnungsgrund: codeSchema(REFUSAL_LIST, REFUSAL_REASONS).optional(),
      nachweis: spec.payload.schema.optional(),
    })
    .transform((a, ctx): RegisterAnswer<P> => {
      const header = a.nachrichtenkopf;
      const idNr = a.person?.identifikationsnummer ?? null;
      const problem = (element: string, message: string) => {
        ctx.issues.push({ code: 'custom', message, path: [element], input: undefined });
        return z.NEVER;
      };
      const missing = (element: string) => problem(element, `status ${a.status} requires ${element}`);
      // The schema allows at most one of nachweis, vorgang and ablehnungsgrund; only the status decides which.
      const parts = { nachweis: a.nachweis, vorgang: a.vorgang, ablehnungsgrund: a.ablehnungsgrund };
      const allowed = { gefunden: 'nachweis', 'in-bearbeitung': 'vorgang', abgelehnt: 'ablehnungsgrund', 'nicht-gefunden': null }[a.status];
      const stray = Object.entries(parts).find(([name, value]) => value !== undefined && name !== allowed);
      if (stray) return problem(stray[0], `status ${a.status} does not allow ${stray[0]}`);
      switch (a.status) {
        case 'gefunden':
          if (idNr === null) return missing('person');
          return a.nachweis === undefined ? missing('nachweis') : { header, status: a.status, idNr, payload: a.nachweis };
        case 'nicht-gefunden':
          return idNr === null ? missing('person') : { header, status: a.status, idNr };
        case 'in-bearbeitung':
          if (idNr === null) return missing('person');
          if (a.vorgang === undefined) return missing('vorgang');
          return { header, status: a.status, idNr, ticket: a.vorgang.vorgangsnummer, expectedBy: a.vorgang.erwartetBis ?? null };
        case 'abgelehnt':
          return a.ablehnungsgrund === undefined ? missing('ablehnungsgrund') : { header, status: a.status, idNr, reason: a.ablehnungsgrund };
      }
    });

  const queryEnvelope = envelopeShape(spec.queryRoot, queryShape);
  const answerEnvelope = envelopeShape(spec.answerRoot, answerShape);
  // The family's own prefix on its root; every element below it is unqualified (elementFormDefault).
  const contentRoot = (inhalt: XMLBuilder, root: string) => inhalt.ele(spec.namespace, `${spec.register}:${root}`, { version: '1.0' });

  function sealQuery(q: RegisterQuery<S>): string {
    return sealEnvelope(q.header, queryType, (inhalt) => {
      const root = contentRoot(inhalt, spec.queryRoot);
      writeHeader(root, q.header);
      root.ele('anfrageReferenz').txt(q.reference);
      root.ele('anfragendeStelle').txt(q.requester);
      writeCode(root, 'zweck', CODES.purpose, q.purpose);
      root.ele('person').ele('identifikationsnummer').txt(q.idNr);
      spec.period.write(root.ele('zeitraum'), q.period);
      if (q.ticket !== null) root.ele('vorgangsnummer').txt(q.ticket);
    });
  }

  return {
    register: spec.register,
    namespace: spec.namespace,
    querySchema,
    answerSchema,

    buildQuery(q, signer = sandboxTrust().broker) {
      return signEnvelope(sealQuery(q), signer);
    },

    sealQuery,

    parseQuery(xml, brokerCertPem = sandboxTrust().broker.certPem) {
      const { transport, content } = readSignedMessage(xml, querySchema, queryEnvelope, brokerCertPem);
      checkEnvelope(transport, content.header, queryType);
      return content;
    },

    buildAnswer(a, signer = sandboxRegisterIdentity(spec.register)) {
      const sealed = sealEnvelope(a.header, answerType, (inhalt) => {
        const root = contentRoot(inhalt, spec.answerRoot);
        writeHeader(root, a.header);
        writeCode(root, 'status', ANSWER_STATUS_LIST, a.status);
        if (a.idNr !== null) root.ele('person').ele('identifikationsnummer').txt(a.idNr);
        switch (a.status) {
          case 'gefunden':
            spec.payload.write(root.ele('nachweis'), a.payload);
            break;
          case 'in-bearbeitung': {
            const vorgang = root.ele('vorgang');
            vorgang.ele('vorgangsnummer').txt(a.ticket);
            if (a.expectedBy !== null) vorgang.ele('erwartetBis').txt(a.expectedBy);
            break;
          }
          case 'abgelehnt':
            writeCode(root, 'ablehnungsgrund', REFUSAL_LIST, a.reason);
            break;
          case 'nicht-gefunden':
            break;
        }
      });
      return signEnvelope(sealed, signer);
    },

    parseAnswer(xml, registerCertPem = sandboxRegisterIdentity(spec.register).certPem) {
      const { transport, content } = readSignedMessage(xml, answerSchema, answerEnvelope, registerCertPem);
      checkEnvelope(transport, content.header, answerType);
      return content;
    },
  };
}
