// Why an evidence request was refused before anything was fetched, in words: the audit entry keeps the code,
// the citizen's transfer list (API, XML, cockpit) shows the code with a text. Two sources refuse: the directory
// (broker/evidence/authorize.ts: what the authority may ask at all) and the consent policy (./policy.ts).
import type { PermissionRefusalCode } from './policy.ts';

/** The directory's refusal codes (authorize.ts AuthorizationRefusal['reason']; a test keeps the two equal). */
export const DIRECTORY_REFUSALS = ['evidence-type-not-allowed', 'purpose-not-allowed', 'legal-basis-not-allowed'] as const;

/** A code a refusal audit entry records. */
export type RefusalReason = (typeof DIRECTORY_REFUSALS)[number] | PermissionRefusalCode;

/** The text of a refusal reason: English for the API, German for the citizen's page. */
export interface RefusalText {
  en: string;
  de: string;
}

export const REFUSAL_REASONS: Record<RefusalReason, RefusalText> = {
  'evidence-type-not-allowed': {
    en: 'the authority may not request these evidence types at all',
    de: 'Die Behörde darf diese Nachweise über diesen Dienst gar nicht abrufen.',
  },
  'purpose-not-allowed': {
    en: 'the authority may not request evidence for this purpose',
    de: 'Die Behörde darf für diesen Zweck keine Nachweise abrufen.',
  },
  'legal-basis-not-allowed': {
    en: 'the authority may not rely on the named legal basis',
    de: 'Die Behörde darf sich nicht auf die genannte gesetzliche Grundlage stützen.',
  },
  'legal-basis-not-applicable': {
    en: 'the named legal basis does not allow this purpose and these evidence types',
    de: 'Die genannte gesetzliche Grundlage erlaubt diesen Abruf nicht.',
  },
  'consent-unknown': {
    en: 'the named consent does not exist for this citizen and this authority',
    de: 'Die Behörde hat sich auf eine Einwilligung berufen, die Sie ihr nicht erteilt haben.',
  },
  'no-consent': {
    en: 'no valid consent of the citizen covers this authority, purpose and evidence types',
    de: 'Sie haben der Behörde dafür keine gültige Einwilligung erteilt.',
  },
  revoked: {
    en: 'the consent has been revoked',
    de: 'Sie hatten die Einwilligung widerrufen.',
  },
  expired: {
    en: 'the consent has expired',
    de: 'Die Einwilligung war abgelaufen.',
  },
  'not-yet-valid': {
    en: 'the consent is not yet valid',
    de: 'Die Einwilligung galt noch nicht.',
  },
  'other-purpose': {
    en: 'the consent covers another purpose',
    de: 'Die Einwilligung gilt für einen anderen Zweck.',
  },
  'evidence-type-not-covered': {
    en: 'the consent does not cover every requested evidence type',
    de: 'Die Einwilligung umfasst nicht alle verlangten Nachweise.',
  },
};

/** Every refusal code, in the catalogue's order (the protokoll XSD enumerates the same). */
export const REFUSAL_REASON_CODES = Object.keys(REFUSAL_REASONS) as RefusalReason[];

/** Whether a recorded code is one of the catalogue's. */
export function isRefusalReason(code: unknown): code is RefusalReason {
  return typeof code === 'string' && Object.hasOwn(REFUSAL_REASONS, code);
}

/**
 * Refusals that name a consent of this citizen to this authority: the policy found it and looked at it. For any
 * other refusal the consent id the authority named may be unknown or another citizen's, so it is not shown.
 */
const NAMES_OWN_CONSENT: ReadonlySet<RefusalReason> = new Set<RefusalReason>(['revoked', 'expired', 'not-yet-valid', 'other-purpose', 'evidence-type-not-covered']);

export function refusalNamesOwnConsent(code: RefusalReason): boolean {
  return NAMES_OWN_CONSENT.has(code);
}
