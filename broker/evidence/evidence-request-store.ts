// Where evidence requests and their items live. The evidence path depends on this interface only; writes
// that belong to an answer take the audit group commit's transaction, so they commit with its audit entry.
import type { SqlStatements } from '../db/direct-sql.ts';
import type { Purpose } from '../domain/codes.ts';
import type { EvidenceType } from '../../adapters/index.ts';
import type { RoutingHints } from '../directory/routing.ts';
import type { ItemReason, ItemStatus } from './outcome.ts';

/** A recorded evidence request: its metadata, who holds it (lock) and, for a while, its sealed answer. */
export interface EvidenceRequestRecord {
  id: string;
  participantId: string;
  citizenIdNr: string;
  purpose: Purpose;
  caseReference: string;
  onBehalfOf: string | null;
  periodFrom: string;
  periodTo: string;
  consentId: string | null;
  legalBasis: string | null;
  /** in-progress | abandoned | complete | partial | failed */
  status: string;
  createdAt: Date;
  answeredAt: Date | null;
  auditSeq: number | null;
  evidenceTypes: EvidenceType[];
  mode: 'sync' | 'async';
  idempotencyKeyHash: string | null;
  requestHash: string;
  lockedUntil: Date | null;
  lockToken: string | null;
  resultCipher: string | null;
  resultExpiresAt: Date | null;
  /** The routing hints the requested types need (broker/directory/routing.ts); null when none. */
  routing: RoutingHints | null;
}

/** A request this process holds: only the holder of the lock token may answer it. */
export type HeldRequest = EvidenceRequestRecord & { lockToken: string };

/** The row kept of one evidence item: status and hashes, never the evidence. */
export interface StoredItem {
  type: EvidenceType;
  /** The register instance asked; null when none was responsible. */
  register: string | null;
  registerName: string | null;
  status: ItemStatus;
  reason: ItemReason | null;
  fetchedAt: Date | null;
  dataHash: string | null;
  pendingTicket: string | null;
}

/** The answer that ends a held request, written with its items in the audit transaction. */
export interface RequestAnswer {
  status: string;
  answeredAt: Date;
  auditSeq: number;
  resultCipher: string | null;
  resultExpiresAt: Date | null;
}

/** What a history of one participant's requests can be narrowed to: a stored status, or 'pending' (an item still owed). */
export const REQUEST_LIST_STATUSES = ['complete', 'partial', 'pending', 'failed', 'in-progress', 'abandoned'] as const;
export type RequestListStatus = (typeof REQUEST_LIST_STATUSES)[number];

/** One page of a participant's history; null fields do not narrow. */
export interface RequestListQuery {
  /** The whole case reference, as recorded (exact match: the same on SQLite and PostgreSQL). */
  caseReference: string | null;
  /** Created at or after this instant. */
  createdFrom: Date | null;
  /** Created before this instant. */
  createdBefore: Date | null;
  status: RequestListStatus | null;
  offset: number;
  limit: number;
}

/** A request as a history line shows it: what it was for and how it stands; no evidence, no lock, no sealed answer. */
export interface RequestSummary {
  id: string;
  createdAt: Date;
  caseReference: string;
  purpose: Purpose;
  citizenIdNr: string;
  onBehalfOf: string | null;
  /** in-progress | abandoned | complete | partial | failed */
  status: string;
  evidenceTypes: EvidenceType[];
  /** How many of its items a register still owes. */
  pendingItems: number;
}

/** Storage of evidence requests and items (SQLite or PostgreSQL: SqlEvidenceRequestStore). */
/** The permission a request goes ahead under, as its row records it. */
export type RequestBasis = { consentId: string | null; legalBasis: string | null };

export interface EvidenceRequestStore {
  /** Records a new request; 'duplicate' when its Idempotency-Key was recorded already (the caller resolves it). */
  insert(request: HeldRequest): Promise<'inserted' | 'duplicate'>;
  findByIdempotencyKey(participantId: string, keyHash: string): Promise<EvidenceRequestRecord | null>;
  /** The request and its items (items in no particular order), or null. */
  findWithItems(id: string): Promise<{ request: EvidenceRequestRecord; items: StoredItem[] } | null>;
  /** A participant's requests matching the query, newest first (ties by id), and how many match in all. */
  listForParticipant(participantId: string, query: RequestListQuery): Promise<{ total: number; requests: RequestSummary[] }>;
  /** Takes a request whose holder died back to in-progress under a new lock; false if another took it first. */
  reopen(id: string, oldLockToken: string | null, lockToken: string, lockedUntil: Date, basis: RequestBasis): Promise<boolean>;
  /** Takes over an in-progress request under a new lock; false if another took it first. */
  takeOver(id: string, oldLockToken: string | null, lockToken: string, lockedUntil: Date): Promise<boolean>;
  /** Lets go of a held request now, so that a retry or the sweep may take it over at once. */
  letGo(id: string, lockToken: string, at: Date): Promise<void>;
  /** Writes the answer of a held request and its items; false (nothing written) when the lock was lost. */
  recordAnswer(tx: SqlStatements, request: HeldRequest, answer: RequestAnswer, items: readonly StoredItem[]): Promise<boolean>;
  /** Completes one pending item; false when it is missing or no longer pending (another GET completed it). */
  updateItem(tx: SqlStatements, requestId: string, item: StoredItem): Promise<boolean>;
  /** A request's new state after pending items arrived; its held answer is dropped. False when it is missing. */
  completeRequest(tx: SqlStatements, requestId: string, status: string, auditSeq: number): Promise<boolean>;
  /** Erases sealed answers kept past their time; the count erased. */
  purgeExpiredResults(now: Date): Promise<number>;
  /** Marks sync requests whose holder died abandoned; the count marked. */
  abandonStale(now: Date): Promise<number>;
  /** Async requests whose holder died, at most `limit`. */
  findOrphans(now: Date, limit: number): Promise<EvidenceRequestRecord[]>;
}
