// An entry's leaf hash is taken from its fields in one go (for speed: verify hashes a million of them): it must be
// exactly RFC 9162's hash of the leaf bytes the broker publishes, and the link hash the same with the time written once.
import { expect } from 'chai';
import { leafBytesOf, leafHashOf } from '../../broker/audit/audit-tree.ts';
import { leafHash } from '../../broker/audit/merkle-tree.ts';
import { linkHash, linkHashOf } from '../../broker/audit/chain.ts';

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

describe('the leaf hash of an audit entry', () => {
  it('is the RFC 9162 hash of its published leaf bytes, for every entry', () => {
    for (let i = 0; i < 300; i++) {
      const e = entry(i);
      expect(leafHashOf(e.seq, e.kind, e.createdAt.toISOString(), e.commitment).toString('hex'), `entry ${i}`).to.equal(leafHash(leafBytesOf(e)).toString('hex'));
    }
  });
  it('keeps the link hash when the time is written once for both', () => {
    for (let i = 0; i < 100; i++) {
      const e = entry(i);
      expect(linkHashOf(e, e.createdAt.toISOString())).to.equal(linkHash(e));
    }
  });
});
