// The pages that explain the broker's codes: one per code (what a problem `type` URI and a clerk's result
// link to) and the list of all. The chosen language comes first; the other follows in its own section,
// marked with its `lang`, so one address serves both.
import { evidenceTypeName, FAMILY_TITLES, LANGUAGES, type CatalogueEntry, type CodeFamily, type CodeTexts, type Language } from '../../domain/error-catalogue.ts';
import { summaryList } from '../kit/components.ts';
import { html, type SafeHtml } from '../kit/html.ts';
import { renderPage } from '../kit/layout.ts';

const WORDS: Record<Language, Record<'code' | 'kind' | 'status' | 'evidence' | 'clerk' | 'citizen' | 'action' | 'all' | 'allLead' | 'inOther' | 'name' | 'unknown' | 'unknownText', string>> = {
  de: {
    code: 'Fehlercode',
    kind: 'Art',
    status: 'HTTP-Status',
    evidence: 'Nachweis',
    clerk: 'Für Sachbearbeitende und Fachverfahren',
    citizen: 'Für Bürgerinnen und Bürger',
    action: 'Was Sie tun können',
    all: 'Alle Fehlercodes',
    allLead: 'Jeder Code, den der Vermittlungsdienst meldet, mit einer Erklärung und dem, was Sie tun können.',
    inOther: 'Auf Deutsch',
    name: 'Deutsch',
    unknown: 'Diesen Fehlercode gibt es nicht',
    unknownText: 'Der Vermittlungsdienst meldet keinen Code mit diesem Namen. Prüfen Sie die Adresse, oder suchen Sie den Code in der Liste.',
  },
  en: {
    code: 'Error code',
    kind: 'Kind',
    status: 'HTTP status',
    evidence: 'Evidence',
    clerk: "For clerks and case-management systems",
    citizen: 'For citizens',
    action: 'What you can do',
    all: 'All error codes',
    allLead: 'Every code the broker reports, with an explanation and what you can do.',
    inOther: 'In English',
    name: 'English',
    unknown: 'There is no such error code',
    unknownText: 'The broker reports no code of this name. Check the address, or look the code up in the list.',
  },
};

const other = (lang: Language): Language => (lang === 'de' ? 'en' : 'de');

/** Links to the same page in every other language, each marked with the language it leads to. */
function languageSwitch(path: string, lang: Language): SafeHtml {
  const to = LANGUAGES.filter((l) => l !== lang);
  return html`<p class="language-switch">${to.map((l) => html`<a href="${path}?lang=${l}" hreflang="${l}" lang="${l}">${WORDS[l].name}</a>`)}</p>`;
}

/** Content in a language other than the page's own (German) is marked, so screen readers switch voice. */
function inLanguage(lang: Language, content: SafeHtml): SafeHtml {
  return lang === 'de' ? content : html`<div lang="${lang}">${content}</div>`;
}

function facts(entry: CatalogueEntry, lang: Language): SafeHtml {
  const w = WORDS[lang];
  return summaryList([
    { key: w.code, value: html`<code>${entry.code}</code>` },
    { key: w.kind, value: FAMILY_TITLES[entry.family][lang] },
    ...(entry.status !== null ? [{ key: w.status, value: String(entry.status) }] : []),
    ...(entry.evidenceType !== null ? [{ key: w.evidence, value: evidenceTypeName(entry.evidenceType, lang) }] : []),
  ]);
}

function explanation(texts: CodeTexts, lang: Language, level: 2 | 3): SafeHtml {
  const w = WORDS[lang];
  const heading = (text: string) => (level === 2 ? html`<h2 class="heading-m">${text}</h2>` : html`<h3 class="heading-s">${text}</h3>`);
  return html`${heading(w.clerk)}
<p>${texts.clerk}</p>
${heading(w.citizen)}
<p>${texts.citizen}</p>
${heading(w.action)}
<p>${texts.action}</p>`;
}

/** The page of one code, in `lang` first and then in the other language. */
export function problemPage(entry: CatalogueEntry, lang: Language, sandbox: boolean): string {
  const second = other(lang);
  const texts = entry[lang];
  return renderPage(
    { service: 'info', title: `${texts.title} (${entry.code})`, sandbox },
    html`${languageSwitch(`/problems/${entry.code}`, lang)}
${inLanguage(
  lang,
  html`<span class="caption">${WORDS[lang].code}</span>
<h1 class="heading-xl">${texts.title}</h1>
${facts(entry, lang)}
${explanation(texts, lang, 2)}`,
)}
<section lang="${second}" aria-labelledby="in-other-language">
<h2 class="heading-l" id="in-other-language">${WORDS[second].inOther}: ${entry[second].title}</h2>
${explanation(entry[second], second, 3)}
</section>
${inLanguage(lang, html`<p><a href="/problems?lang=${lang}">${WORDS[lang].all}</a></p>`)}`,
  );
}

/** Every code, grouped by where it comes from, each linking to its page. */
export function problemListPage(catalogue: readonly CatalogueEntry[], lang: Language, sandbox: boolean): string {
  const families = [...new Set(catalogue.map((e) => e.family))] as CodeFamily[];
  const w = WORDS[lang];
  return renderPage(
    { service: 'info', title: w.all, sandbox },
    html`${languageSwitch('/problems', lang)}
${inLanguage(
  lang,
  html`<h1 class="heading-xl">${w.all}</h1>
<p class="lead">${w.allLead}</p>
${families.map(
  (family) => html`<h2 class="heading-l">${FAMILY_TITLES[family][lang]}</h2>
<ul class="plain-list">
  ${catalogue.filter((e) => e.family === family).map((e) => html`<li><a href="/problems/${e.code}?lang=${lang}"><code>${e.code}</code></a>: ${e[lang].title}</li>`)}
</ul>`,
)}`,
)}`,
  );
}

/** The answer to an address under /problems that names no code. */
export function unknownProblemPage(lang: Language, sandbox: boolean): string {
  const w = WORDS[lang];
  return renderPage(
    { service: 'info', title: w.unknown, sandbox },
    inLanguage(lang, html`<h1 class="heading-xl">${w.unknown}</h1>
<p>${w.unknownText}</p>
<p><a href="/problems?lang=${lang}">${w.all}</a></p>`),
  );
}
