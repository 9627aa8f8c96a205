import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MemorySubtreeSource, inclusionProof, leafHash, rootHash } from '../../broker/audit/merkle-tree.ts';
import { Rejected, openNote, parseVerifierKey } from '../../scripts/verify-proof.ts';

const LOG = 'broker.example/audit';

// A log key made here, and the note format written out by hand (c2sp.org/signed-note): the script must
// agree with the spec, not with any signing code of the broker.
function logKey(name: string) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const keyId = createHash('sha256').update(name).update(Buffer.from([0x0a, 0x01])).update(raw).digest().subarray(0, 4);
  return { name, keyId, privateKey, vkey: `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([0x01]), raw]).toString('base64')}` };
}

function signedNote(text: string, ...signers: { name: string; keyId: Buffer; privateKey: KeyObject }[]): string {
  const lines = signers.map((s) => `\u2014 ${s.name} ${Buffer.concat([s.keyId, sign(null, Buffer.from(text), s.privateKey)]).toString('base64')}\n`);
  return `${text}\n${lines.join('')}`;
}

const checkpointText = (size: number, root: Buffer) => `${LOG}\n${size}\n${root.toString('base64')}\n`;

const leaves = Array.from({ length: 13 }, (_, i) => Buffer.from(`{"kind":"transfer","seq":${i}}`));
const tree = new MemorySubtreeSource();
for (const leaf of leaves) tree.append(leafHash(leaf));
const key = logKey(LOG);
const witness = logKey('witness.example/w1');

function bundle(index: number, treeSize: number, overrides: Record<string, unknown> = {}) {
  return {
    leaf: leaves[index]!.toString('base64'),
    index,
    treeSize,
    inclusionProof: inclusionProof(index, treeSize, tree).map((h) => h.toString('hex')),
    checkpoint: signedNote(checkpointText(treeSize, rootHash(treeSize, tree)), key, witness),
    ...overrides,
  };
}

describe('verify-proof, the citizen\'s command-line check of a proof bundle', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'verify-proof-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let files = 0;
  function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((done) => {
      execFile(process.execPath, ['--import', 'tsx', 'scripts/verify-proof.ts', ...args], (error, stdout, stderr) => {
        done({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });
  }
  function runBundle(content: unknown, vkey = key.vkey) {
    const file = join(dir, `bundle-${files++}.json`);
    writeFileSync(file, JSON.stringify(content));
    return run([file, '--key', vkey]);
  }

  it('accepts a bundle whose leaf is in the signed checkpoint, among a witness cosignature: exit 0', async () => {
    const result = await runBundle(bundle(6, 11));
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain(`OK: leaf 6 is in the log ${LOG} at tree size 11`);
  });

  describe('when the bundle does not hold up: exit 1 naming what failed', () => {
    it('a changed leaf', async () => {
      const result = await runBundle(bundle(6, 11, { leaf: Buffer.from('{"kind":"transfer","seq":99}').toString('base64') }));
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(/FAILED: the inclusion proof does not show this leaf at index 6/);
    });
    it('a checkpoint checked with another key of the same name', async () => {
      const result = await runBundle(bundle(6, 11), logKey(LOG).vkey);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(/FAILED: the checkpoint carries no signature by broker\.example\/audit\+[0-9a-f]{8}/);
    });
    it('a checkpoint for another tree size', async () => {
      const result = await runBundle(bundle(6, 11, { checkpoint: bundle(6, 12).checkpoint }));
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain("FAILED: the bundle's tree size 11 is not the checkpoint's tree size 12");
    });
    it('a forged checkpoint: another root under the log key\'s signature', async () => {
      const genuine = bundle(6, 11).checkpoint;
      const forgedRoot = rootHash(11, tree).map((b) => b ^ 0xff);
      const forged = genuine.replace(rootHash(11, tree).toString('base64'), Buffer.from(forgedRoot).toString('base64'));
      const result = await runBundle(bundle(6, 11, { checkpoint: forged }));
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain('FAILED: the checkpoint signature by broker.example/audit does not verify');
    });
    it('a forged signature: random bytes under the log key\'s name and key hash', async () => {
      const text = checkpointText(11, rootHash(11, tree));
      const forged = `${text}\n\u2014 ${LOG} ${Buffer.concat([key.keyId, randomBytes(64)]).toString('base64')}\n`;
      const result = await runBundle(bundle(6, 11, { checkpoint: forged }));
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain('FAILED: the checkpoint signature by broker.example/audit does not verify');
    });
    it('a bundle that is not JSON', async () => {
      const file = join(dir, 'garbage.json');
      writeFileSync(file, '{"leaf":');
      const result = await run([file, '--key', key.vkey]);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain('FAILED: the bundle is not JSON');
    });
  });

  describe('when the command line is wrong: exit 2 with the usage', () => {
    it('no arguments', async () => {
      const result = await run([]);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.contain('usage: npx tsx scripts/verify-proof.ts <bundle.json> --key <verifier key>');
    });
    it('no key, a malformed key, or a missing file', async () => {
      const file = join(dir, 'ok.json');
      writeFileSync(file, JSON.stringify(bundle(0, 1)));
      const noKey = await run([file]);
      expect(noKey.code).to.equal(2);
      expect(noKey.stderr).to.contain("give the log's verifier key with --key");
      const badKey = await run([file, '--key', 'broker.example/audit+0000+AAAA']);
      expect(badKey.code).to.equal(2);
      expect(badKey.stderr).to.contain('the verifier key hash must be 8 lowercase hex digits');
      const absent = await run([join(dir, 'absent.json'), '--key', key.vkey]);
      expect(absent.code).to.equal(2);
      expect(absent.stderr).to.contain('cannot read');
    });
  });

  it('runs its checks when started through a symlink, never exiting 0 without them', async () => {
    const link = join(dir, 'verify-proof-link.ts');
    symlinkSync(resolve('scripts/verify-proof.ts'), link);
    const file = join(dir, 'link.json');
    writeFileSync(file, JSON.stringify(bundle(6, 11)));
    const result = await new Promise<number>((done) => {
      execFile(process.execPath, ['--import', 'tsx', link, file, '--key', logKey(LOG).vkey], (error) => done(error ? Number(error.code) : 0));
    });
    expect(result).to.equal(1);
  });

  describe('the signed-note rules, in process', () => {
    it('opens the example note of c2sp.org/signed-note with its example verifier key', () => {
      const vkey = parseVerifierKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k');
      const note = 'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
      expect(openNote(note, vkey)).to.equal('This is an example message.\n');
      expect(() => openNote(note.replace('example message', 'exemplary message'), vkey)).to.throw(Rejected, /does not verify/);
    });
    it('refuses a verifier key whose hash does not match its name and key', () => {
      expect(() => parseVerifierKey('example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k')).to.throw(/hash does not match/);
    });
    it('refuses a note with no blank line, a control character, or a malformed signature line', () => {
      const vkey = parseVerifierKey(key.vkey);
      const note = bundle(0, 1).checkpoint;
      expect(() => openNote(note.replace('\n\n', '\n'), vkey)).to.throw(Rejected);
      expect(() => openNote(note.replace(LOG, `${LOG}\t`), vkey)).to.throw(Rejected, /control characters/);
      expect(() => openNote(`${note}\u2014 ${LOG}\n`, vkey)).to.throw(Rejected, /malformed signature line/);
    });
  });
});
