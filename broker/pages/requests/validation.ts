// The history's filter (query string): case reference, days from/to in Berlin, status, page size and page.
// Pure functions, German messages per field; a bad value is the person's to fix, never a server error.
import { REQUEST_LIST_STATUSES, type RequestListQuery, type RequestListStatus } from '../../evidence/evidence-request-store.ts';
import type { FieldErrors } from '../kit/components.ts';
import { dayString, endOfDayInBerlin, parseDay, startOfDayInBerlin, type Day } from '../kit/dates.ts';
import { formatDay } from '../kit/format.ts';
import { field } from '../kit/security.ts';
import type { Validated } from '../kit/validation.ts';

/** The filter's fields in page order; `page` is the pagination below the list, not a form field. */
export const HISTORY_FIELDS = ['caseReference', 'from', 'to', 'status', 'size', 'page'] as const;

/** How many requests one page may show: a choice of a few, so no query can ask for everything at once. */
export const PAGE_SIZES = [10, 25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 25;
/** Highest page number read at all (999,999 pages of 100 is far beyond any authority's history). */
const PAGE_DIGITS = 6;

/** The filter as typed (query strings). */
export interface HistoryForm {
  caseReference: string;
  from: string;
  to: string;
  status: string;
  size: string;
  page: string;
}

/** A checked filter; null means "any". */
export interface HistoryFilter {
  caseReference: string | null;
  from: Day | null;
  to: Day | null;
  status: RequestListStatus | null;
  size: number;
  page: number;
}

export const NO_FILTER: HistoryFilter = { caseReference: null, from: null, to: null, status: null, size: DEFAULT_PAGE_SIZE, page: 1 };

// The API's rule for a case reference (broker/http/schemas.ts): anything else cannot have been recorded.
const CASE_REFERENCE = /^[\p{L}\p{N} ._/-]+$/u;

export function readHistoryForm(query: unknown): HistoryForm {
  const text = (name: string, max: number) => field(query, name).trim().slice(0, max);
  return { caseReference: text('caseReference', 101), from: text('from', 20), to: text('to', 20), status: text('status', 20), size: text('size', 10), page: text('page', 10) };
}

export function validateHistory(form: HistoryForm): Validated<HistoryFilter> {
  const errors: FieldErrors = new Map();
  if (form.caseReference.length > 100) errors.set('caseReference', 'Das Aktenzeichen hat höchstens 100 Zeichen');
  else if (form.caseReference !== '' && !CASE_REFERENCE.test(form.caseReference)) {
    errors.set('caseReference', 'Ein Aktenzeichen enthält nur Buchstaben, Ziffern, Leerzeichen und die Zeichen . _ / -');
  }
  const from = form.from === '' ? null : parseDay(form.from);
  const to = form.to === '' ? null : parseDay(form.to);
  if (form.from !== '' && !from) errors.set('from', 'Geben Sie das Datum „von“ als TT.MM.JJJJ an, zum Beispiel 01.01.2026');
  if (form.to !== '' && !to) errors.set('to', 'Geben Sie das Datum „bis“ als TT.MM.JJJJ an, zum Beispiel 31.12.2026');
  if (from && to && dayString(from) > dayString(to)) errors.set('from', 'Das Datum „von“ darf nicht nach dem Datum „bis“ liegen');
  const status = form.status === '' ? null : (REQUEST_LIST_STATUSES as readonly string[]).includes(form.status) ? (form.status as RequestListStatus) : undefined;
  if (status === undefined) errors.set('status', 'Wählen Sie einen Status aus der Liste aus');
  const size = form.size === '' ? DEFAULT_PAGE_SIZE : (PAGE_SIZES as readonly number[]).find((s) => String(s) === form.size);
  if (size === undefined) errors.set('size', `Wählen Sie aus, wie viele Abrufe eine Seite zeigt: ${PAGE_SIZES.join(', ')}`);
  const page = form.page === '' ? 1 : new RegExp(`^[0-9]{1,${PAGE_DIGITS}}$`).test(form.page) ? Number(form.page) : 0;
  if (page < 1) errors.set('page', 'Die Seitenzahl ist eine ganze Zahl ab 1');
  if (errors.size > 0) return { ok: false, errors };
  return { ok: true, value: { caseReference: form.caseReference || null, from, to, status: status ?? null, size: size!, page } };
}

/** The pages a list of `total` requests fills (at least one, also when it is empty). */
export function pageCount(total: number, size: number): number {
  return Math.max(1, Math.ceil(total / size));
}

/** What the store is asked for: the days as Berlin instants, the page as offset and limit. */
export function storeQuery(f: HistoryFilter): RequestListQuery {
  return {
    caseReference: f.caseReference,
    createdFrom: f.from ? startOfDayInBerlin(f.from) : null,
    createdBefore: f.to ? endOfDayInBerlin(f.to) : null,
    status: f.status,
    offset: (f.page - 1) * f.size,
    limit: f.size,
  };
}

/** The filter as a query string for the links of another page ('' when nothing differs from the defaults). */
export function historyQuery(f: HistoryFilter, page: number): string {
  const params = new URLSearchParams();
  if (f.caseReference) params.set('caseReference', f.caseReference);
  // Days as people type them, so the filter's fields on the next page show what was typed on this one.
  if (f.from) params.set('from', formatDay(dayString(f.from)));
  if (f.to) params.set('to', formatDay(dayString(f.to)));
  if (f.status) params.set('status', f.status);
  if (f.size !== DEFAULT_PAGE_SIZE) params.set('size', String(f.size));
  if (page !== 1) params.set('page', String(page));
  const q = params.toString();
  return q ? `?${q}` : '';
}

export function isFiltered(f: HistoryFilter): boolean {
  return f.caseReference !== null || f.from !== null || f.to !== null || f.status !== null;
}
