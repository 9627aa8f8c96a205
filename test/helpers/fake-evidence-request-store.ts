// EvidenceRequestStore in memory, for unit tests of the evidence path: the same contract as
// SqlEvidenceRequestStore (compare-and-set on the lock, one request per Idempotency-Key), no I/O.
// Transactions are not modelled: writes through `tx` apply at once.
import type { SqlStatements } from '../../broker/db/direct-sql.ts';
import type {
  EvidenceRequestRecord,
  EvidenceRequestStore,
  HeldRequest,
  RequestAnswer,
  RequestBasis,
  RequestListQuery,
  RequestSummary,
  StoredItem,
} from '../../broker/evidence/evidence-request-store.ts';

export class FakeEvidenceRequestStore implements EvidenceRequestStore {
  readonly requests = new Map<string, EvidenceRequestRecord>();
  readonly items = new Map<string, StoredItem[]>();

  async insert(request: HeldRequest): Promise<'inserted' | 'duplicate'> {
    if (request.idempotencyKeyHash !== null && (await this.findByIdempotencyKey(request.participantId, request.idempotencyKeyHash))) return 'duplicate';
    if (this.requests.has(request.id)) throw new Error(`duplicate request id ${request.id}`);
    this.requests.set(request.id, { ...request });
    return 'inserted';
  }

  async findByIdempotencyKey(participantId: string, keyHash: string): Promise<EvidenceRequestRecord | null> {
    const found = [...this.requests.values()].find((r) => r.participantId === participantId && r.idempotencyKeyHash === keyHash);
    return found ? { ...found } : null;
  }

  async findWithItems(id: string): Promise<{ request: EvidenceRequestRecord; items: StoredItem[] } | null> {
    const request = this.requests.get(id);
    return request ? { request: { ...request }, items: (this.items.get(id) ?? []).map((i) => ({ ...i })) } : null;
  }

  async listForParticipant(participantId: string, q: RequestListQuery): Promise<{ total: number; requests: RequestSummary[] }> {
    const pendingOf = (id: string) => (this.items.get(id) ?? []).filter((i) => i.status === 'pending').length;
    const matching = [...this.requests.values()]
      .filter(
        (r) =>
          r.participantId === participantId &&
          (q.caseReference === null || r.caseReference === q.caseReference) &&
          (q.createdFrom === null || r.createdAt >= q.createdFrom) &&
          (q.createdBefore === null || r.createdAt < q.createdBefore) &&
          (q.status === null || (q.status === 'pending' ? pendingOf(r.id) > 0 : r.status === q.status)),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const requests = matching.slice(q.offset, q.offset + q.limit).map((r) => ({
      id: r.id,
      createdAt: r.createdAt,
      caseReference: r.caseReference,
      purpose: r.purpose,
      citizenIdNr: r.citizenIdNr,
      onBehalfOf: r.onBehalfOf,
      status: r.status,
      evidenceTypes: [...r.evidenceTypes],
      pendingItems: pendingOf(r.id),
    }));
    return { total: matching.length, requests };
  }

  async reopen(id: string, oldLockToken: string | null, lockToken: string, lockedUntil: Date, basis: RequestBasis): Promise<boolean> {
    return this.update(id, (r) => r.lockToken === oldLockToken, { status: 'in-progress', lockToken, lockedUntil, ...basis });
  }

  async takeOver(id: string, oldLockToken: string | null, lockToken: string, lockedUntil: Date): Promise<boolean> {
    return this.update(id, (r) => r.lockToken === oldLockToken && r.status === 'in-progress', { lockToken, lockedUntil });
  }

  async letGo(id: string, lockToken: string, at: Date): Promise<void> {
    this.update(id, (r) => r.lockToken === lockToken && r.status === 'in-progress', { lockedUntil: at });
  }

  async recordAnswer(_tx: SqlStatements, request: HeldRequest, answer: RequestAnswer, items: readonly StoredItem[]): Promise<boolean> {
    const changes = { ...answer, lockedUntil: null, lockToken: null };
    if (!this.update(request.id, (r) => r.lockToken === request.lockToken && r.status === 'in-progress', changes)) return false;
    this.items.set(request.id, items.map((i) => ({ ...i })));
    return true;
  }

  async updateItem(_tx: SqlStatements, requestId: string, item: StoredItem): Promise<boolean> {
    const items = this.items.get(requestId) ?? [];
    const at = items.findIndex((i) => i.type === item.type && i.status === 'pending');
    if (at === -1) return false;
    items[at] = { ...item };
    return true;
  }

  async completeRequest(_tx: SqlStatements, requestId: string, status: string, auditSeq: number): Promise<boolean> {
    return this.update(requestId, () => true, { status, auditSeq, resultCipher: null, resultExpiresAt: null });
  }

  async purgeExpiredResults(now: Date): Promise<number> {
    return this.updateAll((r) => r.resultExpiresAt !== null && r.resultExpiresAt <= now, { resultCipher: null, resultExpiresAt: null });
  }

  async abandonStale(now: Date): Promise<number> {
    return this.updateAll((r) => r.status === 'in-progress' && r.mode === 'sync' && r.lockedUntil !== null && r.lockedUntil < now, { status: 'abandoned' });
  }

  async findOrphans(now: Date, limit: number): Promise<EvidenceRequestRecord[]> {
    return [...this.requests.values()]
      .filter((r) => r.status === 'in-progress' && r.mode === 'async' && r.lockedUntil !== null && r.lockedUntil < now)
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }

  private update(id: string, when: (r: EvidenceRequestRecord) => boolean, changes: Partial<EvidenceRequestRecord>): boolean {
    const request = this.requests.get(id);
    if (!request || !when(request)) return false;
    this.requests.set(id, { ...request, ...changes });
    return true;
  }

  private updateAll(when: (r: EvidenceRequestRecord) => boolean, changes: Partial<EvidenceRequestRecord>): number {
    let count = 0;
    for (const r of this.requests.values()) if (when(r) && this.update(r.id, () => true, changes)) count++;
    return count;
  }
}
