import { expect } from 'chai';
import { GENESIS_HASH, canonicalJson, checkLink, commitmentOf, dataHash, linkHash } from '../../broker/audit/chain.ts';

const detail = { citizenIdNr: '86095742719', actorId: 'a', requestId: 'r', consentId: null, details: '{"outcome":"complete"}' };

function link(seq: number, prevHash: string) {
  const base = { seq, kind: 'transfer', createdAt: new Date(1_700_000_000_000 + seq), prevHash, commitment: commitmentOf('salt', detail) };
  return { ...base, hash: linkHash(base) };
}

describe('audit chain rules', () => {
  it('links verify in order from genesis', () => {
    const first = link(1, GENESIS_HASH);
    const second = link(2, first.hash);
    expect(checkLink(first, { seq: 0, hash: GENESIS_HASH })).to.equal(null);
    expect(checkLink(second, first)).to.equal(null);
  });
  it('names the kind of break', () => {
    const first = link(1, GENESIS_HASH);
    expect(checkLink(link(3, first.hash), first)).to.equal('sequence-gap');
    expect(checkLink(link(2, GENESIS_HASH), first)).to.equal('previous-hash-mismatch');
    expect(checkLink({ ...link(2, first.hash), kind: 'consent-granted' }, first)).to.equal('entry-hash-mismatch');
  });
  it('commits to every detail field, and the salt hides equal details', () => {
    expect(commitmentOf('s', detail)).not.to.equal(commitmentOf('s', { ...detail, actorId: 'b' }));
    expect(commitmentOf('s1', detail)).not.to.equal(commitmentOf('s2', detail));
  });
  it('hashes data independent of key order', () => {
    expect(dataHash({ a: 1, b: [1, { d: 2, c: 3 }] })).to.equal(dataHash({ b: [1, { c: 3, d: 2 }], a: 1 }));
    expect(canonicalJson({ b: 1, a: undefined })).to.equal('{"b":1}');
  });
});
