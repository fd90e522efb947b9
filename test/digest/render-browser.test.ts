// The digest's HTML in a real headless Chromium, as a mail client with a browser engine shows it:
// light and dark, with scripts off (as every mail client runs) and on (in case one did not), the
// papers visible, nothing executed and nothing fetched. Screenshots go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { renderDigest } from '../../src/digest/render.ts';
import { plainMath } from '../../src/paper/plain-math.ts';
import { HOSTILE_TITLE } from '../web/fixtures.ts';
import { assertInert, launchChromium, SCREENSHOTS, skipWithoutChromium, watchPage } from '../helpers/browser.ts';
import { CONTENT, ENVELOPE } from './digest-fixtures.ts';

const skip = skipWithoutChromium();
const { html } = renderDigest(CONTENT, ENVELOPE);

/** Relative luminance (0 black … 1 white) of a computed "rgb(r, g, b)". */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number).map((c) => c / 255);
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

describe('the digest mail in a real browser', { skip }, () => {
  let browser: Browser;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    for (const javaScriptEnabled of [false, true]) {
      test(`${scheme}, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
        const context = await browser.newContext({ colorScheme: scheme, javaScriptEnabled, viewport: { width: 720, height: 900 } });
        try {
          const page = await context.newPage();
          const problems = watchPage(page);
          const requests: string[] = [];
          page.on('request', (r) => requests.push(r.url()));
          await page.setContent(html, { waitUntil: 'load' });

          for (const paper of CONTENT.papers) {
            assert.ok(await page.getByRole('link', { name: plainMath(paper.title), exact: true }).isVisible(), paper.title);
          }
          assert.ok(await page.getByText(HOSTILE_TITLE).isVisible(), 'the hostile title shows as text');
          assert.ok(await page.locator('h2', { hasText: 'Sorting in O(n log n) time' }).isVisible(), 'math reads as text');
          assert.ok(await page.getByRole('link', { name: 'Unsubscribe' }).isVisible());
          await assertInert(page, problems);
          assert.equal(await page.locator('script, img, iframe, object, embed, link, svg').count(), 0);

          // Outside the preheader, which is hidden on purpose, and the hub's own palette.
          const backgrounds = await page.evaluate(() => [document.body, document.querySelector('table')!].map((e) => getComputedStyle(e).backgroundColor));
          const card = await page.locator('.pb-card').first().evaluate((e) => getComputedStyle(e).backgroundColor);
          const title = await page.locator('h1').evaluate((e) => getComputedStyle(e).color);
          for (const bg of backgrounds) assert.ok(scheme === 'dark' ? luminance(bg) < 0.1 : luminance(bg) > 0.9, `${scheme} background: ${bg}`);
          assert.ok(scheme === 'dark' ? luminance(card) < 0.15 && luminance(title) > 0.8 : luminance(card) > 0.95 && luminance(title) < 0.2, `${scheme} card ${card}, text ${title}`);
          assert.equal(await page.locator('body > div').first().isVisible(), false, 'the preheader is hidden');

          assert.deepEqual(requests, [], 'the mail fetches nothing');
          if (!javaScriptEnabled) await page.screenshot({ path: join(SCREENSHOTS, `digest-${scheme}.png`), fullPage: true });
        } finally {
          await context.close();
        }
      });
    }
  }
});
