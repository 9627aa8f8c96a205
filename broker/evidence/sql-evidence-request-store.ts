// EvidenceRequestStore on SQLite or PostgreSQL: Prisma for the rare paths, and the hot path's statements
// (the request INSERT, the answer UPDATEs, the items' INSERT) straight to the driver adapter
// (broker/db/direct-sql.ts), which binds the values as Prisma's own writes do.
import { directSqlOf, type Db } from '../db/database.ts';
import { isUniqueViolation } from '../db/db-errors.ts';
import type { SqlStatements } from '../db/direct-sql.ts';
import { insertRows } from '../db/raw-insert.ts';
import type { Purpose } from '../domain/codes.ts';
import type { EvidenceType } from '../../adapters/index.ts';
import type {
  EvidenceRequestRecord,
  EvidenceRequestStore,
  HeldRequest,
  RequestAnswer,
  RequestBasis,
  RequestListQuery,
  RequestSummary,
  StoredItem,
} from './evidence-request-store.ts';
import type { RoutingHints } from '../directory/routing.ts';
import type { ItemReason, ItemStatus } from './outcome.ts';

type RequestRow = NonNullable<Awaited<ReturnType<Db['evidenceRequest']['findUnique']>>>;
type ItemRow = NonNullable<Awaited<ReturnType<Db['evidenceItem']['findUnique']>>>;
type RequestWhere = NonNullable<NonNullable<Parameters<Db['evidenceRequest']['findMany']>[0]>['where']>;

/** Every column of an EvidenceRequest row, in the order the INSERT names them. */
const REQUEST_COLUMNS = [
  'id', 'participantId', 'citizenIdNr', 'purpose', 'caseReference', 'onBehalfOf', 'periodFrom', 'periodTo', 'consentId', 'legalBasis', 'status', 'createdAt',
  'answeredAt', 'auditSeq', 'evidenceTypes', 'mode', 'idempotencyKeyHash', 'requestHash', 'lockedUntil', 'lockToken', 'resultCipher', 'resultExpiresAt', 'routing',
] as const satisfies readonly (keyof RequestRow)[];
const INSERT_REQUEST = `INSERT INTO "EvidenceRequest" (${REQUEST_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${REQUEST_COLUMNS.map(() => '?').join(', ')})`;
const ITEM_COLUMNS = ['requestId', 'type', 'register', 'registerName', 'status', 'reason', 'fetchedAt', 'dataHash', 'pendingTicket'] as const satisfies readonly (keyof ItemRow)[];
/** Compare-and-set on the lock: only the process holding the request may answer it. */
const ANSWER_REQUEST = `
  UPDATE "EvidenceRequest"
  SET "status" = ?, "answeredAt" = ?, "auditSeq" = ?, "lockedUntil" = NULL, "lockToken" = NULL, "resultCipher" = ?, "resultExpiresAt" = ?
  WHERE "id" = ? AND "lockToken" = ? AND "status" = 'in-progress'`;
const UPDATE_ITEM = `
  UPDATE "EvidenceItem" SET "register" = ?, "registerName" = ?, "status" = ?, "reason" = ?, "fetchedAt" = ?, "dataHash" = ?, "pendingTicket" = ?
  WHERE "requestId" = ? AND "type" = ? AND "status" = 'pending'`;
const COMPLETE_REQUEST = 'UPDATE "EvidenceRequest" SET "status" = ?, "auditSeq" = ?, "resultCipher" = NULL, "resultExpiresAt" = NULL WHERE "id" = ?';

function toRecord(row: RequestRow): EvidenceRequestRecord {
  return {
    ...row,
    purpose: row.purpose as Purpose,
    evidenceTypes: JSON.parse(row.evidenceTypes) as EvidenceType[],
    mode: row.mode as 'sync' | 'async',
    routing: row.routing === null ? null : (JSON.parse(row.routing) as RoutingHints),
  };
}

function toItem(row: ItemRow): StoredItem {
  return {
    type: row.type as EvidenceType,
    register: row.register,
    registerName: row.registerName,
    status: row.status as ItemStatus,
    reason: row.reason ? (JSON.parse(row.reason) as ItemReason) : null,
    fetchedAt: row.fetchedAt,
    dataHash: row.dataHash,
    pendingTicket: row.pendingTicket,
  };
}

function itemColumns(item: StoredItem) {
  return { ...item, reason: item.reason ? JSON.stringify(item.reason) : null };
}

export class SqlEvidenceRequestStore implements EvidenceRequestStore {
  constructor(private readonly db: Db) {}

  async insert(request: HeldRequest): Promise<'inserted' | 'duplicate'> {
    const row: RequestRow = { ...request, evidenceTypes: JSON.stringify(request.evidenceTypes), routing: request.routing === null ? null : JSON.stringify(request.routing) };
    try {
      await directSqlOf(this.db).execute(INSERT_REQUEST, REQUEST_COLUMNS.map((c) => row[c]));
      return 'inserted';
    } catch (err) {
      if (request.idempotencyKeyHash !== null && isUniqueViolation(err)) return 'duplicate';
      throw err;
    }
  }

  async findByIdempotencyKey(participantId: string, keyHash: string): Promise<EvidenceRequestRecord | null> {
    const row = await this.db.evidenceRequest.findUnique({ where: { participantId_idempotencyKeyHash: { participantId, idempotencyKeyHash: keyHash } } });
    return row ? toRecord(row) : null;
  }

  async findWithItems(id: string): Promise<{ request: EvidenceRequestRecord; items: StoredItem[] } | null> {
    const row = await this.db.evidenceRequest.findUnique({ where: { id }, include: { items: true } });
    if (!row) return null;
    const { items, ...request } = row;
    return { request: toRecord(request), items: items.map(toItem) };
  }

  async listForParticipant(participantId: string, q: RequestListQuery): Promise<{ total: number; requests: RequestSummary[] }> {
    const where: RequestWhere = { participantId };
    if (q.caseReference !== null) where.caseReference = q.caseReference;
    if (q.createdFrom !== null || q.createdBefore !== null) {
      where.createdAt = { ...(q.createdFrom !== null ? { gte: q.createdFrom } : {}), ...(q.createdBefore !== null ? { lt: q.createdBefore } : {}) };
    }
    if (q.status === 'pending') where.items = { some: { status: 'pending' } };
    else if (q.status !== null) where.status = q.status;
    const [total, rows] = await Promise.all([
      this.db.evidenceRequest.count({ where }),
      this.db.evidenceRequest.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: q.offset,
        take: q.limit,
        select: {
          id: true, createdAt: true, caseReference: true, purpose: true, citizenIdNr: true, onBehalfOf: true, status: true, evidenceTypes: true,
          items: { where: { status: 'pending' }, select: { type: true } },
        },
      }),
    ]);
    const requests = rows.map(({ items, ...r }) => ({ ...r, purpose: r.purpose as Purpose, evidenceTypes: JSON.parse(r.evidenceTypes) as EvidenceType[], pendingItems: items.length }));
    return { total, requests };
  }

  async reopen(id: string, oldLockToken: string | null, lockToken: string, lockedUntil: Date, basis: RequestBasis): Promise<boolean> {
    const { count } = await this.db.evidenceRequest.updateMany({ where: { id, lockToken: oldLockToken }, data: { status: 'in-progress', lockToken, lockedUntil, ...basis } });
    return count === 1;
  }

  async takeOver(id: string, oldLockToken: string | null, lockToken: string, lockedUntil: Date): Promise<boolean> {
    const { count } = await this.db.evidenceRequest.updateMany({ where: { id, lockToken: oldLockToken, status: 'in-progress' }, data: { lockToken, lockedUntil } });
    return count === 1;
  }

  async letGo(id: string, lockToken: string, at: Date): Promise<void> {
    await this.db.evidenceRequest.updateMany({ where: { id, lockToken, status: 'in-progress' }, data: { lockedUntil: at } });
  }

  async recordAnswer(tx: SqlStatements, request: HeldRequest, answer: RequestAnswer, items: readonly StoredItem[]): Promise<boolean> {
    const { status, answeredAt, auditSeq, resultCipher, resultExpiresAt } = answer;
    const count = await tx.execute(ANSWER_REQUEST, [status, answeredAt, auditSeq, resultCipher, resultExpiresAt, request.id, request.lockToken]);
    if (count !== 1) return false;
    await insertRows(tx, 'EvidenceItem', ITEM_COLUMNS, items.map((i) => ({ requestId: request.id, ...itemColumns(i) })));
    return true;
  }

  async updateItem(tx: SqlStatements, requestId: string, item: StoredItem): Promise<boolean> {
    const { type, register, registerName, status, reason, fetchedAt, dataHash, pendingTicket } = itemColumns(item);
    return (await tx.execute(UPDATE_ITEM, [register, registerName, status, reason, fetchedAt, dataHash, pendingTicket, requestId, type])) === 1;
  }

  async completeRequest(tx: SqlStatements, requestId: string, status: string, auditSeq: number): Promise<boolean> {
    return (await tx.execute(COMPLETE_REQUEST, [status, auditSeq, requestId])) === 1;
  }

  async purgeExpiredResults(now: Date): Promise<number> {
    return (await this.db.evidenceRequest.updateMany({ where: { resultExpiresAt: { lte: now } }, data: { resultCipher: null, resultExpiresAt: null } })).count;
  }

  async abandonStale(now: Date): Promise<number> {
    return (await this.db.evidenceRequest.updateMany({ where: { status: 'in-progress', mode: 'sync', lockedUntil: { lt: now } }, data: { status: 'abandoned' } })).count;
  }

  async findOrphans(now: Date, limit: number): Promise<EvidenceRequestRecord[]> {
    const rows = await this.db.evidenceRequest.findMany({ where: { status: 'in-progress', mode: 'async', lockedUntil: { lt: now } }, take: limit });
    return rows.map(toRecord);
  }
}
