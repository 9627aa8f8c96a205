// Child process: the baselines, on plain node:http. (a) 'xml': the same register calls through the real adapters
// and nothing else, so broker ÷ (a) is the broker's cost; (b) 'raw': the same calls replaying queries the adapters
// built once, answers unparsed, so (a) ÷ (b) is the register protocol's cost.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapters } from '../adapters/index.ts';
import { createSignaturePool } from '../adapters/signature-pool.ts';
import { envToConfig, readEnv } from '../broker/config/config.ts';
import { type Purpose } from '../broker/domain/codes.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../adapters/index.ts';
import { childArgs, serveParent } from './child-process.ts';
import { captureRawQueries, lastTwelveMonths, REQUESTER, SENDER, type BenchTrust } from './register-queries.ts';

/** What the parent passes. */
export interface ProxyArgs {
  mode: 'xml' | 'raw';
  registerUrls: Record<EvidenceType, string>;
  trust: BenchTrust;
  registerTimeoutMs: number;
}

/** What the parent learns when the proxy is up. */
export interface ProxyReady {
  url: string;
}

type BenchBody = { citizen: { idNr: string }; purpose: Purpose; evidenceTypes: EvidenceType[] };
type Answer = (body: BenchBody) => Promise<Record<string, unknown>>;

const overall = (final: number, total: number) => (final === total ? 'complete' : final === 0 ? 'failed' : 'partial');
const args = childArgs<ProxyArgs>();

function xmlAnswer(): Answer {
  // The broker's signature pool (SIGNING_THREADS default): the same protocol work, done the same way.
  const adapters = createAdapters({
    baseUrls: args.registerUrls,
    sender: SENDER,
    signing: args.trust.broker,
    signatureOperation: createSignaturePool(envToConfig(readEnv({})).signingThreads),
    registerCertificates: args.trust.registerCertificates,
  });
  return async (body) => {
    const types = EVIDENCE_TYPES.filter((t) => body.evidenceTypes.includes(t));
    const req = { requestId: randomUUID(), idNr: body.citizen.idNr, purpose: body.purpose, requester: REQUESTER, period: lastTwelveMonths(new Date()) };
    const settled = await Promise.allSettled(types.map((t) => adapters[t].fetchEvidence(req, AbortSignal.timeout(args.registerTimeoutMs))));
    const evidence = settled.map((s, i) => {
      const type = types[i]!;
      const register = adapters[type].register;
      if (s.status === 'rejected') return { type, status: 'unavailable', provenance: { register, fetchedAt: null } };
      const o = s.value;
      return { type, status: o.status, data: o.status === 'delivered' ? o.data : null, provenance: { register, fetchedAt: o.fetchedAt.toISOString() } };
    });
    const final = evidence.filter((e) => e.status === 'delivered' || e.status === 'not-found').length;
    return { id: req.requestId, status: overall(final, types.length), period: req.period, evidence };
  };
}

async function rawAnswer(): Promise<Answer> {
  const queries = await captureRawQueries(args.trust);
  let next = 0;
  return async (body) => {
    const types = EVIDENCE_TYPES.filter((t) => body.evidenceTypes.includes(t));
    const k = next++;
    const settled = await Promise.allSettled(
      types.map(async (t) => {
        const pool = queries.bodies[t];
        const res = await fetch(args.registerUrls[t], {
          method: 'POST',
          headers: queries.headers[t],
          body: pool[k % pool.length]!,
          signal: AbortSignal.timeout(args.registerTimeoutMs),
          redirect: 'manual',
        });
        const text = await res.text();
        return { type: t, httpStatus: res.status, bytes: text.length };
      }),
    );
    const evidence = settled.map((s, i) => (s.status === 'fulfilled' ? s.value : { type: types[i]!, httpStatus: 0, bytes: 0 }));
    return { id: randomUUID(), status: overall(evidence.filter((e) => e.httpStatus === 200).length, types.length), evidence };
  };
}

const answer = args.mode === 'xml' ? xmlAnswer() : await rawAnswer();

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/v1/evidence-requests') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const out = await answer(JSON.parse(Buffer.concat(chunks).toString('utf8')) as BenchBody);
  res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(out));
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => {
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

serveParent({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } satisfies ProxyReady, {}, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
