// Real-browser helpers for the page tests: Debian's chromium driven by playwright-core (never a browser
// download), axe-core injected from node_modules, and keyboard-only helpers.
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

// NOTE: the callbacks given to page.evaluate run in the browser; the project's tsconfig has no DOM
// types (this is a Node code base), so they reach the DOM through globalThis, typed loosely.
type BrowserGlobal = { document: any; getComputedStyle(el: unknown): any; axe: any };

export const CHROMIUM = '/usr/bin/chromium';
const AXE_SOURCE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Chromium for a suite's `before`: launched when installed; missing, it fails the run in CI and skips the suite
 * elsewhere with a note (scripts/ensure-chromium.sh installs it). Null when skipped.
 */
export async function chromiumOrSkip(suite: Mocha.Context): Promise<Browser | null> {
  if (chromiumInstalled()) return launchChromium();
  if (process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
  process.stderr.write(`\n  NOTE: ${CHROMIUM} is missing (scripts/ensure-chromium.sh installs it): the browser tests are SKIPPED.\n\n`);
  suite.skip();
  return null;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh page in its own context (own cookies), German locale, Berlin time. */
export async function newPage(browser: Browser, opts: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin', viewport: DESKTOP, ...opts });
  return context.newPage();
}

/** One axe finding, reduced to what a failing test should print. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core with the WCAG 2.0/2.1 A and AA rules on the current page. The script goes in through the
 * DevTools protocol (page.evaluate), which the page's Content-Security-Policy rightly does not allow
 * for scripts of its own — so the CSP stays on while axe checks.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const g = globalThis as unknown as BrowserGlobal;
    const result: { violations: any[] } = await g.axe.run(g.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n: any) => String(n.target.join(' '))) }));
  });
}

/** A readable summary of violations for an assertion message. */
export function describeViolations(vs: readonly AxeViolation[]): string {
  return vs.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.slice(0, 3).join(', ')}`).join('\n');
}

/**
 * Presses Tab (or Shift+Tab) until the focused element matches the selector; fails if it is not
 * reachable within `max` presses. This is how a keyboard-only person gets there.
 */
export async function tabTo(page: Page, selector: string, opts: { max?: number; backwards?: boolean } = {}): Promise<void> {
  const max = opts.max ?? 60;
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((sel) => (globalThis as unknown as BrowserGlobal).document.activeElement?.matches(sel) ?? false, selector)) return;
    await page.keyboard.press(opts.backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${selector} is not reachable with the keyboard within ${max} presses of Tab`);
}

/** Whether the focused element shows a visible focus indicator (an outline or a box-shadow). */
export async function focusIsVisible(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const g = globalThis as unknown as BrowserGlobal;
    const el = g.document.activeElement;
    if (!el || el === g.document.body) return false;
    const s = g.getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
    return outline || (s.boxShadow !== 'none' && s.boxShadow !== '') || s.backgroundColor === 'rgb(255, 221, 0)';
  });
}
