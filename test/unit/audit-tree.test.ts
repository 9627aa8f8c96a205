// The audit tree's pure parts against the Merkle code: the right edge verification rebuilds the tree with gives
// the same roots, and appending to a frontier completes the same subtrees as the tree itself.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { appendLeaves, RightEdge, type Frontier } from '../../broker/audit/audit-tree.ts';
import { MemorySubtreeSource, rootHash } from '../../broker/audit/merkle-tree.ts';

const leaf = (i: number) => createHash('sha256').update(`leaf ${i}`).digest();

describe('the audit tree (pure)', () => {
  it('rebuilds every root of sizes 0…70 on its right edge, as the tree computes it', () => {
    const edge = new RightEdge();
    const source = new MemorySubtreeSource();
    expect(edge.root()).to.equal(rootHash(0, source).toString('hex'));
    for (let i = 0; i < 70; i++) {
      edge.push(leaf(i));
      source.append(leaf(i));
      expect(edge.root(), `size ${i + 1}`).to.equal(rootHash(i + 1, source).toString('hex'));
    }
  });

  it('appends batches to a frontier: the same subtrees and roots as one leaf at a time', () => {
    const source = new MemorySubtreeSource();
    let frontier: Frontier = { size: 0, hashes: [] };
    let appended = 0;
    for (const batch of [1, 2, 3, 5, 8, 13, 21]) {
      const leaves = Array.from({ length: batch }, (_, k) => leaf(appended + k));
      const grown = appendLeaves(frontier, leaves);
      const expected = leaves.flatMap((l) => source.append(l));
      expect(grown.completed.map((c) => `${c.level}:${c.index}:${c.hash.toString('hex')}`)).to.deep.equal(expected.map((c) => `${c.level}:${c.index}:${c.hash.toString('hex')}`));
      appended += batch;
      frontier = grown.frontier;
      expect(frontier.size).to.equal(appended);
    }
  });
});
