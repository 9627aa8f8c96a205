// Signed tree heads of the audit Merkle tree, as C2SP tlog-checkpoint notes signed with the audit key
// (Ed25519). NOTE: the broker never signs a head that does not extend the last one it signed: before signing it
// proves, with the independent verifier, that the tree now is consistent with that last head — kept in the
// database and, out of the database's reach, in a file beside the signing key. A history rewritten in the
// database fails that proof: nothing is signed, the metric is set and /readyz answers 503 with the reason.
// Beside the key it also keeps every leaf it signed (kept-leaves.ts), checked against the root it signs, so
// verify can later name the first entry rewritten after it was signed.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Db } from '../db/database.ts';
import type { AuditLog } from './audit-log.ts';
import type { KeptLeaves } from './kept-leaves.ts';
import { verifyConsistency } from './proof-verifier.ts';
import { checkpointBody, noteVerifier, openNote, parseCheckpoint, signNote, verifierKey, type NoteVerifier } from './signed-note.ts';

/** A signed tree head as kept and served. */
export interface TreeHead {
  treeSize: number;
  rootHash: Buffer;
  /** The signed note (C2SP signed-note with a tlog-checkpoint body). */
  note: string;
}

/** Leaves read from the tree per query when they are kept. */
const KEEP_BATCH = 10_000;

export interface TreeHeadOptions {
  /** The log's name: the checkpoint's origin line and the note key's name. */
  origin: string;
  /** Where the last signed head is kept outside the database (beside the signing key); null: the database only. */
  file: string | null;
  /** The signed leaves kept beside the signing key; null: not kept (the key is not in a file). */
  keptLeaves: KeptLeaves | null;
  log: Logger;
  /** Told once when tampering is found (the metric). */
  onTamper(reason: string): void;
}

export class TreeHeadSigner {
  /** The log key as a note verifier: what opens every head this signer signed. */
  readonly verifier: NoteVerifier;
  /** Why the broker refuses to sign (tampering found), or null. */
  tamper: string | null = null;
  /** When this process began: its first head is due an interval after it, like every later one. */
  private readonly startedAt: Date;

  constructor(
    private readonly db: Db,
    private readonly audit: Pick<AuditLog, 'treeSize' | 'rootHash' | 'consistencyProof'>,
    private readonly signingKey: KeyObject,
    private readonly clock: () => Date,
    private readonly opts: TreeHeadOptions,
  ) {
    this.verifier = noteVerifier(opts.origin, createPublicKey(signingKey));
    this.startedAt = clock();
  }

  /** The verifier key of the log (C2SP note verifier-key format): what witnesses and citizens pin. */
  get logKey(): string {
    return verifierKey(this.opts.origin, createPublicKey(this.signingKey));
  }

  /** The latest signed head, or null before the first. */
  async latest(): Promise<TreeHead | null> {
    const row = await this.db.auditTreeHead.findFirst({ orderBy: { treeSize: 'desc' } });
    return row ? { treeSize: row.treeSize, rootHash: Buffer.from(row.rootHash, 'hex'), note: row.note } : null;
  }

  /** The signed head of `treeSize` leaves, or null when none was signed at that size. */
  async at(treeSize: number): Promise<TreeHead | null> {
    const row = await this.db.auditTreeHead.findUnique({ where: { treeSize } });
    return row ? { treeSize: row.treeSize, rootHash: Buffer.from(row.rootHash, 'hex'), note: row.note } : null;
  }

  /**
   * Signs the tree as it is now, after proving it extends the last signed head (database and file); returns the
   * head, the existing one when the tree has not grown, or null when it refuses (tampering) or the tree is empty.
   */
  async sign(): Promise<TreeHead | null> {
    if (this.tamper !== null) return null;
    const size = await this.audit.treeSize();
    if (size === 0) return null;
    const root = await this.audit.rootHash(size);
    const latest = await this.latest();
    for (const last of [latest, this.fromFile()]) {
      if (last === null) continue;
      const problem = await this.extends(last, size, root);
      if (problem !== null) return this.refuse(problem);
    }
    const unkept = await this.keepLeaves(size, root);
    if (unkept !== null) return this.refuse(unkept);
    if (latest && latest.treeSize === size) return latest;
    const note = signNote(checkpointBody({ origin: this.opts.origin, size, rootHash: root }), this.opts.origin, this.signingKey);
    try {
      await this.db.auditTreeHead.create({ data: { treeSize: size, rootHash: root.toString('hex'), note, createdAt: this.clock() } });
    } catch (err) {
      // Another broker signed this size first: its head is the one kept (and was proven the same way).
      if ((err as { code?: unknown }).code !== 'P2002') throw err;
    }
    this.toFile(note);
    return { treeSize: size, rootHash: root, note };
  }

  /** Signs when the tree grew and the last head is older than `minIntervalMs` (the checkpoint interval). */
  async signIfDue(minIntervalMs: number): Promise<TreeHead | null> {
    const last = await this.db.auditTreeHead.findFirst({ orderBy: { treeSize: 'desc' } });
    if (this.clock().getTime() - (last?.createdAt ?? this.startedAt).getTime() < minIntervalMs) return null;
    return this.sign();
  }

  /** Null when the tree of `size` leaves with `root` extends `last`, else what is wrong. */
  private async extends(last: TreeHead, size: number, root: Buffer): Promise<string | null> {
    if (last.treeSize > size) return `the tree has ${size} leaves, fewer than the ${last.treeSize} of the last signed head`;
    const proof = last.treeSize === size ? [] : await this.audit.consistencyProof(last.treeSize, size).catch(() => null);
    if (proof === null) return `the tree lacks what proves it extends the signed head of ${last.treeSize} leaves`;
    const consistent = last.treeSize === size ? last.rootHash.equals(root) : verifyConsistency(last.treeSize, size, proof, last.rootHash, root);
    return consistent ? null : `the tree of ${size} leaves does not extend the signed head of ${last.treeSize} leaves: the audit log was changed`;
  }

  /**
   * Keeps the leaves the kept file lacks up to `size`, after checking that the kept ones and these make `root`:
   * what is kept is exactly what gets signed. Null when kept, else what is wrong.
   */
  private async keepLeaves(size: number, root: Buffer): Promise<string | null> {
    const kept = this.opts.keptLeaves;
    if (kept === null) return null;
    const edge = kept.edge();
    const start = edge.size;
    if (start > size) return `${start} leaves were kept beside the signing key, but the tree has ${size}: the audit log was cut`;
    let holds = false;
    try {
      for (let from = start; from < size; from += KEEP_BATCH) {
        const to = Math.min(size, from + KEEP_BATCH);
        const rows = await this.db.auditTreeNode.findMany({ where: { level: 0, idx: { gte: from, lt: to } }, orderBy: { idx: 'asc' }, select: { idx: true, hash: true } });
        if (rows.length !== to - from || rows.some((r, i) => r.idx !== from + i)) return `the audit tree lacks leaves between ${from} and ${to - 1}`;
        const leaves = rows.map((r) => Buffer.from(r.hash, 'hex'));
        for (const leaf of leaves) edge.push(leaf);
        // Written as read, so a long catch-up never holds every leaf in memory; cut off again unless the root holds.
        kept.writeLeaves(from, leaves);
      }
      if (edge.root() !== root.toString('hex')) {
        return start === size
          ? `the ${size} leaves kept beside the signing key do not make the tree's root: the audit log was changed`
          : `the tree's leaves ${start}…${size - 1} do not make its root: the audit log was changed`;
      }
      if (size > start) kept.writeFrontier(edge);
      holds = true;
      return null;
    } finally {
      if (!holds && size > start) kept.truncate(start);
    }
  }

  private refuse(reason: string): null {
    this.tamper = reason;
    this.opts.log.error({ reason }, 'audit log tampering detected: no tree head is signed');
    this.opts.onTamper(reason);
    return null;
  }

  /** The last head kept in the file, when it is there and verifies with the log key. */
  private fromFile(): TreeHead | null {
    const file = this.opts.file;
    if (file === null || !existsSync(file)) return null;
    try {
      const note = readFileSync(file, 'utf8');
      const cp = parseCheckpoint(openNote(note, [this.verifier]).text);
      return { treeSize: cp.size, rootHash: cp.rootHash, note };
    } catch (err) {
      this.opts.log.warn({ err, file }, 'the last signed tree head kept in the file does not verify; the database copy is used');
      return null;
    }
  }

  private toFile(note: string): void {
    const file = this.opts.file;
    if (file === null) return;
    // Written whole and renamed: a crash leaves the previous head, never half a note.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, note, { mode: 0o600 });
    renameSync(tmp, file);
  }
}
