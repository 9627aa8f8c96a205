// Limits that keep the broker answering under abuse or overload, each refusal a clean problem+json:
// 429 with Retry-After per participant (express-rate-limit, per process), 503 with Retry-After when too
// many requests are in flight in this process.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { OverloadError } from '../domain/errors.ts';
import type { BrokerMetrics } from '../ops/metrics.ts';

/** Probes and metrics stay answerable under load: an orchestrator must see an overloaded broker as alive. */
const EXEMPT = /^\/(healthz|readyz|metrics)$/;

/**
 * Requests in flight in this process (503 beyond). A request with a body counts only once it is authenticated
 * and its body is read, so a stalled upload holds a connection (bounded per client) but never this capacity.
 * Mount the same limiter wherever bodies are read; it counts each request once.
 */
export function inFlightLimit(max: number, metrics: BrokerMetrics): RequestHandler & { afterBody: RequestHandler } {
  let inFlight = 0;
  const counted = new WeakSet<Request>();
  const admit: RequestHandler = (req, res, next) => {
    if (counted.has(req) || EXEMPT.test(req.path)) return next();
    if (inFlight >= max) {
      metrics.refusals.inc({ reason: 'in-flight' });
      return next(new OverloadError(503, 'The broker is at its limit of requests in flight; retry shortly', 1));
    }
    counted.add(req);
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
  const beforeBody: RequestHandler = (req, res, next) => (hasBody(req) ? next() : admit(req, res, next));
  return Object.assign(beforeBody, { afterBody: admit });
}

/** Whether a request announces a body (which the server has not read yet). */
export function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * Bounds the connections one client address may hold open: a client that opens more (slow bodies, idle
 * sockets) is cut at the door, so it cannot starve the others of sockets or file descriptors.
 */
export function limitConnectionsPerClient(server: Server, max: number, metrics: BrokerMetrics): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      metrics.refusals.inc({ reason: 'connections-per-client' });
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
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

/**
 * Per client address, for the public endpoints that need no token (the audit log's proofs): witnesses and
 * citizens' tools may read them, but no address may make the broker compute proofs without bound.
 */
export function rateLimitPerAddress(perMinute: number, metrics: BrokerMetrics): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, _res, next) => {
      metrics.refusals.inc({ reason: 'rate-limit' });
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 60;
      next(new OverloadError(429, `At most ${perMinute} requests per minute per address`, seconds));
    },
  });
}
