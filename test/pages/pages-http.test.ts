// The pages over plain HTTP, on SQLite and PostgreSQL: sessions and their cookies, CSRF, lock-out,
// sign-out, the clerk's lookup, the citizen's cockpit, and that no citizen ever sees another's data.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { schemaErrors } from '../../adapters/xml-schemas.ts';
import { transferLogSchema } from '../../broker/audit/transfer-log-xml.ts';
import { seedDemo } from '../../broker/ops/demo.ts';
import { startBroker } from '../../broker/http/server.ts';
import { keyFilesFor } from '../helpers/broker-process.ts';
import { testConfig } from '../helpers/test-config.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { sandboxDirectoryEntries } from '../../broker/directory/sandbox-directory.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { daysAgo } from '../helpers/paper-form.ts';
import { PageClient, summaryErrors, titleOf } from './page-client.ts';

const CITIZEN = '86095742719';
const OTHER_CITIZEN = '47930158243';
/** The citizen of the routing tests, so their transfers and paper consents stay out of the others'. */
const ROUTED_CITIZEN = '33974156828';
const PASSWORD = 'Sehr geheim 2026!';
const OTHER_AUTHORITY = 'wohngeldstelle-b';
const MINUTE = 60_000;

const lookupForm = (formId: string, o: Record<string, string | string[]> = {}) => ({
  formId,
  idNr: CITIZEN,
  purpose: 'elterngeld',
  caseReference: 'EG-2026-0001',
  evidenceTypes: ['salary'],
  basis: 'legal-basis',
  legalBasis: 'beeg-9',
  // The routing hints as a clerk gives them; only those of the chosen types are read.
  insurerIk: ROUTING.insurerIk,
  residence: 'München',
  birthPlace: ROUTING.birthPlaceAgs,
  ...o,
});
/** "2026-12-03" → "03.12.2026", as a clerk types it. */
const germanDate = (day: string) => day.split('-').reverse().join('.');
/** An end of validity a paper consent may have (within CONSENT_MAX_VALIDITY_DAYS). */
const inHalfAYear = () => germanDate(daysAgo(-180));
let formCounter = 0;
const newFormId = () => `00000000-0000-4000-8000-${String(++formCounter).padStart(12, '0')}`;

for (const kind of DATABASE_KINDS) {
  describe(`pages over HTTP (${kind})`, function () {
    this.timeout(60_000);
    let h: Harness;
    let offset = 0;
    const clock = () => new Date(Date.now() + offset);

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db, { clock });
      const ctx = h.broker.ctx;
      await ctx.participants.upsert({ id: OTHER_AUTHORITY, name: 'Wohngeldstelle B', kind: 'authority', region: 'DE-BY', evidenceTypes: ['income'], purposes: ['wohngeld'], legalBases: [] }, new Date());
      await ctx.pages.clerks.register({ username: 'anna', displayName: 'Anna Beispiel', participantId: AUTHORITY_ID, password: PASSWORD });
      await ctx.pages.clerks.register({ username: 'ben', displayName: 'Ben Beispiel', participantId: OTHER_AUTHORITY, password: PASSWORD });
    });
    after(async () => h?.close());
    afterEach(() => (offset = 0));

    async function signedInClerk(username = 'anna'): Promise<PageClient> {
      const c = new PageClient(h.url);
      await c.get('/ui/sign-in');
      const res = await c.post('/ui/sign-in', { username, password: PASSWORD });
      expect(res.status, res.html).to.equal(303);
      await c.get('/ui/lookup');
      return c;
    }

    async function signedInCitizen(idNr: string): Promise<PageClient> {
      const c = new PageClient(h.url);
      await c.get('/cockpit/sign-in');
      const res = await c.post('/cockpit/sign-in', { idNr });
      expect(res.status, res.html).to.equal(303);
      await c.get('/cockpit');
      return c;
    }

    const auditEntries = async () => h.broker.ctx.database.prisma.auditEntry.count();
    const transfers = async () => h.broker.ctx.database.prisma.auditEntry.count({ where: { kind: 'transfer' } });

    describe('every page', () => {
      it('is German HTML with a strict Content-Security-Policy, no framing and no caching', async () => {
        const res = await new PageClient(h.url).get('/ui/sign-in');
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-type')).to.match(/^text\/html; charset=utf-8/);
        expect(res.html).to.match(/^<!doctype html>\n<html lang="de">/);
        const csp = res.headers.get('content-security-policy') ?? '';
        for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "form-action 'self'", "frame-ancestors 'none'"]) {
          expect(csp).to.include(directive);
        }
        expect(res.html).to.not.match(/<script>|\sstyle="|\son[a-z]+="/);
        expect(res.headers.get('x-frame-options')).to.equal('DENY');
        expect(res.headers.get('cache-control')).to.equal('no-store');
      });

      it('answers unknown addresses with an HTML page, and /ui leads to the lookup', async () => {
        const c = new PageClient(h.url);
        const missing = await c.get('/cockpit/nothing-here');
        expect(missing.status).to.equal(404);
        expect(titleOf(missing.html)).to.equal('Seite nicht gefunden – Datenschutzcockpit');
        expect((await c.get('/ui')).location).to.equal('/ui/lookup');
        expect((await c.get('/info/barrierefreiheit')).html).to.include('Barrieren melden');
      });
    });

    describe('clerk sign-in', () => {
      it('sends to sign-in first; the session cookie is HttpOnly, SameSite=Lax, Path=/, and a new id at sign-in', async () => {
        const c = new PageClient(h.url);
        const first = await c.get('/ui/lookup');
        expect(first.status).to.equal(303);
        expect(first.location).to.equal('/ui/sign-in');
        // Before sign-in only the form's signed token is kept, in a cookie of its own (no session exists yet).
        const page = await c.get('/ui/sign-in');
        expect(page.headers.getSetCookie()).to.have.length(1);
        expect(page.headers.getSetCookie()[0]).to.match(/^eb_clerk_form=[A-Za-z0-9_-]{99,101}; Path=\/; HttpOnly; SameSite=Lax$/);
        // A session id planted before sign-in is never adopted: no session fixation.
        const planted = 'x'.repeat(43);
        c.cookies.set('eb_clerk', planted);
        const res = await c.post('/ui/sign-in', { username: ' Anna ', password: PASSWORD });
        expect(res.status).to.equal(303);
        expect(res.location).to.equal('/ui/lookup');
        expect(res.headers.getSetCookie().find((h) => h.startsWith('eb_clerk='))).to.match(/^eb_clerk=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
        expect(c.cookies.get('eb_clerk')).to.be.a('string').and.not.equal(planted);
        expect(c.cookies.has('eb_clerk_form')).to.equal(false);
        expect((await c.get('/ui/lookup')).status).to.equal(200);
      });

      it('says the same for an unknown name and a wrong password, with the error tied to the field', async () => {
        const c = new PageClient(h.url);
        await c.get('/ui/sign-in');
        const wrong = await c.post('/ui/sign-in', { username: 'anna', password: 'falsch falsch' });
        const unknown = await c.post('/ui/sign-in', { username: 'niemand', password: 'falsch falsch' });
        expect(wrong.status).to.equal(400);
        expect(unknown.status).to.equal(400);
        expect(summaryErrors(wrong.html)).to.deep.equal(['password: Benutzername oder Passwort ist falsch.']);
        expect(summaryErrors(unknown.html)).to.deep.equal(summaryErrors(wrong.html));
        expect(titleOf(wrong.html)).to.equal('Fehler: Anmelden – Nachweisabruf');
        expect(wrong.html).to.match(/id="password"[^>]*aria-describedby="password-hint password-error"[^>]*aria-invalid="true"/);
        expect(wrong.html).to.include('value="anna"');
        expect(wrong.html).to.not.include('falsch falsch');
        const empty = await c.post('/ui/sign-in', { username: '', password: '' });
        expect(summaryErrors(empty.html)).to.deep.equal(['username: Geben Sie Ihren Benutzernamen ein', 'password: Geben Sie Ihr Passwort ein']);
        await h.broker.ctx.pages.clerks.register({ username: 'anna', displayName: 'Anna Beispiel', participantId: AUTHORITY_ID, password: PASSWORD });
      });

      it('locks a user name for 15 minutes after 5 failures, even with the right password, and unlocks after', async () => {
        const c = new PageClient(h.url);
        await c.get('/ui/sign-in');
        await h.broker.ctx.pages.clerks.register({ username: 'carla', displayName: 'Carla', participantId: AUTHORITY_ID, password: PASSWORD });
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push((await c.post('/ui/sign-in', { username: 'carla', password: `falsch ${i}` })).status);
        expect(statuses).to.deep.equal([400, 400, 400, 400, 429]);
        const locked = await c.post('/ui/sign-in', { username: 'carla', password: PASSWORD });
        expect(locked.status).to.equal(429);
        expect(summaryErrors(locked.html)[0]).to.match(/^username: Zu viele falsche Versuche\. Die Anmeldung ist bis \d\d:\d\d Uhr gesperrt/);
        // A name without an account locks the same way: the lock-out reveals nothing about which names exist.
        for (let i = 0; i < 5; i++) await c.post('/ui/sign-in', { username: 'gibt-es-nicht', password: `falsch ${i}` });
        expect((await c.post('/ui/sign-in', { username: 'gibt-es-nicht', password: 'x' })).status).to.equal(429);
        offset = 14 * MINUTE;
        expect((await c.post('/ui/sign-in', { username: 'carla', password: PASSWORD })).status).to.equal(429);
        offset = 16 * MINUTE;
        expect((await c.post('/ui/sign-in', { username: 'carla', password: PASSWORD })).status).to.equal(303);
      });

      it('counts concurrent guesses one by one, so a burst cannot slip past the limit', async () => {
        await h.broker.ctx.pages.clerks.register({ username: 'dora', displayName: 'Dora', participantId: AUTHORITY_ID, password: PASSWORD });
        const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => h.broker.ctx.pages.clerks.signIn('dora', `falsch ${i}`)));
        expect(outcomes.filter((o) => !o.ok && o.reason === 'wrong')).to.have.length(4);
        expect((await h.broker.ctx.pages.clerks.signIn('dora', PASSWORD)).ok).to.equal(false);
      });

      it('signs out on the server: the old cookie is worthless afterwards', async () => {
        const c = await signedInClerk();
        const cookie = c.cookies.get('eb_clerk')!;
        const out = await c.post('/ui/sign-out', {});
        expect(out.status).to.equal(303);
        expect(out.location).to.equal('/ui/sign-in?status=abgemeldet');
        expect(out.headers.getSetCookie()[0]).to.match(/^eb_clerk=; .*Max-Age=0/);
        const replay = new PageClient(h.url);
        replay.cookies.set('eb_clerk', cookie);
        const res = await replay.get('/ui/lookup');
        expect(res.status).to.equal(303);
        expect(res.location).to.equal('/ui/sign-in?status=abgelaufen');
      });

      it('ends a session after 30 idle minutes', async () => {
        const c = await signedInClerk();
        offset = 29 * MINUTE;
        expect((await c.get('/ui/lookup')).status).to.equal(200);
        offset = 29 * MINUTE + 31 * MINUTE;
        expect((await c.get('/ui/lookup')).status).to.equal(303);
      });
    });

    describe('CSRF protection', () => {
      it('refuses a lookup without this session\'s token and fetches nothing', async () => {
        const c = await signedInClerk();
        const other = await signedInClerk();
        const before = await auditEntries();
        const missing = await c.post('/ui/lookup', lookupForm(newFormId()), null);
        expect(missing.status).to.equal(403);
        expect(titleOf(missing.html)).to.equal('Das Formular wurde nicht angenommen – Nachweisabruf');
        const foreign = await c.post('/ui/lookup', lookupForm(newFormId()), other.csrf);
        expect(foreign.status).to.equal(403);
        expect(await auditEntries()).to.equal(before);
        expect((await c.post('/ui/lookup', lookupForm(newFormId()))).status).to.equal(200);
      });

      it('refuses a revocation and a sign-in without the token', async () => {
        const citizen = await signedInCitizen(CITIZEN);
        const consent = await h.broker.ctx.consents.grant({
          citizenIdNr: CITIZEN, granteeId: AUTHORITY_ID, evidenceTypes: ['income'], purpose: 'wohngeld', validFrom: new Date(), validUntil: new Date(Date.now() + 86_400_000), grantedBy: 'citizen', paper: null,
        });
        expect((await citizen.post(`/cockpit/consents/${consent.id}/revoke`, {}, 'forged')).status).to.equal(403);
        expect((await h.broker.ctx.consentStore.get(consent.id))!.revokedAt).to.equal(null);
        const anonymous = new PageClient(h.url);
        expect((await anonymous.post('/ui/sign-in', { username: 'anna', password: PASSWORD }, null)).status).to.equal(403);
      });
    });

    describe('the clerk\'s lookup', () => {
      it('shows the form again with status 400, a summary, messages tied to fields and the input kept (escaped)', async () => {
        const c = await signedInClerk();
        const res = await c.post('/ui/lookup', lookupForm(newFormId(), { idNr: '8609574271', caseReference: '<b>x</b>', evidenceTypes: [], basis: 'paper' }));
        expect(res.status).to.equal(400);
        expect(summaryErrors(res.html).map((e) => e.split(':')[0])).to.deep.equal(['idNr', 'caseReference', 'evidenceTypes', 'paperReference', 'paperSignedOn', 'paperValidUntil', 'paperConfirmed']);
        expect(res.html).to.match(/<input[^>]*id="idNr"[^>]*aria-describedby="idNr-hint idNr-error"[^>]*aria-invalid="true"/);
        expect(res.html).to.match(/<fieldset class="fieldset" aria-describedby="evidenceTypes-hint evidenceTypes-error">/);
        expect(res.html).to.include('value="&lt;b&gt;x&lt;/b&gt;"');
        expect(res.html).to.not.include('<b>x</b>');
      });

      it('fetches with a legal basis and marks the data as coming from the register', async () => {
        const c = await signedInClerk();
        const res = await c.post('/ui/lookup', lookupForm(newFormId()));
        expect(res.status).to.equal(200);
        expect(titleOf(res.html)).to.equal('Ergebnis des Abrufs – Nachweisabruf');
        expect(res.html).to.include('Daten aus dem Register');
        expect(res.html).to.include('Deutsche Rentenversicherung Bund – rvBEA');
        expect(res.html).to.include('Gesetzliche Grundlage: § 9 BEEG');
        expect(res.html).to.match(/Entgelt je Monat/);
        // The audit entry names the clerk who acted for the authority.
        const last = await h.broker.ctx.database.prisma.auditDetail.findFirstOrThrow({ where: { actorId: AUTHORITY_ID, entry: { kind: 'transfer' } }, orderBy: { seq: 'desc' } });
        expect(JSON.parse(last.details).onBehalfOf).to.match(/^clerk:/);
      });

      it('records a paper consent in the ledger with its form and clerk, which the citizen then sees in the cockpit', async () => {
        const c = await signedInClerk();
        const signed = daysAgo(3);
        const paper = { basis: 'paper', paperReference: 'EG-Antrag 2026/0815', paperSignedOn: germanDate(signed), paperValidUntil: inHalfAYear(), paperConfirmed: 'yes' };
        const res = await c.post('/ui/lookup', lookupForm(newFormId(), { idNr: OTHER_CITIZEN, evidenceTypes: ['salary', 'income'], ...paper }));
        expect(res.status, summaryErrors(res.html).join()).to.equal(200);
        const consents = await h.broker.ctx.consentStore.listForCitizen(OTHER_CITIZEN);
        expect(consents[0]).to.include({ granteeId: AUTHORITY_ID, grantedBy: AUTHORITY_ID, purpose: 'elterngeld' });
        expect(res.html).to.include(`Einwilligung (Nummer ${consents[0]!.id})`);
        const anna = await h.broker.ctx.database.prisma.clerkAccount.findUniqueOrThrow({ where: { username: 'anna' } });
        const provenance = { reference: 'EG-Antrag 2026/0815', signedOn: signed, recordedByClerk: anna.id };
        expect(consents[0]!.paper).to.deep.equal(provenance);
        expect((await h.call('GET', `/v1/consents/${consents[0]!.id}`)).body.paper).to.deep.equal(provenance);
        const citizen = await signedInCitizen(OTHER_CITIZEN);
        const page = (await citizen.get('/cockpit/consents')).html;
        expect(page).to.include('erfasst von Anna Beispiel (Elterngeldstelle Teststadt) am ');
        expect(page).to.include(`, aus einem Papierformular vom ${germanDate(signed)} (Formularkennzeichen EG-Antrag 2026/0815)`);
      });

      it('shows the paper form\'s reference and signing day again with 400 and a message at each, recording nothing', async () => {
        const c = await signedInClerk();
        const paper = { basis: 'paper', paperValidUntil: inHalfAYear(), paperConfirmed: 'yes' };
        const before = await h.broker.ctx.database.prisma.consent.count();
        const cases: [Record<string, string>, Record<string, string>][] = [
          [{ paperReference: '', paperSignedOn: '' }, { paperReference: 'Geben Sie das Kennzeichen des Formulars an', paperSignedOn: 'Geben Sie an, wann die Person das Formular unterschrieben hat' }],
          [{ paperReference: 'A'.repeat(65), paperSignedOn: '31.02.2026' }, { paperReference: 'Das Kennzeichen des Formulars darf höchstens 64 Zeichen haben', paperSignedOn: 'Geben Sie das Datum als TT.MM.JJJJ an, zum Beispiel 03.12.2026' }],
          [{ paperReference: 'EG-1', paperSignedOn: germanDate(daysAgo(-2)) }, { paperSignedOn: 'Das Datum der Unterschrift darf nicht in der Zukunft liegen' }],
          [{ paperReference: 'EG-1', paperSignedOn: germanDate(daysAgo(400)) }, { paperSignedOn: 'Die Unterschrift darf höchstens 365 Tage zurückliegen. Lassen Sie die Einwilligung neu unterschreiben' }],
          [{ paperReference: 'EG-1', paperSignedOn: germanDate(daysAgo(1)), paperValidUntil: '31.12.2099' }, { paperValidUntil: 'Eine auf Papier erteilte Einwilligung gilt hier höchstens 365 Tage; geben Sie ein früheres Ende an' }],
        ];
        for (const [typed, messages] of cases) {
          const res = await c.post('/ui/lookup', lookupForm(newFormId(), { ...paper, ...typed }));
          expect(res.status).to.equal(400);
          expect(summaryErrors(res.html)).to.deep.equal(Object.entries(messages).map(([field, message]) => `${field}: ${message}`));
          for (const field of Object.keys(messages)) expect(res.html).to.match(new RegExp(`<input[^>]*id="${field}"[^>]*aria-invalid="true"`));
        }
        expect(await h.broker.ctx.database.prisma.consent.count()).to.equal(before);
      });

      it('shows a birth certificate from the civil-status register: child, birth, parents and register entry', async () => {
        const c = await signedInClerk();
        const form = { idNr: CITIZEN, evidenceTypes: ['birth-certificate'], basis: 'paper', paperReference: 'EG-Antrag 2026/0816', paperSignedOn: germanDate(daysAgo(1)), paperValidUntil: inHalfAYear(), paperConfirmed: 'yes', periodFrom: '01.2026', periodTo: '06.2026' };
        const res = await c.post('/ui/lookup', lookupForm(newFormId(), form));
        expect(res.status, summaryErrors(res.html).join()).to.equal(200);
        expect(res.html).to.include('Geburtsurkunde');
        expect(res.html).to.include('Standesamt München');
        expect(res.html).to.match(/Geburtseintrag G \d+\/2026/);
        for (const key of ['Kind', 'Geburtsdatum', 'Geburtsort', 'Eltern', 'Registernummer']) expect(res.html).to.include(`<dt>${key}</dt>`);
      });

      it('never fetches twice for the same form: the second send shows the first request', async () => {
        const c = await signedInClerk();
        const formId = newFormId();
        expect((await c.post('/ui/lookup', lookupForm(formId))).status).to.equal(200);
        const before = await auditEntries();
        const again = await c.post('/ui/lookup', lookupForm(formId));
        expect(again.status).to.equal(303);
        expect(again.location).to.match(/^\/ui\/lookup\/requests\/[0-9a-f-]{36}\?status=bereits-gesendet$/);
        const page = await c.get(again.location!);
        expect(page.status).to.equal(200);
        expect(page.html).to.include('Dieses Formular wurde bereits gesendet');
        expect(page.html).to.include('Die Daten wurden beim Abruf angezeigt');
        expect(await auditEntries()).to.equal(before);
        // Another authority's clerk cannot open it.
        const ben = await signedInClerk('ben');
        expect((await ben.get(again.location!)).status).to.equal(404);
      });

      it('turns two sends of one form racing each other (a double click) into one fetch', async () => {
        const c = await signedInClerk();
        const form = lookupForm(newFormId(), { caseReference: 'EG-DOUBLE' });
        const before = await transfers();
        h.sims.byType.salary.setBehaviour({ latencyMs: 400 });
        try {
          const [a, b] = await Promise.all([c.post('/ui/lookup', form), c.post('/ui/lookup', form)]);
          expect([a.status, b.status].sort()).to.satisfy((s: number[]) => s[0] === 200 && [200, 303, 409].includes(s[1]!));
          expect([a, b].filter((r) => r.status === 409 || r.html.includes('bereits gesendet'))).to.have.length.at.least(1);
        } finally {
          h.sims.byType.salary.setBehaviour({ latencyMs: 0 });
        }
        expect(await transfers()).to.equal(before + 1);
      });

      it('shows an item the register answers later, and delivers it once on the request page', async () => {
        const c = await signedInClerk();
        h.sims.byType.salary.setBehaviour({ fault: 'pending' });
        try {
          const res = await c.post('/ui/lookup', lookupForm(newFormId(), { caseReference: 'EG-LATER' }));
          expect(res.status).to.equal(200);
          expect(res.html).to.include('Antwort steht noch aus');
          expect(res.html).to.not.include('Daten aus dem Register');
          const link = /href="(\/ui\/lookup\/requests\/[0-9a-f-]{36})"/.exec(res.html)![1]!;
          h.sims.byType.salary.setBehaviour({ fault: 'none' });
          const later = await c.get(link);
          expect(later.status).to.equal(200);
          expect(later.html).to.include('Daten aus dem Register');
          expect(later.html).to.include('Vollständig beantwortet');
          const again = await c.get(link);
          expect(again.html).to.not.include('Daten aus dem Register');
          expect(again.html).to.include('Die Daten wurden beim Abruf angezeigt');
        } finally {
          h.sims.byType.salary.setBehaviour({ fault: 'none' });
        }
      });

      it('refuses without consent, at the field, and fetches nothing', async () => {
        const c = await signedInClerk();
        const before = await transfers();
        const res = await c.post('/ui/lookup', lookupForm(newFormId(), { idNr: '38140295719', basis: 'existing' }));
        expect(res.status).to.equal(403);
        expect(summaryErrors(res.html)[0]).to.match(/^basis: Es liegt keine gültige Einwilligung vor/);
        expect(await transfers()).to.equal(before);
      });
    });

    describe('the lookup\'s routing hints (insurer, residence, place of birth)', () => {
      /** A paper consent as the clerk records it: it covers types no legal basis covers (maternity benefit, birth). */
      const paper = () => ({ basis: 'paper', paperReference: 'EG-Antrag 2026/0900', paperSignedOn: germanDate(daysAgo(1)), paperValidUntil: inHalfAYear(), paperConfirmed: 'yes' });
      const lastRequestRouting = async () => {
        const row = await h.broker.ctx.database.prisma.evidenceRequest.findFirstOrThrow({ orderBy: { createdAt: 'desc' }, select: { routing: true } });
        return row.routing === null ? null : JSON.parse(row.routing);
      };

      it('offers the directory\'s enabled insurers by name and IK, and municipalities by name, with hints saying which type needs which', async () => {
        const c = await signedInClerk();
        await h.broker.ctx.registers.setEnabled('gkv-barmer', false);
        await h.broker.ctx.directory.refresh();
        try {
          const form = (await c.get('/ui/lookup')).html;
          expect(form).to.include('<option value="108310400">AOK Bayern – Die Gesundheitskasse (IK 108310400)</option>');
          expect(form).to.include('<option value="101575519">Techniker Krankenkasse (IK 101575519)</option>');
          expect(form).to.not.include('104940005');
          expect(form).to.match(/<input[^>]*id="residence"[^>]*aria-describedby="residence-hint"[^>]*list="municipalities"/);
          expect(form).to.include('<option value="Saarbrücken">10041100</option>');
          expect(form).to.include('Nur nötig für Mutterschaftsgeld.');
          expect(form).to.include('Nur nötig für Geburtsurkunde.');
          expect(form).to.include('<div data-routing-for="maternity-benefit">');
        } finally {
          await h.broker.ctx.registers.setEnabled('gkv-barmer', true);
          await h.broker.ctx.directory.refresh();
        }
      });

      it('asks for the insurer when maternity benefit is chosen: 400, the error at the select, nothing fetched', async () => {
        const c = await signedInClerk();
        const before = await transfers();
        const res = await c.post('/ui/lookup', lookupForm(newFormId(), { evidenceTypes: ['maternity-benefit'], insurerIk: '', residence: '', birthPlace: '', ...paper() }));
        expect(res.status).to.equal(400);
        expect(summaryErrors(res.html)).to.deep.equal(['insurerIk: Wählen Sie die Krankenkasse der Person aus']);
        expect(res.html).to.match(/<select[^>]*id="insurerIk"[^>]*aria-describedby="insurerIk-hint insurerIk-error"[^>]*aria-invalid="true"/);
        expect(await transfers()).to.equal(before);
      });

      it('refuses an unknown municipality name or a malformed key at its field, keeping what was typed', async () => {
        const c = await signedInClerk();
        const res = await c.post('/ui/lookup', lookupForm(newFormId(), { evidenceTypes: ['income', 'birth-certificate'], residence: 'Entenhausen', birthPlace: '1234', ...paper() }));
        expect(res.status).to.equal(400);
        expect(summaryErrors(res.html)).to.deep.equal([
          'residence: Diese Gemeinde ist hier nicht verzeichnet. Geben Sie ihren 8-stelligen Gemeindeschlüssel an, zum Beispiel 09162000',
          'birthPlace: Ein Gemeindeschlüssel hat 8 Ziffern und beginnt mit 01 bis 16, zum Beispiel 09162000',
        ]);
        expect(res.html).to.match(/<input[^>]*id="residence"[^>]*value="Entenhausen"[^>]*aria-invalid="true"/);
      });

      it('routes by the hints, a municipality given by name, and names each register in the result and the cockpit', async () => {
        const c = await signedInClerk();
        const form = { evidenceTypes: ['salary', 'maternity-benefit', 'income', 'birth-certificate'], insurerIk: '108310400', residence: ' münchen ', birthPlace: '09162000', caseReference: 'EG-ROUTED', ...paper() };
        const res = await c.post('/ui/lookup', lookupForm(newFormId(), { idNr: ROUTED_CITIZEN, ...form }));
        expect(res.status, summaryErrors(res.html).join()).to.equal(200);
        expect(res.html).to.include('Vollständig beantwortet');
        for (const name of ['Deutsche Rentenversicherung Bund – rvBEA', 'AOK Bayern – Die Gesundheitskasse', 'Bayerisches Landesamt für Steuern', 'Standesamt München']) {
          expect(res.html).to.include(`<dt>Register</dt><dd>${name}</dd>`);
        }
        expect(await lastRequestRouting()).to.deep.equal({ insurerIk: '108310400', ags: '09162000', birthPlaceAgs: '09162000' });
        const cockpit = (await (await signedInCitizen(ROUTED_CITIZEN)).get('/cockpit')).html;
        expect(cockpit).to.include('<li>Mutterschaftsgeld von AOK Bayern – Die Gesundheitskasse: übermittelt</li>');
        expect(cockpit).to.include('<li>Geburtsurkunde von Standesamt München: übermittelt</li>');
      });

      it('sends only the hints of the chosen types', async () => {
        const c = await signedInClerk();
        const res = await c.post('/ui/lookup', lookupForm(newFormId(), { idNr: ROUTED_CITIZEN, purpose: 'wohngeld', evidenceTypes: ['income'], legalBasis: 'wogg-23', residence: 'Köln', insurerIk: '', birthPlace: 'nirgendwo' }));
        expect(res.status, summaryErrors(res.html).join()).to.equal(200);
        expect(res.html).to.include('<dt>Register</dt><dd>Finanzverwaltung Nordrhein-Westfalen</dd>');
        expect(await lastRequestRouting()).to.deep.equal({ ags: '05315000' });
      });

      it('says in plain German when no register is responsible, in the result, the request page and the cockpit', async () => {
        const c = await signedInClerk();
        const res = await c.post('/ui/lookup', lookupForm(newFormId(), { idNr: ROUTED_CITIZEN, purpose: 'wohngeld', evidenceTypes: ['income'], legalBasis: 'wogg-23', residence: 'Hannover', caseReference: 'WG-NOWHERE' }));
        expect(res.status, summaryErrors(res.html).join()).to.equal(200);
        expect(res.html).to.include('<dt>Register</dt><dd>Keine zuständige Stelle im Verzeichnis für den Wohnort Hannover (03241001)</dd>');
        expect(res.html).to.include('Keine zuständige Stelle</strong>');
        expect(res.html).to.not.include('Register nicht erreichbar');
        const id = /<dt>Nummer der Anfrage<\/dt><dd>([0-9a-f-]{36})<\/dd>/.exec(res.html)![1]!;
        expect((await c.get(`/ui/lookup/requests/${id}`)).html).to.include('Keine zuständige Stelle im Verzeichnis für den Wohnort Hannover (03241001)');
        const cockpit = (await (await signedInCitizen(ROUTED_CITIZEN)).get('/cockpit')).html;
        expect(cockpit).to.include('<li>Einkommen laut Steuerbescheid: nicht abgerufen, keine zuständige Stelle im Verzeichnis</li>');
      });

      it('says so when the responsible register does not answer this authority', async () => {
        const ctx = h.broker.ctx;
        const koeln = sandboxDirectoryEntries(h.sims.instances, new Date()).find((e) => e.definition.id === 'standesamt-koeln')!;
        await ctx.registers.import([{ ...koeln, definition: { ...koeln.definition, participants: [OTHER_AUTHORITY] } }]);
        await ctx.directory.refresh();
        try {
          const c = await signedInClerk();
          const res = await c.post('/ui/lookup', lookupForm(newFormId(), { idNr: ROUTED_CITIZEN, evidenceTypes: ['birth-certificate'], birthPlace: 'Köln', ...paper() }));
          expect(res.status, summaryErrors(res.html).join()).to.equal(200);
          expect(res.html).to.include('<dt>Register</dt><dd>Standesamt Köln</dd>');
          expect(res.html).to.include('Die zuständige Stelle beantwortet diesen Zweck nicht, oder nicht für Ihre Behörde.');
        } finally {
          await ctx.registers.import([koeln]);
          await ctx.directory.refresh();
        }
      });
    });

    describe('the citizen\'s cockpit', () => {
      it('refuses an IdNr that cannot be one, at the field', async () => {
        const c = new PageClient(h.url);
        await c.get('/cockpit/sign-in');
        const res = await c.post('/cockpit/sign-in', { idNr: '12345678901' });
        expect(res.status).to.equal(400);
        expect(summaryErrors(res.html)).to.have.length(1);
        expect(res.html).to.include('aria-describedby="idNr-hint idNr-error"');
      });

      it('revoking a consent stops the clerk\'s next lookup at once', async () => {
        const clerk = await signedInClerk();
        const citizen = await signedInCitizen(CITIZEN);
        const grant = await citizen.post('/cockpit/consents/new', { grantee: AUTHORITY_ID, purpose: 'kinderzuschlag', evidenceTypes: ['income'], validUntil: '31.12.2030' });
        expect(grant.status, summaryErrors(grant.html).join()).to.equal(303);
        const list = await citizen.get('/cockpit/consents');
        expect(list.html).to.include('Einwilligung erteilt');
        const form = { purpose: 'kinderzuschlag', evidenceTypes: ['income'], basis: 'existing' };
        expect((await clerk.post('/ui/lookup', lookupForm(newFormId(), form))).status).to.equal(200);
        const id = (await h.broker.ctx.consentStore.listForCitizen(CITIZEN)).find((c) => c.purpose === 'kinderzuschlag')!.id;
        expect((await citizen.get(`/cockpit/consents/${id}/revoke`)).html).to.include('Einwilligung widerrufen?');
        const revoked = await citizen.post(`/cockpit/consents/${id}/revoke`, {});
        expect(revoked.status).to.equal(303);
        expect((await citizen.get('/cockpit/consents')).html).to.include('Einwilligung widerrufen');
        const refused = await clerk.post('/ui/lookup', lookupForm(newFormId(), form));
        expect(refused.status).to.equal(403);
        expect(summaryErrors(refused.html)[0]).to.match(/^basis: Es liegt keine gültige Einwilligung vor/);
      });

      it('never shows one citizen another citizen\'s consents or transfers', async () => {
        const clerk = await signedInClerk();
        await clerk.post('/ui/lookup', lookupForm(newFormId(), { idNr: OTHER_CITIZEN, caseReference: 'NUR-FUER-B' }));
        const others = await h.broker.ctx.consents.grant({
          citizenIdNr: OTHER_CITIZEN, granteeId: AUTHORITY_ID, evidenceTypes: ['salary'], purpose: 'wohngeld', validFrom: new Date(), validUntil: new Date(Date.now() + 86_400_000), grantedBy: 'citizen', paper: null,
        });
        const a = await signedInCitizen(CITIZEN);
        const pages = [await a.get('/cockpit'), await a.get('/cockpit/consents'), await a.get('/cockpit/transfers.json'), await a.get('/cockpit/transfers.xml')];
        for (const p of pages) {
          expect(p.status).to.equal(200);
          expect(p.html).to.not.include(OTHER_CITIZEN);
          expect(p.html).to.not.include('NUR-FUER-B');
          expect(p.html).to.not.include(others.id);
        }
        expect((await a.get(`/cockpit/consents/${others.id}/revoke`)).status).to.equal(404);
        expect((await a.post(`/cockpit/consents/${others.id}/revoke`, {})).status).to.equal(404);
        expect((await h.broker.ctx.consentStore.get(others.id))!.revokedAt).to.equal(null);
        // The IdNr comes from the session only: a query or form field naming another citizen changes nothing.
        const sneaky = await a.get(`/cockpit/transfers.json?idNr=${OTHER_CITIZEN}`);
        expect(JSON.parse(sneaky.html).citizen.idNr).to.equal(CITIZEN);
        // And a clerk's session is no citizen session.
        const mixed = new PageClient(h.url);
        mixed.cookies.set('eb_citizen', clerk.cookies.get('eb_clerk')!);
        expect((await mixed.get('/cockpit')).status).to.equal(303);
        const b = await signedInCitizen(OTHER_CITIZEN);
        expect((await b.get('/cockpit')).html).to.include('NUR-FUER-B');
      });

      it('filters transfers and exports exactly the filtered ones as JSON and XML', async () => {
        const clerk = await signedInClerk();
        await clerk.post('/ui/lookup', lookupForm(newFormId(), { caseReference: 'FILTER-1' }));
        const c = await signedInCitizen(CITIZEN);
        const all = JSON.parse((await c.get('/cockpit/transfers.json')).html);
        const byAuthority = await c.get(`/cockpit?authority=${AUTHORITY_ID}&type=salary`);
        expect(byAuthority.status).to.equal(200);
        expect(byAuthority.html).to.include('FILTER-1');
        expect(byAuthority.html).to.include(`/cockpit/transfers.json?authority=${AUTHORITY_ID}&amp;type=salary`);
        const none = await c.get('/cockpit?type=maternity-benefit');
        expect(none.html).to.include('Kein Abruf passt zu diesem Filter.');
        const json = await c.get('/cockpit/transfers.json?type=maternity-benefit');
        expect(json.headers.get('content-disposition')).to.match(/^attachment; filename="datenabrufe-\d{4}-\d\d-\d\d\.json"$/);
        expect(JSON.parse(json.html).transfers).to.deep.equal([]);
        expect(all.transfers.length).to.be.greaterThan(0);
        expect(all.transfers[0]).to.include.keys('auditEntryId', 'at', 'requester', 'purpose', 'items');
        const xml = await c.get('/cockpit/transfers.xml?type=salary');
        expect(xml.headers.get('content-type')).to.match(/^application\/xml/);
        expect(schemaErrors(xml.html, transferLogSchema)).to.deep.equal([]);
        expect(xml.html).to.include('FILTER-1');
        const bad = await c.get('/cockpit?from=35.01.2026');
        expect(bad.status).to.equal(400);
        expect(summaryErrors(bad.html)[0]).to.match(/^from: Geben Sie das Datum/);
      });

      describe('the proof that a transfer is in the signed audit log', () => {
        /** A new transfer about the citizen, and its leaf in the audit tree. */
        async function newTransfer(idNr: string, caseReference: string): Promise<{ leafIndex: number; entry: number }> {
          const res = await (await signedInClerk()).post('/ui/lookup', lookupForm(newFormId(), { idNr, caseReference }));
          expect(res.status).to.equal(200);
          const mine = await h.broker.ctx.audit.transfersForCitizen(idNr);
          const entry = mine.find((t) => !t.detailsMissing && (t.details as { caseReference?: string }).caseReference === caseReference)!.auditEntryId;
          return { leafIndex: entry - 1, entry };
        }

        /** The exit code of the independent checker, run as a citizen would, on the downloaded bundle. */
        async function verifyProof(bundle: string, key: string): Promise<{ code: number; stderr: string }> {
          const dir = await mkdtemp(path.join(tmpdir(), 'cockpit-proof-'));
          try {
            const file = path.join(dir, 'nachweis.json');
            await writeFile(file, bundle);
            await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/verify-proof.ts', file, '--key', key]);
            return { code: 0, stderr: '' };
          } catch (err) {
            const e = err as { code?: number; stderr?: string };
            return { code: e.code ?? -1, stderr: e.stderr ?? String(err) };
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        }

        it('says "later" until a signed tree head includes the transfer, then downloads a bundle the verify-proof tool accepts', async () => {
          const { leafIndex, entry } = await newTransfer(CITIZEN, 'BEWEIS-1');
          const link = `/cockpit/transfers/${leafIndex}/proof`;
          const c = await signedInCitizen(CITIZEN);
          expect((await h.broker.ctx.treeHeads.latest())?.treeSize ?? 0, 'no head signed since the transfer').to.be.at.most(leafIndex);
          const before = await c.get('/cockpit');
          expect(before.html).to.not.include(`href="${link}"`);
          expect(before.html).to.include('Der Nachweis ist verfügbar, sobald der nächste Prüfpunkt signiert ist.');
          const early = await c.get(link);
          expect(early.status).to.equal(200);
          expect(early.headers.get('content-type')).to.match(/^text\/html/);
          expect(titleOf(early.html)).to.equal('Der Nachweis ist noch nicht verfügbar – Datenschutzcockpit');

          const head = await h.broker.ctx.treeHeads.sign();
          expect(head!.treeSize).to.be.greaterThan(leafIndex);
          const logKey = h.broker.ctx.treeHeads.logKey;
          const page = await c.get('/cockpit');
          expect(page.html).to.include(`<a href="${link}">Nachweis der Protokollierung herunterladen<span class="visually-hidden"> (Protokolleintrag Nr. ${entry})</span></a>`);
          expect(page.html).to.include(logKey);
          expect(page.html).to.include(`npm run verify-proof -- nachweis-&lt;Nr&gt;.json --key "${logKey}"`);

          const res = await c.get(link);
          expect(res.status).to.equal(200);
          expect(res.headers.get('content-type')).to.match(/^application\/json/);
          expect(res.headers.get('content-disposition')).to.equal(`attachment; filename="nachweis-${entry}.json"`);
          const bundle = JSON.parse(res.html);
          expect(Object.keys(bundle)).to.deep.equal(['leaf', 'index', 'treeSize', 'inclusionProof', 'checkpoint']);
          expect(bundle).to.deep.include({ index: leafIndex, treeSize: head!.treeSize, checkpoint: head!.note });
          // Nothing about the citizen: the leaf is the entry's kind, time and a salted commitment.
          for (const personal of [CITIZEN, 'BEWEIS-1']) expect(res.html + Buffer.from(bundle.leaf, 'base64').toString('latin1')).to.not.include(personal);
          const checked = await verifyProof(res.html, logKey);
          expect(checked.code, checked.stderr).to.equal(0);
          // The same checker refuses the bundle for another leaf: exit 1 means something.
          expect((await verifyProof(JSON.stringify({ ...bundle, index: leafIndex === 0 ? 1 : leafIndex - 1 }), logKey)).code).to.equal(1);
        });

        it('answers another citizen\'s transfer, or no transfer at all, with "not found" and leaks nothing', async () => {
          const theirs = await newTransfer(OTHER_CITIZEN, 'NUR-FUER-B-BEWEIS');
          await h.broker.ctx.treeHeads.sign();
          const b = await signedInCitizen(OTHER_CITIZEN);
          expect((await b.get(`/cockpit/transfers/${theirs.leafIndex}/proof`)).status).to.equal(200);
          const a = await signedInCitizen(CITIZEN);
          const refused = await a.get(`/cockpit/transfers/${theirs.leafIndex}/proof`);
          expect(refused.status).to.equal(404);
          expect(titleOf(refused.html)).to.equal('Seite nicht gefunden – Datenschutzcockpit');
          expect(refused.headers.get('content-disposition')).to.equal(null);
          for (const leak of [OTHER_CITIZEN, 'NUR-FUER-B-BEWEIS', '"inclusionProof"']) expect(refused.html).to.not.include(leak);
          expect((await a.get('/cockpit')).html).to.not.include(`/cockpit/transfers/${theirs.leafIndex}/proof`);
          // A leaf that is no transfer (a consent's entry), beyond the log, or not a number.
          const other = await h.broker.ctx.database.prisma.auditEntry.findFirst({ where: { kind: { not: 'transfer' } } });
          for (const index of [...(other ? [String(other.seq - 1)] : []), '999999999', '-1', '1e3', 'abc']) expect((await a.get(`/cockpit/transfers/${index}/proof`)).status, index).to.equal(404);
          // Signed out: to the sign-in, like every cockpit page.
          expect((await new PageClient(h.url).get(`/cockpit/transfers/${theirs.leafIndex}/proof`)).status).to.equal(303);
        });
      });

      it('shows the grant form again with 400 and German messages when it is incomplete', async () => {
        const c = await signedInCitizen(CITIZEN);
        const res = await c.post('/cockpit/consents/new', { grantee: 'nobody', validUntil: '2020-01-01' });
        expect(res.status).to.equal(400);
        expect(summaryErrors(res.html).map((e) => e.split(':')[0])).to.deep.equal(['grantee', 'purpose', 'evidenceTypes', 'validUntil']);
      });
    });

    // The CLI only goes through the context like the pages do; one database is enough to prove it.
    if (kind === 'sqlite') describe('clerk accounts from the command line (npm run clerks)', () => {
      const cli = (args: string[], input: string) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', 'broker/identity/clerks/clerk-cli.ts', ...args], {
            env: { ...process.env, DATABASE_URL: h.databaseUrl, LOG_LEVEL: 'silent', ...keyFilesFor(h.databaseUrl) },
            stdio: ['pipe', 'pipe', 'pipe'],
          });
          let out = '';
          child.stdout.on('data', (c: Buffer) => (out += c.toString()));
          child.stderr.on('data', (c: Buffer) => (out += c.toString()));
          child.on('exit', (code) => resolve({ code, out }));
          child.stdin.end(input);
        });

      it('creates an account with the password from stdin, and disabling it ends its session', async () => {
        const set = await cli(['set', 'emil', '--name', 'Emil Beispiel', '--participant', AUTHORITY_ID], 'ein neues Passwort 1\n');
        expect(set, set.out).to.deep.include({ code: 0 });
        const c = new PageClient(h.url);
        await c.get('/ui/sign-in');
        expect((await c.post('/ui/sign-in', { username: 'emil', password: 'ein neues Passwort 1' })).status).to.equal(303);
        expect((await c.get('/ui/lookup')).html).to.include('Emil Beispiel');
        expect((await cli(['disable', 'emil'], '')).code).to.equal(0);
        expect((await c.get('/ui/lookup')).status).to.equal(303);
      });
    });

    describe('the demo', () => {
      it('seeds a clerk whose printed password signs in, and a new start retires it', async () => {
        const first = await seedDemo(h.broker.ctx);
        const c = new PageClient(h.url);
        await c.get('/ui/sign-in');
        expect((await c.post('/ui/sign-in', { username: first.clerkUsername, password: first.clerkPassword })).status).to.equal(303);
        expect((await c.get('/ui/lookup')).html).to.include('Elterngeldstelle Musterstadt');
        offset = 1000;
        const second = await seedDemo(h.broker.ctx);
        expect(second.clerkPassword).to.not.equal(first.clerkPassword);
        expect((await c.get('/ui/lookup')).status).to.equal(303);
        const again = new PageClient(h.url);
        await again.get('/ui/sign-in');
        expect((await again.post('/ui/sign-in', { username: first.clerkUsername, password: first.clerkPassword })).status).to.equal(400);
      });
    });
  });
}

describe('pages: the sandbox citizen sign-in outside demo mode', () => {
  it('is off unless switched on, and the cockpit says so', async () => {
    const db = (await testDatabase('sqlite'))!.create();
    const broker = await startBroker(testConfig({ port: 0, databaseUrl: db.url, demo: false, citizenSignIn: 'off' }));
    try {
      const res = await new PageClient(broker.url).get('/cockpit/sign-in');
      expect(res.status).to.equal(503);
      expect(res.html).to.include('Anmeldung nicht verfügbar');
      expect(res.html).to.not.include('Testumgebung');
    } finally {
      await broker.close();
      await db.drop();
    }
  });
});
