// Information pages both services link to from the footer: the accessibility statement that BITV 2.0
// § 7 requires (with a way to report barriers) and the privacy notice. Static text, no session.
import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { mountAssets } from '../kit/assets.ts';
import { html } from '../kit/html.ts';
import { renderPage } from '../kit/layout.ts';
import { PAGE_PREFIXES, pageSecurityHeaders, sendPage } from '../kit/security.ts';

export const FEEDBACK_ADDRESS = 'barrierefreiheit@evidence-broker.example';

export default function infoPages(router: Router, ctx: Context): void {
  router.use([...PAGE_PREFIXES], pageSecurityHeaders);
  mountAssets(router);
  const sandbox = ctx.cfg.demo;

  router.get('/info/barrierefreiheit', (_req, res) => {
    sendPage(
      res,
      200,
      renderPage(
        { service: 'info', title: 'Erklärung zur Barrierefreiheit', sandbox },
        html`<h1 class="heading-xl">Erklärung zur Barrierefreiheit</h1>
<p class="lead">Der Nachweisabruf für Behörden und das Datenschutzcockpit sollen für alle Menschen nutzbar sein.</p>
<h2 class="heading-l">Wie barrierefrei sind diese Seiten?</h2>
<p>Die Seiten sollen die Anforderungen der Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) erfüllen, also die Web Content Accessibility Guidelines (WCAG) 2.1 auf Stufe AA.</p>
<ul>
  <li>Alle Seiten lassen sich vollständig mit der Tastatur bedienen.</li>
  <li>Alle Seiten funktionieren ohne JavaScript.</li>
  <li>Die Seiten passen sich an kleine Bildschirme und an eine Vergrößerung bis 400 % an.</li>
  <li>Fehler in Formularen werden oben zusammengefasst und direkt am Eingabefeld erklärt.</li>
</ul>
<h2 class="heading-l">Wie wurde das geprüft?</h2>
<p>Jede Änderung wird automatisch in einem echten Browser geprüft: mit dem Prüfwerkzeug axe-core (Regeln für WCAG 2.1 AA), mit Tests, die nur die Tastatur benutzen, und mit Ansichten für Smartphone und Computer. Eine Prüfung durch Sachverständige (BITV-Test) steht noch aus.</p>
<h2 class="heading-l">Was ist noch nicht barrierefrei?</h2>
<ul>
  <li>Es gibt noch keine Erklärungen in Leichter Sprache und in Deutscher Gebärdensprache.</li>
</ul>
<h2 class="heading-l">Barrieren melden</h2>
<p>Ist Ihnen eine Barriere aufgefallen? Schreiben Sie uns: <a href="mailto:${FEEDBACK_ADDRESS}">${FEEDBACK_ADDRESS}</a>. Wir antworten innerhalb von zwei Wochen.</p>
<h2 class="heading-l">Schlichtungsverfahren</h2>
<p>Wenn Sie mit unserer Antwort nicht zufrieden sind, können Sie sich an die Schlichtungsstelle nach dem Behindertengleichstellungsgesetz wenden: <a href="https://www.schlichtungsstelle-bgg.de">www.schlichtungsstelle-bgg.de</a>. Das Verfahren ist kostenlos.</p>`,
      ),
    );
  });

  router.get('/info/datenschutz', (_req, res) => {
    sendPage(
      res,
      200,
      renderPage(
        { service: 'info', title: 'Datenschutz', sandbox },
        html`<h1 class="heading-xl">Datenschutz</h1>
<h2 class="heading-l">Cookies</h2>
<p>Wir setzen nur ein Cookie: die Sitzung, solange Sie angemeldet sind. Es ist technisch nötig und enthält nur eine zufällige Nummer. Es wird beim Schließen des Browsers gelöscht. Es gibt keine Statistik- und keine Werbe-Cookies.</p>
<h2 class="heading-l">Nachweise</h2>
<p>Nachweise aus den Registern werden nur angezeigt und nicht gespeichert. Gespeichert wird, wer wann welche Nachweise zu welchem Zweck abgerufen hat. Dieses Protokoll können Sie im Datenschutzcockpit einsehen. Es wird nach zwei Jahren gelöscht (§ 9 Identifikationsnummerngesetz).</p>
<h2 class="heading-l">Ihre Rechte</h2>
<p>Sie haben das Recht auf Auskunft, Berichtigung, Löschung und Einschränkung der Verarbeitung sowie das Recht auf Beschwerde bei einer Datenschutzaufsichtsbehörde.</p>`,
      ),
    );
  });
}
