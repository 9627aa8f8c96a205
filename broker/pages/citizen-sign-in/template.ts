// The citizen sign-in page: the sandbox form (clearly marked as a stand-in), or a provider's button.
import { DEMO_CITIZENS } from '../../../adapters/sandbox-citizens.ts';
import { button, csrfField, errorSummary, notification, textInput, type FieldErrors } from '../kit/components.ts';
import { html, join } from '../kit/html.ts';
import { formatIdNr } from '../kit/labels.ts';
import { renderPage } from '../kit/layout.ts';
import type { CitizenIdentityProvider } from '../../identity/citizen-identity.ts';

export interface CitizenSignInView {
  provider: CitizenIdentityProvider;
  csrfToken: string;
  sandbox: boolean;
  idNr: string;
  errors: FieldErrors;
  notice: { title: string; body: string } | null;
}

export function citizenSignInPage(v: CitizenSignInView): string {
  const form = v.provider.sandbox
    ? html`<div class="sandbox-note">
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
</form>`
    : html`<p><a class="button" href="${v.provider.startUrl ?? '/cockpit/sign-in'}">Anmelden mit ${v.provider.name}</a></p>`;
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
