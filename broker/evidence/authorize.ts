// First step of a request: may this authority ask for these evidence types, for this purpose, on this
// legal basis? The directory decides before any consent is looked at. Every refusal is audited, so the
// citizen can see the attempt too.
import type { AuditEvent } from '../audit/audit-log.ts';
import type { Participant } from '../identity/auth/principal.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../../adapters/index.ts';
import { ForbiddenError } from '../domain/errors.ts';
import type { EvidenceRequestBody } from '../http/schemas.ts';

/** Why the directory refuses a request, as the audit entry records it. */
export type AuthorizationRefusal = { reason: 'evidence-type-not-allowed' | 'purpose-not-allowed' | 'legal-basis-not-allowed'; message: string };

/** The types a request asks for, in the code list's order whatever order the caller used (GET agrees). */
export function requestedTypes(body: EvidenceRequestBody): EvidenceType[] {
  return EVIDENCE_TYPES.filter((t) => body.evidenceTypes.includes(t));
}

export function authorizationRefusal(participant: Participant, body: EvidenceRequestBody, types: readonly EvidenceType[]): AuthorizationRefusal | null {
  const notAllowed = types.filter((t) => !participant.evidenceTypes.includes(t));
  if (notAllowed.length > 0) return { reason: 'evidence-type-not-allowed', message: `This participant may not request ${notAllowed.join(', ')}` };
  if (!participant.purposes.includes(body.purpose)) return { reason: 'purpose-not-allowed', message: `This participant may not request for purpose ${body.purpose}` };
  if (body.legalBasis !== undefined && !participant.legalBases.includes(body.legalBasis)) {
    return { reason: 'legal-basis-not-allowed', message: `This participant may not rely on legal basis ${body.legalBasis}` };
  }
  return null;
}

/** The audit entry of a refused request (directory or consent policy). */
export function refusalEvent(participant: Participant, body: EvidenceRequestBody, types: EvidenceType[], reason: string, at: Date): AuditEvent {
  return {
    kind: 'refusal',
    at,
    citizenIdNr: body.citizen.idNr,
    actorId: participant.id,
    requestId: null,
    consentId: body.consentId ?? null,
    details: { reason, evidenceTypes: types, purpose: body.purpose, caseReference: body.caseReference, ...(body.legalBasis ? { legalBasis: body.legalBasis } : {}) },
  };
}

/** Refuses (audited, then 403) a request the directory does not allow. */
export async function authorize(
  audit: { record(ev: AuditEvent): Promise<number> },
  participant: Participant,
  body: EvidenceRequestBody,
  types: EvidenceType[],
  now: Date,
): Promise<void> {
  const refusal = authorizationRefusal(participant, body, types);
  if (!refusal) return;
  await audit.record(refusalEvent(participant, body, types, refusal.reason, now));
  throw new ForbiddenError(refusal.message);
}
