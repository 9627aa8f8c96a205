// The leaf hashes kept beside the audit signing key: written at their place (a repeated write changes nothing),
// read back in any slice, and the right edge they make — from the kept frontier or rebuilt from every leaf when
// the frontier is missing, broken or behind — always the tree the leaves make.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RightEdge } from '../../broker/audit/audit-tree.ts';
import { KeptLeaves } from '../../broker/audit/kept-leaves.ts';

const leaf = (i: number) => createHash('sha256').update(`leaf ${i}`).digest();
const leaves = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => leaf(from + k));
const edgeOf = (all: Buffer[]) => {
  const edge = new RightEdge();
  for (const l of all) edge.push(l);
  return edge;
};

describe('the leaves kept beside the audit signing key', () => {
  let dir: string;
  let kept: KeptLeaves;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kept-leaves-'));
    kept = new KeptLeaves(path.join(dir, 'audit.key.leaves'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts empty, and keeps leaves written in batches at their place, readable in any slice', () => {
    expect(kept.size).to.equal(0);
    expect(kept.edge().root()).to.equal(new RightEdge().root());
    kept.writeLeaves(0, leaves(0, 5));
    kept.writeLeaves(5, leaves(5, 13));
    // A batch written again (a retry after a crash, or a second broker on the same key file) changes nothing.
    kept.writeLeaves(5, leaves(5, 13));
    expect(kept.size).to.equal(13);
    expect(kept.read(4, 3)).to.deep.equal(Buffer.concat(leaves(4, 7)));
    expect(() => kept.read(12, 2)).to.throw(/end before leaf 13/);
  });

  it('makes the same right edge from its kept frontier as from every leaf, and from either when the frontier is behind', () => {
    const all = leaves(0, 70);
    kept.writeLeaves(0, all.slice(0, 40));
    kept.writeFrontier(edgeOf(all.slice(0, 40)));
    kept.writeLeaves(40, all.slice(40));
    // The frontier kept is for 40 leaves; the 30 after it are read from the file.
    expect(kept.edge().frontier).to.deep.equal(edgeOf(all).frontier);
    kept.writeFrontier(edgeOf(all));
    expect(kept.edge().frontier).to.deep.equal(edgeOf(all).frontier);
  });

  it('ignores a kept frontier that is broken or ahead of the leaves, and a leaf cut short by a crash', () => {
    const all = leaves(0, 9);
    kept.writeLeaves(0, all);
    writeFileSync(`${kept.file}.frontier`, '{"size": 9, "hashes": ["zz"]}');
    expect(kept.edge().root()).to.equal(edgeOf(all).root());
    kept.writeFrontier(edgeOf(leaves(0, 12)));
    expect(kept.edge().root()).to.equal(edgeOf(all).root());
    appendFileSync(kept.file, Buffer.alloc(7));
    expect(kept.size).to.equal(9);
    expect(kept.edge().root()).to.equal(edgeOf(all).root());
  });

  it('drops the leaves after a size when cut back', () => {
    kept.writeLeaves(0, leaves(0, 9));
    kept.truncate(4);
    expect(statSync(kept.file).size).to.equal(4 * 32);
    expect(kept.edge().root()).to.equal(edgeOf(leaves(0, 4)).root());
  });
});
