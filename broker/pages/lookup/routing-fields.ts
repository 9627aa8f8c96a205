// The lookup form's fields that find each type's register instance (the routing hints of the API's
// `routing`): the citizen's health insurer, chosen from the directory, and the municipalities of residence
// and of birth, by name or AGS. Which type needs which hint comes from its descriptor's routing rule; only
// the hints of the chosen types are checked and sent.
import { EVIDENCE_TYPE_LIST, evidenceTypeOf, type EvidenceType } from '../../../adapters/index.ts';
import type { RoutingHintName } from '../../../adapters/evidence-type.ts';
import type { RegisterInstance } from '../../directory/register-instance.ts';
import { hintOf, type RoutingHints } from '../../directory/routing.ts';
import { select, textInput, type FieldErrors } from '../kit/components.ts';
import { html, type SafeHtml } from '../kit/html.ts';
import { evidenceTypeLabels } from '../kit/labels.ts';
import type { Issue } from '../kit/validation.ts';
import { municipalityLabel, MUNICIPALITIES, readMunicipality } from './municipalities.ts';

/** The form fields that carry routing hints, in page order. */
export const ROUTING_FIELDS = ['insurerIk', 'residence', 'birthPlace'] as const;
export type RoutingField = (typeof ROUTING_FIELDS)[number];

/** How the form asks for each hint. */
interface HintField {
  field: RoutingField;
  label: string;
  /** What to give, after the types that need it. */
  about: string;
  /** The message when a chosen type needs the hint and it is empty. */
  missing: string;
}

export const HINT_FIELDS: Readonly<Record<RoutingHintName, HintField>> = {
  insurerIk: {
    field: 'insurerIk',
    label: 'Krankenkasse der Person',
    about: 'Die gesetzliche Krankenkasse, bei der die Person versichert ist.',
    missing: 'Wählen Sie die Krankenkasse der Person aus',
  },
  ags: {
    field: 'residence',
    label: 'Wohnort der Person',
    about: 'Name der Gemeinde oder 8-stelliger Gemeindeschlüssel (AGS), zum Beispiel München oder 09162000.',
    missing: 'Geben Sie den Wohnort an (Name oder 8-stelliger Gemeindeschlüssel)',
  },
  birthPlaceAgs: {
    field: 'birthPlace',
    label: 'Geburtsort',
    about: 'Name der Gemeinde oder 8-stelliger Gemeindeschlüssel (AGS), zum Beispiel Köln oder 05315000.',
    missing: 'Geben Sie den Geburtsort an (Name oder 8-stelliger Gemeindeschlüssel)',
  },
};

const MUNICIPALITY_PROBLEMS = {
  format: 'Ein Gemeindeschlüssel hat 8 Ziffern und beginnt mit 01 bis 16, zum Beispiel 09162000',
  unknown: 'Diese Gemeinde ist hier nicht verzeichnet. Geben Sie ihren 8-stelligen Gemeindeschlüssel an, zum Beispiel 09162000',
} as const;
const NOT_LISTED_INSURER = 'Wählen Sie eine Krankenkasse aus der Liste aus';

/** The form field of a hint, for the API schema's issue path `routing.<hint>`. */
export function routingFieldOf(hint: PropertyKey | undefined): RoutingField | null {
  return typeof hint === 'string' && hint in HINT_FIELDS ? HINT_FIELDS[hint as RoutingHintName].field : null;
}

const HINT_OF_FIELD = Object.fromEntries(Object.entries(HINT_FIELDS).map(([hint, f]) => [f.field, hint])) as Record<RoutingField, RoutingHintName>;

/** The message for an API schema issue on a routing field (a backstop: the form's own check comes first). */
export function routingFieldMessage(field: RoutingField, issue: Issue): string {
  if (issue.code === 'custom' && issue.params?.reason === 'routing') return HINT_FIELDS[HINT_OF_FIELD[field]].missing;
  return field === 'insurerIk' ? NOT_LISTED_INSURER : MUNICIPALITY_PROBLEMS.format;
}

/** The hints the given types need, in type order, each with the types that need it. */
export function hintsNeeded(types: readonly string[]): [RoutingHintName, EvidenceType[]][] {
  const needed = new Map<RoutingHintName, EvidenceType[]>();
  for (const t of EVIDENCE_TYPE_LIST) {
    const hint = hintOf(t.routing);
    if (hint !== null && types.includes(t.code)) needed.set(hint, [...(needed.get(hint) ?? []), t.code]);
  }
  return [...needed];
}

/** What a type's hint pointed at ("den Wohnort München (09162000)"), or null when the type has no hint or it is unknown. */
export function hintTarget(type: EvidenceType, routing: RoutingHints | null): string | null {
  const hint = hintOf(evidenceTypeOf(type).routing);
  const value = hint === null ? undefined : routing?.[hint];
  if (hint === null || value === undefined) return null;
  switch (hint) {
    case 'insurerIk':
      return `die Krankenkasse mit IK ${value}`;
    case 'ags':
      return `den Wohnort ${municipalityLabel(value)}`;
    case 'birthPlaceAgs':
      return `den Geburtsort ${municipalityLabel(value)}`;
  }
}

/** An insurer the form offers: one per IK of an enabled instance that routes by insurer. */
export interface InsurerChoice {
  ik: string;
  name: string;
}

export function insurerChoices(instances: readonly RegisterInstance[]): InsurerChoice[] {
  return instances
    .filter((i) => i.enabled && evidenceTypeOf(i.evidenceType).routing.kind === 'insurer')
    .flatMap((i) => i.jurisdiction.values.map((ik) => ({ ik, name: i.name })))
    .sort((a, b) => a.name.localeCompare(b.name, 'de') || a.ik.localeCompare(b.ik));
}

/** The routing hints the chosen types need, from what was typed; a problem goes to its field in `errors`. */
export function readRoutingHints(
  form: Readonly<Record<RoutingField, string>>,
  types: readonly string[],
  insurers: readonly InsurerChoice[],
  errors: FieldErrors,
): RoutingHints {
  const hints: RoutingHints = {};
  for (const [hint] of hintsNeeded(types)) {
    const { field, missing } = HINT_FIELDS[hint];
    const typed = form[field];
    if (hint === 'insurerIk') {
      if (typed === '') errors.set(field, missing);
      else if (!insurers.some((i) => i.ik === typed)) errors.set(field, NOT_LISTED_INSURER);
      else hints.insurerIk = typed;
      continue;
    }
    const read = readMunicipality(typed);
    if (read.ok) hints[hint] = read.ags;
    else errors.set(field, read.problem === 'missing' ? missing : MUNICIPALITY_PROBLEMS[read.problem]);
  }
  return hints;
}

/**
 * The routing fields for the types the clerk's authority may request, each saying which types need it.
 * Without script every field shows; with it only those of the checked types. Only those are checked.
 */
export function routingFields(form: Readonly<Record<RoutingField, string>>, errors: FieldErrors, allowed: readonly EvidenceType[], insurers: readonly InsurerChoice[]): SafeHtml | null {
  const needed = hintsNeeded(allowed);
  if (needed.length === 0) return null;
  // data-routing-for: the types that need the field (assets/routing-fields.js shows it when one is checked).
  const fields = needed.map(([hint, types]) => {
    const { field, label, about } = HINT_FIELDS[hint];
    const hintText = `Nur nötig für ${types.map((t) => evidenceTypeLabels[t]).join(', ')}. ${about}`;
    const input =
      hint === 'insurerIk'
        ? select({
            name: field,
            label,
            hint: hintText,
            options: [{ value: '', label: 'Bitte auswählen' }, ...insurers.map((i) => ({ value: i.ik, label: `${i.name} (IK ${i.ik})` }))],
            selected: form[field],
            error: errors.get(field),
          })
        : textInput({ name: field, label, hint: hintText, value: form[field], error: errors.get(field), autocomplete: 'off', width: 'medium', list: 'municipalities' });
    return html`<div data-routing-for="${types.join(' ')}">${input}</div>`;
  });
  const usesMunicipalities = needed.some(([hint]) => hint !== 'insurerIk');
  return html`<div class="form-group" data-routing-fields>
    <fieldset class="fieldset" aria-describedby="routing-hint">
      <legend class="legend">Zuständige Stellen</legend>
      <div class="hint" id="routing-hint">Welche Stelle einen Nachweis liefert, hängt von der Person ab. Füllen Sie nur aus, was die gewählten Nachweise brauchen.</div>
      ${fields}
      ${usesMunicipalities ? html`<datalist id="municipalities">${MUNICIPALITIES.map((m) => html`<option value="${m.name}">${m.ags}</option>`)}</datalist>` : null}
    </fieldset>
  </div>`;
}
