// The policy that decides whether an evidence request may go ahead: a valid consent of the citizen, or a
// legal basis that allows this purpose and these evidence types without consent. Nothing is fetched
// unless this says yes. A refusal is a value; the evidence path turns it into its HTTP error.
import type { ConsentStore } from './consent-store.ts';
import { findLegalBasis } from './legal-bases.ts';
import { consentRefusal, consentRefusalMessages, type Consent, type ConsentNeed, type ConsentRefusal } from './rules.ts';

/** Why a request may go ahead; recorded in the audit entry. */
export type Permission = { basis: 'consent'; consentId: string } | { basis: 'legal-basis'; legalBasis: string };

/** Stable code of a refused permission (the problem's `refusal`, the audit entry's reason). */
export type PermissionRefusalCode =
  | 'legal-basis-not-applicable'
  | 'consent-unknown'
  | 'no-consent'
  | Exclude<ConsentRefusal, 'other-citizen' | 'other-grantee'>;

/** No consent or legal basis covers the request: why, and a message without personal data. */
export interface PermissionRefusal {
  basis: 'none';
  refusal: PermissionRefusalCode;
  message: string;
}

/** What the policy decided: the basis to go ahead on, or the refusal. */
export type PermissionDecision = Permission | PermissionRefusal;

const refused = (refusal: PermissionRefusalCode, message: string): PermissionRefusal => ({ basis: 'none', refusal, message });

export async function decidePermission(
  store: ConsentStore,
  need: ConsentNeed,
  named: { consentId?: string | undefined; legalBasis?: string | undefined },
  now: Date,
): Promise<PermissionDecision> {
  if (named.legalBasis !== undefined) {
    if (!legalBasisCovers(named.legalBasis, need)) return refused('legal-basis-not-applicable', `legal basis ${named.legalBasis} does not allow this purpose and these evidence types`);
    return { basis: 'legal-basis', legalBasis: named.legalBasis };
  }
  if (named.consentId !== undefined) {
    const consent = await store.get(named.consentId);
    // NOTE: an unknown consent and another citizen's consent answer alike, so ids cannot be probed.
    const refusal = consent ? consentRefusal(consent, need, now) : 'other-citizen';
    if (refusal === 'other-citizen' || refusal === 'other-grantee') {
      return refused('consent-unknown', 'the named consent does not exist for this citizen and this authority');
    }
    if (refusal) return refused(refusal, consentRefusalMessages[refusal]);
    return { basis: 'consent', consentId: named.consentId };
  }
  const candidates = await store.listFor(need.granteeId, need.idNr, need.purpose);
  const valid = candidates.find((c) => consentRefusal(c, need, now) === null);
  if (!valid) return refused('no-consent', 'no valid consent of this citizen covers this authority, purpose and evidence types');
  return { basis: 'consent', consentId: valid.id };
}

/** Why a permission that held when a request was recorded no longer holds at delivery time. */
export type WithdrawnBasis = 'CONSENT_REVOKED' | 'CONSENT_EXPIRED' | 'LEGAL_BASIS_NOT_APPLICABLE';

export const withdrawnBasisMessages: Record<WithdrawnBasis, string> = {
  CONSENT_REVOKED: 'the citizen revoked the consent before this evidence was delivered',
  CONSENT_EXPIRED: 'the consent expired before this evidence was delivered',
  LEGAL_BASIS_NOT_APPLICABLE: 'the legal basis no longer allows this purpose and these evidence types',
};

/**
 * Re-checks a recorded permission at delivery time (pending poll, async resume, held answer): a revoked or
 * expired consent stops every delivery after it. Null while the permission still holds.
 */
export async function withdrawnBasis(
  store: ConsentStore,
  permission: Permission,
  need: ConsentNeed,
  now: Date,
  read: (id: string) => Promise<Consent | null> = (id) => store.get(id),
): Promise<WithdrawnBasis | null> {
  if (permission.basis === 'legal-basis') {
    return legalBasisCovers(permission.legalBasis, need) ? null : 'LEGAL_BASIS_NOT_APPLICABLE';
  }
  const consent = await read(permission.consentId);
  if (!consent) return 'CONSENT_REVOKED';
  const refusal = consentRefusal(consent, need, now);
  if (refusal === null) return null;
  return refusal === 'expired' ? 'CONSENT_EXPIRED' : 'CONSENT_REVOKED';
}

/** Whether a legal basis allows this purpose and every one of these evidence types without consent. */
function legalBasisCovers(code: string, need: ConsentNeed): boolean {
  const basis = findLegalBasis(code);
  return basis !== undefined && basis.purposes.includes(need.purpose) && need.evidenceTypes.every((t) => basis.evidenceTypes.includes(t));
}
