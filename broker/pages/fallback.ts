// The last page entry: unknown addresses under the pages' prefixes get a page, not the API's JSON, and
// so do errors thrown by any page handler (logged with their cause, shown without it).
import type { ErrorRequestHandler, Response, Router } from 'express';
import type { Context } from '../context.ts';
import { assertNever, classifyError, type BrokerError } from '../domain/errors.ts';
import { setRetryAfter } from '../http/problem-response.ts';
import { busyPage, notFoundPage, serverErrorPage, serviceOfPath, tooLargePage, unreadablePage } from './kit/error-pages.ts';
import type { Service } from './kit/layout.ts';
import { PAGE_PREFIXES, sendPage } from './kit/security.ts';

export default function fallback(router: Router, ctx: Context): void {
  const sandbox = ctx.cfg.demo;
  router.use([...PAGE_PREFIXES], (req, res) => {
    sendPage(res, 404, notFoundPage(serviceOfPath(req.originalUrl), sandbox));
  });
  const onError: ErrorRequestHandler = (err, req, res, next) => {
    if (!PAGE_PREFIXES.some((p) => req.path === p || req.path.startsWith(`${p}/`))) return next(err);
    if (res.headersSent) return next(err);
    // The same mapping as the API's problem+json (broker/domain/errors.ts); only the rendering differs.
    const classified = classifyError(err);
    if (classified.kind === 'database-busy') {
      ctx.metrics.databaseBusy.inc({ cause: classified.busy.cause });
      ctx.log.warn({ dbBusy: classified.busy, method: req.method, route: req.route?.path }, 'database busy; page answered 503'); // codes only
    } else if (classified.kind === 'unexpected') {
      ctx.log.error({ err: classified.cause, method: req.method, route: req.route?.path }, 'page failed');
    }
    sendErrorPage(res, classified.error, serviceOfPath(req.path), sandbox);
  };
  router.use(onError);
}

/** A form cannot show a field-level problem here, so every refusal of the request reads as unreadable input. */
function sendErrorPage(res: Response, err: BrokerError, service: Service, sandbox: boolean): void {
  switch (err.code) {
    case 'payload-too-large':
      return sendPage(res, 413, tooLargePage(service, sandbox));
    case 'overloaded':
      setRetryAfter(res, err);
      return sendPage(res, 503, busyPage(service, sandbox));
    case 'invalid-request':
    case 'unauthenticated':
    case 'forbidden':
    case 'consent-required':
    case 'not-found':
    case 'conflict':
    case 'idempotency-key-reused':
    case 'rate-limited':
    case 'unsupported-media-type':
      return sendPage(res, 400, unreadablePage(service, sandbox));
    case 'upstream-failure':
    case 'internal':
      return sendPage(res, 500, serverErrorPage(service, sandbox));
    default:
      assertNever(err.code);
  }
}
