// A request's later state (GET). An async answer is delivered (sealed copy) until it expires; pending items
// are asked about again, and an item that arrives now is delivered in this answer only, audited as its own
// transfer, and then forgotten like every payload.
import type { ConsentStore } from '../../consent/consent-store.ts';
import type { Participant } from '../identity/auth/principal.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../../adapters/index.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { AuditCommit } from './commit-answer.ts';
import { answerOf, auditItem, basisOf, inProgressAnswer, itemAnswerOf, stripTicket, storedItem, type EvidenceAnswer, type FetchedItem } from './evidence-answer.ts';
import type { EvidenceRequestRecord, EvidenceRequestStore, StoredItem } from './evidence-request-store.ts';
import { registerRequestOf, type RegisterFanOut } from './fan-out.ts';
import { requestStatus } from './outcome.ts';
import { withdrawnItem, withdrawnSince } from './permit.ts';
import { unseal } from './sealed-answer.ts';

export interface PendingPollDeps {
  requests: EvidenceRequestStore;
  consents: ConsentStore;
  audit: AuditCommit;
  clock: () => Date;
  dataKey: Buffer;
  fanOut: RegisterFanOut;
}

export async function currentAnswer(deps: PendingPollDeps, participant: Participant, id: string): Promise<EvidenceAnswer> {
  const found = await deps.requests.findWithItems(id);
  if (!found || found.request.participantId !== participant.id) throw new NotFoundError('This evidence request');
  const { request } = found;
  if (request.status === 'in-progress' || request.status === 'abandoned') return inProgressAnswer(request);
  const now = deps.clock();
  // Anything still to deliver (a held async answer, pending items) is delivered only under a basis that holds.
  const holds = request.mode === 'async' && request.resultCipher && request.resultExpiresAt && request.resultExpiresAt > now;
  const delivering = holds || found.items.some((i) => i.status === 'pending' && i.pendingTicket);
  const withdrawn = delivering ? await withdrawnSince(deps.consents, request, deps.clock()) : null;
  if (holds && !withdrawn) {
    const held = unseal<EvidenceAnswer>(request.resultCipher!, deps.dataKey, request.id);
    if (!held.evidence.some((i) => i.status === 'pending')) return held;
  }
  const items = [...found.items].sort((a, b) => EVIDENCE_TYPES.indexOf(a.type) - EVIDENCE_TYPES.indexOf(b.type));
  const stored = items.map(itemAnswerOf);
  const pending = items.filter((i) => i.status === 'pending' && i.pendingTicket);
  if (pending.length === 0) return answerOf(request, stored, request.auditSeq);

  // NOTE: a revoked or expired consent stops every delivery after it: the register is not asked again,
  // the pending items end unavailable, and that refusal is audited like any other outcome.
  const arrived = withdrawn ? pending.map((i) => withdrawnItem(i.type, deps.fanOut.registerOf(i.type), withdrawn)) : await pollArrived(deps.fanOut, request, pending);
  if (arrived.length === 0) return answerOf(request, stored, request.auditSeq);
  const merged = stored.map((s) => arrived.find((a) => a.type === s.type) ?? s);
  const auditEntryId = await commitArrived(deps, participant, request, arrived, requestStatus(merged));
  return answerOf(request, merged.map(stripTicket), auditEntryId);
}

/** Asks the registers about pending items again; a poll that fails leaves its item pending (the register still owes it). */
async function pollArrived(fanOut: RegisterFanOut, request: EvidenceRequestRecord, pending: readonly StoredItem[]): Promise<FetchedItem[]> {
  const registerRequest = registerRequestOf(request);
  const tickets = new Map(pending.map((i) => [i.type, i.pendingTicket!]));
  const polled = await fanOut.fetch(
    pending.map((i) => i.type),
    (adapter, signal) => adapter.pollPending(tickets.get(adapter.evidenceType as EvidenceType)!, registerRequest, signal),
  );
  return polled.filter((i) => i.status === 'delivered' || i.status === 'not-found');
}

/** The arrived items, the request's new state and their audit entry, in one transaction. */
function commitArrived(deps: PendingPollDeps, participant: Participant, request: EvidenceRequestRecord, arrived: FetchedItem[], status: string): Promise<number> {
  const { id } = request;
  return deps.audit.commit(async (tx, record) => {
    for (const item of arrived) {
      if (!(await deps.requests.updateItem(tx, id, storedItem(item)))) throw new Error('a pending evidence item to complete is missing');
    }
    const seq = record({
      kind: 'transfer',
      at: deps.clock(),
      citizenIdNr: request.citizenIdNr,
      actorId: participant.id,
      requestId: id,
      consentId: request.consentId,
      details: { purpose: request.purpose, caseReference: request.caseReference, basis: basisOf(request), outcome: status, completes: id, items: arrived.map(auditItem) },
    });
    if (!(await deps.requests.completeRequest(tx, id, status, seq))) throw new Error('the evidence request to complete is missing');
    return seq;
  });
}
