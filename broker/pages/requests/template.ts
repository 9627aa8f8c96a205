// The clerk's history: the authority's lookups (filterable, paged) and one lookup with its items, where the
// items a register still owes can be fetched again.
import { evidenceTypeOf } from '../../../adapters/index.ts';
import type { RoutingHints } from '../../directory/routing.ts';
import type { EvidenceAnswer, EvidenceItemAnswer } from '../../evidence/evidence-service.ts';
import { REQUEST_LIST_STATUSES, type RequestListStatus, type RequestSummary } from '../../evidence/evidence-request-store.ts';
import type { ItemStatus } from '../../evidence/outcome.ts';
import { button, csrfField, errorSummary, notification, select, summaryList, tag, textInput, type FieldErrors } from '../kit/components.ts';
import { html, type SafeHtml } from '../kit/html.ts';
import {
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
  routeRefusalLabels,
  routeRefusalOf,
} from '../kit/labels.ts';
import { lookupNav, renderPage, type Shell } from '../kit/layout.ts';
import { hintTarget } from '../lookup/routing-fields.ts';
import type { SignedInClerk } from '../sessions/signed-in.ts';
import { DEFAULT_PAGE_SIZE, HISTORY_FIELDS, historyQuery, PAGE_SIZES, type HistoryFilter, type HistoryForm } from './validation.ts';

function shell(clerk: SignedInClerk, sandbox: boolean, title: string, extra: Partial<Shell> = {}): Shell {
  return {
    service: 'lookup',
    title,
    sandbox,
    account: { label: `${clerk.account.displayName} · ${clerk.participant.name}`, signOutAction: '/ui/sign-out', csrfToken: clerk.session.csrfToken },
    nav: lookupNav('requests'),
    ...extra,
  };
}

/** The filter's choices of status, in the words of the request page. */
export const statusFilterLabels: Record<RequestListStatus, string> = {
  complete: requestStatusLabels.complete,
  partial: requestStatusLabels.partial,
  pending: 'Eine Antwort steht noch aus',
  failed: requestStatusLabels.failed,
  'in-progress': requestStatusLabels['in-progress'],
  abandoned: 'Abgebrochen',
};

/** A stored request status as a tag; 'abandoned' is a request whose processing broke off before any answer. */
function requestTag(status: string): SafeHtml {
  switch (status) {
    case 'complete':
      return tag(requestStatusLabels.complete, 'green');
    case 'partial':
      return tag(requestStatusLabels.partial, 'yellow');
    case 'failed':
      return tag(requestStatusLabels.failed, 'red');
    case 'abandoned':
      return tag(statusFilterLabels.abandoned, 'grey');
    default:
      return tag(requestStatusLabels['in-progress'], 'blue');
  }
}

/**
 * The IdNr in a list line: only its last three digits. The request page shows it whole, as the lookup's
 * result does; a list of many people's numbers need not.
 */
export function idNrEnding(idNr: string): string {
  return `endet auf ${idNr.slice(-3)}`;
}

function requestRow(r: RequestSummary): SafeHtml {
  const at = formatDateTime(r.createdAt);
  return html`<tr>
  <td>${at}</td>
  <td><a href="/ui/requests/${r.id}">${r.caseReference}<span class="visually-hidden"> vom ${at}</span></a></td>
  <td>${purposeLabels[r.purpose] ?? r.purpose}</td>
  <td>${r.evidenceTypes.map((t, i) => html`${i > 0 ? html`<br>` : null}${evidenceTypeLabels[t] ?? t}`)}</td>
  <td>${idNrEnding(r.citizenIdNr)}</td>
  <td>${requestTag(r.status)}${r.pendingItems > 0 ? html`<br>${r.pendingItems === 1 ? '1 Nachweis steht aus' : `${r.pendingItems} Nachweise stehen aus`}` : null}</td>
</tr>`;
}

/** Previous and next page, and where in the list this page is; the target of an error about the page number. */
function pagination(filter: HistoryFilter, page: number, pages: number): SafeHtml {
  return html`<nav class="button-group no-print" id="page" tabindex="-1" aria-label="Seiten der Liste">
  ${page > 1 ? html`<a class="button button--secondary" rel="prev" href="/ui/requests${historyQuery(filter, page - 1)}">Vorherige Seite</a>` : null}
  ${page < pages ? html`<a class="button button--secondary" rel="next" href="/ui/requests${historyQuery(filter, page + 1)}">Nächste Seite</a>` : null}
  <p>Seite ${page} von ${pages}</p>
</nav>`;
}

/**
 * The list with its filter. With errors in the filter's fields it was not applied and the first page of all
 * lookups shows; with only a page number past the end, the filter's first page.
 */
export function historyPage(v: {
  clerk: SignedInClerk;
  sandbox: boolean;
  form: HistoryForm;
  errors: FieldErrors;
  /** The filter the list was made with (no filter when the form had errors). */
  filter: HistoryFilter;
  filtered: boolean;
  requests: readonly RequestSummary[];
  total: number;
  pages: number;
}): string {
  const { filter, total } = v;
  const first = (filter.page - 1) * filter.size + 1;
  const heading =
    total === 0
      ? v.filtered
        ? 'Kein Abruf passt zu diesem Filter'
        : 'Noch keine Abrufe'
      : `${total} ${v.filtered ? (total === 1 ? 'passender Abruf' : 'passende Abrufe') : total === 1 ? 'Abruf' : 'Abrufe'}`;
  return renderPage(
    shell(v.clerk, v.sandbox, 'Bisherige Abrufe', { hasErrors: v.errors.size > 0 }),
    html`${errorSummary(v.errors, HISTORY_FIELDS)}
<h1 class="heading-xl">Bisherige Abrufe</h1>
<p class="lead">Alle Abrufe Ihrer Behörde (${v.clerk.participant.name}), die neuesten zuerst. Öffnen Sie einen Abruf, um seine Nachweise zu sehen und Antworten abzuholen, die noch ausstehen.</p>
<form method="get" action="/ui/requests" class="filters" novalidate aria-labelledby="filter-title">
  <h2 class="heading-m" id="filter-title">Abrufe filtern</h2>
  <div class="filters__grid">
    ${textInput({
      name: 'caseReference',
      label: 'Aktenzeichen',
      hint: 'Vollständig, so wie beim Abruf angegeben',
      value: v.form.caseReference,
      error: v.errors.get('caseReference'),
      autocomplete: 'off',
      spellcheck: false,
      maxlength: 100,
    })}
    ${select({
      name: 'status',
      label: 'Status',
      options: [{ value: '', label: 'Alle' }, ...REQUEST_LIST_STATUSES.map((s) => ({ value: s, label: statusFilterLabels[s] }))],
      selected: v.form.status,
      error: v.errors.get('status'),
    })}
    ${textInput({ name: 'from', label: 'Abgerufen von (Datum)', hint: 'TT.MM.JJJJ', value: v.form.from, error: v.errors.get('from'), autocomplete: 'off' })}
    ${textInput({ name: 'to', label: 'Abgerufen bis (Datum)', hint: 'TT.MM.JJJJ', value: v.form.to, error: v.errors.get('to'), autocomplete: 'off' })}
    ${select({
      name: 'size',
      label: 'Abrufe je Seite',
      options: PAGE_SIZES.map((s) => ({ value: String(s), label: String(s) })),
      selected: v.form.size === '' ? String(DEFAULT_PAGE_SIZE) : v.form.size,
      error: v.errors.get('size'),
    })}
  </div>
  <div class="button-group">
    ${button('Filter anwenden', { variant: 'secondary' })}
    ${v.filtered || v.errors.size > 0 ? html`<p><a href="/ui/requests">Filter zurücksetzen</a></p>` : null}
  </div>
</form>
${[...v.errors.keys()].some((f) => f !== 'page') ? html`<p>Der Filter wurde nicht angewendet. Korrigieren Sie ihn oder setzen Sie ihn zurück; bis dahin sehen Sie alle Abrufe.</p>` : null}
<h2 class="heading-l" id="list-title">${heading}</h2>
${
  v.requests.length === 0
    ? total === 0
      ? html`<p>${v.filtered ? 'Ändern Sie den Filter oder setzen Sie ihn zurück.' : 'Ihre Behörde hat über diesen Dienst noch keine Nachweise abgerufen.'}</p>`
      : null
    : html`<div class="table-wrap">
<table class="table">
  <caption>Abrufe ${first} bis ${first + v.requests.length - 1} von ${total}</caption>
  <thead><tr><th scope="col">Abgerufen am</th><th scope="col">Aktenzeichen</th><th scope="col">Zweck</th><th scope="col">Nachweise</th><th scope="col">Steuer-ID</th><th scope="col">Status</th></tr></thead>
  <tbody>
  ${v.requests.map(requestRow)}
  </tbody>
</table>
</div>`
}
${pagination(filter, filter.page, v.pages)}
<p><a href="/ui/lookup">Neuen Abruf starten</a></p>`,
  );
}

// ---- One request ----

/** An item's status tag and what it means; an item routing sent nowhere says why instead of "not reachable". */
function statusOf(item: EvidenceItemAnswer): { tag: SafeHtml; hint: string } {
  const refusal = routeRefusalOf(item.reason?.code);
  if (refusal) return { tag: tag(routeRefusalLabels[refusal].tag, 'grey'), hint: routeRefusalLabels[refusal].hint };
  const tone = ({ delivered: 'green', 'not-found': 'grey', unavailable: 'red', pending: 'yellow' } as const satisfies Record<ItemStatus, string>)[item.status];
  return { tag: tag(itemStatusLabels[item.status], tone), hint: itemStatusHints[item.status] };
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

function itemCard(item: EvidenceItemAnswer, routing: RoutingHints | null): SafeHtml {
  const id = `item-${item.type}`;
  const status = statusOf(item);
  const rows = [
    { key: 'Register', value: registerOf(item, routing) },
    { key: 'Status', value: html`${status.tag} <span class="status-hint">${status.hint}</span>` },
    { key: 'Zeitpunkt der Antwort', value: item.provenance.fetchedAt ? formatDateTime(new Date(item.provenance.fetchedAt)) : 'Keine Antwort' },
    ...(item.reason ? [{ key: 'Fehlercode', value: item.reason.code }] : []),
    ...(item.dataHash ? [{ key: 'Prüfsumme (SHA-256)', value: html`<code class="hash">${item.dataHash}</code>` }] : []),
  ];
  let data: SafeHtml | null = null;
  if (item.status === 'delivered' && item.data !== null) data = registerData(item, id, routing);
  else if (item.status === 'delivered') {
    data = html`<p class="inset">Die Daten wurden beim Abruf angezeigt. Sie werden nicht gespeichert und können hier nicht noch einmal angezeigt werden. Die Prüfsumme belegt, was geliefert wurde.</p>`;
  }
  return html`<li class="record" aria-labelledby="${id}-title">
  <h3 class="record__title" id="${id}-title">${evidenceTypeLabels[item.type]}</h3>
  ${summaryList(rows)}
  ${data}
</li>`;
}

/** What the request page knows of a request besides its answer. */
export interface RequestView {
  answer: EvidenceAnswer;
  /** The stored status: 'abandoned' says more than the answer's 'in-progress'. */
  storedStatus: string;
  idNr: string;
  routing: RoutingHints | null;
}

/** The button that asks the registers again for the items they still owe (a POST: it may deliver and is audited). */
function pendingForm(clerk: SignedInClerk, id: string, count: number): SafeHtml {
  return html`<form method="post" action="/ui/requests/${id}/pending" class="no-print" novalidate>
  ${csrfField(clerk.session.csrfToken)}
  <p>${count === 1 ? 'Ein Register liefert später.' : `${count} Register liefern später.`} Fragen Sie nach, ob die Antwort inzwischen da ist. Was dann eintrifft, wird nur einmal angezeigt und nicht gespeichert.</p>
  ${button('Ausstehende Nachweise abholen')}
</form>`;
}

/** One request of the authority; `fresh` when it carries data that just arrived (shown once, never stored). */
export function requestPage(v: { clerk: SignedInClerk; sandbox: boolean; view: RequestView; notice?: SafeHtml | null }): string {
  const { clerk } = v;
  const { answer } = v.view;
  const fresh = answer.evidence.some((i) => i.data !== null);
  const pending = answer.evidence.filter((i) => i.status === 'pending').length;
  const basis =
    answer.basis.basis === 'consent' ? `Einwilligung (Nummer ${answer.basis.consentId})` : `Gesetzliche Grundlage: ${legalBasisLabel(answer.basis.legalBasis)}`;
  const at = formatDateTime(new Date(answer.createdAt));
  const unfinished = v.view.storedStatus === 'in-progress' || v.view.storedStatus === 'abandoned';
  return renderPage(
    shell(clerk, v.sandbox, `Abruf ${answer.caseReference}`, fresh ? { script: 'print' } : {}),
    html`${v.notice ?? null}
<p class="print-only print-header">${v.sandbox ? 'TESTUMGEBUNG – erfundene Daten, nicht für echte Akten · ' : ''}Ausdruck für die Akte · ${clerk.participant.name} · gedruckt von ${clerk.account.displayName}</p>
<p class="no-print"><a href="/ui/requests">Zurück zu den bisherigen Abrufen</a></p>
<span class="caption">Aktenzeichen ${answer.caseReference}</span>
<h1 class="heading-xl">Abruf vom ${at}</h1>
<p class="lead">Status: ${requestTag(unfinished ? v.view.storedStatus : answer.status)}</p>
${summaryList([
  { key: 'Aktenzeichen', value: answer.caseReference },
  { key: 'Steuer-ID', value: formatIdNr(v.view.idNr) },
  { key: 'Zweck', value: purposeLabels[answer.purpose] },
  { key: 'Zeitraum', value: `${formatMonth(answer.period.from)} bis ${formatMonth(answer.period.to)}` },
  { key: 'Grundlage', value: basis },
  { key: 'Abgerufen am', value: at },
  { key: 'Abgerufen von', value: clerk.participant.name },
  { key: 'Nummer der Anfrage', value: answer.id },
  { key: 'Protokolleintrag', value: answer.auditEntryId === null ? 'Noch keiner' : `Nr. ${answer.auditEntryId}` },
])}
<h2 class="heading-l">Nachweise</h2>
${
  unfinished
    ? v.view.storedStatus === 'abandoned'
      ? html`<p>Die Bearbeitung wurde abgebrochen, bevor ein Register geantwortet hat. Es wurden keine Daten übermittelt. Starten Sie bei Bedarf einen neuen Abruf.</p>`
      : html`<p>Die Register werden gerade gefragt. Laden Sie die Seite in einigen Sekunden neu.</p>`
    : null
}
${fresh ? html`<p class="warning-text">Die Daten werden nur jetzt angezeigt und nicht gespeichert. Drucken Sie diese Seite für die Akte, bevor Sie sie verlassen.</p>` : null}
${pending > 0 ? pendingForm(clerk, answer.id, pending) : null}
${answer.evidence.length > 0 ? html`<ol class="records">${answer.evidence.map((item) => itemCard(item, v.view.routing))}</ol>` : null}
${
  fresh
    ? html`<div class="no-print"><div class="button-group"><button type="button" class="button button--secondary" data-print-button hidden>Seite drucken</button></div>
<p class="print-hint">Zum Drucken: Strg + P (am Mac: Cmd + P). Gedruckt wird nur das Ergebnis, ohne Menüs.</p></div>`
    : null
}`,
  );
}

/** After asking again: what arrived, or that nothing did yet. */
export function pendingNotice(arrived: number, stillPending: number): SafeHtml {
  if (arrived === 0) {
    return notification('Noch keine neue Antwort', html`<p>Die Register haben noch nicht geliefert. Fragen Sie später noch einmal nach.</p>`);
  }
  const what = arrived === 1 ? 'Eine Antwort ist eingetroffen' : `${arrived} Antworten sind eingetroffen`;
  const rest = stillPending === 0 ? 'Jetzt steht nichts mehr aus.' : `${stillPending === 1 ? 'Ein Nachweis steht' : `${stillPending} Nachweise stehen`} weiter aus.`;
  return notification(what, html`<p>Sie sehen sie unten, nur dieses eine Mal. ${rest}</p>`);
}

/** The request had no item outstanding any more (fetched already: by this page, another clerk or the API). */
export function nothingPendingNotice(): SafeHtml {
  return notification(
    'Es steht nichts mehr aus',
    html`<p>Alle Register haben inzwischen geantwortet. Gelieferte Daten wurden beim Abholen einmal angezeigt und sind nicht gespeichert.</p>`,
  );
}
