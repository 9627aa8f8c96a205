// Rebuilding the audit Merkle tree while verification streams through the chain: the same hashes as
// audit-tree.ts (entryLeafHash, RightEdge), made with the one-shot crypto.hash, which costs about a third of
// createHash() with its updates for inputs this short. At a million entries that is seconds of verify.
// NOTE: hash FORMATS are fixed (stored roots and signed heads depend on them): test/unit/tree-rebuild.test.ts
// checks these against audit-tree.ts's own functions.
import { hash } from 'node:crypto';

// As audit-tree.ts's leafText, prefixed with RFC 9162's leaf byte 0x00 (U+0000 is that one byte in UTF-8).
const LEAF_START = '\0evidence-broker-audit-leaf:v1\n';
const EMPTY_ROOT: Buffer = hash('sha256', '', 'buffer') as unknown as Buffer;

/** RFC 9162 leaf hash of an entry's leaf bytes, from its fields (`iso`: its time as toISOString writes it). */
export function leafHashOf(seq: number, kind: string, iso: string, commitment: string): Buffer {
  return hash('sha256', `${LEAF_START}${seq}\n${kind}\n${iso}\n${commitment}\n`, 'buffer') as unknown as Buffer;
}

/** The tree's right edge in memory (as RightEdge): one perfect subtree per 1-bit of the size, largest first. */
export class RebuiltTree {
  size = 0;
  private readonly edge: Buffer[] = [];
  // 0x01 ‖ left ‖ right, reused: the node hash is taken over it at once.
  private readonly node = Buffer.alloc(65);

  constructor() {
    this.node[0] = 0x01;
  }

  private nodeHash(left: Buffer, right: Buffer): Buffer {
    left.copy(this.node, 1);
    right.copy(this.node, 33);
    return hash('sha256', this.node, 'buffer') as unknown as Buffer;
  }

  push(leaf: Buffer): void {
    let h = leaf;
    for (let size = this.size; size % 2 === 1; size = (size - 1) / 2) h = this.nodeHash(this.edge.pop()!, h);
    this.edge.push(h);
    this.size++;
  }

  /** The root hash (hex), RFC 9162's MTH of the leaves so far. */
  root(): string {
    if (this.size === 0) return EMPTY_ROOT.toString('hex');
    let acc = this.edge.at(-1)!;
    for (let i = this.edge.length - 2; i >= 0; i--) acc = this.nodeHash(this.edge[i]!, acc);
    return acc.toString('hex');
  }
}
