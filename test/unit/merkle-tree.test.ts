import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  MemorySubtreeSource,
  consistencyProof,
  emptyRootHash,
  inclusionProof,
  leafHash,
  nodeHash,
  rootHash,
  subtreesCompletedBy,
  type SubtreeSource,
} from '../../broker/audit/merkle-tree.ts';
import { leafHash as verifierLeafHash, verifyConsistency, verifyInclusion } from '../../broker/audit/proof-verifier.ts';

const hex = (s: string) => Buffer.from(s, 'hex');
const b64 = (s: string) => Buffer.from(s, 'base64');
const sha256 = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();

// The reference tree of transparency-dev/merkle's testonly package (RFC 6962 = RFC 9162 hashing).
const REFERENCE_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex);
const REFERENCE_NODES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];
const REFERENCE_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// transparency-dev/merkle testdata/inclusion/*/happy-path.json and testdata/consistency/*/happy-path.json.
const INCLUSION_VECTORS = [
  { index: 0, treeSize: 1, proof: [] as string[] },
  { index: 0, treeSize: 8, proof: ['lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=', 'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=', 'a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ='] },
  { index: 5, treeSize: 8, proof: ['vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=', 'yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=', '037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc='] },
  { index: 2, treeSize: 3, proof: ['+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU='] },
  { index: 1, treeSize: 5, proof: ['bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=', 'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=', 'vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms='] },
];
const CONSISTENCY_VECTORS = [
  { from: 1, to: 1, proof: [] as string[] },
  { from: 1, to: 8, proof: ['lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=', 'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=', 'a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ='] },
  { from: 6, to: 8, proof: ['DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=', 'yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=', '037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc='] },
  { from: 2, to: 5, proof: ['Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=', 'vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms='] },
  { from: 6, to: 7, proof: ['DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=', 'sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=', '037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc='] },
];

// The definition of RFC 9162 §2.1.1, written out recursively over the leaf bytes: the reference the
// stored-subtree code must agree with.
function naiveRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return sha256(Buffer.from([0]), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

// Reads only subtrees that lie wholly inside the first `treeSize` leaves, as the broker's table would
// hold them when the tree had that size; anything else is a bug in the proof code.
function asOfSize(source: SubtreeSource, treeSize: number): SubtreeSource {
  return {
    hash(level, index) {
      if ((index + 1) * 2 ** level > treeSize) throw new Error(`read (${level}, ${index}) beyond tree size ${treeSize}`);
      return source.hash(level, index);
    },
  };
}

function counting(source: SubtreeSource): SubtreeSource & { reads: number } {
  const counter = {
    reads: 0,
    hash(level: number, index: number) {
      counter.reads += 1;
      return source.hash(level, index);
    },
  };
  return counter;
}

function flipped(proof: Buffer[], at: number): Buffer[] {
  return proof.map((h, i) => (i === at ? Buffer.from(h.map((byte, j) => (j === 7 ? byte ^ 0x10 : byte))) : h));
}

const MAX_SIZE = 70;
const leaves = Array.from({ length: MAX_SIZE }, (_, i) => REFERENCE_LEAVES[i] ?? Buffer.from(`audit entry ${i}`));
const tree = new MemorySubtreeSource();
for (const leaf of leaves) tree.append(leafHash(leaf));
const roots = Array.from({ length: MAX_SIZE + 1 }, (_, size) => naiveRoot(leaves.slice(0, size)));

describe('audit Merkle tree (RFC 9162)', () => {
  describe('hashing', () => {
    it('matches the RFC 6962/9162 known answers for the empty tree, a leaf and a node', () => {
      expect(emptyRootHash().toString('hex')).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect(leafHash(Buffer.alloc(0)).toString('hex')).to.equal('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
      expect(leafHash(Buffer.from('L123456')).toString('hex')).to.equal('395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
      expect(nodeHash(Buffer.from('N123'), Buffer.from('N456')).toString('hex')).to.equal('aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb');
    });
    it('the verifier hashes leaves exactly as the tree does', () => {
      for (const leaf of leaves) expect(verifierLeafHash(leaf).equals(leafHash(leaf))).to.equal(true);
    });
  });

  describe('the reference tree of eight leaves', () => {
    it('stores every perfect subtree with the reference hash', () => {
      REFERENCE_NODES.forEach((level, l) => level.forEach((h, i) => expect(tree.hash(l, i).toString('hex'), `level ${l} index ${i}`).to.equal(h)));
    });
    it('gives the reference root for every size 0…8', () => {
      REFERENCE_ROOTS.forEach((h, size) => expect(rootHash(size, tree).toString('hex'), `size ${size}`).to.equal(h));
    });
    it('generates the reference inclusion proofs, and the verifier accepts them', () => {
      for (const v of INCLUSION_VECTORS) {
        const proof = inclusionProof(v.index, v.treeSize, tree);
        expect(proof.map((h) => h.toString('base64')), `${v.index}@${v.treeSize}`).to.deep.equal(v.proof);
        const root = hex(REFERENCE_ROOTS[v.treeSize]!);
        expect(verifyInclusion(hex(REFERENCE_NODES[0]![v.index]!), v.index, v.treeSize, v.proof.map(b64), root)).to.equal(true);
      }
    });
    it('generates the reference consistency proofs, and the verifier accepts them', () => {
      for (const v of CONSISTENCY_VECTORS) {
        const proof = consistencyProof(v.from, v.to, tree);
        expect(proof.map((h) => h.toString('base64')), `${v.from}→${v.to}`).to.deep.equal(v.proof);
        const [oldRoot, newRoot] = [hex(REFERENCE_ROOTS[v.from]!), hex(REFERENCE_ROOTS[v.to]!)];
        expect(verifyConsistency(v.from, v.to, v.proof.map(b64), oldRoot, newRoot)).to.equal(true);
      }
    });
  });

  describe('for every tree size 1…70', () => {
    it('the root equals the recursive definition', () => {
      for (let size = 0; size <= MAX_SIZE; size++) expect(rootHash(size, asOfSize(tree, size)).equals(roots[size]!), `size ${size}`).to.equal(true);
    });

    it('every leaf has an inclusion proof that verifies, and no tampered variant does', () => {
      let checked = 0;
      for (let size = 1; size <= MAX_SIZE; size++) {
        const root = roots[size]!;
        for (let index = 0; index < size; index++) {
          const leaf = leafHash(leaves[index]!);
          const proof = inclusionProof(index, size, asOfSize(tree, size));
          const at = `${index}@${size}`;
          expect(verifyInclusion(leaf, index, size, proof, root), at).to.equal(true);
          expect(verifyInclusion(leafHash(Buffer.from('not in the log')), index, size, proof, root), `${at} wrong leaf`).to.equal(false);
          if (size > 1) expect(verifyInclusion(leaf, (index + 1) % size, size, proof, root), `${at} wrong index`).to.equal(false);
          expect(verifyInclusion(leaf, index, size, proof, roots[size - 1]!), `${at} wrong root`).to.equal(false);
          for (let i = 0; i < proof.length; i++) expect(verifyInclusion(leaf, index, size, flipped(proof, i), root), `${at} flipped ${i}`).to.equal(false);
          if (proof.length > 0) expect(verifyInclusion(leaf, index, size, proof.slice(0, -1), root), `${at} truncated`).to.equal(false);
          expect(verifyInclusion(leaf, index, size, [...proof, root], root), `${at} extended`).to.equal(false);
          checked += 1;
        }
      }
      expect(checked).to.equal((MAX_SIZE * (MAX_SIZE + 1)) / 2);
    });

    it('every pair of sizes has a consistency proof that verifies, and no tampered variant does', () => {
      let checked = 0;
      for (let to = 1; to <= MAX_SIZE; to++) {
        for (let from = 1; from <= to; from++) {
          const proof = consistencyProof(from, to, asOfSize(tree, to));
          const [oldRoot, newRoot] = [roots[from]!, roots[to]!];
          const at = `${from}→${to}`;
          expect(verifyConsistency(from, to, proof, oldRoot, newRoot), at).to.equal(true);
          if (from < to) {
            expect(verifyConsistency(from, to, proof, roots[from - 1]!, newRoot), `${at} wrong old root`).to.equal(false);
            expect(verifyConsistency(from, to, proof, oldRoot, roots[to - 1]!), `${at} wrong new root`).to.equal(false);
            expect(verifyConsistency(from, to, proof, newRoot, oldRoot), `${at} swapped roots`).to.equal(false);
            expect(verifyConsistency(from, to, proof.slice(0, -1), oldRoot, newRoot), `${at} truncated`).to.equal(false);
            expect(verifyConsistency(from, to, [...proof, newRoot], oldRoot, newRoot), `${at} extended`).to.equal(false);
            for (let i = 0; i < proof.length; i++) expect(verifyConsistency(from, to, flipped(proof, i), oldRoot, newRoot), `${at} flipped ${i}`).to.equal(false);
          } else {
            expect(proof).to.deep.equal([]);
            expect(verifyConsistency(from, to, [oldRoot], oldRoot, newRoot), `${at} needless proof`).to.equal(false);
          }
          checked += 1;
        }
      }
      expect(checked).to.equal((MAX_SIZE * (MAX_SIZE + 1)) / 2);
    });
  });

  describe('appending', () => {
    it('completes the leaf and each ancestor it closes: 2 rows per leaf on average', () => {
      const source = new MemorySubtreeSource();
      const completed = leaves.slice(0, 8).map((leaf) => source.append(leafHash(leaf)).map(({ level, index }) => `${level}:${index}`));
      expect(completed).to.deep.equal([['0:0'], ['0:1', '1:0'], ['0:2'], ['0:3', '1:1', '2:0'], ['0:4'], ['0:5', '1:2'], ['0:6'], ['0:7', '1:3', '2:1', '3:0']]);
      let rows = 0;
      for (const leaf of leaves.slice(8)) rows += source.append(leafHash(leaf)).length;
      expect(rows / (MAX_SIZE - 8)).to.be.within(1.8, 2.1);
    });
    it('computes the completed subtrees from the left siblings alone', () => {
      const completed = subtreesCompletedBy(7, leafHash(leaves[7]!), asOfSize(tree, 7));
      expect(completed.at(-1)).to.deep.include({ level: 3, index: 0 });
      expect(completed.at(-1)!.hash.toString('hex')).to.equal(REFERENCE_ROOTS[8]);
    });
  });

  describe('refusing requests outside the tree', () => {
    it('throws a RangeError for an index at or past the size, from past to, or a non-integer', () => {
      expect(() => inclusionProof(5, 5, tree)).to.throw(RangeError);
      expect(() => inclusionProof(-1, 5, tree)).to.throw(RangeError);
      expect(() => consistencyProof(6, 5, tree)).to.throw(RangeError);
      expect(() => rootHash(1.5, tree)).to.throw(RangeError);
      expect(() => rootHash(MAX_SIZE + 1, tree)).to.throw(RangeError);
    });
    it('returns an empty consistency proof from the empty tree and between equal sizes', () => {
      expect(consistencyProof(0, 9, tree)).to.deep.equal([]);
      expect(consistencyProof(9, 9, tree)).to.deep.equal([]);
      expect(verifyConsistency(0, 9, [], emptyRootHash(), roots[9]!)).to.equal(true);
    });
  });

  describe('the verifier on malformed or hostile input', () => {
    const root = roots[8]!;
    const leaf = leafHash(leaves[3]!);
    const proof = inclusionProof(3, 8, tree);
    it('answers false, never throws', () => {
      const junk: unknown[] = [null, undefined, 'x', 3n, -1, 1.5, NaN, Infinity, 2 ** 60, {}, [], Buffer.alloc(31), Buffer.alloc(33), [null], [Buffer.alloc(5)]];
      const call = (f: (...args: never[]) => boolean, ...args: unknown[]) => (f as (...a: unknown[]) => boolean)(...args);
      for (const j of junk) {
        for (let slot = 0; slot < 5; slot++) {
          const inclusionArgs: unknown[] = [leaf, 3, 8, proof, root];
          inclusionArgs[slot] = j;
          expect(() => call(verifyInclusion, ...inclusionArgs)).not.to.throw();
          expect(call(verifyInclusion, ...inclusionArgs), `inclusion slot ${slot} = ${String(j)}`).to.equal(false);
          const consistencyArgs: unknown[] = [4, 8, consistencyProof(4, 8, tree), roots[4], root];
          consistencyArgs[slot] = j;
          expect(() => call(verifyConsistency, ...consistencyArgs)).not.to.throw();
          expect(call(verifyConsistency, ...consistencyArgs), `consistency slot ${slot} = ${String(j)}`).to.equal(false);
        }
      }
    });
    it('refuses an index at or past the size, from past to, and from 0 with a proof or a wrong empty root', () => {
      expect(verifyInclusion(leaf, 8, 8, proof, root)).to.equal(false);
      expect(verifyInclusion(leaf, 3, 0, [], root)).to.equal(false);
      expect(verifyConsistency(8, 4, [], root, roots[4]!)).to.equal(false);
      expect(verifyConsistency(0, 8, [emptyRootHash()], emptyRootHash(), root)).to.equal(false);
      expect(verifyConsistency(0, 8, [], root, root)).to.equal(false);
      expect(verifyConsistency(0, 0, [], emptyRootHash(), root)).to.equal(false);
      expect(verifyConsistency(4, 4, [], roots[4]!, root)).to.equal(false);
      expect(verifyConsistency(4, 8, [], roots[4]!, root)).to.equal(false);
    });
    it('refuses a proof that is absurdly long before hashing it', () => {
      expect(verifyInclusion(leaf, 3, 8, Array.from({ length: 10_000 }, () => root), root)).to.equal(false);
    });
  });

  describe('at 10 million leaves', () => {
    // A lazy source of a tree whose leaves are all the same: subtree hashes are consistent (so proofs
    // verify) and computed per level, with nothing stored.
    const n = 10_000_000;
    const byLevel = [leafHash(Buffer.from('same entry'))];
    for (let l = 1; l <= 24; l++) byLevel.push(nodeHash(byLevel[l - 1]!, byLevel[l - 1]!));
    const lazy = counting(asOfSize({ hash: (level) => byLevel[level]! }, n));
    const bound = 2 * Math.ceil(Math.log2(n));

    it(`reads at most 2·⌈log2 n⌉ = ${bound} stored subtrees per proof, and the proofs verify`, () => {
      const root = rootHash(n, lazy);
      let most = { inclusion: 0, consistency: 0 };
      for (const index of [0, 1, 4_194_303, 4_194_304, 8_388_607, 8_388_608, 9_999_998, n - 1, 1_234_567, 7_654_321]) {
        lazy.reads = 0;
        const proof = inclusionProof(index, n, lazy);
        most = { ...most, inclusion: Math.max(most.inclusion, lazy.reads) };
        expect(lazy.reads, `inclusion ${index}`).to.be.at.most(bound);
        expect(verifyInclusion(byLevel[0]!, index, n, proof, root)).to.equal(true);
      }
      for (const from of [1, 3, 4_194_304, 6_291_455, 8_388_609, 9_999_999, 2_718_281]) {
        lazy.reads = 0;
        const proof = consistencyProof(from, n, lazy);
        most = { ...most, consistency: Math.max(most.consistency, lazy.reads) };
        expect(lazy.reads, `consistency ${from}`).to.be.at.most(bound + 1);
        expect(verifyConsistency(from, n, proof, rootHash(from, lazy), root)).to.equal(true);
      }
      lazy.reads = 0;
      rootHash(n, lazy);
      expect(lazy.reads).to.equal(8); // 10,000,000 has eight 1-bits
      expect(most.inclusion).to.be.greaterThan(0);
    });
  });
});
