// The pages in a real browser: Debian's chromium driven by playwright-core against the real broker and
// the register simulators (SQLite). Full flows by keyboard only, without JavaScript, axe-core (WCAG 2.1
// AA) on every page and error state, phone widths, print, CSRF from another site, lock-out, isolation.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { daysAgo } from '../helpers/paper-form.ts';
import { axeViolations, chromiumOrSkip, describeViolations, focusIsVisible, newPage, PHONE, tabTo } from './browser.ts';

const CITIZEN = '86095742719';
const OTHER_CITIZEN = '47930158243';
const PASSWORD = 'Sehr geheim 2026!';

describe('pages in a real browser (chromium)', function () {
  this.timeout(120_000);
  let h: Harness;
  let browser: Browser;
  const problems: string[] = [];

  before(async function () {
    const launched = await chromiumOrSkip(this);
    if (!launched) return;
    browser = launched;
    h = await startHarness((await testDatabase('sqlite'))!);
    await h.broker.ctx.pages.clerks.register({ username: 'anna', displayName: 'Anna Beispiel', participantId: AUTHORITY_ID, password: PASSWORD });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  /**
   * Watches a page for what must never happen: a script error, a Content-Security-Policy violation (the
   * browser reports those as console errors) or a failed stylesheet, script or icon. Pages answered with
   * 4xx on purpose are documents and do not count.
   */
  async function open(opts: Parameters<typeof newPage>[1] = {}): Promise<Page> {
    const page = await newPage(browser, opts);
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`${page.url()}: console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${page.url()}: script error: ${e.message}`));
    page.on('response', (r) => {
      if (r.request().resourceType() !== 'document' && r.status() >= 400) problems.push(`${r.url()}: ${r.status()}`);
    });
    return page;
  }

  async function expectAccessible(page: Page, what: string): Promise<void> {
    const violations = await axeViolations(page);
    expect(violations, `${what} (${page.url()}):\n${describeViolations(violations)}`).to.deep.equal([]);
  }

  async function grantConsent(idNr: string, purpose: 'elterngeld' | 'wohngeld' = 'elterngeld') {
    return h.broker.ctx.consents.grant({
      citizenIdNr: idNr,
      granteeId: AUTHORITY_ID,
      evidenceTypes: ['salary', 'maternity-benefit', 'income'],
      purpose,
      validFrom: new Date(),
      validUntil: new Date(Date.now() + 30 * 86_400_000),
      grantedBy: 'citizen',
      paper: null,
    });
  }

  async function signInClerk(page: Page): Promise<void> {
    await page.goto(`${h.url}/ui/lookup`);
    await page.fill('#username', 'anna');
    await page.fill('#password', PASSWORD);
    await page.click('button:has-text("Anmelden")');
    await page.waitForURL(/\/ui\/lookup$/);
  }

  async function signInCitizen(page: Page, idNr: string): Promise<void> {
    await page.goto(`${h.url}/cockpit`);
    await page.fill('#idNr', idNr);
    await page.click('button:has-text("Anmelden")');
    await page.waitForURL(/\/cockpit$/);
  }

  it('a clerk signs in, looks up evidence and reads it, all by keyboard', async () => {
    await grantConsent(CITIZEN);
    const page = await open();
    await page.goto(`${h.url}/ui/lookup`);
    expect(page.url()).to.match(/\/ui\/sign-in$/);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.textContent)).to.equal('Zum Inhalt springen');
    expect(await focusIsVisible(page)).to.equal(true);
    await tabTo(page, '#username');
    expect(await focusIsVisible(page)).to.equal(true);
    await page.keyboard.type('anna');
    await tabTo(page, '#password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/lookup$/);

    // With script, the routing fields show once a type that needs them is checked.
    expect(await page.locator('[data-routing-fields]').isVisible()).to.equal(false);
    await tabTo(page, '#idNr');
    await page.keyboard.type('86 095 742 719');
    await tabTo(page, '#purpose');
    await page.keyboard.press('Space');
    await tabTo(page, '#caseReference');
    await page.keyboard.type('EG-2026-4711');
    for (const box of ['#evidenceTypes', '#evidenceTypes-maternity-benefit', '#evidenceTypes-income']) {
      await tabTo(page, box);
      expect(await focusIsVisible(page)).to.equal(true);
      await page.keyboard.press('Space');
    }
    // Maternity benefit needs the insurer, chosen from the directory; income the residence, typed by name.
    expect(await page.locator('#birthPlace').isVisible()).to.equal(false);
    await tabTo(page, '#insurerIk');
    expect(await focusIsVisible(page)).to.equal(true);
    await page.keyboard.press('ArrowDown');
    expect(await page.inputValue('#insurerIk')).to.equal('108310400');
    await tabTo(page, '#residence');
    expect(await focusIsVisible(page)).to.equal(true);
    await page.keyboard.type('München');
    await tabTo(page, '#basis');
    await page.keyboard.press('Space');
    await tabTo(page, 'button[type=submit]:not(.header-button)');
    expect(await focusIsVisible(page)).to.equal(true);
    await page.keyboard.press('Enter');
    await page.waitForSelector('h1:has-text("Ergebnis des Abrufs")');

    const items = page.locator('ol.records > li');
    expect(await items.count()).to.equal(3);
    expect(await page.locator('.register-data').count()).to.equal(3);
    expect(await page.locator('.register-data__source').allTextContents()).to.satisfy((sources: string[]) =>
      ['Deutsche Rentenversicherung Bund – rvBEA', 'AOK Bayern – Die Gesundheitskasse', 'Bayerisches Landesamt für Steuern'].every((name, i) => sources[i]!.startsWith(`Quelle: ${name},`)),
    );
    expect(await page.locator('.register-data__label').first().textContent()).to.equal('Daten aus dem Register');
    expect(await page.locator('.tag').allTextContents()).to.include.members(['Vollständig beantwortet', 'Geliefert']);
    // With JavaScript the print button appears (a script of our own, allowed by the CSP); without, a hint.
    expect(await page.locator('[data-print-button]').isVisible()).to.equal(true);
    await expectAccessible(page, 'lookup result');
  });

  it('works without JavaScript: sign-in, a paper consent and the result', async () => {
    const page = await open({ javaScriptEnabled: false });
    await signInClerk(page);
    // Without script every routing field shows, each saying which type needs it.
    for (const field of ['#insurerIk', '#residence', '#birthPlace']) expect(await page.locator(field).isVisible(), field).to.equal(true);
    await page.fill('#idNr', OTHER_CITIZEN);
    await page.check('#purpose-wohngeld');
    await page.fill('#caseReference', 'WG-2026-1');
    await page.check('#evidenceTypes-income');
    await page.fill('#residence', '05315000');
    await page.check('#basis-paper');
    await page.fill('#paperReference', 'WG-Antrag 2026/1');
    await page.fill('#paperSignedOn', daysAgo(1).split('-').reverse().join('.'));
    await page.fill('#paperValidUntil', new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10).split('-').reverse().join('.'));
    await page.check('#paperConfirmed');
    await page.click('button:has-text("Nachweise abrufen")');
    await page.waitForSelector('h1:has-text("Ergebnis des Abrufs")');
    expect(await page.locator('.register-data').count()).to.equal(1);
    expect(await page.locator('[data-print-button]').isVisible()).to.equal(false);
    expect(await page.locator('.print-hint').isVisible()).to.equal(true);
  });

  it('the print view shows the result for the paper file, without menus and buttons', async () => {
    await grantConsent(CITIZEN);
    const page = await open();
    await signInClerk(page);
    await page.fill('#idNr', CITIZEN);
    await page.check('#purpose');
    await page.fill('#caseReference', 'EG-PRINT');
    await page.check('#evidenceTypes');
    await page.check('#basis');
    await page.click('button:has-text("Nachweise abrufen")');
    await page.waitForSelector('h1:has-text("Ergebnis des Abrufs")');
    await page.emulateMedia({ media: 'print' });
    for (const hidden of ['.site-header', '.site-footer', '.phase-banner', 'a.button', '.warning-text']) {
      expect(await page.locator(hidden).first().isVisible(), hidden).to.equal(false);
    }
    expect(await page.locator('.print-header').textContent()).to.match(/^TESTUMGEBUNG.*Ausdruck für die Akte · Elterngeldstelle Teststadt/);
    expect(await page.locator('.register-data').isVisible()).to.equal(true);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
  });

  it('a citizen revokes a consent by keyboard, and the clerk\'s next lookup is refused', async () => {
    const consent = await grantConsent(OTHER_CITIZEN, 'wohngeld');
    const clerk = await open();
    await signInClerk(clerk);
    const lookUp = async () => {
      await clerk.goto(`${h.url}/ui/lookup`);
      await clerk.fill('#idNr', OTHER_CITIZEN);
      await clerk.check('#purpose-wohngeld');
      await clerk.fill('#caseReference', 'WG-2026-2');
      await clerk.check('#evidenceTypes');
      await clerk.check('#basis');
      await clerk.click('button:has-text("Nachweise abrufen")');
      await clerk.waitForLoadState();
    };
    await lookUp();
    expect(await clerk.locator('h1').textContent()).to.equal('Ergebnis des Abrufs');

    const citizen = await open();
    await citizen.goto(`${h.url}/cockpit`);
    await tabTo(citizen, '#idNr');
    await citizen.keyboard.type(OTHER_CITIZEN);
    await citizen.keyboard.press('Enter');
    await citizen.waitForURL(/\/cockpit$/);
    expect(await citizen.locator('.record').first().textContent()).to.include('WG-2026-2');
    await tabTo(citizen, 'a[href="/cockpit/consents"]');
    await citizen.keyboard.press('Enter');
    await citizen.waitForURL(/\/cockpit\/consents$/);
    await tabTo(citizen, `a[href="/cockpit/consents/${consent.id}/revoke"]`);
    await citizen.keyboard.press('Enter');
    await citizen.waitForSelector('h1:has-text("Einwilligung widerrufen?")');
    await expectAccessible(citizen, 'revoke confirmation');
    await tabTo(citizen, 'button.button--warning');
    await citizen.keyboard.press('Enter');
    await citizen.waitForSelector('.notification:has-text("Einwilligung widerrufen")');
    expect(await citizen.locator('.tag:has-text("Widerrufen")').count()).to.be.greaterThan(0);

    await lookUp();
    expect(clerk.url()).to.match(/\/ui\/lookup$/);
    expect(await clerk.title()).to.equal('Fehler: Nachweise abrufen – Nachweisabruf');
    expect(await clerk.locator('.error-summary a').first().textContent()).to.match(/^Es liegt keine gültige Einwilligung vor/);
    // The summary has focus, so the refusal is the first thing read out; its link leads to the field.
    expect(await clerk.evaluate(() => (globalThis as any).document.activeElement.className)).to.equal('error-summary');
    await clerk.keyboard.press('Tab');
    await clerk.keyboard.press('Enter');
    expect(await clerk.evaluate(() => (globalThis as any).location.hash)).to.equal('#basis');
    await expectAccessible(clerk, 'lookup refused');
  });

  it('locks the sign-in after five wrong passwords and says until when', async () => {
    await h.broker.ctx.pages.clerks.register({ username: 'lotte', displayName: 'Lotte', participantId: AUTHORITY_ID, password: PASSWORD });
    const page = await open();
    await page.goto(`${h.url}/ui/sign-in`);
    for (let i = 0; i < 5; i++) {
      await page.fill('#username', 'lotte');
      await page.fill('#password', `falsch-${i}`);
      await page.click('button:has-text("Anmelden")');
      await page.waitForLoadState();
    }
    await page.fill('#password', PASSWORD);
    await page.click('button:has-text("Anmelden")');
    await page.waitForLoadState();
    expect(await page.locator('.error-summary a').textContent()).to.match(/^Zu viele falsche Versuche\. Die Anmeldung ist bis \d\d:\d\d Uhr gesperrt/);
    expect(page.url()).to.match(/\/ui\/sign-in$/);
    await expectAccessible(page, 'sign-in locked');
  });

  describe('a forged form on another site', () => {
    let evil: Server;
    let evilUrl: string;
    before(async () => {
      // Same site as the broker (127.0.0.1, another port), so SameSite=Lax does not stop the cookie:
      // only the synchronizer token can.
      evil = createServer((_req, res) => {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(`<!doctype html><html lang="en"><title>Win a prize</title><form method="post" action="${h.url}/ui/lookup">
<input type="hidden" name="idNr" value="${CITIZEN}"><input type="hidden" name="purpose" value="elterngeld">
<input type="hidden" name="caseReference" value="FORGED"><input type="hidden" name="evidenceTypes" value="salary">
<input type="hidden" name="basis" value="legal-basis"><input type="hidden" name="legalBasis" value="beeg-9">
<button>Claim</button></form>`);
      });
      await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
      evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
    });
    after(() => new Promise<void>((resolve) => evil.close(() => resolve())));

    it('is refused for a signed-in clerk and fetches nothing', async () => {
      const page = await open();
      await signInClerk(page);
      const before = await h.broker.ctx.database.prisma.auditEntry.count();
      await page.goto(evilUrl);
      await page.click('button');
      await page.waitForLoadState();
      expect(await page.locator('h1').textContent()).to.equal('Das Formular wurde nicht angenommen');
      expect(await h.broker.ctx.database.prisma.auditEntry.count()).to.equal(before);
      await expectAccessible(page, 'form refused');
    });
  });

  it('shows each citizen only their own data, also when another\'s consent id is typed in', async () => {
    const theirs = await grantConsent(OTHER_CITIZEN);
    const a = await open();
    await signInCitizen(a, CITIZEN);
    await a.goto(`${h.url}/cockpit/consents`);
    expect(await a.content()).to.not.include(theirs.id);
    const res = await a.goto(`${h.url}/cockpit/consents/${theirs.id}/revoke`);
    expect(res?.status()).to.equal(404);
    expect(await a.locator('h1').textContent()).to.equal('Seite nicht gefunden');
    const b = await open();
    await signInCitizen(b, OTHER_CITIZEN);
    await b.goto(`${h.url}/cockpit/consents`);
    expect(await b.content()).to.include(`/cockpit/consents/${theirs.id}/revoke`);
  });

  it('has no axe-core violations (WCAG 2.1 A and AA) on any page or error state', async () => {
    const consent = await grantConsent(CITIZEN);
    // A refused request (no consent for this purpose): the transfers page shows it as a refusal card.
    const refused = await h.call('POST', '/v1/evidence-requests', {
      body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['income'], purpose: 'kinderzuschlag', caseReference: 'KZ-AXE', routing: ROUTING },
    });
    expect(refused.status).to.equal(403);
    const clerk = await open();
    await clerk.goto(`${h.url}/ui/sign-in`);
    await expectAccessible(clerk, 'clerk sign-in');
    await clerk.click('button:has-text("Anmelden")');
    await expectAccessible(clerk, 'clerk sign-in with errors');
    await clerk.fill('#username', 'anna');
    await clerk.fill('#password', 'falsch');
    await clerk.click('button:has-text("Anmelden")');
    await expectAccessible(clerk, 'clerk sign-in wrong password');
    await signInClerk(clerk);
    await expectAccessible(clerk, 'lookup form');
    await clerk.fill('#idNr', '123');
    await clerk.check('#basis-paper');
    await clerk.check('#evidenceTypes-maternity-benefit');
    await clerk.check('#evidenceTypes-income');
    await clerk.fill('#residence', 'Entenhausen');
    await clerk.click('button:has-text("Nachweise abrufen")');
    expect(await clerk.locator('.error-summary a[href="#insurerIk"]').count()).to.equal(1);
    expect(await clerk.locator('.error-summary a[href="#residence"]').count()).to.equal(1);
    await expectAccessible(clerk, 'lookup form with errors');
    await clerk.uncheck('#evidenceTypes-maternity-benefit');
    await clerk.uncheck('#evidenceTypes-income');
    await clerk.fill('#idNr', CITIZEN);
    await clerk.check('#purpose');
    await clerk.fill('#caseReference', 'EG-AXE');
    await clerk.check('#evidenceTypes');
    await clerk.check('#basis');
    const filled = await clerk.content();
    await clerk.click('button:has-text("Nachweise abrufen")');
    await clerk.waitForSelector('h1:has-text("Ergebnis des Abrufs")');
    await expectAccessible(clerk, 'lookup result');
    // Back and send again: the page is not cached (no-store), so serve the filled form once more.
    await clerk.route(`${h.url}/ui/lookup/again`, (route) => route.fulfill({ body: filled, contentType: 'text/html' }));
    await clerk.goto(`${h.url}/ui/lookup/again`);
    await clerk.click('button:has-text("Nachweise abrufen")');
    await clerk.waitForSelector('.notification:has-text("bereits gesendet")');
    await expectAccessible(clerk, 'request page after a repeated send');
    await clerk.goto(`${h.url}/ui/nothing`);
    await expectAccessible(clerk, 'not found');
    for (const info of ['/info/barrierefreiheit', '/info/datenschutz', '/info/impressum']) {
      await clerk.goto(h.url + info);
      await expectAccessible(clerk, info);
    }

    const citizen = await open();
    await citizen.goto(`${h.url}/cockpit/sign-in`);
    await expectAccessible(citizen, 'citizen sign-in');
    await citizen.fill('#idNr', '12345');
    await citizen.click('button:has-text("Anmelden")');
    await expectAccessible(citizen, 'citizen sign-in with errors');
    await signInCitizen(citizen, CITIZEN);
    await expectAccessible(citizen, 'transfers');
    // The proof of the transfer just made: "later" until a signed tree head includes it, then a download by keyboard.
    const made = (await h.broker.ctx.audit.transfersForCitizen(CITIZEN)).find((t) => !t.detailsMissing && t.kind === 'transfer' && (t.details as { caseReference?: string }).caseReference === 'EG-AXE')!;
    const proof = `/cockpit/transfers/${made.auditEntryId - 1}/proof`;
    expect((await h.broker.ctx.treeHeads.latest())?.treeSize ?? 0, 'no head signed since the transfer').to.be.at.most(made.auditEntryId - 1);
    await citizen.goto(h.url + proof);
    expect(await citizen.locator('h1').textContent()).to.equal('Der Nachweis ist noch nicht verfügbar');
    await expectAccessible(citizen, 'proof not yet available');
    await h.broker.ctx.treeHeads.sign();
    await citizen.goto(`${h.url}/cockpit`);
    await expectAccessible(citizen, 'transfers with proof downloads and the log key');
    await tabTo(citizen, `a[href="${proof}"]`, { max: 80 });
    expect(await focusIsVisible(citizen)).to.equal(true);
    const [download] = await Promise.all([citizen.waitForEvent('download'), citizen.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).to.equal(`nachweis-${made.auditEntryId}.json`);
    await citizen.fill('#from', '31.02.2026');
    await citizen.click('button:has-text("Filter anwenden")');
    await expectAccessible(citizen, 'transfers with a filter error');
    await citizen.goto(`${h.url}/cockpit?type=income`);
    await expectAccessible(citizen, 'transfers filtered');
    // The refused request above asked for income: the filter keeps its card.
    expect(await citizen.locator('.record:has-text("abgelehnt")').count()).to.be.greaterThan(0);
    await citizen.goto(`${h.url}/cockpit/consents`);
    await expectAccessible(citizen, 'consents');
    await citizen.goto(`${h.url}/cockpit/consents/${consent.id}`);
    await expectAccessible(citizen, 'one consent with the transfers made under it');
    await citizen.goto(`${h.url}/cockpit/consents`);
    await citizen.click('a:has-text("Neue Einwilligung erteilen")');
    await expectAccessible(citizen, 'grant form');
    await citizen.click('button:has-text("Einwilligung erteilen")');
    await expectAccessible(citizen, 'grant form with errors');
    await citizen.selectOption('#grantee', AUTHORITY_ID);
    await citizen.check('#purpose-wohngeld');
    await citizen.check('#evidenceTypes-income');
    await citizen.fill('#validUntil', '31.12.2030');
    await citizen.click('button:has-text("Einwilligung erteilen")');
    await citizen.waitForSelector('.notification:has-text("Einwilligung erteilt")');
    await expectAccessible(citizen, 'consents after granting');
  });

  it('a citizen grants a consent by keyboard only', async () => {
    const page = await open();
    await signInCitizen(page, CITIZEN);
    await page.goto(`${h.url}/cockpit/consents`);
    await tabTo(page, 'a[href="/cockpit/consents/new"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/consents\/new$/);
    await tabTo(page, '#grantee');
    await page.keyboard.press('ArrowDown');
    expect(await page.inputValue('#grantee')).to.equal(AUTHORITY_ID);
    await tabTo(page, '#purpose');
    await page.keyboard.press('ArrowDown'); // radios: the arrow keys move and choose
    expect(await page.isChecked('#purpose-wohngeld')).to.equal(true);
    await tabTo(page, '#evidenceTypes-income');
    await page.keyboard.press('Space');
    await tabTo(page, '#validUntil');
    await page.keyboard.type('31.12.2030');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.notification:has-text("Einwilligung erteilt")');
    expect(await page.locator('.record:has-text("Wohngeld")').count()).to.be.greaterThan(0);
  });

  it('fits a 320 px wide screen without sideways scrolling (WCAG 1.4.10 reflow)', async () => {
    await grantConsent(CITIZEN);
    const clerk = await open({ viewport: { width: 320, height: 640 } });
    await signInClerk(clerk);
    const citizen = await open({ viewport: PHONE });
    await signInCitizen(citizen, CITIZEN);
    const pages: [Page, string][] = [
      [clerk, '/ui/lookup'],
      [citizen, '/cockpit'],
      [citizen, '/cockpit/consents'],
      [citizen, '/cockpit/consents/new'],
    ];
    for (const [page, path] of pages) {
      await page.setViewportSize({ width: 320, height: 640 });
      await page.goto(h.url + path);
      const { scroll, width } = await page.evaluate(() => ({
        scroll: (globalThis as any).document.documentElement.scrollWidth as number,
        width: (globalThis as any).innerWidth as number,
      }));
      expect(scroll, path).to.be.at.most(width);
    }
    // At phone width even the register's tables fit without scrolling inside their box.
    await clerk.setViewportSize(PHONE);
    await clerk.goto(`${h.url}/ui/lookup`);
    await clerk.fill('#idNr', CITIZEN);
    await clerk.check('#purpose');
    await clerk.fill('#caseReference', 'EG-PHONE');
    for (const t of ['#evidenceTypes', '#evidenceTypes-maternity-benefit', '#evidenceTypes-income']) await clerk.check(t);
    await clerk.selectOption('#insurerIk', '108310400');
    await clerk.fill('#residence', 'München');
    await clerk.check('#basis');
    await clerk.click('button:has-text("Nachweise abrufen")');
    await clerk.waitForSelector('h1:has-text("Ergebnis des Abrufs")');
    const overflowing = await clerk.evaluate(() =>
      [...(globalThis as any).document.querySelectorAll('.table-wrap')].filter((w: any) => w.scrollWidth > w.clientWidth).length,
    );
    expect(overflowing).to.equal(0);
  });

  it('caused no script error, no CSP violation and no failed asset on any page above', () => {
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
