// The audit log on the database: appends inside the caller's transaction (or through group commit, where
// concurrent callers share one), verifies the whole chain, and reads a citizen's transfers for the cockpit.
import type BetterSqlite3 from 'better-sqlite3';
import type { DatabaseTarget } from '../db/database-url.ts';
import { DATABASE_TIME_LIMITS, type Database, type Db, type DbTx } from '../db/database.ts';
import { prismaStatements, type SqlStatements } from '../db/direct-sql.ts';
import { insertRows } from '../db/raw-insert.ts';
import {
  GENESIS_HASH,
  checkLink,
  commitmentOf,
  linkHash,
  newSalt,
  type AuditDetailFields,
  type AuditEvent,
  type ChainBreak,
  type ChainHead,
  type ChainLink,
} from './chain.ts';
import { AuditGroupCommit, type CommitWork } from './group-commit.ts';

export type { AuditEvent, ChainHead } from './chain.ts';

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

const VERIFY_BATCH = 20_000;
// Small pages keep the rows short-lived, so the garbage collector never has to move them (measured: 20,000
// rows a page spent a third of the time in GC).
const SQLITE_VERIFY_BATCH = 1_000;

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

  /** Recomputes every link and every remaining detail commitment; reports the first break. */
  async verify(onProgress?: (checked: number, total: number) => void): Promise<VerifyResult> {
    const reader = await this.chainReader();
    try {
      return await verifyChain(reader, onProgress);
    } finally {
      reader.close();
    }
  }

  /**
   * On SQLite a read-only better-sqlite3 connection on the same file: Prisma's row mapping costs more than
   * the hashing (1M entries: ~9 s of CPU through Prisma vs ~1 s raw). Elsewhere keyset pages via Prisma.
   */
  private async chainReader(): Promise<ChainReader> {
    // An in-memory database exists only on Prisma's own connection: read it through Prisma.
    if (this.target.provider === 'sqlite' && this.target.file !== ':memory:') {
      const { default: Sqlite } = await import('better-sqlite3');
      return sqliteChainReader(new Sqlite(this.target.file, { readonly: true, fileMustExist: true }));
    }
    return prismaChainReader(this.db);
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

/** A detail's stored fields, as verification needs them. */
type DetailRow = AuditDetailFields & { seq: number; salt: string };

/** One page of the chain: entries in seq order and the details that remain for them, also by seq. */
interface ChainPage {
  links: ChainLink[];
  details: DetailRow[];
}

/** Where verification reads the chain from; all reads of one run see one state of the database. */
interface ChainReader {
  /** Entries per page; a shorter page is the last. */
  pageSize: number;
  head(): Promise<ChainHead>;
  /** The next `pageSize` entries after `afterSeq`. */
  page(afterSeq: number): Promise<ChainPage>;
  close(): void;
}

async function verifyChain(reader: ChainReader, onProgress?: (checked: number, total: number) => void): Promise<VerifyResult> {
  const total = onProgress ? (await reader.head()).seq : 0;
  let prev = { seq: 0, hash: GENESIS_HASH };
  let detailsChecked = 0;
  // NOTE: the next page is read while this one is hashed (that overlaps on PostgreSQL).
  let next = reader.page(0);
  for (;;) {
    const { links, details } = await next;
    if (links.length === reader.pageSize) next = reader.page(links[links.length - 1]!.seq);
    let d = 0;
    for (const link of links) {
      const reason = checkLink(link, prev);
      if (reason) return { ok: false, entries: prev.seq, brokenAt: reason === 'sequence-gap' ? prev.seq + 1 : link.seq, reason };
      while (d < details.length && details[d]!.seq < link.seq) d++;
      const detail = details[d];
      if (detail && detail.seq === link.seq) {
        if (commitmentOf(detail.salt, detail) !== link.commitment) {
          return { ok: false, entries: prev.seq, brokenAt: link.seq, reason: 'detail-commitment-mismatch' };
        }
        detailsChecked++;
      }
      prev = { seq: link.seq, hash: link.hash };
    }
    onProgress?.(prev.seq, Math.max(total, prev.seq));
    if (links.length < reader.pageSize) break;
  }
  const head = await reader.head();
  if (head.seq !== prev.seq || head.hash !== prev.hash) {
    return { ok: false, entries: prev.seq, brokenAt: Math.min(head.seq, prev.seq + 1), reason: 'head-mismatch' };
  }
  return { ok: true, entries: prev.seq, headHash: prev.hash, detailsChecked };
}

function prismaChainReader(db: Db): ChainReader {
  return {
    pageSize: VERIFY_BATCH,
    head: () => db.auditHead.findUniqueOrThrow({ where: { id: 1 }, select: { seq: true, hash: true } }),
    async page(afterSeq) {
      const links = await db.auditEntry.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: VERIFY_BATCH });
      if (links.length === 0) return { links, details: [] };
      const details = await db.auditDetail.findMany({
        where: { seq: { gt: afterSeq, lte: links[links.length - 1]!.seq } },
        orderBy: { seq: 'asc' },
        select: { seq: true, salt: true, citizenIdNr: true, actorId: true, requestId: true, consentId: true, details: true },
      });
      return { links, details };
    },
    close: () => undefined,
  };
}

/** Reads a date the way Prisma stored it in SQLite: ISO text (UTC if it names no zone) or epoch ms. */
function sqliteDate(value: unknown): Date {
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  const text = String(value);
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

function sqliteChainReader(raw: BetterSqlite3.Database): ChainReader {
  // One read transaction: every page and the head come from the same snapshot, even while the broker
  // appends (WAL lets it write meanwhile). Pages are awaited, so the event loop breathes between them.
  raw.exec('BEGIN');
  const pageQuery = raw
    .prepare(
      `SELECT e.seq, e.kind, e.createdAt, e.prevHash, e.commitment, e.hash,
              d.seq, d.salt, d.citizenIdNr, d.actorId, d.requestId, d.consentId, d.details
         FROM AuditEntry e LEFT JOIN AuditDetail d ON d.seq = e.seq
        WHERE e.seq > ? ORDER BY e.seq LIMIT ${SQLITE_VERIFY_BATCH}`,
    )
    .raw();
  const headQuery = raw.prepare('SELECT seq, hash FROM AuditHead WHERE id = 1');
  return {
    pageSize: SQLITE_VERIFY_BATCH,
    async head() {
      const head = headQuery.get() as ChainHead | undefined;
      if (!head) throw new Error('the audit head row is missing');
      return { seq: Number(head.seq), hash: head.hash };
    },
    async page(afterSeq) {
      await new Promise((resolve) => setImmediate(resolve));
      const links: ChainLink[] = [];
      const details: DetailRow[] = [];
      for (const r of pageQuery.all(afterSeq) as unknown[][]) {
        const seq = Number(r[0]);
        links.push({ seq, kind: r[1] as string, createdAt: sqliteDate(r[2]), prevHash: r[3] as string, commitment: r[4] as string, hash: r[5] as string });
        if (r[6] !== null) {
          details.push({
            seq,
            salt: r[7] as string,
            citizenIdNr: r[8] as string | null,
            actorId: r[9] as string,
            requestId: r[10] as string | null,
            consentId: r[11] as string | null,
            details: r[12] as string,
          });
        }
      }
      return { links, details };
    },
    close() {
      raw.close();
    },
  };
}
