// German wording for the codes the broker uses, and German formatting of dates, months and amounts.
// Times are shown in Europe/Berlin, the time zone of the people reading these pages (./format.ts).
import { EVIDENCE_TYPE_LIST, type EvidenceType } from '../../../adapters/index.ts';
import { LEGAL_BASES } from '../../../consent/legal-bases.ts';
import type { RouteRefusal } from '../../directory/routing.ts';
import type { Purpose } from '../../domain/codes.ts';
import type { ItemStatus, RequestStatus } from '../../evidence/outcome.ts';

export * from './format.ts';

export const evidenceTypeLabels = Object.fromEntries(EVIDENCE_TYPE_LIST.map((t) => [t.code, t.label])) as Record<EvidenceType, string>;

export const evidenceTypeHints = Object.fromEntries(EVIDENCE_TYPE_LIST.map((t) => [t.code, t.hint])) as Record<EvidenceType, string>;

export const purposeLabels: Record<Purpose, string> = {
  elterngeld: 'Elterngeld',
  wohngeld: 'Wohngeld',
  buergergeld: 'Bürgergeld',
  kinderzuschlag: 'Kinderzuschlag',
};

/** The register families' labels: what entries written before the directory (register = family id) are shown as. */
export const registerLabels: Readonly<Record<string, string>> = Object.fromEntries(EVIDENCE_TYPE_LIST.map((t) => [t.register.id, t.register.label]));

export function registerLabel(register: string): string {
  return registerLabels[register] ?? register;
}

/** The name of the register instance an item came from: its directory name, else (older entries) its family's label. */
export function registerNameOf(item: { register?: string | null; registerName?: string | null }): string | null {
  return item.registerName ?? (item.register ? registerLabel(item.register) : null);
}

/** Why routing sent an item to no register, for the clerk (tag, hint) and the citizen (cockpit). */
export const routeRefusalLabels: Record<RouteRefusal, { tag: string; hint: string; citizen: string }> = {
  NO_RESPONSIBLE_REGISTER: {
    tag: 'Keine zuständige Stelle',
    hint: 'Im Verzeichnis ist für diese Angabe keine Stelle eingetragen. Es wurde kein Register gefragt und nichts abgerufen. Prüfen Sie die Angabe.',
    citizen: 'nicht abgerufen, keine zuständige Stelle im Verzeichnis',
  },
  REFUSED_BY_REGISTER_POLICY: {
    tag: 'Nicht abgerufen',
    hint: 'Die zuständige Stelle beantwortet diesen Zweck nicht, oder nicht für Ihre Behörde. Es wurde nichts abgerufen.',
    citizen: 'nicht abgerufen, die zuständige Stelle beantwortet diesen Zweck nicht',
  },
};

/** The routing refusal an item's reason code names, if it is one. */
export function routeRefusalOf(code: string | null | undefined): RouteRefusal | null {
  return code !== null && code !== undefined && Object.hasOwn(routeRefusalLabels, code) ? (code as RouteRefusal) : null;
}

export const itemStatusLabels: Record<ItemStatus, string> = {
  delivered: 'Geliefert',
  'not-found': 'Keine Daten im Register',
  unavailable: 'Register nicht erreichbar',
  pending: 'Antwort steht noch aus',
};

export const itemStatusHints: Record<ItemStatus, string> = {
  delivered: 'Das Register hat die Daten geliefert. Die Signatur des Registers wurde geprüft.',
  'not-found': 'Das Register hat zu dieser Person keine Daten für den Zeitraum.',
  unavailable: 'Das Register hat nicht rechtzeitig oder nicht verwertbar geantwortet. Es wurden keine Daten übernommen. Versuchen Sie es später erneut.',
  pending: 'Das Register liefert später. Sie können die Antwort über diese Anfrage nachträglich abholen.',
};

export const requestStatusLabels: Record<RequestStatus | 'in-progress', string> = {
  'in-progress': 'Wird noch bearbeitet',
  complete: 'Vollständig beantwortet',
  partial: 'Teilweise beantwortet',
  failed: 'Nicht beantwortet',
};

export const consentStateLabels = {
  active: 'Gültig',
  revoked: 'Widerrufen',
  expired: 'Abgelaufen',
  'not-yet-valid': 'Noch nicht gültig',
} as const;
export type ConsentState = keyof typeof consentStateLabels;

export function legalBasisLabel(code: string): string {
  return LEGAL_BASES.find((b) => b.code === code)?.citation ?? code;
}

