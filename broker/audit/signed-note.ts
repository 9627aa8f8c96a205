// C2SP signed notes (c2sp.org/signed-note), transparency-log checkpoints (c2sp.org/tlog-checkpoint) and
// Ed25519 cosignatures (c2sp.org/tlog-cosignature, "cosignature/v1"). Pure: node:crypto and text only.
// NOTE: these formats are what witnesses and citizens' tools outside this code base read, so every parser
// here is strict (canonical base64, exact line rules) and every writer refuses what a reader would refuse.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** Why a note, key, checkpoint or cosignature was refused; stable codes for callers to switch on. */
export type NoteErrorCode =
  | 'malformed-note'
  | 'note-too-large'
  | 'invalid-signature'
  | 'no-verified-signature'
  | 'ambiguous-key'
  | 'bad-key-name'
  | 'malformed-verifier-key'
  | 'verifier-key-hash-mismatch'
  | 'unsupported-signature-type'
  | 'wrong-key-type'
  | 'malformed-checkpoint'
  | 'malformed-cosignature'
  | 'cosignature-time-out-of-range';

/** A refusal by this module, with a code from the union above. */
export class NoteError extends Error {
  constructor(
    readonly code: NoteErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NoteError';
  }
}

/** The two signature types this module speaks (signed-note § "Signature types"). */
export type SignatureType = 'ed25519' | 'cosignature/v1';

const TYPE_BYTE: Record<SignatureType, number> = { ed25519: 0x01, 'cosignature/v1': 0x04 };

/** Whole-note size bound. signed-note asks verifiers to accept at least 16 signatures of up to ~5 kB each. */
export const MAX_NOTE_BYTES = 256 * 1024;
/** Signature-line bound, as golang.org/x/mod/sumdb/note applies (the spec's floor is 16). */
export const MAX_SIGNATURES = 100;

const SIG_PREFIX = '\u2014 ';
const ED25519_SIG_BYTES = 64;
const COSIG_TIME_BYTES = 8;
const MAX_COSIG_TIME = 2n ** 63n - 1n;

/** Key names: non-empty, no Unicode space, no '+' (signed-note § "Format"); no control characters either. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !/[\p{White_Space}+\u0000-\u001f]/u.test(name) && isWellFormedUtf16(name);
}

function isWellFormedUtf16(text: string): boolean {
  return Buffer.from(text, 'utf8').toString('utf8') === text;
}

function strictBase64(text: string): Buffer | null {
  if (text === '' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  // Re-encoding refuses non-zero padding bits: one byte string, one spelling.
  return bytes.toString('base64') === text ? bytes : null;
}

function rawEd25519PublicKey(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ed25519') throw new NoteError('wrong-key-type', `expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const x = pub.export({ format: 'jwk' }).x;
  if (x === undefined) throw new NoteError('wrong-key-type', 'Ed25519 key without public part');
  return Buffer.from(x, 'base64url');
}

function ed25519PublicKeyFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** Key ID = first four bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ type byte ‖ 32-byte public key). */
export function keyId(name: string, type: SignatureType, publicKey: KeyObject): number {
  if (!isValidKeyName(name)) throw new NoteError('bad-key-name', `invalid key name ${JSON.stringify(name)}`);
  return keyIdOfRaw(name, TYPE_BYTE[type], rawEd25519PublicKey(publicKey));
}

function keyIdOfRaw(name: string, typeByte: number, raw: Buffer): number {
  const digest = createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, typeByte])).update(raw).digest();
  return digest.readUInt32BE(0);
}

const hex8 = (id: number) => id.toString(16).padStart(8, '0');

/** A key that checks signature lines: what `openNote` and `verifyCosignature` are given. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly type: SignatureType;
  readonly publicKey: KeyObject;
}

/** A verifier for a name and an Ed25519 public key (or a private key, whose public half is used). */
export function noteVerifier(name: string, publicKey: KeyObject, type: SignatureType = 'ed25519'): NoteVerifier {
  const pub = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  return { name, keyId: keyId(name, type, pub), type, publicKey: pub };
}

/** The vkey text `<name>+<hex key ID>+<base64(type byte ‖ public key)>` (signed-note § "Verifier keys"). */
export function verifierKey(name: string, publicKey: KeyObject, type: SignatureType = 'ed25519'): string {
  const id = keyId(name, type, publicKey);
  const material = Buffer.concat([Buffer.from([TYPE_BYTE[type]]), rawEd25519PublicKey(publicKey)]);
  return `${name}+${hex8(id)}+${material.toString('base64')}`;
}

/** Parses a vkey: type 0x01 (Ed25519 note key) or 0x04 (Ed25519 cosigner key); anything else is refused. */
export function parseVerifierKey(text: string): NoteVerifier {
  const parts = text.split('+');
  // Base64 may itself hold '+', so the material is everything after the second separator.
  const [name, idHex] = parts;
  const material = parts.slice(2).join('+');
  if (name === undefined || idHex === undefined || parts.length < 3) throw new NoteError('malformed-verifier-key', 'a verifier key has three parts separated by "+"');
  if (!isValidKeyName(name)) throw new NoteError('bad-key-name', `invalid key name ${JSON.stringify(name)}`);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new NoteError('malformed-verifier-key', 'the key ID is 8 lowercase hex digits');
  const bytes = strictBase64(material);
  if (bytes === null || bytes.length < 1) throw new NoteError('malformed-verifier-key', 'the key material is not canonical base64');
  const typeByte = bytes[0]!;
  const type = (Object.keys(TYPE_BYTE) as SignatureType[]).find((t) => TYPE_BYTE[t] === typeByte);
  if (type === undefined) throw new NoteError('unsupported-signature-type', `signature type 0x${typeByte.toString(16).padStart(2, '0')} is not supported`);
  const raw = bytes.subarray(1);
  if (raw.length !== 32) throw new NoteError('malformed-verifier-key', `an Ed25519 public key has 32 bytes, not ${raw.length}`);
  const id = keyIdOfRaw(name, typeByte, raw);
  if (hex8(id) !== idHex) throw new NoteError('verifier-key-hash-mismatch', `key ID ${idHex} does not match the key (expected ${hex8(id)})`);
  let publicKey: KeyObject;
  try {
    publicKey = ed25519PublicKeyFromRaw(raw);
  } catch (cause) {
    throw new NoteError('malformed-verifier-key', `not an Ed25519 public key: ${(cause as Error).message}`);
  }
  return { name, keyId: id, type, publicKey };
}

function checkNoteCharacters(text: string, what: string): void {
  if (!isWellFormedUtf16(text)) throw new NoteError('malformed-note', `${what} is not valid UTF-8`);
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) throw new NoteError('malformed-note', `${what} holds a control character other than newline`);
}

function signatureLine(name: string, id: number, signature: Buffer): string {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(id, 0);
  return `${SIG_PREFIX}${name} ${Buffer.concat([head, signature]).toString('base64')}\n`;
}

/** Signs `text` (which must end in a newline) with an Ed25519 private key: text, blank line, one signature line. */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  if (!text.endsWith('\n')) throw new NoteError('malformed-note', 'note text must end with a newline');
  checkNoteCharacters(text, 'note text');
  if (privateKey.type !== 'private') throw new NoteError('wrong-key-type', 'signing needs a private key');
  const id = keyId(name, 'ed25519', privateKey);
  const note = `${text}\n${signatureLine(name, id, sign(null, Buffer.from(text, 'utf8'), privateKey))}`;
  if (Buffer.byteLength(note, 'utf8') > MAX_NOTE_BYTES) throw new NoteError('note-too-large', `a note is at most ${MAX_NOTE_BYTES} bytes`);
  return note;
}

/** One parsed signature line. */
export interface NoteSignature {
  name: string;
  keyId: number;
  /** The base64 of key ID ‖ signature, as on the line. */
  base64: string;
}

/** A note whose text is trusted because at least one known key's signature on it verified. */
export interface OpenedNote {
  text: string;
  verified: NoteSignature[];
  /** Lines from keys not in the verifier list: kept, never trusted. */
  unverified: NoteSignature[];
}

interface SplitNote {
  text: string;
  signatures: (NoteSignature & { line: string; bytes: Buffer })[];
}

// Splits at the last blank line and parses every signature line, without checking any signature.
function splitNote(note: string | Buffer): SplitNote {
  const size = typeof note === 'string' ? Buffer.byteLength(note, 'utf8') : note.length;
  if (size > MAX_NOTE_BYTES) throw new NoteError('note-too-large', `a note is at most ${MAX_NOTE_BYTES} bytes`);
  let message: string;
  if (typeof note === 'string') message = note;
  else {
    try {
      message = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      throw new NoteError('malformed-note', 'note is not valid UTF-8');
    }
  }
  checkNoteCharacters(message, 'note');
  const split = message.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('malformed-note', 'no blank line before the signatures');
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw new NoteError('malformed-note', 'the signature block must be non-empty and end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError('malformed-note', `more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    const parsed = parseSignatureLine(line);
    if (parsed === null) throw new NoteError('malformed-note', `not a signature line: ${JSON.stringify(line.slice(0, 80))}`);
    return parsed;
  });
  return { text, signatures };
}

function parseSignatureLine(line: string): (NoteSignature & { line: string; bytes: Buffer }) | null {
  if (!line.startsWith(SIG_PREFIX)) return null;
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) return null;
  const name = rest.slice(0, space);
  const base64 = rest.slice(space + 1);
  const bytes = strictBase64(base64);
  if (!isValidKeyName(name) || bytes === null || bytes.length < 5) return null;
  return { name, keyId: bytes.readUInt32BE(0), base64, line, bytes: bytes.subarray(4) };
}

function signatureHolds(verifier: NoteVerifier, text: string, signature: Buffer): boolean {
  if (verifier.type === 'ed25519') return signature.length === ED25519_SIG_BYTES && verify(null, Buffer.from(text, 'utf8'), verifier.publicKey, signature);
  if (signature.length !== COSIG_TIME_BYTES + ED25519_SIG_BYTES) return false;
  const time = signature.readBigUInt64BE(0);
  if (time > MAX_COSIG_TIME) return false;
  return verify(null, cosignatureMessage(text, time), verifier.publicKey, signature.subarray(COSIG_TIME_BYTES));
}

/**
 * Opens a note (signed-note § "Signatures"): lines from unknown keys are kept as unverified; a line whose
 * name and key ID match a known key must verify, or the whole note is refused; with no verified line the
 * note is refused. Verifiers may be plain Ed25519 note keys or cosigner keys (the note is then a checkpoint).
 */
export function openNote(note: string | Buffer, verifiers: readonly NoteVerifier[]): OpenedNote {
  const { text, signatures } = splitNote(note);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seenKeys = new Set<string>();
  const seenLines = new Set<string>();
  for (const sig of signatures) {
    const known = verifiers.filter((v) => v.name === sig.name && v.keyId === sig.keyId);
    const keyLabel = `${sig.name}+${hex8(sig.keyId)}`;
    const entry = { name: sig.name, keyId: sig.keyId, base64: sig.base64 };
    if (known.length === 0) {
      // Repeated identical lines from unknown keys are dropped, as the reference implementation does.
      if (!seenLines.has(sig.line)) unverified.push(entry);
      seenLines.add(sig.line);
      continue;
    }
    if (known.length > 1) throw new NoteError('ambiguous-key', `more than one known key is ${keyLabel}`);
    if (seenKeys.has(keyLabel)) continue;
    seenKeys.add(keyLabel);
    if (!signatureHolds(known[0]!, text, sig.bytes)) throw new NoteError('invalid-signature', `invalid signature for key ${keyLabel}`);
    verified.push(entry);
  }
  if (verified.length === 0) throw new NoteError('no-verified-signature', 'note has no signature by a known key');
  return { text, verified, unverified };
}

/** Adds signature lines (e.g. witness cosignatures) to a note, dropping lines already present. */
export function appendSignatureLines(note: string, lines: readonly string[]): string {
  const { signatures } = splitNote(note);
  const present = new Set(signatures.map((s) => s.line));
  let out = note;
  for (const line of lines) {
    const bare = line.endsWith('\n') ? line.slice(0, -1) : line;
    if (parseSignatureLine(bare) === null) throw new NoteError('malformed-note', `not a signature line: ${JSON.stringify(bare.slice(0, 80))}`);
    if (present.has(bare)) continue;
    present.add(bare);
    out += `${bare}\n`;
  }
  splitNote(out); // size and signature-count bounds hold for the result too
  return out;
}

// ---- Checkpoints (c2sp.org/tlog-checkpoint § "Note text") ----

/** A log's tree head as a checkpoint states it. */
export interface Checkpoint {
  origin: string;
  /** Number of leaves. */
  size: number;
  /** RFC 6962 Merkle tree hash, 32 bytes. */
  rootHash: Buffer;
  /** Opaque extension lines (the spec calls their use NOT RECOMMENDED). */
  extensions?: readonly string[];
}

/** The checkpoint note text: origin, decimal size, base64 root, extension lines; each ending in a newline. */
export function checkpointBody(cp: Checkpoint): string {
  // We sign our own checkpoints with the origin as key name, so the origin obeys the key-name rule too.
  if (!isValidKeyName(cp.origin)) throw new NoteError('malformed-checkpoint', `origin ${JSON.stringify(cp.origin)} is not a valid key name`);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new NoteError('malformed-checkpoint', `tree size ${cp.size} is not a non-negative integer`);
  if (cp.rootHash.length !== 32) throw new NoteError('malformed-checkpoint', `a root hash has 32 bytes, not ${cp.rootHash.length}`);
  const extensions = cp.extensions ?? [];
  for (const line of extensions) {
    if (line === '' || line.includes('\n')) throw new NoteError('malformed-checkpoint', 'extension lines are non-empty single lines');
    checkNoteCharacters(line, 'extension line');
  }
  return [cp.origin, String(cp.size), cp.rootHash.toString('base64'), ...extensions].map((l) => `${l}\n`).join('');
}

/** Parses a checkpoint note text (the `text` of an opened note). Accepts any non-empty origin line. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new NoteError('malformed-checkpoint', 'checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === undefined || sizeText === undefined || rootText === undefined) throw new NoteError('malformed-checkpoint', 'a checkpoint has at least three lines');
  if (lines.some((l) => l === '')) throw new NoteError('malformed-checkpoint', 'checkpoint lines must be non-empty');
  checkNoteCharacters(text, 'checkpoint');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new NoteError('malformed-checkpoint', 'tree size must be decimal without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new NoteError('malformed-checkpoint', 'tree size is too large');
  const rootHash = strictBase64(rootText);
  if (rootHash === null || rootHash.length !== 32) throw new NoteError('malformed-checkpoint', 'root hash must be canonical base64 of 32 bytes');
  return { origin, size, rootHash, extensions };
}

// ---- Cosignatures (c2sp.org/tlog-cosignature § "Format", § "Ed25519 signed message") ----

/** The signed message: "cosignature/v1\n", "time <t>\n", then the whole checkpoint body. */
export function cosignatureMessage(checkpointText: string, time: number | bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${BigInt(time).toString()}\n${checkpointText}`, 'utf8');
}

function checkedTime(time: number): bigint {
  if (!Number.isSafeInteger(time) || time < 0) throw new NoteError('cosignature-time-out-of-range', `time ${time} is not a POSIX timestamp in seconds`);
  return BigInt(time);
}

/**
 * A witness's cosignature line over a checkpoint body: `— <name> base64(key ID ‖ u64 time ‖ Ed25519 sig)\n`,
 * the key ID computed with signature type 0x04. `time` is POSIX seconds.
 */
export function cosign(checkpointText: string, witnessName: string, witnessKey: KeyObject, time: number): string {
  parseCheckpoint(checkpointText); // a witness vouches for checkpoints only
  if (witnessKey.type !== 'private') throw new NoteError('wrong-key-type', 'cosigning needs a private key');
  const t = checkedTime(time);
  const id = keyId(witnessName, 'cosignature/v1', witnessKey);
  const stamp = Buffer.alloc(COSIG_TIME_BYTES);
  stamp.writeBigUInt64BE(t, 0);
  return signatureLine(witnessName, id, Buffer.concat([stamp, sign(null, cosignatureMessage(checkpointText, t), witnessKey)]));
}

/**
 * Checks one cosignature line against a checkpoint body and a cosigner key (type cosignature/v1); returns
 * its time. `notAfter` (POSIX seconds) refuses timestamps in the future, which the spec allows verifiers to do.
 */
export function verifyCosignature(checkpointText: string, line: string, cosigner: NoteVerifier, notAfter?: number): { time: number } {
  if (cosigner.type !== 'cosignature/v1') throw new NoteError('wrong-key-type', 'the verifier is not a cosigner key (type 0x04)');
  const sig = parseSignatureLine(line.endsWith('\n') ? line.slice(0, -1) : line);
  if (sig === null) throw new NoteError('malformed-cosignature', 'not a signature line');
  if (sig.name !== cosigner.name || sig.keyId !== cosigner.keyId) throw new NoteError('malformed-cosignature', `line is by ${sig.name}+${hex8(sig.keyId)}, not by the given cosigner`);
  if (sig.bytes.length !== COSIG_TIME_BYTES + ED25519_SIG_BYTES) throw new NoteError('malformed-cosignature', 'a cosignature holds an 8-byte time and a 64-byte signature');
  const time = sig.bytes.readBigUInt64BE(0);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) throw new NoteError('cosignature-time-out-of-range', `time ${time} is out of range`);
  if (notAfter !== undefined && time > BigInt(notAfter)) throw new NoteError('cosignature-time-out-of-range', `time ${time} is in the future`);
  if (!signatureHolds(cosigner, checkpointText, sig.bytes)) throw new NoteError('invalid-signature', `invalid cosignature by ${sig.name}+${hex8(sig.keyId)}`);
  return { time: Number(time) };
}
