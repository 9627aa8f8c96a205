// The bench's key set, the register instances it asks and the register queries the real adapters build.
// Baseline (b) replays such queries as they are (nothing spliced, so a signed query stays valid); the
// signature floor signs the same bytes.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegisterAdapter } from '../adapters/contract.ts';
import type { SandboxInstance } from '../adapters/evidence-type.ts';
import { createAdapter, EVIDENCE_TYPE_LIST, EVIDENCE_TYPES, evidenceTypeOf, type EvidenceType } from '../adapters/index.ts';
import { sandboxBrokerIdentity, sandboxSigningIdentity } from '../adapters/sandbox-trust.ts';
import { signatureProfileOf, type SigningIdentity } from '../adapters/signing-keys.ts';
import type { SignatureOperation } from '../adapters/signing.ts';
import { jurisdictionKeys } from '../broker/directory/register-instance.ts';
import { jurisdictionKey } from '../broker/directory/routing.ts';
import { SANDBOX_ROUTING } from '../broker/directory/sandbox-directory.ts';
import { benchCitizens } from './citizens.ts';

export type { SigningIdentity };

/** The broker's signing identities, one per crypto profile: an instance's certificate picks which one signs. */
export interface BrokerKeys {
  rsa: SigningIdentity;
  ecdsa: SigningIdentity;
}

/** A sandbox instance of an evidence type with the key it signs its answers with. */
export interface KeyedInstance extends SandboxInstance {
  evidenceType: EvidenceType;
  signing: SigningIdentity;
}

/** The bench's one key set, made by the parent and handed to every process: the broker's and each sandbox instance's. */
export interface BenchKeys {
  broker: BrokerKeys;
  instances: KeyedInstance[];
}

/** The bench's key set: this process's sandbox identities (one CA) for the broker and every sandbox instance. */
export async function benchKeys(): Promise<BenchKeys> {
  const broker = { rsa: await sandboxBrokerIdentity('rsa-pss-sha256'), ecdsa: await sandboxBrokerIdentity('ecdsa-p256-sha256') };
  const instances = await Promise.all(
    EVIDENCE_TYPE_LIST.flatMap((t) => t.sandboxInstances.map(async (i) => ({ ...i, evidenceType: t.code, signing: await sandboxSigningIdentity(i.id, i.profile) }))),
  );
  return { broker, instances };
}

/** What the bench sends as `routing` with every request (all types need their hint). */
export const BENCH_ROUTING = SANDBOX_ROUTING;

/**
 * The instance of each type the broker's routing picks for BENCH_ROUTING: the one whose jurisdiction (as the
 * sandbox directory records it) holds the key those hints give. Baselines (a) and (b) ask these, like for like.
 */
export function routedInstances<I extends { evidenceType: EvidenceType; values: readonly string[] }>(instances: readonly I[]): Record<EvidenceType, I> {
  return byType((type) => {
    const rule = evidenceTypeOf(type).routing;
    const key = jurisdictionKey(rule, BENCH_ROUTING);
    const found = instances.find((i) => i.evidenceType === type && key !== null && jurisdictionKeys({ jurisdiction: { kind: rule.kind, values: [...i.values] } }).includes(key));
    if (found === undefined) throw new Error(`no bench instance of ${type} is responsible for the routing hints ${JSON.stringify(BENCH_ROUTING)}`);
    return found;
  });
}

/** A register instance as an adapter needs it. */
export interface AskedInstance {
  id: string;
  evidenceType: EvidenceType;
  url: string;
  certificate: string;
}

/**
 * The real adapter of one instance, made as the broker makes it (broker/directory/register-clients.ts): the
 * instance id as recipient, the broker key of the instance's crypto profile, the instance's certificate pinned.
 */
export function instanceAdapter(instance: AskedInstance, broker: BrokerKeys, signatureOperation?: SignatureOperation): RegisterAdapter {
  return createAdapter(instance.evidenceType, {
    baseUrl: instance.url,
    recipient: instance.id,
    sender: SENDER,
    signing: signatureProfileOf(instance.certificate) === 'rsa-pss-sha256' ? broker.rsa : broker.ecdsa,
    ...(signatureOperation ? { signatureOperation } : {}),
    registerCertificates: () => [instance.certificate],
  }) as RegisterAdapter;
}

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

/** Lets the real adapters of the given instances send to a server of ours (answering 503) and keeps what they sent. */
export async function captureRawQueries(broker: BrokerKeys, instances: Record<EvidenceType, Omit<AskedInstance, 'url'>>, poolSize = 256): Promise<RawQueries> {
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
  const adapters = byType((t) => instanceAdapter({ ...instances[t], url }, broker));
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
