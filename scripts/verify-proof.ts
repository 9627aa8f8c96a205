// Checks a proof bundle from the broker's audit log on the citizen's own machine:
//   npx tsx scripts/verify-proof.ts <bundle.json> --key <verifier key>
// exit 0 when the leaf is in the log the key signed for, 1 when not (the reason on stderr), 2 on usage errors.
// NOTE: imports nothing of the broker but proof-verifier.ts, and parses the signed note (c2sp.org/signed-note,
// c2sp.org/tlog-checkpoint) itself: a verifier that shares the broker's code would share its bugs.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { leafHash, verifyInclusion } from '../broker/audit/proof-verifier.ts';

const USAGE = 'usage: npx tsx scripts/verify-proof.ts <bundle.json> --key <verifier key>';
const ED25519 = 0x01;
const MAX_SIGNATURES = 100;

/** The bundle did not verify: exit 1 with this message. */
export class Rejected extends Error {}
/** The command line was wrong: exit 2. */
export class UsageError extends Error {}

/** A note verifier key, `<name>+<hex key id>+<base64(0x01 ‖ Ed25519 public key)>`. */
export interface VerifierKey {
  name: string;
  keyId: Buffer;
  publicKey: KeyObject;
}

/** A checkpoint whose note signature verified. */
export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
  signedBy: string;
}

export function parseVerifierKey(text: string): VerifierKey {
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  if (first < 1 || second < 0) throw new UsageError('the verifier key must read <name>+<key hash>+<public key>');
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  const material = strictBase64(text.slice(second + 1));
  if (!isKeyName(name)) throw new UsageError('the verifier key name is empty or holds a space or control character');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new UsageError('the verifier key hash must be 8 lowercase hex digits');
  if (!material || material.length !== 33 || material[0] !== ED25519) throw new UsageError('the verifier key is not an Ed25519 key (base64 of 0x01 and 32 bytes)');
  const raw = material.subarray(1);
  const keyId = Buffer.from(idHex, 'hex');
  if (!keyId.equals(noteKeyId(name, raw))) throw new UsageError('the verifier key hash does not match its name and public key');
  try {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    return { name, keyId, publicKey };
  } catch (cause) {
    throw new UsageError('the verifier key holds no usable Ed25519 public key', { cause });
  }
}

/**
 * Opens a signed note with one trusted key: returns the note text once a signature by that key verifies.
 * Signatures by other keys (witness cosignatures) are ignored, as the spec requires.
 */
export function openNote(note: string, key: VerifierKey): string {
  // The spec allows no ASCII control character but the newline: a tab or CR could hide a second reading.
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw new Rejected('the checkpoint holds control characters');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Rejected('the checkpoint has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const signatures = note.slice(split + 2);
  if (!signatures.endsWith('\n')) throw new Rejected('the checkpoint signatures do not end with a newline');
  const lines = signatures.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new Rejected(`the checkpoint has more than ${MAX_SIGNATURES} signatures`);
  let signedByKey = false;
  for (const line of lines) {
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    const bytes = match ? strictBase64(match[2]!) : null;
    if (!match || !isKeyName(match[1]!) || !bytes || bytes.length < 5) throw new Rejected(`the checkpoint has a malformed signature line: ${JSON.stringify(line)}`);
    if (match[1] !== key.name || !bytes.subarray(0, 4).equals(key.keyId)) continue;
    if (!verify(null, Buffer.from(text, 'utf8'), key.publicKey, bytes.subarray(4))) {
      throw new Rejected(`the checkpoint signature by ${key.name} does not verify: the note was changed or not signed with this key`);
    }
    signedByKey = true;
  }
  if (!signedByKey) throw new Rejected(`the checkpoint carries no signature by ${key.name}+${key.keyId.toString('hex')}`);
  return text;
}

/** Reads the checkpoint body of an opened note: origin, tree size, base64 root hash, optional extension lines. */
export function parseCheckpoint(text: string, signedBy: string): Checkpoint {
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, root, ...extensions] = lines;
  if (!origin || size === undefined || root === undefined) throw new Rejected('the checkpoint text is not origin, tree size and root hash');
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new Rejected(`the checkpoint tree size ${JSON.stringify(size)} is not a number`);
  const rootHash = strictBase64(root);
  if (!rootHash || rootHash.length !== 32) throw new Rejected('the checkpoint root hash is not base64 of 32 bytes');
  if (extensions.some((line) => line === '')) throw new Rejected('the checkpoint has an empty extension line');
  return { origin, treeSize: Number(size), rootHash, signedBy };
}

/** Verifies a bundle (as parsed JSON) against the trusted key; returns the checkpoint it is proven in. */
export function verifyBundle(bundle: unknown, key: VerifierKey): Checkpoint & { index: number } {
  if (typeof bundle !== 'object' || bundle === null) throw new Rejected('the bundle is not a JSON object');
  const { leaf, index, treeSize, inclusionProof, checkpoint } = bundle as Record<string, unknown>;
  const leafBytes = typeof leaf === 'string' ? strictBase64(leaf) : null;
  if (!leafBytes) throw new Rejected('the bundle "leaf" is not base64');
  if (!Number.isSafeInteger(index) || (index as number) < 0) throw new Rejected('the bundle "index" is not a leaf index');
  if (!Number.isSafeInteger(treeSize) || (treeSize as number) < 1) throw new Rejected('the bundle "treeSize" is not a tree size');
  if (!Array.isArray(inclusionProof) || !inclusionProof.every((h) => typeof h === 'string' && /^[0-9a-fA-F]{64}$/.test(h))) {
    throw new Rejected('the bundle "inclusionProof" is not a list of hex SHA-256 hashes');
  }
  if (typeof checkpoint !== 'string') throw new Rejected('the bundle "checkpoint" is not the text of a signed note');

  const cp = parseCheckpoint(openNote(checkpoint, key), key.name);
  if (cp.treeSize !== treeSize) throw new Rejected(`the bundle's tree size ${treeSize as number} is not the checkpoint's tree size ${cp.treeSize}`);
  const proof = inclusionProof.map((h: string) => Buffer.from(h, 'hex'));
  if (!verifyInclusion(leafHash(leafBytes), index as number, cp.treeSize, proof, cp.rootHash)) {
    throw new Rejected(`the inclusion proof does not show this leaf at index ${index as number} under the checkpoint's root (tree size ${cp.treeSize})`);
  }
  return { ...cp, index: index as number };
}

/** The command: returns the exit code, writing the outcome to stdout or stderr. */
export function main(argv: string[]): number {
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { key: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('give exactly one bundle file');
    if (!values.key) throw new UsageError('give the log\'s verifier key with --key');
    const key = parseVerifierKey(values.key);
    let text: string;
    try {
      text = readFileSync(positionals[0]!, 'utf8');
    } catch (cause) {
      throw new UsageError(`cannot read ${positionals[0]!}: ${(cause as Error).message}`);
    }
    let bundle: unknown;
    try {
      bundle = JSON.parse(text);
    } catch (_) {
      throw new Rejected('the bundle is not JSON');
    }
    const ok = verifyBundle(bundle, key);
    process.stdout.write(`OK: leaf ${ok.index} is in the log ${ok.origin} at tree size ${ok.treeSize} (root ${ok.rootHash.toString('base64')}), checkpoint signed by ${ok.signedBy}\n`);
    return 0;
  } catch (error) {
    if (error instanceof Rejected) {
      process.stderr.write(`verify-proof: FAILED: ${error.message}\n`);
      return 1;
    }
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`verify-proof: ${(error as Error).message}\n`);
    if (usage) process.stderr.write(`${USAGE}\n`);
    return usage ? 2 : 1;
  }
}

// key ID = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte Ed25519 public key)[:4] (c2sp.org/signed-note)
function noteKeyId(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, ED25519])).update(publicKey).digest().subarray(0, 4);
}

// Key names are non-empty, with no Unicode space and no plus.
function isKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

// Standard base64 (RFC 4648 §4) with padding, refusing anything Buffer.from would silently skip.
function strictBase64(text: string): Buffer | null {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

// NOTE: compare real paths — started through a symlink, a plain comparison would skip main and exit 0,
// which reads as "verified".
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) process.exitCode = main(process.argv.slice(2));
