// The citizen sign-in page: the sandbox form (clearly marked as a stand-in), or a provider's button; and the
// pages for a sign-in at the provider that did not work, each saying why and what to do.
import { DEMO_CITIZENS } from '../../../adapters/sandbox-citizens.ts';
import { button, csrfField, errorSummary, notification, textInput, type FieldErrors } from '../kit/components.ts';
import { html, join, type SafeHtml } from '../kit/html.ts';
import { formatIdNr } from '../kit/labels.ts';
import { renderPage } from '../kit/layout.ts';
import type { CitizenIdentityProvider, SignInRefusal } from '../../identity/citizen-identity.ts';

export interface CitizenSignInView {
  provider: CitizenIdentityProvider;
  csrfToken: string;
  sandbox: boolean;
  idNr: string;
  errors: FieldErrors;
  notice: { title: string; body: string } | null;
}

export function citizenSignInPage(v: CitizenSignInView): string {
  const form = v.provider.kind === 'redirect'
    ? providerButton(v.provider.name, v.provider.sandbox)
    : html`<div class="sandbox-note">
  <p><strong>Testumgebung (Sandbox):</strong> Hier genügt eine Steuer-ID. Im echten Betrieb melden Sie sich stattdessen mit der BundID und Ihrem Online-Ausweis an. Alle Personen und Daten hier sind erfunden.</p>
  <p>Test-Steuer-IDs: ${join(DEMO_CITIZENS.map((c) => formatIdNr(c)), ', ')}</p>
</div>
<form method="post" action="/cockpit/sign-in" novalidate>
  ${csrfField(v.csrfToken)}
  ${textInput({
    name: 'idNr',
    label: 'Steuerliche Identifikationsnummer (Steuer-ID)',
    hint: '11 Ziffern. Sie steht zum Beispiel auf Ihrem Steuerbescheid.',
    value: v.idNr,
    error: v.errors.get('idNr'),
    inputmode: 'numeric',
    autocomplete: 'off',
    spellcheck: false,
    width: 'narrow',
  })}
  ${button('Anmelden (Sandbox)')}
</form>`;
  return renderPage(
    { service: 'cockpit', title: 'Anmelden', hasErrors: v.errors.size > 0, sandbox: v.sandbox },
    html`${errorSummary(v.errors, ['idNr'])}
${v.notice ? notification(v.notice.title, html`<p>${v.notice.body}</p>`) : null}
<h1 class="heading-xl">Anmelden zum Datenschutzcockpit</h1>
<p class="lead">Sehen Sie, welche Behörde wann welche Nachweise über Sie abgerufen hat, und verwalten Sie Ihre Einwilligungen.</p>
${form}`,
  );
}

/** Shown when this system has no way for citizens to sign in (CITIZEN_SIGN_IN=off). */
export function signInUnavailablePage(sandbox: boolean): string {
  return renderPage(
    { service: 'cockpit', title: 'Anmeldung nicht verfügbar', sandbox },
    html`<h1 class="heading-xl">Anmeldung nicht verfügbar</h1>
<p>Auf diesem System ist die Anmeldung für Bürgerinnen und Bürger nicht eingerichtet. Bitte versuchen Sie es später noch einmal.</p>`,
  );
}

/** The way to a provider: a link (not a form: the page's form-action allows only this site). */
function providerButton(name: string, sandbox: boolean): SafeHtml {
  return html`${sandbox
    ? html`<div class="sandbox-note"><p><strong>Testumgebung (Sandbox):</strong> Der Anmeldedienst hier ist ein Ersatz für die BundID. Dort wählen Sie eine erfundene Testperson aus; niemand wird wirklich identifiziert.</p></div>`
    : null}
<p>Sie melden sich beim Anmeldedienst ${name} an, zum Beispiel mit Ihrem Online-Ausweis. Danach kommen Sie hierher zurück. Ihre Steuer-ID übermittelt der Anmeldedienst; Sie müssen sie nicht eingeben.</p>
<p><a class="button button--primary" href="${START_PATH}">Anmelden mit ${name}</a></p>`;
}

/** Where the sign-in button leads: the start of the round trip to the provider. */
export const START_PATH = '/cockpit/sign-in/start';

/** Why a sign-in did not work, including the broker's own refusals before asking the provider. */
export type SignInFailure = SignInRefusal | 'no-pending' | 'provider-down';

/** The HTTP status of each failure: the citizen's or the request's fault 4xx, the provider's 502. */
export function failureStatus(failure: SignInFailure): number {
  switch (failure) {
    case 'assurance-too-low':
    case 'cancelled':
      return 403;
    case 'mismatch':
    case 'code-expired':
    case 'no-pending':
      return 400;
    case 'provider-error':
    case 'no-idnr':
    case 'unreachable':
    case 'provider-down':
      return 502;
  }
}

function failureText(failure: SignInFailure, provider: string): { title: string; body: SafeHtml } {
  switch (failure) {
    case 'assurance-too-low':
      return {
        title: 'Das Vertrauensniveau reicht nicht aus',
        body: html`<p>Sie haben sich bei ${provider} mit einem Verfahren angemeldet, das Ihre Identität nicht sicher genug nachweist. Das Datenschutzcockpit zeigt, welche Behörden Daten über Sie abgerufen haben; dafür ist das Vertrauensniveau „substanziell“ oder „hoch“ nötig, zum Beispiel mit dem Online-Ausweis (eID).</p>
<p>Sie wurden nicht angemeldet. Melden Sie sich bitte erneut an und wählen Sie dabei den Online-Ausweis.</p>`,
      };
    case 'cancelled':
      return { title: 'Anmeldung abgebrochen', body: html`<p>Die Anmeldung bei ${provider} wurde abgebrochen. Sie wurden nicht angemeldet.</p>` };
    case 'mismatch':
      return {
        title: 'Anmeldung abgelehnt',
        body: html`<p>Die Antwort des Anmeldedienstes passte nicht zu Ihrer Anmeldung in diesem Browser. Zu Ihrem Schutz wurden Sie nicht angemeldet.</p><p>Starten Sie die Anmeldung bitte noch einmal von dieser Seite aus.</p>`,
      };
    case 'code-expired':
      return {
        title: 'Anmeldung abgelaufen',
        body: html`<p>Die Bestätigung von ${provider} war nicht mehr gültig, weil sie abgelaufen ist oder schon verwendet wurde. Sie wurden nicht angemeldet.</p><p>Melden Sie sich bitte erneut an.</p>`,
      };
    case 'no-pending':
      return {
        title: 'Anmeldung abgelaufen',
        body: html`<p>Zu dieser Rückkehr vom Anmeldedienst gibt es in diesem Browser keine offene Anmeldung: Sie ist abgelaufen, wurde schon abgeschlossen oder in einem anderen Browser begonnen. Sie wurden nicht angemeldet.</p><p>Melden Sie sich bitte erneut an.</p>`,
      };
    case 'provider-error':
      return { title: 'Der Anmeldedienst hat einen Fehler gemeldet', body: html`<p>${provider} konnte die Anmeldung nicht abschließen. Sie wurden nicht angemeldet.</p><p>Versuchen Sie es in einigen Minuten noch einmal.</p>` };
    case 'no-idnr':
      return {
        title: 'Steuer-ID nicht übermittelt',
        body: html`<p>${provider} hat Ihre Identität bestätigt, aber keine gültige Steuer-ID übermittelt. Ohne sie kann das Datenschutzcockpit keine Abrufe zuordnen. Sie wurden nicht angemeldet.</p>`,
      };
    case 'unreachable':
    case 'provider-down':
      return { title: 'Der Anmeldedienst ist nicht erreichbar', body: html`<p>${provider} antwortet im Moment nicht. Sie wurden nicht angemeldet.</p><p>Versuchen Sie es in einigen Minuten noch einmal.</p>` };
  }
}

/** A sign-in that did not work: what happened, that nobody was signed in, and the way to try again. */
export function signInFailedPage(failure: SignInFailure, provider: string, sandbox: boolean): string {
  const { title, body } = failureText(failure, provider);
  return renderPage(
    { service: 'cockpit', title, sandbox },
    html`<h1 class="heading-xl">${title}</h1>
${body}
<p><a href="/cockpit/sign-in">Zur Anmeldung</a></p>`,
  );
}
