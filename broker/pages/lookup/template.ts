// The lookup's pages: the form, and the result (also the later view of a request and its print form).
import { evidenceTypeOf } from '../../../adapters/index.ts';
import type { RoutingHints } from '../../directory/routing.ts';
import { explainCode, type CatalogueEntry } from '../../domain/error-catalogue.ts';
import type { EvidenceAnswer, EvidenceItemAnswer } from '../../evidence/evidence-service.ts';
import type { ItemStatus } from '../../evidence/outcome.ts';
import {
  button,
  checkboxes,
  csrfField,
  errorSummary,
  notification,
  radios,
  select,
  summaryList,
  tag,
  textInput,
  type FieldErrors,
} from '../kit/components.ts';
import { html, type SafeHtml } from '../kit/html.ts';
import {
  evidenceTypeHints,
  evidenceTypeLabels,
  formatDateTime,
  formatIdNr,
  formatMonth,
  itemStatusHints,
  itemStatusLabels,
  legalBasisLabel,
  purposeLabels,
  registerNameOf,
  requestStatusLabels,
} from '../kit/labels.ts';
import { lookupNav, renderPage, type Shell } from '../kit/layout.ts';
import type { SignedInClerk } from '../sessions/signed-in.ts';
import { paperConsentFields } from './paper-fields.ts';
import { hintTarget, routingFields, type InsurerChoice } from './routing-fields.ts';
import { allowedChoices, LOOKUP_FIELDS, type LookupForm } from './validation.ts';

function shell(clerk: SignedInClerk, sandbox: boolean, title: string, extra: Partial<Shell> = {}): Shell {
  return {
    service: 'lookup',
    title,
    sandbox,
    account: { label: `${clerk.account.displayName} · ${clerk.participant.name}`, signOutAction: '/ui/sign-out', csrfToken: clerk.session.csrfToken },
    ...extra,
  };
}

/** The lookup form, empty or again with the clerk's input and the errors (or a refusal) on top. */
export function lookupFormPage(v: { clerk: SignedInClerk; sandbox: boolean; form: LookupForm; errors: FieldErrors; insurers: readonly InsurerChoice[] }): string {
  const { clerk, form, errors } = v;
  const allowed = allowedChoices(clerk.participant);
  const paperDetail = paperConsentFields(form, errors);
  const legalDetail = select({
    name: 'legalBasis',
    label: 'Rechtsgrundlage',
    options: [{ value: '', label: 'Bitte auswählen' }, ...allowed.legalBases.map((b) => ({ value: b.code, label: b.citation }))],
    selected: form.legalBasis,
    error: errors.get('legalBasis'),
  });

  return renderPage(
    shell(clerk, v.sandbox, 'Nachweise abrufen', { hasErrors: errors.size > 0, script: 'routing-fields', nav: lookupNav('lookup') }),
    html`${errorSummary(errors, LOOKUP_FIELDS)}
<h1 class="heading-xl">Nachweise abrufen</h1>
<p class="lead">Für einen Antrag auf Papier: Holen Sie die Nachweise direkt bei den Registern ab. Die antragstellende Person muss sie dann nicht selbst beschaffen.</p>
<p class="secondary-text">Sie rufen ab für: <strong>${clerk.participant.name}</strong></p>
<form method="post" action="/ui/lookup" novalidate>
  ${csrfField(clerk.session.csrfToken)}
  <input type="hidden" name="formId" value="${form.formId}">
  <h2 class="heading-l">Person und Antrag</h2>
  ${textInput({
    name: 'idNr',
    label: 'Steuerliche Identifikationsnummer (Steuer-ID)',
    hint: '11 Ziffern, zum Beispiel 86 095 742 719. Sie steht auf dem Antrag oder auf dem Steuerbescheid.',
    value: form.idNr,
    error: errors.get('idNr'),
    inputmode: 'numeric',
    autocomplete: 'off',
    spellcheck: false,
    width: 'narrow',
  })}
  ${radios({
    name: 'purpose',
    label: 'Wofür werden die Nachweise gebraucht?',
    items: allowed.purposes.map((p) => ({ value: p, label: purposeLabels[p] })),
    selected: form.purpose || undefined,
    error: errors.get('purpose'),
  })}
  ${textInput({
    name: 'caseReference',
    label: 'Aktenzeichen',
    hint: 'Es steht im Protokoll, das die Person in ihrem Datenschutzcockpit sieht.',
    value: form.caseReference,
    error: errors.get('caseReference'),
    autocomplete: 'off',
    spellcheck: false,
    width: 'medium',
    maxlength: 100,
  })}
  <h2 class="heading-l">Nachweise</h2>
  ${checkboxes({
    name: 'evidenceTypes',
    label: 'Welche Nachweise brauchen Sie?',
    hint: 'Wählen Sie nur, was Sie für diesen Antrag brauchen.',
    items: allowed.evidenceTypes.map((t) => ({ value: t, label: evidenceTypeLabels[t], hint: evidenceTypeHints[t] })),
    selected: form.evidenceTypes,
    error: errors.get('evidenceTypes'),
  })}
  ${routingFields(form, errors, allowed.evidenceTypes, v.insurers)}
  <div class="form-group">
    <fieldset class="fieldset" aria-describedby="period-hint">
      <legend class="legend">Zeitraum (freiwillig)</legend>
      <div class="hint" id="period-hint">Ohne Angabe: die letzten 12 vollen Monate. Geben Sie Monate als MM.JJJJ an, zum Beispiel 01.2026.</div>
      ${textInput({ name: 'periodFrom', label: 'von Monat', value: form.periodFrom, error: errors.get('periodFrom'), width: 'narrow', autocomplete: 'off', inputmode: 'numeric' })}
      ${textInput({ name: 'periodTo', label: 'bis Monat', value: form.periodTo, error: errors.get('periodTo'), width: 'narrow', autocomplete: 'off', inputmode: 'numeric' })}
    </fieldset>
  </div>
  <h2 class="heading-l">Grundlage</h2>
  ${radios({
    name: 'basis',
    label: 'Worauf stützt sich der Abruf?',
    hint: 'Ohne Einwilligung oder gesetzliche Grundlage werden keine Daten abgerufen.',
    items: [
      {
        value: 'existing',
        label: 'Die Person hat bereits eingewilligt',
        hint: 'Zum Beispiel im Datenschutzcockpit. Es wird geprüft, ob die Einwilligung für Ihre Behörde, den Zweck und die Nachweise gilt.',
      },
      {
        value: 'paper',
        label: 'Einwilligung auf dem Papierformular',
        hint: 'Die Person hat das Formular unterschrieben. Die Einwilligung wird jetzt erfasst. Die Person sieht sie in ihrem Datenschutzcockpit und kann sie dort widerrufen.',
        detail: paperDetail,
      },
      { value: 'legal-basis', label: 'Gesetzliche Grundlage, ohne Einwilligung', detail: legalDetail },
    ],
    selected: form.basis || undefined,
    error: errors.get('basis'),
  })}
  ${button('Nachweise abrufen')}
</form>`,
  );
}

/**
 * An item's status tag and what it means. An item with a reason says what happened in the catalogue's words
 * (broker/domain/error-catalogue.ts) — a timeout, a revoked consent, no responsible register — not only that it failed.
 */
function statusOf(item: EvidenceItemAnswer): { tag: SafeHtml; hint: string; explained: CatalogueEntry | null } {
  const explained = item.reason ? (explainCode(item.reason.code) ?? null) : null;
  if (explained) return { tag: tag(explained.de.title, explained.family === 'register-failure' ? 'red' : 'grey'), hint: explained.de.clerk, explained };
  const tone = ({ delivered: 'green', 'not-found': 'grey', unavailable: 'red', pending: 'yellow' } as const satisfies Record<ItemStatus, string>)[item.status];
  return { tag: tag(itemStatusLabels[item.status], tone), hint: itemStatusHints[item.status], explained };
}

/** The reason's code, linked to its explanation (/problems/<code>) when the catalogue knows it; the link is not printed. */
function reasonCode(code: string, explained: CatalogueEntry | null): SafeHtml {
  return explained ? html`<code>${code}</code> <a class="no-print" href="/problems/${code}">Erklärung zu ${code}</a>` : html`<code>${code}</code>`;
}

function requestTag(status: EvidenceAnswer['status']): SafeHtml {
  const tone = ({ complete: 'green', partial: 'yellow', failed: 'red', 'in-progress': 'blue' } as const)[status];
  return tag(requestStatusLabels[status], tone);
}

/** The register instance's name; when routing found none, for what it found none. */
function registerOf(item: EvidenceItemAnswer, routing: RoutingHints | null): string {
  const name = registerNameOf(item.provenance);
  if (name !== null) return name;
  const target = hintTarget(item.type, routing);
  return target ? `Keine zuständige Stelle im Verzeichnis für ${target}` : 'Keine zuständige Stelle im Verzeichnis';
}

function registerData(item: EvidenceItemAnswer, id: string, routing: RoutingHints | null): SafeHtml {
  const fetched = item.provenance.fetchedAt ? formatDateTime(new Date(item.provenance.fetchedAt)) : '–';
  // The data were checked against the type's evidence model when they arrived.
  const body = evidenceTypeOf(item.type).renderData(item.data as never, id);
  return html`<section class="register-data" aria-labelledby="${id}-source">
  <h4 class="register-data__label" id="${id}-source">Daten aus dem Register</h4>
  <p class="register-data__source">Quelle: ${registerOf(item, routing)}, übermittelt am ${fetched}. Unverändert so, wie das Register sie geliefert hat; die Signatur des Registers wurde geprüft.</p>
  ${body}
</section>`;
}

function itemCard(item: EvidenceItemAnswer, requestId: string, routing: RoutingHints | null): SafeHtml {
  const id = `item-${item.type}`;
  const status = statusOf(item);
  const rows = [
    { key: 'Register', value: registerOf(item, routing) },
    { key: 'Status', value: html`${status.tag} <span class="status-hint">${status.hint}</span>` },
    { key: 'Zeitpunkt der Antwort', value: item.provenance.fetchedAt ? formatDateTime(new Date(item.provenance.fetchedAt)) : 'Keine Antwort' },
    ...(status.explained ? [{ key: 'Was Sie tun können', value: status.explained.de.action }] : []),
    ...(item.reason ? [{ key: 'Fehlercode', value: reasonCode(item.reason.code, status.explained) }] : []),
    ...(item.dataHash ? [{ key: 'Prüfsumme (SHA-256)', value: html`<code class="hash">${item.dataHash}</code>` }] : []),
  ];
  let data: SafeHtml | null = null;
  if (item.status === 'delivered' && item.data !== null) data = registerData(item, id, routing);
  else if (item.status === 'delivered') {
    data = html`<p class="inset">Die Daten wurden beim Abruf angezeigt. Sie werden nicht gespeichert und können hier nicht noch einmal angezeigt werden. Die Prüfsumme belegt, was geliefert wurde.</p>`;
  } else if (item.status === 'pending') {
    data = html`<p class="no-print"><a href="/ui/lookup/requests/${requestId}">Nachsehen, ob die Antwort da ist</a></p>`;
  }
  return html`<li class="record" aria-labelledby="${id}-title">
  <h3 class="record__title" id="${id}-title">${evidenceTypeLabels[item.type]}</h3>
  ${summaryList(rows)}
  ${data}
</li>`;
}

/**
 * The answer to a lookup; `fresh` when it carries the data just delivered (shown once, never stored).
 * `routing`: the hints the request was routed by, to say for what no register was found.
 */
export function resultPage(v: {
  clerk: SignedInClerk;
  sandbox: boolean;
  answer: EvidenceAnswer;
  idNr: string;
  routing: RoutingHints | null;
  fresh: boolean;
  notice?: SafeHtml | null;
}): string {
  const { clerk, answer } = v;
  const basis =
    answer.basis.basis === 'consent'
      ? `Einwilligung (Nummer ${answer.basis.consentId})`
      : `Gesetzliche Grundlage: ${legalBasisLabel(answer.basis.legalBasis)}`;
  const pending = answer.evidence.some((i) => i.status === 'pending');
  return renderPage(
    shell(clerk, v.sandbox, v.fresh ? 'Ergebnis des Abrufs' : 'Abruf', { script: 'print' }),
    html`${v.notice ?? null}
<p class="print-only print-header">${v.sandbox ? 'TESTUMGEBUNG – erfundene Daten, nicht für echte Akten · ' : ''}Ausdruck für die Akte · ${clerk.participant.name} · gedruckt von ${clerk.account.displayName}</p>
<h1 class="heading-xl">${v.fresh ? 'Ergebnis des Abrufs' : 'Abruf'}</h1>
<p class="lead">${requestTag(answer.status)}</p>
${summaryList([
  { key: 'Aktenzeichen', value: answer.caseReference },
  { key: 'Steuer-ID', value: formatIdNr(v.idNr) },
  { key: 'Zweck', value: purposeLabels[answer.purpose] },
  { key: 'Zeitraum', value: `${formatMonth(answer.period.from)} bis ${formatMonth(answer.period.to)}` },
  { key: 'Grundlage', value: basis },
  { key: 'Abgerufen am', value: formatDateTime(new Date(answer.createdAt)) },
  { key: 'Abgerufen von', value: v.fresh ? `${clerk.account.displayName}, ${clerk.participant.name}` : clerk.participant.name },
  { key: 'Nummer der Anfrage', value: answer.id },
  { key: 'Protokolleintrag', value: answer.auditEntryId === null ? 'Noch keiner' : `Nr. ${answer.auditEntryId}` },
])}
<h2 class="heading-l">Nachweise</h2>
${
  v.fresh
    ? html`<p class="warning-text">Die Daten werden nur jetzt angezeigt und nicht gespeichert. Drucken Sie diese Seite für die Akte, bevor Sie sie verlassen.</p>`
    : null
}
${pending ? html`<p class="no-print">Mindestens ein Register liefert später. Sehen Sie später unter dieser Anfrage nach: <a href="/ui/lookup/requests/${answer.id}">Stand der Anfrage</a>.</p>` : null}
<ol class="records">
  ${answer.evidence.map((item) => itemCard(item, answer.id, v.routing))}
</ol>
<div class="no-print">
  <div class="button-group">
    <button type="button" class="button button--secondary" data-print-button hidden>Seite drucken</button>
    <a class="button" href="/ui/lookup">Neuen Abruf starten</a>
  </div>
  <p class="print-hint">Zum Drucken: Strg + P (am Mac: Cmd + P). Gedruckt wird nur das Ergebnis, ohne Menüs.</p>
</div>`,
  );
}

/** The same form is being processed by a parallel send (a double click): nothing is fetched twice. */
export function stillRunningPage(clerk: SignedInClerk, sandbox: boolean): string {
  return renderPage(
    shell(clerk, sandbox, 'Abruf läuft bereits'),
    html`<h1 class="heading-xl">Dieser Abruf läuft bereits</h1>
<p>Das Formular wurde schon gesendet und wird noch bearbeitet. Es wird nicht noch einmal abgerufen.</p>
<p>Warten Sie einen Moment und laden Sie die Seite dann neu. Dann sehen Sie das Ergebnis des ersten Abrufs.</p>
<p><a href="/ui/lookup">Neuen Abruf starten</a></p>`,
  );
}

/** The notice on a request page reached by sending the same form twice. */
export function alreadySentNotice(): SafeHtml {
  return notification(
    'Dieses Formular wurde bereits gesendet',
    html`<p>Damit nichts doppelt abgerufen wird, wurde es nicht noch einmal gesendet. Hier sehen Sie den Stand des ersten Abrufs.</p>`,
  );
}
