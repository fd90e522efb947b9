// The learned model behind the Recommender interface, on a real SQLite hub with the three-topic
// corpus and its LSA model: votes and digest feedback in, explained recommendations out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { learnedBecauseText, learnedRecommender } from '../../src/rank/learned.ts';
import type { Recommender } from '../../src/rank/personal.ts';
import { idsByKey } from '../helpers/topics.ts';
import { ID_PREFIX, topicHub, topicOf, type TopicHub } from '../web/topic-fixtures.ts';

const NOW = '2024-06-10T12:00:00.000Z';
let hub: TopicHub;
let ids: Map<number, string>;
let keys: number[];

before(async () => {
  hub = await topicHub({ meaning: true });
  ids = await idsByKey(hub.store);
  keys = [...ids.keys()];
});
after(() => hub.close());

const topicOfKey = (key: number) => topicOf(ids.get(key)!);
const speechIds = (n: number) => Array.from({ length: n }, (_, i) => `${ID_PREFIX.speech}${String(i).padStart(3, '0')}`);
const proteinIds = (from: number, n: number) => Array.from({ length: n }, (_, i) => `${ID_PREFIX.protein}${String(from + i).padStart(3, '0')}`);

async function readerWho(email: string, upvotes: string[]) {
  const { user } = await hub.store.accounts.userForEmail(email, NOW);
  for (const id of upvotes) await hub.store.community.vote(user.key, id, true, NOW);
  return { userKey: user.key, email };
}

test('is a Recommender: upvoted speech papers bring speech papers, each explained by a paper and words', async () => {
  const recommender: Recommender = learnedRecommender(hub.store, hub.semantic);
  const reader = await readerWho('speech@example.org', speechIds(3));
  assert.equal(await recommender.signalCount(reader), 3);
  const found = await learnedRecommender(hub.store, hub.semantic).recommend(reader, keys, 5);
  assert.equal(found.length, 5);
  assert.ok(found.every((r) => ['speech', 'vocoder'].includes(topicOfKey(r.key)!)), found.map((r) => ids.get(r.key)).join(' '));
  const upvoted = new Set(speechIds(3));
  for (const r of found) {
    assert.ok(!upvoted.has(ids.get(r.key)!), 'not the papers they upvoted');
    assert.ok(r.because && upvoted.has(r.because.id), 'because: one of the upvoted papers');
    assert.equal(r.because.how, 'upvoted');
    assert.ok(r.words.length > 0);
    assert.match(learnedBecauseText(r), /^Similar to “.+”, which you upvoted; for: .+/);
  }
});

test('"fewer like this" from a digest pushes those papers and their like down', async () => {
  const reader = await readerWho('both@example.org', [...speechIds(3), ...proteinIds(0, 3)]);
  const recommender = learnedRecommender(hub.store, hub.semantic);
  const before = await recommender.recommend(reader, keys, keys.length);
  const { subscription } = await hub.store.subscriptions.request({
    email: reader.email, kind: 'personal', userKey: reader.userKey, target: '', maxPapers: 10, now: NOW,
    schedule: { frequency: 'daily', hour: 8, weekday: 1, timeZone: 'UTC' }, confirmation: { confirmed: true, nextDueAt: NOW },
  });
  for (const id of proteinIds(3, 3)) await hub.store.subscriptions.recordFeedback(subscription.subscriber.key, id, -1, NOW);
  // The same recommender notices the new signals (its cached model is updated, not reused as it was).
  const afterwards = await recommender.recommend(reader, keys, keys.length);
  const meanProtein = (list: { key: number }[]) => {
    const at = list.flatMap((r, i) => (topicOfKey(r.key) === 'protein' ? [i] : []));
    return at.reduce((s, i) => s + i, 0) / at.length;
  };
  assert.ok(meanProtein(afterwards) > meanProtein(before), `protein papers sink: mean position ${meanProtein(before)} → ${meanProtein(afterwards)}`);
  const disliked = new Set(proteinIds(3, 3));
  assert.ok(afterwards.every((r) => !disliked.has(ids.get(r.key)!)), 'the papers marked fewer are not recommended');
  assert.ok(afterwards.some((r) => r.lessLike && disliked.has(r.lessLike.id)), 'some recommendation says which paper it was less like');
  assert.equal(await recommender.signalCount(reader), 6);
});

test('a reader with no history starts from a topic or an author', async () => {
  const { user } = await hub.store.accounts.userForEmail('new@example.org', NOW);
  const reader = { userKey: user.key, email: 'new@example.org' };
  assert.deepEqual(await learnedRecommender(hub.store, hub.semantic).recommend(reader, keys, 5), [], 'nothing to learn from');

  const byTopic = await learnedRecommender(hub.store, hub.semantic, { coldStart: async () => ({ query: 'galaxy rotation curves and dark matter' }) }).recommend(reader, keys, 5);
  assert.equal(byTopic.length, 5);
  assert.deepEqual(byTopic.map((r) => topicOfKey(r.key)), Array(5).fill('galaxy'));
  assert.ok(byTopic.every((r) => r.seed === 'query:galaxy rotation curves and dark matter' && !r.because));
  assert.match(learnedBecauseText(byTopic[0]!), /^Matches your topic “galaxy rotation curves and dark matter”/);

  const byAuthor = await learnedRecommender(hub.store, hub.semantic, { coldStart: async () => ({ author: 'Wei Zhang' }) }).recommend(reader, keys, 3);
  assert.deepEqual(byAuthor.map((r) => topicOfKey(r.key)), ['protein', 'protein', 'protein']);
  assert.ok(byAuthor.every((r) => r.seed === 'author:Wei Zhang'));
});

test('without a meaning model it still learns from words and authors', async () => {
  const reader = await readerWho('words@example.org', speechIds(4));
  const found = await learnedRecommender(hub.store, undefined).recommend(reader, keys, 4);
  assert.equal(found.length, 4);
  assert.ok(found.every((r) => ['speech', 'vocoder'].includes(topicOfKey(r.key)!)), found.map((r) => ids.get(r.key)).join(' '));
});
