// German wording for the codes the broker uses, and German formatting of dates, months and amounts.
// Times are shown in Europe/Berlin, the time zone of the people reading these pages.
import type { RegisterId } from '../../../adapters/contract.ts';
import { LEGAL_BASES } from '../../../consent/legal-bases.ts';
import type { EvidenceType, Purpose } from '../../domain/codes.ts';
import type { ItemStatus, RequestStatus } from '../../evidence/outcome.ts';

export const TIME_ZONE = 'Europe/Berlin';

export const evidenceTypeLabels: Record<EvidenceType, string> = {
  salary: 'Entgelt (Lohn und Gehalt)',
  'maternity-benefit': 'Mutterschaftsgeld',
  income: 'Einkommen laut Steuerbescheid',
};

export const evidenceTypeHints: Record<EvidenceType, string> = {
  salary: 'Brutto- und Nettoentgelt je Monat, von den Arbeitgebern über die Rentenversicherung (rvBEA)',
  'maternity-benefit': 'Zeitraum, Tagessatz und gezahlter Betrag, von der gesetzlichen Krankenkasse',
  income: 'Zu versteuerndes Einkommen je Jahr, von der Steuerverwaltung',
};

export const purposeLabels: Record<Purpose, string> = {
  elterngeld: 'Elterngeld',
  wohngeld: 'Wohngeld',
  buergergeld: 'Bürgergeld',
  kinderzuschlag: 'Kinderzuschlag',
};

export const registerLabels: Record<RegisterId, string> = {
  rvbea: 'Deutsche Rentenversicherung – Entgeltbescheinigungen (rvBEA)',
  'gkv-mutterschaftsgeld': 'Gesetzliche Krankenversicherung – Mutterschaftsgeld',
  steuerverwaltung: 'Steuerverwaltung – Einkommensdaten',
};

export function registerLabel(register: string): string {
  return (registerLabels as Record<string, string>)[register] ?? register;
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

/**
 * A value made on its first use and kept. NOTE: the formatters below are made when a page first needs them,
 * not when the module loads: making them pages in ICU's locale and time-zone data (~8 MB of RSS), which a
 * broker that only answers the API never needs.
 */
export function onFirstUse<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

const dateTime = onFirstUse(() => new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeStyle: 'short', timeZone: TIME_ZONE }));
const dateOnly = onFirstUse(() => new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeZone: TIME_ZONE }));
const timeOnly = onFirstUse(() => new Intl.DateTimeFormat('de-DE', { timeStyle: 'short', timeZone: TIME_ZONE }));
const monthYear = onFirstUse(() => new Intl.DateTimeFormat('de-DE', { month: 'long', year: 'numeric', timeZone: 'UTC' }));
const euro = onFirstUse(() => new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }));

/** "25.11.2026, 14:03 Uhr" */
export function formatDateTime(d: Date): string {
  return `${dateTime().format(d)} Uhr`;
}
/** "25.11.2026" */
export function formatDate(d: Date): string {
  return dateOnly().format(d);
}
/** "14:03 Uhr" */
export function formatTime(d: Date): string {
  return `${timeOnly().format(d)} Uhr`;
}
/** 'YYYY-MM' → "November 2026" */
export function formatMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return monthYear().format(new Date(Date.UTC(y!, m! - 1, 1)));
}
/** 'YYYY-MM-DD' → "25.11.2026" */
export function formatDay(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}.${m}.${y}`;
}
/** Integer euro cents → "1.234,56 €" */
export function formatCents(cents: number): string {
  return euro().format(cents / 100);
}

/** The IdNr in groups as printed on tax letters: "86 095 742 719". */
export function formatIdNr(idNr: string): string {
  return `${idNr.slice(0, 2)} ${idNr.slice(2, 5)} ${idNr.slice(5, 8)} ${idNr.slice(8)}`;
}
