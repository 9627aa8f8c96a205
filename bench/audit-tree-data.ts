// The audit Merkle tree as the broker stores it — one AuditTreeNode row (level, idx, hash) per PERFECT subtree,
// the right edge in the head row — bulk-written with better-sqlite3 for the bench's large trees, and the proof
// workload: inclusion and consistency proofs through AuditLog's own methods on a tree of millions of leaves.
// NOTE: the hashing here is the bench's own (RFC 9162 §2.1.1 written out), not the broker's tree code: the root
// it computes is the reference that a proof is checked against, with the independent verifier.
import { hash as oneShot } from 'node:crypto';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { AuditLog } from '../broker/audit/audit-log.ts';
import { proofs } from '../broker/audit/audit-tree.ts';
import { verifyConsistency, verifyInclusion } from '../broker/audit/proof-verifier.ts';
import { openDatabase } from '../broker/db/database.ts';
import { migrateSqlite } from '../broker/db/migrate.ts';

const NODE = Buffer.alloc(65);
NODE[0] = 0x01;
/** RFC 9162 node hash SHA-256(0x01 ‖ left ‖ right). */
function nodeHash(left: Buffer, right: Buffer): Buffer {
  left.copy(NODE, 1);
  right.copy(NODE, 33);
  return oneShot('sha256', NODE, 'buffer') as unknown as Buffer;
}

/**
 * Builds a tree leaf by leaf as the broker stores it: each perfect subtree a leaf completes goes to `row`
 * (level 0 = the leaf hash itself); the right edge stays in memory for the root and the head row's frontier.
 */
export class SubtreeRowWriter {
  size = 0;
  /** The frontier: perfect subtree hashes, largest first. */
  private readonly edge: Buffer[] = [];

  constructor(private readonly row: (level: number, idx: number, hash: Buffer) => void) {}

  push(leaf: Buffer): void {
    this.row(0, this.size, leaf);
    let hash = leaf;
    let level = 0;
    for (let at = this.size; at % 2 === 1; ) {
      hash = nodeHash(this.edge.pop()!, hash);
      at = (at - 1) / 2;
      level++;
      this.row(level, at, hash);
    }
    this.edge.push(hash);
    this.size++;
  }

  /** MTH of the leaves so far: the frontier folded from the right (the largest perfect subtree on the left). */
  root(): Buffer {
    if (this.size === 0) return oneShot('sha256', '', 'buffer') as unknown as Buffer;
    let acc = this.edge.at(-1)!;
    for (let i = this.edge.length - 2; i >= 0; i--) acc = nodeHash(this.edge[i]!, acc);
    return acc;
  }

  /** The head row's frontier column: JSON array of hex hashes, highest level first. */
  frontierJson(): string {
    return JSON.stringify(this.edge.map((h) => h.toString('hex')));
  }
}

/** A writer of AuditTreeNode rows into `raw` (call inside a transaction; rows go out 500 to a statement). */
export function treeNodeInserter(raw: Database.Database): { writer: SubtreeRowWriter; flush(): void } {
  const PER_STATEMENT = 500;
  const many = raw.prepare(`INSERT INTO "AuditTreeNode" ("level", "idx", "hash") VALUES ${Array(PER_STATEMENT).fill('(?, ?, ?)').join(', ')}`);
  const one = raw.prepare('INSERT INTO "AuditTreeNode" ("level", "idx", "hash") VALUES (?, ?, ?)');
  let pending: (number | string)[] = [];
  const flush = () => {
    for (let i = 0; i < pending.length; i += 3) one.run(pending[i], pending[i + 1], pending[i + 2]);
    pending = [];
  };
  const writer = new SubtreeRowWriter((level, idx, hash) => {
    pending.push(level, idx, hash.toString('hex'));
    if (pending.length === PER_STATEMENT * 3) {
      many.run(pending);
      pending = [];
    }
  });
  return { writer, flush };
}

/** A synthetic leaf hash: RFC 9162's SHA-256(0x00 ‖ bytes) of a text naming the leaf. */
const syntheticLeaf = (i: number) => oneShot('sha256', `\0bench leaf ${i}`, 'buffer') as unknown as Buffer;

/** Percentiles and the maximum of a list of milliseconds. */
export interface Spread {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function spread(ms: number[]): Spread {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: s.at(-1)! };
}

/** What the proof workload measured. */
export interface ProofResult {
  leaves: number;
  /** AuditTreeNode rows written (perfect subtrees: 2n − popcount(n)). */
  rows: number;
  generateS: number;
  dbMb: number;
  samples: number;
  /** AuditLog.inclusionProof(random index, n). */
  inclusion: Spread & { rowsPerProof: number };
  /** AuditLog.consistencyProof(random from, n). */
  consistency: Spread & { rowsPerProof: number };
  /** The baseline: one AuditTreeNode row by its primary key through the same Prisma client. */
  lookup: Spread;
  /** The same lookup through better-sqlite3 directly, without Prisma (what the database alone costs). */
  rawLookup: Spread;
  /** One inclusion and one consistency proof checked with the independent verifier against the bench's own root. */
  verified: boolean;
}

/** Subtree rows a proof reads: what AuditLog fetches in its one query (the keys the computation asks for). */
function rowsRead(compute: (source: { hash(level: number, index: number): Buffer }) => unknown): number {
  const keys = new Set<string>();
  const placeholder = Buffer.alloc(32);
  compute({
    hash(level, index) {
      keys.add(`${level}:${index}`);
      return placeholder;
    },
  });
  return keys.size;
}

/**
 * Writes the perfect-subtree rows of a tree of `leaves` synthetic leaves into a fresh broker database (its own
 * migrations) and its head row's size and frontier, then times proofs of random indices through AuditLog.
 */
export async function auditProofs(p: { file: string; leaves: number; samples: number }): Promise<ProofResult> {
  migrateSqlite(p.file);
  const genStart = performance.now();
  const raw = new Database(p.file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = OFF'); // generation only
  raw.pragma('cache_size = -262144');
  const { writer, flush } = treeNodeInserter(raw);
  const BATCH = 200_000;
  for (let from = 0; from < p.leaves; from += BATCH) {
    raw.transaction(() => {
      for (let i = from; i < Math.min(p.leaves, from + BATCH); i++) {
        writer.push(syntheticLeaf(i));
      }
      flush();
    })();
    raw.pragma('wal_checkpoint(TRUNCATE)');
  }
  const rows = 2 * p.leaves - popcount(p.leaves);
  const root = writer.root();
  // The chain head is not what proofs read; the tree's size and right edge are (GET /v1/audit/checkpoint signs them).
  raw.prepare('UPDATE "AuditHead" SET "treeSize" = ?, "frontier" = ? WHERE "id" = 1').run(p.leaves, writer.frontierJson());
  const stored = (raw.prepare('SELECT COUNT(*) AS n FROM "AuditTreeNode"').get() as { n: number }).n;
  if (stored !== rows) throw new Error(`expected ${rows} subtree rows, the table holds ${stored}`);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  const generateS = (performance.now() - genStart) / 1000;

  const database = await openDatabase(`file:${p.file}`);
  const rawRead = new Database(p.file, { readonly: true });
  try {
    const audit = new AuditLog(database, 730);
    const n = p.leaves;
    // Random but repeatable indices (a linear congruential sequence), the same for every kind of read.
    let seed = 12345;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    const time = async (fn: (i: number) => Promise<unknown> | unknown, pick: () => number): Promise<number[]> => {
      for (let k = 0; k < Math.min(200, p.samples); k++) await fn(pick());
      const out: number[] = [];
      for (let k = 0; k < p.samples; k++) {
        const i = pick();
        const t0 = performance.now();
        await fn(i);
        out.push(performance.now() - t0);
      }
      return out;
    };

    // The bench can't time garbage: a proof of each kind checks out with the independent verifier against the
    // root the bench computed itself while writing the rows.
    const index = random(n);
    const leafRow = rawRead.prepare('SELECT "hash" FROM "AuditTreeNode" WHERE "level" = 0 AND "idx" = ?').get(index) as { hash: string };
    const inclusionOk = verifyInclusion(Buffer.from(leafRow.hash, 'hex'), index, n, await audit.inclusionProof(index, n), root);
    const from = 1 + random(n - 1);
    const consistencyOk = verifyConsistency(from, n, await audit.consistencyProof(from, n), await audit.rootHash(from), root);

    const inclusion = await time((i) => audit.inclusionProof(i, n), () => random(n));
    const consistency = await time((m) => audit.consistencyProof(m, n), () => 1 + random(n - 1));
    const lookup = await time((i) => database.prisma.auditTreeNode.findUnique({ where: { level_idx: { level: 0, idx: i } } }), () => random(n));
    const one = rawRead.prepare('SELECT "level", "idx", "hash" FROM "AuditTreeNode" WHERE "level" = ? AND "idx" = ?');
    const rawLookup = await time((i) => one.get(0, i), () => random(n));
    // Rows read: the subtree keys each proof's one query fetches, over fresh random sizes.
    const meanRows = (count: (i: number) => number) => {
      let sum = 0;
      for (let k = 0; k < 200; k++) sum += count(k);
      return sum / 200;
    };
    return {
      leaves: n,
      rows,
      generateS,
      dbMb: statSync(p.file).size / 1024 / 1024,
      samples: p.samples,
      inclusion: { ...spread(inclusion), rowsPerProof: meanRows(() => rowsRead((s) => proofs.inclusionProof(random(n), n, s))) },
      consistency: { ...spread(consistency), rowsPerProof: meanRows(() => rowsRead((s) => proofs.consistencyProof(1 + random(n - 1), n, s))) },
      lookup: spread(lookup),
      rawLookup: spread(rawLookup),
      verified: inclusionOk && consistencyOk,
    };
  } finally {
    rawRead.close();
    await database.close();
  }
}

function popcount(n: number): number {
  let bits = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) bits += x % 2;
  return bits;
}
