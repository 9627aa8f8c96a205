// The cockpit's inputs: the transfer filter (query string) and the consent a citizen grants (a form,
// checked with the API's ConsentBody schema). Pure functions, German messages per field.
import type { TransferRecord } from '../../audit/audit-log.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../../../adapters/index.ts';
import { ConsentBody } from '../../http/schemas.ts';
import type { FieldErrors } from '../kit/components.ts';
import { berlinDay, dayString, endOfDayInBerlin, parseDay, startOfDayInBerlin, type Day } from '../kit/dates.ts';
import { field, fieldList } from '../kit/security.ts';
import { validateWith, type Issue, type Validated } from '../kit/validation.ts';

// ---- Transfer filter ----

export const FILTER_FIELDS = ['from', 'to', 'authority', 'type'] as const;

/** The filter as typed (query strings). */
export interface FilterForm {
  from: string;
  to: string;
  authority: string;
  type: string;
}

/** A checked filter; null means "any". */
export interface TransferFilter {
  from: Day | null;
  to: Day | null;
  authority: string | null;
  type: EvidenceType | null;
}

export function readFilterForm(query: unknown): FilterForm {
  const text = (name: string) => field(query, name).trim().slice(0, 100);
  return { from: text('from'), to: text('to'), authority: text('authority'), type: text('type') };
}

export function validateFilter(form: FilterForm, authorities: readonly string[]): Validated<TransferFilter> {
  const errors: FieldErrors = new Map();
  const from = form.from === '' ? null : parseDay(form.from);
  const to = form.to === '' ? null : parseDay(form.to);
  if (form.from !== '' && !from) errors.set('from', 'Geben Sie das Datum „von“ als TT.MM.JJJJ an, zum Beispiel 01.01.2026');
  if (form.to !== '' && !to) errors.set('to', 'Geben Sie das Datum „bis“ als TT.MM.JJJJ an, zum Beispiel 31.12.2026');
  if (from && to && dayString(from) > dayString(to)) errors.set('from', 'Das Datum „von“ darf nicht nach dem Datum „bis“ liegen');
  if (form.authority !== '' && !authorities.includes(form.authority)) errors.set('authority', 'Wählen Sie eine Behörde aus der Liste aus');
  if (form.type !== '' && !(EVIDENCE_TYPES as readonly string[]).includes(form.type)) errors.set('type', 'Wählen Sie einen Nachweis aus der Liste aus');
  if (errors.size > 0) return { ok: false, errors };
  return { ok: true, value: { from, to, authority: form.authority || null, type: (form.type || null) as EvidenceType | null } };
}

/** The evidence types a transfer carried (or a refused request asked for), from its audit details. */
export function transferTypes(t: TransferRecord): EvidenceType[] {
  if (t.detailsMissing) return [];
  const types = t.kind === 'refusal' ? ((t.details as { evidenceTypes?: unknown[] }).evidenceTypes ?? []) : ((t.details as { items?: { type?: unknown }[] }).items ?? []).map((i) => i.type);
  return types.filter((x): x is EvidenceType => (EVIDENCE_TYPES as readonly unknown[]).includes(x));
}

export function applyFilter(transfers: readonly TransferRecord[], f: TransferFilter): TransferRecord[] {
  const start = f.from ? startOfDayInBerlin(f.from) : null;
  const end = f.to ? endOfDayInBerlin(f.to) : null;
  // NOTE: an entry whose details are missing matches every authority and type: it might be any, so it stays in view.
  return transfers.filter(
    (t) =>
      (!start || t.at >= start) &&
      (!end || t.at < end) &&
      (t.detailsMissing || ((!f.authority || t.requester === f.authority) && (!f.type || transferTypes(t).includes(f.type)))),
  );
}

/** The filter as a query string, for the export links ('' when nothing is filtered). */
export function filterQuery(f: TransferFilter): string {
  const params = new URLSearchParams();
  if (f.from) params.set('from', dayString(f.from));
  if (f.to) params.set('to', dayString(f.to));
  if (f.authority) params.set('authority', f.authority);
  if (f.type) params.set('type', f.type);
  const q = params.toString();
  return q ? `?${q}` : '';
}

export function isFiltered(f: TransferFilter): boolean {
  return f.from !== null || f.to !== null || f.authority !== null || f.type !== null;
}

// ---- Granting a consent ----

export const GRANT_FIELDS = ['grantee', 'purpose', 'evidenceTypes', 'validUntil'] as const;

/** The grant form as typed. */
export interface GrantForm {
  grantee: string;
  purpose: string;
  evidenceTypes: string[];
  validUntil: string;
}

export function readGrantForm(body: unknown): GrantForm {
  return {
    grantee: field(body, 'grantee').trim().slice(0, 100),
    purpose: field(body, 'purpose').trim().slice(0, 40),
    evidenceTypes: fieldList(body, 'evidenceTypes').slice(0, 10),
    validUntil: field(body, 'validUntil').trim().slice(0, 20),
  };
}

function grantMessage(name: string, issue: Issue): string {
  switch (name) {
    case 'grantee':
      return 'Wählen Sie die Behörde aus';
    case 'purpose':
      return 'Wählen Sie aus, wofür die Behörde die Nachweise braucht';
    case 'evidenceTypes':
      return issue.code === 'too_small' ? 'Wählen Sie mindestens einen Nachweis aus' : 'Wählen Sie nur Nachweise aus der Liste aus';
    default:
      return 'Prüfen Sie das Datum';
  }
}

/** A valid grant: the API body for the citizen, with the validity as an instant. */
export interface GrantRequest {
  body: ConsentBody;
  validUntil: Date;
}

export function validateGrant(form: GrantForm, idNr: string, authorities: readonly string[], now: Date): Validated<GrantRequest> {
  const errors: FieldErrors = new Map();
  if (form.grantee !== '' && !authorities.includes(form.grantee)) errors.set('grantee', 'Wählen Sie eine Behörde aus der Liste aus');
  const day = parseDay(form.validUntil);
  let until: Date | null = null;
  if (form.validUntil === '') errors.set('validUntil', 'Geben Sie an, bis wann die Einwilligung gelten soll');
  else if (!day) errors.set('validUntil', 'Geben Sie das Datum als TT.MM.JJJJ an, zum Beispiel 31.12.2027');
  else if (dayString(day) <= dayString(berlinDay(now))) errors.set('validUntil', 'Das Datum muss nach heute liegen');
  else until = endOfDayInBerlin(day);

  const input = {
    citizen: { idNr },
    grantee: form.grantee,
    evidenceTypes: form.evidenceTypes,
    purpose: form.purpose === '' ? undefined : form.purpose,
    validUntil: (until ?? new Date(now.getTime() + 86_400_000)).toISOString(),
  };
  const checked = validateWith(
    ConsentBody,
    input,
    (path) => (path[0] === 'grantee' || path[0] === 'purpose' || path[0] === 'evidenceTypes' ? path[0] : 'validUntil'),
    grantMessage,
    errors,
  );
  if (!checked.ok) return checked;
  return { ok: true, value: { body: checked.value, validUntil: until! } };
}
