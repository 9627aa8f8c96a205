// The cockpit's pages: transfers (filterable, with export), consents, granting one, revoking one.
import type { ConsentTransfer, KeptTransfer, MissingTransfer, RefusedAttempt, TransferRecord } from '../../audit/audit-log.ts';
import { PURPOSES, type Purpose } from '../../domain/codes.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../../../adapters/index.ts';
import type { ItemStatus, RequestStatus } from '../../evidence/outcome.ts';
import type { Consent } from '../../../consent/rules.ts';
import { isRefusalReason, REFUSAL_REASONS } from '../../../consent/refusal-reasons.ts';
import { button, checkboxes, csrfField, errorSummary, notification, radios, select, summaryList, tag, textInput, type FieldErrors } from '../kit/components.ts';
import { html, type SafeHtml } from '../kit/html.ts';
import {
  consentStateLabels,
  evidenceTypeLabels,
  formatDate,
  formatDateTime,
  formatDay,
  formatIdNr,
  legalBasisLabel,
  purposeLabels,
  registerNameOf,
  routeRefusalLabels,
  routeRefusalOf,
  type ConsentState,
} from '../kit/labels.ts';
import { renderPage, type Shell } from '../kit/layout.ts';
import type { Flash } from '../../identity/sessions/session-store.ts';
import type { SignedInCitizen } from '../sessions/signed-in.ts';
import { FILTER_FIELDS, GRANT_FIELDS, type FilterForm, type GrantForm } from './validation.ts';

/** Names of authorities by participant id, for display. */
export type AuthorityNames = ReadonlyMap<string, string>;

type Tab = 'transfers' | 'consents';

function shell(citizen: SignedInCitizen, sandbox: boolean, title: string, tab: Tab, hasErrors = false): Shell {
  return {
    service: 'cockpit',
    title,
    sandbox,
    hasErrors,
    account: { label: `Steuer-ID ${formatIdNr(citizen.idNr)}`, signOutAction: '/cockpit/sign-out', csrfToken: citizen.session.csrfToken },
    nav: [
      { href: '/cockpit', label: 'Abrufe Ihrer Daten', current: tab === 'transfers' },
      { href: '/cockpit/consents', label: 'Ihre Einwilligungen', current: tab === 'consents' },
    ],
  };
}

function flashBanner(flash: Flash | null): SafeHtml | null {
  return flash ? notification(flash.title, html`<p>${flash.body}</p>`) : null;
}

function authorityName(names: AuthorityNames, id: string): string {
  return names.get(id) ?? id;
}

// What a transfer meant for the citizen's data, item by item.
const transferItemLabels: Record<ItemStatus, string> = {
  delivered: 'übermittelt',
  'not-found': 'keine Daten vorhanden, nichts übermittelt',
  unavailable: 'nicht übermittelt (Register nicht erreichbar)',
  pending: 'folgt später',
};

const outcomeLabels: Record<RequestStatus, string> = {
  complete: 'Abgeschlossen',
  partial: 'Teilweise abgeschlossen',
  failed: 'Fehlgeschlagen, nichts übermittelt',
};

interface TransferDetails {
  purpose?: Purpose;
  caseReference?: string;
  basis?: { basis: 'consent'; consentId: string } | { basis: 'legal-basis'; legalBasis: string };
  outcome?: RequestStatus;
  completes?: string;
  items?: TransferItem[];
}

/** An item as the audit entry holds it; entries from before the register directory lack registerName. */
interface TransferItem {
  type: EvidenceType;
  status: ItemStatus;
  register?: string | null;
  registerName?: string | null;
  reason?: string;
}

/** "Mutterschaftsgeld von AOK Bayern: übermittelt"; an item routing sent nowhere says why. */
function transferItem(i: TransferItem): string {
  const label = evidenceTypeLabels[i.type] ?? i.type;
  const register = registerNameOf(i);
  const refusal = routeRefusalOf(i.reason);
  const outcome = refusal ? routeRefusalLabels[refusal].citizen : (transferItemLabels[i.status] ?? i.status);
  return register === null ? `${label}: ${outcome}` : `${label} von ${register}: ${outcome}`;
}

/** Where a transfer's proof bundle is downloaded (its leaf in the audit Merkle tree: entry number − 1). */
export function proofPath(t: TransferRecord): string {
  return `/cockpit/transfers/${t.auditEntryId - 1}/proof`;
}

/** The downloaded bundle's file name, by the entry number the card shows. */
export function proofFileName(entryNumber: number | string): string {
  return `nachweis-${entryNumber}.json`;
}

export const PROOF_LATER = 'Der Nachweis ist verfügbar, sobald der nächste Prüfpunkt signiert ist.';

/** The download of the proof bundle, or why there is none yet: no signed tree head includes the leaf. */
function proofRow(t: TransferRecord, signedSize: number): SafeHtml {
  if (t.auditEntryId - 1 >= signedSize) return html`${PROOF_LATER}`;
  return html`<a href="${proofPath(t)}">Nachweis der Protokollierung herunterladen<span class="visually-hidden"> (Protokolleintrag Nr. ${t.auditEntryId})</span></a>`;
}

/** Whom a citizen tells about details missing early: the contacts the operator configured (OPERATOR_TEXTS_FILE) are on the privacy notice. */
export const MISSING_DETAILS_CONTACT = html`Wenden Sie sich bitte an die Datenschutzbeauftragte oder den Datenschutzbeauftragten des Betreibers dieses Dienstes und an die Datenschutzaufsichtsbehörde, die für den Betreiber zuständig ist: beide nennt die <a href="/info/datenschutz">Datenschutzerklärung</a>. Nennen Sie dabei die Nummer des Protokolleintrags und laden Sie den Nachweis der Protokollierung herunter: er belegt, dass der Eintrag im signierten Protokoll steht.`;

/** Why an entry of the citizen's shows no details: deleted before their time (possible tampering) or after it. */
export function missingDetailsText(t: MissingTransfer, now: Date): string {
  if (now >= t.retentionEndsAt) return `Die Angaben zu diesem Abruf wurden nach Ablauf der Aufbewahrungsfrist am ${formatDate(t.retentionEndsAt)} gelöscht.`;
  return `Die Angaben zu diesem Abruf fehlen, obwohl wir sie noch bis zum ${formatDate(t.retentionEndsAt)} aufbewahren müssten: welche Behörde abgerufen hat, wozu und welche Nachweise. Das kann bedeuten, dass jemand das Protokoll manipuliert hat.`;
}

/** An entry of the citizen's whose detail row is gone: shown with what the log still proves, never left out. */
function missingTransferCard(t: MissingTransfer, signedSize: number, now: Date): SafeHtml {
  const id = `transfer-${t.auditEntryId}`;
  const early = now < t.retentionEndsAt;
  return html`<li class="record" aria-labelledby="${id}">
  <h3 class="record__title" id="${id}">${formatDateTime(t.at)}: ${early ? 'Angaben fehlen' : 'Angaben gelöscht'}${t.kind === 'refusal' ? ' (abgelehnter Abruf)' : ''}</h3>
  ${early ? html`<p><strong>${missingDetailsText(t, now)}</strong></p><p>${MISSING_DETAILS_CONTACT}</p>` : html`<p>${missingDetailsText(t, now)}</p>`}
  ${summaryList([
    { key: 'Protokolleintrag', value: `Nr. ${t.auditEntryId}` },
    { key: 'Nachweis', value: proofRow(t, signedSize) },
  ])}
</li>`;
}

function transferCard(t: KeptTransfer, names: AuthorityNames, signedSize: number): SafeHtml {
  const d = t.details as TransferDetails;
  const id = `transfer-${t.auditEntryId}`;
  const basis =
    d.basis?.basis === 'consent'
      ? html`<a href="${consentPath(d.basis.consentId)}">Ihre Einwilligung<span class="visually-hidden"> (Nummer ${d.basis.consentId})</span></a>`
      : d.basis
        ? `Gesetz: ${legalBasisLabel(d.basis.legalBasis)}`
        : '–';
  return html`<li class="record" aria-labelledby="${id}">
  <h3 class="record__title" id="${id}">${formatDateTime(t.at)}: ${authorityName(names, t.requester)}</h3>
  ${summaryList([
    { key: 'Behörde', value: authorityName(names, t.requester) },
    { key: 'Zweck', value: d.purpose ? (purposeLabels[d.purpose] ?? d.purpose) : '–' },
    { key: 'Aktenzeichen der Behörde', value: d.caseReference ?? '–' },
    {
      key: 'Nachweise',
      value: html`<ul class="plain-list">${(d.items ?? []).map((i) => html`<li>${transferItem(i)}</li>`)}</ul>`,
    },
    { key: 'Grundlage', value: basis },
    { key: 'Ergebnis', value: d.completes ? 'Nachlieferung zu einem früheren Abruf' : d.outcome ? outcomeLabels[d.outcome] : '–' },
    { key: 'Protokolleintrag', value: `Nr. ${t.auditEntryId}` },
    { key: 'Nachweis', value: proofRow(t, signedSize) },
  ])}
</li>`;
}

/** Where the cockpit shows one consent with the transfers made under it. */
export function consentPath(id: string): string {
  return `/cockpit/consents/${id}`;
}

/** A refusal's reason for the citizen; a code the catalogue does not know (none is recorded today) is named as it is. */
export function refusalReasonText(code: string): string {
  return isRefusalReason(code) ? REFUSAL_REASONS[code].de : `Die Anfrage wurde abgelehnt (Grund: ${code}).`;
}

/** What the citizen reads on every refused attempt. */
export const NOTHING_TRANSFERRED = 'Es wurde nichts übermittelt: Kein Register wurde gefragt, die Behörde hat keine Daten über Sie erhalten.';

/** A request about the citizen that was refused before any register was asked: who tried, when, why; nothing transferred. */
function refusalCard(t: RefusedAttempt, names: AuthorityNames, signedSize: number): SafeHtml {
  const d = t.details as { purpose?: Purpose; caseReference?: string; evidenceTypes?: EvidenceType[]; legalBasis?: string };
  const id = `transfer-${t.auditEntryId}`;
  const basis = d.legalBasis
    ? `Gesetz: ${legalBasisLabel(d.legalBasis)}`
    : t.consentId
      ? html`<a href="${consentPath(t.consentId)}">Ihre Einwilligung<span class="visually-hidden"> (Nummer ${t.consentId})</span></a>`
      : '–';
  return html`<li class="record" aria-labelledby="${id}">
  <h3 class="record__title" id="${id}">${formatDateTime(t.at)}: ${authorityName(names, t.requester)} – abgelehnt</h3>
  <p>${tag('Abgelehnt', 'red')} <strong>${NOTHING_TRANSFERRED}</strong></p>
  ${summaryList([
    { key: 'Behörde', value: authorityName(names, t.requester) },
    { key: 'Zweck', value: d.purpose ? (purposeLabels[d.purpose] ?? d.purpose) : '–' },
    { key: 'Aktenzeichen der Behörde', value: d.caseReference ?? '–' },
    { key: 'Verlangte Nachweise', value: (d.evidenceTypes ?? []).map((x) => evidenceTypeLabels[x] ?? x).join(', ') || '–' },
    { key: 'Grund der Ablehnung', value: refusalReasonText(t.reason) },
    { key: 'Berufen auf', value: basis },
    { key: 'Protokolleintrag', value: `Nr. ${t.auditEntryId}` },
    { key: 'Nachweis', value: proofRow(t, signedSize) },
  ])}
</li>`;
}

/** One entry of the list, by its kind. */
function recordCard(t: TransferRecord, names: AuthorityNames, signedSize: number, now: Date): SafeHtml {
  if (t.detailsMissing) return missingTransferCard(t, signedSize, now);
  return t.kind === 'refusal' ? refusalCard(t, names, signedSize) : transferCard(t, names, signedSize);
}

/** The transfer list with its filter; `errors` when the filter was not valid (the list is then unfiltered). */
export function transfersPage(v: {
  citizen: SignedInCitizen;
  sandbox: boolean;
  transfers: readonly TransferRecord[];
  total: number;
  names: AuthorityNames;
  requesters: readonly string[];
  form: FilterForm;
  errors: FieldErrors;
  filtered: boolean;
  exportQuery: string;
  flash: Flash | null;
  /** Leaves in the latest signed tree head (0 before the first): a transfer's proof exists when its leaf is below. */
  signedSize: number;
  /** The audit log's verifier key (C2SP note format), for checking a proof bundle. */
  logKey: string;
  /** Whether a missing entry's retention has ended is judged by this time. */
  now: Date;
}): string {
  const count = v.transfers.length;
  return renderPage(
    shell(v.citizen, v.sandbox, 'Abrufe Ihrer Daten', 'transfers', v.errors.size > 0),
    html`${errorSummary(v.errors, FILTER_FIELDS)}${flashBanner(v.flash)}
<h1 class="heading-xl">Abrufe Ihrer Daten</h1>
<p class="lead">Hier sehen Sie, welche Behörde wann welche Nachweise über Sie abgerufen hat und warum. Jeder Abruf steht hier, auch wenn er nichts geliefert hat, und auch jeder abgelehnte Versuch, bei dem nichts übermittelt wurde. Einträge werden nach zwei Jahren gelöscht.</p>
<form method="get" action="/cockpit" class="filters" novalidate aria-labelledby="filter-title">
  <h2 class="heading-m" id="filter-title">Abrufe filtern</h2>
  <div class="filters__grid">
    ${textInput({ name: 'from', label: 'von (Datum)', hint: 'TT.MM.JJJJ', value: v.form.from, error: v.errors.get('from'), autocomplete: 'off', width: 'wide' })}
    ${textInput({ name: 'to', label: 'bis (Datum)', hint: 'TT.MM.JJJJ', value: v.form.to, error: v.errors.get('to'), autocomplete: 'off', width: 'wide' })}
    ${select({
      name: 'authority',
      label: 'Behörde',
      options: [{ value: '', label: 'Alle Behörden' }, ...v.requesters.map((r) => ({ value: r, label: authorityName(v.names, r) }))],
      selected: v.form.authority,
      error: v.errors.get('authority'),
    })}
    ${select({
      name: 'type',
      label: 'Nachweis',
      options: [{ value: '', label: 'Alle Nachweise' }, ...EVIDENCE_TYPES.map((t) => ({ value: t, label: evidenceTypeLabels[t] }))],
      selected: v.form.type,
      error: v.errors.get('type'),
    })}
  </div>
  <div class="button-group">
    ${button('Filter anwenden', { variant: 'secondary' })}
    ${v.filtered ? html`<p><a href="/cockpit">Filter zurücksetzen</a></p>` : null}
  </div>
</form>
<h2 class="heading-l" id="list-title">${
      v.total === 0
        ? 'Noch keine Abrufe'
        : v.filtered
          ? `${count} von ${v.total} ${v.total === 1 ? 'Abruf' : 'Abrufen'}`
          : `${count} ${count === 1 ? 'Abruf' : 'Abrufe'}`
    }</h2>
${
  v.total === 0
    ? html`<p>Bisher hat keine Behörde über diesen Dienst Daten über Sie abgerufen.</p>`
    : count === 0
      ? html`<p>Kein Abruf passt zu diesem Filter.</p>`
      : html`<ol class="records" aria-labelledby="list-title">${v.transfers.map((t) => recordCard(t, v.names, v.signedSize, v.now))}</ol>`
}
<h2 class="heading-m">Herunterladen</h2>
<p>Die ${v.filtered ? 'gefilterten ' : ''}Abrufe als Datei, zum Beispiel für eine Auskunft nach Artikel 15 DSGVO:</p>
<ul>
  <li><a href="/cockpit/transfers.json${v.exportQuery}" download>Als JSON-Datei herunterladen</a></li>
  <li><a href="/cockpit/transfers.xml${v.exportQuery}" download>Als XML-Datei (Protokollauszug) herunterladen</a></li>
</ul>
${v.total === 0 ? null : proofHelp(v.logKey)}`,
  );
}

/** What the log key is for and the command that checks a downloaded proof bundle with it. */
function proofHelp(logKey: string): SafeHtml {
  return html`<h2 class="heading-m">Die Protokollierung selbst prüfen</h2>
<p>Mit dem Nachweis zu einem Abruf können Sie, oder jemand Ihres Vertrauens, ohne uns vertrauen zu müssen prüfen, dass der Abruf in unserem signierten Protokoll steht und dort nicht mehr verändert oder entfernt werden kann. Die Datei enthält keine Angaben zu Ihrer Person, nur Prüfsummen und den Zeitpunkt des Eintrags. Zur Prüfung brauchen Sie diesen Schlüssel des Protokolls:</p>
<p><code class="hash">${logKey}</code></p>
<p>So prüfen Sie eine heruntergeladene Datei mit dem Prüfprogramm aus unserem Quelltext; setzen Sie für &lt;Nr&gt; die Nummer des Protokolleintrags ein. Endet das Programm mit dem Code 0, steht der Abruf im Protokoll:</p>
<p><code class="hash">npm run verify-proof -- ${proofFileName('<Nr>')} --key "${logKey}"</code></p>`;
}

export function consentState(c: Consent, now: Date): ConsentState {
  return c.revokedAt ? 'revoked' : now < c.validFrom ? 'not-yet-valid' : now >= c.validUntil ? 'expired' : 'active';
}

function stateTag(state: ConsentState): SafeHtml {
  const tone = ({ active: 'green', revoked: 'grey', expired: 'grey', 'not-yet-valid': 'blue' } as const)[state];
  return tag(consentStateLabels[state], tone);
}

/** Display names of clerk accounts by account id (who recorded a paper consent). */
export type ClerkNames = ReadonlyMap<string, string>;

/** What the consent pages need besides the consent: names, and the transfers made under each consent. */
export interface ConsentContext {
  names: AuthorityNames;
  clerks: ClerkNames;
  transfers: ReadonlyMap<string, readonly ConsentTransfer[]>;
  now: Date;
}

/**
 * Who recorded the consent and from what: the citizen's own grant, or "erfasst von …, aus einem Papierformular vom …"
 * naming the clerk and their authority, the authority's system (API), or the operator's import of paper consents.
 */
export function provenanceText(c: Consent, names: AuthorityNames, clerks: ClerkNames): string {
  if (c.grantedBy === 'citizen') return `von Ihnen im Datenschutzcockpit erteilt am ${formatDate(c.grantedAt)}`;
  const authority = authorityName(names, c.granteeId);
  if (!c.paper) return `auf Papier erteilt, erfasst von ${authority} am ${formatDate(c.grantedAt)}`;
  const clerk = c.paper.recordedByClerk === null ? null : (clerks.get(c.paper.recordedByClerk) ?? 'einer Sachbearbeiterin oder einem Sachbearbeiter');
  const recorder = c.grantedBy.startsWith('operator:')
    ? `dem Betreiber dieses Dienstes für ${authority} (Übernahme bestehender Einwilligungen)`
    : clerk !== null
      ? `${clerk} (${authorityName(names, c.grantedBy)})`
      : `${authorityName(names, c.grantedBy)} (über ihr Fachverfahren)`;
  return `erfasst von ${recorder} am ${formatDate(c.grantedAt)}, aus einem Papierformular vom ${formatDay(c.paper.signedOn)} (Formularkennzeichen ${c.paper.reference})`;
}

function consentRows(c: Consent, v: ConsentContext) {
  const state = consentState(c, v.now);
  return [
    { key: 'Behörde', value: authorityName(v.names, c.granteeId) },
    { key: 'Zweck', value: purposeLabels[c.purpose] },
    { key: 'Nachweise', value: c.evidenceTypes.map((t) => evidenceTypeLabels[t]).join(', ') },
    { key: 'Gültig', value: `vom ${formatDate(c.validFrom)} bis ${formatDate(new Date(c.validUntil.getTime() - 1))}` },
    { key: 'Erteilt', value: provenanceText(c, v.names, v.clerks) },
    { key: 'Stand', value: html`${stateTag(state)}${c.revokedAt ? ` am ${formatDateTime(c.revokedAt)}` : ''}` },
  ];
}

function transferCount(n: number): string {
  return n === 0 ? 'bisher keine' : n === 1 ? '1 Abruf' : `${n} Abrufe`;
}

function revokeButton(c: Consent, names: AuthorityNames): SafeHtml {
  return html`<a class="button button--warning" href="/cockpit/consents/${c.id}/revoke">Widerrufen<span class="visually-hidden">: Einwilligung für ${authorityName(names, c.granteeId)}, ${purposeLabels[c.purpose]}</span></a>`;
}

function isRevocable(c: Consent, now: Date): boolean {
  return ['active', 'not-yet-valid'].includes(consentState(c, now));
}

export function consentsPage(v: ConsentContext & { citizen: SignedInCitizen; sandbox: boolean; consents: readonly Consent[]; flash: Flash | null }): string {
  const current = v.consents.filter((c) => isRevocable(c, v.now));
  const past = v.consents.filter((c) => !current.includes(c));
  const card = (c: Consent, revocable: boolean) => {
    const id = `consent-${c.id}`;
    const made = v.transfers.get(c.id)?.length ?? 0;
    return html`<li class="record" aria-labelledby="${id}">
  <h3 class="record__title" id="${id}">${authorityName(v.names, c.granteeId)}: ${purposeLabels[c.purpose]}</h3>
  ${summaryList([
    ...consentRows(c, v),
    {
      key: 'Abrufe damit',
      value: html`${transferCount(made)} – <a href="${consentPath(c.id)}">Einzelheiten und Abrufe<span class="visually-hidden"> zur Einwilligung für ${authorityName(v.names, c.granteeId)}, ${purposeLabels[c.purpose]}</span></a>`,
    },
  ])}
  ${revocable ? html`<p>${revokeButton(c, v.names)}</p>` : null}
</li>`;
  };
  return renderPage(
    shell(v.citizen, v.sandbox, 'Ihre Einwilligungen', 'consents'),
    html`${flashBanner(v.flash)}
<h1 class="heading-xl">Ihre Einwilligungen</h1>
<p class="lead">Mit einer Einwilligung erlauben Sie einer Behörde, bestimmte Nachweise über Sie direkt bei den Registern abzurufen. Sie können jede Einwilligung jederzeit widerrufen. Der Widerruf gilt sofort.</p>
<p><a class="button" href="/cockpit/consents/new">Neue Einwilligung erteilen</a></p>
<h2 class="heading-l" id="current-title">Gültige Einwilligungen</h2>
${current.length === 0 ? html`<p>Sie haben zurzeit keine gültige Einwilligung.</p>` : html`<ul class="records" aria-labelledby="current-title">${current.map((c) => card(c, true))}</ul>`}
${
  past.length > 0
    ? html`<h2 class="heading-l" id="past-title">Widerrufene und abgelaufene Einwilligungen</h2>
<ul class="records" aria-labelledby="past-title">${past.map((c) => card(c, false))}</ul>`
    : null
}`,
  );
}

/** One consent: where it comes from, whether it still holds, and every transfer made under it (each linked in the list). */
export function consentPage(v: ConsentContext & { citizen: SignedInCitizen; sandbox: boolean; consent: Consent }): string {
  const { consent } = v;
  const made = v.transfers.get(consent.id) ?? [];
  const title = `Einwilligung für ${authorityName(v.names, consent.granteeId)}`;
  return renderPage(
    shell(v.citizen, v.sandbox, title, 'consents'),
    html`<p><a href="/cockpit/consents">Zurück zu Ihren Einwilligungen</a></p>
<h1 class="heading-xl">${title}</h1>
${summaryList([...consentRows(consent, v), { key: 'Nummer', value: consent.id }])}
${isRevocable(consent, v.now) ? html`<p>${revokeButton(consent, v.names)}</p>` : null}
<h2 class="heading-l" id="made-title">Abrufe mit dieser Einwilligung</h2>
${
  made.length === 0
    ? html`<p>Auf Grund dieser Einwilligung hat noch keine Behörde Nachweise über Sie abgerufen.</p>`
    : html`<ol class="plain-list" aria-labelledby="made-title">${made.map(
        (t) =>
          html`<li><a href="/cockpit#transfer-${t.auditEntryId}">${formatDateTime(t.at)}: ${authorityName(v.names, t.requester)}</a>, ${
            t.outcome !== null ? outcomeLabels[t.outcome] : 'Nachlieferung zu einem früheren Abruf'
          } (Protokolleintrag Nr. ${t.auditEntryId})</li>`,
      )}</ol>`
}`,
  );
}

export function revokePage(v: ConsentContext & { citizen: SignedInCitizen; sandbox: boolean; consent: Consent }): string {
  const { consent } = v;
  return renderPage(
    shell(v.citizen, v.sandbox, 'Einwilligung widerrufen', 'consents'),
    html`<p><a href="/cockpit/consents">Zurück zu Ihren Einwilligungen</a></p>
<h1 class="heading-xl">Einwilligung widerrufen?</h1>
${summaryList(consentRows(consent, v))}
<p>Nach dem Widerruf darf ${authorityName(v.names, consent.granteeId)} diese Nachweise nicht mehr auf Grund dieser Einwilligung abrufen. Der Widerruf gilt sofort. Nachweise, die die Behörde schon abgerufen hat, bleiben bei ihr.</p>
<form method="post" action="/cockpit/consents/${consent.id}/revoke" novalidate>
  ${csrfField(v.citizen.session.csrfToken)}
  <div class="button-group">
    ${button('Ja, Einwilligung widerrufen', { variant: 'warning' })}
    <p><a href="/cockpit/consents">Abbrechen</a></p>
  </div>
</form>`,
  );
}

export function grantPage(v: {
  citizen: SignedInCitizen;
  sandbox: boolean;
  authorities: readonly { id: string; name: string }[];
  form: GrantForm;
  errors: FieldErrors;
}): string {
  const { form, errors } = v;
  return renderPage(
    shell(v.citizen, v.sandbox, 'Neue Einwilligung erteilen', 'consents', errors.size > 0),
    html`${errorSummary(errors, GRANT_FIELDS)}
<p><a href="/cockpit/consents">Zurück zu Ihren Einwilligungen</a></p>
<h1 class="heading-xl">Neue Einwilligung erteilen</h1>
<p class="lead">Erlauben Sie einer Behörde, Nachweise für Ihren Antrag direkt abzurufen. Dann müssen Sie diese nicht selbst einreichen.</p>
<form method="post" action="/cockpit/consents/new" novalidate>
  ${csrfField(v.citizen.session.csrfToken)}
  ${select({
    name: 'grantee',
    label: 'Welche Behörde darf abrufen?',
    options: [{ value: '', label: 'Bitte auswählen' }, ...v.authorities.map((a) => ({ value: a.id, label: a.name }))],
    selected: form.grantee,
    error: errors.get('grantee'),
  })}
  ${radios({
    name: 'purpose',
    label: 'Für welchen Antrag?',
    items: PURPOSES.map((p) => ({ value: p, label: purposeLabels[p] })),
    selected: form.purpose || undefined,
    error: errors.get('purpose'),
  })}
  ${checkboxes({
    name: 'evidenceTypes',
    label: 'Welche Nachweise darf die Behörde abrufen?',
    hint: 'Wählen Sie nur, was die Behörde für den Antrag braucht.',
    items: EVIDENCE_TYPES.map((t) => ({ value: t, label: evidenceTypeLabels[t] })),
    selected: form.evidenceTypes,
    error: errors.get('evidenceTypes'),
  })}
  ${textInput({
    name: 'validUntil',
    label: 'Bis wann soll die Einwilligung gelten?',
    hint: 'Zum Beispiel 31.12.2027. Sie können sie vorher jederzeit widerrufen.',
    value: form.validUntil,
    error: errors.get('validUntil'),
    autocomplete: 'off',
    width: 'narrow',
  })}
  ${button('Einwilligung erteilen')}
</form>`,
  );
}

/** The answer to a proof download while no signed tree head includes the transfer yet. */
export function proofLaterPage(v: { citizen: SignedInCitizen; sandbox: boolean; intervalMinutes: number }): string {
  return renderPage(
    shell(v.citizen, v.sandbox, 'Der Nachweis ist noch nicht verfügbar', 'transfers'),
    html`<p><a href="/cockpit">Zurück zu den Abrufen Ihrer Daten</a></p>
<h1 class="heading-xl">Der Nachweis ist noch nicht verfügbar</h1>
<p>${PROOF_LATER} Das geschieht etwa alle ${v.intervalMinutes === 1 ? 'Minute' : `${v.intervalMinutes} Minuten`}. Versuchen Sie es dann noch einmal.</p>`,
  );
}
