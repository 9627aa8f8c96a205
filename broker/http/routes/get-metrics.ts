import type { Router } from 'express';
import type { Context } from '../../context.ts';

/**
 * GET /metrics — Prometheus text format. Holds no personal data; expose it to the monitoring network only. With
 * METRICS_PORT it is served there instead (startBroker), and the main port answers 404.
 */
export default function getMetrics(router: Router, ctx: Context): void {
  if (ctx.cfg.metricsPort !== null) return;
  router.get('/metrics', async (_req, res) => {
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
