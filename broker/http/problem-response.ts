// Renders the broker's errors for API callers: RFC 9457 problem+json, or the same problem as an XML error
// document for callers that speak XML. The one error handler of the API; what an error means is decided
// below it (broker/domain/errors.ts classifyError), how it looks is decided here.
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { assertNever, classifyError, problemTypeUri, type BrokerError } from '../domain/errors.ts';
import type { BrokerMetrics } from '../ops/metrics.ts';
import { sendXmlProblem, type Problem } from './xml-api/error-document.ts';
import { answersInXml } from './xml-api/negotiation.ts';

/** `problemBase`: PROBLEM_BASE_URL (cfg.problemBaseUrl), where /problems/<code> explains each code. */
export function problemBody(err: BrokerError, problemBase: string, instance?: string): Record<string, unknown> {
  return {
    type: problemTypeUri(problemBase, err.code),
    title: err.title,
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...err.extras,
  };
}

/** Sets Retry-After when the error asks for a wait; shared with the pages, which render their own body. */
export function setRetryAfter(res: Response, err: BrokerError): void {
  if (err.retryAfterSeconds !== undefined) res.set('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
}

export function sendProblem(res: Response, err: BrokerError, problemBase: string): void {
  setRetryAfter(res, err);
  // NOTE: `instance` only for a matched route: an unmatched (possibly encoded) path may carry an IdNr.
  const body = problemBody(err, problemBase, res.req.route ? res.req.originalUrl : undefined);
  // A caller that speaks XML (sent XML, or asks for it) gets the same problem as an XML error document.
  if (answersInXml(res.req)) return sendXmlProblem(res, body as unknown as Problem);
  res.status(err.status).type('application/problem+json').json(body);
}

export function problemMiddleware(log: Logger, metrics: Pick<BrokerMetrics, 'databaseBusy'>, problemBase: string): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const classified = classifyError(err);
    switch (classified.kind) {
      case 'known':
        // A failure of the broker's own that it can name (a held answer sealed under another DATA_KEY), not a shed load:
        // operators must see it, not only the caller. Its code and detail, which carry no personal data.
        if (classified.error.code === 'internal') log.error({ code: classified.error.code, detail: classified.error.message, route: req.route?.path, method: req.method }, 'request failed');
        break;
      case 'database-busy':
        metrics.databaseBusy.inc({ cause: classified.busy.cause });
        // NOTE: codes only, never the error's message: a driver message may quote the values of a row.
        log.warn({ dbBusy: classified.busy, route: req.route?.path, method: req.method }, 'database busy; answered 503');
        break;
      case 'unexpected':
        // NOTE: log the cause for operators; the caller only learns that it failed, never why in detail.
        log.error({ err: classified.cause, route: req.route?.path, method: req.method }, 'unhandled error');
        break;
      default:
        assertNever(classified);
    }
    sendProblem(res, classified.error, problemBase);
  };
}
