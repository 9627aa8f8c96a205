// Information pages both services link to from the footer: the accessibility statement that BITV 2.0
// § 7 requires (with a way to report barriers), the privacy notice (DSGVO Art. 13) and the Impressum (§ 5 DDG).
// What the operator says comes from OPERATOR_TEXTS_FILE (operator-texts.ts), escaped like any text; what this
// software does (one session cookie, the checks it runs) is said here. No session.
import type { Router } from 'express';
import { ConfigError, type Config } from '../../config/config.ts';
import type { Context } from '../../context.ts';
import { mountAssets } from '../kit/assets.ts';
import { html } from '../kit/html.ts';
import { renderPage } from '../kit/layout.ts';
import { PAGE_PREFIXES, pageSecurityHeaders, sendPage } from '../kit/security.ts';
import { DEMO_OPERATOR_TEXTS, type OperatorTexts } from './operator-texts.ts';

/** The texts the pages show: the operator's, or the demo's; production mode refuses to start without the operator's. */
export function operatorTextsOf(cfg: Pick<Config, 'mode' | 'operatorTexts'>): OperatorTexts {
  if (cfg.operatorTexts !== null) return cfg.operatorTexts;
  if (cfg.mode === 'production') {
    throw new ConfigError('invalid OPERATOR_TEXTS_FILE: production mode needs the operator\'s Impressum, privacy notice and accessibility statement (a production service must name its controller); see docs/operator-texts.example.json');
  }
  return DEMO_OPERATOR_TEXTS;
}

const STATUS_TEXT: Record<OperatorTexts['accessibility']['status'], string> = {
  full: 'Diese Seiten sind vollständig barrierefrei nach der Barrierefreie-Informationstechnik-Verordnung (BITV 2.0).',
  partial: 'Diese Seiten sind teilweise barrierefrei nach der Barrierefreie-Informationstechnik-Verordnung (BITV 2.0). Was noch nicht barrierefrei ist, steht unten.',
  none: 'Diese Seiten sind noch nicht barrierefrei nach der Barrierefreie-Informationstechnik-Verordnung (BITV 2.0). Was fehlt, steht unten.',
};

const list = (items: readonly string[]) => html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`;
const addressLines = (lines: readonly string[] | undefined) => (lines ? html`<p>${lines.map((l, i) => html`${i > 0 ? html`<br>` : ''}${l}`)}</p>` : null);
const mail = (address: string) => html`<a href="mailto:${address}">${address}</a>`;
const contactLines = (c: { email: string; phone?: string | undefined }) => html`<p>E-Mail: ${mail(c.email)}${c.phone ? html`<br>Telefon: ${c.phone}` : ''}</p>`;
/** "2026-12-01" → "1. Dezember 2026". */
const longDate = (day: string) => new Date(`${day}T12:00:00Z`).toLocaleDateString('de-DE', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

export default function infoPages(router: Router, ctx: Context): void {
  router.use([...PAGE_PREFIXES], pageSecurityHeaders);
  mountAssets(router);
  const sandbox = ctx.cfg.demo;
  // NOTE: here, at mount time, so a production broker without the operator's texts stops at start-up.
  const texts = operatorTextsOf(ctx.cfg);

  router.get('/info/barrierefreiheit', (_req, res) => {
    const a = texts.accessibility;
    sendPage(
      res,
      200,
      renderPage(
        { service: 'info', title: 'Erklärung zur Barrierefreiheit', sandbox },
        html`<h1 class="heading-xl">Erklärung zur Barrierefreiheit</h1>
<p class="lead">Der Nachweisabruf für Behörden und das Datenschutzcockpit sollen für alle Menschen nutzbar sein. ${texts.impressum.operator} ist bemüht, sie im Einklang mit dem Behindertengleichstellungsgesetz und der BITV 2.0 barrierefrei zugänglich zu machen.</p>
<p>Diese Erklärung wurde am ${longDate(a.date)} erstellt oder zuletzt überprüft.</p>
<h2 class="heading-l">Wie barrierefrei sind diese Seiten?</h2>
<p>${STATUS_TEXT[a.status]}</p>
<p>Die Seiten sollen die Web Content Accessibility Guidelines (WCAG) 2.1 auf Stufe AA erfüllen.</p>
<ul>
  <li>Alle Seiten lassen sich vollständig mit der Tastatur bedienen.</li>
  <li>Alle Seiten funktionieren ohne JavaScript.</li>
  <li>Die Seiten passen sich an kleine Bildschirme und an eine Vergrößerung bis 400 % an.</li>
  <li>Fehler in Formularen werden oben zusammengefasst und direkt am Eingabefeld erklärt.</li>
</ul>
<h2 class="heading-l">Wie wurde das geprüft?</h2>
<p>${a.method}</p>
<h2 class="heading-l">Was ist noch nicht barrierefrei?</h2>
${a.knownLimitations.length > 0 ? list(a.knownLimitations) : html`<p>Uns sind keine Barrieren bekannt.</p>`}
<h2 class="heading-l">Barrieren melden</h2>
<p>Ist Ihnen eine Barriere aufgefallen? Schreiben Sie uns: ${mail(a.feedback.email)}. ${a.feedback.responseTime}</p>
<h2 class="heading-l">Schlichtungsverfahren</h2>
<p>Wenn Sie mit unserer Antwort nicht zufrieden sind, können Sie sich an diese Stelle wenden: <a href="${a.enforcement.website}">${a.enforcement.name}</a>. Das Verfahren ist kostenlos.</p>`,
      ),
    );
  });

  router.get('/info/datenschutz', (_req, res) => {
    const p = texts.privacy;
    sendPage(
      res,
      200,
      renderPage(
        { service: 'info', title: 'Datenschutz', sandbox },
        html`<h1 class="heading-xl">Datenschutz</h1>
<p class="lead">Informationen nach Art. 13 der Datenschutz-Grundverordnung (DSGVO).</p>
<h2 class="heading-l">Verantwortlich</h2>
<p>${p.controller.name}</p>
${addressLines(p.controller.address)}
${contactLines(p.controller.contact)}
<h2 class="heading-l">Datenschutzbeauftragte oder Datenschutzbeauftragter</h2>
${p.dataProtectionOfficer.name ? html`<p>${p.dataProtectionOfficer.name}</p>` : null}
${addressLines(p.dataProtectionOfficer.address)}
${contactLines(p.dataProtectionOfficer.contact)}
<h2 class="heading-l">Wozu wir Daten verarbeiten</h2>
${list(p.purposes)}
<h2 class="heading-l">Rechtsgrundlagen</h2>
${list(p.legalBases)}
<h2 class="heading-l">Wer Daten erhält</h2>
${list(p.recipients)}
<h2 class="heading-l">Wie lange wir Daten speichern</h2>
${list(p.retention)}
<h2 class="heading-l">Cookies</h2>
<p>Wir setzen nur ein Cookie: die Sitzung, solange Sie angemeldet sind. Es ist technisch nötig und enthält nur eine zufällige Nummer. Es wird beim Schließen des Browsers gelöscht. Es gibt keine Statistik- und keine Werbe-Cookies.</p>
<h2 class="heading-l">Ihre Rechte</h2>
${list(p.rights)}
<h2 class="heading-l">Aufsichtsbehörde</h2>
<p><a href="${p.supervisoryAuthority.website}">${p.supervisoryAuthority.name}</a></p>
${addressLines(p.supervisoryAuthority.address)}
<p>Wer diesen Dienst anbietet, steht im <a href="/info/impressum">Impressum</a>.</p>`,
      ),
    );
  });

  router.get('/info/impressum', (_req, res) => {
    const i = texts.impressum;
    sendPage(
      res,
      200,
      renderPage(
        { service: 'info', title: 'Impressum', sandbox },
        html`<h1 class="heading-xl">Impressum</h1>
<h2 class="heading-l">Anbieter</h2>
<p>${i.operator}</p>
${addressLines(i.address)}
<p>${i.representative}</p>
<h2 class="heading-l">Kontakt</h2>
${contactLines(i.contact)}
<h2 class="heading-l">Registereintrag</h2>
<p>${i.registerEntry}</p>
${i.vatId ? html`<h2 class="heading-l">Umsatzsteuer-Identifikationsnummer</h2><p>${i.vatId}</p>` : null}
<p>Wie wir mit Ihren Daten umgehen, steht in der <a href="/info/datenschutz">Datenschutzerklärung</a>.</p>`,
      ),
    );
  });
}
