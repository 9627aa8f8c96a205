// Limits that keep the broker answering under abuse or overload, each refusal a clean problem+json:
// 429 with Retry-After per participant (express-rate-limit, per process), 503 with Retry-After when too
// many requests are in flight in this process.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { OverloadError } from './errors.ts';
import type { BrokerMetrics } from './metrics.ts';

/** Probes and metrics stay answerable under load: an orchestrator must see an overloaded broker as alive. */
const EXEMPT = /^\/(healthz|readyz|metrics)$/;

export function inFlightLimit(max: number, metrics: BrokerMetrics): RequestHandler {
  let inFlight = 0;
  return (req: Request, res: Response, next: NextFunction) => {
    if (EXEMPT.test(req.path)) return next();
    if (inFlight >= max) {
      metrics.refusals.inc({ reason: 'in-flight' });
      return next(new OverloadError(503, 'The broker is at its limit of requests in flight; retry shortly', 1));
    }
    inFlight++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        inFlight--;
      }
    };
    res.on('finish', release);
    res.on('close', release);
    next();
  };
}

/** Per authenticated caller (participant, citizen or operator), after authentication. */
export function rateLimitPerCaller(perMinute: number, metrics: BrokerMetrics): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => {
      const p = req.principal;
      if (!p) return 'anonymous';
      return p.kind === 'participant' ? `p:${p.participant.id}` : p.kind === 'operator' ? `o:${p.name}` : `c:${p.idNr}`;
    },
    handler: (req, _res, next) => {
      metrics.refusals.inc({ reason: 'rate-limit' });
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 60;
      next(new OverloadError(429, `At most ${perMinute} requests per minute per caller`, seconds));
    },
  });
}
