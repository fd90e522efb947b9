// The pages in a real headless Chromium, as a reader sees them: titles, rendered math, highlighted
// matches, light and dark schemes, and hostile titles that stay inert (no dialog, no script ran).
// Screenshots go to test-output/screenshots/ (git-ignored) for a human to look at.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Store } from '../../src/store/store.ts';
import { buildApp } from '../../src/web/app.ts';
import { assertInert, launchChromium, SCREENSHOTS, skipWithoutChromium, watchPage } from '../helpers/browser.ts';
import { fixtureStore, HOSTILE_ID, HOSTILE_TITLE, MATH_ID, RICH_ID } from './fixtures.ts';

const skip = skipWithoutChromium();

const SCHEMES = [
  { scheme: 'light', background: 'rgb(246, 247, 251)' },
  { scheme: 'dark', background: 'rgb(13, 17, 26)' },
] as const;

describe('pages in a real browser', { skip }, () => {
  let app: FastifyInstance;
  let store: Store;
  let browser: Browser;
  let base: string;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    store = await fixtureStore();
    app = await buildApp({ store });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
  });

  async function open(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    return { page, problems: watchPage(page) };
  }

  for (const { scheme, background } of SCHEMES) {
    test(`day, paper, search and week pages (${scheme})`, async () => {
      const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 900 } });
      try {
        const { page, problems } = await open(context);

        // The latest day.
        await page.goto(`${base}/`);
        await page.evaluate(() => document.fonts.ready);
        assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), background);
        await page.getByRole('heading', { name: /Monday, 3 June 2024/ }).waitFor();
        const mathTitle = page.locator(`.card-title a[href="/papers/${MATH_ID}"]`);
        assert.match((await mathTitle.innerText()).replace(/\s+/g, ' '), /^Sorting in .*time with learned comparators$/);
        assert.ok(await mathTitle.locator('.katex').isVisible(), 'the formula in the title is rendered');
        assert.ok(await page.evaluate(() => [...document.fonts].some((f) => f.family.includes('KaTeX') && f.status === 'loaded')), 'KaTeX fonts load');
        assert.ok(await page.getByText(HOSTILE_TITLE.slice(0, 30)).first().isVisible(), 'the hostile title shows as text');
        assert.equal(await page.locator('.votes .vote-count').first().innerText(), '87');
        await assertInert(page, problems);
        await page.screenshot({ path: join(SCREENSHOTS, `day-${scheme}.png`), fullPage: true });

        // The day picker, a plain form.
        await page.locator('#jump-date').fill('2024-05-31');
        await page.getByRole('button', { name: 'Go' }).click();
        await page.getByRole('heading', { name: /Friday, 31 May 2024/ }).waitFor();

        // A paper page.
        await page.goto(`${base}/papers/${RICH_ID}`);
        assert.equal(await page.locator('h1.paper-title').innerText(), 'Diffusion models for protein structure generation');
        assert.ok(await page.locator('.ai-summary .katex').isVisible());
        assert.ok(await page.getByRole('link', { name: 'PDF' }).isVisible());
        assert.equal(await page.locator('.versions li').count(), 2);
        await page.screenshot({ path: join(SCREENSHOTS, `paper-${scheme}.png`), fullPage: true });

        // A search typed into the header box and sent by the form (no JavaScript involved).
        await page.locator('#site-q').fill('diffusion');
        await page.locator('#site-q').press('Enter');
        await page.waitForURL(/\/search\?q=diffusion/);
        const marks = page.locator('.card-title mark');
        assert.equal(await marks.count(), 2);
        assert.equal((await marks.first().innerText()).toLowerCase(), 'diffusion');
        assert.notEqual(await marks.first().evaluate((m) => getComputedStyle(m).backgroundColor), 'rgba(0, 0, 0, 0)', 'matches are highlighted');
        await page.screenshot({ path: join(SCREENSHOTS, `search-${scheme}.png`), fullPage: true });

        // A week with its chart.
        await page.goto(`${base}/week/2024-W22`);
        const busyBar = page.locator('.bars a[title^="Tuesday, 28 May 2024"] .bar');
        const box = await busyBar.boundingBox();
        assert.ok(box && box.height > 50, 'the busiest day has the tallest bar');
        await page.screenshot({ path: join(SCREENSHOTS, `week-${scheme}.png`) });

        // The hostile paper's own page.
        await page.goto(`${base}/papers/${HOSTILE_ID}`);
        assert.equal(await page.locator('h1.paper-title').innerText(), HOSTILE_TITLE);
        await assertInert(page, problems);
      } finally {
        await context.close();
      }
    });
  }

  for (const { scheme } of SCHEMES) {
    test(`suggestions as you type in the header box (${scheme})`, async () => {
      const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 900 } });
      try {
        const { page, problems } = await open(context);
        const csp: string[] = [];
        page.on('console', (m) => {
          if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
        });
        await page.goto(`${base}/`);
        const box = page.locator('#site-q');
        const list = page.locator('#site-q-suggestions');
        assert.equal(await box.getAttribute('role'), 'combobox', 'the script ran and made the box a combobox');
        assert.equal(await box.getAttribute('aria-expanded'), 'false');
        assert.ok(await list.isHidden());

        await box.pressSequentially('diffu', { delay: 30 });
        const option = list.getByRole('option', { name: /Diffusion models for protein structure generation/ });
        await option.waitFor({ state: 'visible' });
        assert.equal(await list.getAttribute('role'), 'listbox');
        assert.equal(await box.getAttribute('aria-expanded'), 'true');
        assert.equal(await box.getAttribute('aria-controls'), 'site-q-suggestions');
        assert.equal(await list.getByRole('option').count(), 2);
        await page.screenshot({ path: join(SCREENSHOTS, `suggest-${scheme}.png`) });

        // Arrow keys move through the options; Escape closes the list and keeps the text.
        await box.press('ArrowDown');
        const first = list.getByRole('option').first();
        assert.equal(await first.getAttribute('aria-selected'), 'true');
        assert.equal(await box.getAttribute('aria-activedescendant'), await first.getAttribute('id'));
        await box.press('ArrowDown');
        await box.press('ArrowDown'); // wraps to the first
        assert.equal(await first.getAttribute('aria-selected'), 'true');
        await box.press('Escape');
        assert.ok(await list.isHidden());
        assert.equal(await box.getAttribute('aria-expanded'), 'false');
        assert.equal(await box.inputValue(), 'diffu');

        // An author, then Enter on a chosen suggestion opens it.
        await box.fill('');
        await box.pressSequentially('jane d', { delay: 30 });
        const author = list.getByRole('option', { name: /Jane Doe/ });
        await author.waitFor({ state: 'visible' });
        assert.match(await author.innerText(), /Author\s+Jane Doe\s+2 papers/i);
        await box.press('ArrowDown');
        await box.press('Enter');
        await page.waitForURL(/\/authors\/Jane%20Doe$/);
        assert.equal(await page.locator('.card').count(), 2);

        // A hostile title is shown as text in the list; nothing in it runs.
        await page.locator('#site-q').fill('');
        await page.locator('#site-q').pressSequentially('adversar', { delay: 30 });
        const hostile = page.locator('#site-q-suggestions').getByRole('option').first();
        await hostile.waitFor({ state: 'visible' });
        assert.equal(await hostile.locator('.suggestion-text').innerText(), HOSTILE_TITLE);
        await assertInert(page, problems);

        // Without a chosen suggestion, Enter is a plain search.
        await page.locator('#site-q').press('Enter');
        await page.waitForURL(/\/search\?q=adversar$/);
        assert.deepEqual(csp, []);
        await assertInert(page, problems);
      } finally {
        await context.close();
      }
    });
  }

  test('search modes and "find papers like a text" work as plain forms and links', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await open(context);
      await page.goto(`${base}/search?q=diffusion`);
      await page.getByRole('link', { name: 'Keywords', exact: true }).click();
      await page.waitForURL(/mode=keyword/);
      assert.equal(await page.locator('.modes a[aria-current="true"]').innerText(), 'Keywords');
      await page.locator('#like-text').fill('A diffusion model generates protein backbones.\nDesignable structures follow.');
      await page.getByRole('button', { name: 'Find similar papers' }).click();
      await page.getByRole('heading', { name: 'Papers like your text' }).waitFor();
      assert.ok((await page.locator('.card').count()) > 0);
      assert.match(await page.locator('.notice').first().innerText(), /Meaning search is not built yet/);
      await page.goto(`${base}/papers/${RICH_ID}`);
      await page.getByRole('link', { name: 'More like this →' }).click();
      await page.getByRole('heading', { name: /Papers like: Diffusion models for protein structure generation/ }).waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'like-light.png'), fullPage: true });
      await assertInert(page, problems);
    } finally {
      await context.close();
    }
  });

  test('a phone-sized screen', async () => {
    const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    try {
      const { page, problems } = await open(context);
      await page.goto(`${base}/`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `no sideways scrolling (overflow ${overflow}px)`);
      assert.ok(await page.locator('#site-q').isVisible());
      // Two header rows, not three: the logo, the listings and "Sign in" share the first.
      const box = async (selector: string) => (await page.locator(selector).first().boundingBox())!;
      const [brand, nav, account, search] = await Promise.all(['.brand', '.site-nav', '.account-area', '.header-search'].map(box));
      for (const [name, b] of [['listings', nav], ['sign in', account]] as const) assert.ok(Math.abs(b!.y + b!.height / 2 - (brand!.y + brand!.height / 2)) < 8, `${name} on the logo's row (${JSON.stringify(b)} vs ${JSON.stringify(brand)})`);
      assert.ok(search!.y >= brand!.y + brand!.height, 'the search box below');
      assert.equal(await page.locator('.brand').getAttribute('href'), '/');
      assert.match((await page.locator('.brand').innerText()).trim() || (await page.locator('.brand').textContent()) || '', /Paperboy/, 'the name is still there for screen readers');
      await page.screenshot({ path: join(SCREENSHOTS, 'day-phone.png'), fullPage: true });
      await page.goto(`${base}/month/2024-05`);
      await page.screenshot({ path: join(SCREENSHOTS, 'month-phone.png') });
      await assertInert(page, problems);
    } finally {
      await context.close();
    }
  });

  test('keyboard shortcuts: / jumps to search, j and k move between cards, never while typing', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, problems } = await open(context);
      await page.goto(`${base}/`);
      const titles = await page.locator('article.card .card-title a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      assert.ok(titles.length >= 2);
      const focused = () => page.evaluate(() => document.activeElement?.getAttribute('href') ?? document.activeElement?.id);
      await page.keyboard.press('j');
      assert.equal(await focused(), titles[0]);
      await page.keyboard.press('j');
      assert.equal(await focused(), titles[1]);
      await page.keyboard.press('k');
      assert.equal(await focused(), titles[0]);
      await page.keyboard.press('/');
      assert.equal(await focused(), 'site-q');
      await page.keyboard.type('jk/');
      assert.equal(await page.locator('#site-q').inputValue(), 'jk/', 'typed into the box, not taken as shortcuts');
      assert.equal(await focused(), 'site-q');
      await assertInert(page, problems);
    } finally {
      await context.close();
    }
  });

  test('keyboard users see where focus is', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page } = await open(context);
      await page.goto(`${base}/`);
      await page.keyboard.press('Tab');
      const skipLink = page.getByRole('link', { name: 'Skip to content' });
      assert.ok(await skipLink.isVisible(), 'the skip link appears on focus');
      await page.keyboard.press('Tab');
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      assert.equal(outline, 'solid');
    } finally {
      await context.close();
    }
  });
});
