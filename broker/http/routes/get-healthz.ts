import type { Router } from 'express';
import type { Context } from '../../context.ts';

/** GET /healthz — the process is alive (no dependencies checked). */
export default function getHealthz(router: Router, _ctx: Context): void {
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
}
