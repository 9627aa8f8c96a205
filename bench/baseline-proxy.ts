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
import { createSignaturePool } from '../adapters/signature-pool.ts';
import { envToConfig, readEnv } from '../broker/config.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../adapters/index.ts';
import { childArgs, serveParent } from './child-process.ts';
import { overall, serveAnswers, xmlAnswer, type Answer } from './proxy-answers.ts';
import { captureRawQueries, type BenchTrust } from './raw-queries.ts';

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

async function rawAnswer(): Promise<Answer> {
  const queries = await captureRawQueries(args.trust);
  let next = 0;
  return async (body) => {
    const types = EVIDENCE_TYPES.filter((t) => body.evidenceTypes.includes(t));
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

const answer =
  args.mode === 'xml'
    ? // The same signature pool as the broker's (SIGNING_THREADS default): the same protocol work, done the same way.
      xmlAnswer({ ...args, signatureOperation: createSignaturePool(envToConfig(readEnv({})).signingThreads) })
    : await rawAnswer();
const { url, server } = await serveAnswers(answer);

serveParent({ url } satisfies ProxyReady, {}, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
