// The code pages (/problems) and the clerk's result with a failed item in a real browser (Debian's chromium,
// SQLite): no axe-core violations (WCAG 2.1 A and AA) in German and English, the language switch reachable by
// keyboard, and the result's link to a code's page followed by keyboard.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { explainCode } from '../../broker/domain/error-catalogue.ts';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, startHarness, type Harness } from '../helpers/harness.ts';
import { axeViolations, chromiumOrSkip, describeViolations, newPage, tabTo } from './browser.ts';

const PASSWORD = 'Sehr geheim 2026!';

describe('the problem pages in a browser', function () {
  this.timeout(120_000);
  let h: Harness;
  let browser: Browser;

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

  async function expectAccessible(page: Page, what: string): Promise<void> {
    const violations = await axeViolations(page);
    expect(violations, `${what} (${page.url()}):\n${describeViolations(violations)}`).to.deep.equal([]);
  }

  it('has no axe-core violations on the list, a code in German and English, and an unknown code', async () => {
    const page = await newPage(browser);
    for (const path of ['/problems', '/problems?lang=en', '/problems/BIRTH_CERTIFICATE_BAD_SIGNATURE', '/problems/consent-required?lang=en', '/problems/no-such-code']) {
      await page.goto(h.url + path);
      await expectAccessible(page, path);
    }
  });

  it('switches to English by keyboard, and a browser set to English gets English first', async () => {
    const page = await newPage(browser);
    await page.goto(`${h.url}/problems/CONSENT_EXPIRED`);
    await tabTo(page, 'a[hreflang="en"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/lang=en$/);
    expect(await page.textContent('h1')).to.equal(explainCode('CONSENT_EXPIRED')!.en.title);
    const english = await newPage(browser, { locale: 'en-GB' });
    await english.goto(`${h.url}/problems/CONSENT_EXPIRED`);
    expect(await english.textContent('h1')).to.equal(explainCode('CONSENT_EXPIRED')!.en.title);
  });

  it("leads from a failed item on the clerk's result to its code's page, by keyboard", async () => {
    h.sims.byType.income.setBehaviour({ fault: 'malformed-xml' });
    try {
      const page = await newPage(browser);
      await page.goto(`${h.url}/ui/sign-in`);
      await page.fill('#username', 'anna');
      await page.fill('#password', PASSWORD);
      await page.click('button[type="submit"]');
      await page.waitForURL(/\/ui\/lookup$/);
      await page.fill('#idNr', '86095742719');
      await page.check('input[name="purpose"][value="wohngeld"]');
      await page.fill('#caseReference', 'WG-PROBLEM');
      await page.check('input[name="evidenceTypes"][value="income"]');
      await page.fill('#residence', 'München');
      await page.check('input[name="basis"][value="legal-basis"]');
      await page.selectOption('#legalBasis', 'wogg-23');
      await page.click('button:has-text("Nachweise abrufen")');
      await page.waitForSelector('h1:has-text("Ergebnis des Abrufs")');
      await expectAccessible(page, 'result with a failed item');
      await tabTo(page, 'a[href="/problems/INCOME_MALFORMED_ANSWER"]');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/problems\/INCOME_MALFORMED_ANSWER$/);
      expect(await page.textContent('h1')).to.equal(explainCode('INCOME_MALFORMED_ANSWER')!.de.title);
    } finally {
      h.sims.byType.income.reset();
    }
  });
});
