import { expect } from 'chai';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import {
  MAX_NOTE_BYTES,
  NoteError,
  appendSignatureLines,
  checkpointBody,
  cosign,
  keyId,
  noteVerifier,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  signNote,
  verifierKey,
  verifyCosignature,
  type NoteErrorCode,
} from '../../broker/audit/signed-note.ts';

// Known answers from golang.org/x/mod/sumdb/note (note_test.go: TestNewVerifier, TestSign, TestOpen) and from
// c2sp.org/signed-note § "Verifier keys / Example" and c2sp.org/tlog-checkpoint's example.
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
// The Go test's signer key "PRIVATE+KEY+PeterNeumann+c74f20a3+<base64(0x01 ‖ seed)>".
const PETER_SEED_B64 = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE = 'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
const SPEC_CHECKPOINT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

function ed25519FromSeed(seed: Buffer): KeyObject {
  // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): fixed 16-byte prefix, then the 32 seed bytes.
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: 'der', type: 'pkcs8' });
}

const peterPrivate = ed25519FromSeed(Buffer.from(PETER_SEED_B64, 'base64').subarray(1));

function refusal(fn: () => unknown): NoteErrorCode {
  try {
    fn();
  } catch (err) {
    if (err instanceof NoteError) return err.code;
    throw err;
  }
  throw new Error('expected a NoteError, got success');
}

function rawPublic(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return Buffer.from(pub.export({ format: 'jwk' }).x!, 'base64url');
}

describe('C2SP signed notes', () => {
  describe('verifier keys', () => {
    it('parses the Go reference key and rebuilds it from the seed', () => {
      const v = parseVerifierKey(PETER_VKEY);
      expect(v).to.include({ name: 'PeterNeumann', keyId: 0xc74f20a3, type: 'ed25519' });
      expect(verifierKey('PeterNeumann', createPublicKey(peterPrivate))).to.equal(PETER_VKEY);
      expect(verifierKey('PeterNeumann', v.publicKey)).to.equal(PETER_VKEY);
    });
    it('derives the key ID as SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]', () => {
      const expected = createHash('sha256')
        .update(Buffer.concat([Buffer.from('PeterNeumann\n'), Buffer.from([0x01]), rawPublic(peterPrivate)]))
        .digest()
        .readUInt32BE(0);
      expect(expected).to.equal(0xc74f20a3);
      expect(keyId('PeterNeumann', 'ed25519', peterPrivate)).to.equal(0xc74f20a3);
    });
    it('refuses every substring and every one-byte change of a valid key (as the Go tests do)', () => {
      const b = Buffer.from(PETER_VKEY);
      let tried = 0;
      for (let i = 0; i <= b.length; i++) {
        for (let j = i + 1; j <= b.length; j++) {
          if (i === 0 && j === b.length) continue;
          expect(() => parseVerifierKey(b.subarray(i, j).toString()), b.subarray(i, j).toString()).to.throw(NoteError);
          tried++;
        }
      }
      for (let i = 0; i < b.length; i++) {
        const mangled = Buffer.from(b);
        mangled[i]! += 1;
        expect(() => parseVerifierKey(mangled.toString()), mangled.toString()).to.throw(NoteError);
        tried++;
      }
      expect(tried).to.equal((b.length * (b.length + 1)) / 2 - 1 + b.length);
    });
    it('refuses a wrong-length key and an unknown algorithm even with a matching key ID', () => {
      expect(refusal(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='))).to.equal('malformed-verifier-key');
      expect(refusal(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'))).to.equal('unsupported-signature-type');
    });
    it('refuses bad names, uppercase hex and a key that is not Ed25519', () => {
      const { publicKey } = generateKeyPairSync('ed25519');
      for (const name of ['', 'a+b', 'a b', 'a\u00a0b', 'a\u2028b', 'a\tb']) {
        expect(refusal(() => verifierKey(name, publicKey)), JSON.stringify(name)).to.equal('bad-key-name');
      }
      expect(refusal(() => parseVerifierKey('PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'))).to.equal('malformed-verifier-key');
      expect(refusal(() => verifierKey('x', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey))).to.equal('wrong-key-type');
    });
  });

  describe('signing and opening', () => {
    it('signs the Go reference note byte for byte (Ed25519 is deterministic)', () => {
      expect(signNote(TEXT, 'PeterNeumann', peterPrivate)).to.equal(`${TEXT}\n${PETER_SIG}`);
    });
    it('opens the c2sp.org/signed-note example with its published key', () => {
      const opened = openNote(SPEC_NOTE, [parseVerifierKey(SPEC_VKEY)]);
      expect(opened.text).to.equal('This is an example message.\n');
      expect(opened.verified).to.have.length(1);
    });
    it('keeps signatures by unknown keys as unverified, and verifies all known ones', () => {
      const peter = parseVerifierKey(PETER_VKEY);
      const enoch = parseVerifierKey(ENOCH_VKEY);
      const note = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
      const one = openNote(note, [peter]);
      expect(one.text).to.equal(TEXT);
      expect(one.verified.map((s) => s.name)).to.deep.equal(['PeterNeumann']);
      expect(one.unverified.map((s) => [s.name, s.keyId])).to.deep.equal([['EnochRoot', 0xaf0cfe78]]);
      const both = openNote(Buffer.from(note), [peter, enoch]);
      expect(both.verified.map((s) => s.name)).to.deep.equal(['PeterNeumann', 'EnochRoot']);
      expect(both.unverified).to.deep.equal([]);
    });
    it('round-trips a note with empty lines inside the text', () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const text = 'first\n\nthird after a blank line\n\n';
      const opened = openNote(signNote(text, 'example.org/log', privateKey), [noteVerifier('example.org/log', publicKey)]);
      expect(opened.text).to.equal(text);
    });
    it('drops repeated lines by one key instead of counting them twice', () => {
      const opened = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}`, [parseVerifierKey(PETER_VKEY)]);
      expect(opened.verified).to.have.length(1);
      expect(opened.unverified).to.have.length(1);
    });

    describe('refusals', () => {
      const peter = parseVerifierKey(PETER_VKEY);
      const good = `${TEXT}\n${PETER_SIG}`;
      it('a changed text', () => {
        expect(refusal(() => openNote(good.replace('answer', 'Answer'), [peter]))).to.equal('invalid-signature');
      });
      it('a changed signature by a known key', () => {
        expect(refusal(() => openNote(`${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`, [peter]))).to.equal('invalid-signature');
      });
      it('a signature by another key under the same name (its key ID differs, so no known key signed)', () => {
        const { privateKey } = generateKeyPairSync('ed25519');
        expect(refusal(() => openNote(signNote(TEXT, 'PeterNeumann', privateKey), [peter]))).to.equal('no-verified-signature');
      });
      it('a note signed only by unknown keys, or opened with no keys', () => {
        expect(refusal(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [peter]))).to.equal('no-verified-signature');
        expect(refusal(() => openNote(good, []))).to.equal('no-verified-signature');
      });
      it('an extra blank line before the signatures (it becomes part of the signed text)', () => {
        expect(refusal(() => openNote(`${TEXT}\n\n${PETER_SIG}`, [peter]))).to.equal('invalid-signature');
      });
      it('an extra blank line after the signatures', () => {
        expect(refusal(() => openNote(`${good}\n`, [peter]))).to.equal('malformed-note');
      });
      it('a missing final newline, a missing signature block, a stray line', () => {
        for (const note of [good.slice(0, -1), TEXT, `${TEXT}\n`, `${good}Unexpected line.\n`, `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`]) {
          expect(refusal(() => openNote(note, [peter])), JSON.stringify(note)).to.equal('malformed-note');
        }
      });
      it('control characters and invalid UTF-8', () => {
        expect(refusal(() => openNote(`\u0001${good}`, [peter]))).to.equal('malformed-note');
        expect(refusal(() => openNote(`a\r\n${good}`, [peter]))).to.equal('malformed-note');
        expect(refusal(() => openNote(Buffer.concat([Buffer.from([0xff]), Buffer.from(good)]), [peter]))).to.equal('malformed-note');
        expect(refusal(() => signNote('a\u0000b\n', 'PeterNeumann', peterPrivate))).to.equal('malformed-note');
      });
      it('non-canonical base64 in a signature line', () => {
        // '=' padding with non-zero trailing bits decodes in lenient decoders; the byte string has one spelling.
        const sig = PETER_SIG.trimEnd();
        const tweaked = `${sig.slice(0, -2)}N=\n`;
        expect(refusal(() => openNote(`${TEXT}\n${tweaked}`, [peter]))).to.equal('malformed-note');
      });
      it('a too-long note, and more than 100 signatures', () => {
        const long = `${'x'.repeat(MAX_NOTE_BYTES)}\n\n${PETER_SIG}`;
        expect(refusal(() => openNote(long, [peter]))).to.equal('note-too-large');
        expect(refusal(() => signNote(`${'x'.repeat(MAX_NOTE_BYTES)}\n`, 'PeterNeumann', peterPrivate))).to.equal('note-too-large');
        expect(refusal(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter]))).to.equal('malformed-note');
        expect(openNote(`${TEXT}\n${PETER_SIG.repeat(100)}`, [peter]).verified).to.have.length(1);
      });
      it('a text without its final newline, at signing', () => {
        expect(refusal(() => signNote('abc', 'PeterNeumann', peterPrivate))).to.equal('malformed-note');
      });
      it('two known keys with the same name and ID', () => {
        expect(refusal(() => openNote(good, [peter, parseVerifierKey(PETER_VKEY)]))).to.equal('ambiguous-key');
      });
    });
  });

  describe('checkpoints', () => {
    it('parses the c2sp.org/tlog-checkpoint example and writes it back identically', () => {
      const cp = parseCheckpoint(SPEC_CHECKPOINT);
      expect(cp.origin).to.equal('example.com/behind-the-sofa');
      expect(cp.size).to.equal(20852163);
      expect(cp.rootHash.toString('base64')).to.equal('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
      expect(cp.extensions).to.deep.equal([]);
      expect(checkpointBody(cp)).to.equal(SPEC_CHECKPOINT);
    });
    it('round-trips extension lines and the empty tree', () => {
      const body = checkpointBody({ origin: 'broker.example/audit', size: 0, rootHash: createHash('sha256').digest(), extensions: ['ext one'] });
      expect(body).to.equal('broker.example/audit\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\n');
      expect(checkpointBody(parseCheckpoint(body))).to.equal(body);
    });
    it('refuses a malformed size, root, line layout or origin', () => {
      const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
      for (const text of [
        `o\n020852163\n${root}\n`,
        `o\n-1\n${root}\n`,
        `o\n1e3\n${root}\n`,
        `o\n 5\n${root}\n`,
        `o\n99999999999999999999\n${root}\n`,
        `o\n5\n${root.slice(4)}\n`,
        `o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n`,
        `o\n5\n${root}\n\n`,
        `o\n5\n${root}\next\n\n`,
        `o\n5\n${root}`,
        `o\n5\n`,
        `\n5\n${root}\n`,
      ]) {
        expect(refusal(() => parseCheckpoint(text)), JSON.stringify(text)).to.equal('malformed-checkpoint');
      }
      for (const cp of [
        { origin: 'has space', size: 1, rootHash: Buffer.alloc(32) },
        { origin: 'o', size: -1, rootHash: Buffer.alloc(32) },
        { origin: 'o', size: 1.5, rootHash: Buffer.alloc(32) },
        { origin: 'o', size: 1, rootHash: Buffer.alloc(31) },
        { origin: 'o', size: 1, rootHash: Buffer.alloc(32), extensions: [''] },
        { origin: 'o', size: 1, rootHash: Buffer.alloc(32), extensions: ['a\nb'] },
      ]) {
        expect(refusal(() => checkpointBody(cp)), JSON.stringify(cp)).to.equal('malformed-checkpoint');
      }
    });
  });

  describe('cosignatures (cosignature/v1)', () => {
    const log = generateKeyPairSync('ed25519');
    const witness = generateKeyPairSync('ed25519');
    const body = checkpointBody({ origin: 'broker.example/audit', size: 7, rootHash: createHash('sha256').update('seven').digest() });
    const otherBody = checkpointBody({ origin: 'broker.example/audit', size: 7, rootHash: createHash('sha256').update('fork').digest() });
    const cosigner = parseVerifierKey(verifierKey('witness.example/w1', witness.publicKey, 'cosignature/v1'));
    const time = 1_679_315_147;

    it('uses key ID SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4], distinct from the plain note key', () => {
      const expected = createHash('sha256')
        .update(Buffer.concat([Buffer.from('witness.example/w1\n'), Buffer.from([0x04]), rawPublic(witness.publicKey)]))
        .digest()
        .readUInt32BE(0);
      expect(cosigner).to.include({ type: 'cosignature/v1', keyId: expected });
      expect(noteVerifier('witness.example/w1', witness.publicKey).keyId).not.to.equal(expected);
      const material = Buffer.from(verifierKey('witness.example/w1', witness.publicKey, 'cosignature/v1').split('+').slice(2).join('+'), 'base64');
      expect(material[0]).to.equal(0x04);
      expect(material.subarray(1)).to.deep.equal(rawPublic(witness.publicKey));
    });
    it('signs "cosignature/v1\\ntime <t>\\n" + body, with an 8-byte big-endian time before the signature', () => {
      const line = cosign(body, 'witness.example/w1', witness.privateKey, time);
      expect(line.startsWith('— witness.example/w1 ')).to.equal(true);
      expect(line.endsWith('\n')).to.equal(true);
      const bytes = Buffer.from(line.trimEnd().split(' ')[2]!, 'base64');
      expect(bytes).to.have.length(4 + 8 + 64);
      expect(bytes.readUInt32BE(0)).to.equal(cosigner.keyId);
      expect(bytes.readBigUInt64BE(4)).to.equal(BigInt(time));
      const message = Buffer.from(`cosignature/v1\ntime ${time}\n${body}`);
      expect(verify(null, message, witness.publicKey, bytes.subarray(12))).to.equal(true);
      expect(verifyCosignature(body, line, cosigner)).to.deep.equal({ time });
    });
    it('refuses a cosignature over another checkpoint, from another key, or from the future', () => {
      const line = cosign(body, 'witness.example/w1', witness.privateKey, time);
      expect(refusal(() => verifyCosignature(otherBody, line, cosigner))).to.equal('invalid-signature');
      const impostor = cosign(body, 'witness.example/w1', generateKeyPairSync('ed25519').privateKey, time);
      expect(refusal(() => verifyCosignature(body, impostor, cosigner))).to.equal('malformed-cosignature');
      expect(refusal(() => verifyCosignature(body, line, cosigner, time - 1))).to.equal('cosignature-time-out-of-range');
      expect(refusal(() => verifyCosignature(body, line, noteVerifier('witness.example/w1', witness.publicKey)))).to.equal('wrong-key-type');
      expect(refusal(() => cosign(body, 'witness.example/w1', witness.privateKey, -1))).to.equal('cosignature-time-out-of-range');
      expect(refusal(() => cosign('not a checkpoint\n', 'witness.example/w1', witness.privateKey, time))).to.equal('malformed-checkpoint');
    });
    it('refuses a changed timestamp (the time is signed)', () => {
      const line = cosign(body, 'witness.example/w1', witness.privateKey, time);
      const bytes = Buffer.from(line.trimEnd().split(' ')[2]!, 'base64');
      bytes.writeBigUInt64BE(BigInt(time + 1), 4);
      expect(refusal(() => verifyCosignature(body, `— witness.example/w1 ${bytes.toString('base64')}\n`, cosigner))).to.equal('invalid-signature');
    });
    it('travels on the checkpoint note: opening with the log and witness keys verifies both', () => {
      const note = appendSignatureLines(signNote(body, 'broker.example/audit', log.privateKey), [cosign(body, 'witness.example/w1', witness.privateKey, time)]);
      const logKey = noteVerifier('broker.example/audit', log.publicKey);
      expect(openNote(note, [logKey, cosigner]).verified.map((s) => s.name)).to.deep.equal(['broker.example/audit', 'witness.example/w1']);
      expect(openNote(note, [logKey]).unverified.map((s) => s.name)).to.deep.equal(['witness.example/w1']);
      const forged = appendSignatureLines(signNote(otherBody, 'broker.example/audit', log.privateKey), [cosign(body, 'witness.example/w1', witness.privateKey, time)]);
      expect(refusal(() => openNote(forged, [logKey, cosigner]))).to.equal('invalid-signature');
      expect(appendSignatureLines(note, [cosign(body, 'witness.example/w1', witness.privateKey, time)])).to.equal(note);
    });
  });
});
