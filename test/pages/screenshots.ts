// `npm run screenshots`: renders each page at desktop and phone width into docs/screenshots/, against a
// real broker with the register simulators and the demo data (SQLite in a temporary directory).
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import { SANDBOX_ROUTING } from '../../broker/directory/sandbox-directory.ts';
import { seedDemo } from '../../broker/ops/demo.ts';
import { testDatabase } from '../helpers/databases.ts';
import { startHarness } from '../helpers/harness.ts';
import { DESKTOP, launchChromium, newPage, PHONE } from './browser.ts';

const OUT = 'docs/screenshots';

async function shoot(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: `${OUT}/${name}-${size}.png`, fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const h = await startHarness((await testDatabase('sqlite'))!);
  const demo = await seedDemo(h.broker.ctx);
  const browser = await launchChromium();
  try {
    const clerk = await newPage(browser);
    await clerk.goto(`${h.url}/ui/lookup`);
    await shoot(clerk, 'lookup-sign-in');
    await clerk.fill('#username', demo.clerkUsername);
    await clerk.fill('#password', demo.clerkPassword);
    await clerk.click('button:has-text("Anmelden")');
    await clerk.fill('#idNr', '86095742718');
    await clerk.click('button:has-text("Nachweise abrufen")');
    await shoot(clerk, 'lookup-form-errors');
    await clerk.goto(`${h.url}/ui/lookup`);
    await clerk.fill('#idNr', '86 095 742 719');
    await clerk.check('#purpose');
    await clerk.fill('#caseReference', 'EG-2026-0815');
    // The form's first checkbox carries the field's id; the others are named by their type.
    for (const [i, t] of EVIDENCE_TYPES.entries()) await clerk.check(i === 0 ? '#evidenceTypes' : `#evidenceTypes-${t}`);
    // The routing fields of the checked types: the insurer from the directory, municipalities by name.
    await clerk.selectOption('#insurerIk', SANDBOX_ROUTING.insurerIk);
    await clerk.fill('#residence', 'München');
    await clerk.fill('#birthPlace', 'München');
    await clerk.check('#basis');
    await clerk.focus('button:has-text("Nachweise abrufen")');
    await shoot(clerk, 'lookup-form-filled');
    await clerk.click('button:has-text("Nachweise abrufen")');
    await shoot(clerk, 'lookup-result');
    await clerk.emulateMedia({ media: 'print' });
    await clerk.screenshot({ path: `${OUT}/lookup-result-print.png`, fullPage: true });
    await clerk.emulateMedia({ media: 'screen' });

    const citizen = await newPage(browser);
    await citizen.goto(`${h.url}/cockpit`);
    await shoot(citizen, 'cockpit-sign-in');
    await citizen.fill('#idNr', demo.citizenIdNr);
    await citizen.click('button:has-text("Anmelden")');
    await shoot(citizen, 'cockpit-transfers');
    await citizen.goto(`${h.url}/cockpit/consents`);
    await shoot(citizen, 'cockpit-consents');
    await citizen.click('a:has-text("Widerrufen")');
    await shoot(citizen, 'cockpit-revoke');
    await citizen.goto(`${h.url}/cockpit/consents/new`);
    await citizen.click('button:has-text("Einwilligung erteilen")');
    await shoot(citizen, 'cockpit-grant-errors');
  } finally {
    await browser.close();
    await h.close();
  }
}

await main();
