import type { Router } from 'express';
import type { Context } from '../context.ts';

/** GET /v1/audit/verify — recompute the whole chain; reports the first broken link. */
export default function getAuditVerify(router: Router, ctx: Context): void {
  router.get('/v1/audit/verify', async (_req, res) => {
    const result = await ctx.audit.verify();
    res.status(result.ok ? 200 : 409).json(result);
  });
}
