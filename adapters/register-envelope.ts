// The message family our registers share. A query names the citizen, purpose and period; an answer carries
// a status and, when found, the register's evidence. Each register defines its own namespace, root element
// names, the content of `zeitraum` (months, days or years) and of `nachweis`; the rest is built and read
// here once, so the three registers cannot drift apart in how they address a citizen or report a status.
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { z } from 'zod';
import { CODE_LISTS, PURPOSES, type Purpose } from '../broker/domain/codes.ts';
import { isValidIdNr } from '../broker/domain/idnr.ts';
import type { RegisterId } from './contract.ts';
import {
  codeSchema,
  headerSchema,
  parseMessage,
  rootElement,
  writeCode,
  writeHeader,
  type CodeList,
  type MessageHeader,
} from './xml.ts';

export const ANSWER_STATUS_LIST: CodeList = { listURI: 'urn:de:evidence-broker:codeliste:antwortstatus', listVersionID: '1.0' };
export const ANSWER_STATUSES = ['gefunden', 'nicht-gefunden', 'in-bearbeitung', 'abgelehnt'] as const;

/** Why a register refused to answer a query at all (status 'abgelehnt'). */
export const REFUSAL_LIST: CodeList = { listURI: 'urn:de:evidence-broker:codeliste:ablehnungsgrund', listVersionID: '1.0' };
export const REFUSAL_REASONS = ['unbekannter-vorgang', 'falscher-empfaenger'] as const;
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
  queryRoot: string;
  answerRoot: string;
  /** Content of the query's `zeitraum`. */
  period: { write(el: XMLBuilder, period: S): void; schema: z.ZodType<S> };
  /** Content of the answer's `nachweis`. */
  payload: { write(el: XMLBuilder, payload: P): void; schema: z.ZodType<P> };
}

/** Builds and reads one register's messages; parse* throw XmlMessageError for anything unexpected. */
export interface MessageFamily<S, P> {
  readonly register: RegisterId;
  readonly namespace: string;
  buildQuery(query: RegisterQuery<S>): string;
  parseQuery(xml: string): RegisterQuery<S>;
  buildAnswer(answer: RegisterAnswer<P>): string;
  parseAnswer(xml: string): RegisterAnswer<P>;
}

const person = z.object({ identifikationsnummer: z.string().refine(isValidIdNr, 'not a valid IdNr') });
const ticket = z.string().regex(/^[A-Za-z0-9-]{8,64}$/);
const freeIdentifier = z.string().min(1).max(200);

export function defineMessageFamily<S, P>(spec: MessageFamilySpec<S, P>): MessageFamily<S, P> {
  const querySchema = rootElement(spec.queryRoot, spec.namespace, {
    nachrichtenkopf: headerSchema,
    anfrageReferenz: freeIdentifier,
    anfragendeStelle: freeIdentifier,
    zweck: codeSchema(CODE_LISTS.purpose, PURPOSES),
    person,
    zeitraum: spec.period.schema,
    vorgangsnummer: ticket.optional(),
  }).transform(
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

  const answerSchema = rootElement(spec.answerRoot, spec.namespace, {
    nachrichtenkopf: headerSchema,
    status: codeSchema(ANSWER_STATUS_LIST, ANSWER_STATUSES),
    person: person.optional(),
    vorgang: z.object({ vorgangsnummer: ticket, erwartetBis: z.iso.datetime({ offset: true }).optional() }).optional(),
    ablehnungsgrund: codeSchema(REFUSAL_LIST, REFUSAL_REASONS).optional(),
    nachweis: spec.payload.schema.optional(),
  }).transform((a, ctx): RegisterAnswer<P> => {
    const header = a.nachrichtenkopf;
    const idNr = a.person?.identifikationsnummer ?? null;
    const missing = (element: string) => {
      ctx.issues.push({ code: 'custom', message: `status ${a.status} requires ${element}`, path: [element], input: undefined });
      return z.NEVER;
    };
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

  const newDocument = (root: string) => create({ version: '1.0', encoding: 'UTF-8' }).ele(spec.namespace, root);

  return {
    register: spec.register,
    namespace: spec.namespace,

    buildQuery(q) {
      const root = newDocument(spec.queryRoot);
      writeHeader(root, q.header);
      root.ele('anfrageReferenz').txt(q.reference);
      root.ele('anfragendeStelle').txt(q.requester);
      writeCode(root, 'zweck', CODE_LISTS.purpose, q.purpose);
      root.ele('person').ele('identifikationsnummer').txt(q.idNr);
      spec.period.write(root.ele('zeitraum'), q.period);
      if (q.ticket !== null) root.ele('vorgangsnummer').txt(q.ticket);
      return root.end();
    },

    parseQuery: (xml) => parseMessage(xml, querySchema),

    buildAnswer(a) {
      const root = newDocument(spec.answerRoot);
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
      return root.end();
    },

    parseAnswer: (xml) => parseMessage(xml, answerSchema),
  };
}
