// The clerk sign-in page.
import { button, csrfField, errorSummary, notification, textInput, type FieldErrors } from '../kit/components.ts';
import { html } from '../kit/html.ts';
import { renderPage } from '../kit/layout.ts';
import { LOCKOUT } from '../../identity/clerks/lockout.ts';
import { SIGN_IN_FIELDS } from './validation.ts';

export interface SignInView {
  csrfToken: string;
  sandbox: boolean;
  username: string;
  errors: FieldErrors;
  notice: { title: string; body: string } | null;
}

export function signInPage(v: SignInView): string {
  return renderPage(
    { service: 'lookup', title: 'Anmelden', hasErrors: v.errors.size > 0, sandbox: v.sandbox },
    html`${errorSummary(v.errors, SIGN_IN_FIELDS)}
${v.notice ? notification(v.notice.title, html`<p>${v.notice.body}</p>`) : null}
<h1 class="heading-xl">Anmelden</h1>
<p class="lead">Melden Sie sich mit Ihrem Dienstkonto an, um Nachweise für einen Antrag abzurufen.</p>
${
  v.sandbox
    ? html`<div class="sandbox-note"><p><strong>Testumgebung:</strong> Benutzername und Passwort des Demo-Kontos zeigt <code>npm start</code> beim Start an.</p></div>`
    : null
}
<form method="post" action="/ui/sign-in" novalidate>
  ${csrfField(v.csrfToken)}
  ${textInput({ name: 'username', label: 'Benutzername', value: v.username, error: v.errors.get('username'), autocomplete: 'username', spellcheck: false, width: 'medium' })}
  ${textInput({
    name: 'password',
    label: 'Passwort',
    type: 'password',
    error: v.errors.get('password'),
    autocomplete: 'current-password',
    width: 'medium',
    hint: `Nach ${LOCKOUT.maxFailures} falschen Versuchen wird die Anmeldung für ${LOCKOUT.lockMs / 60_000} Minuten gesperrt.`,
  })}
  ${button('Anmelden')}
</form>
<p>Passwort vergessen? Wenden Sie sich an die IT-Stelle Ihrer Behörde.</p>`,
  );
}
