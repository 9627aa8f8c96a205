// Verification rebuilds the Merkle tree with its own one-shot hashing (tree-rebuild.ts, for speed): it must give
// exactly the hashes of audit-tree.ts, which the stored tree rows and signed heads were made with.
import { expect } from 'chai';
import { entryLeafHash, RightEdge } from '../../broker/audit/audit-tree.ts';
import { linkHash, linkHashOf } from '../../broker/audit/chain.ts';
import { leafHashOf, RebuiltTree } from '../../broker/audit/tree-rebuild.ts';

const KINDS = ['transfer', 'refusal', 'consent-granted', 'consent-revoked'];

function entry(i: number) {
  return {
    seq: i + 1,
    kind: KINDS[i % KINDS.length]!,
    // Times before 1970, after 9999 (toISOString's ±YYYYYY form) and ordinary ones.
    createdAt: new Date([1_765_000_000_000 + i * 997, -1_000_000 - i, 253_402_300_800_000 + i][i % 3]!),
    commitment: ((i * 2654435761) % 2 ** 32).toString(16).padStart(64, 'c'),
    prevHash: (i * 40503).toString(16).padStart(64, '0'),
  };
}

describe('the tree verification rebuilds (tree-rebuild.ts)', () => {
  it('makes the leaf hash of audit-tree.ts for every entry', () => {
    for (let i = 0; i < 300; i++) {
      const e = entry(i);
      expect(leafHashOf(e.seq, e.kind, e.createdAt.toISOString(), e.commitment).toString('hex'), `entry ${i}`).to.equal(entryLeafHash(e).toString('hex'));
    }
  });
  it('makes the root of audit-tree.ts at every size from 0 to 300', () => {
    const reference = new RightEdge();
    const rebuilt = new RebuiltTree();
    expect(rebuilt.root()).to.equal(reference.root());
    for (let i = 0; i < 300; i++) {
      const leaf = entryLeafHash(entry(i));
      reference.push(leaf);
      rebuilt.push(leaf);
      expect(rebuilt.size).to.equal(reference.size);
      expect(rebuilt.root(), `size ${i + 1}`).to.equal(reference.root());
    }
  });
  it('keeps the link hash when the time is written once for both', () => {
    for (let i = 0; i < 100; i++) {
      const e = entry(i);
      expect(linkHashOf(e, e.createdAt.toISOString())).to.equal(linkHash(e));
    }
  });
});
