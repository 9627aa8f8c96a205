// Checks Merkle inclusion and consistency proofs (RFC 9162 §2.1.3.2 and §2.1.4.2) for anyone holding a
// signed root: witnesses, citizens' tools, the broker itself before it signs.
// NOTE: deliberately independent of merkle-tree.ts — it defines its own hashing and follows the RFC's
// bit-level algorithms, so a bug in the tree code cannot be mirrored here and "verify" its own output.
// Hostile input (wrong types, sizes, lengths) makes it answer false; it never throws.
import { createHash } from 'node:crypto';

const HASH_SIZE = 32;
// A safe integer has at most 53 bits: no valid proof for such a tree is longer than this.
const MAX_PROOF_LENGTH = 2 * 53 + 1;

/** RFC 9162 leaf hash, SHA-256(0x00 ‖ leaf bytes), as a verifier computes it. */
export function leafHash(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([0x00])).update(bytes).digest();
}

/** True when `proof` shows the leaf with hash `leaf` at `index` in the tree of `treeSize` leaves with root `root`. */
export function verifyInclusion(leaf: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isHash(leaf) || !isHash(root) || !isProof(proof)) return false;
  if (!isCount(index) || !isCount(treeSize) || index >= treeSize) return false;
  let fn = BigInt(index);
  let sn = BigInt(treeSize) - 1n;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = hashChildren(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = hashChildren(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && r.equals(root);
}

/**
 * True when `proof` shows that the tree of `from` leaves with root `oldRoot` is a prefix of the tree of
 * `to` leaves with root `newRoot`. Equal sizes need an empty proof and equal roots; every tree extends the
 * empty tree, so from = 0 needs an empty proof and oldRoot = SHA-256("").
 */
export function verifyConsistency(from: number, to: number, proof: readonly Uint8Array[], oldRoot: Uint8Array, newRoot: Uint8Array): boolean {
  if (!isHash(oldRoot) || !isHash(newRoot) || !isProof(proof)) return false;
  if (!isCount(from) || !isCount(to) || from > to) return false;
  if (from === 0) return proof.length === 0 && emptyRoot().equals(oldRoot) && (to > 0 || emptyRoot().equals(newRoot));
  if (from === to) return proof.length === 0 && Buffer.from(oldRoot).equals(newRoot);
  if (proof.length === 0) return false;

  const path: readonly Uint8Array[] = isPowerOfTwo(from) ? [oldRoot, ...proof] : proof;
  let fn = BigInt(from) - 1n;
  let sn = BigInt(to) - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  const [first, ...rest] = path;
  if (!first) return false;
  let fr: Buffer = Buffer.from(first);
  let sr: Buffer = Buffer.from(first);
  for (const c of rest) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && fr.equals(oldRoot) && sr.equals(newRoot);
}

function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([0x01])).update(left).update(right).digest();
}

function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

function isProof(value: unknown): value is readonly Uint8Array[] {
  return Array.isArray(value) && value.length <= MAX_PROOF_LENGTH && value.every(isHash);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isPowerOfTwo(n: number): boolean {
  const b = BigInt(n);
  return b > 0n && (b & (b - 1n)) === 0n;
}
