// The witness's decision for one poll of a log's checkpoint: cosign it, note that nothing changed, or
// refuse and keep the evidence. No network and no storage here: the caller fetches, stores and alerts.
// The checks follow c2sp.org/tlog-witness § add-checkpoint: a trusted log signature, size never shrinking,
// equal sizes with equal roots, the empty tree's fixed root, and a consistency proof from the last size.
import { createHash, type KeyObject } from 'node:crypto';
import { NoteError, cosign, openNote, parseCheckpoint, type Checkpoint, type NoteVerifier } from '../audit/signed-note.ts';

/** RFC 9162 consistency-proof check, supplied by the caller (the Merkle code lives elsewhere). */
export type ConsistencyVerifier = (from: number, to: number, proof: Buffer[], oldRoot: Buffer, newRoot: Buffer) => boolean;

/** Fetches the log's consistency proof between two sizes as hex hashes. */
export type ConsistencyProofFetcher = (from: number, to: number) => Promise<string[]>;

/** Everything one poll decides on. */
export interface WitnessPoll {
  /** The last checkpoint note this witness accepted for the log, or null on the first poll. */
  lastNote: string | null;
  /** The checkpoint note the log serves now. */
  newNote: string;
  /** The log's verifier key the witness is configured with. */
  logKey: NoteVerifier;
  witnessName: string;
  witnessKey: KeyObject;
  /** Cosignature time, POSIX seconds (injected: no clock in here). */
  time: number;
  fetchConsistencyProof: ConsistencyProofFetcher;
  verifyConsistency: ConsistencyVerifier;
}

/** Why the witness refused to cosign. */
export type WitnessRefusalReason =
  | 'bad-log-signature'
  | 'malformed-checkpoint'
  | 'origin-changed'
  | 'smaller-tree'
  | 'same-size-other-root'
  | 'bad-empty-root'
  | 'inconsistent';

/** What the witness keeps when it refuses: both notes and the proof it was given (if it asked for one). */
export interface WitnessEvidence {
  old: string | null;
  new: string;
  proof: string[] | null;
}

/** The outcome of one poll. */
export type WitnessDecision =
  | { kind: 'cosign'; line: string; checkpoint: Checkpoint }
  | { kind: 'same' }
  | { kind: 'refuse'; reason: WitnessRefusalReason; detail: string; evidence: WitnessEvidence };

/** The witness's own stored checkpoint no longer opens: its store or configuration is broken, not the log. */
export class WitnessStateError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'WitnessStateError';
  }
}

/** tlog-witness sends at most 63 proof lines: enough for any tree of up to 2^63 leaves. */
const MAX_PROOF_HASHES = 63;
const EMPTY_TREE_ROOT = createHash('sha256').digest();

function openCheckpoint(note: string, logKey: NoteVerifier): { body: string; checkpoint: Checkpoint } {
  const opened = openNote(note, [logKey]);
  return { body: opened.text, checkpoint: parseCheckpoint(opened.text) };
}

function decodeProof(hashes: string[]): Buffer[] | null {
  if (!Array.isArray(hashes) || hashes.length > MAX_PROOF_HASHES) return null;
  const out: Buffer[] = [];
  for (const h of hashes) {
    if (typeof h !== 'string' || !/^[0-9a-f]{64}$/i.test(h)) return null;
    out.push(Buffer.from(h, 'hex'));
  }
  return out;
}

/** Decides one poll. Throws only when fetching the proof fails (retry later) or the witness's own state is broken. */
export async function decideWitnessPoll(poll: WitnessPoll): Promise<WitnessDecision> {
  const refuse = (reason: WitnessRefusalReason, detail: string, proof: string[] | null = null): WitnessDecision => ({
    kind: 'refuse',
    reason,
    detail,
    evidence: { old: poll.lastNote, new: poll.newNote, proof },
  });

  let body: string;
  try {
    body = openNote(poll.newNote, [poll.logKey]).text;
  } catch (err) {
    if (err instanceof NoteError) return refuse('bad-log-signature', err.message);
    throw err;
  }
  let current: { body: string; checkpoint: Checkpoint };
  try {
    current = { body, checkpoint: parseCheckpoint(body) };
  } catch (err) {
    if (err instanceof NoteError) return refuse('malformed-checkpoint', err.message);
    throw err;
  }
  const next = current.checkpoint;
  if (next.size === 0 && !next.rootHash.equals(EMPTY_TREE_ROOT)) return refuse('bad-empty-root', 'a tree of size 0 has the root SHA-256("")');

  const accept = (): WitnessDecision => ({
    kind: 'cosign',
    line: cosign(current.body, poll.witnessName, poll.witnessKey, poll.time),
    checkpoint: next,
  });
  if (poll.lastNote === null) return accept();

  let last: { body: string; checkpoint: Checkpoint };
  try {
    last = openCheckpoint(poll.lastNote, poll.logKey);
  } catch (err) {
    throw new WitnessStateError('the stored checkpoint does not open with the log key', { cause: err });
  }
  const prev = last.checkpoint;
  if (next.origin !== prev.origin) return refuse('origin-changed', `origin ${JSON.stringify(prev.origin)} became ${JSON.stringify(next.origin)}`);
  if (next.size < prev.size) return refuse('smaller-tree', `tree size went from ${prev.size} down to ${next.size}`);
  if (next.size === prev.size) {
    if (!next.rootHash.equals(prev.rootHash)) return refuse('same-size-other-root', `two different roots for size ${next.size}`);
    // Same tree; a new body (other extension lines) is trivially consistent and gets its own cosignature.
    return current.body === last.body ? { kind: 'same' } : accept();
  }
  // The empty tree is consistent with every tree: no proof to ask for (tlog-witness § add-checkpoint).
  if (prev.size === 0) return accept();

  const hexProof = await poll.fetchConsistencyProof(prev.size, next.size);
  const proof = decodeProof(hexProof);
  if (proof === null) return refuse('inconsistent', `the log served a malformed consistency proof (${MAX_PROOF_HASHES} hex SHA-256 hashes at most)`, hexProof);
  let holds: boolean;
  try {
    holds = poll.verifyConsistency(prev.size, next.size, proof, prev.rootHash, next.rootHash);
  } catch (err) {
    return refuse('inconsistent', `consistency proof refused: ${(err as Error).message}`, hexProof);
  }
  if (!holds) return refuse('inconsistent', `no consistency between size ${prev.size} and size ${next.size}`, hexProof);
  return accept();
}
