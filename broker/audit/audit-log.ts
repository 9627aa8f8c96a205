// The audit log on the database: appends inside the caller's transaction, verifies the whole chain,
// and reads a citizen's transfers for the cockpit.
import type { Db, DbTx } from '../db/database.ts';
import {
  GENESIS_HASH,
  checkLink,
  commitmentOf,
  linkHash,
  newSalt,
  type AuditDetailFields,
  type AuditKind,
  type ChainBreak,
} from './chain.ts';

/** One event to record. */
export interface AuditEvent extends Omit<AuditDetailFields, 'details'> {
  kind: AuditKind;
  at: Date;
  details: Record<string, unknown>;
}

/** Outcome of verifying the chain. */
export type VerifyResult =
  | { ok: true; entries: number; headHash: string; detailsChecked: number }
  | { ok: false; entries: number; brokenAt: number; reason: ChainBreak };

/** A transfer as the citizen sees it in the cockpit. */
export interface TransferRecord {
  auditEntryId: number;
  at: Date;
  requester: string;
  requestId: string | null;
  details: Record<string, unknown>;
}

const VERIFY_BATCH = 5_000;

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly retentionDays: number,
  ) {}

  /**
   * Appends one entry. Must run inside the transaction that commits what it records.
   * NOTE: advancing the single head row first takes its write lock, so concurrent appenders (even in
   * several broker processes on one PostgreSQL) queue here and the chain stays one gap-free sequence.
   */
  async append(tx: DbTx, ev: AuditEvent): Promise<number> {
    const head = await tx.auditHead.update({ where: { id: 1 }, data: { seq: { increment: 1 } } });
    const detail: AuditDetailFields = {
      citizenIdNr: ev.citizenIdNr,
      actorId: ev.actorId,
      requestId: ev.requestId,
      consentId: ev.consentId,
      details: JSON.stringify(ev.details),
    };
    const salt = newSalt();
    const link = { seq: head.seq, kind: ev.kind, createdAt: ev.at, prevHash: head.hash, commitment: commitmentOf(salt, detail) };
    const hash = linkHash(link);
    const expiresAt = new Date(ev.at.getTime() + this.retentionDays * 86_400_000);
    await tx.auditEntry.create({ data: { ...link, hash, detail: { create: { ...detail, salt, expiresAt } } } });
    await tx.auditHead.update({ where: { id: 1 }, data: { hash } });
    return head.seq;
  }

  /** Recomputes every link and every remaining detail commitment; reports the first break. */
  async verify(onProgress?: (checked: number, total: number) => void): Promise<VerifyResult> {
    const total = onProgress ? (await this.db.auditHead.findUniqueOrThrow({ where: { id: 1 } })).seq : 0;
    let prev = { seq: 0, hash: GENESIS_HASH };
    let detailsChecked = 0;
    for (;;) {
      const batch = await this.db.auditEntry.findMany({
        where: { seq: { gt: prev.seq } },
        orderBy: { seq: 'asc' },
        take: VERIFY_BATCH,
        include: { detail: true },
      });
      for (const link of batch) {
        const reason = checkLink(link, prev);
        if (reason) return { ok: false, entries: prev.seq, brokenAt: reason === 'sequence-gap' ? prev.seq + 1 : link.seq, reason };
        if (link.detail) {
          if (commitmentOf(link.detail.salt, link.detail) !== link.commitment) {
            return { ok: false, entries: prev.seq, brokenAt: link.seq, reason: 'detail-commitment-mismatch' };
          }
          detailsChecked++;
        }
        prev = { seq: link.seq, hash: link.hash };
      }
      onProgress?.(prev.seq, Math.max(total, prev.seq));
      if (batch.length < VERIFY_BATCH) break;
    }
    const head = await this.db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    if (head.seq !== prev.seq || head.hash !== prev.hash) {
      return { ok: false, entries: prev.seq, brokenAt: Math.min(head.seq, prev.seq + 1), reason: 'head-mismatch' };
    }
    return { ok: true, entries: prev.seq, headHash: prev.hash, detailsChecked };
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
