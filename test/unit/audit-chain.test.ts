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
  it('writes canonical JSON exactly as its first form did, whatever the data (stored hashes depend on it)', () => {
    // The first form, kept here as the reference: hashes made with it are stored and must stay reproducible.
    const reference = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
      if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
      }
      return JSON.stringify(value);
    };
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const keys = ['a', 'B', 'b', 'ä', 'é', 'z', '10', '9', '', 'key "quoted"', '\u2028', '😀', 'Z'];
    const scalars = [null, undefined, 0, -0, 1.5, 1e21, -7, Number.NaN, Number.POSITIVE_INFINITY, true, false, '', 'text', 'ünï\n"c\u0000de"', new Date(0), () => 1];
    const make = (depth: number): unknown => {
      const r = next();
      if (depth > 3 || r < 0.4) return scalars[Math.floor(next() * scalars.length)];
      if (r < 0.7) return Array.from({ length: Math.floor(next() * 5) }, () => make(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 6) }, () => [keys[Math.floor(next() * keys.length)]!, make(depth + 1)]));
    };
    const sparse: unknown[] = [1];
    sparse[3] = 2;
    for (const value of [sparse, { a: [undefined, null], b: { c: undefined } }, ...Array.from({ length: 2000 }, () => make(0))]) {
      expect(canonicalJson(value)).to.equal(reference(value));
    }
  });

  it('hashes data independent of key order', () => {
    expect(dataHash({ a: 1, b: [1, { d: 2, c: 3 }] })).to.equal(dataHash({ b: [1, { c: 3, d: 2 }], a: 1 }));
    expect(canonicalJson({ b: 1, a: undefined })).to.equal('{"b":1}');
  });
});
