// Child process: the baselines the broker is measured against, on plain node:http.
//   mode 'xml' — baseline (a): the same three register calls through the real adapters (build and, where
//                they do, sign the query; send it with the adapters' transport; check, verify and parse the
//                answer; map it to the evidence model). No authentication, authorization, consent,
//                storage, audit or logging.
//   mode 'raw' — baseline (b): the same three calls over the same transport (global fetch), replaying
//                queries the real adapters built once at start-up (raw-queries.ts), the answer read as
//                text and never parsed.
// broker ÷ (a) is what the broker itself costs; (a) ÷ (b) is what the register protocol costs.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapters } from '../adapters/index.ts';
import { createSignaturePool } from '../adapters/signature-pool.ts';
import { envToConfig, readEnv } from '../broker/config.ts';
import type { RegisterRequest } from '../adapters/contract.ts';
import { EVIDENCE_TYPES, type EvidenceType, type Purpose } from '../broker/domain/codes.ts';
import { defaultPeriod } from '../broker/evidence/outcome.ts';
import { childArgs, serveParent } from './child-process.ts';
import { captureRawQueries, REQUESTER, SENDER, type BenchTrust } from './raw-queries.ts';

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

const args = childArgs<ProxyArgs>();

interface Asked {
  idNr: string;
  purpose: Purpose;
  types: EvidenceType[];
}

type Answer = (asked: Asked) => Promise<{ status: 'complete' | 'partial' | 'failed'; body: Record<string, unknown> }>;

function overall(final: number, total: number): 'complete' | 'partial' | 'failed' {
  return final === total ? 'complete' : final === 0 ? 'failed' : 'partial';
}

async function xmlAnswer(): Promise<Answer> {
  // The same signature pool as the broker's (SIGNING_THREADS default): the same protocol work, done the same way.
  const signaturePool = createSignaturePool(envToConfig(readEnv({})).signingThreads);
  const adapters = createAdapters({
    baseUrls: args.registerUrls,
    sender: SENDER,
    signing: args.trust.broker,
    signatureOperation: signaturePool,
    registerCertificates: args.trust.registerCertificates,
  });
  return async ({ idNr, purpose, types }) => {
    const id = randomUUID();
    const req: RegisterRequest = { requestId: id, idNr, purpose, requester: REQUESTER, period: defaultPeriod(new Date()) };
    const settled = await Promise.allSettled(types.map((t) => adapters[t].fetchEvidence(req, AbortSignal.timeout(args.registerTimeoutMs))));
    const evidence = settled.map((s, i) => {
      const type = types[i]!;
      const register = adapters[type].register;
      if (s.status === 'rejected') return { type, status: 'unavailable', provenance: { register, fetchedAt: null } };
      const o = s.value;
      return { type, status: o.status, data: o.status === 'delivered' ? o.data : null, provenance: { register, fetchedAt: o.fetchedAt.toISOString() } };
    });
    const final = evidence.filter((e) => e.status === 'delivered' || e.status === 'not-found').length;
    const status = overall(final, types.length);
    return { status, body: { id, status, period: req.period, evidence } };
  };
}

async function rawAnswer(): Promise<Answer> {
  const queries = await captureRawQueries(args.trust);
  let next = 0;
  return async ({ types }) => {
    const id = randomUUID();
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
    const status = overall(evidence.filter((e) => e.httpStatus === 200).length, types.length);
    return { status, body: { id, status, evidence } };
  };
}

const answer = args.mode === 'xml' ? await xmlAnswer() : await rawAnswer();

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/v1/evidence-requests') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { citizen: { idNr: string }; purpose: Purpose; evidenceTypes: EvidenceType[] };
  const types = EVIDENCE_TYPES.filter((t) => body.evidenceTypes.includes(t));
  const out = await answer({ idNr: body.citizen.idNr, purpose: body.purpose, types });
  res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(out.body));
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
