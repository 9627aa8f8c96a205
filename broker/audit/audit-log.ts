// The audit log on the database: appends inside the caller's transaction (or through group commit, where
// concurrent callers share one), verifies the whole chain, and reads a citizen's transfers for the cockpit.
import { createHmac, hkdfSync } from 'node:crypto';
import type { DatabaseTarget } from '../db/database-url.ts';
import { DATABASE_TIME_LIMITS, directSqlOf, TRANSACTION_LIMITS, type Database, type Db, type DbTx } from '../db/database.ts';
import { prismaStatements, type SqlStatements } from '../db/direct-sql.ts';
import { insertRows } from '../db/raw-insert.ts';
import { commitmentOf, linkHash, newSalt, type AuditDetailFields, type AuditEvent, type ChainHead, type ChainLink } from './chain.ts';
import { appendLeaves, entryLeafHash, leafBytesOf, proofs, withFetchedSubtrees, type Frontier } from './audit-tree.ts';
import { leafHash } from './merkle-tree.ts';
import { openChainReader } from './chain-readers.ts';
import { verifyChain, type VerifyResult } from './chain-verification.ts';
import { AuditGroupCommit, type CommitWork } from './group-commit.ts';
import type { KeptLeafSource } from './kept-leaves.ts';
import { isRefusalReason, refusalNamesOwnConsent, REFUSAL_REASONS } from '../../consent/refusal-reasons.ts';

export type { AuditEvent, ChainHead } from './chain.ts';

/** What the citizen sees of every entry about them: its number, its leaf in the Merkle tree, its time and kind. */
interface TransferEntry {
  auditEntryId: number;
  /** Its leaf in the audit Merkle tree (0-based, entry number − 1): what GET /v1/audit/proofs/inclusion takes. */
  leafIndex: number;
  at: Date;
  /** A transfer of data, or a request refused before anything was fetched (nothing transferred). */
  kind: 'transfer' | 'refusal';
}

/** A transfer whose detail row is there: who asked, and what the entry recorded. */
export interface KeptTransfer extends TransferEntry {
  kind: 'transfer';
  detailsMissing: false;
  requester: string;
  requestId: string | null;
  details: Record<string, unknown>;
}

/**
 * A request about the citizen that was refused (by the directory or the consent policy) before any register was
 * asked: nothing was transferred, and the citizen sees who tried, when, why and for which purpose.
 */
export interface RefusedAttempt extends TransferEntry {
  kind: 'refusal';
  detailsMissing: false;
  requester: string;
  /** The refusal's code (consent/refusal-reasons.ts; an unknown code is shown as it is). */
  reason: string;
  /** The consent the refusal is about, when it is the citizen's own (refusalNamesOwnConsent); else null. */
  consentId: string | null;
  details: Record<string, unknown>;
}

/**
 * An entry of the citizen (found by its citizen tag) whose detail row is gone. Before `retentionEndsAt` that is
 * tampering, and the citizen must see it; after it, the purge should have cleared the tag (it is shown until then).
 */
export interface MissingTransfer extends TransferEntry {
  detailsMissing: true;
  /** When the details' retention ends, counted from the entry's own hashed time. */
  retentionEndsAt: Date;
}

/** An entry as the citizen sees it in the cockpit and the transfer log: a transfer, a refused attempt, or either with its details gone. */
export type TransferRecord = KeptTransfer | RefusedAttempt | MissingTransfer;

/** A transfer made under a consent, as the consent lists it. */
export interface ConsentTransfer {
  auditEntryId: number;
  leafIndex: number;
  at: Date;
  requester: string;
  requestId: string | null;
  /** complete, partial or failed; null on a later delivery (`completes`) or an entry without one. */
  outcome: 'complete' | 'partial' | 'failed' | null;
}

/** A transfer in the JSON the API and the cockpit's export give the citizen. */
export function transferJson(t: TransferRecord): Record<string, unknown> {
  const entry = { auditEntryId: t.auditEntryId, leafIndex: t.leafIndex, at: t.at.toISOString(), kind: t.kind };
  // NOTE: an entry whose detail row is gone is listed, not left out: before its retention ends that is tampering.
  if (t.detailsMissing) return { ...entry, detailsMissing: true, retentionEndsAt: t.retentionEndsAt.toISOString() };
  if (t.kind === 'refusal') {
    const d = t.details as { purpose?: unknown; caseReference?: unknown; evidenceTypes?: unknown; legalBasis?: unknown };
    return {
      ...entry,
      requester: t.requester,
      transferred: false,
      reason: { code: t.reason, text: isRefusalReason(t.reason) ? REFUSAL_REASONS[t.reason].en : null },
      ...(d.purpose !== undefined ? { purpose: d.purpose } : {}),
      ...(d.caseReference !== undefined ? { caseReference: d.caseReference } : {}),
      evidenceTypes: Array.isArray(d.evidenceTypes) ? d.evidenceTypes : [],
      ...(d.legalBasis !== undefined ? { legalBasis: d.legalBasis } : {}),
      consentId: t.consentId,
    };
  }
  return { ...entry, requester: t.requester, requestId: t.requestId, ...t.details };
}

/** The head row as an append holds it locked: the chain's head and the Merkle tree's size and right edge. */
export interface LockedHead extends ChainHead {
  treeSize: number;
  /** JSON array of hex hashes (audit-tree.ts Frontier). */
  frontier: string;
}

/** Entries added to the tree per transaction when the tree catches up with older entries. */
const TREE_CATCH_UP_BATCH = 2000;

/** Entries tagged per transaction when start-up tags the entries written before citizen tags existed. */
const TAG_BACKFILL_BATCH = 2000;

/** Detail rows deleted per transaction by the retention purge. */
const PURGE_BATCH = 1000;

/**
 * The key of the citizen tags, derived from DATA_KEY: a secret every broker process of one database already shares
 * and keeps stable (the answers it seals must open in any process). HKDF keeps the tag key apart from the sealing key.
 * NOTE: keyed, because the IdNr has 11 digits with a check digit: a plain hash of it is reversed by trying them all.
 */
export function citizenTagKey(dataKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'audit-citizen-tag', 32));
}

/** The citizen tag of an IdNr: HMAC-SHA256 under the tag key, hex. */
export function citizenTagOf(key: Buffer, idNr: string): string {
  return createHmac('sha256', key).update(idNr, 'utf8').digest('hex');
}

/**
 * Deletes the detail rows whose retention has ended and clears their entries' citizen tags in the same transaction,
 * so after the lawful deletion nothing links the entry to the citizen; returns how many were deleted. A tag whose
 * detail row went missing early stays: that entry is still the citizen's to see.
 */
export async function purgeExpiredDetails(db: Db, now: Date, batch = PURGE_BATCH): Promise<number> {
  let deleted = 0;
  for (;;) {
    const step = await directSqlOf(db).transaction(async (sql) => {
      // Detail first, then the tag (the start-up backfill locks in the same order: details, then entries).
      const gone = await sql.query<{ seq: number }>(
        'DELETE FROM "AuditDetail" WHERE "seq" IN (SELECT "seq" FROM "AuditDetail" WHERE "expiresAt" <= ? ORDER BY "seq" LIMIT ?) RETURNING "seq"',
        [now, batch],
      );
      if (gone.length > 0) {
        await sql.execute(`UPDATE "AuditEntry" SET "citizenTag" = NULL WHERE "seq" IN (${gone.map(() => '?').join(', ')})`, gone.map((r) => Number(r.seq)));
      }
      return gone.length;
    }, TRANSACTION_LIMITS);
    deleted += step;
    if (step < batch) return deleted;
  }
}

/** The personal part of an event as the detail row stores it and its salted commitment covers. */
export function detailFieldsOf(ev: AuditEvent): AuditDetailFields {
  return { citizenIdNr: ev.citizenIdNr, actorId: ev.actorId, requestId: ev.requestId, consentId: ev.consentId, details: JSON.stringify(ev.details) };
}

export class AuditLog {
  private readonly group: AuditGroupCommit<LockedHead>;
  private readonly db: Db;
  private readonly target: DatabaseTarget;

  /** `database`: the open database (its client, and which provider and file or schema it is). */
  constructor(
    database: Pick<Database, 'prisma' | 'target'>,
    private readonly retentionDays: number,
    /** The broker's clock: verification counts a detail's retention to now by it. */
    private readonly clock: () => Date = () => new Date(),
    /** The key of the citizen tags (citizenTagKey); null only in tools that write nothing (entries go untagged). */
    private readonly tagKey: Buffer | null = null,
    /** The leaves kept beside the signing key (kept-leaves.ts): verify names the first entry that differs. */
    private readonly keptLeaves: KeptLeafSource | null = null,
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
  async lockHead(sql: SqlStatements): Promise<LockedHead> {
    // An UPDATE, not a SELECT: it takes the row lock on PostgreSQL and the write lock on SQLite at once.
    const rows = await sql.query<LockedHead>('UPDATE "AuditHead" SET "seq" = "seq" + 0 WHERE "id" = 1 RETURNING "seq", "hash", "treeSize", "frontier"', []);
    if (rows.length !== 1) throw new Error('the audit head row is missing (migrations not applied?)');
    const row = rows[0]!;
    return { ...row, seq: Number(row.seq), treeSize: Number(row.treeSize) };
  }

  /**
   * Adds the entries that are not in the Merkle tree yet (those written before it existed), a batch per
   * transaction under the head lock; returns how many. Start-up runs it; an append catches up the rest itself.
   */
  async catchUpTree(batch = TREE_CATCH_UP_BATCH): Promise<number> {
    let added = 0;
    for (;;) {
      const step = await directSqlOf(this.db).transaction(async (sql) => {
        const head = await this.lockHead(sql);
        if (head.treeSize >= head.seq) return 0;
        const from = head.treeSize;
        const upTo = Math.min(head.seq, from + batch);
        await this.growTree(sql, head, await this.leavesBetween(sql, from, upTo), upTo);
        await sql.execute('UPDATE "AuditHead" SET "treeSize" = ?, "frontier" = ? WHERE "id" = 1', [head.treeSize, head.frontier]);
        return upTo - from;
      }, TRANSACTION_LIMITS);
      if (step === 0) return added;
      added += step;
    }
  }

  /**
   * Tags the entries written before citizen tags existed whose detail row (and so the IdNr) is still there, a batch
   * per transaction; returns how many. Start-up runs it, so an upgraded broker shows those entries to the citizen even
   * if their details go missing later. Entries whose details are already gone cannot be tagged: nothing names the citizen.
   */
  async tagUntaggedEntries(batch = TAG_BACKFILL_BATCH): Promise<number> {
    const key = this.tagKey;
    if (key === null) return 0;
    // NOTE: the detail rows are locked first (PostgreSQL), as the purge deletes them before clearing tags: a purge
    // running meanwhile either waits for this batch (and then clears its tags) or has deleted the rows (not tagged).
    const lock = this.target.provider === 'postgresql' ? ' FOR UPDATE OF d' : '';
    let tagged = 0;
    let after = 0;
    for (;;) {
      const step = await directSqlOf(this.db).transaction(async (sql) => {
        const rows = await sql.query<{ seq: number; citizenIdNr: string }>(
          'SELECT d."seq", d."citizenIdNr" FROM "AuditDetail" d JOIN "AuditEntry" e ON e."seq" = d."seq"' +
            ` WHERE d."seq" > ? AND d."citizenIdNr" IS NOT NULL AND e."citizenTag" IS NULL ORDER BY d."seq" LIMIT ?${lock}`,
          [after, batch],
        );
        if (rows.length === 0) return { count: 0, last: after };
        const cases = rows.map(() => 'WHEN ? THEN ?').join(' ');
        const args = rows.flatMap((r) => [Number(r.seq), citizenTagOf(key, r.citizenIdNr)]);
        await sql.execute(
          `UPDATE "AuditEntry" SET "citizenTag" = CASE "seq" ${cases} END WHERE "seq" IN (${rows.map(() => '?').join(', ')})`,
          [...args, ...rows.map((r) => Number(r.seq))],
        );
        return { count: rows.length, last: Number(rows[rows.length - 1]!.seq) };
      }, TRANSACTION_LIMITS);
      tagged += step.count;
      after = step.last;
      if (step.count < batch) return tagged;
    }
  }

  /** The leaf hashes of the entries after `fromSeq` up to `toSeq`, read in this transaction. */
  private async leavesBetween(sql: SqlStatements, fromSeq: number, toSeq: number): Promise<Buffer[]> {
    const rows = await sql.query<{ seq: number; kind: string; createdAt: Date | string | number; commitment: string }>(
      'SELECT "seq", "kind", "createdAt", "commitment" FROM "AuditEntry" WHERE "seq" > ? AND "seq" <= ? ORDER BY "seq"',
      [fromSeq, toSeq],
    );
    if (rows.length !== toSeq - fromSeq) throw new Error(`the audit log lacks entries between ${fromSeq} and ${toSeq}: the tree cannot be built`);
    return rows.map((r) => entryLeafHash({ seq: Number(r.seq), kind: r.kind, createdAt: new Date(r.createdAt), commitment: r.commitment }));
  }

  /**
   * Appends leaves to the tree of the locked head: inserts the perfect subtrees they complete and sets the head's
   * new size and right edge in `head` (the caller writes the head row).
   */
  private async growTree(sql: SqlStatements, head: LockedHead, leaves: Buffer[], size: number): Promise<void> {
    const frontier: Frontier = { size: head.treeSize, hashes: JSON.parse(head.frontier) as string[] };
    const grown = appendLeaves(frontier, leaves);
    if (grown.frontier.size !== size) throw new Error('the audit tree would not match the entries');
    await insertRows(sql, 'AuditTreeNode', ['level', 'idx', 'hash'], grown.completed.map((c) => ({ level: c.level, idx: c.index, hash: c.hash.toString('hex') })));
    head.treeSize = size;
    head.frontier = JSON.stringify(grown.frontier.hashes);
  }

  /**
   * Writes `events` as the entries after `head`, which this transaction holds locked, adds them to the Merkle
   * tree, and advances both.
   */
  async appendAfter(sql: SqlStatements, head: LockedHead, events: AuditEvent[]): Promise<ChainHead> {
    if (events.length === 0) return head;
    let { seq, hash } = head;
    const entries: (ChainLink & { citizenTag: string | null })[] = [];
    const details: (AuditDetailFields & { seq: number; salt: string; expiresAt: Date })[] = [];
    for (const ev of events) {
      const detail = detailFieldsOf(ev);
      const salt = newSalt();
      seq++;
      const link = { seq, kind: ev.kind, createdAt: ev.at, prevHash: hash, commitment: commitmentOf(salt, detail) };
      hash = linkHash(link);
      const citizenTag = ev.citizenIdNr !== null && this.tagKey !== null ? citizenTagOf(this.tagKey, ev.citizenIdNr) : null;
      entries.push({ ...link, hash, citizenTag });
      details.push({ seq, ...detail, salt, expiresAt: new Date(ev.at.getTime() + this.retentionDays * 86_400_000) });
    }
    // One multi-row INSERT per table (createMany would cap group commit far below what the database takes).
    await insertRows(sql, 'AuditEntry', ['seq', 'kind', 'createdAt', 'prevHash', 'commitment', 'hash', 'citizenTag'], entries);
    await insertRows(sql, 'AuditDetail', ['seq', 'salt', 'citizenIdNr', 'actorId', 'requestId', 'consentId', 'details', 'expiresAt'], details);
    // Entries from before the tree (start-up catches most of them up) join it ahead of these.
    const older = head.treeSize < head.seq ? await this.leavesBetween(sql, head.treeSize, head.seq) : [];
    await this.growTree(sql, head, [...older, ...entries.map(entryLeafHash)], seq);
    await sql.execute('UPDATE "AuditHead" SET "seq" = ?, "hash" = ?, "treeSize" = ?, "frontier" = ? WHERE "id" = 1', [seq, hash, head.treeSize, head.frontier]);
    return { seq, hash };
  }

  /**
   * Recomputes every link and every remaining detail commitment on the calling thread, through a read-only
   * connection of its own; reports the first break. The admin CLI's; the broker runs it in a worker thread.
   */
  async verify(onProgress?: (checked: number, total: number) => void): Promise<VerifyResult> {
    const reader = await openChainReader(this.target, this.db);
    try {
      return await verifyChain(reader, { days: this.retentionDays, now: this.clock() }, onProgress, this.keptLeaves);
    } finally {
      await reader.close();
    }
  }

  /** How many leaves the Merkle tree holds now. */
  async treeSize(): Promise<number> {
    return (await this.db.auditHead.findUniqueOrThrow({ where: { id: 1 } })).treeSize;
  }

  /** The leaf of the entry at 0-based `index` (its bytes and hash), or null beyond the tree (`treeSize` when known). */
  async leaf(index: number, treeSize?: number): Promise<{ bytes: Buffer; hash: Buffer } | null> {
    if (index >= (treeSize ?? (await this.treeSize()))) return null;
    const entry = await this.db.auditEntry.findUnique({ where: { seq: index + 1 } });
    if (!entry) return null;
    const bytes = leafBytesOf(entry);
    return { bytes, hash: leafHash(bytes) };
  }

  /** RFC 9162 inclusion proof of leaf `index` in the tree of `treeSize` leaves (both within the tree). */
  inclusionProof(index: number, treeSize: number): Promise<Buffer[]> {
    return withFetchedSubtrees((source) => proofs.inclusionProof(index, treeSize, source), (keys) => this.subtrees(keys));
  }

  /** RFC 9162 consistency proof between the trees of `from` and `to` leaves. */
  consistencyProof(from: number, to: number): Promise<Buffer[]> {
    return withFetchedSubtrees((source) => proofs.consistencyProof(from, to, source), (keys) => this.subtrees(keys));
  }

  /** The root hash of the tree of `treeSize` leaves (at most the current size). */
  rootHash(treeSize: number): Promise<Buffer> {
    return withFetchedSubtrees((source) => proofs.rootHash(treeSize, source), (keys) => this.subtrees(keys));
  }

  /** The stored perfect subtrees among `keys`, in one read. */
  private async subtrees(keys: { level: number; index: number }[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    if (keys.length === 0) return found;
    const rows = await this.db.auditTreeNode.findMany({ where: { OR: keys.map((k) => ({ level: k.level, idx: k.index })) } });
    for (const r of rows) found.set(`${r.level}:${r.idx}`, Buffer.from(r.hash, 'hex'));
    return found;
  }

  /**
   * The citizen's transfers and refused attempts, newest first: those whose detail row names them, and those their
   * citizen tag finds whose detail row is gone, which are shown as such rather than left out.
   */
  async transfersForCitizen(idNr: string): Promise<TransferRecord[]> {
    const rows = await this.db.auditDetail.findMany({
      where: { citizenIdNr: idNr, entry: { kind: { in: ['transfer', 'refusal'] } } },
      orderBy: { seq: 'desc' },
      include: { entry: { select: { createdAt: true, kind: true } } },
    });
    const kept: TransferRecord[] = rows.map((r) => {
      const entry = { auditEntryId: r.seq, leafIndex: r.seq - 1, at: r.entry.createdAt, detailsMissing: false as const, requester: r.actorId };
      const details = JSON.parse(r.details) as Record<string, unknown>;
      if (r.entry.kind === 'transfer') return { ...entry, kind: 'transfer', requestId: r.requestId, details };
      const reason = typeof details.reason === 'string' ? details.reason : 'unknown';
      const consentId = isRefusalReason(reason) && refusalNamesOwnConsent(reason) ? r.consentId : null;
      return { ...entry, kind: 'refusal', reason, consentId, details };
    });
    if (this.tagKey === null) return kept;
    const orphans = await this.db.auditEntry.findMany({
      where: { citizenTag: citizenTagOf(this.tagKey, idNr), kind: { in: ['transfer', 'refusal'] }, detail: { is: null } },
      orderBy: { seq: 'desc' },
      select: { seq: true, createdAt: true, kind: true },
    });
    if (orphans.length === 0) return kept;
    const missing: TransferRecord[] = orphans.map((e) => ({
      auditEntryId: e.seq,
      leafIndex: e.seq - 1,
      at: e.createdAt,
      kind: e.kind === 'refusal' ? 'refusal' : 'transfer',
      detailsMissing: true,
      retentionEndsAt: new Date(e.createdAt.getTime() + this.retentionDays * 86_400_000),
    }));
    return [...kept, ...missing].sort((a, b) => b.auditEntryId - a.auditEntryId);
  }

  /**
   * The transfers made under each of these consents of one citizen, newest first, by consent id (a consent without
   * any is absent). Only entries whose detail row names both the citizen and the consent count.
   */
  async transfersUnderConsents(idNr: string, consentIds: readonly string[]): Promise<Map<string, ConsentTransfer[]>> {
    const byConsent = new Map<string, ConsentTransfer[]>();
    if (consentIds.length === 0) return byConsent;
    const rows = await this.db.auditDetail.findMany({
      where: { citizenIdNr: idNr, consentId: { in: [...consentIds] }, entry: { kind: 'transfer' } },
      orderBy: { seq: 'desc' },
      include: { entry: { select: { createdAt: true } } },
    });
    for (const r of rows) {
      const details = JSON.parse(r.details) as { outcome?: unknown; completes?: unknown };
      const list = byConsent.get(r.consentId!) ?? [];
      list.push({
        auditEntryId: r.seq,
        leafIndex: r.seq - 1,
        at: r.entry.createdAt,
        requester: r.actorId,
        requestId: r.requestId,
        outcome: details.completes === undefined && (details.outcome === 'complete' || details.outcome === 'partial' || details.outcome === 'failed') ? details.outcome : null,
      });
      byConsent.set(r.consentId!, list);
    }
    return byConsent;
  }
}
