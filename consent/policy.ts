// The policy that decides whether an evidence request may go ahead: a valid consent of the citizen, or a
// legal basis that allows this purpose and these evidence types without consent. Nothing is fetched
// unless this says yes.
import { ConsentRequiredError } from '../broker/errors.ts';
import type { ConsentStore } from './consent-store.ts';
import { findLegalBasis } from './legal-bases.ts';
import { consentRefusal, consentRefusalMessages, type ConsentNeed } from './rules.ts';

/** Why a request may go ahead; recorded in the audit entry. */
export type Permission = { basis: 'consent'; consentId: string } | { basis: 'legal-basis'; legalBasis: string };

export async function decidePermission(
  store: ConsentStore,
  need: ConsentNeed,
  named: { consentId?: string | undefined; legalBasis?: string | undefined },
  now: Date,
): Promise<Permission> {
  if (named.legalBasis !== undefined) {
    const basis = findLegalBasis(named.legalBasis);
    const covers =
      basis !== undefined &&
      basis.purposes.includes(need.purpose) &&
      need.evidenceTypes.every((t) => basis.evidenceTypes.includes(t));
    if (!covers) {
      throw new ConsentRequiredError(`legal basis ${named.legalBasis} does not allow this purpose and these evidence types`, 'legal-basis-not-applicable');
    }
    return { basis: 'legal-basis', legalBasis: named.legalBasis };
  }
  if (named.consentId !== undefined) {
    const consent = await store.get(named.consentId);
    // NOTE: an unknown consent and another citizen's consent answer alike, so ids cannot be probed.
    const refusal = consent ? consentRefusal(consent, need, now) : 'other-citizen';
    if (refusal === 'other-citizen' || refusal === 'other-grantee') {
      throw new ConsentRequiredError('the named consent does not exist for this citizen and this authority', 'consent-unknown');
    }
    if (refusal) throw new ConsentRequiredError(consentRefusalMessages[refusal], refusal);
    return { basis: 'consent', consentId: named.consentId };
  }
  const candidates = await store.listFor(need.granteeId, need.idNr, need.purpose);
  const valid = candidates.find((c) => consentRefusal(c, need, now) === null);
  if (!valid) throw new ConsentRequiredError('no valid consent of this citizen covers this authority, purpose and evidence types', 'no-consent');
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
export async function withdrawnBasis(store: ConsentStore, permission: Permission, need: ConsentNeed, now: Date): Promise<WithdrawnBasis | null> {
  if (permission.basis === 'legal-basis') {
    const basis = findLegalBasis(permission.legalBasis);
    const covers = basis !== undefined && basis.purposes.includes(need.purpose) && need.evidenceTypes.every((t) => basis.evidenceTypes.includes(t));
    return covers ? null : 'LEGAL_BASIS_NOT_APPLICABLE';
  }
  const consent = await store.get(permission.consentId);
  if (!consent) return 'CONSENT_REVOKED';
  const refusal = consentRefusal(consent, need, now);
  if (refusal === null) return null;
  return refusal === 'expired' ? 'CONSENT_EXPIRED' : 'CONSENT_REVOKED';
}
