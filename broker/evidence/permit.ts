// Second step: the consent policy's decision. A refusal becomes the 403 here, counted and audited like
// the directory's. At delivery time (pending poll, held answer, resumed request) the recorded basis is
// checked again: a revoked or expired consent stops every delivery after it.
import type { ConsentStore } from '../../consent/consent-store.ts';
import type { SqlStatements } from '../db/direct-sql.ts';
import { decidePermission, withdrawnBasis, withdrawnBasisMessages, type Permission, type WithdrawnBasis } from '../../consent/policy.ts';
import type { AuditEvent } from '../audit/audit-log.ts';
import type { Participant } from '../identity/auth/principal.ts';
import type { EvidenceType } from '../../adapters/index.ts';
import { ConsentRequiredError } from '../domain/errors.ts';
import type { BrokerMetrics } from '../ops/metrics.ts';
import type { EvidenceRequestBody } from '../http/schemas.ts';
import { refusalEvent } from './authorize.ts';
import { basisOf, type FetchedItem, type Provenance } from './evidence-answer.ts';
import type { EvidenceRequestRecord } from './evidence-request-store.ts';

export interface PermitDeps {
  consents: ConsentStore;
  audit: { record(ev: AuditEvent): Promise<number> };
  metrics: Pick<BrokerMetrics, 'consentRefusals'>;
}

/** The basis the request goes ahead on; refuses (counted, audited, then 403) when there is none. */
export async function permit(deps: PermitDeps, participant: Participant, body: EvidenceRequestBody, types: EvidenceType[], now: Date): Promise<Permission> {
  const need = { idNr: body.citizen.idNr, granteeId: participant.id, purpose: body.purpose, evidenceTypes: types };
  const decision = await decidePermission(deps.consents, need, body, now);
  if (decision.basis !== 'none') return decision;
  deps.metrics.consentRefusals.inc({ refusal: decision.refusal });
  await deps.audit.record(refusalEvent(participant, body, types, decision.refusal, now));
  throw new ConsentRequiredError(decision.message, decision.refusal);
}

/** Whether the request's consent or legal basis has gone since it was recorded, and why. */
export function withdrawnSince(consents: ConsentStore, request: EvidenceRequestRecord, now: Date, tx?: SqlStatements): Promise<WithdrawnBasis | null> {
  const need = { idNr: request.citizenIdNr, granteeId: request.participantId, purpose: request.purpose, evidenceTypes: request.evidenceTypes };
  // Inside the commit's transaction (`tx`) a revocation committed before it is always seen.
  return withdrawnBasis(consents, basisOf(request), need, now, tx ? (id) => consents.getIn(tx, id) : undefined);
}

/** The item an undelivered type ends as when its basis is gone: the register is not asked again. */
export function withdrawnItem(type: EvidenceType, from: Pick<Provenance, 'register' | 'registerName'>, code: WithdrawnBasis): FetchedItem {
  const provenance = { register: from.register, registerName: from.registerName, fetchedAt: null };
  return { type, status: 'unavailable', data: null, provenance, reason: { code, message: withdrawnBasisMessages[code] }, pendingTicket: null };
}
