// The audit chain's pure rules. Each entry commits to its personal details with a salted hash and links
// to the previous entry's hash. The chain itself holds no personal data, so deleting expired details
// (IDNrG § 9: after two years) never breaks verification: the commitment stays, the details go.
import { hash, randomBytes } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** What kind of event an audit entry records. */
export type AuditKind = 'transfer' | 'refusal' | 'consent-granted' | 'consent-revoked';

/** The personal details behind one entry; stored apart from the chain and deletable. */
export interface AuditDetailFields {
  citizenIdNr: string | null;
  actorId: string;
  requestId: string | null;
  consentId: string | null;
  /** JSON text, fixed at creation so the commitment never depends on re-serialization. */
  details: string;
}

/** One event to record. */
export interface AuditEvent extends Omit<AuditDetailFields, 'details'> {
  kind: AuditKind;
  at: Date;
  details: Record<string, unknown>;
}

/** The chain's head: the last entry's sequence number and hash. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The hashed, non-personal part of one entry. */
export interface ChainLink {
  seq: number;
  kind: string;
  createdAt: Date;
  prevHash: string;
  commitment: string;
  hash: string;
}

// NOTE: the one-shot crypto.hash is about twice as fast as createHash() for these short texts, which is
// most of what verifying a long chain costs.
const sha256 = (text: string): string => hash('sha256', text, 'hex');

export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

export function commitmentOf(salt: string, d: AuditDetailFields): string {
  return sha256(`${salt}\n${JSON.stringify([d.citizenIdNr, d.actorId, d.requestId, d.consentId, d.details])}`);
}

export function linkHash(l: Omit<ChainLink, 'hash'>): string {
  return linkHashOf(l, l.createdAt.toISOString());
}

/** linkHash with the entry's time already written as toISOString writes it (verification needs it twice). */
export function linkHashOf(l: Omit<ChainLink, 'hash' | 'createdAt'>, iso: string): string {
  return sha256(`${l.prevHash}\n${l.seq}\n${l.kind}\n${iso}\n${l.commitment}`);
}

/** Hash of evidence as delivered, so the citizen can later prove what was sent without us keeping it. */
export function dataHash(data: unknown): string {
  return sha256(canonicalJson(data));
}

/**
 * JSON with object keys sorted, so equal data always hashes equally. NOTE: stored hashes depend on it, so its
 * output must never change; it concatenates rather than entries/map/join to spare per-object arrays on the
 * hot path (test/unit/audit-chain.test.ts checks it against the earlier form).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // As Array#join wrote it: what JSON has no text for (undefined, a function) is left empty.
      out += (canonicalJson(value[i]) as string | undefined) ?? '';
    }
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    // Default sort: UTF-16 code unit order, the same as comparing with < and >.
    const keys = Object.keys(object).sort();
    let out = '{';
    let first = true;
    for (const key of keys) {
      const v = object[key];
      if (v === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += `${JSON.stringify(key)}:${canonicalJson(v)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value);
}

/** Why a chain does not verify, at the first link where it breaks. */
export type ChainBreak =
  | 'sequence-gap'
  | 'previous-hash-mismatch'
  | 'entry-hash-mismatch'
  | 'detail-commitment-mismatch'
  /** A detail row deleted before its time (from the entry's own, hashed time): a transfer hidden from the citizen. */
  | 'detail-missing'
  /** The Merkle root of the entries differs from a tree head the broker signed (brokenAt: that head's size). */
  | 'signed-head-mismatch'
  /**
   * The entry's leaf differs from the one kept beside the signing key when a head was signed (brokenAt: that
   * entry): rewritten after it was signed, even with every hash in the database recomputed.
   */
  | 'kept-leaf-mismatch'
  | 'head-mismatch';

/** Checks one link against its predecessor; returns the first problem or null. `iso`: link.createdAt's, when made already. */
export function checkLink(link: ChainLink, prev: { seq: number; hash: string }, iso = link.createdAt.toISOString()): ChainBreak | null {
  if (link.seq !== prev.seq + 1) return 'sequence-gap';
  if (link.prevHash !== prev.hash) return 'previous-hash-mismatch';
  if (linkHashOf(link, iso) !== link.hash) return 'entry-hash-mismatch';
  return null;
}
