// Known-answer vectors for every hash and signature format the broker stores or publishes. The expected
// values were computed OUTSIDE the code under test — sha256sum, openssl, printf, xxd, base64 over
// written-out inputs — by test/fixtures/known-answers/make-vectors.sh (commands listed in its README), and
// are kept as files. Here the broker's own functions recompute them: a change to any of these formats (a
// byte of a prefix, a separator, key order, a signature layout) fails, even if the code still agrees with
// itself.
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { entryLeafHash, leafBytesOf } from '../../broker/audit/audit-tree.ts';
import { canonicalJson, commitmentOf, dataHash, linkHash } from '../../broker/audit/chain.ts';
import { checkpointMessage, checkpointSignatureValid, keyIdOf } from '../../broker/audit/checkpoints.ts';
import { leafHash, nodeHash, rootHash } from '../../broker/audit/merkle-tree.ts';
import { checkpointBody, cosign, cosignatureMessage, keyId, signNote, verifierKey } from '../../broker/audit/signed-note.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/known-answers');
const bytes = (name: string): Buffer => readFileSync(path.join(DIR, name));
const text = (name: string): string => bytes(name).toString('utf8');
const hexOf = (name: string): string => {
  const value = text(name);
  expect(value, `${name} holds hex`).to.match(/^[0-9a-f]+$/);
  return value;
};

// The fields the inputs in make-vectors.sh were written from.
const DETAIL = {
  salt: '0123456789abcdef0123456789abcdef',
  fields: {
    citizenIdNr: '86095742719',
    actorId: 'elterngeldstelle-test',
    requestId: '3f1c5a9e-0000-4000-8000-000000000001',
    consentId: null,
    details: '{"purpose":"elterngeld","employer":"Bäckerei Beispiel & Söhne KG","note":"Zeile 1\\nZeile 2"}',
  },
};
const LEAVES = [
  { seq: 1, kind: 'transfer', createdAt: new Date('2026-12-07T10:11:12.345Z'), commitment: '' /* the detail's, below */ },
  { seq: 2, kind: 'consent-granted', createdAt: new Date('2026-12-07T10:11:13.000Z'), commitment: 'b'.repeat(64) },
  { seq: 3, kind: 'refusal', createdAt: new Date('2026-12-31T23:59:59.999Z'), commitment: 'c'.repeat(64) },
];
const ORIGIN = 'broker.example/audit-log';
const WITNESS = 'witness.example/w1';
const COSIGNED_AT = 1796680000;

describe('known-answer vectors computed outside the broker (test/fixtures/known-answers)', () => {
  const noteKey = createPrivateKey(bytes('note-key.pem'));
  const witnessKey = createPrivateKey(bytes('witness-key.pem'));
  const commitment = hexOf('detail.commitment.hex');
  const leaves = LEAVES.map((l, i) => (i === 0 ? { ...l, commitment } : l));

  describe('the audit chain (broker/audit/chain.ts)', () => {
    it("commits to an entry's details: SHA-256(salt \\n JSON of the five fields)", () => {
      expect(commitmentOf(DETAIL.salt, DETAIL.fields)).to.equal(commitment);
    });

    it('links an entry to the one before: SHA-256(prevHash \\n seq \\n kind \\n createdAt \\n commitment)', () => {
      const prevHash = '7d9b1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5';
      expect(linkHash({ seq: 2, kind: 'consent-granted', createdAt: new Date('2026-12-07T10:11:12.345Z'), prevHash, commitment })).to.equal(hexOf('link.hash.hex'));
    });

    it('hashes delivered data as SHA-256 of its canonical JSON (keys in UTF-16 order, no spaces)', () => {
      const input: unknown = JSON.parse(text('data-input.json'));
      expect(canonicalJson(input)).to.equal(text('data-canonical.json'));
      expect(dataHash(input)).to.equal(hexOf('data.hash.hex'));
    });
  });

  describe('the audit Merkle tree (broker/audit/audit-tree.ts, merkle-tree.ts; RFC 9162)', () => {
    it('writes each leaf as its published bytes and hashes it as SHA-256(0x00 ‖ bytes)', () => {
      leaves.forEach((leaf, i) => {
        const file = `leaf-${i + 1}`;
        expect(leafBytesOf(leaf).equals(bytes(`${file}.txt`)), `${file} bytes`).to.equal(true);
        expect(entryLeafHash(leaf).toString('hex'), `${file} hash`).to.equal(hexOf(`${file}.hash.hex`));
        expect(leafHash(bytes(`${file}.txt`)).toString('hex')).to.equal(hexOf(`${file}.hash.hex`));
      });
    });

    it('hashes an interior node as SHA-256(0x01 ‖ left ‖ right), and the three-leaf root as node(node(1,2),3)', () => {
      const leaf = (i: number) => Buffer.from(hexOf(`leaf-${i}.hash.hex`), 'hex');
      expect(nodeHash(leaf(1), leaf(2)).toString('hex')).to.equal(hexOf('node-12.hash.hex'));
      // The tree reads perfect subtrees only: here straight from the vectors, nothing recomputed by the broker.
      const subtrees = new Map([['1/0', Buffer.from(hexOf('node-12.hash.hex'), 'hex')], ['0/2', leaf(3)]]);
      const source = {
        hash(level: number, index: number): Buffer {
          const found = subtrees.get(`${level}/${index}`);
          if (!found) throw new Error(`subtree ${level}/${index} is not among the vectors`);
          return found;
        },
      };
      expect(rootHash(3, source).toString('hex')).to.equal(hexOf('root-3.hash.hex'));
    });
  });

  describe('tree heads as C2SP signed notes (broker/audit/signed-note.ts)', () => {
    const body = () => checkpointBody({ origin: ORIGIN, size: 3, rootHash: Buffer.from(hexOf('root-3.hash.hex'), 'hex') });

    it('writes the checkpoint body: origin, size, base64 root, each line ending in a newline', () => {
      expect(body()).to.equal(text('checkpoint.txt'));
    });

    it("signs it as a note: the key ID from SHA-256(name \\n 0x01 ‖ key), the signature line, byte for byte openssl's", () => {
      expect(keyId(ORIGIN, 'ed25519', noteKey).toString(16).padStart(8, '0')).to.equal(hexOf('note-key.id.hex'));
      expect(signNote(body(), ORIGIN, noteKey)).to.equal(text('checkpoint.note'));
      expect(verifierKey(ORIGIN, createPublicKey(noteKey))).to.equal(text('note-key.vkey'));
    });

    it("builds a witness's cosignature/v1 message and line (key ID with type 0x04, u64 time) as openssl signed it", () => {
      expect(cosignatureMessage(body(), COSIGNED_AT).equals(bytes('cosignature.msg'))).to.equal(true);
      expect(keyId(WITNESS, 'cosignature/v1', witnessKey).toString(16).padStart(8, '0')).to.equal(hexOf('witness-key.id.hex'));
      expect(cosign(body(), WITNESS, witnessKey, COSIGNED_AT)).to.equal(text('cosignature.line'));
    });
  });

  describe('chain checkpoints of before the tree (broker/audit/checkpoints.ts)', () => {
    const cp = { seq: 42, hash: '', createdAt: '2026-12-07T10:11:12.345Z' };

    it('signs "evidence-broker-checkpoint:v1\\n seq \\n hash \\n createdAt" with Ed25519, and checks openssl\'s signature', () => {
      const checkpoint = { ...cp, hash: hexOf('link.hash.hex') };
      expect(checkpointMessage(checkpoint).equals(bytes('chain-checkpoint.msg'))).to.equal(true);
      expect(sign(null, checkpointMessage(checkpoint), noteKey).equals(bytes('chain-checkpoint.sig'))).to.equal(true);
      const publicKey = createPublicKey(noteKey);
      expect(keyIdOf(publicKey)).to.equal(hexOf('note-key.spki-id.hex'));
      const published = { ...checkpoint, signature: bytes('chain-checkpoint.sig').toString('base64'), keyId: hexOf('note-key.spki-id.hex'), publicKey: text('note-key.pub.pem') };
      expect(checkpointSignatureValid(published, hexOf('note-key.spki-id.hex'))).to.equal(true);
      expect(checkpointSignatureValid({ ...published, seq: 43 })).to.equal(false);
    });
  });
});
