// The audit log on the database: appends inside the caller's transaction (or through group commit, where
// concurrent callers share one), verifies the whole chain, and reads a citizen's transfers for the cockpit.
import type { DatabaseTarget } from '../db/database-url.ts';
import { DATABASE_TIME_LIMITS, type Database, type Db, type DbTx } from '../db/database.ts';
import { prismaStatements, type SqlStatements } from '../db/direct-sql.ts';
import { insertRows } from '../db/raw-insert.ts';
import { commitmentOf, linkHash, newSalt, type AuditDetailFields, type AuditEvent, type ChainHead, type ChainLink } from './chain.ts';
import { openChainReader } from './chain-readers.ts';
import { verifyChain, type VerifyResult } from './chain-verification.ts';
import { AuditGroupCommit, type CommitWork } from './group-commit.ts';

export type { AuditEvent, ChainHead } from './chain.ts';

/** A transfer as the citizen sees it in the cockpit. */
export interface TransferRecord {
  auditEntryId: number;
  at: Date;
  requester: string;
  requestId: string | null;
  details: Record<string, unknown>;
}

/** The personal part of an event as the detail row stores it and its salted commitment covers. */
export function detailFieldsOf(ev: AuditEvent): AuditDetailFields {
  return { citizenIdNr: ev.citizenIdNr, actorId: ev.actorId, requestId: ev.requestId, consentId: ev.consentId, details: JSON.stringify(ev.details) };
}

export class AuditLog {
  private readonly group: AuditGroupCommit;
  private readonly db: Db;
  private readonly target: DatabaseTarget;

  /** `database`: the open database (its client, and which provider and file or schema it is). */
  constructor(
    database: Pick<Database, 'prisma' | 'target'>,
    private readonly retentionDays: number,
  ) {
    this.db = database.prisma;
    this.target = database.target;
    this.group = new AuditGroupCommit(this.db, this, DATABASE_TIME_LIMITS.transactionMaxWaitMs);
  }

  /**
   * Appends one entry. Must run inside the transaction that commits what it records.
   * NOTE: advancing the single head row first takes its write lock, so concurrent appenders (even in
   * several broker processes on one PostgreSQL) queue here and the chain stays one gap-free sequence.
   */
  async append(tx: DbTx, ev: AuditEvent): Promise<number> {
    const [seq] = await this.appendMany(tx, [ev]);
    return seq!;
  }

  /** Appends several entries in order, in the caller's transaction, with one advance of the head. */
  async appendMany(tx: DbTx, events: AuditEvent[]): Promise<number[]> {
    const sql = prismaStatements(tx, this.target.provider);
    const head = await this.lockHead(sql);
    await this.appendAfter(sql, head, events);
    return events.map((_, i) => head.seq + 1 + i);
  }

  /**
   * Runs `work` in a transaction shared with concurrent callers (group commit); the audit events it
   * records commit with its facts, and it resolves only after that COMMIT. See group-commit.ts.
   */
  commit<T>(work: CommitWork<T>): Promise<T> {
    return this.group.run(work);
  }

  /** Appends one event that records nothing else, durably, through group commit; resolves with its seq. */
  record(ev: AuditEvent): Promise<number> {
    return this.group.run(async (_tx, record) => record(ev));
  }

  /** Takes the head row's write lock for this transaction (`sql`: its statements) and reads it. */
  async lockHead(sql: SqlStatements): Promise<ChainHead> {
    // An UPDATE, not a SELECT: it takes the row lock on PostgreSQL and the write lock on SQLite at once.
    const rows = await sql.query<ChainHead>('UPDATE "AuditHead" SET "seq" = "seq" + 0 WHERE "id" = 1 RETURNING "seq", "hash"', []);
    if (rows.length !== 1) throw new Error('the audit head row is missing (migrations not applied?)');
    return rows[0]!;
  }

  /** Writes `events` as the entries after `head`, which this transaction holds locked, and advances it. */
  async appendAfter(sql: SqlStatements, head: ChainHead, events: AuditEvent[]): Promise<ChainHead> {
    if (events.length === 0) return head;
    let { seq, hash } = head;
    const entries: ChainLink[] = [];
    const details: (AuditDetailFields & { seq: number; salt: string; expiresAt: Date })[] = [];
    for (const ev of events) {
      const detail = detailFieldsOf(ev);
      const salt = newSalt();
      seq++;
      const link = { seq, kind: ev.kind, createdAt: ev.at, prevHash: hash, commitment: commitmentOf(salt, detail) };
      hash = linkHash(link);
      entries.push({ ...link, hash });
      details.push({ seq, ...detail, salt, expiresAt: new Date(ev.at.getTime() + this.retentionDays * 86_400_000) });
    }
    // One multi-row INSERT per table (createMany would cap group commit far below what the database takes).
    await insertRows(sql, 'AuditEntry', ['seq', 'kind', 'createdAt', 'prevHash', 'commitment', 'hash'], entries);
    await insertRows(sql, 'AuditDetail', ['seq', 'salt', 'citizenIdNr', 'actorId', 'requestId', 'consentId', 'details', 'expiresAt'], details);
    await sql.execute('UPDATE "AuditHead" SET "seq" = ?, "hash" = ? WHERE "id" = 1', [seq, hash]);
    return { seq, hash };
  }

  /**
   * Recomputes every link and every remaining detail commitment on the calling thread, through a read-only
   * connection of its own; reports the first break. The admin CLI's; the broker runs it in a worker thread.
   */
  async verify(onProgress?: (checked: number, total: number) => void): Promise<VerifyResult> {
    const reader = await openChainReader(this.target, this.db);
    try {
      return await verifyChain(reader, onProgress);
    } finally {
      await reader.close();
    }
  }

  async transfersForCitizen(idNr: string): Promise<TransferRecord[]> {
    const rows = await this.db.auditDetail.findMany({
      where: { citizenIdNr: idNr, entry: { kind: 'transfer' } },
      orderBy: { seq: 'desc' },
      include: { entry: { select: { createdAt: true } } },
    });
    return rows.map((r) => ({
      auditEntryId: r.seq,
      at: r.entry.createdAt,
      requester: r.actorId,
      requestId: r.requestId,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  }
}
