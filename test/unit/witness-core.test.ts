import { expect } from 'chai';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendSignatureLines, checkpointBody, noteVerifier, openNote, signNote, verifierKey, parseVerifierKey, verifyCosignature } from '../../broker/audit/signed-note.ts';
import { decideWitnessPoll, WitnessStateError, type WitnessPoll } from '../../broker/ops/witness-core.ts';

// A log held by the test as plain leaf lists, with the Merkle tree hash and consistency proof written
// straight from their recursive definitions in RFC 9162 § 2.1.1 and § 2.1.4.1 (no shortcuts, no stored nodes).
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const largestPowerOfTwoBelow = (n: number) => 2 ** Math.floor(Math.log2(n - 1));

function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return sha256(Buffer.from([0x00]), leaves[0]!);
  const k = largestPowerOfTwoBelow(leaves.length);
  return sha256(Buffer.from([0x01]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function subproof(m: number, leaves: Buffer[], complete: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [mth(leaves)];
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), complete), mth(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

const consistencyProof = (m: number, leaves: Buffer[]) => subproof(m, leaves, true);

const leavesOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`${prefix}-${i}`));

// The verifier the witness is given: the proof must be the one the definition yields for the log's
// actual leaves, and both roots must be that leaf list's roots at the two sizes.
function naiveVerifier(logLeaves: () => Buffer[]) {
  return (from: number, to: number, proof: Buffer[], oldRoot: Buffer, newRoot: Buffer): boolean => {
    const leaves = logLeaves();
    if (from < 1 || from > to || to > leaves.length) return false;
    const expected = consistencyProof(from, leaves.slice(0, to));
    return (
      mth(leaves.slice(0, from)).equals(oldRoot) &&
      mth(leaves.slice(0, to)).equals(newRoot) &&
      proof.length === expected.length &&
      proof.every((h, i) => h.equals(expected[i]!))
    );
  };
}

const ORIGIN = 'broker.example/audit';
const log = generateKeyPairSync('ed25519');
const witness = generateKeyPairSync('ed25519');
const logKey = noteVerifier(ORIGIN, log.publicKey);
const cosigner = parseVerifierKey(verifierKey('witness.example/w1', witness.publicKey, 'cosignature/v1'));

const checkpointNote = (leaves: Buffer[], origin = ORIGIN, signer = log.privateKey) =>
  signNote(checkpointBody({ origin, size: leaves.length, rootHash: mth(leaves) }), origin, signer);

function poll(over: Partial<WitnessPoll> & { logLeaves: Buffer[] }): WitnessPoll & { asked: [number, number][] } {
  const asked: [number, number][] = [];
  return {
    lastNote: null,
    newNote: checkpointNote(over.logLeaves),
    logKey,
    witnessName: 'witness.example/w1',
    witnessKey: witness.privateKey,
    time: 1_800_000_000,
    fetchConsistencyProof: async (from, to) => {
      asked.push([from, to]);
      return consistencyProof(from, over.logLeaves.slice(0, to)).map((h) => h.toString('hex'));
    },
    verifyConsistency: naiveVerifier(() => over.logLeaves),
    asked,
    ...over,
  };
}

describe('the witness deciding one poll', () => {
  it('the naive tree agrees with the RFC 9162 reference roots for the empty tree and one leaf', () => {
    expect(mth([]).toString('hex')).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(mth([Buffer.alloc(0)]).toString('hex')).to.equal('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  describe('when the log grew consistently', () => {
    for (const [from, to] of [[1, 2], [3, 7], [4, 8], [6, 13], [8, 9], [1, 70], [69, 70]] as const) {
      it(`cosigns size ${to} after size ${from}, and the cosignature verifies`, async () => {
        const leaves = leavesOf('entry', to);
        const p = poll({ logLeaves: leaves, lastNote: checkpointNote(leaves.slice(0, from)) });
        const decision = await decideWitnessPoll(p);
        expect(decision.kind).to.equal('cosign');
        if (decision.kind !== 'cosign') return;
        expect(p.asked).to.deep.equal([[from, to]]);
        expect(decision.checkpoint.size).to.equal(to);
        const body = openNote(p.newNote, [logKey]).text;
        expect(verifyCosignature(body, decision.line, cosigner)).to.deep.equal({ time: 1_800_000_000 });
        const served = appendSignatureLines(p.newNote, [decision.line]);
        expect(openNote(served, [logKey, cosigner]).verified).to.have.length(2);
      });
    }
    it('cosigns the first checkpoint it sees, and growth from the empty tree, without asking for a proof', async () => {
      const leaves = leavesOf('entry', 5);
      const first = poll({ logLeaves: leaves });
      expect((await decideWitnessPoll(first)).kind).to.equal('cosign');
      const fromEmpty = poll({ logLeaves: leaves, lastNote: checkpointNote([]) });
      expect((await decideWitnessPoll(fromEmpty)).kind).to.equal('cosign');
      expect([...first.asked, ...fromEmpty.asked]).to.deep.equal([]);
    });
  });

  describe('when nothing changed', () => {
    it('answers same and asks for nothing', async () => {
      const leaves = leavesOf('entry', 9);
      const p = poll({ logLeaves: leaves, lastNote: checkpointNote(leaves) });
      expect(await decideWitnessPoll(p)).to.deep.equal({ kind: 'same' });
      expect(p.asked).to.deep.equal([]);
    });
  });

  describe('when the log forked', () => {
    it('refuses a checkpoint of the same size with another root, keeping both notes', async () => {
      const old = checkpointNote(leavesOf('entry', 9));
      const forked = leavesOf('entry', 9);
      forked[4] = Buffer.from('rewritten');
      const p = poll({ logLeaves: forked, lastNote: old });
      const decision = await decideWitnessPoll(p);
      expect(decision).to.deep.include({ kind: 'refuse', reason: 'same-size-other-root' });
      if (decision.kind !== 'refuse') return;
      expect(decision.evidence).to.deep.equal({ old, new: p.newNote, proof: null });
    });
    it('refuses a larger tree that does not extend the old one, keeping the failed proof', async () => {
      const old = checkpointNote(leavesOf('entry', 6));
      const rewritten = leavesOf('entry', 10);
      rewritten[2] = Buffer.from('rewritten from k = 2 on');
      const p = poll({ logLeaves: rewritten, lastNote: old });
      const decision = await decideWitnessPoll(p);
      expect(decision).to.deep.include({ kind: 'refuse', reason: 'inconsistent' });
      if (decision.kind !== 'refuse') return;
      expect(decision.evidence.old).to.equal(old);
      expect(decision.evidence.new).to.equal(p.newNote);
      expect(decision.evidence.proof).to.deep.equal(consistencyProof(6, rewritten).map((h) => h.toString('hex')));
    });
    it('refuses when the log serves a proof that is not the one its tree yields', async () => {
      const leaves = leavesOf('entry', 13);
      const p = poll({ logLeaves: leaves, lastNote: checkpointNote(leaves.slice(0, 6)) });
      p.fetchConsistencyProof = async (from, to) => consistencyProof(from, leaves.slice(0, to)).map((h, i) => (i === 0 ? sha256(h).toString('hex') : h.toString('hex')));
      expect(await decideWitnessPoll(p)).to.deep.include({ kind: 'refuse', reason: 'inconsistent' });
      p.fetchConsistencyProof = async () => ['not hex'];
      expect(await decideWitnessPoll(p)).to.deep.include({ kind: 'refuse', reason: 'inconsistent' });
    });
    it('refuses a smaller tree', async () => {
      const leaves = leavesOf('entry', 9);
      const decision = await decideWitnessPoll(poll({ logLeaves: leaves.slice(0, 5), lastNote: checkpointNote(leaves) }));
      expect(decision).to.deep.include({ kind: 'refuse', reason: 'smaller-tree' });
    });
    it('refuses a changed origin line under the same log key', async () => {
      const leaves = leavesOf('entry', 9);
      const body = checkpointBody({ origin: 'other.example/audit', size: 9, rootHash: mth(leaves) });
      const moved = poll({ logLeaves: leaves, lastNote: checkpointNote(leaves.slice(0, 4)), newNote: signNote(body, ORIGIN, log.privateKey) });
      expect(await decideWitnessPoll(moved)).to.deep.include({ kind: 'refuse', reason: 'origin-changed' });
    });
  });

  describe('when the witness\'s own stored checkpoint does not open with the log key', () => {
    it('throws a WitnessStateError instead of judging the log', async () => {
      const leaves = leavesOf('entry', 9);
      const p = poll({ logLeaves: leaves, lastNote: checkpointNote(leaves.slice(0, 4), 'other.example/audit', log.privateKey) });
      await decideWitnessPoll(p).then(
        () => expect.fail('expected a WitnessStateError'),
        (err: unknown) => expect(err).to.be.instanceOf(WitnessStateError),
      );
    });
  });

  describe('when the checkpoint is not the log\'s to begin with', () => {
    it('refuses a note signed by another key, a changed note, and a signed non-checkpoint', async () => {
      const leaves = leavesOf('entry', 9);
      const impostor = generateKeyPairSync('ed25519').privateKey;
      expect(await decideWitnessPoll(poll({ logLeaves: leaves, newNote: checkpointNote(leaves, ORIGIN, impostor) }))).to.deep.include({ kind: 'refuse', reason: 'bad-log-signature' });
      const changed = checkpointNote(leaves).replace('\n9\n', '\n10\n');
      expect(await decideWitnessPoll(poll({ logLeaves: leaves, newNote: changed }))).to.deep.include({ kind: 'refuse', reason: 'bad-log-signature' });
      expect(await decideWitnessPoll(poll({ logLeaves: leaves, newNote: signNote('hello\n', ORIGIN, log.privateKey) }))).to.deep.include({ kind: 'refuse', reason: 'malformed-checkpoint' });
    });
    it('refuses an empty tree whose root is not SHA-256 of nothing', async () => {
      const note = signNote(checkpointBody({ origin: ORIGIN, size: 0, rootHash: Buffer.alloc(32, 1) }), ORIGIN, log.privateKey);
      expect(await decideWitnessPoll(poll({ logLeaves: [], newNote: note }))).to.deep.include({ kind: 'refuse', reason: 'bad-empty-root' });
    });
  });

  describe('when the proof cannot be fetched', () => {
    it('throws (a transient failure, not evidence) and cosigns nothing', async () => {
      const leaves = leavesOf('entry', 9);
      const p = poll({ logLeaves: leaves, lastNote: checkpointNote(leaves.slice(0, 3)) });
      p.fetchConsistencyProof = () => Promise.reject(new Error('connection refused'));
      await decideWitnessPoll(p).then(
        () => expect.fail('expected the fetch error'),
        (err: unknown) => expect((err as Error).message).to.equal('connection refused'),
      );
    });
  });
});
