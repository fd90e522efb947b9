// Sending composed digests to a real SMTP server (smtp-server): the mail as a client sees it
// (parts, headers, links), exactly once across runs, retries with backoff on 4xx, bounces that pause
// the address, a dead server that loses nothing, and one sender at a time.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { composeDue } from '../../src/digest/compose.ts';
import { smtpMailer } from '../../src/digest/mailer.ts';
import { DIGEST_LEASE, runDigests } from '../../src/digest/run.ts';
import { MAX_ATTEMPTS, retryDelay, sendQueued } from '../../src/digest/send.ts';
import { digestHub, type DigestHub } from '../helpers/digest-hub.ts';
import { rawHeader, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { SPEECH_FIRST_ID } from '../web/topic-fixtures.ts';

let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
});
after(() => sink.close());

describe('a digest as it arrives', () => {
  let hub: DigestHub;
  let key: number;
  let mail: ParsedMail;
  let report: Awaited<ReturnType<typeof sendQueued>>;

  before(async () => {
    hub = await digestHub();
    key = await hub.subscribe('ana@example.org', { kind: 'search', target: 'speech synthesis' });
    const ctx = await hub.context(smtpMailer(sink.url, 'Paperboy <digests@hub.example>', { pool: {} }));
    await composeDue(ctx, { now: hub.composeAt, mailHost: 'hub.example' });
    report = await sendQueued(ctx, { now: () => hub.composeAt });
    mail = await sink.nextFor('ana@example.org');
    ctx.mailer.close();
  });
  after(() => hub.close());

  test('one mail, with a subject that names the search and a plain-text and an HTML part', () => {
    assert.equal(report.sent, 1);
    assert.match(mail.subject ?? '', /speech synthesis/);
    assert.ok(mail.text && mail.text.length > 200);
    assert.ok(typeof mail.html === 'string' && mail.html.includes('<table'));
    assert.equal(mail.from?.value[0]?.address, 'digests@hub.example');
    assert.match(mail.text, /Matches your search “speech synthesis”/);
  });

  test('the headers providers and clients look for', async () => {
    const [edition] = await hub.store.subscriptions.editions(key, 1);
    assert.equal(mail.messageId, `<digest-${key}-${edition!.edition}@hub.example>`);
    assert.equal(rawHeader(mail, 'List-Id'), `"Paperboy search digest" <search.digest.hub.example>`);
    assert.match(rawHeader(mail, 'List-Unsubscribe') ?? '', /^<http:\/\/hub\.example:3000\/unsubscribe\/\d+\.[A-Za-z0-9_-]{43}>$/);
    assert.equal(rawHeader(mail, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    assert.equal(rawHeader(mail, 'Auto-Submitted'), 'auto-generated');
    assert.equal(edition!.state, 'sent');
  });

  test('every link is absolute and leads to the hub or to arXiv; the manage and feedback links are signed', () => {
    const links = [...(mail.html as string).matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    assert.ok(links.length > 10);
    for (const link of links) assert.match(link, /^(http:\/\/hub\.example:3000\/|https:\/\/arxiv\.org\/)/, link);
    assert.ok(links.some((l) => /\/subscriptions\/manage\/\d+\.[A-Za-z0-9_-]{43}$/.test(l)));
    assert.ok(links.some((l) => /\/digest\/feedback\/\d+\.[A-Za-z0-9_-]{43}\?paper=2406\.01\d+&v=more$/.test(l)));
    assert.ok(links.some((l) => /^https:\/\/arxiv\.org\/pdf\/2406\.01/.test(l)));
  });
});

describe('delivery across runs and failures', () => {
  let hub: DigestHub;
  beforeEach(async () => {
    hub = await digestHub();
  });
  afterEach(() => hub.close());

  test('subscribers of the same edition share its rendering, each with links of their own that only work for them', async () => {
    const a = await hub.subscribe('one@example.org', { kind: 'search', target: 'galaxies' });
    const b = await hub.subscribe('two@example.org', { kind: 'search', target: 'galaxies' });
    const ctx = await hub.context(smtpMailer(sink.url, 'hub@hub.example'));
    await runDigests(ctx, { owner: 'test', now: () => hub.composeAt });
    const mails = [await sink.nextFor('one@example.org'), await sink.nextFor('two@example.org')];
    assert.equal(mails[0]!.subject, mails[1]!.subject);
    for (const [mail, key] of [[mails[0]!, a], [mails[1]!, b]] as const) {
      const body = `${mail.text}\n${mail.html}`;
      const unsubscribe = /\/unsubscribe\/(\d+\.[\w-]{43})/.exec(body)![1]!;
      const feedback = /\/digest\/feedback\/(\d+\.[\w-]{43})/.exec(body)![1]!;
      assert.equal(ctx.signer.check('unsubscribe', unsubscribe), key);
      assert.equal(ctx.signer.check('feedback', feedback), key);
      assert.equal(rawHeader(mail, 'List-Unsubscribe'), `<http://hub.example:3000/unsubscribe/${unsubscribe}>`);
      assert.equal(new Set([...body.matchAll(/\/unsubscribe\/(\d+\.[\w-]{43})/g)].map((m) => m[1])).size, 1, 'one unsubscribe link throughout');
      assert.doesNotMatch(body, /\/unsubscribe\/u[0-9a-f]{24}|\/feedback\/f[0-9a-f]{24}|\/manage\/m[0-9a-f]{24}/, 'no stand-in is left');
    }
  });

  test('a second run sends nothing again; a new edition next day only when there is something new', async () => {
    await hub.subscribe('bo@example.org', { kind: 'search', target: 'galaxies' });
    const ctx = await hub.context(smtpMailer(sink.url, 'hub@hub.example'));
    const first = await runDigests(ctx, { owner: 'test', now: () => hub.composeAt });
    assert.ok(first.ran && first.value.send.sent === 1);
    const again = await runDigests(ctx, { owner: 'test', now: () => hub.composeAt });
    assert.ok(again.ran);
    assert.deepEqual([again.value.compose.due, again.value.send.sent], [0, 0]);
    const nextDay = await runDigests(ctx, { owner: 'test', now: () => new Date(hub.composeAt.getTime() + 86_400_000) });
    assert.ok(nextDay.ran && nextDay.value.compose.skipped === 1 && nextDay.value.send.sent === 0);
    await sink.nextFor('bo@example.org');
    assert.equal(sink.messages.filter((m) => m.to && JSON.stringify(m.to).includes('bo@example.org')).length, 1);
  });

  test('a 4xx is retried with backoff and then delivered; after too many it is given up', async () => {
    const key = await hub.subscribe('busy@example.org', { kind: 'search', target: 'protein' });
    const giveUp = await hub.subscribe('never@example.org', { kind: 'search', target: 'protein' });
    sink.reject('busy@example.org', { code: 451, message: '4.7.1 Greylisted, try again' });
    sink.reject('never@example.org', { code: 452, message: '4.2.2 Mailbox full' });
    const ctx = await hub.context(smtpMailer(sink.url, 'hub@hub.example'));
    await composeDue(ctx, { now: hub.composeAt, mailHost: 'hub.example' });
    const first = await sendQueued(ctx, { now: () => hub.composeAt });
    assert.deepEqual([first.sent, first.retrying], [0, 2]);
    const [entry] = await hub.store.subscriptions.editions(key, 1);
    assert.equal(entry?.detail, '451 4.7.1 Greylisted, try again');
    // Not before its time.
    const early = await sendQueued(ctx, { now: () => new Date(hub.composeAt.getTime() + retryDelay(0) - 1000) });
    assert.equal(early.retrying + early.sent, 0);
    sink.reject('busy@example.org');
    const later = await sendQueued(ctx, { now: () => new Date(hub.composeAt.getTime() + retryDelay(0)) });
    assert.deepEqual([later.sent, later.retrying], [1, 1]);
    assert.equal((await sink.nextFor('busy@example.org')).subject?.includes('protein'), true);
    let clock = hub.composeAt.getTime() + retryDelay(0);
    for (let attempt = 2; attempt < MAX_ATTEMPTS; attempt++) {
      clock += retryDelay(attempt - 1);
      await sendQueued(ctx, { now: () => new Date(clock) });
    }
    const [gaveUp] = await hub.store.subscriptions.editions(giveUp, 1);
    assert.equal(gaveUp?.state, 'failed');
    assert.equal(gaveUp?.attempts, MAX_ATTEMPTS);
    assert.match(gaveUp?.detail ?? '', /^gave up after 10 tries: 452 4\.2\.2 Mailbox full$/);
    assert.equal((await hub.store.subscriptions.subscription(giveUp))?.state, 'active', 'a full mailbox is not a bounce');
    sink.reject('never@example.org');
  });

  test('a hard bounce pauses the address, says why, and its other subscriptions pause too', async () => {
    const search = await hub.subscribe('gone@example.org', { kind: 'search', target: 'speech' });
    const trending = await hub.subscribe('gone@example.org', { kind: 'author', target: 'Hana Sato' });
    const other = await hub.subscribe('here@example.org', { kind: 'search', target: 'speech' });
    sink.reject('gone@example.org', { code: 550, message: '5.1.1 User unknown' });
    const ctx = await hub.context(smtpMailer(sink.url, 'hub@hub.example'));
    await composeDue(ctx, { now: hub.composeAt, mailHost: 'hub.example' });
    const report = await sendQueued(ctx, { now: () => hub.composeAt });
    assert.deepEqual([report.sent, report.bounced], [1, 1]);
    for (const key of [search, trending]) {
      const s = (await hub.store.subscriptions.subscription(key))!;
      assert.equal(s.state, 'paused');
      assert.match(s.pausedReason ?? '', /^Mail to this address bounced on \d{4}-\d\d-\d\d: 550 5\.1\.1 User unknown$/);
    }
    assert.equal((await hub.store.subscriptions.subscription(other))?.state, 'active');
    const states = (await hub.store.subscriptions.status()).outbox.map((o) => `${o.state}:${o.count}`).sort();
    assert.deepEqual(states, ['bounced:1', 'cancelled:1', 'sent:1']);
    sink.reject('gone@example.org');
  });

  test('a dead SMTP server stops the run, loses nothing, and the next run delivers', async () => {
    for (const n of [1, 2, 3]) await hub.subscribe(`wait${n}@example.org`, { kind: 'search', target: 'speech' });
    const dead = await runDigests(await hub.context(smtpMailer('smtp://127.0.0.1:1', 'hub@hub.example')), { owner: 'a', now: () => hub.composeAt });
    assert.ok(dead.ran);
    assert.equal(dead.value.compose.queued, 3);
    assert.equal(dead.value.send.sent, 0);
    assert.match(dead.value.send.stopped ?? '', /could not be reached .*the rest waits for the next run/);
    assert.equal((await hub.store.subscriptions.queued(hub.composeAt.toISOString(), 10)).length, 3);
    const back = await runDigests(await hub.context(smtpMailer(sink.url, 'hub@hub.example')), { owner: 'a', now: () => hub.composeAt });
    assert.ok(back.ran && back.value.send.sent === 3);
    for (const n of [1, 2, 3]) await sink.nextFor(`wait${n}@example.org`);
  });

  test('one sender at a time: a second run while the lease is held does nothing and names the holder', async () => {
    await hub.subscribe('lease@example.org', { kind: 'search', target: 'speech' });
    const now = hub.composeAt;
    assert.ok(await hub.store.shared.acquireLease(DIGEST_LEASE, 'other-host:42:ab', now.toISOString(), new Date(now.getTime() + 60_000).toISOString()));
    const blocked = await runDigests(await hub.context(smtpMailer(sink.url, 'hub@hub.example')), { owner: 'me', now: () => now });
    assert.deepEqual(blocked, { ran: false, holder: 'other-host:42:ab' });
    assert.equal((await hub.store.subscriptions.status()).outbox.length, 0, 'nothing was composed');
    // Its holder died: once the lease expires, the next run takes over.
    const later = new Date(now.getTime() + 61_000);
    const taken = await runDigests(await hub.context(smtpMailer(sink.url, 'hub@hub.example')), { owner: 'me', now: () => later });
    assert.ok(taken.ran && taken.value.send.sent === 1);
    assert.equal(await hub.store.shared.lease(DIGEST_LEASE), undefined, 'given back after the run');
    await sink.nextFor('lease@example.org');
  });

  test('a personal digest names the reader\'s paper each one is like', async () => {
    await hub.close();
    hub = await digestHub({ meaning: true });
    const { user } = await hub.store.accounts.userForEmail('me@example.org', hub.arrived.toISOString());
    await hub.store.community.vote(user.key, SPEECH_FIRST_ID, true, hub.arrived.toISOString());
    await hub.subscribe('me@example.org', { kind: 'personal', userKey: user.key, maxPapers: 3 });
    await runDigests(await hub.context(smtpMailer(sink.url, 'hub@hub.example')), { owner: 'me', now: () => hub.composeAt });
    const mail = await sink.nextFor('me@example.org');
    assert.match(mail.subject ?? '', /Papers for you/);
    assert.match((mail.text ?? '').replace(/\s+/g, ' '), /Similar to “Expressive speech synthesis with learned prosody embeddings”, which you upvoted/);
  });
});
