// Audit workloads through the real AuditLog: durable appends per second (one transaction each, the baseline,
// or group commit), a process-kill test, and verifying a long chain bulk-inserted with better-sqlite3.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { createHistogram, performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { AuditLog, detailFieldsOf, type AuditEvent } from '../broker/audit/audit-log.ts';
import { entryLeafHash } from '../broker/audit/audit-tree.ts';
import { commitmentOf, linkHash, newSalt } from '../broker/audit/chain.ts';
import { checkpointBody, signNote } from '../broker/audit/signed-note.ts';
import { openDatabase, type Db } from '../broker/db/database.ts';
import { EVIDENCE_TYPES } from '../adapters/index.ts';
import { migrateSqlite } from '../broker/db/migrate.ts';
import { treeNodeInserter } from './audit-tree-data.ts';
import { sqliteDateWriter } from './bench-db.ts';
import { benchCitizens } from './citizens.ts';

const RETENTION_DAYS = 730;

/** A transfer entry the size the broker writes (one item per evidence type, with their hashes). */
export function transferEvent(i: number, idNr: string, at: Date): AuditEvent {
  const hash = (k: number) => (i * 7919 + k).toString(16).padStart(64, 'a');
  return {
    kind: 'transfer',
    at,
    citizenIdNr: idNr,
    actorId: 'elterngeldstelle-bench',
    requestId: randomUUID(),
    consentId: randomUUID(),
    details: {
      purpose: 'elterngeld',
      caseReference: `EG-BENCH-${i}`,
      basis: { basis: 'consent', consentId: '5b3c0a3e-6f3e-4f7d-9d0e-1c2b3a4d5e6f' },
      outcome: 'complete',
      items: EVIDENCE_TYPES.map((type, k) => ({ type, register: `${type}-register`, status: 'delivered', dataHash: hash(k + 1) })),
    },
  };
}

async function sqlitePragma(db: Db, name: string): Promise<string> {
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`);
  const v = String(Object.values(rows[0] ?? {})[0]);
  return name === 'synchronous' ? (({ '0': 'OFF', '1': 'NORMAL', '2': 'FULL', '3': 'EXTRA' } as Record<string, string>)[v] ?? v) : v;
}

/** `transaction`: db.$transaction + AuditLog.append per caller (the baseline); `group-commit`: callers await
 *  AuditLog.record(), which batches whatever queued while the previous batch committed. */
export type AppendMode = 'transaction' | 'group-commit';

/** Result of an append run. */
export interface AppendResult {
  provider: string;
  mode: AppendMode;
  synchronous: string | null;
  journalMode: string | null;
  concurrency: number;
  perTransaction: number;
  appends: number;
  appendsPerS: number;
  /** Per transaction (mode transaction) or per caller from request to acknowledgement (group-commit). */
  txP50Ms: number;
  txP99Ms: number;
  chainVerified: boolean;
  /** Leaves in the Merkle tree afterwards (head row and level-0 rows agree): every append grew the tree in its transaction. */
  treeLeaves: number;
}

export async function auditAppends(p: {
  databaseUrl: string;
  durationMs: number;
  concurrency: number;
  perTransaction: number;
  synchronous?: 'FULL' | 'NORMAL';
  /** Default: `transaction` for one append per transaction, `group-commit` for more. */
  mode?: AppendMode;
}): Promise<AppendResult> {
  const mode = p.mode ?? (p.perTransaction > 1 ? 'group-commit' : 'transaction');
  const database = await openDatabase(p.databaseUrl);
  const db = database.prisma;
  const sqlite = database.target.provider === 'sqlite';
  try {
    if (sqlite && p.synchronous) await db.$executeRawUnsafe(`PRAGMA synchronous = ${p.synchronous}`);
    const audit = new AuditLog(database, RETENTION_DAYS);
    const citizens = benchCitizens(1000, 3);
    const hist = createHistogram();
    let appends = 0;
    // A warm-up of half a second, not counted.
    let warm = 0;
    for (const warmEnd = performance.now() + 500; performance.now() < warmEnd; warm++) {
      await db.$transaction((tx) => audit.append(tx, transferEvent(warm, citizens[warm % 1000]!, new Date())));
    }
    const start = performance.now();
    const end = start + p.durationMs;
    const worker = async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await db.$transaction(async (tx) => {
          for (let k = 0; k < p.perTransaction; k++) {
            await audit.append(tx, transferEvent(appends + k, citizens[(appends + k) % 1000]!, new Date()));
          }
        });
        hist.record(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        appends += p.perTransaction;
      }
    };
    const caller = async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const i = appends++;
        await audit.record(transferEvent(i, citizens[i % 1000]!, new Date()));
        hist.record(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      }
    };
    if (mode === 'transaction') await Promise.all(Array.from({ length: p.concurrency }, worker));
    else await Promise.all(Array.from({ length: p.concurrency * p.perTransaction }, caller));
    const elapsed = performance.now() - start;
    const verified = await audit.verify();
    // The tree grows in each append's own transaction (AuditLog.appendAfter): as many leaves as entries.
    const head = await db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    const leafRows = await db.auditTreeNode.count({ where: { level: 0 } });
    return {
      provider: database.target.provider,
      mode,
      synchronous: sqlite ? await sqlitePragma(db, 'synchronous') : null,
      journalMode: sqlite ? await sqlitePragma(db, 'journal_mode') : null,
      concurrency: p.concurrency,
      perTransaction: p.perTransaction,
      appends,
      appendsPerS: appends / (elapsed / 1000),
      txP50Ms: hist.percentile(50) / 1000,
      txP99Ms: hist.percentile(99) / 1000,
      chainVerified: verified.ok && verified.entries === appends + warm,
      treeLeaves: head.treeSize === leafRows && leafRows === verified.entries ? leafRows : -1,
    };
  } finally {
    await database.close();
  }
}

/** Appends (one per transaction, then group commit), notes the last acknowledged entry in a side file and
 *  SIGKILLs this process right after it; `auditAfterKill` then checks what is on disk. */
export async function auditAppendThenKill(p: { databaseUrl: string; durationMs: number; ackFile: string }): Promise<never> {
  const database = await openDatabase(p.databaseUrl);
  const db = database.prisma;
  const audit = new AuditLog(database, RETENTION_DAYS);
  const half = performance.now() + p.durationMs / 2;
  const end = performance.now() + p.durationMs;
  let last = 0;
  let i = 0;
  while (performance.now() < half) {
    last = await db.$transaction((tx) => audit.append(tx, transferEvent(i, '86095742719', new Date())));
    i++;
  }
  const caller = async () => {
    while (performance.now() < end) last = Math.max(last, await audit.record(transferEvent(i++, '86095742719', new Date())));
  };
  await Promise.all(Array.from({ length: 64 }, caller));
  writeFileSync(p.ackFile, String(last));
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

export async function auditAfterKill(p: { databaseUrl: string }): Promise<{ entries: number; verified: boolean }> {
  const database = await openDatabase(p.databaseUrl);
  try {
    const result = await new AuditLog(database, RETENTION_DAYS).verify();
    return { entries: result.entries, verified: result.ok };
  } finally {
    await database.close();
  }
}

/** Result of generating and verifying a long chain. */
export interface VerifyResult {
  entries: number;
  /** Signed tree heads in the database (the last at `entries`): verify rebuilds the whole Merkle tree to compare. */
  signedHeads: number;
  /** What AuditLog.verify reported checking (the same in every run). */
  signedHeadsChecked: number;
  detailsChecked: number;
  generateS: number;
  dbMb: number;
  /** The fastest of the runs. */
  verifyS: number;
  /** Every run, in order. */
  verifyRunsS: number[];
  verifyEntriesPerS: number;
  ok: boolean;
  /** The same checks over better-sqlite3 directly, without Prisma: what hashing alone costs. */
  rawVerifyS: number;
  rawOk: boolean;
}

/** How often the chain is verified (the fastest run counts). */
const VERIFY_RUNS = 2;
/** Signed tree heads the bench's chain holds: one per tenth of it, the last at its end. */
const SIGNED_HEADS = 10;
const ORIGIN = 'bench.evidence-broker.example/audit';

/**
 * Writes a chain of `entries` transfer entries into a fresh broker database at `file` (its own migrations): the
 * entries and their details, the Merkle tree's subtree rows and head, and signed tree heads, the last at the end.
 */
export async function generateChain(p: { file: string; entries: number }): Promise<{ generateS: number; signedHeads: number }> {
  migrateSqlite(p.file);
  // One entry through the real AuditLog first: it fixes the genesis link and shows how Prisma stores dates.
  const first = await openDatabase(`file:${p.file}`);
  const t0 = new Date('2026-01-01T00:00:00Z');
  await first.prisma.$transaction((tx) => new AuditLog(first, RETENTION_DAYS).append(tx, transferEvent(0, '86095742719', t0)));
  await first.close();

  const genStart = performance.now();
  const raw = new Database(p.file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = OFF'); // generation only; the chain is verified from what is on disk
  const sample = raw.prepare('SELECT e.createdAt AS c, e.hash AS h FROM AuditEntry e WHERE seq = 1').get() as { c: unknown; h: string };
  const dateOf = sqliteDateWriter(sample.c);
  const insertEntry = raw.prepare('INSERT INTO AuditEntry (seq, kind, createdAt, prevHash, commitment, hash) VALUES (?, ?, ?, ?, ?, ?)');
  const insertDetail = raw.prepare(
    'INSERT INTO AuditDetail (seq, salt, citizenIdNr, actorId, requestId, consentId, details, expiresAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertHead = raw.prepare('INSERT INTO AuditTreeHead (treeSize, rootHash, note, createdAt) VALUES (?, ?, ?, ?)');
  // The tree as the broker keeps it (a perfect-subtree row each, the right edge in the head row), and signed tree
  // heads through the chain, the last at its end: verify rebuilds the whole tree and compares every head.
  raw.prepare('DELETE FROM AuditTreeNode').run();
  const { writer: tree, flush: flushTree } = treeNodeInserter(raw);
  const firstEntry = raw.prepare('SELECT seq, kind, createdAt, commitment FROM AuditEntry WHERE seq = 1').get() as { seq: number; kind: string; commitment: string };
  tree.push(entryLeafHash({ ...firstEntry, createdAt: t0 }));
  const { privateKey: logKey } = generateKeyPairSync('ed25519');
  const headEvery = Math.ceil(p.entries / SIGNED_HEADS);
  let signedHeads = 0;
  const signHead = () => {
    const rootHash = tree.root();
    const note = signNote(checkpointBody({ origin: ORIGIN, size: tree.size, rootHash }), ORIGIN, logKey);
    insertHead.run(tree.size, rootHash.toString('hex'), note, dateOf(new Date(t0.getTime() + tree.size * 1000)));
    signedHeads++;
  };
  const citizens = benchCitizens(10_000, 5);
  let prevHash = sample.h;
  const BATCH = 20_000;
  for (let from = 2; from <= p.entries; from += BATCH) {
    const to = Math.min(p.entries, from + BATCH - 1);
    raw.transaction(() => {
      for (let seq = from; seq <= to; seq++) {
        const at = new Date(t0.getTime() + seq * 1000);
        const ev = transferEvent(seq, citizens[seq % citizens.length]!, at);
        const detail = detailFieldsOf(ev);
        const salt = newSalt();
        const link = { seq, kind: ev.kind, createdAt: at, prevHash, commitment: commitmentOf(salt, detail) };
        const hash = linkHash(link);
        insertEntry.run(seq, link.kind, dateOf(at), prevHash, link.commitment, hash);
        const expires = new Date(at.getTime() + RETENTION_DAYS * 86_400_000);
        insertDetail.run(seq, salt, detail.citizenIdNr, detail.actorId, detail.requestId, detail.consentId, detail.details, dateOf(expires));
        tree.push(entryLeafHash(link));
        if (seq % headEvery === 0 || seq === p.entries) signHead();
        prevHash = hash;
      }
      flushTree();
    })();
  }
  raw.prepare('UPDATE AuditHead SET seq = ?, hash = ?, treeSize = ?, frontier = ? WHERE id = 1').run(p.entries, prevHash, tree.size, tree.frontierJson());
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  return { generateS: (performance.now() - genStart) / 1000, signedHeads };
}

export async function auditVerify(p: { file: string; entries: number }): Promise<VerifyResult> {
  const { generateS, signedHeads } = await generateChain(p);
  // NOTE: the fastest of VERIFY_RUNS counts (all are reported): a shared machine's noise only slows a run.
  const database = await openDatabase(`file:${p.file}`);
  const verifyRunsS: number[] = [];
  const rawRunsS: number[] = [];
  let ok = true;
  let rawOk = true;
  let signedHeadsChecked = 0;
  let detailsChecked = 0;
  try {
    for (let run = 0; run < VERIFY_RUNS; run++) {
      const v0 = performance.now();
      const verified = await new AuditLog(database, RETENTION_DAYS).verify();
      verifyRunsS.push((performance.now() - v0) / 1000);
      ok &&= verified.ok && verified.entries === p.entries && verified.signedHeadsChecked === signedHeads;
      if (verified.ok) ({ signedHeadsChecked, detailsChecked } = verified);
      const r0 = performance.now();
      rawOk &&= rawVerify(p.file, p.entries);
      rawRunsS.push((performance.now() - r0) / 1000);
    }
  } finally {
    await database.close();
  }
  const verifyS = Math.min(...verifyRunsS);
  const rawVerifyS = Math.min(...rawRunsS);

  return {
    entries: p.entries,
    signedHeads,
    signedHeadsChecked,
    detailsChecked,
    generateS,
    dbMb: statSync(p.file).size / 1024 / 1024,
    verifyS,
    verifyRunsS,
    verifyEntriesPerS: p.entries / verifyS,
    ok,
    rawVerifyS,
    rawOk,
  };
}

/** The chain check over better-sqlite3, streaming one joined row at a time. */
function rawVerify(file: string, expected: number): boolean {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT e.seq, e.kind, e.createdAt, e.prevHash, e.commitment, e.hash,
                d.salt, d.citizenIdNr, d.actorId, d.requestId, d.consentId, d.details
           FROM AuditEntry e LEFT JOIN AuditDetail d ON d.seq = e.seq ORDER BY e.seq`,
      )
      .iterate() as IterableIterator<Record<string, string | number | null>>;
    let prev = { seq: 0, hash: '0'.repeat(64) };
    for (const r of rows) {
      const createdAt = typeof r.createdAt === 'number' ? new Date(r.createdAt) : new Date(String(r.createdAt));
      const link = { seq: Number(r.seq), kind: String(r.kind), createdAt, prevHash: String(r.prevHash), commitment: String(r.commitment) };
      if (link.seq !== prev.seq + 1 || link.prevHash !== prev.hash || linkHash(link) !== r.hash) return false;
      if (r.salt !== null) {
        const d = { citizenIdNr: r.citizenIdNr as string | null, actorId: String(r.actorId), requestId: r.requestId as string | null, consentId: r.consentId as string | null, details: String(r.details) };
        if (commitmentOf(String(r.salt), d) !== link.commitment) return false;
      }
      prev = { seq: link.seq, hash: String(r.hash) };
    }
    return prev.seq === expected;
  } finally {
    db.close();
  }
}
