// The broker's error vocabulary, mapped to RFC 9457 problem+json in one place (problemMiddleware).
// Each kind has a stable `type` URI and `code`; callers branch on those, never on the human text.
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { classifyDatabaseBusy } from './db/db-errors.ts';
import type { BrokerMetrics } from './metrics.ts';
import { sendXmlProblem, type Problem } from './xml-api/error-document.ts';
import { answersInXml } from './xml-api/negotiation.ts';

export const PROBLEM_BASE = 'https://evidence-broker.example/problems/';

/** Stable error codes; the EU OOTS EDM:ERR vocabulary inspired the split. */
export type ErrorCode =
  | 'invalid-request'
  | 'unauthenticated'
  | 'forbidden'
  | 'consent-required'
  | 'not-found'
  | 'conflict'
  | 'idempotency-key-reused'
  | 'rate-limited'
  | 'overloaded'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'upstream-failure'
  | 'internal';

/** One field-level problem in a request. */
export interface InvalidParam {
  name: string;
  reason: string;
}

/** Base of every error the broker reports on purpose. */
export class BrokerError extends Error {
  /** Sent as Retry-After when set (409 in progress, 429, 503). */
  retryAfterSeconds?: number;
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly title: string,
    detail?: string,
    readonly extras: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'BrokerError';
  }
  get type(): string {
    return PROBLEM_BASE + this.code;
  }
}

export class ValidationError extends BrokerError {
  constructor(detail: string, readonly invalidParams: InvalidParam[] = []) {
    super(400, 'invalid-request', 'The request is invalid', detail, { invalidParams });
  }
}
export class UnauthenticatedError extends BrokerError {
  constructor(detail = 'A valid bearer token is required') {
    super(401, 'unauthenticated', 'Authentication required', detail);
  }
}
export class ForbiddenError extends BrokerError {
  constructor(detail: string) {
    super(403, 'forbidden', 'Not allowed', detail);
  }
}
export class ConsentRequiredError extends BrokerError {
  /** `refusal` is a stable reason code, e.g. 'revoked', 'expired', 'no-consent', 'legal-basis-not-applicable'. */
  constructor(detail: string, readonly refusal: string) {
    super(403, 'consent-required', 'No consent or legal basis covers this request', detail, { refusal });
  }
}
export class NotFoundError extends BrokerError {
  constructor(what: string) {
    super(404, 'not-found', 'Not found', `${what} does not exist or is not visible to you`);
  }
}
export class ConflictError extends BrokerError {
  constructor(detail: string, retryAfterSeconds?: number) {
    super(409, 'conflict', 'Conflict', detail);
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Refused to protect the broker: 429 (rate) or 503 (overload), always with Retry-After. */
export class OverloadError extends BrokerError {
  constructor(status: 429 | 503, detail: string, retryAfterSeconds: number) {
    super(status, status === 429 ? 'rate-limited' : 'overloaded', status === 429 ? 'Too many requests' : 'Service overloaded', detail);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function problemBody(err: BrokerError, instance?: string): Record<string, unknown> {
  return {
    type: err.type,
    title: err.title,
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...err.extras,
  };
}

export function sendProblem(res: Response, err: BrokerError): void {
  if (err.retryAfterSeconds !== undefined) res.set('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
  // NOTE: `instance` only for a matched route: an unmatched (possibly encoded) path may carry an IdNr.
  const body = problemBody(err, res.req.route ? res.req.originalUrl : undefined);
  // A caller that speaks XML (sent XML, or asks for it) gets the same problem as an XML error document.
  if (answersInXml(res.req)) return sendXmlProblem(res, body as unknown as Problem);
  res.status(err.status).type('application/problem+json').json(body);
}

/** Maps body-parser's own errors (bad JSON, too large, wrong charset) to our vocabulary. */
function fromHttpError(err: unknown): BrokerError | null {
  if (typeof err !== 'object' || err === null || !('type' in err) || !('status' in err)) return null;
  const { type, status } = err as { type: unknown; status: unknown };
  if (type === 'entity.parse.failed') return new ValidationError('The body is not well-formed JSON');
  if (type === 'entity.too.large') return new BrokerError(413, 'payload-too-large', 'Payload too large', 'The body exceeds the size limit');
  if (type === 'encoding.unsupported') return new BrokerError(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body without a Content-Encoding');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ValidationError('The body could not be read');
  }
  return null;
}

/** Seconds a caller is asked to wait after the database was too busy to serve it. */
export const DATABASE_BUSY_RETRY_AFTER_SECONDS = 1;

export function problemMiddleware(log: Logger, metrics: Pick<BrokerMetrics, 'databaseBusy'>): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = err instanceof BrokerError ? err : fromHttpError(err);
    if (known) return sendProblem(res, known);
    // A saturated database is an overload, not a fault: 503 with Retry-After, like the in-flight limit.
    const busy = classifyDatabaseBusy(err);
    if (busy) {
      metrics.databaseBusy.inc({ cause: busy.cause });
      // NOTE: codes only, never the error's message: a driver message may quote the values of a row.
      log.warn({ dbBusy: busy, route: req.route?.path, method: req.method }, 'database busy; answered 503');
      return sendProblem(res, new OverloadError(503, 'The database is busy; retry shortly', DATABASE_BUSY_RETRY_AFTER_SECONDS));
    }
    // NOTE: log the cause for operators; the caller only learns that it failed, never why in detail.
    log.error({ err, route: req.route?.path, method: req.method }, 'unhandled error');
    sendProblem(res, new BrokerError(500, 'internal', 'Internal error', 'The broker failed to handle the request'));
  };
}
