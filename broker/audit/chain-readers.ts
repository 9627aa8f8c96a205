// Where chain verification (chain-verification.ts) reads the chain from: a connection of its own, read-only,
// on one snapshot, so it can run in a worker thread beside the broker. Rows are read raw: Prisma's row
// mapping would cost more than the hashing.
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { DatabaseTarget } from '../db/database-url.ts';
import type { Db } from '../db/database.ts';
import type { ChainHead, ChainLink } from './chain.ts';
import type { ChainPage, ChainReader, DetailRow, SignedRoot } from './chain-verification.ts';

// Small pages keep the rows short-lived, so the garbage collector never has to move them.
const PAGE_SIZE = 1_000;
// The PostgreSQL type of Prisma's DateTime columns: a timestamp without zone, which Prisma writes in UTC.
const TIMESTAMP_OID = 1114;

const pageSql = (param: string) => `
  SELECT e."seq", e."kind", e."createdAt", e."prevHash", e."commitment", e."hash",
         d."seq", d."salt", d."citizenIdNr", d."actorId", d."requestId", d."consentId", d."details"
    FROM "AuditEntry" e LEFT JOIN "AuditDetail" d ON d."seq" = e."seq"
   WHERE e."seq" > ${param} ORDER BY e."seq" LIMIT ${PAGE_SIZE}`;
const HEAD_SQL = 'SELECT "seq", "hash" FROM "AuditHead" WHERE "id" = 1';
const TREE_HEADS_SQL = 'SELECT "treeSize", "rootHash" FROM "AuditTreeHead" ORDER BY "treeSize"';

function treeHeadsOf(rows: { treeSize: unknown; rootHash: string }[]): SignedRoot[] {
  return rows.map((r) => ({ treeSize: Number(r.treeSize), rootHash: r.rootHash }));
}

/**
 * A reader of its own on `target`. An in-memory SQLite database exists only on the broker's own
 * connection: `db` (its Prisma client) is read then, on the calling thread.
 */
export async function openChainReader(target: DatabaseTarget, db?: Db): Promise<ChainReader> {
  if (target.provider === 'postgresql') return postgresChainReader(target);
  if (target.file !== ':memory:') {
    const { default: Sqlite } = await import('better-sqlite3');
    return sqliteChainReader(new Sqlite(target.file, { readonly: true, fileMustExist: true }));
  }
  if (!db) throw new Error('an in-memory database can only be read through the broker\'s own connection');
  return prismaChainReader(db);
}

/** Reads a stored date: ISO text (UTC if it names no zone) or epoch ms (SQLite), or PostgreSQL's text. */
function storedDate(value: unknown): Date {
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  const text = String(value);
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

function head(row: { seq: unknown; hash: string } | undefined): ChainHead {
  if (!row) throw new Error('the audit head row is missing');
  return { seq: Number(row.seq), hash: row.hash };
}

/** A page from rows of pageSql's columns. */
function pageOf(rows: unknown[][]): ChainPage {
  const links: ChainLink[] = [];
  const details: DetailRow[] = [];
  for (const r of rows) {
    const seq = Number(r[0]);
    links.push({ seq, kind: r[1] as string, createdAt: storedDate(r[2]), prevHash: r[3] as string, commitment: r[4] as string, hash: r[5] as string });
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
}

function sqliteChainReader(raw: BetterSqlite3.Database): ChainReader {
  // One read transaction: every page and the head come from the same snapshot, even while the broker
  // appends (WAL lets it write meanwhile). Pages are awaited, so an event loop breathes between them.
  raw.exec('BEGIN');
  const pageQuery = raw.prepare(pageSql('?')).raw();
  const headQuery = raw.prepare(HEAD_SQL);
  const treeHeadsQuery = raw.prepare(TREE_HEADS_SQL);
  return {
    pageSize: PAGE_SIZE,
    head: async () => head(headQuery.get() as ChainHead | undefined),
    signedRoots: async () => treeHeadsOf(treeHeadsQuery.all() as { treeSize: unknown; rootHash: string }[]),
    async page(afterSeq) {
      await new Promise((resolve) => setImmediate(resolve));
      return pageOf(pageQuery.all(afterSeq) as unknown[][]);
    },
    async close() {
      raw.close();
    },
  };
}

async function postgresChainReader(target: Extract<DatabaseTarget, { provider: 'postgresql' }>): Promise<ChainReader> {
  const { default: postgres } = await import('pg');
  const types = new postgres.TypeOverrides();
  // As text, read by storedDate like SQLite's: pg would read a timestamp without zone in local time.
  types.setTypeParser(TIMESTAMP_OID, (text: string) => text);
  const client: pg.Client = new postgres.Client({ connectionString: target.connectionString, options: `-c search_path="${target.schema}"`, types });
  // A dropped connection fails the query in progress; without a listener it would also end the process.
  client.on('error', () => undefined);
  await client.connect();
  // One snapshot for every page and the head, read-only, while the brokers go on appending.
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const text = pageSql('$1');
  return {
    pageSize: PAGE_SIZE,
    head: async () => head((await client.query<ChainHead>(HEAD_SQL)).rows[0]),
    signedRoots: async () => treeHeadsOf((await client.query<{ treeSize: unknown; rootHash: string }>(TREE_HEADS_SQL)).rows),
    page: async (afterSeq) => pageOf((await client.query<unknown[]>({ text, values: [afterSeq], rowMode: 'array' })).rows),
    close: () => client.end(),
  };
}

function prismaChainReader(db: Db): ChainReader {
  return {
    pageSize: PAGE_SIZE,
    head: () => db.auditHead.findUniqueOrThrow({ where: { id: 1 }, select: { seq: true, hash: true } }),
    signedRoots: async () => treeHeadsOf(await db.auditTreeHead.findMany({ orderBy: { treeSize: 'asc' }, select: { treeSize: true, rootHash: true } })),
    async page(afterSeq) {
      const links = await db.auditEntry.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: PAGE_SIZE });
      if (links.length === 0) return { links, details: [] };
      const details = await db.auditDetail.findMany({
        where: { seq: { gt: afterSeq, lte: links[links.length - 1]!.seq } },
        orderBy: { seq: 'asc' },
        select: { seq: true, salt: true, citizenIdNr: true, actorId: true, requestId: true, consentId: true, details: true },
      });
      return { links, details };
    },
    close: async () => undefined,
  };
}
