// Register queries without per-request XML work, for baseline (b) and for timing the registers directly:
// at start-up the real adapters build (and sign, where they sign) one query per register for each of a
// pool of citizens, sent to a capture server of our own; the bench then replays those documents as they
// are. Nothing is spliced, so a signed query stays valid and the simulators answer every replay in full.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SigningIdentity } from '../adapters/signing.ts';
import { createAdapters, EVIDENCE_TYPES, perEvidenceType, sandboxRegisterIdentities, type EvidenceType } from '../adapters/index.ts';
import { defaultPeriod } from '../broker/evidence/outcome.ts';
import { benchCitizens } from './citizens.ts';

/** Captured query documents per register, one per pool citizen, in the same order for every register. */
export interface RawQueries {
  bodies: Record<EvidenceType, string[]>;
  /** The request headers the adapters sent (content type and the like; not host, length or connection). */
  headers: Record<EvidenceType, Record<string, string>>;
}

const HOP_BY_HOP = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id']);

/**
 * Who signs and whom to trust, handed between the bench's processes: the simulators' process makes the
 * sandbox key set and pins its broker certificate, so every process that talks to them (broker, baselines,
 * this capture) signs with that broker identity and pins the simulators' certificates.
 */
export interface BenchTrust {
  broker: SigningIdentity;
  registerCertificates: Record<EvidenceType, string>;
}

export const REQUESTER = 'elterngeldstelle-bench';
export const SENDER = 'evidence-broker';

export async function captureRawQueries(trust: BenchTrust | null, poolSize = 256): Promise<RawQueries> {
  let captured = '';
  let capturedHeaders: Record<string, string> = {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured = Buffer.concat(chunks).toString('utf8');
      capturedHeaders = Object.fromEntries(
        Object.entries(req.headers).flatMap(([k, v]) => (HOP_BY_HOP.has(k) || typeof v !== 'string' ? [] : [[k, v]])),
      );
      res.writeHead(503, { 'content-type': 'text/plain' }).end('captured');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const adapters = createAdapters({
    baseUrls: perEvidenceType(() => url),
    sender: SENDER,
    ...(trust ? { signing: trust.broker, registerCertificates: trust.registerCertificates } : {}),
  });
  // Without a key set the adapters sign with the sandbox keys: made here, before any call's 5 s deadline starts.
  if (!trust) sandboxRegisterIdentities();
  const out: RawQueries = { bodies: perEvidenceType(() => []), headers: perEvidenceType(() => ({})) };
  try {
    for (const idNr of benchCitizens(poolSize, 21)) {
      const req = { requestId: randomUUID(), idNr, purpose: 'elterngeld' as const, requester: REQUESTER, period: defaultPeriod(new Date()) };
      for (const type of EVIDENCE_TYPES) {
        captured = '';
        // Answered 503 on purpose.
        let failure: unknown;
        await adapters[type].fetchEvidence(req, AbortSignal.timeout(5000)).catch((err: unknown) => {
          failure = err;
        });
        if (captured.length === 0) throw new Error(`could not capture the ${type} query`, { cause: failure });
        out.bodies[type].push(captured);
        out.headers[type] = capturedHeaders;
      }
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return out;
}
