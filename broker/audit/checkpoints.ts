// Signed audit checkpoints: the chain head (length and hash) at a moment, signed with the broker's Ed25519
// key. Whoever keeps a copy of a checkpoint can later prove that the chain up to it was not rewritten:
// the entry at that position must still carry that hash, and the signature must still verify.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Db } from '../db/database.ts';

/** A signed chain head as published. */
export interface Checkpoint {
  seq: number;
  hash: string;
  createdAt: string;
  signature: string;
  keyId: string;
  publicKey: string;
}

const PREFIX = 'evidence-broker-checkpoint:v1';

export function checkpointMessage(cp: Pick<Checkpoint, 'seq' | 'hash' | 'createdAt'>): Buffer {
  return Buffer.from(`${PREFIX}\n${cp.seq}\n${cp.hash}\n${cp.createdAt}`);
}

/** Key id: the first 16 hex digits of the SHA-256 of the public key (SPKI DER) — what a verifier pins. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** Checks the signature with the key the checkpoint names, and that the key is the pinned one if given. */
export function checkpointSignatureValid(cp: Checkpoint, pinnedKeyId?: string): boolean {
  try {
    const key = createPublicKey(cp.publicKey);
    if (keyIdOf(key) !== cp.keyId || (pinnedKeyId !== undefined && cp.keyId !== pinnedKeyId)) return false;
    return verify(null, checkpointMessage(cp), key, Buffer.from(cp.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Why a checkpoint does not hold against the chain. */
export type CheckpointProblem = 'bad-signature' | 'entry-missing' | 'hash-differs' | 'chain-broken';

export class CheckpointService {
  private readonly publicKeyPem: string;
  private readonly keyId: string;

  constructor(
    private readonly db: Db,
    private readonly signingKey: KeyObject,
    private readonly clock: () => Date,
  ) {
    const publicKey = createPublicKey(signingKey);
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = keyIdOf(publicKey);
  }

  get publicKey(): { keyId: string; pem: string } {
    return { keyId: this.keyId, pem: this.publicKeyPem };
  }

  /** Signs the current head unless it is already signed; several brokers may race, one row wins. */
  async create(): Promise<Checkpoint | null> {
    const head = await this.db.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    if (head.seq === 0) return null;
    const existing = await this.db.auditCheckpoint.findUnique({ where: { seq: head.seq } });
    if (existing) return toCheckpoint(existing);
    const createdAt = this.clock();
    const body = { seq: head.seq, hash: head.hash, createdAt: createdAt.toISOString() };
    const signature = sign(null, checkpointMessage(body), this.signingKey).toString('base64');
    try {
      const row = await this.db.auditCheckpoint.create({ data: { ...body, createdAt, signature, keyId: this.keyId, publicKey: this.publicKeyPem } });
      return toCheckpoint(row);
    } catch (err) {
      if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002') return null;
      throw err;
    }
  }

  /** Signs the head when it moved and the last checkpoint is older than `minIntervalMs`. */
  async createIfDue(minIntervalMs: number): Promise<Checkpoint | null> {
    const last = await this.db.auditCheckpoint.findFirst({ orderBy: { seq: 'desc' } });
    if (last && this.clock().getTime() - last.createdAt.getTime() < minIntervalMs) return null;
    return this.create();
  }

  async list(afterSeq: number, limit: number): Promise<Checkpoint[]> {
    const rows = await this.db.auditCheckpoint.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: limit });
    return rows.map(toCheckpoint);
  }

  /** Proves a kept checkpoint against today's chain: signature, then the entry at its position. */
  async check(cp: Checkpoint, pinnedKeyId?: string): Promise<CheckpointProblem | null> {
    if (!checkpointSignatureValid(cp, pinnedKeyId)) return 'bad-signature';
    const entry = await this.db.auditEntry.findUnique({ where: { seq: cp.seq } });
    if (!entry) return 'entry-missing';
    return entry.hash === cp.hash ? null : 'hash-differs';
  }
}

function toCheckpoint(row: { seq: number; hash: string; createdAt: Date; signature: string; keyId: string; publicKey: string }): Checkpoint {
  return { ...row, createdAt: row.createdAt.toISOString() };
}
