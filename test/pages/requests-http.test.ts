// The clerk's history (/ui/requests) over plain HTTP, on SQLite and PostgreSQL, against the real broker and
// register simulators: the authority's own lookups only, the filter and its bounds, a lookup's page, and
// fetching an item a register still owes.
import { expect } from 'chai';
import { directSqlOf } from '../../broker/db/database.ts';
import { SqlEvidenceRequestStore } from '../../broker/evidence/sql-evidence-request-store.ts';
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import { PURPOSES } from '../../broker/domain/codes.ts';
import { LEGAL_BASES } from '../../consent/legal-bases.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { logLines } from '../helpers/log-lines.ts';
import { PageClient, summaryErrors, titleOf } from './page-client.ts';

const CITIZEN = '86095742719';
const PASSWORD = 'Sehr geheim 2026!';
const OTHER_AUTHORITY = 'jobcenter-b';
const DAY = 86_400_000;

/** "2026-12-03" → "03.12.2026", as a clerk types it; `days` from today in UTC (Berlin is never behind). */
const germanDay = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10).split('-').reverse().join('.');

let formCounter = 0;
const newFormId = () => `00000000-0000-4000-9000-${String(++formCounter).padStart(12, '0')}`;
const lookupForm = (o: Record<string, string | string[]> = {}) => ({
  formId: newFormId(),
  idNr: CITIZEN,
  purpose: 'wohngeld',
  caseReference: 'WG-2026-0001',
  evidenceTypes: ['salary'],
  basis: 'legal-basis',
  legalBasis: 'wogg-23',
  insurerIk: ROUTING.insurerIk,
  residence: 'München',
  birthPlace: ROUTING.birthPlaceAgs,
  ...o,
});

/** The ids of the requests the list links to, in page order. */
const listedIds = (html: string) => [...html.matchAll(/<a href="\/ui\/requests\/([0-9a-f-]{36})">/g)].map((m) => m[1]!);

for (const kind of DATABASE_KINDS) {
  describe(`the clerk's history over HTTP (${kind})`, function () {
    this.timeout(60_000);
    let h: Harness;
    const logged = logLines('info');

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db, { log: logged.log });
      const ctx = h.broker.ctx;
      // Another authority with the same rights, so its clerk can look up the same citizen through the same page.
      const rights = { kind: 'authority' as const, region: 'DE-BY', evidenceTypes: [...EVIDENCE_TYPES], purposes: [...PURPOSES], legalBases: LEGAL_BASES.map((b) => b.code) };
      await ctx.participants.upsert({ id: OTHER_AUTHORITY, name: 'Jobcenter B', ...rights }, new Date());
      await ctx.pages.clerks.register({ username: 'anna', displayName: 'Anna Beispiel', participantId: AUTHORITY_ID, password: PASSWORD });
      await ctx.pages.clerks.register({ username: 'ben', displayName: 'Ben Beispiel', participantId: OTHER_AUTHORITY, password: PASSWORD });
    });
    after(async () => h?.close());

    async function signedInClerk(username = 'anna'): Promise<PageClient> {
      const c = new PageClient(h.url);
      await c.get('/ui/sign-in');
      const res = await c.post('/ui/sign-in', { username, password: PASSWORD });
      expect(res.status, res.html).to.equal(303);
      await c.get('/ui/lookup');
      return c;
    }

    /** A lookup through the page; the id of the request it made. */
    async function lookUp(c: PageClient, o: Record<string, string | string[]> = {}): Promise<string> {
      const res = await c.post('/ui/lookup', lookupForm(o));
      expect(res.status, summaryErrors(res.html).join()).to.equal(200);
      return /Nummer der Anfrage<\/dt><dd>([0-9a-f-]{36})</.exec(res.html)![1]!;
    }

    const transfers = () => h.broker.ctx.database.prisma.auditEntry.count({ where: { kind: 'transfer' } });

    it('is linked from the lookup\'s navigation and needs a signed-in clerk', async () => {
      const anonymous = new PageClient(h.url);
      for (const path of ['/ui/requests', '/ui/requests/00000000-0000-4000-8000-000000000000']) {
        const res = await anonymous.get(path);
        expect(res.status, path).to.equal(303);
        expect(res.location, path).to.equal('/ui/sign-in');
      }
      const c = await signedInClerk();
      const lookup = await c.get('/ui/lookup');
      expect(lookup.html).to.match(/<nav class="service-nav"[^>]*>[\s\S]*<a class="service-nav__link" href="\/ui\/requests">Bisherige Abrufe<\/a>/);
      const list = await c.get('/ui/requests');
      expect(list.status).to.equal(200);
      expect(titleOf(list.html)).to.equal('Bisherige Abrufe – Nachweisabruf');
      expect(list.html).to.include('<a class="service-nav__link" href="/ui/requests" aria-current="page">Bisherige Abrufe</a>');
    });

    it('lists the authority\'s own lookups newest first, with the IdNr\'s last digits only, and never another authority\'s', async () => {
      const anna = await signedInClerk();
      const ben = await signedInClerk('ben');
      const first = await lookUp(anna, { caseReference: 'OWN-1' });
      const theirs = await lookUp(ben, { caseReference: 'OWN-1' });
      const second = await lookUp(anna, { caseReference: 'OWN-1', evidenceTypes: ['salary', 'income'] });
      const mine = await anna.get('/ui/requests?caseReference=OWN-1');
      expect(mine.status).to.equal(200);
      expect(listedIds(mine.html)).to.deep.equal([second, first]);
      expect(mine.html).to.include('<h2 class="heading-l" id="list-title">2 passende Abrufe</h2>');
      expect(mine.html).to.include('<td>endet auf 719</td>');
      expect(mine.html).to.include('Einkommen laut Steuerbescheid');
      expect(mine.html).to.include(`OWN-1<span class="visually-hidden"> vom `);
      for (const personal of [CITIZEN, '86 095 742 719', theirs]) expect(mine.html).to.not.include(personal);
      expect(listedIds((await ben.get('/ui/requests?caseReference=OWN-1')).html)).to.deep.equal([theirs]);
    });

    it('opens a lookup with its items and outcome, and another authority\'s or an unknown one is "not found"', async () => {
      const anna = await signedInClerk();
      const id = await lookUp(anna, { caseReference: 'OPEN-1', evidenceTypes: ['salary', 'income'] });
      const page = await anna.get(`/ui/requests/${id}`);
      expect(page.status).to.equal(200);
      expect(titleOf(page.html)).to.equal('Abruf OPEN-1 – Nachweisabruf');
      expect(page.html).to.match(/<p class="lead">Status: <strong class="tag tag--green">Vollständig beantwortet<\/strong><\/p>/);
      expect(page.html).to.include('<dt>Steuer-ID</dt><dd>86 095 742 719</dd>');
      expect(page.html).to.include('Deutsche Rentenversicherung Bund – rvBEA');
      expect(page.html).to.include('Bayerisches Landesamt für Steuern');
      // The data were shown once, at the lookup; the page says so and shows the hash instead.
      expect(page.html).to.include('Die Daten wurden beim Abruf angezeigt');
      expect(page.html).to.not.include('Daten aus dem Register');
      expect(page.html).to.not.include('/pending');

      const ben = await signedInClerk('ben');
      const before = await transfers();
      for (const path of [`/ui/requests/${id}`, '/ui/requests/00000000-0000-4000-8000-000000000000', '/ui/requests/not-an-id']) {
        const res = await ben.get(path);
        expect(res.status, path).to.equal(404);
        expect(titleOf(res.html), path).to.equal('Seite nicht gefunden – Nachweisabruf');
        expect(res.html, path).to.not.include('OPEN-1');
      }
      expect((await ben.post(`/ui/requests/${id}/pending`, {})).status).to.equal(404);
      expect(await transfers()).to.equal(before);
    });

    describe('with an item a register answers later', () => {
      let id: string;
      beforeEach(async () => {
        h.sims.byType.salary.setBehaviour({ fault: 'pending' });
        id = await lookUp(await signedInClerk(), { caseReference: `LATER-${formCounter}`, evidenceTypes: ['salary', 'income'] });
      });
      afterEach(() => h.sims.byType.salary.setBehaviour({ fault: 'none' }));

      it('shows it pending without asking the register, and the button fetches it once, audited, shown once', async () => {
        const anna = await signedInClerk();
        h.sims.byType.salary.setBehaviour({ fault: 'none' });
        const viewed = await anna.get(`/ui/requests/${id}`);
        // Opening the page asks no register: the item stays pending until the button is pressed.
        expect(viewed.html).to.include('Antwort steht noch aus');
        expect(viewed.html).to.match(/<form method="post" action="\/ui\/requests\/[0-9a-f-]{36}\/pending"[^>]*>\s*<input type="hidden" name="_csrf"/);
        expect(viewed.html).to.include('Ausstehende Nachweise abholen');
        expect(listedIds((await anna.get('/ui/requests?status=pending')).html)).to.include(id);

        const before = await transfers();
        const refused = await anna.post(`/ui/requests/${id}/pending`, {}, null);
        expect(refused.status).to.equal(403);
        expect(await transfers()).to.equal(before);

        const fetched = await anna.post(`/ui/requests/${id}/pending`, {});
        expect(fetched.status).to.equal(200);
        expect(fetched.html).to.include('Eine Antwort ist eingetroffen');
        expect(fetched.html).to.include('Daten aus dem Register');
        expect(fetched.html).to.include('Jetzt steht nichts mehr aus.');
        expect(fetched.html).to.match(/Status: <strong class="tag tag--green">Vollständig beantwortet/);
        expect(await transfers()).to.equal(before + 1);
        const entry = await h.broker.ctx.database.prisma.auditDetail.findFirstOrThrow({ where: { actorId: AUTHORITY_ID, entry: { kind: 'transfer' } }, orderBy: { seq: 'desc' } });
        expect(JSON.parse(entry.details)).to.deep.include({ completes: id });

        // Sent again (a reload): nothing is owed any more, nothing is fetched or shown again.
        const again = await anna.post(`/ui/requests/${id}/pending`, {});
        expect(again.status).to.equal(200);
        expect(again.html).to.include('Es steht nichts mehr aus');
        expect(again.html).to.not.include('Daten aus dem Register');
        expect(await transfers()).to.equal(before + 1);
        expect(listedIds((await anna.get('/ui/requests?status=pending')).html)).to.not.include(id);
        // The address of the answer, opened again, leads to the request.
        expect((await anna.get(`/ui/requests/${id}/pending`)).location).to.equal(`/ui/requests/${id}`);
        // What was logged names the clerk and the request, never the citizen.
        const line = logged.lines.find((l) => l.includes('clerk-fetched-pending') && l.includes(id));
        expect(line).to.be.a('string');
        expect(JSON.parse(line!)).to.deep.include({ arrived: 1, stillPending: 0 });
        for (const l of logged.lines) expect(l).to.not.include(CITIZEN);
      });

      it('says so when the register does not answer the poll, and keeps the item pending', async () => {
        const anna = await signedInClerk();
        // The simulator answers every poll of a known ticket in full; a register that fails is one that has not answered.
        h.sims.byType.salary.setBehaviour({ fault: 'http-500' });
        const before = await transfers();
        const res = await anna.post(`/ui/requests/${id}/pending`, {});
        expect(res.status).to.equal(200);
        expect(res.html).to.include('Noch keine neue Antwort');
        expect(res.html).to.include('Antwort steht noch aus');
        expect(res.html).to.include('Ausstehende Nachweise abholen');
        expect(await transfers()).to.equal(before);
      });
    });

    describe('the filter', () => {
      it('pages with a bounded page size, keeping the filter in the links', async () => {
        const anna = await signedInClerk();
        const made: string[] = [];
        for (let i = 0; i < 12; i++) made.push(await lookUp(anna, { caseReference: 'PAGE/1' }));
        const newestFirst = [...made].reverse();
        const one = await anna.get('/ui/requests?caseReference=PAGE%2F1&size=10');
        expect(one.status).to.equal(200);
        expect(listedIds(one.html)).to.deep.equal(newestFirst.slice(0, 10));
        expect(one.html).to.include('<caption>Abrufe 1 bis 10 von 12</caption>');
        expect(one.html).to.include('<p>Seite 1 von 2</p>');
        expect(one.html).to.not.include('rel="prev"');
        const next = /<a class="button button--secondary" rel="next" href="([^"]+)">/.exec(one.html)![1]!.replace(/&amp;/g, '&');
        expect(next).to.equal('/ui/requests?caseReference=PAGE%2F1&size=10&page=2');
        const two = await anna.get(next);
        expect(listedIds(two.html)).to.deep.equal(newestFirst.slice(10));
        expect(two.html).to.include('<caption>Abrufe 11 bis 12 von 12</caption>');
        expect(two.html).to.include('rel="prev" href="/ui/requests?caseReference=PAGE%2F1&amp;size=10"');
        expect(two.html).to.not.include('rel="next"');
        // The default page holds 25; no page holds more than 100.
        expect(listedIds((await anna.get('/ui/requests?caseReference=PAGE%2F1')).html)).to.have.length(12);
        // A page past the end: 400, the error at the pagination, the filter's first page.
        const beyond = await anna.get('/ui/requests?caseReference=PAGE%2F1&size=10&page=3');
        expect(beyond.status).to.equal(400);
        expect(summaryErrors(beyond.html)).to.deep.equal(['page: Seite 3 gibt es nicht: die Liste hat 2 Seiten']);
        expect(beyond.html).to.include('<nav class="button-group no-print" id="page" tabindex="-1" aria-label="Seiten der Liste">');
        expect(listedIds(beyond.html)).to.deep.equal(newestFirst.slice(0, 10));
      });

      it('filters by creation day (Berlin), from and to inclusive', async () => {
        const anna = await signedInClerk();
        const today = await lookUp(anna, { caseReference: 'DAYS-1' });
        // A lookup three days ago, written as the evidence path writes one.
        const store = new SqlEvidenceRequestStore(h.broker.ctx.database.prisma);
        const old = '00000000-0000-4000-8000-00000000da75';
        const createdAt = new Date(Date.now() - 3 * DAY);
        const held = {
          id: old, participantId: AUTHORITY_ID, citizenIdNr: CITIZEN, purpose: 'wohngeld' as const, caseReference: 'DAYS-1', onBehalfOf: null, periodFrom: '2025-01', periodTo: '2025-12',
          consentId: null, legalBasis: 'wogg-23', status: 'in-progress', createdAt, answeredAt: null, auditSeq: null, evidenceTypes: ['salary' as const], mode: 'sync' as const,
          idempotencyKeyHash: null, requestHash: 'h', lockedUntil: createdAt, lockToken: 'lock', resultCipher: null, resultExpiresAt: null, routing: null,
        };
        await store.insert(held);
        const item = { type: 'salary' as const, register: null, registerName: null, status: 'not-found' as const, reason: null, fetchedAt: createdAt, dataHash: null, pendingTicket: null };
        await store.recordAnswer(directSqlOf(h.broker.ctx.database.prisma), held, { status: 'complete', answeredAt: createdAt, auditSeq: 1, resultCipher: null, resultExpiresAt: null }, [item]);

        const list = async (q: string) => listedIds((await anna.get(`/ui/requests?caseReference=DAYS-1&${q}`)).html);
        expect(await list('')).to.deep.equal([today, old]);
        expect(await list(`from=${germanDay(-1)}`)).to.deep.equal([today]);
        expect(await list(`to=${germanDay(-2)}`)).to.deep.equal([old]);
        expect(await list(`from=${germanDay(-4)}&to=${germanDay(-2)}`)).to.deep.equal([old]);
        expect(await list(`from=${germanDay(1)}`)).to.deep.equal([]);
        const none = await anna.get(`/ui/requests?caseReference=DAYS-1&from=${germanDay(1)}`);
        expect(none.html).to.include('Kein Abruf passt zu diesem Filter');
        expect(none.html).to.include('<a href="/ui/requests">Filter zurücksetzen</a>');
      });

      it('filters by status', async () => {
        const anna = await signedInClerk();
        h.sims.byType.income.setBehaviour({ fault: 'http-500' });
        let partial: string;
        try {
          partial = await lookUp(anna, { caseReference: 'STATUS-1', evidenceTypes: ['salary', 'income'] });
        } finally {
          h.sims.byType.income.setBehaviour({ fault: 'none' });
        }
        const complete = await lookUp(anna, { caseReference: 'STATUS-1' });
        const list = async (status: string) => listedIds((await anna.get(`/ui/requests?caseReference=STATUS-1&status=${status}`)).html);
        expect(await list('partial')).to.deep.equal([partial]);
        expect(await list('complete')).to.deep.equal([complete]);
        expect(await list('failed')).to.deep.equal([]);
        expect(await list('')).to.deep.equal([complete, partial]);
      });

      it('answers bad values with 400, an error summary and each message at its field, never 500', async () => {
        const anna = await signedInClerk();
        const cases: [string, string[]][] = [
          ['page=0', ['page: Die Seitenzahl ist eine ganze Zahl ab 1']],
          ['page=-1', ['page: Die Seitenzahl ist eine ganze Zahl ab 1']],
          ['page=abc', ['page: Die Seitenzahl ist eine ganze Zahl ab 1']],
          ['page=1e3', ['page: Die Seitenzahl ist eine ganze Zahl ab 1']],
          ['page=1.5', ['page: Die Seitenzahl ist eine ganze Zahl ab 1']],
          ['page=99999999999999999999', ['page: Die Seitenzahl ist eine ganze Zahl ab 1']],
          ['page=999999', ['page: Seite 999999 gibt es nicht: die Liste hat nur eine Seite']],
          ['size=7', ['size: Wählen Sie aus, wie viele Abrufe eine Seite zeigt: 10, 25, 50, 100']],
          ['size=100000', ['size: Wählen Sie aus, wie viele Abrufe eine Seite zeigt: 10, 25, 50, 100']],
          ['status=deleted', ['status: Wählen Sie einen Status aus der Liste aus']],
          ['from=31.02.2026&to=2026-13-01', ['from: Geben Sie das Datum „von“ als TT.MM.JJJJ an, zum Beispiel 01.01.2026', 'to: Geben Sie das Datum „bis“ als TT.MM.JJJJ an, zum Beispiel 31.12.2026']],
          ['from=02.01.2026&to=01.01.2026', ['from: Das Datum „von“ darf nicht nach dem Datum „bis“ liegen']],
          [`caseReference=${'A'.repeat(101)}`, ['caseReference: Das Aktenzeichen hat höchstens 100 Zeichen']],
          ['caseReference=%3Cb%3Ex%3C%2Fb%3E', ['caseReference: Ein Aktenzeichen enthält nur Buchstaben, Ziffern, Leerzeichen und die Zeichen . _ / -']],
        ];
        for (const [query, errors] of cases) {
          // A filter that matches nothing of the other tests', unless the case itself is about the case reference.
          const res = await anna.get(`/ui/requests?${query.startsWith('caseReference=') ? '' : 'caseReference=NOTHING-HERE&'}${query}`);
          expect(res.status, query).to.equal(400);
          expect(summaryErrors(res.html), query).to.deep.equal(errors);
          expect(titleOf(res.html), query).to.equal('Fehler: Bisherige Abrufe – Nachweisabruf');
          for (const field of errors.map((e) => e.split(':')[0]!).filter((f) => f !== 'page')) {
            expect(res.html, query).to.match(new RegExp(`id="${field}"[^>]*aria-describedby="[^"]*${field}-error"[^>]*aria-invalid="true"`));
          }
        }
        // What was typed comes back escaped, never as markup.
        const typed = await anna.get('/ui/requests?caseReference=%3Cb%3Ex%3C%2Fb%3E');
        expect(typed.html).to.include('value="&lt;b&gt;x&lt;/b&gt;"');
        expect(typed.html).to.not.include('<b>x</b>');
        // A name given twice counts once (the first), as in every form here.
        expect((await anna.get('/ui/requests?page=1&page=2')).status).to.equal(200);
      });
    });
  });
}
