// Delivery end to end, as a reader meets it: in headless Chromium, subscribe from a topic page,
// confirm from the link in the mail a real SMTP server received, get the digest, see its HTML in
// Chromium (light and dark: the papers show, nothing runs, nothing loads), unsubscribe with one
// click the way a mail provider does (RFC 8058's POST), and get nothing more, while another
// subscriber to the same topic gets the next edition.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { smtpMailer } from '../../src/digest/mailer.ts';
import { runDigests } from '../../src/digest/run.ts';
import { nextEditionAfter } from '../../src/digest/schedule.ts';
import { buildApp } from '../../src/web/app.ts';
import { assertInert, launchChromium, SCREENSHOTS, skipWithoutChromium, watchPage } from '../helpers/browser.ts';
import { digestHub, type DigestHub } from '../helpers/digest-hub.ts';
import { freePort } from '../helpers/free-port.ts';
import { rawHeader, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { paper } from '../helpers/papers.ts';

const skip = skipWithoutChromium();
const TOPIC = 'speech synthesis';
const READER = 'reader@example.org';
const OTHER = 'other@example.org';
const DAY_MS = 86_400_000;

describe('subscribe, confirm, receive, unsubscribe: in a browser, with real mail', { skip }, () => {
  let hub: DigestHub;
  let sink: SmtpSink;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    sink = await startSmtpSink();
    hub = await digestHub();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await buildApp({ store: hub.store, community: { baseUrl: base, mailer: smtpMailer(sink.url, 'Paperboy <paperboy@localhost>') } });
    await app.listen({ host: '127.0.0.1', port });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await hub?.close();
    await sink?.close();
  });

  test('the whole round', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    const problems = watchPage(page);

    // Subscribe from the topic page: the Subscribe button opens the short form.
    await page.goto(`${base}/topics/${encodeURIComponent(TOPIC)}`);
    await page.locator('.delivery summary', { hasText: 'Subscribe' }).click();
    await page.locator('.delivery input[type="email"]').fill(READER);
    await page.locator('.delivery').getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await assertInert(page, problems);

    // Confirm from the mailed link: opening it asks for a press of the button.
    const confirmation = await sink.nextFor(READER);
    const link = /https?:\/\/\S+\/subscribe\/confirm\?token=[\w-]+/.exec(confirmation.text ?? '')?.[0];
    assert.ok(link && link.startsWith(base), confirmation.text);
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
    assert.match(await page.locator('main').innerText(), /reader@example\.org will get new papers on “speech synthesis”, daily at 08:00 \(UTC\)/);

    const subscriber = (await hub.store.subscriptions.subscriberByEmail(READER))!;
    const [subscription] = await hub.store.subscriptions.subscriptionsOf(subscriber.key);
    assert.equal(subscription?.state, 'active');
    // Another reader of the same topic, on the same schedule, to show that the next edition does go out.
    const schedule = subscription!.schedule;
    await hub.store.subscriptions.request({
      email: OTHER, kind: 'search', target: TOPIC, schedule, maxPapers: 10, now: new Date().toISOString(),
      confirmation: { confirmed: true, nextDueAt: subscription!.nextDueAt! },
    });

    // The digest falls due: compose and send, as the scheduler in `serve` does.
    const firstDue = Date.parse(subscription!.nextDueAt!);
    const ctx = await hub.context(smtpMailer(sink.url, 'Paperboy <digests@localhost>'), base);
    const first = await runDigests(ctx, { owner: 'test', now: () => new Date(firstDue + 60_000) });
    assert.ok(first.ran && first.value.send.sent === 2, JSON.stringify(first));
    const digest = await sink.nextFor(READER);
    await sink.nextFor(OTHER);
    assert.match(digest.subject ?? '', /^New papers on “speech synthesis”: \d+ papers · /);
    const unsubscribe = /^<(.+)>$/.exec(rawHeader(digest, 'List-Unsubscribe') ?? '')?.[1];
    assert.ok(unsubscribe && unsubscribe.startsWith(`${base}/unsubscribe/`), rawHeader(digest, 'List-Unsubscribe'));
    assert.equal(rawHeader(digest, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');

    // The mail's HTML in the browser, as a mail client shows it, light and dark.
    const titles = [...(digest.text ?? '').matchAll(/^\d+\. (.+)$/gm)].map((m) => m[1]!.trim()).slice(0, 3);
    assert.ok(titles.length === 3, digest.text);
    for (const scheme of ['light', 'dark'] as const) {
      const mailView = await browser.newContext({ viewport: { width: 720, height: 900 }, colorScheme: scheme });
      const view = await mailView.newPage();
      const viewProblems = watchPage(view);
      const requests: string[] = [];
      view.on('request', (r) => requests.push(r.url()));
      await view.setContent(digest.html as string, { waitUntil: 'load' });
      // Headings: the hidden preheader at the top also holds the titles.
      for (const title of titles) assert.ok(await view.locator('h2 a', { hasText: title.slice(0, 40) }).isVisible(), title);
      assert.deepEqual(requests, [], 'the mail loads nothing');
      await assertInert(view, viewProblems);
      const background = await view.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number) as [number, number, number];
      assert.ok(scheme === 'dark' ? r + g + b < 150 : r + g + b > 600, `${scheme} background ${background}`);
      await view.screenshot({ path: join(SCREENSHOTS, `digest-mail-${scheme}.png`), fullPage: true });
      await mailView.close();
    }

    // Its links lead to the hub: the first paper's page opens.
    const paperLink = /href="(http:\/\/127\.0\.0\.1:\d+\/papers\/[^"]+)"/.exec(digest.html as string)?.[1];
    assert.ok(paperLink);
    const opened = await page.goto(paperLink);
    assert.equal(opened?.status(), 200);

    // One click, as a mail provider sends it: a POST with no cookie and no CSRF token.
    const oneClick = await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click', redirect: 'manual' });
    assert.equal(oneClick.status, 200);
    assert.equal((await hub.store.subscriptions.subscription(subscription!.key))?.state, 'ended');

    // The next day brings new papers on the topic: the other reader gets them, the one who left does not.
    await hub.store.upsertPapers([1, 2, 3].map((n) => paper(`2612.0990${n}`, { title: `Speech synthesis with tiny vocoders, part ${n}`, abstract: 'Fast speech synthesis from text.', listedAt: new Date(firstDue + 3_600_000).toISOString() })));
    const db = new BetterSqlite3(hub.dbPath);
    db.prepare("UPDATE papers SET added_at = ? WHERE id LIKE '2612.099%'").run(new Date(firstDue + 3_600_000).toISOString());
    db.close();
    const secondDue = Date.parse(nextEditionAfter(schedule, new Date(firstDue)).dueAt);
    assert.equal(secondDue, firstDue + DAY_MS);
    const second = await runDigests(ctx, { owner: 'test', now: () => new Date(secondDue + 60_000) });
    assert.ok(second.ran && second.value.send.sent === 1, JSON.stringify(second));
    const next = await sink.nextFor(OTHER);
    assert.match(next.text ?? '', /Speech synthesis with tiny vocoders, part 1/);
    await assert.rejects(sink.nextFor(READER, 1000), /No mail for reader@example\.org/);
    assert.equal(sink.messages.filter((m) => JSON.stringify(m.to).includes(READER)).length, 2, 'the confirmation and one digest, nothing more');
    await context.close();
  });
});
