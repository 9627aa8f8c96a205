// The page shell: language, title, skip link, header with the service name and sign-out, a sandbox
// banner, the main content and a footer with the accessibility statement. Every page goes through here.
import { csrfField } from './components.ts';
import { html, type SafeHtml } from './html.ts';

/** The two services the pages make up, and the information pages both share. */
export type Service = 'lookup' | 'cockpit' | 'info';

export const SERVICES: Record<Service, { name: string; home: string | null; audience: string }> = {
  lookup: { name: 'Nachweisabruf', home: '/ui/lookup', audience: 'für Behörden' },
  cockpit: { name: 'Datenschutzcockpit', home: '/cockpit', audience: 'für Bürgerinnen und Bürger' },
  info: { name: 'Once-Only-Nachweisvermittlung', home: null, audience: '' },
};

/** Everything the shell needs besides the page's own content. */
export interface Shell {
  service: Service;
  /** The page's own title; "Fehler: " is put in front when the page shows form errors. */
  title: string;
  hasErrors?: boolean;
  sandbox: boolean;
  /** Who is signed in, with the sign-out form's action and token. */
  account?: { label: string; signOutAction: string; csrfToken: string } | undefined;
  /** Sub-navigation of the service, shown below the header. */
  nav?: readonly { href: string; label: string; current: boolean }[];
  /** Adds a small progressive-enhancement script; pages work without it. */
  script?: PageScript;
}

export const STYLESHEET = '/ui/assets/site.css';
/** The pages' scripts: a print button on results, the routing fields the checked types need on the lookup form. */
export const SCRIPTS = { print: '/ui/assets/print.js', 'routing-fields': '/ui/assets/routing-fields.js' } as const;
export type PageScript = keyof typeof SCRIPTS;
export const FAVICON = '/ui/assets/favicon.svg';

/** A signed-in clerk's navigation: a new lookup, and the history of the authority's lookups. */
export function lookupNav(current: 'lookup' | 'requests' | null): NonNullable<Shell['nav']> {
  return [
    { href: '/ui/lookup', label: 'Neuer Abruf', current: current === 'lookup' },
    { href: '/ui/requests', label: 'Bisherige Abrufe', current: current === 'requests' },
  ];
}

export function renderPage(shell: Shell, main: SafeHtml): string {
  const service = SERVICES[shell.service];
  // Every page of a signed-in clerk links the lookup and the history, also where the page names no navigation.
  const nav = shell.nav ?? (shell.service === 'lookup' && shell.account ? lookupNav(null) : undefined);
  const title = `${shell.hasErrors ? 'Fehler: ' : ''}${shell.title} – ${service.name}`;
  return html`<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${STYLESHEET}">
<link rel="icon" href="${FAVICON}" type="image/svg+xml">
${shell.script ? html`<script src="${SCRIPTS[shell.script]}" defer></script>` : null}
</head>
<body>
<a class="skip-link" href="#main">Zum Inhalt springen</a>
<header class="site-header">
  <div class="container site-header__inner">
    ${
      service.home
        ? html`<a class="site-header__name" href="${service.home}">${service.name} <span class="site-header__audience">${service.audience}</span></a>`
        : html`<span class="site-header__name">${service.name}</span>`
    }
    ${
      shell.account
        ? html`<div class="site-header__account">
      <span class="site-header__who">${shell.account.label}</span>
      <form method="post" action="${shell.account.signOutAction}" class="inline-form">
        ${csrfField(shell.account.csrfToken)}
        <button type="submit" class="header-button">Abmelden</button>
      </form>
    </div>`
        : null
    }
  </div>
</header>
${
  shell.sandbox
    ? html`<div class="phase-banner"><div class="container"><p><strong class="tag tag--yellow">Testumgebung</strong> Alle Personen und Daten sind erfunden (Sandbox).</p></div></div>`
    : null
}
${
  nav && nav.length > 0
    ? html`<nav class="service-nav" aria-label="${service.name}"><div class="container"><ul class="service-nav__list">
  ${nav.map((n) => html`<li><a class="service-nav__link" href="${n.href}"${n.current ? html` aria-current="page"` : null}>${n.label}</a></li>`)}
</ul></div></nav>`
    : null
}
<main id="main" class="container main" tabindex="-1">
${main}
</main>
<footer class="site-footer">
  <div class="container">
    <h2 class="visually-hidden">Informationen zu dieser Website</h2>
    <ul class="site-footer__links">
      <li><a href="/info/barrierefreiheit">Barrierefreiheit</a></li>
      <li><a href="/info/datenschutz">Datenschutz</a></li>
      <li><a href="/info/impressum">Impressum</a></li>
    </ul>
    <p>Ein Dienst der Once-Only-Nachweisvermittlung (Evidence broker).</p>
  </div>
</footer>
</body>
</html>
`.value;
}
