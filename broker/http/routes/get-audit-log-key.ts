import type { Router } from 'express';
import type { Context } from '../../context.ts';

/** GET /v1/audit/log-key — the log's verifier key in the C2SP note format (`<name>+<key hash>+<base64 key>`). Public. */
export default function getAuditLogKey(router: Router, ctx: Context): void {
  router.get('/v1/audit/log-key', (_req, res) => {
    res.type('text/plain; charset=utf-8').send(`${ctx.treeHeads.logKey}\n`);
  });
}
