// Debian's headless Chromium for the page tests, and the checks every hostile page gets: no dialog
// opened, no script error or CSP refusal logged, no injected script ran, no injected element exists.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** Where screenshots go for a human to look at (git-ignored). */
export const SCREENSHOTS = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'test-output', 'screenshots');

/** A suite's skip reason when there is no browser (CI installs it), said once. */
export function skipWithoutChromium(): string | false {
  if (existsSync(CHROMIUM)) return false;
  const reason = `SKIPPED: ${CHROMIUM} not found (CI installs it; locally: apt-get install -y chromium)`;
  console.warn(reason);
  return reason;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Records a page's dialogs, script errors and console errors (CSP violations land there). */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  return problems;
}

export async function assertInert(page: Page, problems: string[]): Promise<void> {
  assert.deepEqual(problems, []);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, 'no injected script ran');
  assert.equal(await page.locator('img[src="x"], svg[onload], a[href^="javascript:" i]').count(), 0, 'no injected element or script link');
}
