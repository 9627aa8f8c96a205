// Every code list the XML messages cite (listURI, listVersionID, codes); the evidence types' lists derive
// from the descriptors so a new type cannot miss one. scripts/generate-xoev.ts keeps the genericode files
// and the XSD enumerations in step.
import { CODE_LISTS } from '../broker/domain/codes.ts';
import type { ErrorCode } from '../broker/domain/error-codes.ts';
import type { EvidenceAnswer } from '../broker/evidence/evidence-service.ts';
import type { ItemStatus } from '../broker/evidence/outcome.ts';
import type { RouteRefusal } from '../broker/directory/routing.ts';
import { LEGAL_BASES } from '../consent/legal-bases.ts';
import type { WithdrawnBasis } from '../consent/policy.ts';
import { reasonPrefix, type RegisterErrorKind } from './contract.ts';
import { EVIDENCE_TYPE_LIST, EVIDENCE_TYPES } from './index.ts';
import { codeList as list, MESSAGE_TYPE_LIST, REGISTER_CODES, type MessageType, type PublishedCodeList } from './register-code-lists.ts';

export type { CodeList, MessageType, PublishedCodeList } from './register-code-lists.ts';

/** Asserts at compile time that a literal list names every member of a union. */
type Covers<Union extends string, Listed extends string> = [Exclude<Union, Listed>] extends [never] ? true : never;

const ERROR_CODES = [
  'invalid-request',
  'unauthenticated',
  'forbidden',
  'consent-required',
  'not-found',
  'conflict',
  'idempotency-key-reused',
  'rate-limited',
  'overloaded',
  'payload-too-large',
  'unsupported-media-type',
  'upstream-failure',
  'internal',
] as const satisfies readonly ErrorCode[];
const errorCodesComplete: Covers<ErrorCode, (typeof ERROR_CODES)[number]> = true;

const ITEM_STATUSES = ['delivered', 'not-found', 'unavailable', 'pending'] as const satisfies readonly ItemStatus[];
const itemStatusesComplete: Covers<ItemStatus, (typeof ITEM_STATUSES)[number]> = true;

/** A request's status; 'in-progress' only while an asynchronous request (Prefer: respond-async) is being fetched. */
const REQUEST_STATUSES = ['complete', 'partial', 'failed', 'in-progress'] as const satisfies readonly EvidenceAnswer['status'][];
const requestStatusesComplete: Covers<EvidenceAnswer['status'], (typeof REQUEST_STATUSES)[number]> = true;

/**
 * Why an item failed, per evidence type: the RegisterError kinds, the register policy's refusals
 * (broker/evidence/register-policy.ts) and INTERNAL (broker/evidence/outcome.ts). The schema checks only the
 * form PREFIX_REASON (a "Typ 3" list), so a new reason never makes an answer invalid.
 */
const REGISTER_FAILURES = ['TIMEOUT', 'UNREACHABLE', 'UPSTREAM_ERROR', 'MALFORMED_ANSWER', 'REJECTED_ANSWER', 'BAD_SIGNATURE', 'CIRCUIT_OPEN', 'BUSY', 'INTERNAL'] as const;
const registerFailuresComplete: Covers<RegisterErrorKind, (typeof REGISTER_FAILURES)[number]> = true;
/** Why an item is not delivered although its register was (or would be) reachable: the basis went (consent/policy.ts). */
const WITHDRAWN_BASES = ['CONSENT_REVOKED', 'CONSENT_EXPIRED', 'LEGAL_BASIS_NOT_APPLICABLE'] as const satisfies readonly WithdrawnBasis[];
const withdrawnBasesComplete: Covers<WithdrawnBasis, (typeof WITHDRAWN_BASES)[number]> = true;
/** Why routing sent an item to no register at all (broker/directory/routing.ts): not a failure of one type's register. */
const ROUTE_REFUSALS = ['NO_RESPONSIBLE_REGISTER', 'REFUSED_BY_REGISTER_POLICY'] as const satisfies readonly RouteRefusal[];
const routeRefusalsComplete: Covers<RouteRefusal, (typeof ROUTE_REFUSALS)[number]> = true;
void [errorCodesComplete, itemStatusesComplete, requestStatusesComplete, registerFailuresComplete, withdrawnBasesComplete, routeRefusalsComplete];

const MESSAGE_TYPES = EVIDENCE_TYPE_LIST.flatMap((t) => [`${t.register.id}.anfrage`, `${t.register.id}.antwort`] as const) as unknown as readonly [
  MessageType,
  ...MessageType[],
];

const registerFailureCodes = [
  ...EVIDENCE_TYPES.flatMap((type) => REGISTER_FAILURES.map((kind) => `${reasonPrefix(type)}_${kind}`)),
  ...WITHDRAWN_BASES,
  ...ROUTE_REFUSALS,
] as string[] as [string, ...string[]];

export const CODES = {
  evidenceType: list('nachweisart', EVIDENCE_TYPES, CODE_LISTS.evidenceType),
  purpose: REGISTER_CODES.purpose,
  /** The legal bases the operator's policy knows (consent/legal-bases.ts); not enumerated in the schema. */
  legalBasis: list('rechtsgrundlage', LEGAL_BASES.map((b) => b.code) as [string, ...string[]], { enumeratedInSchema: false }),
  answerStatus: REGISTER_CODES.answerStatus,
  refusalReason: REGISTER_CODES.refusalReason,
  messageType: list('nachrichtentyp', MESSAGE_TYPES, MESSAGE_TYPE_LIST),
  requestOutcome: list('ergebnis', REQUEST_STATUSES),
  itemStatus: list('nachweisstatus', ITEM_STATUSES),
  errorCode: list('fehlercode', ERROR_CODES),
  registerFailure: list('registerfehler', registerFailureCodes, { enumeratedInSchema: false }),
} as const;

/** Every list, for publishing and consistency checks. */
export const ALL_CODE_LISTS: readonly PublishedCodeList[] = Object.values(CODES);
