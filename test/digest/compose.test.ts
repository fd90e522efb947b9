// Composing editions on a real hub: what each kind of subscription gets and why, once per edition,
// shared between subscribers of the same thing, skipped when there is nothing new, and stopped when
// what it follows is gone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { composeDue, digestMessageId } from '../../src/digest/compose.ts';
import type { DigestContent } from '../../src/digest/content.ts';
import { logMailer } from '../../src/digest/mailer.ts';
import { nextEditionAfter } from '../../src/digest/schedule.ts';
import { digestHub, type DigestHub } from '../helpers/digest-hub.ts';
import { SPEECH_FIRST_ID, topicOf } from '../web/topic-fixtures.ts';

/** The stored content of a subscription's latest edition. */
async function latest(hub: DigestHub, key: number): Promise<{ state: string; detail?: string; content?: DigestContent }> {
  const [entry] = await hub.store.subscriptions.editions(key, 1);
  assert.ok(entry, `subscription ${key} has an edition`);
  const db = new BetterSqlite3(hub.dbPath, { readonly: true });
  try {
    const row = db.prepare('SELECT c.body FROM digest_outbox o JOIN digest_contents c ON c.hash = o.content_hash WHERE o.subscription_pk = ? AND o.edition = ?').get(key, entry.edition) as { body: string } | undefined;
    return { state: entry.state, ...(entry.detail ? { detail: entry.detail } : {}), ...(row ? { content: JSON.parse(row.body) as DigestContent } : {}) };
  } finally {
    db.close();
  }
}

describe('composing the editions that are due', () => {
  let hub: DigestHub;
  const keys: Record<string, number> = {};
  let collectionKey: number;
  let report: Awaited<ReturnType<typeof composeDue>>;

  before(async () => {
    hub = await digestHub({ meaning: true });
    const { store } = hub;
    const at = (minutes: number) => new Date(hub.arrived.getTime() + minutes * 60_000).toISOString();
    const { user: reader } = await store.accounts.userForEmail('reader@example.org', at(0));
    const { user: voter } = await store.accounts.userForEmail('voter@example.org', at(0));
    // Two speech papers upvoted by the reader, one of them by a second person too: both trend.
    for (const id of [SPEECH_FIRST_ID, '2406.01001']) await store.community.vote(reader.key, id, true, at(1));
    await store.community.vote(voter.key, SPEECH_FIRST_ID, true, at(2));
    const collection = await store.community.createCollection({ userKey: voter.key, name: 'Galaxies to read', public: true, now: at(0) });
    collectionKey = collection.key;
    await store.community.addToCollection(collection.key, '2406.03000', at(3));
    await store.community.addToCollection(collection.key, '2406.03001', at(4));

    keys.trending = await hub.subscribe('t@example.org', { kind: 'trending' });
    keys.search = await hub.subscribe('s@example.org', { kind: 'search', target: 'speech synthesis' });
    keys.searchToo = await hub.subscribe('s2@example.org', { kind: 'search', target: 'speech synthesis' });
    keys.filtered = await hub.subscribe('f@example.org', { kind: 'search', target: 'speech -prosody cat:eess.AS' });
    keys.nothing = await hub.subscribe('n@example.org', { kind: 'search', target: 'quantum chromodynamics' });
    keys.author = await hub.subscribe('a@example.org', { kind: 'author', target: 'hana sato' });
    keys.collection = await hub.subscribe('c@example.org', { kind: 'collection', target: String(collection.key) });
    keys.personal = await hub.subscribe('reader@example.org', { kind: 'personal', userKey: reader.key });
    keys.small = await hub.subscribe('small@example.org', { kind: 'search', target: 'galaxies', maxPapers: 2 });
    report = await composeDue(await hub.context(logMailer(() => {})), { now: hub.composeAt, mailHost: 'hub.example' });
  });
  after(() => hub?.close());

  test('every due subscription is composed once, and says so', () => {
    assert.equal(report.due, Object.keys(keys).length);
    assert.equal(report.queued, Object.keys(keys).length - 1);
    assert.equal(report.skipped, 1);
    assert.equal(report.stopped, 0);
    assert.ok(report.msPerSubscription > 0);
  });

  test('trending: the most voted papers of the day, each saying why', async () => {
    const { state, content } = await latest(hub, keys.trending!);
    assert.equal(state, 'queued');
    assert.equal(content?.title, 'Trending today');
    assert.equal(content?.viewPath, '/trending');
    assert.deepEqual(content?.papers.map((p) => p.id), [SPEECH_FIRST_ID, '2406.01001']);
    assert.equal(content?.papers[0]?.reason, 'Trending: +2 upvotes in 24 h');
    assert.equal(content?.papers[0]?.upvotes, 2);
    assert.match(content!.edition, /^\w+day, \d{1,2} \w+ \d{4}$/);
  });

  test('a search: only new papers that match its words, ranked, with the search named as the reason', async () => {
    const { content } = await latest(hub, keys.search!);
    assert.ok(content!.papers.length >= 5);
    assert.ok(content!.papers.every((p) => topicOf(p.id) === 'speech' || topicOf(p.id) === 'vocoder'), content!.papers.map((p) => p.id).join(' '));
    assert.ok(content!.papers.every((p) => p.reason === 'Matches your search “speech synthesis”'));
    assert.equal(content!.title, 'New papers on “speech synthesis”');
    assert.equal(content!.viewPath, '/topics/speech%20synthesis');
    assert.match(content!.papers[0]!.title, /speech synthesis/i, 'both words rank first');
    assert.ok(content!.papers.every((p) => p.summary.length > 0 && p.summarySource === 'abstract'));
  });

  test('two subscribers of the same search share one stored edition', async () => {
    const db = new BetterSqlite3(hub.dbPath, { readonly: true });
    const hashes = db.prepare('SELECT DISTINCT content_hash FROM digest_outbox WHERE subscription_pk IN (?, ?)').all(keys.search, keys.searchToo);
    db.close();
    assert.equal(hashes.length, 1);
  });

  test('filters, exclusions and the size of a digest are kept', async () => {
    const filtered = (await latest(hub, keys.filtered!)).content!;
    assert.ok(filtered.papers.length > 0);
    for (const p of filtered.papers) assert.doesNotMatch(p.title + p.summary, /prosody/i);
    const small = (await latest(hub, keys.small!)).content!;
    assert.equal(small.papers.length, 2);
    assert.ok(small.total > 2, 'the total counts every match');
  });

  test('nothing matched: the edition is recorded as skipped, with the reason, and nothing is queued', async () => {
    assert.deepEqual(await latest(hub, keys.nothing!), { state: 'skipped', detail: 'no new paper matched' });
  });

  test('an author: their new papers by any spelling of the name', async () => {
    const { content } = await latest(hub, keys.author!);
    assert.ok(content!.papers.length > 0);
    assert.ok(content!.papers.every((p) => p.authors.includes('Hana Sato')));
    assert.equal(content!.papers[0]!.reason, 'A new paper by hana sato');
  });

  test('a collection: what was added to it in the window', async () => {
    const { content } = await latest(hub, keys.collection!);
    assert.deepEqual(content!.papers.map((p) => p.id), ['2406.03001', '2406.03000']);
    assert.equal(content!.papers[0]!.reason, 'Added to “Galaxies to read” by voter');
    assert.equal(content!.title, 'New in “Galaxies to read”');
  });

  test('personal: papers like the ones the reader upvoted, not those themselves, each saying which it is like', async () => {
    const { content } = await latest(hub, keys.personal!);
    const ids = content!.papers.map((p) => p.id);
    assert.ok(ids.length > 0);
    assert.ok(!ids.includes(SPEECH_FIRST_ID) && !ids.includes('2406.01001'), 'already upvoted');
    const speech = ids.filter((id) => ['speech', 'vocoder'].includes(topicOf(id) ?? ''));
    assert.ok(speech.length >= Math.min(5, ids.length), `mostly speech: ${ids.join(' ')}`);
    assert.match(content!.papers[0]!.reason, /^Similar to “.+”, which you upvoted$/);
  });

  test('composing again at the same time changes nothing', async () => {
    const again = await composeDue(await hub.context(logMailer(() => {})), { now: hub.composeAt, mailHost: 'hub.example' });
    assert.equal(again.due, 0, 'every subscription moved on to its next edition');
    const s = (await hub.store.subscriptions.subscription(keys.search!))!;
    assert.equal(s.nextDueAt, nextEditionAfter(s.schedule, hub.composeAt).dueAt);
    assert.equal(s.coveredTo, new Date(Date.parse(s.nextDueAt!) - 86_400_000).toISOString(), 'the edition covered up to its due time');
    const queued = await hub.store.subscriptions.queued(hub.composeAt.toISOString(), 100);
    assert.equal(queued.length, Object.keys(keys).length - 1);
    assert.equal(queued.find((q) => q.subscription.key === keys.search)?.messageId, digestMessageId(keys.search!, queued.find((q) => q.subscription.key === keys.search)!.edition, 'hub.example'));
  });

  test('the next day, with no new papers, every edition is skipped and says why', async () => {
    const nextDay = new Date(hub.composeAt.getTime() + 86_400_000);
    const next = await composeDue(await hub.context(logMailer(() => {})), { now: nextDay, mailHost: 'hub.example' });
    assert.equal(next.queued, 0, 'nothing new was listed, and nothing was added to the collection');
    assert.equal((await latest(hub, keys.trending!)).detail, 'no new papers since the last edition');
    assert.equal((await latest(hub, keys.search!)).detail, 'no new paper matched');
    assert.equal((await latest(hub, keys.collection!)).detail, 'nothing was added to the collection');
    assert.equal(next.skipped, next.due);
  });

  test('a collection made private pauses its subscription, a deleted one ends it, each saying why', async () => {
    await hub.store.community.updateCollection(collectionKey, { public: false, now: new Date().toISOString() });
    const twoDays = new Date(hub.composeAt.getTime() + 2 * 86_400_000);
    await composeDue(await hub.context(logMailer(() => {})), { now: twoDays, mailHost: 'hub.example' });
    const paused = (await hub.store.subscriptions.subscription(keys.collection!))!;
    assert.equal(paused.state, 'paused');
    assert.equal(paused.pausedReason, 'The collection “Galaxies to read” was made private by its owner.');
    await hub.store.subscriptions.setState(keys.collection!, 'active', { now: twoDays.toISOString(), nextDueAt: twoDays.toISOString() });
    await hub.store.community.deleteCollection(collectionKey);
    await composeDue(await hub.context(logMailer(() => {})), { now: twoDays, mailHost: 'hub.example' });
    const ended = (await hub.store.subscriptions.subscription(keys.collection!))!;
    assert.equal(ended.state, 'ended');
    assert.equal(ended.pausedReason, 'The collection was deleted.');
  });
});

test('a subscription confirmed after the hour waits for the next edition', async () => {
  const hub = await digestHub();
  const key = await hub.subscribe('late@example.org', { now: new Date(hub.composeAt.getTime() - 10 * 60_000).toISOString() });
  const report = await composeDue(await hub.context(logMailer(() => {})), { now: hub.composeAt, mailHost: 'hub.example' });
  assert.equal(report.queued, 0);
  assert.equal(report.unchanged, 1);
  assert.equal((await hub.store.subscriptions.subscription(key))!.nextDueAt, nextEditionAfter(hub.daily, hub.composeAt).dueAt);
  await hub.close();
});

test('without a meaning model a personal digest waits, saying why, and searches rank by keywords alone', async () => {
  const hub = await digestHub();
  const { user } = await hub.store.accounts.userForEmail('r@example.org', hub.arrived.toISOString());
  await hub.store.community.vote(user.key, SPEECH_FIRST_ID, true, hub.arrived.toISOString());
  const personal = await hub.subscribe('r@example.org', { kind: 'personal', userKey: user.key });
  const nobody = await hub.subscribe('q@example.org', { kind: 'personal', userKey: (await hub.store.accounts.userForEmail('q@example.org', hub.arrived.toISOString())).user.key });
  const search = await hub.subscribe('s@example.org', { kind: 'search', target: 'speech' });
  await composeDue(await hub.context(logMailer(() => {})), { now: hub.composeAt, mailHost: 'hub.example' });
  assert.equal((await latest(hub, personal)).detail, 'meaning search is not built yet');
  assert.equal((await latest(hub, nobody)).detail, 'nothing to learn from yet: upvote or save some papers');
  assert.ok((await latest(hub, search)).content!.papers.length > 0);
  await hub.close();
});
