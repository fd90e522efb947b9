// The community store on each engine (a real SQLite file, and a real PostgreSQL server when
// PAPERBOY_TEST_POSTGRES_URL names one): votes exact under concurrency, threaded comments,
// collections, and moderation (hidden and merged papers gone from every list and search). Two
// stores opened on one database (engine.reopen) stand for two processes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseQuery } from '../../src/search/query.ts';
import { slugify } from '../../src/store/sqlite-community.ts';
import type { Store } from '../../src/store/store.ts';
import { ENGINES, type Engine } from '../helpers/engines.ts';
import { paper } from '../helpers/papers.ts';
import { mulberry32 } from '../helpers/random.ts';

const NOW = '2024-06-04T09:00:00.000Z';
const DAY = { from: '2024-06-01T00:00:00.000Z', to: '2024-06-08T00:00:00.000Z' };

/** A fresh store with some papers, and `count` users (named user0, user1, ... after their addresses). */
async function storeWithUsers(engine: Engine, count: number): Promise<{ store: Store; users: number[] }> {
  const store = await engine.open();
  await store.upsertPapers(['2406.00001', '2406.00002', '2406.00003'].map((id, i) =>
    paper(id, { title: `Quantum widgets part ${i + 1}`, listedAt: `2024-06-0${i + 2}T00:00:00.000Z`, published: `2024-06-0${i + 1}T10:00:00.000Z` }),
  ));
  const users: number[] = [];
  for (let i = 0; i < count; i++) users.push((await store.accounts.userForEmail(`user${i}@example.org`, NOW)).user.key);
  return { store, users };
}

// Pure: the same on every engine, so tested once.
describe('slugs', () => {
  test('slugs are readable and never empty', () => {
    assert.equal(slugify('  Über Café  '), 'uber-cafe');
    assert.equal(slugify('!!!'), 'collection');
    assert.ok(slugify('x'.repeat(200)).length <= 60);
  });
});

for (const engine of ENGINES) {
  describe(`votes (${engine.name})`, { skip: engine.skip }, () => {
    let store: Store;
    let users: number[];
    before(async () => ({ store, users } = await storeWithUsers(engine, 200)));
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
      const { store: s, users: [a, b] } = await storeWithUsers(engine, 2);
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

    test('a vote storm through two stores: 50 users voting at once, each counted once, every toggle answered as it was cast', async () => {
      // Two stores on one database stand for two processes (two web servers behind one hub).
      const { store: a, users: voters } = await storeWithUsers(engine, 50);
      const b = await engine.reopen(a);
      const P = '2406.00003';
      const count = async (s: Store) => (await s.community.votes([P])).get(P)?.count ?? 0;

      // Every user votes twice at the same moment, once through each store: one vote each.
      const first = await Promise.all(voters.flatMap((u) => [a.community.vote(u, P, true, NOW), b.community.vote(u, P, true, NOW)]));
      assert.ok(first.every((r) => r.voted && r.count >= 1 && r.count <= 50), 'every answer counts its own vote and no more than 50');
      assert.deepEqual([await count(a), await count(b)], [50, 50]);

      // Then each user clicks up and down in a seeded random order, one click at a time (one browser),
      // alternating stores, while all the others click too. Each answer must say what that click did,
      // and the end count must be exactly the users whose last click was up.
      const random = mulberry32(13);
      const plans = voters.map(() => Array.from({ length: 8 }, () => random() < 0.5));
      const answers = await Promise.all(voters.map(async (u, i) => {
        const out = [];
        for (const [j, up] of plans[i]!.entries()) out.push(await (j % 2 ? a : b).community.vote(u, P, up, NOW));
        return out;
      }));
      answers.forEach((userAnswers, i) => userAnswers.forEach((r, j) => assert.equal(r.voted, plans[i]![j], `user ${i}, click ${j}`)));
      const expected = plans.filter((p) => p.at(-1)).length;
      assert.deepEqual([await count(a), await count(b)], [expected, expected]);
      for (const [i, u] of voters.entries()) assert.equal((await b.community.votes([P], u)).get(P)?.voted ?? false, plans[i]!.at(-1), `user ${i} at the end`);

      // One user's up and down racing through the two stores: either may win, but the count agrees with who voted.
      await Promise.all(voters.flatMap((u, i) => [a.community.vote(u, P, i % 2 === 0, NOW), b.community.vote(u, P, i % 2 === 1, NOW)]));
      let voted = 0;
      for (const u of voters) if ((await a.community.votes([P], u)).get(P)?.voted) voted++;
      assert.deepEqual([await count(a), await count(b)], [voted, voted]);

      await Promise.all(voters.map((u, i) => (i % 2 ? a : b).community.vote(u, P, false, NOW)));
      assert.equal((await a.community.votes([P])).get(P), undefined, 'all withdrawn: no votes left');
      await b.close();
      await a.close();
    });
  });

  describe(`submissions (${engine.name})`, { skip: engine.skip }, () => {
    test('who submitted a paper, and how many a user submitted since an instant', async () => {
      const { store, users } = await storeWithUsers(engine, 2);
      const [a] = users as [number];
      assert.equal(await store.community.submission('2406.00001'), undefined);
      await store.community.recordSubmission(a, '2406.00001', '2024-06-03T10:00:00.000Z');
      await store.community.recordSubmission(a, '2406.00002', NOW);
      const s = await store.community.submission('2406.00001');
      assert.deepEqual(s, { paperId: '2406.00001', user: { key: a, name: 'user0' }, submittedAt: '2024-06-03T10:00:00.000Z' });
      assert.equal(await store.community.countSubmissions(a, '2024-06-03T12:00:00.000Z'), 1);
      assert.equal(await store.community.countSubmissions(a, '2024-06-01T00:00:00.000Z'), 2);
      assert.deepEqual((await store.community.submittedBy(a)).map((p) => p.id), ['2406.00002', '2406.00001']);
      await store.close();
    });
  });

  describe(`comments (${engine.name})`, { skip: engine.skip }, () => {
    test('threaded, edited and deleted by the author, hidden by a moderator, counted when visible', async () => {
      const { store, users } = await storeWithUsers(engine, 2);
      const [a, b] = users as [number, number];
      const c = store.community;
      const top = await c.addComment({ userKey: a, paperId: '2406.00001', body: 'First!', now: NOW });
      const reply = await c.addComment({ userKey: b, paperId: '2406.00001', parentKey: top.key, body: 'A *reply*', now: '2024-06-04T09:01:00.000Z' });
      assert.equal(reply.parentKey, top.key);
      assert.deepEqual(reply.author, { key: b, name: 'user1' });
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

  describe(`collections (${engine.name})`, { skip: engine.skip }, () => {
    test('named, public or private, with papers added and removed', async () => {
      const { store, users } = await storeWithUsers(engine, 2);
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

    test('two stores naming collections alike at once: every collection gets a slug of its own', async () => {
      const { store: a, users: [u] } = await storeWithUsers(engine, 1);
      const b = await engine.reopen(a);
      const made = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).community.createCollection({ userKey: u!, name: 'Reading group', public: true, now: NOW })));
      assert.deepEqual(made.map((c) => c.slug).sort(), ['reading-group', ...Array.from({ length: 9 }, (_, i) => `reading-group-${i + 2}`)].sort());
      await b.close();
      await a.close();
    });

  });

  describe(`moderation (${engine.name})`, { skip: engine.skip }, () => {
    test('a hidden paper is gone from listings, counts, days, search and suggestions, but its page data remains', async () => {
      const { store } = await storeWithUsers(engine, 0);
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
      const { store } = await storeWithUsers(engine, 0);
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
      const { store, users } = await storeWithUsers(engine, 3);
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

    test('two merges through two stores at once, of a paper and of the one it is merged into, leave no chain', async () => {
      // 00001 into 00002 through one store while 00002 goes into 00003 through the other: whichever
      // commits first, 00001 must end up pointing at 00003 directly (or its merge is refused because
      // 00002 was already merged), never at a paper that is itself merged.
      for (let round = 0; round < 5; round++) {
        const { store: a, users: [u] } = await storeWithUsers(engine, 1);
        const b = await engine.reopen(a);
        await a.community.vote(u!, '2406.00001', true, NOW);
        const [first, second] = await Promise.allSettled([
          (round % 2 ? a : b).community.mergePaper('2406.00001', '2406.00002', NOW),
          (round % 2 ? b : a).community.mergePaper('2406.00002', '2406.00003', NOW),
        ]);
        assert.equal(second.status, 'fulfilled');
        if (first.status === 'rejected') {
          assert.match(String(first.reason), /itself merged/);
          assert.equal(await a.community.mergedInto('2406.00001'), undefined);
        } else {
          assert.equal(await a.community.mergedInto('2406.00001'), '2406.00003');
          assert.equal((await b.community.votes(['2406.00003'])).get('2406.00003')?.count, 1, 'the vote followed both merges');
        }
        assert.equal(await a.community.mergedInto('2406.00002'), '2406.00003');
        await b.close();
        await a.close();
      }
    });
  });

}

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
