// The audit log's Merkle tree (RFC 9162 §2.1): hashing, root hashes, inclusion and consistency proofs.
// Pure: every hash is read through a SubtreeSource, which the broker backs with a table of PERFECT subtree
// hashes (2^level leaves, aligned). Such a subtree never changes once complete, so rows are only ever
// inserted; any other node (the right edge of a tree whose size is not a power of two) is folded on
// demand from the perfect subtrees that tile it.
//
// NOTE: cost bound, in reads of the source for a tree of n leaves (checked by the unit tests):
//   rootHash          ≤ ⌈log2 n⌉           (one read per 1-bit of n)
//   inclusionProof    ≤ 2·⌈log2 n⌉         (one read per level, plus one right-edge fold)
//   consistencyProof  ≤ 2·⌈log2 n⌉ + 1     (as inclusion, plus the old tree's own subtree)
//   subtreesCompletedBy = number of ancestors it completes (amortized 1 per append)
// The fold happens at most once per proof: once a path turns left off the right edge, every later
// sibling lies inside a perfect subtree and is itself perfect.
import { createHash, hash } from 'node:crypto';

/** Where the tree reads perfect-subtree hashes: 2^level leaves starting at leaf index·2^level (level 0 = leaf hashes). */
export interface SubtreeSource {
  hash(level: number, index: number): Buffer;
}

/** A perfect subtree completed by an append: the row the broker stores for it. */
export interface CompletedSubtree {
  level: number;
  index: number;
  hash: Buffer;
}

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);
const HASH_SIZE = 32;
// NOTE: the one-shot crypto.hash costs about a third of createHash() with its updates for inputs this short:
// seconds when verify rebuilds a tree of a million leaves.
const sha256 = (data: Buffer): Buffer => hash('sha256', data, 'buffer') as unknown as Buffer;

/** RFC 9162 leaf hash: SHA-256(0x00 ‖ leaf bytes). */
export function leafHash(bytes: Uint8Array): Buffer {
  return sha256(Buffer.concat([LEAF_PREFIX, bytes]));
}

/** RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(Buffer.concat([NODE_PREFIX, left, right]));
}

/** Root hash of the empty tree: SHA-256 of the empty string (a fresh copy each call: Buffers are mutable). */
export function emptyRootHash(): Buffer {
  return createHash('sha256').digest();
}

/** The tree hash of the first treeSize leaves, MTH(D[0:treeSize]). */
export function rootHash(treeSize: number, source: SubtreeSource): Buffer {
  requireCount('treeSize', treeSize);
  return treeSize === 0 ? emptyRootHash() : rangeHash(0, treeSize, source);
}

/** RFC 9162 §2.1.3.1 PATH(index, D[0:treeSize]), leaf side first. */
export function inclusionProof(index: number, treeSize: number, source: SubtreeSource): Buffer[] {
  requireCount('treeSize', treeSize);
  requireCount('index', index);
  if (index >= treeSize) throw new RangeError(`index ${index} is not below treeSize ${treeSize}`);
  const rootSide: Buffer[] = [];
  let start = 0;
  let end = treeSize;
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (index < start + k) {
      rootSide.push(rangeHash(start + k, end, source));
      end = start + k;
    } else {
      rootSide.push(rangeHash(start, start + k, source));
      start += k;
    }
  }
  return rootSide.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(from, D[0:to]), deepest node first; empty when from is 0 or equals to. */
export function consistencyProof(from: number, to: number, source: SubtreeSource): Buffer[] {
  requireCount('from', from);
  requireCount('to', to);
  if (from > to) throw new RangeError(`from ${from} is above to ${to}`);
  if (from === 0 || from === to) return [];
  // SUBPROOF(m, D[start:end], b) unrolled: `from` is the absolute end of the old tree, and
  // `oldTreeIsWhole` is b — true while the current node starts where the old tree starts.
  const rootSide: Buffer[] = [];
  let start = 0;
  let end = to;
  let oldTreeIsWhole = true;
  while (from !== end) {
    const k = largestPowerOfTwoBelow(end - start);
    if (from - start <= k) {
      rootSide.push(rangeHash(start + k, end, source));
      end = start + k;
    } else {
      rootSide.push(rangeHash(start, start + k, source));
      start += k;
      oldTreeIsWhole = false;
    }
  }
  if (!oldTreeIsWhole) rootSide.push(rangeHash(start, end, source));
  return rootSide.reverse();
}

/**
 * The perfect subtrees that become complete when leaf `index` is appended: the leaf itself (level 0) and
 * each ancestor it closes. Reads the left siblings, which are complete already.
 */
export function subtreesCompletedBy(index: number, leaf: Buffer, source: SubtreeSource): CompletedSubtree[] {
  requireCount('index', index);
  if (leaf.length !== HASH_SIZE) throw new RangeError(`a leaf hash has ${HASH_SIZE} bytes, got ${leaf.length}`);
  const completed: CompletedSubtree[] = [{ level: 0, index, hash: leaf }];
  let level = 0;
  let at = index;
  let hash = leaf;
  // An odd index at a level is a right child: appending it closes its parent.
  while (at % 2 === 1) {
    hash = nodeHash(source.hash(level, at - 1), hash);
    at = (at - 1) / 2;
    level += 1;
    completed.push({ level, index: at, hash });
  }
  return completed;
}

/** A SubtreeSource held in memory, filled leaf by leaf: for tests and for verifiers that rebuild a tree. */
export class MemorySubtreeSource implements SubtreeSource {
  private readonly levels: Buffer[][] = [];

  get size(): number {
    return this.levels[0]?.length ?? 0;
  }

  append(leaf: Buffer): CompletedSubtree[] {
    const completed = subtreesCompletedBy(this.size, leaf, this);
    for (const subtree of completed) (this.levels[subtree.level] ??= [])[subtree.index] = subtree.hash;
    return completed;
  }

  hash(level: number, index: number): Buffer {
    const hash = this.levels[level]?.[index];
    if (!hash) throw new RangeError(`no complete subtree at level ${level}, index ${index}`);
    return hash;
  }
}

// MTH(D[start:end]) for a node of the tree. Every node of an RFC 9162 tree starts at a multiple of the
// power of two at or above its size, so tiling it left to right with the largest power of two that fits
// gives aligned perfect subtrees; their hashes fold from the right, as the recursion in §2.1.1 does.
function rangeHash(start: number, end: number, source: SubtreeSource): Buffer {
  const tiles: Buffer[] = [];
  let at = start;
  while (at < end) {
    let size = 1;
    let level = 0;
    while (size * 2 <= end - at) {
      size *= 2;
      level += 1;
    }
    if (at % size !== 0) throw new Error(`[${start}, ${end}) is not a node of a Merkle tree`);
    tiles.push(source.hash(level, at / size));
    at += size;
  }
  let hash = tiles.pop();
  if (!hash) throw new Error(`[${start}, ${end}) is empty`);
  for (let tile = tiles.pop(); tile; tile = tiles.pop()) hash = nodeHash(tile, hash);
  return hash;
}

// The k of RFC 9162: the largest power of two smaller than n (n > 1). A loop, not Math.log2, which
// rounds 2^50 - 1 up to 50.
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function requireCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
}
