// Subscribing over HTTP with real mail (smtp-server): double opt-in that reveals nothing about the
// address, rate limits held in the database across restarts, the manage page reached from a mail
// without signing in, RFC 8058 one-click unsubscribe (urlencoded and multipart, no cookie, no
// CSRF token), "more / fewer like this", and the settings section of a signed-in reader.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { hubLinkSigner } from '../../src/digest/links.ts';
import { smtpMailer } from '../../src/digest/mailer.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { buildApp } from '../../src/web/app.ts';
import { digestHub } from '../helpers/digest-hub.ts';
import { parseAtom } from '../helpers/feeds.ts';
import { HttpBrowser } from '../helpers/http-browser.ts';
import { signedIn } from '../helpers/sign-in.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { PAPERS, RICH_ID, visible } from './fixtures.ts';
import { SPEECH_FIRST_ID, topicOf } from './topic-fixtures.ts';

const BASE_URL = 'http://hub.example';
const START = new Date('2026-12-07T09:00:00.000Z');
const dir = mkdtempSync(join(tmpdir(), 'paperboy-subscribe-'));
let sink: SmtpSink;
let clock = new Date(START);
let fileNo = 0;

before(async () => {
  sink = await startSmtpSink();
});
after(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

async function hub(path = join(dir, `h${++fileNo}.db`)): Promise<{ app: FastifyInstance; store: Store; path: string; close(): Promise<void> }> {
  const store = await openSqliteStore(path);
  await store.upsertPapers(PAPERS);
  const app = await buildApp({ store, community: { now: () => clock, mailer: smtpMailer(sink.url, 'Paperboy <hub@example.org>'), baseUrl: BASE_URL } });
  return { app, store, path, close: async () => (await app.close(), await store.close()) };
}

const form = (email: string, extra: Record<string, string> = {}) => ({ email, kind: 'search', target: 'diffusion models', frequency: 'daily', hour: '7', tz: 'Europe/Berlin', ...extra });

/** The confirmation link's token out of the next mail to an address. */
async function confirmationToken(email: string): Promise<string> {
  const mail = await sink.nextFor(email);
  assert.match(mail.subject ?? '', /^Confirm your subscription on Paperboy$/);
  const link = /http:\/\/hub\.example\/subscribe\/confirm\?token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '');
  assert.ok(link, mail.text);
  return link[1]!;
}

describe('subscribing without an account', () => {
  let h: Awaited<ReturnType<typeof hub>>;
  before(async () => {
    h = await hub();
  });
  after(() => h.close());

  test('the form names what it subscribes to; targets that do not exist are refused with a reason', async () => {
    const b = new HttpBrowser(h.app);
    const page = await b.get('/subscribe?kind=search&target=diffusion%20models');
    assert.equal(page.statusCode, 200);
    assert.match(visible(page.body), /Get new papers on “diffusion models” by email/);
    assert.match(page.body, /<datalist id="time-zones">[\s\S]*<option value="Europe\/Berlin">/);
    const cases: [string, number, RegExp][] = [
      ['/subscribe?kind=author&target=Nobody%20Atall', 404, /no author “Nobody Atall” in this hub/],
      ['/subscribe?kind=search&target=', 400, /with words in it/],
      ['/subscribe?kind=weather', 400, /A subscription is to one of: trending, search, author, collection, personal/],
      ['/subscribe?kind=collection&target=999', 404, /no such public collection/],
      ['/subscribe?kind=personal', 401, /Sign in to get papers like the ones you upvoted and saved by email/],
    ];
    for (const [url, status, message] of cases) {
      const res = await b.get(url);
      assert.equal(res.statusCode, status, url);
      assert.match(visible(res.body), message, url);
    }
    assert.match(visible((await b.get('/subscribe?kind=author&target=jane%20doe')).body), /new papers by Jane Doe/, 'any spelling, shown as the hub has it');
  });

  test('double opt-in: a link by mail, confirmed by a button, once; the page never says whether the address was subscribed', async () => {
    const b = new HttpBrowser(h.app);
    const first = await b.post('/subscribe', form('ana@example.org'));
    assert.equal(first.statusCode, 200);
    assert.match(visible(first.body), /If ana@example\.org can receive this digest, a mail is on its way/);
    const token = await confirmationToken('ana@example.org');
    const pending = await h.store.subscriptions.subscriberByEmail('ana@example.org');
    assert.equal((await h.store.subscriptions.subscriptionsOf(pending!.key))[0]?.state, 'pending');

    // Opening the link (as a mail scanner would) confirms nothing; the button does.
    const landing = await b.get(`/subscribe/confirm?token=${token}`);
    assert.match(landing.body, /Confirm my subscription/);
    assert.equal((await h.store.subscriptions.subscriptionsOf(pending!.key))[0]?.state, 'pending');
    const done = await b.post('/subscribe/confirm', { token });
    assert.equal(done.statusCode, 200);
    assert.match(visible(done.body), /ana@example\.org will get new papers on “diffusion models”, daily at 07:00 \(Europe\/Berlin\)/);
    assert.match(visible(done.body), /The first digest is due on Tuesday, 8 December 2026 at 07:00 \(Europe\/Berlin\)/);
    const [active] = await h.store.subscriptions.subscriptionsOf(pending!.key);
    assert.equal(active?.state, 'active');
    assert.equal(active?.nextDueAt, '2026-12-08T06:00:00.000Z');
    assert.equal((await b.post('/subscribe/confirm', { token })).statusCode, 400, 'a link works once');

    // Asked again by a stranger: the same page, a mail to the owner that changes nothing.
    const stranger = new HttpBrowser(h.app);
    const again = await stranger.post('/subscribe', form('ana@example.org', { hour: '3' }));
    assert.equal(visible(again.body).replace(/\s+/g, ' '), visible(first.body).replace(/\s+/g, ' '));
    const notice = await sink.nextFor('ana@example.org');
    assert.equal(notice.subject, 'You are already subscribed on Paperboy');
    assert.match(notice.text ?? '', /http:\/\/hub\.example\/subscriptions\/manage\/\d+\.[A-Za-z0-9_-]{43}/);
    assert.equal((await h.store.subscriptions.subscriptionsOf(pending!.key))[0]?.schedule.hour, 7);
  });

  test('bad fields are a 400 page that says what to fix and keeps what was typed', async () => {
    const b = new HttpBrowser(h.app);
    const res = await b.post('/subscribe', form('not-an-address', { hour: '25', tz: 'Mars/Olympus', frequency: 'hourly' }));
    assert.equal(res.statusCode, 400);
    const text = visible(res.body);
    for (const expected of [/“not-an-address” does not look like an email address/, /How often is “daily” or “weekly”/, /The hour is a whole number from 0 to 23/, /“Mars\/Olympus” is not a time zone/]) assert.match(text, expected);
    assert.match(res.body, /value="not-an-address"/);
  });

  test('a confirmation link expires', async () => {
    const b = new HttpBrowser(h.app);
    await b.post('/subscribe', form('late@example.org'));
    const token = await confirmationToken('late@example.org');
    clock = new Date(START.getTime() + 49 * 3_600_000);
    const res = await b.post('/subscribe/confirm', { token });
    clock = new Date(START);
    assert.equal(res.statusCode, 400);
    assert.match(visible(res.body), /expired or was already used/);
  });
});

describe('limits that hold across restarts', () => {
  test('per network address and per address, in the database', async () => {
    const path = join(dir, 'limits.db');
    let h = await hub(path);
    const b = new HttpBrowser(h.app, '10.9.9.9');
    for (let i = 0; i < 10; i++) assert.equal((await b.post('/subscribe', form(`many${i}@example.org`))).statusCode, 200);
    await h.close();
    // A restart forgets nothing: the same network address has ten more before it is refused.
    h = await hub(path);
    const again = new HttpBrowser(h.app, '10.9.9.9');
    for (let i = 10; i < 20; i++) assert.equal((await again.post('/subscribe', form(`many${i}@example.org`))).statusCode, 200);
    const refused = await again.post('/subscribe', form('many20@example.org'));
    assert.equal(refused.statusCode, 429);
    assert.match(visible(refused.body), /Too many subscriptions were asked for from your network in the last hour/);
    for (let i = 0; i < 20; i++) await sink.nextFor(`many${i}@example.org`);

    // One address: five confirmation mails a day, then the page says the same but no mail goes.
    const targets = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const [i, t] of targets.entries()) {
      const res = await new HttpBrowser(h.app, `10.8.0.${i + 1}`).post('/subscribe', form('target@example.org', { target: `topic ${t}` }));
      assert.equal(res.statusCode, 200);
      assert.match(visible(res.body), /a mail is on its way/);
    }
    for (let i = 0; i < 5; i++) await sink.nextFor('target@example.org');
    await assert.rejects(sink.nextFor('target@example.org', 500), /No mail for target@example\.org/);
    await h.close();
  });
});

describe('managing without signing in', () => {
  let h: Awaited<ReturnType<typeof hub>>;
  let manage: string;
  let key: number;
  let unsubscribe: string;
  before(async () => {
    h = await hub();
    const { subscription } = await h.store.subscriptions.request({
      email: 'cy@example.org', kind: 'search', target: 'diffusion', schedule: { frequency: 'daily', hour: 8, weekday: 1, timeZone: 'UTC' }, maxPapers: 10, now: START.toISOString(),
      confirmation: { confirmed: true, nextDueAt: '2026-12-08T08:00:00.000Z' },
    });
    await h.store.subscriptions.request({
      email: 'cy@example.org', kind: 'trending', target: '', schedule: { frequency: 'weekly', hour: 18, weekday: 5, timeZone: 'UTC' }, maxPapers: 10, now: START.toISOString(),
      confirmation: { confirmed: true, nextDueAt: '2026-12-11T18:00:00.000Z' },
    });
    key = subscription.key;
    const signer = await hubLinkSigner(h.store.shared);
    manage = `/subscriptions/manage/${signer.token('manage', subscription.subscriber.key)}`;
    unsubscribe = `/unsubscribe/${signer.token('unsubscribe', subscription.key)}`;
  });
  after(() => h.close());

  test('the manage page lists the address\'s digests; a forged or cut link is a 404', async () => {
    const b = new HttpBrowser(h.app);
    const page = await b.get(manage);
    assert.equal(page.statusCode, 200);
    const text = visible(page.body);
    assert.match(text, /Digests for cy@example\.org/);
    assert.match(text, /New papers on “diffusion”/);
    assert.match(text, /Trending papers/);
    assert.match(text, /weekly on Fridays at 18:00 \(UTC\)/);
    for (const bad of [manage.slice(0, -1), manage.replace(/\/(\d+)\./, (_m, k) => `/${Number(k) + 1}.`), unsubscribe.replace('/unsubscribe/', '/subscriptions/manage/')]) {
      assert.equal((await b.get(bad)).statusCode, 404, bad);
    }
  });

  test('change the schedule, pause and resume', async () => {
    const b = new HttpBrowser(h.app);
    await b.get(manage);
    const saved = await b.post(`${manage}/${key}/update`, { frequency: 'weekly', weekday: '3', hour: '6', tz: 'Asia/Tokyo', papers: '20' });
    assert.equal(saved.statusCode, 303);
    let s = (await h.store.subscriptions.subscription(key))!;
    assert.deepEqual([s.schedule, s.maxPapers], [{ frequency: 'weekly', weekday: 3, hour: 6, timeZone: 'Asia/Tokyo' }, 20]);
    assert.equal(s.nextDueAt, '2026-12-08T21:00:00.000Z', 'Wednesday 9 December, 06:00 in Tokyo');
    await b.post(`${manage}/${key}/pause`);
    assert.equal((await h.store.subscriptions.subscription(key))?.state, 'paused');
    assert.match(visible((await b.get(manage)).body), /paused/);
    await b.post(`${manage}/${key}/resume`);
    s = (await h.store.subscriptions.subscription(key))!;
    assert.equal(s.state, 'active');
    const refused = await b.request('POST', `${manage}/${key}/pause`, {});
    assert.equal(refused.statusCode, 403, 'the forms carry a CSRF token; a forged post does not');
  });

  test('RFC 8058 one-click: a POST from a mail provider (no cookie, no token, multipart) ends that subscription only, with no redirect', async () => {
    const boundary = '----paperboy';
    const res = await h.app.inject({
      method: 'POST',
      url: unsubscribe,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
    });
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /cy@example\.org will get no more new papers on “diffusion”/);
    assert.equal((await h.store.subscriptions.subscription(key))?.state, 'ended');
    const rest = await h.store.subscriptions.subscriptionsOf((await h.store.subscriptions.subscription(key))!.subscriber.key);
    assert.deepEqual(rest.map((s) => [s.kind, s.state]), [['trending', 'active']]);
    // Twice is harmless; urlencoded works too, and from a webmail's page on another site (the
    // signed link is the authority here, so the cross-site check leaves this route alone).
    const again = await h.app.inject({ method: 'POST', url: unsubscribe, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://mail.example.com', 'sec-fetch-site': 'cross-site' }, payload: 'List-Unsubscribe=One-Click' });
    assert.equal(again.statusCode, 200);
    // Opening the link shows a button rather than acting.
    assert.match((await h.app.inject({ method: 'GET', url: unsubscribe })).body, /<button type="submit" class="button button-primary">Unsubscribe<\/button>/);
    assert.equal((await h.app.inject({ method: 'POST', url: unsubscribe.slice(0, -2) + 'xx', payload: '' })).statusCode, 404);
  });
});

describe('more or fewer like this', () => {
  test('a page confirms (mail scanners follow links), the POST records the verdict for the address', async () => {
    const h = await hub();
    const { subscription } = await h.store.subscriptions.request({
      email: 'dee@example.org', kind: 'trending', target: '', schedule: { frequency: 'daily', hour: 8, weekday: 1, timeZone: 'UTC' }, maxPapers: 10, now: START.toISOString(),
      confirmation: { confirmed: true, nextDueAt: '2026-12-08T08:00:00.000Z' },
    });
    const token = (await hubLinkSigner(h.store.shared)).token('feedback', subscription.key);
    const b = new HttpBrowser(h.app);
    const page = await b.get(`/digest/feedback/${token}?paper=${RICH_ID}&v=fewer`);
    assert.equal(page.statusCode, 200);
    assert.match(visible(page.body), /More or fewer papers like this\? Diffusion models for protein structure generation/);
    assert.deepEqual(await h.store.subscriptions.feedbackOf('dee@example.org'), [], 'opening the link records nothing');
    const res = await b.post(`/digest/feedback/${token}`, { paper: RICH_ID, v: 'fewer' });
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /Noted: fewer papers like/);
    assert.deepEqual(await h.store.subscriptions.feedbackOf('dee@example.org'), [{ key: await h.store.keyOf(RICH_ID), verdict: -1 }]);
    assert.equal((await b.get(`/digest/feedback/${token}?paper=9999.99999`)).statusCode, 404);
    assert.equal((await b.get(`/digest/feedback/1.${'A'.repeat(43)}?paper=${RICH_ID}`)).statusCode, 404);
    await h.close();
  });
});

describe('a signed-in reader', () => {
  test('subscribes their own address at once, sees their digests and private feed in settings, and can reset the feed', async () => {
    const h = await hub();
    const session = await signedIn(h.store, 'reader@example.org', START);
    const b = new HttpBrowser(h.app).use(session);
    const res = await b.post('/subscribe', { email: 'reader@example.org', kind: 'personal', target: '', frequency: 'weekly', hour: '9', tz: 'UTC' });
    assert.equal(res.statusCode, 303);
    assert.match(res.headers.location as string, /^\/subscriptions\/manage\/\d+\.[A-Za-z0-9_-]{43}\?done=subscribed$/);
    const subscriber = await h.store.subscriptions.subscriberByEmail('reader@example.org');
    const [personal] = await h.store.subscriptions.subscriptionsOf(subscriber!.key);
    assert.deepEqual([personal?.kind, personal?.state, personal?.userKey], ['personal', 'active', session.user.key]);
    await assert.rejects(sink.nextFor('reader@example.org', 300), 'no confirmation mail for an address the account has proven');

    const settings = visible((await b.get('/settings')).body);
    assert.match(settings, /Email digests/);
    assert.match(settings, /papers like the ones you upvoted and saved, weekly on Mondays at 09:00 \(UTC\)/);
    assert.match(settings, /Trending papers, by email/, 'offers what it does not have yet');
    const feed = /value="(http:\/\/hub\.example\/feeds\/personal\/[^"]+\.atom)"/.exec((await b.get('/settings')).body)?.[1];
    assert.ok(feed);
    await b.post('/settings/feed/reset');
    const reset = /value="(http:\/\/hub\.example\/feeds\/personal\/[^"]+\.atom)"/.exec((await b.get('/settings')).body)?.[1];
    assert.ok(reset && reset !== feed, 'a new address');
    await h.close();
  });
});

describe('the private personal feed', () => {
  test('papers like the reader\'s, each saying why, at a secret address that is private, resettable, and 404 when forged', async () => {
    const hub = await digestHub({ meaning: true });
    const app = await buildApp({ store: hub.store, semantic: hub.semantic, community: { now: () => new Date(hub.arrived.getTime() + 60_000), baseUrl: BASE_URL } });
    try {
      const session = await signedIn(hub.store, 'reader@example.org', hub.arrived);
      await hub.store.community.vote(session.user.key, SPEECH_FIRST_ID, true, hub.arrived.toISOString());
      const b = new HttpBrowser(app).use(session);
      const address = /value="http:\/\/hub\.example(\/feeds\/personal\/[^"]+\.atom)"/.exec((await b.get('/settings')).body)?.[1];
      assert.ok(address);
      // A feed reader has no cookie.
      const res = await app.inject({ method: 'GET', url: address });
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['cache-control'] as string, /^private/);
      assert.equal(res.headers['set-cookie'], undefined);
      const feed = await parseAtom(res.body);
      assert.ok(feed.items.length >= 5);
      const ids = feed.items.map((i) => i.link.split('/papers/')[1]);
      assert.ok(!ids.includes(SPEECH_FIRST_ID), 'not the paper the reader already upvoted');
      assert.ok(ids.slice(0, 5).every((id) => ['speech', 'vocoder'].includes(topicOf(id!) ?? '')), ids.join(' '));
      assert.match(feed.items[0]!.summary ?? '', /^Similar to “Expressive speech synthesis with learned prosody embeddings”, which you upvoted\./);
      assert.equal((await app.inject({ method: 'GET', url: address.replace(/\.atom$/, '.json') })).statusCode, 200);

      // A changed signature (never the same character: 1 in 64 signatures ends in the one we would write).
      for (const forged of [address.replace(/\/(\d+)\./, (_m, k) => `/${Number(k) + 1}.`), address.replace(/(.)\.atom$/, (_m, c) => `${c === 'A' ? 'B' : 'A'}.atom`)]) {
        assert.equal((await app.inject({ method: 'GET', url: forged })).statusCode, 404, forged);
      }
      await b.post('/settings/feed/reset');
      assert.equal((await app.inject({ method: 'GET', url: address })).statusCode, 404, 'the old address stops working');
    } finally {
      await app.close();
      await hub.close();
    }
  });
});
