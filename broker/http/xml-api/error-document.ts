// The XML error document (nachweis:fehlermeldung): the same problem as RFC 9457 problem+json — the same stable
// code (from the fehlercode list), type URI, HTTP status, title, detail and field problems — for callers that
// speak XML. broker/http/problem-response.ts sends it instead of problem+json when answersInXml() says so.
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { CODES } from '../../../adapters/code-lists.ts';
import { writeCode } from '../../../adapters/xml.ts';
import type { ErrorCode, InvalidParam } from '../../domain/errors.ts';
import { newNachweisDocument, XML_CONTENT_TYPE } from './namespace.ts';

/** The fields of a problem (broker/http/problem-response.ts problemBody) that the XML error document carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  invalidParams?: InvalidParam[];
  /** consent-required: the stable reason (revoked, expired, …). */
  refusal?: string;
}

/** Where a route leaves the id of the XML request it read, so an error can refer to it. */
const MESSAGE_ID_LOCAL = 'nachweisMessageId';

export function rememberRequestMessageId(res: Response, messageId: string): void {
  res.locals[MESSAGE_ID_LOCAL] = messageId;
}

export function buildErrorDocument(problem: Problem, opts: { inReplyTo: string | null; now: Date }): string {
  const root = newNachweisDocument('fehlermeldung');
  root.ele('nachrichtenId').txt(randomUUID());
  if (opts.inReplyTo !== null) root.ele('referenzNachrichtenId').txt(opts.inReplyTo);
  root.ele('erstellungszeitpunkt').txt(opts.now.toISOString());
  writeCode(root, 'fehlercode', CODES.errorCode, problem.code);
  root.ele('typ').txt(problem.type);
  root.ele('titel').txt(problem.title);
  root.ele('status').txt(String(problem.status));
  root.ele('detail').txt(problem.detail);
  if (problem.instance) root.ele('instanz').txt(problem.instance);
  for (const p of problem.invalidParams ?? []) {
    const param = root.ele('ungueltigerParameter');
    param.ele('name').txt(p.name);
    param.ele('grund').txt(p.reason);
  }
  if (problem.refusal) root.ele('grund').txt(problem.refusal);
  return root.end({ prettyPrint: true });
}

/** Answers the problem as an XML error document with its HTTP status. */
export function sendXmlProblem(res: Response, problem: Problem): void {
  const inReplyTo = res.locals[MESSAGE_ID_LOCAL];
  const xml = buildErrorDocument(problem, { inReplyTo: typeof inReplyTo === 'string' ? inReplyTo : null, now: new Date() });
  res.status(problem.status).type(XML_CONTENT_TYPE).send(xml);
}
