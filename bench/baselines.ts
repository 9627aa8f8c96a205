// Child process: the baselines, on plain node:http. (a) 'xml': the same register calls through the real adapters
// and nothing else, so broker ÷ (a) is the broker's cost; (b) 'raw': the same calls replaying queries the adapters
// built once, answers unparsed, so (a) ÷ (b) is the register protocol's cost. Both ask the instances the broker's
// routing picks for the bench's routing hints, made once: no directory, no routing per request.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSignaturePool } from '../adapters/signature-pool.ts';
import { envToConfig, readEnv } from '../broker/config/config.ts';
import { type Purpose } from '../broker/domain/codes.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../adapters/index.ts';
import type { SimulatorInstance } from '../adapters/simulators.ts';
import { childArgs, serveParent } from './child-process.ts';
import { byType, captureRawQueries, instanceAdapter, lastTwelveMonths, REQUESTER, type BenchKeys } from './register-queries.ts';

/** What the parent passes. */
export interface ProxyArgs {
  mode: 'xml' | 'raw';
  /** The instance each type's items go to: those the broker's routing picks for the bench's routing hints. */
  instances: Record<EvidenceType, SimulatorInstance>;
  /** The broker's signing identities (RSA and ECDSA), which the simulators pin. */
  broker: BenchKeys['broker'];
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
  const pool = createSignaturePool(envToConfig(readEnv({})).signingThreads);
  const adapters = byType((t) => instanceAdapter(args.instances[t], args.broker, pool));
  return async (body) => {
    const types = EVIDENCE_TYPES.filter((t) => body.evidenceTypes.includes(t));
    const req = { requestId: randomUUID(), idNr: body.citizen.idNr, purpose: body.purpose, requester: REQUESTER, period: lastTwelveMonths(new Date()) };
    const settled = await Promise.allSettled(types.map((t) => adapters[t].fetchEvidence(req, AbortSignal.timeout(args.registerTimeoutMs))));
    const evidence = settled.map((s, i) => {
      const type = types[i]!;
      const { id: register, name: registerName } = args.instances[type];
      if (s.status === 'rejected') return { type, status: 'unavailable', provenance: { register, registerName, fetchedAt: null } };
      const o = s.value;
      return { type, status: o.status, data: o.status === 'delivered' ? o.data : null, provenance: { register, registerName, fetchedAt: o.fetchedAt.toISOString() } };
    });
    const final = evidence.filter((e) => e.status === 'delivered' || e.status === 'not-found').length;
    return { id: req.requestId, status: overall(final, types.length), period: req.period, evidence };
  };
}

async function rawAnswer(): Promise<Answer> {
  const queries = await captureRawQueries(args.broker, args.instances);
  let next = 0;
  return async (body) => {
    const types = EVIDENCE_TYPES.filter((t) => body.evidenceTypes.includes(t));
    const k = next++;
    const settled = await Promise.allSettled(
      types.map(async (t) => {
        const pool = queries.bodies[t];
        const res = await fetch(args.instances[t].url, {
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
