// A request's later state (GET). An async answer is delivered (sealed copy) until it expires; pending items
// are asked about again, and an item that arrives now is delivered in this answer only, audited as its own
// transfer, and then forgotten like every payload.
import type { ConsentStore } from '../../consent/consent-store.ts';
import type { Participant } from '../identity/auth/principal.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../../adapters/index.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { AuditCommit } from './commit-answer.ts';
import { answerOf, auditItem, basisOf, inProgressAnswer, itemAnswerOf, stripTicket, storedItem, type EvidenceAnswer, type EvidenceItemAnswer, type FetchedItem } from './evidence-answer.ts';
import type { EvidenceRequestRecord, EvidenceRequestStore, StoredItem } from './evidence-request-store.ts';
import type { RegisterDirectory } from '../directory/register-directory.ts';
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
  /** Where the instances owing pending items are now. */
  directory: Pick<RegisterDirectory, 'instance'>;
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
  const withdrawn = delivering ? await withdrawnSince(deps.consents, request, now) : null;
  const held = holds && !withdrawn ? unseal<EvidenceAnswer>(request.resultCipher!, deps.dataKey, request.id) : null;
  if (held && !held.evidence.some((i) => i.status === 'pending')) return held;
  const items = sortedItems(found.items);
  const stored = items.map(itemAnswerOf);
  const pending = items.filter((i) => i.status === 'pending' && i.pendingTicket);
  if (pending.length === 0) return answerOf(request, stored, request.auditSeq);

  // NOTE: a revoked or expired consent stops every delivery after it: the register is not asked again,
  // the pending items end unavailable, and that refusal is audited like any other outcome.
  const arrived = withdrawn ? pending.map((i) => withdrawnItem(i.type, i, withdrawn)) : await pollArrived(deps, request, pending);
  if (arrived.length === 0) return held ?? answerOf(request, stored, request.auditSeq);
  // A held async answer's items keep their data in this last delivery; the sealed copy goes with it.
  const committed = await commitArrived(deps, participant, request, arrived, held ? held.evidence : stored);
  if (committed) return answerOf(request, committed.merged.map(stripTicket), committed.seq);
  // Another GET completed these items first: answer from what it recorded (the data went to that caller).
  const latest = await deps.requests.findWithItems(id);
  return answerOf(latest!.request, sortedItems(latest!.items).map(itemAnswerOf), latest!.request.auditSeq);
}

function sortedItems(items: readonly StoredItem[]): StoredItem[] {
  return [...items].sort((a, b) => EVIDENCE_TYPES.indexOf(a.type) - EVIDENCE_TYPES.indexOf(b.type));
}

/**
 * Asks the instances that owe pending items again; a poll that fails leaves its item pending (the register
 * still owes it), as does an instance gone from the directory meanwhile.
 */
async function pollArrived(deps: PendingPollDeps, request: EvidenceRequestRecord, pending: readonly StoredItem[]): Promise<FetchedItem[]> {
  const registerRequest = registerRequestOf(request);
  const tickets = new Map(pending.map((i) => [i.type, i.pendingTicket!]));
  const routes = pending.flatMap((i) => {
    const instance = i.register === null ? undefined : deps.directory.instance(i.register);
    return instance === undefined ? [] : [{ type: i.type, instance }];
  });
  const polled = await deps.fanOut.fetch(routes, (adapter, signal) => adapter.pollPending(tickets.get(adapter.evidenceType as EvidenceType)!, registerRequest, signal));
  return polled.filter((i) => i.status === 'delivered' || i.status === 'not-found');
}

/** Thrown inside the commit when another GET completed a pending item first: this one records nothing. */
class AlreadyCompleted extends Error {}

/**
 * The arrived items, the request's new state and their audit entry, in one transaction. The basis is checked
 * again inside it, so a revocation committed while the register was answering still stops the delivery.
 */
async function commitArrived(
  deps: PendingPollDeps,
  participant: Participant,
  request: EvidenceRequestRecord,
  arrived: FetchedItem[],
  before: readonly EvidenceItemAnswer[],
): Promise<{ seq: number; merged: (EvidenceItemAnswer | FetchedItem)[] } | null> {
  const { id } = request;
  try {
    return await deps.audit.commit(async (tx, record) => {
      const gone = arrived.some((i) => i.status === 'delivered') ? await withdrawnSince(deps.consents, request, deps.clock(), tx) : null;
      const final = gone ? arrived.map((i) => withdrawnItem(i.type, i.provenance, gone)) : arrived;
      for (const item of final) {
        if (!(await deps.requests.updateItem(tx, id, storedItem(item)))) throw new AlreadyCompleted();
      }
      const merged = before.map((s) => final.find((a) => a.type === s.type) ?? s);
      const status = requestStatus(merged);
      const seq = record({
        kind: 'transfer',
        at: deps.clock(),
        citizenIdNr: request.citizenIdNr,
        actorId: participant.id,
        requestId: id,
        consentId: request.consentId,
        details: { purpose: request.purpose, caseReference: request.caseReference, basis: basisOf(request), outcome: status, completes: id, items: final.map(auditItem) },
      });
      if (!(await deps.requests.completeRequest(tx, id, status, seq))) throw new Error('the evidence request to complete is missing');
      return { seq, merged };
    });
  } catch (err) {
    if (err instanceof AlreadyCompleted) return null;
    throw err;
  }
}
