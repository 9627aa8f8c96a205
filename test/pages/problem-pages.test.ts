// The pages that explain the broker's codes, over HTTP on SQLite and PostgreSQL: one page per code of the
// catalogue (German with an English section, English first on request, JSON when asked for), 404 for a name
// that is no code, the `type` of a real problem+json answer opening its page on the same broker, and the
// clerk's result saying in words why an item failed, with the code and a link to its page.
import net from 'node:net';
import { expect } from 'chai';
import { envToConfig, readEnv } from '../../broker/config/config.ts';
import { ERROR_CATALOGUE, explainCode } from '../../broker/domain/error-catalogue.ts';
import { escapeHtml } from '../../broker/pages/kit/html.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PageClient } from './page-client.ts';

const CITIZEN = '86095742719';
const PASSWORD = 'Sehr geheim 2026!';

/** A port free right now, so the broker can listen where its default PROBLEM_BASE_URL (from PORT) points. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text(), headers: res.headers };
}

/** The page's first-level heading, and whether it sits in an element marked lang="en". */
const h1Of = (page: string) => /<h1 class="heading-xl">([^<]*)<\/h1>/.exec(page)?.[1];

for (const kind of DATABASE_KINDS) {
  describe(`the problem pages (${kind})`, function () {
    this.timeout(60_000);
    let h: Harness;
    let base: string;

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      // NOTE: no PROBLEM_BASE_URL: the default the configuration derives from PORT must lead to this broker.
      const port = await freePort();
      h = await startHarness(db, { config: { port, problemBaseUrl: envToConfig(readEnv({ PORT: String(port) })).problemBaseUrl } });
      base = h.broker.ctx.cfg.problemBaseUrl;
      await h.broker.ctx.pages.clerks.register({ username: 'anna', displayName: 'Anna Beispiel', participantId: AUTHORITY_ID, password: PASSWORD });
    });
    after(async () => h?.close());
    afterEach(() => {
      for (const sim of Object.values(h?.sims.byType ?? {})) sim.reset();
    });

    describe('GET /problems/<code>', () => {
      it('answers every code of the catalogue with a German page that has an English section, under the pages\' security headers', async () => {
        for (const entry of ERROR_CATALOGUE) {
          const res = await get(`${h.url}/problems/${entry.code}`);
          expect(res.status, entry.code).to.equal(200);
          expect(res.type).to.match(/^text\/html; charset=utf-8/);
          expect(res.headers.get('content-security-policy')).to.include("default-src 'none'");
          expect(h1Of(res.text), entry.code).to.equal(escapeHtml(entry.de.title));
          expect(res.text).to.include(`<code>${entry.code}</code>`);
          for (const text of [entry.de.clerk, entry.de.citizen, entry.de.action, entry.en.clerk, entry.en.citizen, entry.en.action]) {
            expect(res.text, entry.code).to.include(escapeHtml(text));
          }
          const english = res.text.indexOf('<section lang="en"');
          expect(english, entry.code).to.be.greaterThan(res.text.indexOf(escapeHtml(entry.de.action)));
          expect(res.text.slice(english)).to.include(escapeHtml(entry.en.clerk));
        }
      });

      it('puts English first, marked lang="en", for ?lang=en and for a browser that prefers English; German otherwise', async () => {
        const entry = explainCode('SALARY_TIMEOUT')!;
        for (const [query, headers] of [['?lang=en', {}], ['', { 'accept-language': 'en-GB,en;q=0.9,de;q=0.5' }]] as const) {
          const res = await get(`${h.url}/problems/SALARY_TIMEOUT${query}`, headers);
          expect(res.status).to.equal(200);
          expect(h1Of(res.text)).to.equal(escapeHtml(entry.en.title));
          expect(res.text).to.match(/<div lang="en"><span class="caption">Error code<\/span>/);
          expect(res.text).to.include(`<section lang="de"`);
          expect(res.text).to.include('href="/problems/SALARY_TIMEOUT?lang=de" hreflang="de" lang="de">Deutsch</a>');
        }
        for (const [query, headers] of [['?lang=de', { 'accept-language': 'en' }], ['', { 'accept-language': 'fr-FR' }], ['?lang=xx', {}]] as const) {
          expect(h1Of((await get(`${h.url}/problems/SALARY_TIMEOUT${query}`, headers)).text), `${query} ${JSON.stringify(headers)}`).to.equal(entry.de.title);
        }
      });

      it('answers the catalogue entry as JSON when the caller asks for JSON', async () => {
        const res = await get(`${h.url}/problems/CONSENT_REVOKED`, { accept: 'application/json' });
        expect(res.status).to.equal(200);
        expect(res.type).to.match(/^application\/json/);
        const body = JSON.parse(res.text);
        const entry = explainCode('CONSENT_REVOKED')!;
        expect(body).to.deep.equal({ code: 'CONSENT_REVOKED', href: `${base}CONSENT_REVOKED`, family: 'withdrawn-basis', status: null, evidenceType: null, de: entry.de, en: entry.en });
      });

      it('answers a name that is no code with 404, as a page or as problem+json, never repeating the name', async () => {
        const page = await get(`${h.url}/problems/SALARY_86095742719`);
        expect(page.status).to.equal(404);
        expect(page.type).to.match(/^text\/html/);
        expect(h1Of(page.text)).to.equal('Diesen Fehlercode gibt es nicht');
        expect(page.text).to.not.include('86095742719');
        const json = await get(`${h.url}/problems/salary_timeout`, { accept: 'application/json' });
        expect(json.status).to.equal(404);
        expect(json.type).to.match(/^application\/problem\+json/);
        expect(JSON.parse(json.text)).to.include({ code: 'not-found', type: `${base}not-found` });
        expect(json.text).to.not.include('salary_timeout');
      });

      it('lists every code at /problems, each linking to its page', async () => {
        const res = await get(`${h.url}/problems`);
        expect(res.status).to.equal(200);
        expect(h1Of(res.text)).to.equal('Alle Fehlercodes');
        for (const entry of ERROR_CATALOGUE) expect(res.text).to.include(`<a href="/problems/${entry.code}?lang=de"><code>${entry.code}</code></a>`);
        const json = JSON.parse((await get(`${h.url}/problems`, { accept: 'application/json' })).text);
        expect(json.codes.map((c: { code: string }) => c.code)).to.deep.equal(ERROR_CATALOGUE.map((e) => e.code));
      });
    });

    describe('the `type` of a real error', () => {
      it('opens the page of its code on the same broker (invalid-request, consent-required and its refusal)', async () => {
        const invalid = await h.call('POST', '/v1/evidence-requests', {
          body: { citizen: { idNr: '86095742718' }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: 'EG-1' },
        });
        expect(invalid.status).to.equal(400);
        const refused = await h.call('POST', '/v1/evidence-requests', { body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: 'EG-2' } });
        expect(refused.status).to.equal(403);
        expect(refused.body.refusal).to.equal('no-consent');
        for (const problem of [invalid.body, refused.body]) {
          expect(problem.type).to.equal(`${base}${problem.code}`);
          expect(problem.type.startsWith(`${h.url}/problems/`), `${problem.type} is on ${h.url}`).to.equal(true);
          const page = await get(problem.type);
          expect(page.status, problem.type).to.equal(200);
          expect(h1Of(page.text)).to.equal(explainCode(problem.code)!.de.title);
          expect(JSON.parse((await get(problem.type, { accept: 'application/json' })).text).code).to.equal(problem.code);
        }
        expect((await get(`${base}${refused.body.refusal}`)).status).to.equal(200);
      });

      it('is the same URI in the XML error document', async () => {
        const res = await fetch(`${h.url}/v1/evidence-requests`, {
          method: 'POST',
          headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json', accept: 'application/xml' },
          body: JSON.stringify({ citizen: { idNr: '86095742718' }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: 'EG-3' }),
        });
        expect(res.status).to.equal(400);
        expect(await res.text()).to.include(`<typ>${base}invalid-request</typ>`);
      });

      it('has a page for an item reason the API reports', async () => {
        // NOTE: faults that are not retried, so this file's failures stay below the register's circuit breaker threshold.
        h.sims.byType.salary.setBehaviour({ fault: 'wrong-citizen' });
        const res = await h.call('POST', '/v1/evidence-requests', {
          body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: 'EG-4', legalBasis: 'beeg-9', routing: ROUTING },
        });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        const code = res.body.evidence[0].reason.code;
        expect(code).to.equal('SALARY_REJECTED_ANSWER');
        expect((await get(`${base}${code}`)).status).to.equal(200);
      });
    });

    describe("the clerk's result", () => {
      it('says why an item failed in words, what to do, and its code linked to the code\'s page', async () => {
        const c = new PageClient(h.url);
        await c.get('/ui/sign-in');
        expect((await c.post('/ui/sign-in', { username: 'anna', password: PASSWORD })).status).to.equal(303);
        const form = await c.get('/ui/lookup');
        const formId = /name="formId" value="([^"]+)"/.exec(form.html)![1]!;
        h.sims.byType.salary.setBehaviour({ fault: 'malformed-xml' });
        const res = await c.post('/ui/lookup', {
          formId,
          idNr: CITIZEN,
          purpose: 'elterngeld',
          caseReference: 'EG-PROBLEM',
          evidenceTypes: ['salary'],
          basis: 'legal-basis',
          legalBasis: 'beeg-9',
        });
        expect(res.status).to.equal(200);
        const entry = explainCode('SALARY_MALFORMED_ANSWER')!;
        expect(res.html).to.include(`<strong class="tag tag--red">${escapeHtml(entry.de.title)}</strong> <span class="status-hint">${escapeHtml(entry.de.clerk)}</span>`);
        expect(res.html).to.include(`<dt>Was Sie tun können</dt><dd>${escapeHtml(entry.de.action)}</dd>`);
        expect(res.html).to.include('<dt>Fehlercode</dt><dd><code>SALARY_MALFORMED_ANSWER</code> <a class="no-print" href="/problems/SALARY_MALFORMED_ANSWER">Erklärung zu SALARY_MALFORMED_ANSWER</a></dd>');
        expect(res.html).to.not.include('Register nicht erreichbar');
        const explained = await c.get('/problems/SALARY_MALFORMED_ANSWER');
        expect(explained.status).to.equal(200);
        expect(h1Of(explained.html)).to.equal(escapeHtml(entry.de.title));
      });
    });
  });
}
