// The community store on a real SQLite file: votes exact under concurrency, threaded comments,
// collections, and moderation (hidden and merged papers gone from every list and search).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { parseQuery } from '../../src/search/query.ts';
import { slugify } from '../../src/store/sqlite-community.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { paper } from '../helpers/papers.ts';

const NOW = '2024-06-04T09:00:00.000Z';
const DAY = { from: '2024-06-01T00:00:00.000Z', to: '2024-06-08T00:00:00.000Z' };

const dir = mkdtempSync(join(tmpdir(), 'paperboy-community-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;

/** A store on a fresh file with some papers, and `count` users written by a second connection. */
async function storeWithUsers(count: number): Promise<{ store: Store; users: number[] }> {
  const path = join(dir, `c${++fileNo}.db`);
  const store = await openSqliteStore(path);
  await store.upsertPapers(['2406.00001', '2406.00002', '2406.00003'].map((id, i) =>
    paper(id, { title: `Quantum widgets part ${i + 1}`, listedAt: `2024-06-0${i + 2}T00:00:00.000Z`, published: `2024-06-0${i + 1}T10:00:00.000Z` }),
  ));
  const db = new BetterSqlite3(path);
  const insert = db.prepare('INSERT INTO users (email, name, created_at) VALUES (?, ?, ?)');
  const users = db.transaction(() => Array.from({ length: count }, (_, i) => Number(insert.run(`u${i}@example.org`, `u${i}`, NOW).lastInsertRowid)))();
  db.close();
  return { store, users };
}

describe('votes', () => {
  let store: Store;
  let users: number[];
  before(async () => ({ store, users } = await storeWithUsers(200)));
  after(() => store.close());

  test('one per user per paper, idempotent and undoable', async () => {
    const [a, b] = users as [number, number];
    assert.deepEqual(await store.community.vote(a, '2406.00001', true, NOW), { count: 1, voted: true });
    assert.deepEqual(await store.community.vote(a, '2406.00001', true, NOW), { count: 1, voted: true });
    assert.deepEqual(await store.community.vote(b, '2406.00001', true, NOW), { count: 2, voted: true });
    assert.deepEqual(await store.community.vote(a, '2406.00001', false, NOW), { count: 1, voted: false });
    assert.deepEqual(await store.community.vote(a, '2406.00001', false, NOW), { count: 1, voted: false });
    const states = await store.community.votes(['2406.00001', '2406.00002', 'nope'], b);
    assert.deepEqual([...states], [['2406.00001', { count: 1, voted: true }]]);
    assert.deepEqual((await store.community.votes(['2406.00001'], a)).get('2406.00001'), { count: 1, voted: false });
    await store.community.vote(b, '2406.00001', false, NOW);
  });

  test('votes here add to source upvotes in a day\'s upvote order', async () => {
    const { store: s, users: [a, b] } = await storeWithUsers(2);
    await s.upsertPapers([
      paper('2406.00201', { title: 'Popular on the source', listedAt: '2024-06-10T00:00:00.000Z', hf: { dailyDate: '2024-06-10', upvotes: 1 } }),
      paper('2406.00202', { title: 'Popular here', listedAt: '2024-06-10T00:00:00.000Z' }),
    ]);
    const order = async () => (await s.listPapers('2024-06-10T00:00:00.000Z', '2024-06-11T00:00:00.000Z')).map((p) => p.id);
    assert.deepEqual(await order(), ['2406.00201', '2406.00202']);
    await s.community.vote(a!, '2406.00202', true, NOW);
    await s.community.vote(b!, '2406.00202', true, NOW);
    assert.deepEqual(await order(), ['2406.00202', '2406.00201'], '2 votes here beat 1 upvote there');
    await s.close();
  });

  test('200 concurrent voters leave exactly 200 votes, and withdrawing them all leaves 0', async () => {
    await Promise.all(users.map((u) => store.community.vote(u, '2406.00002', true, NOW)));
    assert.equal((await store.community.votes(['2406.00002'])).get('2406.00002')?.count, 200);
    // Each voter twice at once: still one vote each.
    await Promise.all(users.flatMap((u) => [store.community.vote(u, '2406.00002', true, NOW), store.community.vote(u, '2406.00002', true, NOW)]));
    assert.equal((await store.community.votes(['2406.00002'])).get('2406.00002')?.count, 200);
    await Promise.all(users.map((u) => store.community.vote(u, '2406.00002', false, NOW)));
    assert.equal((await store.community.votes(['2406.00002'])).get('2406.00002'), undefined);
  });

  test('an unknown paper is an error naming it', async () => {
    await assert.rejects(store.community.vote(users[0]!, '2406.99999', true, NOW), /2406\.99999/);
  });
});

describe('submissions', () => {
  test('who submitted a paper, and how many a user submitted since an instant', async () => {
    const { store, users } = await storeWithUsers(2);
    const [a] = users as [number];
    assert.equal(await store.community.submission('2406.00001'), undefined);
    await store.community.recordSubmission(a, '2406.00001', '2024-06-03T10:00:00.000Z');
    await store.community.recordSubmission(a, '2406.00002', NOW);
    const s = await store.community.submission('2406.00001');
    assert.deepEqual(s, { paperId: '2406.00001', user: { key: a, name: 'u0' }, submittedAt: '2024-06-03T10:00:00.000Z' });
    assert.equal(await store.community.countSubmissions(a, '2024-06-03T12:00:00.000Z'), 1);
    assert.equal(await store.community.countSubmissions(a, '2024-06-01T00:00:00.000Z'), 2);
    assert.deepEqual((await store.community.submittedBy(a)).map((p) => p.id), ['2406.00002', '2406.00001']);
    await store.close();
  });
});

describe('comments', () => {
  test('threaded, edited and deleted by the author, hidden by a moderator, counted when visible', async () => {
    const { store, users } = await storeWithUsers(2);
    const [a, b] = users as [number, number];
    const c = store.community;
    const top = await c.addComment({ userKey: a, paperId: '2406.00001', body: 'First!', now: NOW });
    const reply = await c.addComment({ userKey: b, paperId: '2406.00001', parentKey: top.key, body: 'A *reply*', now: '2024-06-04T09:01:00.000Z' });
    assert.equal(reply.parentKey, top.key);
    assert.deepEqual(reply.author, { key: b, name: 'u1' });
    await assert.rejects(c.addComment({ userKey: b, paperId: '2406.00002', parentKey: top.key, body: 'wrong thread', now: NOW }), /not on paper 2406\.00002/);

    await c.editComment(top.key, 'First, edited', '2024-06-04T10:00:00.000Z');
    assert.equal((await c.comment(top.key))?.body, 'First, edited');
    assert.equal((await c.comment(top.key))?.editedAt, '2024-06-04T10:00:00.000Z');
    assert.deepEqual([...(await c.commentCounts(['2406.00001']))], [['2406.00001', 2]]);

    await c.deleteComment(top.key, '2024-06-04T11:00:00.000Z');
    await c.setCommentHidden(reply.key, true, '2024-06-04T11:00:00.000Z');
    const thread = await c.comments('2406.00001');
    assert.deepEqual(thread.map((x) => [x.key, x.parentKey, x.body, Boolean(x.deletedAt), Boolean(x.hiddenAt)]), [
      [top.key, undefined, '', true, false],
      [reply.key, top.key, 'A *reply*', false, true],
    ]);
    await c.editComment(top.key, 'back from the dead', NOW);
    assert.equal((await c.comment(top.key))?.body, '', 'a deleted comment cannot be edited back');
    assert.equal((await c.commentCounts(['2406.00001'])).size, 0);
    assert.deepEqual(await c.commentsBy(b), []);
    await c.setCommentHidden(reply.key, false, NOW);
    assert.deepEqual((await c.commentsBy(b)).map((x) => x.key), [reply.key]);
    await store.close();
  });
});

describe('collections', () => {
  test('named, public or private, with papers added and removed', async () => {
    const { store, users } = await storeWithUsers(2);
    const [a] = users as [number];
    const c = store.community;
    const pub = await c.createCollection({ userKey: a, name: 'Reading group: LLMs!', public: true, now: NOW });
    const priv = await c.createCollection({ userKey: a, name: 'Reading group: LLMs!', description: 'mine', public: false, now: NOW });
    assert.equal(pub.slug, 'reading-group-llms');
    assert.equal(priv.slug, 'reading-group-llms-2');
    assert.deepEqual((await c.collectionsOf(a, false)).map((x) => x.key), [pub.key]);
    assert.equal((await c.collectionsOf(a, true)).length, 2);

    await c.addToCollection(pub.key, '2406.00001', '2024-06-04T10:00:00.000Z');
    await c.addToCollection(pub.key, '2406.00002', '2024-06-04T11:00:00.000Z');
    await c.addToCollection(pub.key, '2406.00002', '2024-06-04T12:00:00.000Z');
    await c.addToCollection(priv.key, '2406.00002', NOW);
    assert.equal((await c.collection(pub.key))?.papers, 2);
    assert.deepEqual((await c.collectionPapers(pub.key)).map((p) => p.id), ['2406.00002', '2406.00001']);
    assert.deepEqual(await c.collectionsHolding(a, ['2406.00002', '2406.00001', '2406.00003']), new Map([['2406.00001', [pub.key]], ['2406.00002', [pub.key, priv.key]]]));
    await c.removeFromCollection(pub.key, '2406.00002');
    assert.deepEqual((await c.collectionsHolding(a, ['2406.00002'])).get('2406.00002'), [priv.key]);

    await c.updateCollection(priv.key, { name: 'Renamed', public: true, now: NOW });
    const renamed = await c.collectionBySlug(a, 'reading-group-llms-2');
    assert.deepEqual([renamed?.name, renamed?.public, renamed?.description], ['Renamed', true, 'mine']);
    await c.deleteCollection(priv.key);
    assert.equal(await c.collection(priv.key), undefined);
    await store.close();
  });

  test('slugs are readable and never empty', () => {
    assert.equal(slugify('  Über Café  '), 'uber-cafe');
    assert.equal(slugify('!!!'), 'collection');
    assert.ok(slugify('x'.repeat(200)).length <= 60);
  });
});

describe('moderation', () => {
  test('a hidden paper is gone from listings, counts, days, search and suggestions, but its page data remains', async () => {
    const { store } = await storeWithUsers(0);
    await store.community.setPaperHidden('2406.00003', true, NOW);
    await assertGone(store, '2406.00003');
    const hidden = await store.getPaper('2406.00003');
    assert.equal(hidden?.hiddenAt, NOW);
    assert.equal(await store.latestDay(), '2024-06-03', 'the hidden paper was the only one on 06-04');
    await store.community.setPaperHidden('2406.00003', false, NOW);
    assert.equal((await store.getPaper('2406.00003'))?.hiddenAt, undefined);
    assert.equal(await store.countPapers(DAY.from, DAY.to), 3);
    await store.close();
  });

  test('an author is suggested with visible papers only, and not at all once all are hidden', async () => {
    const { store } = await storeWithUsers(0);
    await store.upsertPapers([
      paper('2406.00101', { title: 'Widgets one', authors: ['Zora Quill'], listedAt: '2024-06-03T00:00:00.000Z' }),
      paper('2406.00102', { title: 'Widgets two', authors: ['Zora Quill'], listedAt: '2024-06-03T00:00:00.000Z' }),
    ]);
    const zora = async () => (await store.suggest('zora qu')).find((s) => s.kind === 'author');
    assert.equal((await zora())?.papers, 2);
    await store.community.setPaperHidden('2406.00101', true, NOW);
    assert.equal((await zora())?.papers, 1);
    await store.community.setPaperHidden('2406.00102', true, NOW);
    assert.equal(await zora(), undefined);
    await store.close();
  });

  test('merging moves votes, comments, collection entries and the submission, and hides the duplicate', async () => {
    const { store, users } = await storeWithUsers(3);
    const [a, b, c] = users as [number, number, number];
    const k = store.community;
    await k.vote(a, '2406.00001', true, NOW);
    await k.vote(b, '2406.00001', true, NOW);
    await k.vote(b, '2406.00002', true, NOW);
    await k.vote(c, '2406.00002', true, NOW);
    const comment = await k.addComment({ userKey: a, paperId: '2406.00001', body: 'on the duplicate', now: NOW });
    const list = await k.createCollection({ userKey: c, name: 'Keep', public: true, now: NOW });
    await k.addToCollection(list.key, '2406.00001', NOW);
    await k.addToCollection(list.key, '2406.00002', NOW);
    await k.recordSubmission(a, '2406.00001', NOW);

    await k.mergePaper('2406.00001', '2406.00002', NOW);
    assert.deepEqual((await k.votes(['2406.00001', '2406.00002'])).get('2406.00002')?.count, 3);
    assert.equal((await k.votes(['2406.00001'])).size, 0);
    assert.equal((await k.comment(comment.key))?.paperId, '2406.00002');
    assert.deepEqual((await k.collectionPapers(list.key)).map((p) => p.id), ['2406.00002']);
    assert.equal((await k.submission('2406.00002'))?.user.key, a);
    assert.equal(await k.submission('2406.00001'), undefined);
    assert.equal(await k.mergedInto('2406.00001'), '2406.00002');
    assert.equal((await store.getPaper('2406.00001'))?.mergedInto, '2406.00002');
    await assertGone(store, '2406.00001');

    // A later merge of the kept paper takes the earlier duplicate with it: no chains.
    await k.mergePaper('2406.00002', '2406.00003', NOW);
    assert.equal(await k.mergedInto('2406.00001'), '2406.00003');
    await assert.rejects(k.mergePaper('2406.00003', '2406.00002', NOW), /itself merged/);
    await assert.rejects(k.mergePaper('2406.00003', '2406.00003', NOW), /into itself/);
    await store.close();
  });
});

/** The paper is in no list, count, day, search, keyword ranking, filter, suggestion or similar list. */
async function assertGone(store: Store, id: string): Promise<void> {
  const key = (await store.keyOf(id))!;
  assert.ok(!(await store.listPapers(DAY.from, DAY.to)).some((p) => p.id === id), 'not listed');
  assert.equal(await store.countPapers(DAY.from, DAY.to), 2, 'not counted');
  assert.equal((await store.dayCounts(DAY.from, DAY.to)).reduce((n, d) => n + d.count, 0), 2, 'not in day counts');
  const query = parseQuery('quantum widgets').query;
  const found = await store.search(query);
  assert.equal(found.total, 2);
  assert.ok(!found.hits.some((h) => h.paper.id === id), 'not found by search');
  assert.ok(!(await store.search(parseQuery('cat:cs.LG').query)).hits.some((h) => h.paper.id === id), 'not found by filters alone');
  assert.ok(!(await store.rankByKeywords(query, { limit: 10, any: true })).ranked.some((r) => r.key === key), 'not ranked');
  assert.deepEqual(await store.filterKeys([key], parseQuery('widgets').query), [], 'filtered out');
  assert.deepEqual(await store.hitsForKeys([key], query), [], 'no hit by key');
  assert.ok(!(await store.suggest('quantum wid')).some((s) => s.id === id), 'not suggested');
  const other = (await store.listPapers(DAY.from, DAY.to))[0]!.id;
  assert.ok(!(await store.similarByKeywords(other)).some((p) => p.id === id), 'not similar');
}
