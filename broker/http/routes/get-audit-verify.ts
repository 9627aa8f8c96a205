import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { principalOf } from '../../identity/auth/authenticate.ts';
import { ForbiddenError, OverloadError } from '../../domain/errors.ts';

/** Retry-After while a verification runs: a long chain takes seconds, and one runs at a time. */
const VERIFY_RETRY_AFTER_SECONDS = 5;

/**
 * GET /v1/audit/verify — recompute the whole chain; reports the first broken link. For operators' tokens
 * only (everyone else can check signed checkpoints); it runs in a worker thread, one at a time per process.
 */
export default function getAuditVerify(router: Router, ctx: Context): void {
  router.get('/v1/audit/verify', async (req, res) => {
    if (principalOf(req).kind !== 'operator') throw new ForbiddenError('Recomputing the audit chain is for operators\' tokens; signed checkpoints are at /v1/audit/checkpoints');
    const run = ctx.chainVerification.start();
    if (!run) throw new OverloadError(503, 'A verification of the audit chain is already running on this broker; retry when it has finished', VERIFY_RETRY_AFTER_SECONDS);
    const result = await run;
    res.status(result.ok ? 200 : 409).json(result);
  });
}
