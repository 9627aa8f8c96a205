// The audit log as a Merkle tree (RFC 9162): one leaf per audit entry, in sequence order (leaf index = seq − 1).
// A leaf holds no personal data in clear — the entry's kind, its time and the salted commitment to its
// details — so proofs stay valid after retention deletes the details. The database keeps the hash of every
// PERFECT subtree (rows only ever inserted) and, in the head row, the tree's right edge ("frontier": one
// perfect subtree per 1-bit of the size), so an append reads nothing but the head it locks anyway.
import { hash } from 'node:crypto';
import { consistencyProof, emptyRootHash, inclusionProof, nodeHash, rootHash, subtreesCompletedBy, type CompletedSubtree, type SubtreeSource } from './merkle-tree.ts';

/** The fields of an entry a leaf is made of. */
export interface LeafFields {
  seq: number;
  kind: string;
  createdAt: Date;
  commitment: string;
}

const LEAF_PREFIX = 'evidence-broker-audit-leaf:v1';

const leafText = (e: LeafFields) => `${LEAF_PREFIX}\n${e.seq}\n${e.kind}\n${e.createdAt.toISOString()}\n${e.commitment}\n`;

/** The leaf bytes of an entry: published as they are, hashed as RFC 9162 leaves. */
export function leafBytesOf(e: LeafFields): Buffer {
  return Buffer.from(leafText(e), 'utf8');
}

/** The tree's right edge: the hashes of its perfect subtrees from the largest down, as the head row keeps them. */
export interface Frontier {
  size: number;
  /** Hex, one per 1-bit of `size`, highest level first. */
  hashes: string[];
}

/** The (level, index) of each subtree of the frontier of a tree of `size` leaves, highest level first. */
export function frontierPositions(size: number): { level: number; index: number }[] {
  const out: { level: number; index: number }[] = [];
  for (let level = 31; level >= 0; level--) if (Math.floor(size / 2 ** level) % 2 === 1) out.push({ level, index: Math.floor(size / 2 ** level) - 1 });
  return out;
}

/**
 * Appends leaves to a tree known by its frontier: the perfect subtrees they complete (to insert) and the new
 * frontier. Pure; reads only the frontier and what the batch itself completes.
 */
export function appendLeaves(frontier: Frontier, leaves: readonly Buffer[]): { completed: CompletedSubtree[]; frontier: Frontier } {
  const known = new Map<string, Buffer>();
  frontierPositions(frontier.size).forEach((p, i) => known.set(`${p.level}:${p.index}`, Buffer.from(frontier.hashes[i]!, 'hex')));
  const source: SubtreeSource = {
    hash(level, index) {
      const hash = known.get(`${level}:${index}`);
      if (hash === undefined) throw new Error(`the audit tree's frontier lacks subtree ${level}:${index}`);
      return hash;
    },
  };
  const completed: CompletedSubtree[] = [];
  let size = frontier.size;
  for (const leaf of leaves) {
    for (const subtree of subtreesCompletedBy(size, leaf, source)) {
      completed.push(subtree);
      known.set(`${subtree.level}:${subtree.index}`, subtree.hash);
    }
    size++;
  }
  const hashes = frontierPositions(size).map((p) => source.hash(p.level, p.index).toString('hex'));
  return { completed, frontier: { size, hashes } };
}

/**
 * A tree's right edge kept in memory while leaves stream by (verification rebuilds the tree with it): one
 * perfect subtree per 1-bit of the size, O(1) hashing per leaf amortized.
 */
export class RightEdge {
  size = 0;
  /** Perfect subtree hashes, largest first (the frontier). */
  private readonly hashes: Buffer[] = [];

  /** The right edge of a tree known by its frontier. */
  static from(frontier: Frontier): RightEdge {
    const edge = new RightEdge();
    edge.size = frontier.size;
    edge.hashes.push(...frontier.hashes.map((h) => Buffer.from(h, 'hex')));
    return edge;
  }

  /** The frontier of the tree so far, as the head row keeps it. */
  get frontier(): Frontier {
    return { size: this.size, hashes: this.hashes.map((h) => h.toString('hex')) };
  }

  /** A copy that grows on its own. */
  clone(): RightEdge {
    return RightEdge.from(this.frontier);
  }

  push(leaf: Buffer): void {
    let hash = leaf;
    // Each 1-bit at the bottom of the size is a subtree the new leaf completes a larger one with.
    for (let size = this.size; size % 2 === 1; size = Math.floor(size / 2)) hash = nodeHash(this.hashes.pop()!, hash);
    this.hashes.push(hash);
    this.size++;
  }

  /** The root hash (hex): RFC 9162's split, the largest perfect subtree on the left. */
  root(): string {
    if (this.size === 0) return emptyRootHash().toString('hex');
    let acc: Buffer = this.hashes.at(-1)!;
    for (let i = this.hashes.length - 2; i >= 0; i--) acc = nodeHash(this.hashes[i]!, acc);
    return acc.toString('hex');
  }
}

// The leaf text prefixed with RFC 9162's leaf byte 0x00 (U+0000 is that one byte in UTF-8).
const LEAF_START = `\0${LEAF_PREFIX}\n`;

/** The leaf hash of an entry: RFC 9162's SHA-256(0x00 ‖ leaf bytes), hashed from the text in one go. */
export function entryLeafHash(e: LeafFields): Buffer {
  return leafHashOf(e.seq, e.kind, e.createdAt.toISOString(), e.commitment);
}

/** The same from the entry's fields, its time already written as toISOString writes it (verify writes it once). */
export function leafHashOf(seq: number, kind: string, iso: string, commitment: string): Buffer {
  return hash('sha256', `${LEAF_START}${seq}\n${kind}\n${iso}\n${commitment}\n`, 'buffer') as unknown as Buffer;
}

/**
 * Runs a proof computation against subtree hashes fetched in one read: first with a recording source (which
 * subtrees a proof reads depends only on the sizes, never on the hashes), then with the fetched ones.
 */
export async function withFetchedSubtrees<T>(compute: (source: SubtreeSource) => T, fetch: (keys: { level: number; index: number }[]) => Promise<Map<string, Buffer>>): Promise<T> {
  const wanted = new Map<string, { level: number; index: number }>();
  const placeholder = Buffer.alloc(32);
  compute({
    hash(level, index) {
      wanted.set(`${level}:${index}`, { level, index });
      return placeholder;
    },
  });
  const fetched = await fetch([...wanted.values()]);
  return compute({
    hash(level, index) {
      const hash = fetched.get(`${level}:${index}`);
      if (hash === undefined) throw new MissingSubtreeError(level, index);
      return hash;
    },
  });
}

/** A subtree the tree should hold is not in the database: the tree is incomplete or was tampered with. */
export class MissingSubtreeError extends Error {
  override name = 'MissingSubtreeError';
  constructor(level: number, index: number) {
    super(`the audit tree lacks subtree ${level}:${index}`);
  }
}

export const proofs = { inclusionProof, consistencyProof, rootHash };
