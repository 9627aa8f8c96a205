// The last page entry: unknown addresses under the pages' prefixes get a page, not the API's JSON, and
// so do errors thrown by any page handler (logged with their cause, shown without it).
import type { ErrorRequestHandler, Router } from 'express';
import type { Context } from '../context.ts';
import { classifyDatabaseBusy } from '../db/db-errors.ts';
import { DATABASE_BUSY_RETRY_AFTER_SECONDS } from '../errors.ts';
import { busyPage, notFoundPage, serverErrorPage, serviceOfPath, tooLargePage, unreadablePage } from './kit/error-pages.ts';
import { PAGE_PREFIXES, sendPage } from './kit/security.ts';

export default function fallback(router: Router, ctx: Context): void {
  const sandbox = ctx.cfg.demo;
  router.use([...PAGE_PREFIXES], (req, res) => {
    sendPage(res, 404, notFoundPage(serviceOfPath(req.originalUrl), sandbox));
  });
  const onError: ErrorRequestHandler = (err, req, res, next) => {
    if (!PAGE_PREFIXES.some((p) => req.path === p || req.path.startsWith(`${p}/`))) return next(err);
    if (res.headersSent) return next(err);
    const service = serviceOfPath(req.path);
    const status = (err as { status?: unknown }).status;
    if (status === 413) return sendPage(res, 413, tooLargePage(service, sandbox));
    if (typeof status === 'number' && status >= 400 && status < 500) return sendPage(res, 400, unreadablePage(service, sandbox));
    // A saturated database is an overload, as in the API (broker/errors.ts): 503 with Retry-After.
    const busy = classifyDatabaseBusy(err);
    if (busy) {
      ctx.metrics.databaseBusy.inc({ cause: busy.cause });
      ctx.log.warn({ dbBusy: busy, method: req.method, route: req.route?.path }, 'database busy; page answered 503'); // codes only
      res.set('Retry-After', String(DATABASE_BUSY_RETRY_AFTER_SECONDS));
      return sendPage(res, 503, busyPage(service, sandbox));
    }
    ctx.log.error({ err, method: req.method, route: req.route?.path }, 'page failed');
    sendPage(res, 500, serverErrorPage(service, sandbox));
  };
  router.use(onError);
}
