// JSON shapes of stored things as the API shows them.
import type { Consent } from '../../../consent/rules.ts';
import type { Principal } from '../../identity/auth/principal.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { ConsentView } from '../schemas.ts';

export function consentJson(c: Consent, now: Date): ConsentView {
  const state: ConsentView['state'] = c.revokedAt ? 'revoked' : now < c.validFrom ? 'not-yet-valid' : now >= c.validUntil ? 'expired' : 'active';
  return {
    id: c.id,
    citizen: { idNr: c.citizenIdNr },
    grantee: c.granteeId,
    evidenceTypes: c.evidenceTypes,
    purpose: c.purpose,
    validFrom: c.validFrom.toISOString(),
    validUntil: c.validUntil.toISOString(),
    grantedAt: c.grantedAt.toISOString(),
    state,
    revokedAt: c.revokedAt?.toISOString() ?? null,
    paper: c.paper,
  };
}

/** The grantee and the citizen see a consent; anyone else is told it does not exist. */
export function assertMaySeeConsent(p: Principal, c: Consent | null): asserts c is Consent {
  const visible = c && (p.kind === 'citizen' ? p.idNr === c.citizenIdNr : p.kind === 'participant' && p.participant.id === c.granteeId);
  if (!visible) throw new NotFoundError('This consent');
}
