// What the baselines answer, as functions: baseline-proxy.ts serves them in a process of their own, and the
// layers section serves (a)'s and the broker's EvidenceService in the broker's process (broker-process.ts),
// beside the broker itself. `serveAnswers` is the bare node:http server around either.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapters } from '../adapters/index.ts';
import type { RegisterRequest } from '../adapters/contract.ts';
import type { SignatureOperation } from '../adapters/signing.ts';
import type { Participant } from '../broker/auth/principal.ts';
import { type Purpose } from '../broker/domain/codes.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../adapters/index.ts';
import type { EvidenceService } from '../broker/evidence/evidence-service.ts';
import { defaultPeriod } from '../broker/evidence/outcome.ts';
import type { EvidenceRequestBody } from '../broker/schemas.ts';
import { REQUESTER, SENDER, type BenchTrust } from './raw-queries.ts';

/** The POST body the bench sends, as far as a baseline reads it. */
export type BenchBody = { citizen: { idNr: string }; purpose: Purpose; evidenceTypes: EvidenceType[] };

export type Answer = (body: BenchBody) => Promise<{ status: 'complete' | 'partial' | 'failed'; body: Record<string, unknown> }>;

export function overall(final: number, total: number): 'complete' | 'partial' | 'failed' {
  return final === total ? 'complete' : final === 0 ? 'failed' : 'partial';
}

/**
 * Baseline (a): the three register calls through the real adapters (build and sign the query, send it, check,
 * verify and parse the answer, map it to the evidence model) and nothing else.
 */
export function xmlAnswer(p: { registerUrls: Record<EvidenceType, string>; trust: BenchTrust; registerTimeoutMs: number; signatureOperation: SignatureOperation }): Answer {
  const adapters = createAdapters({
    baseUrls: p.registerUrls,
    sender: SENDER,
    signing: p.trust.broker,
    signatureOperation: p.signatureOperation,
    registerCertificates: p.trust.registerCertificates,
  });
  return async (body) => {
    const types = EVIDENCE_TYPES.filter((t) => body.evidenceTypes.includes(t));
    const id = randomUUID();
    const req: RegisterRequest = { requestId: id, idNr: body.citizen.idNr, purpose: body.purpose, requester: REQUESTER, period: defaultPeriod(new Date()) };
    const settled = await Promise.allSettled(types.map((t) => adapters[t].fetchEvidence(req, AbortSignal.timeout(p.registerTimeoutMs))));
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

/**
 * The broker's EvidenceService alone, for one participant: directory checks, consent, the request row, the
 * fan-out through the broker's adapters and policies, the group commit with the audit entry. No Express, no
 * authentication, no rate limit, no request log, no schema check of the body.
 */
export function serviceAnswer(evidence: EvidenceService, participant: Participant): Answer {
  return async (body) => {
    const result = await evidence.submit(participant, body as EvidenceRequestBody);
    const status = result.answer.status === 'in-progress' ? 'failed' : result.answer.status;
    return { status, body: result.answer as unknown as Record<string, unknown> };
  };
}

/** A bare node:http server: POST /v1/evidence-requests with a JSON body → 201 with the answer as JSON. */
export async function serveAnswers(answer: Answer): Promise<{ url: string; server: Server }> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST' || req.url !== '/v1/evidence-requests') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const out = await answer(JSON.parse(Buffer.concat(chunks).toString('utf8')) as BenchBody);
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(out.body));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
