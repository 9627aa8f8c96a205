// The bench's key set and the register queries the real adapters build. Baseline (b) replays such queries
// as they are (nothing spliced, so a signed query stays valid); the signature floor signs the same bytes.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapters } from '../adapters/index.ts';
import { sandboxTrust, type SandboxTrust } from '../adapters/sandbox-trust.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../adapters/index.ts';
import { benchCitizens } from './citizens.ts';

/** A private key (PKCS#8 PEM) and its certificate (PEM). */
export type SigningIdentity = SandboxTrust['broker'];

/** What the broker and baseline (a) sign with and pin: the bench's one key set, made by the parent. */
export interface BenchTrust {
  broker: SigningIdentity;
  registerCertificates: Record<EvidenceType, string>;
}

/** The bench's key set: a CA, the broker and one identity per register. */
export const benchKeys = (): SandboxTrust => sandboxTrust();

/** Captured query documents per register, one per pool citizen, and the headers the adapters sent. */
export interface RawQueries {
  bodies: Record<EvidenceType, string[]>;
  headers: Record<EvidenceType, Record<string, string>>;
}

export const REQUESTER = 'elterngeldstelle-bench';
export const SENDER = 'evidence-broker';
const HOP_BY_HOP = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id']);

/** The twelve months before `now`, as the broker asks by default. */
export function lastTwelveMonths(now: Date): { from: string; to: string } {
  const month = (m: number) => new Date(Date.UTC(now.getUTCFullYear(), m, 1)).toISOString().slice(0, 7);
  return { from: month(now.getUTCMonth() - 12), to: month(now.getUTCMonth() - 1) };
}

export const byType = <V>(value: (type: EvidenceType) => V) =>
  Object.fromEntries(EVIDENCE_TYPES.map((t) => [t, value(t)])) as Record<EvidenceType, V>;

/** Lets the real adapters send to a server of ours (answering 503) and keeps what they sent. */
export async function captureRawQueries(trust: BenchTrust, poolSize = 256): Promise<RawQueries> {
  let captured = '';
  let capturedHeaders: Record<string, string> = {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured = Buffer.concat(chunks).toString('utf8');
      capturedHeaders = Object.fromEntries(Object.entries(req.headers).flatMap(([k, v]) => (HOP_BY_HOP.has(k) || typeof v !== 'string' ? [] : [[k, v]])));
      res.writeHead(503, { 'content-type': 'text/plain' }).end('captured');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const adapters = createAdapters({ baseUrls: byType(() => url), sender: SENDER, signing: trust.broker, registerCertificates: trust.registerCertificates });
  const out: RawQueries = { bodies: byType(() => []), headers: byType(() => ({})) };
  try {
    for (const idNr of benchCitizens(poolSize, 21)) {
      const req = { requestId: randomUUID(), idNr, purpose: 'elterngeld' as const, requester: REQUESTER, period: lastTwelveMonths(new Date()) };
      for (const type of EVIDENCE_TYPES) {
        captured = '';
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
