// /problems and /problems/<code>: what every problem `type` URI (PROBLEM_BASE_URL + code) and every item
// reason on the clerk's result leads to. Public, no session: an HTML page in German with an English section
// (English first with ?lang=en or Accept-Language), or the catalogue entry as JSON when the caller asks for it.
import type { Request, Response, Router } from 'express';
import type { Context } from '../../context.ts';
import { ERROR_CATALOGUE, explainCode, LANGUAGES, type CatalogueEntry, type Language } from '../../domain/error-catalogue.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { problemBody } from '../../http/problem-response.ts';
import { pageSecurityHeaders, sendPage } from '../kit/security.ts';
import { problemListPage, problemPage, unknownProblemPage } from './template.ts';

/** ?lang=de|en first, then the browser's Accept-Language; German when neither names one of ours. */
function languageOf(req: Request): Language {
  const asked = req.query.lang;
  if (typeof asked === 'string' && (LANGUAGES as readonly string[]).includes(asked)) return asked as Language;
  const accepted = req.acceptsLanguages(...LANGUAGES);
  return accepted === false ? 'de' : (accepted as Language);
}

/** JSON only when the caller prefers it to HTML (a browser's Accept names text/html first). */
function wantsJson(req: Request): boolean {
  const best = req.accepts(['text/html', 'application/json', 'application/problem+json']);
  return best === 'application/json' || best === 'application/problem+json';
}

function asJson(entry: CatalogueEntry, base: string) {
  return { code: entry.code, href: base + entry.code, family: entry.family, status: entry.status, evidenceType: entry.evidenceType, de: entry.de, en: entry.en };
}

export default function problemPages(router: Router, ctx: Context): void {
  const sandbox = ctx.cfg.demo;
  const base = ctx.cfg.problemBaseUrl;
  router.use('/problems', pageSecurityHeaders);

  router.get('/problems', (req: Request, res: Response) => {
    res.vary('Accept').vary('Accept-Language');
    if (wantsJson(req)) return void res.json({ codes: ERROR_CATALOGUE.map((e) => asJson(e, base)) });
    sendPage(res, 200, problemListPage(ERROR_CATALOGUE, languageOf(req), sandbox));
  });

  router.get('/problems/:code', (req: Request, res: Response) => {
    res.vary('Accept').vary('Accept-Language');
    const entry = explainCode(String(req.params.code));
    const json = wantsJson(req);
    // NOTE: the unknown name is never repeated (no `instance` either): an address may carry anything, an IdNr too.
    if (entry === undefined) {
      if (json) return void res.status(404).type('application/problem+json').json(problemBody(new NotFoundError('This error code'), base));
      return sendPage(res, 404, unknownProblemPage(languageOf(req), sandbox));
    }
    if (json) return void res.json(asJson(entry, base));
    sendPage(res, 200, problemPage(entry, languageOf(req), sandbox));
  });
}
