import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { DATABASE_BUSY_RETRY_AFTER_SECONDS, OverloadError } from '../../domain/errors.ts';

/**
 * GET /readyz — ready to serve: the database answers and the audit log holds. Registers are not required (items
 * degrade alone). While the broker drains for shutdown the app answers 503 before this route (createApp).
 */
export default function getReadyz(router: Router, ctx: Context): void {
  router.get('/readyz', async (_req, res) => {
    try {
      await ctx.database.prisma.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    } catch (err) {
      ctx.log.warn({ err }, 'readiness check failed');
      // Not ready is "cannot serve now", so it is the API's 503 overloaded, answered by the one error handler.
      throw new OverloadError(503, 'The database does not answer', DATABASE_BUSY_RETRY_AFTER_SECONDS);
    }
    // NOTE: a broker that found its audit log changed must not go on recording transfers as if it held.
    if (ctx.treeHeads.tamper !== null) throw new OverloadError(503, `The audit log was changed: ${ctx.treeHeads.tamper}`, DATABASE_BUSY_RETRY_AFTER_SECONDS);
    res.json({ status: 'ready', database: ctx.database.target.provider });
  });
}
