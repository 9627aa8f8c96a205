// JSON shapes of stored things as the API shows them.
import type { Consent } from '../../../consent/rules.ts';
import type { Principal } from '../../identity/auth/principal.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { ConsentView } from '../schemas.ts';
import type { ConsentTransfer } from '../../audit/audit-log.ts';

/** A consent as the API shows it, with the transfers made under it (`transfers`: newest first; none for a new consent). */
export function consentJson(c: Consent, now: Date, transfers: readonly ConsentTransfer[] = []): ConsentView {
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
    grantedBy: c.grantedBy,
    state,
    revokedAt: c.revokedAt?.toISOString() ?? null,
    paper: c.paper,
    transfers: transfers.map((t) => ({ auditEntryId: t.auditEntryId, leafIndex: t.leafIndex, at: t.at.toISOString(), requester: t.requester, requestId: t.requestId, outcome: t.outcome })),
  };
}

/** The grantee and the citizen see a consent; anyone else is told it does not exist. */
export function assertMaySeeConsent(p: Principal, c: Consent | null): asserts c is Consent {
  const visible = c && (p.kind === 'citizen' ? p.idNr === c.citizenIdNr : p.kind === 'participant' && p.participant.id === c.granteeId);
  if (!visible) throw new NotFoundError('This consent');
}
