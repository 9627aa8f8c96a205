// Recording a request before any register is called, and resolving a repeated Idempotency-Key: replay the
// first answer, refuse a different request or one still in progress, or take over one whose holder died.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Permission } from '../../consent/policy.ts';
import { canonicalJson } from '../audit/chain.ts';
import type { Participant } from '../identity/auth/principal.ts';
import type { EvidenceType } from '../../adapters/index.ts';
import { BrokerError, ConflictError } from '../domain/errors.ts';
import type { EvidenceRequestBody } from '../http/schemas.ts';
import type { EvidenceAnswer } from './evidence-answer.ts';
import type { EvidenceRequestStore, HeldRequest } from './evidence-request-store.ts';
import { neededHints } from '../directory/routing.ts';
import { defaultPeriod } from './outcome.ts';
import { unseal } from './sealed-answer.ts';

/** A repeated Idempotency-Key with another request: refused, never answered with the first request's data. */
export class IdempotencyMismatchError extends BrokerError {
  constructor() {
    super(422, 'idempotency-key-reused', 'Idempotency-Key reused', 'This Idempotency-Key was used for a different request');
  }
}

/** What recording ended in: this process holds the request now, or the first answer is replayed. */
export type Claim = { kind: 'claimed'; request: HeldRequest } | { kind: 'replayed'; answer: EvidenceAnswer };

export interface ClaimDeps {
  requests: EvidenceRequestStore;
  dataKey: Buffer;
  clock: () => Date;
  /** How long a process may hold a request before another may take it over. */
  lockMs: number;
}

/** The POST's options that shape the recorded request. */
export interface RequestOptions {
  idempotencyKey?: string | undefined;
  respondAsync?: boolean | undefined;
  onBehalfOf?: string | undefined;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A fresh lock on a request for this process. */
export function newLock(now: Date, lockMs: number): { lockToken: string; lockedUntil: Date } {
  return { lockToken: randomBytes(16).toString('hex'), lockedUntil: new Date(now.getTime() + lockMs) };
}

/** The request as it is recorded, in progress and held by this process. */
export function newRequest(participant: Participant, body: EvidenceRequestBody, opts: RequestOptions, types: EvidenceType[], permission: Permission, now: Date, lockMs: number): HeldRequest {
  const period = body.period ?? defaultPeriod(now);
  const hints = neededHints(types, body.routing);
  return {
    id: randomUUID(),
    participantId: participant.id,
    citizenIdNr: body.citizen.idNr,
    purpose: body.purpose,
    caseReference: body.caseReference,
    onBehalfOf: opts.onBehalfOf ?? null,
    periodFrom: period.from,
    periodTo: period.to,
    consentId: permission.basis === 'consent' ? permission.consentId : null,
    legalBasis: permission.basis === 'legal-basis' ? permission.legalBasis : null,
    status: 'in-progress',
    createdAt: now,
    answeredAt: null,
    auditSeq: null,
    evidenceTypes: types,
    mode: opts.respondAsync ? 'async' : 'sync',
    idempotencyKeyHash: opts.idempotencyKey === undefined ? null : sha256(opts.idempotencyKey),
    requestHash: sha256(canonicalJson({ ...body, evidenceTypes: types, period, respondAsync: opts.respondAsync === true })),
    ...newLock(now, lockMs),
    resultCipher: null,
    resultExpiresAt: null,
    routing: Object.keys(hints).length === 0 ? null : hints,
  };
}

/**
 * Records the request, or resolves a repeat of its Idempotency-Key.
 * NOTE: recorded before any register is called: a crash leaves an unanswered row and no audit entry; with an
 * Idempotency-Key the unique index makes one request of concurrent repeats.
 */
export async function claim(deps: ClaimDeps, request: HeldRequest): Promise<Claim> {
  if ((await deps.requests.insert(request)) === 'inserted') return { kind: 'claimed', request };
  const existing = await deps.requests.findByIdempotencyKey(request.participantId, request.idempotencyKeyHash!);
  if (!existing) throw new ConflictError('A request with this Idempotency-Key is being recorded; retry');
  if (existing.requestHash !== request.requestHash) throw new IdempotencyMismatchError();
  const now = deps.clock();
  if (existing.status !== 'in-progress' && existing.status !== 'abandoned') {
    if (!existing.resultCipher || (existing.resultExpiresAt && existing.resultExpiresAt <= now)) {
      throw new ConflictError('The answer to this Idempotency-Key is no longer held; send a new request with a new key');
    }
    return { kind: 'replayed', answer: unseal<EvidenceAnswer>(existing.resultCipher, deps.dataKey, existing.id) };
  }
  const lock = newLock(now, deps.lockMs);
  if (existing.lockedUntil && existing.lockedUntil > now && existing.status === 'in-progress') {
    throw new ConflictError('A request with this Idempotency-Key is still in progress', Math.ceil((existing.lockedUntil.getTime() - now.getTime()) / 1000));
  }
  // The process that held it died (its lock ran out): take it over, compare-and-set on the old lock. It goes
  // ahead under the permission decided now, which its row and audit entry then name.
  const basis = { consentId: request.consentId, legalBasis: request.legalBasis };
  if (!(await deps.requests.reopen(existing.id, existing.lockToken, lock.lockToken, lock.lockedUntil, basis))) {
    throw new ConflictError('A request with this Idempotency-Key is still in progress', 1);
  }
  return { kind: 'claimed', request: { ...existing, ...basis, status: 'in-progress', lockToken: lock.lockToken } };
}
