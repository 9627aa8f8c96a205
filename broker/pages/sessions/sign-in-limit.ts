// Sign-in attempts per client address: the per-account lock-out stops guessing one name, this stops one
// address from trying many names (or many IdNrs) in a row. Counted per broker process.
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { BrokerMetrics } from '../../ops/metrics.ts';
import { tooManyAttemptsPage } from '../kit/error-pages.ts';
import type { Service } from '../kit/layout.ts';
import { sendPage } from '../kit/security.ts';

export function signInAttemptLimit(perMinute: number, service: Service, sandbox: boolean, metrics: BrokerMetrics): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => {
      metrics.refusals.inc({ reason: 'sign-in-attempts' });
      res.set('Retry-After', '60');
      sendPage(res, 429, tooManyAttemptsPage(service, sandbox));
    },
  });
}
