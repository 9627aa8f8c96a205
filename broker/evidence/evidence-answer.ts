// What an evidence request answers, and the shapes an item takes between a register's answer, the
// database row and the audit entry. Pure: no I/O.
import type { Permission } from '../../consent/policy.ts';
import type { Purpose } from '../domain/codes.ts';
import type { EvidenceType } from '../../adapters/index.ts';
import type { EvidenceRequestRecord, StoredItem } from './evidence-request-store.ts';
import { requestStatus, type ItemReason, type ItemStatus, type RequestStatus } from './outcome.ts';

/** Which register instance an item came from (or would have: null when none was responsible), and when. */
export interface Provenance {
  register: string | null;
  registerName: string | null;
  fetchedAt: string | null;
}

/** One evidence item in an answer. `data` is present only in the answer that delivered it. */
export interface EvidenceItemAnswer {
  type: EvidenceType;
  status: ItemStatus;
  data: unknown | null;
  provenance: Provenance;
  reason?: ItemReason;
  dataHash?: string;
}

/** The answer to an evidence request (POST) or its later state (GET). */
export interface EvidenceAnswer {
  id: string;
  status: RequestStatus | 'in-progress';
  purpose: Purpose;
  caseReference: string;
  period: { from: string; to: string };
  createdAt: string;
  basis: Permission;
  evidence: EvidenceItemAnswer[];
  auditEntryId: number | null;
}

/** An item as fetched: its answer plus the register's ticket while it is still pending. */
export interface FetchedItem extends EvidenceItemAnswer {
  pendingTicket: string | null;
}

/** The basis a request was recorded under. */
export function basisOf(request: Pick<EvidenceRequestRecord, 'consentId' | 'legalBasis'>): Permission {
  return request.consentId ? { basis: 'consent', consentId: request.consentId } : { basis: 'legal-basis', legalBasis: request.legalBasis ?? '' };
}

export function answerOf(
  request: EvidenceRequestRecord,
  evidence: EvidenceItemAnswer[],
  auditEntryId: number | null,
  status: EvidenceAnswer['status'] = requestStatus(evidence),
): EvidenceAnswer {
  return {
    id: request.id,
    status,
    purpose: request.purpose,
    caseReference: request.caseReference,
    period: { from: request.periodFrom, to: request.periodTo },
    createdAt: request.createdAt.toISOString(),
    basis: basisOf(request),
    evidence,
    auditEntryId,
  };
}

/** A request still being fetched: no items yet. */
export function inProgressAnswer(request: EvidenceRequestRecord): EvidenceAnswer {
  return answerOf(request, [], null, 'in-progress');
}

export function stripTicket(item: EvidenceItemAnswer & { pendingTicket?: string | null }): EvidenceItemAnswer {
  const { pendingTicket: _, ...rest } = item;
  return rest;
}

/** The row kept of an item: never its data. */
export function storedItem(item: FetchedItem): StoredItem {
  return {
    type: item.type,
    register: item.provenance.register,
    registerName: item.provenance.registerName,
    status: item.status,
    reason: item.reason ?? null,
    fetchedAt: item.provenance.fetchedAt ? new Date(item.provenance.fetchedAt) : null,
    dataHash: item.dataHash ?? null,
    pendingTicket: item.pendingTicket,
  };
}

/** A stored item as a later answer shows it (its data is long gone). */
export function itemAnswerOf(item: StoredItem): EvidenceItemAnswer {
  return {
    type: item.type,
    status: item.status,
    data: null,
    provenance: { register: item.register, registerName: item.registerName, fetchedAt: item.fetchedAt?.toISOString() ?? null },
    ...(item.reason ? { reason: item.reason } : {}),
    ...(item.dataHash ? { dataHash: item.dataHash } : {}),
  };
}

/** An item as the audit entry records it: hashes and codes, never the evidence. */
export function auditItem(item: FetchedItem) {
  return {
    type: item.type,
    register: item.provenance.register,
    registerName: item.provenance.registerName,
    status: item.status,
    ...(item.dataHash ? { dataHash: item.dataHash } : {}),
    ...(item.reason ? { reason: item.reason.code } : {}),
  };
}
