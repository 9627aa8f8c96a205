import type { Router } from 'express';
import type { Context } from '../context.ts';

/** GET /readyz — ready to serve: the database answers. Registers are not required (items degrade alone). */
export default function getReadyz(router: Router, ctx: Context): void {
  router.get('/readyz', async (_req, res) => {
    try {
      await ctx.database.prisma.auditHead.findUniqueOrThrow({ where: { id: 1 } });
      res.json({ status: 'ready', database: ctx.database.target.provider });
    } catch (err) {
      ctx.log.warn({ err }, 'readiness check failed');
      res.status(503).type('application/problem+json').json({
        type: 'https://evidence-broker.example/problems/not-ready',
        title: 'Not ready',
        status: 503,
        detail: 'The database does not answer',
        code: 'not-ready',
      });
    }
  });
}
