// Pages for things that went wrong outside a form: unknown address, a refused form (CSRF), a body too
// large, a fault of ours. Plain words, what happened, what to do next; never technical detail.
import { html, type SafeHtml } from './html.ts';
import { renderPage, SERVICES, type Service } from './layout.ts';

/** The service a path belongs to, for the header of an error page. */
export function serviceOfPath(path: string): Service {
  if (path === '/cockpit' || path.startsWith('/cockpit/')) return 'cockpit';
  if (path === '/ui' || path.startsWith('/ui/')) return 'lookup';
  return 'info';
}

function simplePage(service: Service, sandbox: boolean, title: string, body: SafeHtml): string {
  return renderPage({ service, title, sandbox }, html`<h1 class="heading-xl">${title}</h1>${body}`);
}

function homeLink(service: Service): SafeHtml {
  const home = SERVICES[service].home;
  return home ? html`<p><a href="${home}">Zur Startseite: ${SERVICES[service].name}</a></p>` : html``;
}

export function notFoundPage(service: Service, sandbox: boolean): string {
  return simplePage(
    service,
    sandbox,
    'Seite nicht gefunden',
    html`<p>Diese Adresse gibt es nicht. Prüfen Sie die Adresse oder gehen Sie zur Startseite.</p>${homeLink(service)}`,
  );
}

/** A POST without this session's token: expired session, an old form, or a forged request from elsewhere. */
export function formRefusedPage(service: Service, sandbox: boolean): string {
  return simplePage(
    service,
    sandbox,
    'Das Formular wurde nicht angenommen',
    html`<p>Ihre Sitzung ist abgelaufen oder das Formular war nicht mehr gültig. Zu Ihrer Sicherheit wurde nichts gespeichert und nichts abgerufen.</p>
<p>Laden Sie die Seite neu und senden Sie das Formular noch einmal. Wenn Sie abgemeldet wurden, melden Sie sich wieder an.</p>
${homeLink(service)}`,
  );
}

export function tooLargePage(service: Service, sandbox: boolean): string {
  return simplePage(service, sandbox, 'Die Eingabe ist zu groß', html`<p>Das Formular enthielt mehr Daten, als erlaubt sind. Es wurde nichts gespeichert.</p>${homeLink(service)}`);
}

export function unreadablePage(service: Service, sandbox: boolean): string {
  return simplePage(service, sandbox, 'Die Eingabe konnte nicht gelesen werden', html`<p>Das Formular kam unvollständig oder beschädigt an. Es wurde nichts gespeichert.</p>${homeLink(service)}`);
}

export function busyPage(service: Service, sandbox: boolean): string {
  return simplePage(
    service,
    sandbox,
    'Der Dienst ist gerade ausgelastet',
    html`<p>Im Moment kommen zu viele Anfragen gleichzeitig an. Ihre Eingabe wurde nicht verarbeitet.</p><p>Versuchen Sie es in wenigen Sekunden noch einmal.</p>${homeLink(service)}`,
  );
}

export function tooManyAttemptsPage(service: Service, sandbox: boolean): string {
  return simplePage(
    service,
    sandbox,
    'Zu viele Anmeldeversuche',
    html`<p>Von Ihrem Anschluss kamen in kurzer Zeit zu viele Anmeldeversuche. Ihre Eingabe wurde nicht verarbeitet.</p><p>Versuchen Sie es in einer Minute noch einmal.</p>${homeLink(service)}`,
  );
}

export function serverErrorPage(service: Service, sandbox: boolean): string {
  return simplePage(
    service,
    sandbox,
    'Es ist ein Fehler aufgetreten',
    html`<p>Bei uns ist ein technischer Fehler aufgetreten. Ihre Eingabe wurde nicht verarbeitet.</p><p>Versuchen Sie es in einigen Minuten noch einmal.</p>${homeLink(service)}`,
  );
}
