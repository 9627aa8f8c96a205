// The lookup form's fields for a consent given on paper: which signed form, when it was signed, how long it
// holds, and the clerk's confirmation that it is on file. Together they make the recorded consent traceable.
import { checkboxes, textInput, type FieldErrors } from '../kit/components.ts';
import { html, type SafeHtml } from '../kit/html.ts';
import type { LookupForm } from './validation.ts';

export function paperConsentFields(form: LookupForm, errors: FieldErrors): SafeHtml {
  return html`${textInput({
    name: 'paperReference',
    label: 'Kennzeichen des Formulars',
    hint: 'Wie es auf dem unterschriebenen Formular steht, zum Beispiel EG-Antrag 2026/0815. Die Person sieht es in ihrem Datenschutzcockpit.',
    value: form.paperReference,
    error: errors.get('paperReference'),
    width: 'wide',
    autocomplete: 'off',
    spellcheck: false,
    maxlength: 64,
  })}
  ${textInput({
    name: 'paperSignedOn',
    label: 'Unterschrieben am',
    hint: 'Das Datum neben der Unterschrift, zum Beispiel 03.12.2026',
    value: form.paperSignedOn,
    error: errors.get('paperSignedOn'),
    width: 'narrow',
    autocomplete: 'off',
  })}
  ${textInput({
    name: 'paperValidUntil',
    label: 'Gültig bis',
    hint: 'Wie auf dem Formular angegeben, zum Beispiel 31.12.2026',
    value: form.paperValidUntil,
    error: errors.get('paperValidUntil'),
    width: 'narrow',
    autocomplete: 'off',
  })}
  ${checkboxes({
    name: 'paperConfirmed',
    label: 'Bestätigung',
    items: [{ value: 'yes', label: 'Die unterschriebene Einwilligung liegt vor und kommt zur Akte.' }],
    selected: form.paperConfirmed ? ['yes'] : [],
    error: errors.get('paperConfirmed'),
  })}`;
}
