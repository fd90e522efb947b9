// The community end to end in a real headless Chromium, against a real SMTP server and a local
// server replaying the arXiv API: a new reader signs in with the link from the mail, submits a
// paper, upvotes it, comments (hostile Markdown included), keeps it in a collection, and sees it
// trend. Hostile comments and titles stay inert: no dialog opens and no injected script runs.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { smtpMailer } from '../../src/digest/mailer.ts';
import type { Store } from '../../src/store/store.ts';
import { buildApp } from '../../src/web/app.ts';
import { atomFeed } from '../helpers/arxiv-atom.ts';
import { assertInert, launchChromium, SCREENSHOTS, skipWithoutChromium, watchPage } from '../helpers/browser.ts';
import { recordingClient, startReplayServer, type ReplayServer } from '../helpers/replay-server.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { fixtureStore, HOSTILE_ID } from './fixtures.ts';
import { freePort } from '../helpers/free-port.ts';

const skip = skipWithoutChromium();

/** The hub's clock: the morning after the fixtures' latest day. */
const NOW = new Date('2024-06-04T09:00:00.000Z');
const SUBMITTED_ID = '2406.01234';
const SUBMITTED_TITLE = 'Sparse attention makes long-context retrieval cheap';

const ATOM = atomFeed([{
  id: SUBMITTED_ID,
  title: SUBMITTED_TITLE,
  summary: 'We show that sparse attention over retrieved passages keeps long-context question answering accurate at a tenth of the cost.',
  published: '2024-06-02T17:00:00Z',
  category: 'cs.CL',
  authors: ['Ana Reader', 'Bo Writer'],
}]);

const HOSTILE_COMMENT = [
  'Nice! <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>',
  '',
  '[click me](javascript:window.__pwned=3) and <a href="javascript:window.__pwned=4">raw</a>',
  '',
  '$\\href{javascript:window.__pwned=5}{math link}$ **bold stays**',
].join('\n');


describe('a new reader in a real browser, with real mail', { skip }, () => {
  let store: Store;
  let app: FastifyInstance;
  let sink: SmtpSink;
  let arxiv: ReplayServer;
  let browser: Browser;
  let base: string;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    sink = await startSmtpSink();
    arxiv = await startReplayServer((req) =>
      req.query.get('id_list') === SUBMITTED_ID ? { status: 200, body: ATOM } : { status: 200, body: atomFeed([]) },
    );
    store = await fixtureStore();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await buildApp({
      store,
      community: {
        baseUrl: base,
        mailer: smtpMailer(sink.url, 'Paperboy <paperboy@localhost>'),
        arxiv: { baseUrl: `${arxiv.url}/api/query`, client: recordingClient().client },
        now: () => NOW,
      },
    });
    await app.listen({ host: '127.0.0.1', port });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
    await arxiv?.close();
    await sink?.close();
  });

  /** Signs in through the form and the mailed link; starts at /signin unless the page is there already. */
  async function signIn(page: Page, email: string): Promise<void> {
    if (!new URL(page.url()).pathname.startsWith('/signin')) await page.goto(`${base}/signin`);
    await page.getByLabel(/email/i).fill(email);
    await page.getByRole('button', { name: /send|email me|sign-in link/i }).click();
    await page.getByText(/check your inbox/i).first().waitFor();
    const mail = await sink.nextFor(email);
    const link = (mail.text ?? '').match(/https?:\/\/\S+\/signin\/verify\?token=[\w-]+/)?.[0];
    assert.ok(link, `the mail holds a sign-in link: ${mail.text}`);
    assert.ok(link.startsWith(base), 'the link points at the hub');
    await page.goto(link);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
  }

  test('sign in, submit, upvote, comment, collect, and see it trend', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const problems = watchPage(page);

      await signIn(page, 'ana@example.org');
      const account = page.locator('.site-header');
      await account.getByRole('link', { name: 'ana' }).waitFor();

      // Submit by URL form: metadata comes from the (replayed) arXiv API.
      await page.goto(`${base}/submit`);
      await page.getByLabel(/arxiv/i).first().fill(`https://arxiv.org/abs/${SUBMITTED_ID}v1`);
      await page.getByRole('button', { name: /submit/i }).click();
      await page.waitForURL(`${base}/papers/${SUBMITTED_ID}`);
      await page.getByRole('heading', { name: SUBMITTED_TITLE }).waitFor();
      await page.getByText(/submitted by/i).first().waitFor();
      assert.ok(arxiv.requests.some((r) => r.includes(`id_list=${SUBMITTED_ID}`)), 'the arXiv API was asked');

      // Upvote without a reload: the page's own state survives the click.
      await page.evaluate(() => ((window as unknown as { __sameDocument?: boolean }).__sameDocument = true));
      const vote = page.locator('form[action$="/vote"] button').first();
      await vote.click();
      await page.waitForFunction(() => document.querySelector('form[action$="/vote"] button')?.getAttribute('aria-pressed') === 'true');
      assert.match(await vote.innerText(), /\b1\b/);
      assert.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true, 'voting did not reload the page');

      // A comment with hostile Markdown: its text shows, nothing in it runs or links to script.
      await page.getByLabel(/comment/i).first().fill(HOSTILE_COMMENT);
      await page.getByRole('button', { name: /^(post|comment|add comment)/i }).first().click();
      await page.locator('.comment strong', { hasText: 'bold stays' }).first().waitFor();
      await assertInert(page, problems);
      await page.reload();
      await page.locator('.comment strong', { hasText: 'bold stays' }).first().waitFor();
      await assertInert(page, problems);
      await page.screenshot({ path: join(SCREENSHOTS, 'community-paper.png'), fullPage: true });

      // A collection, then the paper added to it from a card on the day's list.
      await page.goto(`${base}/collections/new`);
      await page.getByLabel(/name/i).first().fill('Reading group');
      await page.getByRole('button', { name: /create/i }).click();
      await page.goto(`${base}/?date=2024-06-04`);
      const card = page.locator('.card', { hasText: SUBMITTED_TITLE });
      await card.locator('summary', { hasText: /collect|save/i }).click();
      await card.getByRole('button', { name: /reading group/i }).click();
      await page.goto(`${base}/u/ana`);
      await page.getByRole('link', { name: /reading group/i }).first().click();
      await page.getByText(SUBMITTED_TITLE).first().waitFor();

      // It trends today, and the card says why.
      await page.goto(`${base}/trending`);
      const trending = page.locator('.card', { hasText: SUBMITTED_TITLE });
      await trending.waitFor();
      assert.match(await trending.innerText(), /\+1 upvote in 24 h/);
      assert.equal(await trending.locator('svg').count() > 0, true, 'a sparkline is drawn');
      await page.screenshot({ path: join(SCREENSHOTS, 'trending.png'), fullPage: true });
      await assertInert(page, problems);
    } finally {
      await context.close();
    }
  });

  test('a visitor is sent to sign in, and comes back to the page afterwards', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems = watchPage(page);
      await page.goto(`${base}/papers/${HOSTILE_ID}`);
      await page.getByRole('link', { name: /sign in/i }).first().click();
      await page.waitForURL(/\/signin/);
      await signIn(page, 'bo@example.org');
      await page.waitForURL(`${base}/papers/${HOSTILE_ID}`);
      await assertInert(page, problems);
    } finally {
      await context.close();
    }
  });
});
