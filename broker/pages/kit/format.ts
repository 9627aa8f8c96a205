// German formatting of dates, months, amounts and IdNrs for pages (no codes or labels here, so an evidence
// type's page renderer, adapters/<type>/, can use it without depending on the list of types).

export const TIME_ZONE = 'Europe/Berlin';

/**
 * A value made on its first use and kept. NOTE: the formatters below are made lazily because making them
 * pages in ICU's locale and time-zone data, which a broker that only answers the API never needs.
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
