// Pure rules behind the pages: escaping, password hashing, lock-out, dates, form validation, filters.
import { expect } from 'chai';
import { EVIDENCE_TYPE_LIST } from '../../adapters/index.ts';
import type { Participant } from '../../broker/identity/auth/principal.ts';
import { afterFailure, beforeCheck, LOCKOUT, startsAfresh } from '../../broker/identity/clerks/lockout.ts';
import { hashPassword, needsRehash, verifyPassword } from '../../broker/identity/clerks/password.ts';
import { applyFilter, filterQuery, validateFilter, validateGrant } from '../../broker/pages/cockpit/validation.ts';
import type { TransferRecord } from '../../broker/audit/audit-log.ts';
import { errorSummary } from '../../broker/pages/kit/components.ts';
import { readCookie, sessionCookie } from '../../broker/identity/sessions/cookies.ts';
import { endOfDayInBerlin, parseDay, startOfDayInBerlin } from '../../broker/pages/kit/dates.ts';
import { html, join } from '../../broker/pages/kit/html.ts';
import { emptyLookupForm, normalizeMonth, validateLookup, type LookupForm } from '../../broker/pages/lookup/validation.ts';
import { MUNICIPALITIES, readMunicipality } from '../../broker/pages/lookup/municipalities.ts';
import { HINT_FIELDS, hintsNeeded } from '../../broker/pages/lookup/routing-fields.ts';
import type { Request } from 'express';
import { ConfigError, envToConfig, readEnv } from '../../broker/config/config.ts';
import { createLogger } from '../../broker/ops/logger.ts';
import type { WebSessionStore } from '../../broker/identity/sessions/session-store.ts';
import { CLERK_SESSIONS, WebSessions } from '../../broker/identity/sessions/web-sessions.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const INSURERS = [{ ik: '108310400', name: 'AOK Bayern – Die Gesundheitskasse' }];
const OFFICE: Participant = { id: 'office', name: 'Office', kind: 'authority', region: 'DE-NW', evidenceTypes: ['salary', 'income'], purposes: ['elterngeld', 'wohngeld'], legalBases: ['beeg-9'] };

describe('pages: html template', () => {
  it('escapes every interpolation, so text can never become markup', () => {
    const name = '<script>alert("x")</script> & \'quotes\'';
    expect(html`<p title="${name}">${name}</p>`.value).to.equal(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>',
    );
  });

  it('nests templates unescaped, joins arrays and drops null, undefined and booleans', () => {
    const items = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${true}${0}`.value).to.equal('<ul><li>a&lt;b</li><li>c</li></ul>0');
    expect(join(['x', html`<b>y</b>`], ' & ').value).to.equal('x &amp; <b>y</b>');
  });

  it('links each error in the summary to its field, in page order', () => {
    const summary = errorSummary(new Map([['b', 'Zweites'], ['a', 'Erstes <1>']]), ['a', 'b'])!.value;
    expect(summary).to.match(/<a href="#a">Erstes &lt;1&gt;<\/a>[\s\S]*<a href="#b">Zweites<\/a>/);
    expect(summary).to.include('autofocus');
    expect(errorSummary(new Map(), ['a'])).to.equal(null);
  });
});

describe('pages: clerk passwords (scrypt)', function () {
  this.timeout(10_000);

  it('verifies the right password and refuses a wrong one; each hash has its own salt', async () => {
    const a = await hashPassword('Tür und Tor 2026!');
    const b = await hashPassword('Tür und Tor 2026!');
    expect(a).to.match(/^scrypt\$N=32768,r=8,p=3\$/);
    expect(a).to.not.equal(b);
    expect(await verifyPassword(a, 'Tür und Tor 2026!')).to.equal(true);
    expect(await verifyPassword(a, 'Tür und Tor 2026?')).to.equal(false);
    // The same password typed with a decomposed umlaut is the same password.
    expect(await verifyPassword(a, 'Tu\u0308r und Tor 2026!')).to.equal(true);
  });

  it('refuses malformed hashes and asks for a rehash of weaker parameters', async () => {
    expect(await verifyPassword('plain-text', 'plain-text')).to.equal(false);
    expect(await verifyPassword('scrypt$N=3,r=8,p=1$AAAA$AAAA', 'x')).to.equal(false);
    const weak = await hashPassword('something long enough', { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword(weak, 'something long enough')).to.equal(true);
    expect(needsRehash(weak)).to.equal(true);
    expect(needsRehash(await hashPassword('something long enough'))).to.equal(false);
  });
});

describe('pages: lock-out rules', () => {
  it('lets five attempts through and locks at the fifth failure for 15 minutes', () => {
    for (let n = 1; n < LOCKOUT.maxFailures; n++) {
      expect(beforeCheck({ failures: n, lockedUntil: null }, NOW)).to.deep.equal({ check: true });
      expect(afterFailure({ failures: n, lockedUntil: null }, NOW)).to.deep.equal({ locked: false, attemptsLeft: LOCKOUT.maxFailures - n });
    }
    expect(afterFailure({ failures: 5, lockedUntil: null }, NOW)).to.deep.equal({ locked: true, lockedUntil: new Date(NOW.getTime() + 15 * 60_000) });
  });

  it('refuses while locked and beyond the limit (concurrent guesses), and starts afresh when the lock ends', () => {
    const until = new Date(NOW.getTime() + 60_000);
    expect(beforeCheck({ failures: 1, lockedUntil: until }, NOW)).to.deep.equal({ check: false, lockedUntil: until });
    expect(beforeCheck({ failures: 6, lockedUntil: null }, NOW)).to.have.property('check', false);
    expect(startsAfresh({ failures: 3, lockedUntil: until, lastAttemptAt: NOW }, NOW)).to.equal(false);
    expect(startsAfresh({ failures: 3, lockedUntil: until, lastAttemptAt: NOW }, until)).to.equal(true);
    expect(startsAfresh({ failures: 3, lockedUntil: null, lastAttemptAt: new Date(NOW.getTime() - 25 * 3600_000) }, NOW)).to.equal(true);
  });
});

describe('pages: dates and cookies', () => {
  it('reads days as typed and places them in Berlin time, summer and winter', () => {
    expect(parseDay('31.12.2026')).to.deep.equal({ y: 2026, m: 12, d: 31 });
    expect(parseDay('2026-02-29')).to.equal(null);
    expect(parseDay('1.2.2026')).to.deep.equal({ y: 2026, m: 2, d: 1 });
    expect(startOfDayInBerlin({ y: 2026, m: 1, d: 15 }).toISOString()).to.equal('2026-01-14T23:00:00.000Z');
    expect(startOfDayInBerlin({ y: 2026, m: 7, d: 15 }).toISOString()).to.equal('2026-07-14T22:00:00.000Z');
    expect(endOfDayInBerlin({ y: 2026, m: 3, d: 28 }).toISOString()).to.equal('2026-03-28T23:00:00.000Z');
  });

  it('names the cookie __Host- and makes it Secure over HTTPS, or always behind a TLS proxy', () => {
    const sessions = (secure: 'auto' | 'always') => new WebSessions({} as WebSessionStore, () => NOW, CLERK_SESSIONS, secure, createLogger('silent'), Buffer.alloc(32));
    const plain = { secure: false } as Request;
    expect(sessions('auto').cookieName(plain)).to.equal('eb_clerk');
    expect(sessions('auto').cookieName({ secure: true } as Request)).to.equal('__Host-eb_clerk');
    expect(sessions('always').cookieName(plain)).to.equal('__Host-eb_clerk');
  });

  it('configures the pages from the environment: sandbox sign-in only in demo mode unless asked for', () => {
    expect(envToConfig(readEnv({})).citizenSignIn).to.equal('sandbox');
    expect(envToConfig(readEnv({ BROKER_DEMO: 'false' })).citizenSignIn).to.equal('off');
    expect(envToConfig(readEnv({ BROKER_DEMO: 'false', CITIZEN_SIGN_IN: 'sandbox' })).citizenSignIn).to.equal('sandbox');
    expect(envToConfig(readEnv({ COOKIE_SECURE: 'always' })).cookieSecure).to.equal('always');
    expect(() => readEnv({ BROKER_DEMO_CLERK_PASSWORD: 'short' })).to.throw(ConfigError, /BROKER_DEMO_CLERK_PASSWORD/);
    const production = { BROKER_MODE: 'production', TLS_CERT_FILE: 'server.crt', TLS_KEY_FILE: 'server.key' };
    expect(envToConfig(readEnv(production)).citizenSignIn).to.equal('off');
    expect(() => envToConfig(readEnv({ ...production, CITIZEN_SIGN_IN: 'sandbox' }))).to.throw(ConfigError, /CITIZEN_SIGN_IN/);
  });

  it('reads only well-formed session cookies and writes them HttpOnly, SameSite, Path=/', () => {
    expect(readCookie('a=1; eb_clerk=abc_DEF-123', 'eb_clerk')).to.equal('abc_DEF-123');
    expect(readCookie('eb_clerk=<bad>', 'eb_clerk')).to.equal(null);
    expect(sessionCookie('eb_clerk', 'v', { secure: true, sameSite: 'Lax' })).to.equal('eb_clerk=v; Path=/; HttpOnly; SameSite=Lax; Secure');
  });
});

describe('pages: lookup form validation (the API schema, German messages)', () => {
  const valid = (o: Partial<LookupForm> = {}): LookupForm => ({
    ...emptyLookupForm('00000000-0000-4000-8000-000000000000', OFFICE),
    idNr: '86 095 742 719',
    purpose: 'elterngeld',
    caseReference: 'EG-1',
    evidenceTypes: ['salary'],
    basis: 'existing',
    ...o,
  });

  it('accepts a valid form and builds the API body (IdNr without spaces)', () => {
    const r = validateLookup(valid(), OFFICE, NOW, INSURERS);
    expect(r.ok).to.equal(true);
    if (r.ok) expect(r.value.body).to.deep.include({ citizen: { idNr: '86095742719' }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: 'EG-1' });
  });

  it('names each wrong field in German', () => {
    const r = validateLookup(valid({ idNr: '86095742718', caseReference: '<x>', evidenceTypes: [], basis: '' }), OFFICE, NOW, INSURERS);
    expect(r.ok).to.equal(false);
    if (r.ok) return;
    expect(Object.fromEntries(r.errors)).to.deep.equal({
      idNr: 'Die letzte Ziffer (Prüfziffer) passt nicht. Prüfen Sie die Steuer-ID auf Tippfehler',
      caseReference: 'Das Aktenzeichen darf nur Buchstaben, Ziffern, Leerzeichen und die Zeichen . _ / - enthalten',
      evidenceTypes: 'Wählen Sie mindestens einen Nachweis aus',
      basis: 'Wählen Sie aus, worauf sich der Abruf stützt',
    });
  });

  it('needs the form\'s reference, the day it was signed, a future end date and the confirmation for a paper consent', () => {
    const r = validateLookup(valid({ basis: 'paper', paperValidUntil: '25.11.2026' }), OFFICE, NOW, INSURERS);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect([...r.errors.keys()]).to.have.members(['paperReference', 'paperSignedOn', 'paperValidUntil', 'paperConfirmed']);
    const form = { basis: 'paper', paperReference: ' EG-Antrag 2026/0815 ', paperSignedOn: '24.11.2026', paperValidUntil: '31.12.2027', paperConfirmed: true };
    const ok = validateLookup(valid(form), OFFICE, NOW, INSURERS);
    expect(ok.ok && ok.value.paperConsent?.validUntil.toISOString()).to.equal('2027-12-31T23:00:00.000Z');
    expect(ok.ok && ok.value.paperConsent?.form).to.deep.equal({ reference: 'EG-Antrag 2026/0815', signedOn: '2026-11-24' });
  });

  it('takes a form signed today or up to 365 days before in Germany, nothing later or earlier', () => {
    const signed = (paperSignedOn: string) => {
      const r = validateLookup(valid({ basis: 'paper', paperReference: 'EG-1', paperSignedOn, paperValidUntil: '31.12.2027', paperConfirmed: true }), OFFICE, NOW, INSURERS);
      return r.ok ? 'ok' : r.errors.get('paperSignedOn');
    };
    expect(signed('25.11.2026')).to.equal('ok');
    expect(signed('2025-11-25')).to.equal('ok');
    expect(signed('26.11.2026')).to.equal('Das Datum der Unterschrift darf nicht in der Zukunft liegen');
    expect(signed('24.11.2025')).to.match(/^Die Unterschrift darf höchstens 365 Tage zurückliegen/);
    expect(signed('30.02.2026')).to.equal('Geben Sie das Datum als TT.MM.JJJJ an, zum Beispiel 03.12.2026');
  });

  it('refuses what the authority may not request, and an unknown legal basis', () => {
    const r = validateLookup(valid({ evidenceTypes: ['maternity-benefit'], purpose: 'buergergeld', insurerIk: '108310400' }), OFFICE, NOW, INSURERS);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect([...r.errors.keys()]).to.have.members(['evidenceTypes', 'purpose']);
    const basis = validateLookup(valid({ basis: 'legal-basis', legalBasis: 'made-up' }), OFFICE, NOW, INSURERS);
    expect(!basis.ok && basis.errors.get('legalBasis')).to.equal('Wählen Sie eine Rechtsgrundlage aus der Liste aus');
    const notOurs = validateLookup(valid({ purpose: 'wohngeld', basis: 'legal-basis', legalBasis: 'wogg-23' }), OFFICE, NOW, INSURERS);
    expect(!notOurs.ok && notOurs.errors.get('legalBasis')).to.equal('Auf diese Rechtsgrundlage darf sich Ihre Behörde nicht stützen');
  });

  it('asks only for the routing hints the chosen types need, and sends only those', () => {
    const all = { insurerIk: '108310400', residence: 'Köln', birthPlace: '09162000' };
    const salary = validateLookup(valid(all), OFFICE, NOW, INSURERS);
    expect(salary.ok && salary.value.body.routing).to.equal(undefined);
    const income = validateLookup(valid({ ...all, evidenceTypes: ['income'] }), OFFICE, NOW, INSURERS);
    expect(income.ok && income.value.body.routing).to.deep.equal({ ags: '05315000' });
    const missing = validateLookup(valid({ evidenceTypes: ['income'] }), OFFICE, NOW, INSURERS);
    expect(!missing.ok && Object.fromEntries(missing.errors)).to.deep.equal({ residence: 'Geben Sie den Wohnort an (Name oder 8-stelliger Gemeindeschlüssel)' });
  });

  it('reads a municipality by name (any case, ae for ä) or as an 8-digit AGS, and names a problem', () => {
    const office = { ...OFFICE, evidenceTypes: [...OFFICE.evidenceTypes, 'maternity-benefit' as const, 'birth-certificate' as const] };
    const residence = (typed: string) => {
      const r = validateLookup(valid({ evidenceTypes: ['income'], residence: typed }), office, NOW, INSURERS);
      return r.ok ? r.value.body.routing?.ags : r.errors.get('residence');
    };
    expect(residence(' koeln ')).to.equal('05315000');
    expect(residence('Saarbrücken')).to.equal('10041100');
    expect(residence('03 241 001')).to.equal('03241001');
    expect(residence('07111000')).to.equal('07111000'); // any AGS, listed or not
    expect(residence('Entenhausen')).to.match(/^Diese Gemeinde ist hier nicht verzeichnet/);
    expect(residence('17000000')).to.match(/^Ein Gemeindeschlüssel hat 8 Ziffern und beginnt mit 01 bis 16/);
    expect(residence('0916200')).to.match(/^Ein Gemeindeschlüssel hat 8 Ziffern/);
    const both = validateLookup(valid({ purpose: 'elterngeld', evidenceTypes: ['maternity-benefit', 'birth-certificate'], basis: 'existing' }), office, NOW, INSURERS);
    expect(!both.ok && Object.fromEntries(both.errors)).to.deep.equal({
      insurerIk: 'Wählen Sie die Krankenkasse der Person aus',
      birthPlace: 'Geben Sie den Geburtsort an (Name oder 8-stelliger Gemeindeschlüssel)',
    });
    const unlisted = validateLookup(valid({ evidenceTypes: ['maternity-benefit'], insurerIk: '999999999' }), office, NOW, INSURERS);
    expect(!unlisted.ok && unlisted.errors.get('insurerIk')).to.equal('Wählen Sie eine Krankenkasse aus der Liste aus');
  });

  it('has a field for the routing hint of every type that routes by one', () => {
    for (const t of EVIDENCE_TYPE_LIST) {
      const needed = hintsNeeded([t.code]);
      expect(needed.map(([hint]) => hint), t.code).to.deep.equal(t.routing.kind === 'national' ? [] : [t.routing.hint]);
      for (const [hint] of needed) expect(HINT_FIELDS[hint].missing, t.code).to.be.a('string');
    }
  });

  it('knows each listed municipality by its name, with a distinct valid AGS (the Land capitals among them)', () => {
    for (const m of MUNICIPALITIES) expect(readMunicipality(m.name), m.name).to.deep.equal({ ok: true, ags: m.ags });
    expect(new Set(MUNICIPALITIES.map((m) => m.ags)).size).to.equal(MUNICIPALITIES.length);
    const lands = new Set(MUNICIPALITIES.map((m) => m.ags.slice(0, 2)));
    expect([...lands].sort()).to.deep.equal(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', '14', '15', '16']);
  });

  it('takes a period as MM.JJJJ or YYYY-MM, both ends or none, in order', () => {
    expect(normalizeMonth('1.2026')).to.equal('2026-01');
    const r = validateLookup(valid({ periodFrom: '01.2026', periodTo: '2026-06' }), OFFICE, NOW, INSURERS);
    expect(r.ok && r.value.body.period).to.deep.equal({ from: '2026-01', to: '2026-06' });
    const reversed = validateLookup(valid({ periodFrom: '06.2026', periodTo: '01.2026' }), OFFICE, NOW, INSURERS);
    expect(!reversed.ok && reversed.errors.get('periodFrom')).to.equal('Der Monat „von“ darf nicht nach dem Monat „bis“ liegen');
    const half = validateLookup(valid({ periodFrom: '06.2026' }), OFFICE, NOW, INSURERS);
    expect(!half.ok && half.errors.get('periodTo')).to.equal('Geben Sie auch den Monat „bis“ an');
  });
});

describe('pages: cockpit filter and grant form', () => {
  const at = (iso: string, requester: string, type: string): TransferRecord => ({ auditEntryId: 1, leafIndex: 0, at: new Date(iso), kind: 'transfer', detailsMissing: false, requester, requestId: null, details: { items: [{ type }] } });
  const log = [at('2026-11-24T23:30:00Z', 'a', 'salary'), at('2026-11-20T10:00:00Z', 'b', 'income'), at('2026-10-01T10:00:00Z', 'a', 'income')];

  it('filters by Berlin calendar days, authority and evidence type', () => {
    const f = validateFilter({ from: '25.11.2026', to: '25.11.2026', authority: '', type: '' }, ['a', 'b']);
    expect(f.ok && applyFilter(log, f.value).length).to.equal(1); // 23:30 UTC on the 24th is the 25th in Berlin
    const g = validateFilter({ from: '', to: '', authority: 'a', type: 'income' }, ['a', 'b']);
    expect(g.ok && applyFilter(log, g.value).map((t) => t.at.toISOString())).to.deep.equal(['2026-10-01T10:00:00.000Z']);
    expect(g.ok && filterQuery(g.value)).to.equal('?authority=a&type=income');
  });

  it('filters a refused request by the authority that asked and the evidence types it asked for', () => {
    const refused: TransferRecord = { auditEntryId: 3, leafIndex: 2, at: new Date('2026-11-21T12:00:00Z'), kind: 'refusal', detailsMissing: false, requester: 'b', reason: 'no-consent', consentId: null, details: { evidenceTypes: ['salary'] } };
    const salaryOfB = validateFilter({ from: '', to: '', authority: 'b', type: 'salary' }, ['a', 'b']);
    expect(salaryOfB.ok && applyFilter([...log, refused], salaryOfB.value).map((t) => t.auditEntryId)).to.deep.equal([3]);
    const incomeOfB = validateFilter({ from: '', to: '', authority: 'b', type: 'income' }, ['a', 'b']);
    expect(incomeOfB.ok && applyFilter([refused], incomeOfB.value)).to.deep.equal([]);
  });

  it('keeps an entry whose details are missing under any authority and type, but not outside the dates', () => {
    const missing: TransferRecord = { auditEntryId: 2, leafIndex: 1, at: new Date('2026-11-20T12:00:00Z'), kind: 'transfer', detailsMissing: true, retentionEndsAt: new Date('2028-11-20T12:00:00Z') };
    const g = validateFilter({ from: '', to: '', authority: 'a', type: 'income' }, ['a', 'b']);
    expect(g.ok && applyFilter([...log, missing], g.value).map((t) => t.auditEntryId)).to.deep.equal([1, 2]);
    const h = validateFilter({ from: '25.11.2026', to: '', authority: 'a', type: '' }, ['a', 'b']);
    expect(h.ok && applyFilter([...log, missing], h.value).some((t) => t.detailsMissing)).to.equal(false);
  });

  it('refuses a malformed, reversed or unknown filter', () => {
    const r = validateFilter({ from: '32.01.2026', to: '', authority: 'zzz', type: 'passport' }, ['a']);
    expect(!r.ok && [...r.errors.keys()]).to.deep.equal(['from', 'authority', 'type']);
    const reversed = validateFilter({ from: '02.01.2026', to: '01.01.2026', authority: '', type: '' }, []);
    expect(!reversed.ok && reversed.errors.get('from')).to.equal('Das Datum „von“ darf nicht nach dem Datum „bis“ liegen');
  });

  it('checks a grant with the API schema and a known authority', () => {
    const ok = validateGrant({ grantee: 'a', purpose: 'wohngeld', evidenceTypes: ['income'], validUntil: '31.12.2027' }, '86095742719', ['a'], NOW);
    expect(ok.ok && ok.value.body).to.deep.include({ grantee: 'a', purpose: 'wohngeld', evidenceTypes: ['income'] });
    const bad = validateGrant({ grantee: 'x', purpose: '', evidenceTypes: [], validUntil: 'morgen' }, '86095742719', ['a'], NOW);
    expect(!bad.ok && [...bad.errors.keys()]).to.have.members(['grantee', 'purpose', 'evidenceTypes', 'validUntil']);
  });
});
