// Fifth step: the answer, its items and its audit entry commit together — no audit entry, no evidence.
// Group commit (broker/audit/group-commit.ts): concurrent answers share one transaction and one advance of
// the chain's head; each is answered only after that COMMIT.
import type { CommitWork } from '../audit/group-commit.ts';
import { ConflictError } from '../domain/errors.ts';
import { answerOf, auditItem, basisOf, stripTicket, storedItem, type EvidenceAnswer, type FetchedItem } from './evidence-answer.ts';
import type { EvidenceRequestStore, HeldRequest } from './evidence-request-store.ts';
import { requestStatus } from './outcome.ts';
import { seal } from './sealed-answer.ts';

/** The part of the audit log the evidence path writes through. */
export interface AuditCommit {
  commit<T>(work: CommitWork<T>): Promise<T>;
}

export interface CommitDeps {
  requests: EvidenceRequestStore;
  audit: AuditCommit;
  clock: () => Date;
  dataKey: Buffer;
  resultRetentionHours: number;
}

/** Commits the answer of a request this process holds; on failure lets go of it so a retry need not wait. */
export async function commitAnswer(deps: CommitDeps, request: HeldRequest, items: FetchedItem[]): Promise<EvidenceAnswer> {
  try {
    return await writeAnswer(deps, request, items);
  } catch (err) {
    letGo(deps, request);
    throw err;
  }
}

function writeAnswer(deps: CommitDeps, request: HeldRequest, items: FetchedItem[]): Promise<EvidenceAnswer> {
  const { clock } = deps;
  const status = requestStatus(items);
  const basis = basisOf(request);
  // An answer the caller may ask for again (idempotent replay, async delivery) is held, sealed.
  const holdResult = request.mode === 'async' || request.idempotencyKeyHash !== null;
  return deps.audit.commit(async (tx, record) => {
    const seq = record({
      kind: 'transfer',
      at: clock(),
      citizenIdNr: request.citizenIdNr,
      actorId: request.participantId,
      requestId: request.id,
      consentId: request.consentId,
      details: {
        purpose: request.purpose,
        caseReference: request.caseReference,
        basis,
        outcome: status,
        items: items.map(auditItem),
        ...(request.onBehalfOf ? { onBehalfOf: request.onBehalfOf } : {}),
      },
    });
    const answer = answerOf(request, items.map(stripTicket), seq, status);
    const now = clock();
    const resultCipher = holdResult ? seal(answer, deps.dataKey, request.id) : null;
    const resultExpiresAt = holdResult ? new Date(now.getTime() + deps.resultRetentionHours * 3_600_000) : null;
    // Only the holder may answer: if the lock was taken over meanwhile, this transaction rolls back.
    const answered = await deps.requests.recordAnswer(tx, request, { status, answeredAt: now, auditSeq: seq, resultCipher, resultExpiresAt }, items.map(storedItem));
    if (!answered) throw new ConflictError('Another broker process answered this request first', 1);
    return answer;
  });
}

/**
 * After a failed commit nothing was recorded: the request is let go of at once, so that a retry with the same
 * Idempotency-Key (or the sweep) takes it over now. The database may still be busy: background, a few tries.
 */
function letGo(deps: CommitDeps, request: HeldRequest): void {
  const attempt = async (left: number): Promise<void> => {
    try {
      await deps.requests.letGo(request.id, request.lockToken, deps.clock());
    } catch {
      if (left === 0) return; // the lock runs out by itself
      await new Promise((resolve) => setTimeout(resolve, 500).unref());
      await attempt(left - 1);
    }
  };
  void attempt(6);
}
