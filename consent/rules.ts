// Pure consent rules: whether one consent covers one request at one moment. No I/O, clock passed in.
import type { Purpose } from '../broker/domain/codes.ts';
import type { EvidenceType } from '../adapters/index.ts';

/**
 * Where a consent given on paper is filed: the signed form's reference, the Berlin calendar day it was signed
 * (YYYY-MM-DD), and the clerk account that recorded it (null when the authority's system or an operator did).
 */
export interface PaperProvenance {
  reference: string;
  signedOn: string;
  recordedByClerk: string | null;
}

/** A citizen's consent as the ledger holds it. */
export interface Consent {
  id: string;
  citizenIdNr: string;
  granteeId: string;
  evidenceTypes: EvidenceType[];
  purpose: Purpose;
  validFrom: Date;
  validUntil: Date;
  grantedAt: Date;
  grantedBy: string;
  revokedAt: Date | null;
  revokedBy: string | null;
  /** Set for a consent an authority recorded from a paper form; null for one the citizen granted (or one
   *  recorded before provenance was kept). */
  paper: PaperProvenance | null;
}

/** What a request needs a consent to cover. */
export interface ConsentNeed {
  idNr: string;
  granteeId: string;
  purpose: Purpose;
  evidenceTypes: readonly EvidenceType[];
}

/** Why a consent does not cover a request. */
export type ConsentRefusal =
  | 'revoked'
  | 'expired'
  | 'not-yet-valid'
  | 'other-citizen'
  | 'other-grantee'
  | 'other-purpose'
  | 'evidence-type-not-covered';

export function consentRefusal(consent: Consent, need: ConsentNeed, now: Date): ConsentRefusal | null {
  if (consent.citizenIdNr !== need.idNr) return 'other-citizen';
  if (consent.granteeId !== need.granteeId) return 'other-grantee';
  if (consent.revokedAt !== null && consent.revokedAt <= now) return 'revoked';
  if (now < consent.validFrom) return 'not-yet-valid';
  if (now >= consent.validUntil) return 'expired';
  if (consent.purpose !== need.purpose) return 'other-purpose';
  if (!need.evidenceTypes.every((t) => consent.evidenceTypes.includes(t))) return 'evidence-type-not-covered';
  return null;
}

export function isConsentValid(consent: Consent, need: ConsentNeed, now: Date): boolean {
  return consentRefusal(consent, need, now) === null;
}

export const consentRefusalMessages: Record<ConsentRefusal, string> = {
  revoked: 'the consent has been revoked',
  expired: 'the consent has expired',
  'not-yet-valid': 'the consent is not yet valid',
  'other-citizen': 'the consent was given by another citizen',
  'other-grantee': 'the consent was given to another authority',
  'other-purpose': 'the consent covers another purpose',
  'evidence-type-not-covered': 'the consent does not cover every requested evidence type',
};
