import type { Router } from 'express';
import type { z } from 'zod';
import type { Context } from '../../context.ts';
import { principalOf } from '../../identity/auth/authenticate.ts';
import { ForbiddenError } from '../../domain/errors.ts';
import { defaultPeriod } from '../../evidence/outcome.ts';
import { StatisticsQuery, parseOrThrow } from '../schemas.ts';
import { computeStatistics, statisticsCsv } from '../../ops/statistics/statistics.ts';

/**
 * GET /v1/statistics — anonymized monthly transaction counts per region and evidence type, for operators'
 * tokens only; JSON, or CSV with `?format=csv` / `Accept: text/csv`; `&dialect=excel-de` for German Excel
 * (semicolons, UTF-8 BOM, decimal comma, CRLF); a dialect alone means CSV.
 */
export default function getStatistics(router: Router, ctx: Context): void {
  router.get('/v1/statistics', async (req, res) => {
    if (principalOf(req).kind !== 'operator') throw new ForbiddenError('Statistics are for operators\' tokens');
    const query: z.infer<typeof StatisticsQuery> = parseOrThrow(StatisticsQuery, req.query, 'query');
    const range = { ...defaultPeriod(ctx.clock()), ...query };
    const stats = await computeStatistics(ctx.database.prisma, { from: range.from, to: range.to }, ctx.cfg.statisticsMinCount);
    const csv =
      query.format === 'csv' ||
      (query.format === undefined && (query.dialect !== undefined || req.accepts(['application/json', 'text/csv']) === 'text/csv'));
    if (csv) {
      res.type('text/csv').attachment(`statistics-${range.from}-${range.to}.csv`).send(statisticsCsv(stats, query.dialect));
      return;
    }
    res.json(stats);
  });
}
