// The HTTP server: middleware order, routes, problem+json errors. No business logic here.
import { compileDefinedSchemas } from '../../adapters/xml-schemas.ts';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import https from 'node:https';
import express, { type NextFunction, type Request, type Response } from 'express';
import { authenticate } from '../identity/auth/authenticate.ts';
import type { Config } from '../config/config.ts';
import { createContext, type Context, type ContextOverrides } from '../context.ts';
import { BrokerError, NotFoundError, OverloadError, ValidationError } from '../domain/errors.ts';
import { problemMiddleware } from './problem-response.ts';
import { firstDuplicateKey } from './json-duplicate-keys.ts';
import { retireDemoData } from '../ops/demo-identities.ts';
import { purgeExpired } from '../ops/lifecycle.ts';
import { hasBody, inFlightLimit, limitConnectionsPerClient, rateLimitPerAddress, rateLimitPerCaller } from './load-limits.ts';
import { formBody, PAGE_PREFIXES } from '../pages/kit/security.ts';
import { pages } from '../pages/index.ts';
import { authenticatedRoutes, publicRoutes, transparencyRoutes } from './routes/index.ts';
import { XML_BODY_LIMIT_BYTES, XML_MEDIA_TYPES } from './xml-api/namespace.ts';
import { sentXml, takesXmlBody } from './xml-api/negotiation.ts';

const JSON_LIMIT = '64kb';
const COSIGNATURES_PATH = '/v1/audit/checkpoint/cosignatures';
const COSIGNATURE_BODY_LIMIT = '4kb';

/** Seconds a caller is asked to wait when it reached a broker that is shutting down (another instance, or this one restarted, serves then). */
const DRAINING_RETRY_AFTER_SECONDS = 5;

/**
 * @param draining whether the broker is draining for shutdown: then every new request but /healthz and /metrics
 *   is answered 503 (problem+json, Retry-After, connection closed) — /readyz too, so a load balancer stops
 *   sending traffic while requests already in flight finish.
 */
export function createApp(ctx: Context, draining: () => boolean = () => false): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog(ctx));
  app.use((req, res, next) => {
    if (!draining() || req.path === '/healthz' || req.path === '/metrics') {
      next();
      return;
    }
    res.set('Connection', 'close');
    next(new OverloadError(503, 'The broker is shutting down', DRAINING_RETRY_AFTER_SECONDS));
  });
  const inFlight = inFlightLimit(ctx.cfg.maxInFlight, ctx.metrics);
  app.use(inFlight);
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', ...(ctx.cfg.tls ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}) });
    next();
  });

  const web = express.Router();
  // Page forms are read by each realm's body parser; a request with a body counts in flight once it is read.
  web.use([...PAGE_PREFIXES], formBody, inFlight.afterBody);
  for (const page of pages) page(web, ctx);
  app.use(web);

  const open = express.Router();
  for (const route of publicRoutes) route(open, ctx);
  app.use(open);

  const transparency = express.Router();
  transparency.use(['/v1/audit/entries', '/v1/audit/proofs', '/v1/audit/checkpoint', '/v1/audit/log-key'], rateLimitPerAddress(ctx.cfg.rateLimitPerMinute, ctx.metrics));
  // The one transparency route with a body (a witness's cosignature): a small JSON body, read after the limit.
  transparency.post(
    COSIGNATURES_PATH,
    express.json({ limit: COSIGNATURE_BODY_LIMIT, strict: true, type: ['application/json'], verify: noteDuplicateKeys }),
    refuseDuplicateKeys,
    inFlight.afterBody,
  );
  for (const route of transparencyRoutes) route(transparency, ctx);
  app.use(transparency);

  // Everything under /v1 is the JSON API: the caller is identified from the headers (401 before any body is
  // read), then the body is read and typed, then the route.
  const api = express.Router();
  api.use(
    '/v1',
    requireJsonBody,
    authenticate({ tokens: ctx.tokens, certificates: ctx.certificates, participants: ctx.participants, refuseDemoTokens: ctx.cfg.mode === 'production' }),
    rateLimitPerCaller(ctx.cfg.rateLimitPerMinute, ctx.metrics),
    express.json({ limit: JSON_LIMIT, strict: true, type: ['application/json', 'application/*+json'], verify: noteDuplicateKeys }),
    refuseDuplicateKeys,
    // XML stays raw bytes here (never inflated): the route decodes it strictly as UTF-8 and validates it.
    express.raw({ limit: XML_BODY_LIMIT_BYTES, inflate: false, type: [...XML_MEDIA_TYPES] }),
    inFlight.afterBody,
  );
  for (const route of authenticatedRoutes) route(api, ctx);
  app.use(api);

  // NOTE: the detail never repeats the path: an encoded path may carry an IdNr.
  app.use((req, _res, next) => next(new NotFoundError(`${req.method} on this address`)));
  app.use(problemMiddleware(ctx.log, ctx.metrics, ctx.cfg.problemBaseUrl));
  return app;
}

/** A body-carrying request must say it is JSON (or XML, where a route takes XML); anything else is refused before parsing. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (hasBody(req) && !req.is(['application/json', 'application/*+json']) && !(sentXml(req) && takesXmlBody(req))) {
    return next(new BrokerError(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json (or application/xml to POST /v1/evidence-requests)'));
  }
  next();
}

const duplicateKeys = new WeakMap<Request, string>();

/** Notes a key named twice in one object of a JSON body (express.json's verify step sees the raw text). */
function noteDuplicateKeys(req: Request, _res: Response, buf: Buffer): void {
  const key = firstDuplicateKey(buf.toString('utf8'));
  if (key !== null) duplicateKeys.set(req, key);
}

/** A JSON body with a key twice in one object is refused (400) before any route reads it. */
function refuseDuplicateKeys(req: Request, _res: Response, next: NextFunction): void {
  const key = duplicateKeys.get(req);
  if (key === undefined) return next();
  next(new ValidationError('The JSON body names a key twice in one object', [{ name: 'body', reason: `duplicate key ${JSON.stringify(key.slice(0, 40))}` }]));
}

/** One log line and the HTTP metrics per request: route pattern (never the URL, which may hold an IdNr), status, duration. */
function requestLog(ctx: Context) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const requestId = req.get('x-request-id')?.match(/^[\w.-]{1,64}$/)?.[0] ?? randomUUID();
    res.set('X-Request-Id', requestId);
    res.on('finish', () => {
      const route: string = req.route?.path ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      ctx.metrics.httpRequests.inc({ method: req.method, route, status: res.statusCode });
      ctx.metrics.httpDuration.observe({ method: req.method, route }, seconds);
      // A flood of refusals (429) is counted in the metrics, not written line by line.
      ctx.log[res.statusCode === 429 ? 'debug' : 'info'](
        {
          requestId,
          method: req.method,
          route,
          status: res.statusCode,
          ms: seconds * 1000,
          caller: req.principal?.kind === 'participant' ? req.principal.participant.id : req.principal?.kind,
        },
        'request',
      );
    });
    next();
  };
}

/** A running broker. */
export interface RunningBroker {
  url: string;
  port: number;
  ctx: Context;
  app: express.Express;
  server: Server;
  /** With METRICS_PORT: the separate server's base URL (its /metrics); null when /metrics is on the main port. */
  metricsUrl: string | null;
  close(drainMs?: number): Promise<void>;
}

/** METRICS_PORT's server: GET /metrics and nothing else (404), plain HTTP — for the monitoring network only. */
async function startMetricsServer(ctx: Context, host: string, port: number): Promise<Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: this port serves GET /metrics only\n');
      return;
    }
    ctx.metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => {
        ctx.log.error({ err }, 'collecting metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Collecting the metrics failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** A job run every `ms` (timer unref'd), never twice at once: a run still going when the next is due skips that turn. */
function scheduled(ms: number, job: () => Promise<unknown>): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= job().then(
      () => {
        running = null;
      },
      () => {
        running = null;
      },
    );
  }, ms);
  timer.unref();
  return {
    /** No run starts after this; resolves once the one under way (if any) has ended. */
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

export async function startBroker(cfg: Config, overrides: ContextOverrides = {}): Promise<RunningBroker> {
  const ctx = await createContext(cfg, overrides);
  // Every XML schema compiled now, not inside the first request's register deadline.
  compileDefinedSchemas();
  if (cfg.mode === 'production') await retireDemoData(ctx);
  // Recover before serving: async requests a crashed process held are resumed, expired answers erased.
  // The audit tree must extend the last head this broker signed (database, and the file beside the key): a
  // rewritten history is found now, before anything is served (then /readyz answers 503 and nothing is signed).
  await ctx.treeHeads.sign();
  const recovered = await ctx.evidence.sweep();
  if (recovered.resumed + recovered.abandoned > 0) ctx.log.info(recovered, 'recovered unfinished evidence requests');
  const sweeper = scheduled(cfg.sweepIntervalMs, async () => {
    await Promise.all([
      ctx.evidence.sweep().catch((err: unknown) => ctx.log.error({ err }, 'sweep failed')),
      ctx.checkpoints.createIfDue(cfg.checkpointIntervalSeconds * 1000).catch((err: unknown) => ctx.log.error({ err }, 'checkpoint failed')),
      ctx.treeHeads.signIfDue(cfg.checkpointIntervalSeconds * 1000).catch((err: unknown) => ctx.log.error({ err }, 'signing the audit tree head failed')),
    ]);
  });
  const purge = async () => {
    const purged = await purgeExpired(ctx.database.prisma, ctx.clock(), cfg.requestRetentionDays);
    if (purged.requests + purged.auditDetails > 0) ctx.log.info(purged, 'expired data deleted');
  };
  const purger = scheduled(cfg.purgeIntervalMs, () => purge().catch((err: unknown) => ctx.log.error({ err }, 'purge failed')));
  const stopJobs = () => Promise.all([sweeper.stop(), purger.stop()]);
  try {
    await purge();
  } catch (err) {
    await stopJobs();
    await ctx.close();
    throw err;
  }
  // Draining: set on close(); new requests are answered 503 while the ones begun before it finish.
  let draining = false;
  const app = createApp(ctx, () => draining);
  // A client must send its whole request within these limits, checked every second (Node's default: 30 s).
  const timeouts = { requestTimeout: cfg.requestTimeoutMs, headersTimeout: cfg.headersTimeoutMs, connectionsCheckingInterval: 1000 };
  const server: Server = cfg.tls
    ? https.createServer(
        {
          ...timeouts,
          cert: readFileSync(cfg.tls.certFile),
          key: readFileSync(cfg.tls.keyFile),
          ca: readFileSync(cfg.tls.clientCaFile),
          // Client certificates are asked for, and checked in authentication (refused with 401 there),
          // so browsers and token callers without one still reach the pages and the token paths.
          requestCert: true,
          rejectUnauthorized: false,
          minVersion: 'TLSv1.2',
          // A client that never finishes its TLS handshake holds a socket no longer than one that never sends headers.
          handshakeTimeout: cfg.headersTimeoutMs,
        },
        app,
      )
    : http.createServer(timeouts, app);
  limitConnectionsPerClient(server, cfg.maxConnectionsPerClient, ctx.metrics);
  // Requests begun before the drain, still being answered: the drain waits for these (not for its own 503s).
  let unfinished = 0;
  let onFinished: (() => void) | null = null;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (draining) return;
    unfinished += 1;
    res.once('close', () => {
      unfinished -= 1;
      if (unfinished === 0) onFinished?.();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(cfg.port, cfg.host, () => resolve());
    });
  } catch (err) {
    // NOTE: a port taken must not leave the jobs running on an open database in this process.
    await stopJobs();
    await ctx.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  let metricsServer: Server | null = null;
  if (cfg.metricsPort !== null) {
    try {
      metricsServer = await startMetricsServer(ctx, cfg.host, cfg.metricsPort);
    } catch (err) {
      await new Promise((resolve) => server.close(resolve));
      await stopJobs();
      await ctx.close();
      throw err;
    }
  }
  const hostInUrl = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  return {
    url: `${cfg.tls ? 'https' : 'http'}://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${port}`,
    port,
    ctx,
    app,
    server,
    metricsUrl: metricsServer ? `http://${hostInUrl}:${(metricsServer.address() as AddressInfo).port}` : null,
    /**
     * Graceful: first drain — requests in flight finish while every new one (and /readyz) is answered 503 with
     * Retry-After, so load balancers take this instance out; then stop accepting, let the last connections and
     * the async work this process started end, and close the database. Connections still busy after the drain
     * deadline are cut.
     */
    async close(drainMs = cfg.registerTimeoutMs + 5_000) {
      const deadlineAt = Date.now() + drainMs;
      draining = true;
      // A sweep under way may be handing over requests to resume: it ends before the drain waits for them.
      const jobsStopped = stopJobs();
      if (unfinished > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (onFinished = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs))),
        ]);
        clearTimeout(timer);
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections turn idle once their request is answered: close them as they do.
      const reaper = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const deadline = setTimeout(() => server.closeAllConnections(), Math.max(0, deadlineAt - Date.now()));
      await closed;
      await jobsStopped;
      await ctx.evidence.drain();
      clearInterval(reaper);
      clearTimeout(deadline);
      if (metricsServer) {
        const metricsClosed = new Promise((resolve) => metricsServer.close(resolve));
        metricsServer.closeAllConnections();
        await metricsClosed;
      }
      await ctx.close();
    },
  };
}
