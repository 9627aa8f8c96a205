// The clerk's history in a real browser (Debian's chromium, playwright-core) against the real broker and
// register simulators (SQLite): by keyboard only, axe-core (WCAG 2.1 A/AA) on the list, the filter's error
// states, a request with a pending item and the fetched answer; without JavaScript; at 320 px.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, startHarness, type Harness } from '../helpers/harness.ts';
import { axeViolations, chromiumOrSkip, describeViolations, focusIsVisible, newPage, tabTo } from './browser.ts';

const CITIZEN = '86095742719';
const PASSWORD = 'Sehr geheim 2026!';

describe('the clerk\'s history in a real browser (chromium)', function () {
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
  afterEach(() => h?.sims.byType.salary.setBehaviour({ fault: 'none' }));

  /** A page that records script errors, CSP violations (console errors) and failed assets. */
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

  async function signInClerk(page: Page): Promise<void> {
    await page.goto(`${h.url}/ui/lookup`);
    await page.fill('#username', 'anna');
    await page.fill('#password', PASSWORD);
    await page.click('button:has-text("Anmelden")');
    await page.waitForURL(/\/ui\/lookup$/);
  }

  /** A request of the clerk's authority through the API (its own system); the request's id. */
  async function apiLookup(caseReference: string, evidenceTypes: string[] = ['salary']): Promise<string> {
    const res = await h.call('POST', '/v1/evidence-requests', {
      body: { citizen: { idNr: CITIZEN }, evidenceTypes, purpose: 'wohngeld', caseReference, legalBasis: 'wogg-23', routing: { ags: '09162000' } },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  }

  const activeElement = (page: Page) => page.evaluate(() => {
    const el = (globalThis as any).document.activeElement;
    return { id: el?.id as string, tag: el?.tagName as string, text: (el?.textContent ?? '').trim() as string };
  });

  it('a clerk finds a lookup with an item still owed and fetches it, by keyboard only, axe clean on every state', async () => {
    for (let i = 0; i < 3; i++) await apiLookup(`WG-KEY-${i}`);
    h.sims.byType.salary.setBehaviour({ fault: 'pending' });
    const id = await apiLookup('WG-KEY-LATER', ['salary', 'income']);
    h.sims.byType.salary.setBehaviour({ fault: 'none' });

    const page = await open();
    await signInClerk(page);
    // From the lookup's navigation to the history.
    await tabTo(page, 'a.service-nav__link[href="/ui/requests"]');
    expect(await focusIsVisible(page)).to.equal(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/requests$/);
    expect(await page.getAttribute('a.service-nav__link[href="/ui/requests"]', 'aria-current')).to.equal('page');
    expect(await page.locator('tbody tr').count()).to.equal(4);
    await expectAccessible(page, 'history');

    // A wrong day: the summary takes focus; its link leads to the field.
    await tabTo(page, '#from');
    await page.keyboard.type('31.02.2026');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.error-summary');
    expect(await page.title()).to.equal('Fehler: Bisherige Abrufe – Nachweisabruf');
    expect((await activeElement(page)).tag).to.equal('DIV');
    await expectAccessible(page, 'history with a filter error');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect((await activeElement(page)).id).to.equal('from');

    // The right filter, by keyboard: the day cleared, "pending" chosen from the status list.
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await tabTo(page, '#status', { backwards: true });
    expect(await focusIsVisible(page)).to.equal(true);
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown'); // Alle → … → "Eine Antwort steht noch aus"
    expect(await page.inputValue('#status')).to.equal('pending');
    await tabTo(page, 'form.filters button[type=submit]');
    expect(await focusIsVisible(page)).to.equal(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(/status=pending/);
    expect(await page.locator('tbody tr').count()).to.equal(1);
    await expectAccessible(page, 'history filtered');

    await tabTo(page, `a[href="/ui/requests/${id}"]`);
    expect(await focusIsVisible(page)).to.equal(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/ui/requests/${id}$`));
    expect(await page.locator('.lead').textContent()).to.equal('Status: Teilweise beantwortet');
    expect(await page.locator('.tag:has-text("Antwort steht noch aus")').count()).to.equal(1);
    await expectAccessible(page, 'request with a pending item');

    await tabTo(page, 'form[action$="/pending"] button');
    expect(await focusIsVisible(page)).to.equal(true);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.notification:has-text("Eine Antwort ist eingetroffen")');
    expect(await page.locator('.register-data').count()).to.equal(1);
    expect(await page.locator('[data-print-button]').isVisible()).to.equal(true);
    await expectAccessible(page, 'request after fetching the pending item');
  });

  it('says which page number is wrong and leads to the pagination, axe clean', async () => {
    const page = await open();
    await signInClerk(page);
    const res = await page.goto(`${h.url}/ui/requests?page=99`);
    expect(res?.status()).to.equal(400);
    await expectAccessible(page, 'history with a page past the end');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect((await activeElement(page)).id).to.equal('page');
    const bad = await page.goto(`${h.url}/ui/requests?size=7&status=weg`);
    expect(bad?.status()).to.equal(400);
    await expectAccessible(page, 'history with a bad size and status');
  });

  it('fetches a pending item without JavaScript', async () => {
    h.sims.byType.salary.setBehaviour({ fault: 'pending' });
    const id = await apiLookup('WG-NOSCRIPT');
    h.sims.byType.salary.setBehaviour({ fault: 'none' });
    const page = await open({ javaScriptEnabled: false });
    await signInClerk(page);
    await page.goto(`${h.url}/ui/requests/${id}`);
    await page.click('button:has-text("Ausstehende Nachweise abholen")');
    await page.waitForSelector('.notification:has-text("Eine Antwort ist eingetroffen")');
    expect(await page.locator('.register-data').count()).to.equal(1);
    expect(await page.locator('.print-hint').isVisible()).to.equal(true);
  });

  it('fits a 320 px wide screen: the page does not scroll sideways (the table may, inside its box)', async () => {
    await apiLookup('WG-PHONE', ['salary', 'income']);
    const page = await open({ viewport: { width: 320, height: 640 } });
    await signInClerk(page);
    for (const path of ['/ui/requests', '/ui/requests?page=0']) {
      await page.goto(h.url + path);
      const { scroll, width } = await page.evaluate(() => ({
        scroll: (globalThis as any).document.documentElement.scrollWidth as number,
        width: (globalThis as any).innerWidth as number,
      }));
      expect(scroll, path).to.be.at.most(width);
      await expectAccessible(page, `${path} at 320 px`);
    }
  });

  it('caused no script error, no CSP violation and no failed asset on any page above', () => {
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
