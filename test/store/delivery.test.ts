// The delivery store on each engine (a real SQLite file, and a real PostgreSQL server when
// PAPERBOY_TEST_POSTGRES_URL names one): subscriptions from request to confirmation to end, an
// outbox that composes each edition once and never hands one mail to two senders, bounces that
// pause an address, feedback, and what digests read from the hub. The leases, rate limits and
// secrets that two stores on one database agree on are shared.test.ts's.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseQuery } from '../../src/search/query.ts';
import { CLAIM_MS } from '../../src/store/pg-subscriptions.ts';
import type { Store } from '../../src/store/store.ts';
import type { Schedule, SubscriptionRequest } from '../../src/store/subscriptions.ts';
import { ENGINES } from '../helpers/engines.ts';
import { paper } from '../helpers/papers.ts';

const NOW = '2026-12-07T09:00:00.000Z';
const LATER = '2026-12-07T10:00:00.000Z';
const SCHEDULE: Schedule = { frequency: 'daily', hour: 8, weekday: 1, timeZone: 'Europe/Berlin' };

function ask(email: string, extra: Partial<SubscriptionRequest> = {}): SubscriptionRequest {
  return { email, kind: 'search', target: 'diffusion speech', schedule: SCHEDULE, maxPapers: 10, now: NOW, ...extra };
}

const pending = (hash: string) => ({ tokenHash: hash, expiresAt: '2026-12-09T09:00:00.000Z' });

for (const engine of ENGINES) {
  describe(`subscriptions (${engine.name})`, { skip: engine.skip }, () => {
    test('pending until confirmed, once, before the link expires', async () => {
      const store = await engine.open();
      const { outcome, subscription } = await store.subscriptions.request({ ...ask('Ana@Example.org '), confirmation: pending('h1') });
      assert.equal(outcome, 'pending');
      assert.equal(subscription.state, 'pending');
      assert.equal(subscription.subscriber.email, 'ana@example.org');
      assert.equal(await store.subscriptions.confirm('h1', '2026-12-10T00:00:00.000Z', () => LATER), undefined, 'expired');
      const confirmed = await store.subscriptions.confirm('h1', LATER, () => '2026-12-08T07:00:00.000Z');
      assert.equal(confirmed?.state, 'active');
      assert.equal(confirmed?.nextDueAt, '2026-12-08T07:00:00.000Z');
      assert.equal((await store.subscriptions.subscription(subscription.key))?.nextDueAt, '2026-12-08T07:00:00.000Z');
      assert.equal(await store.subscriptions.confirm('h1', LATER, () => LATER), undefined, 'a link works once');
      await store.close();
    });

    test('asking again: a pending request takes the new schedule and token, a live one is left alone', async () => {
      const store = await engine.open();
      const first = await store.subscriptions.request({ ...ask('bo@example.org'), confirmation: pending('a') });
      const again = await store.subscriptions.request({ ...ask('BO@example.org', { schedule: { ...SCHEDULE, hour: 18 } }), confirmation: pending('b') });
      assert.equal(again.outcome, 'pending');
      assert.equal(again.subscription.key, first.subscription.key);
      assert.equal(again.subscription.schedule.hour, 18);
      assert.equal(await store.subscriptions.confirm('a', LATER, () => LATER), undefined, 'the old token is replaced');
      assert.ok(await store.subscriptions.confirm('b', LATER, () => LATER));
      const live = await store.subscriptions.request({ ...ask('bo@example.org', { schedule: { ...SCHEDULE, hour: 6 } }), confirmation: pending('c') });
      assert.equal(live.outcome, 'already');
      assert.equal(live.subscription.schedule.hour, 18, 'a stranger cannot change a live subscription');
      // Another target is another subscription of the same address.
      const other = await store.subscriptions.request({ ...ask('bo@example.org', { kind: 'trending', target: '' }), confirmation: { confirmed: true, nextDueAt: LATER } });
      assert.equal(other.outcome, 'active');
      assert.deepEqual((await store.subscriptions.subscriptionsOf(first.subscription.subscriber.key)).map((s) => s.kind).sort(), ['search', 'trending']);
      await store.close();
    });

    test('pause, resume and end; an ended subscription can be asked for anew', async () => {
      const store = await engine.open();
      const { subscription: s } = await store.subscriptions.request({ ...ask('cy@example.org'), confirmation: { confirmed: true, nextDueAt: LATER } });
      assert.ok(await store.subscriptions.setState(s.key, 'paused', { now: NOW, reason: 'on holiday' }));
      assert.equal((await store.subscriptions.subscription(s.key))?.pausedReason, 'on holiday');
      assert.deepEqual(await store.subscriptions.due('2030-01-01T00:00:00.000Z', 0, 10), [], 'paused is never due');
      assert.ok(await store.subscriptions.setState(s.key, 'active', { now: NOW, nextDueAt: '2026-12-08T07:00:00.000Z' }));
      const resumed = (await store.subscriptions.subscription(s.key))!;
      assert.equal(resumed.pausedReason, undefined);
      assert.equal(resumed.nextDueAt, '2026-12-08T07:00:00.000Z');
      assert.ok(await store.subscriptions.setState(s.key, 'ended', { now: NOW }));
      assert.equal(await store.subscriptions.setState(s.key, 'active', { now: NOW }), false, 'the end is final');
      assert.deepEqual(await store.subscriptions.subscriptionsOf(s.subscriber.key), []);
      const anew = await store.subscriptions.request({ ...ask('cy@example.org'), confirmation: pending('n') });
      assert.equal(anew.outcome, 'pending');
      assert.notEqual(anew.subscription.key, s.key);
      await store.close();
    });

    test('due: active subscriptions whose time has come, in key order, paged', async () => {
      const store = await engine.open();
      const keys: number[] = [];
      for (let i = 0; i < 5; i++) {
        const { subscription } = await store.subscriptions.request({ ...ask(`u${i}@example.org`), confirmation: { confirmed: true, nextDueAt: i < 3 ? NOW : '2026-12-08T07:00:00.000Z' } });
        keys.push(subscription.key);
      }
      assert.deepEqual((await store.subscriptions.due(NOW, 0, 2)).map((s) => s.key), keys.slice(0, 2));
      assert.deepEqual((await store.subscriptions.due(NOW, keys[1]!, 2)).map((s) => s.key), keys.slice(2, 3));
      await store.close();
    });
  });

  describe(`the outbox (${engine.name})`, { skip: engine.skip }, () => {
    async function withSubscriber(email: string) {
      const store = await engine.open();
      const { subscription } = await store.subscriptions.request({ ...ask(email), confirmation: { confirmed: true, nextDueAt: NOW } });
      return { store, subscription };
    }
    const edition = (key: number, name: string, body = '{"papers":[]}') => ({
      subscriptionKey: key, edition: name, messageId: `<digest-${key}-${name}@hub.example>`, recipient: 'x@example.org',
      content: { hash: `hash-of-${body}`, body }, papers: 3, state: 'queued' as const, nextDueAt: '2026-12-08T07:00:00.000Z', coveredTo: NOW,
    });

    test('an edition is composed once: saving it again changes nothing, and the subscription moves on', async () => {
      const { store, subscription: s } = await withSubscriber('dee@example.org');
      assert.deepEqual(await store.subscriptions.saveEditions([edition(s.key, '2026-12-07')], NOW), [true]);
      assert.deepEqual(await store.subscriptions.saveEditions([edition(s.key, '2026-12-07', '{"other":1}')], LATER), [false]);
      const after = (await store.subscriptions.subscription(s.key))!;
      assert.equal(after.nextDueAt, '2026-12-08T07:00:00.000Z');
      assert.equal(after.coveredTo, NOW);
      const queued = await store.subscriptions.queued(NOW, 10);
      assert.equal(queued.length, 1);
      assert.equal(queued[0]!.content, '{"papers":[]}', 'the first composition is the one sent');
      assert.equal(queued[0]!.messageId, `<digest-${s.key}-2026-12-07@hub.example>`);
      await store.subscriptions.markSent(s.key, '2026-12-07', LATER);
      assert.deepEqual(await store.subscriptions.queued(LATER, 10), []);
      const [entry] = await store.subscriptions.editions(s.key, 5);
      assert.equal(entry?.state, 'sent');
      assert.equal(entry?.sentAt, LATER);
      assert.equal(entry?.attempts, 1);
      await store.close();
    });

    test('a retry waits for its time; a failure and a skip never send', async () => {
      const { store, subscription: s } = await withSubscriber('eve@example.org');
      await store.subscriptions.saveEditions([edition(s.key, '2026-12-07'), { ...edition(s.key, '2026-12-08'), content: undefined, state: 'skipped', detail: 'no new papers', papers: 0 }], NOW);
      await store.subscriptions.markRetry(s.key, '2026-12-07', '451 try later', '2026-12-07T09:05:00.000Z');
      assert.deepEqual(await store.subscriptions.queued('2026-12-07T09:04:59.000Z', 10), []);
      assert.equal((await store.subscriptions.queued('2026-12-07T09:05:00.000Z', 10)).length, 1);
      await store.subscriptions.markFailed(s.key, '2026-12-07', '554 refused', LATER);
      assert.deepEqual(await store.subscriptions.queued('2030-01-01T00:00:00.000Z', 10), []);
      const states = Object.fromEntries((await store.subscriptions.editions(s.key, 5)).map((e) => [e.edition, [e.state, e.detail, e.attempts]]));
      assert.deepEqual(states, { '2026-12-07': ['failed', '554 refused', 2], '2026-12-08': ['skipped', 'no new papers', 0] });
      await store.close();
    });

    test('a bounce pauses every active subscription of the address and says why; queued mail of paused ones is cancelled', async () => {
      const { store, subscription: s } = await withSubscriber('gone@example.org');
      const { subscription: t } = await store.subscriptions.request({ ...ask('gone@example.org', { kind: 'trending', target: '' }), confirmation: { confirmed: true, nextDueAt: NOW } });
      const { subscription: u } = await store.subscriptions.request({ ...ask('other@example.org'), confirmation: { confirmed: true, nextDueAt: NOW } });
      await store.subscriptions.saveEditions([edition(s.key, '2026-12-07'), edition(t.key, '2026-12-07'), edition(u.key, '2026-12-07')], NOW);
      await store.subscriptions.markBounced(s.key, '2026-12-07', '550 5.1.1 no such user', LATER);
      for (const key of [s.key, t.key]) {
        const paused = (await store.subscriptions.subscription(key))!;
        assert.equal(paused.state, 'paused');
        assert.equal(paused.pausedReason, 'Mail to this address bounced on 2026-12-07: 550 5.1.1 no such user');
      }
      assert.equal((await store.subscriptions.subscription(u.key))?.state, 'active', 'other addresses are untouched');
      const queued = await store.subscriptions.queued(LATER, 10);
      assert.deepEqual(queued.map((q) => q.subscription.key), [u.key]);
      assert.equal((await store.subscriptions.editions(t.key, 1))[0]?.state, 'cancelled');
      const status = await store.subscriptions.status();
      assert.deepEqual(Object.fromEntries(status.outbox.map((o) => [o.state, o.count])), { bounced: 1, cancelled: 1, queued: 1 });
      await store.close();
    });

    /** `count` active subscriptions of their own addresses, each with edition 2026-12-07 queued. */
    async function queuedMails(store: Store, count: number): Promise<number[]> {
      const keys: number[] = [];
      for (let i = 0; i < count; i++) {
        keys.push((await store.subscriptions.request({ ...ask(`reader${i}@example.org`), confirmation: { confirmed: true, nextDueAt: NOW } })).subscription.key);
      }
      assert.ok((await store.subscriptions.saveEditions(keys.map((k) => edition(k, '2026-12-07')), NOW)).every(Boolean));
      return keys;
    }
    const sentCount = async (store: Store) => (await store.subscriptions.status()).outbox.find((o) => o.state === 'sent')?.count ?? 0;

    test('composing the same editions through two stores at once: each is composed once, and the first composition is the one kept', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      const keys: number[] = [];
      for (let i = 0; i < 40; i++) keys.push((await a.subscriptions.request({ ...ask(`c${i}@example.org`), confirmation: { confirmed: true, nextDueAt: NOW } })).subscription.key);
      // Opposite orders, so each store gets to some editions first.
      const [fromA, fromB] = await Promise.all([
        a.subscriptions.saveEditions(keys.map((k) => edition(k, '2026-12-07', '{"by":"a"}')), NOW),
        b.subscriptions.saveEditions([...keys].reverse().map((k) => edition(k, '2026-12-07', '{"by":"b"}')), NOW),
      ]);
      const byB = new Set(keys.filter((_, i) => fromB[keys.length - 1 - i]));
      keys.forEach((k, i) => assert.ok(fromA[i] !== byB.has(k), `edition of ${k}: composed by exactly one store`));
      const queued = await b.subscriptions.queued(NOW, 100);
      assert.equal(queued.length, keys.length, 'one mail per subscription');
      for (const q of queued) assert.equal(q.content, byB.has(q.subscription.key) ? '{"by":"b"}' : '{"by":"a"}', 'the composition that was saved first is sent');
    });

    test('a sender\'s next look takes back what it left: mail a bounce left behind is cancelled, mail a stopped run left is offered again', async () => {
      const { store, subscription: s } = await withSubscriber('gone@example.org');
      const { subscription: t } = await store.subscriptions.request({ ...ask('gone@example.org', { kind: 'trending', target: '' }), confirmation: { confirmed: true, nextDueAt: NOW } });
      const { subscription: u } = await store.subscriptions.request({ ...ask('other@example.org'), confirmation: { confirmed: true, nextDueAt: NOW } });
      await store.subscriptions.saveEditions([edition(s.key, '2026-12-07'), edition(t.key, '2026-12-07'), edition(u.key, '2026-12-07')], NOW);
      assert.equal((await store.subscriptions.queued(NOW, 10)).length, 3);
      await store.subscriptions.markBounced(s.key, '2026-12-07', '550 no such user', NOW);
      // The run stops here (its SMTP server went away) without sending t's or u's mail.
      const again = await store.subscriptions.queued(NOW, 10);
      assert.deepEqual(again.map((q) => q.subscription.key), [u.key], 'u is offered again at once; t, paused by the bounce, is not');
      assert.equal((await store.subscriptions.editions(t.key, 1))[0]?.state, 'cancelled');
      await store.subscriptions.markSent(u.key, '2026-12-07', NOW);
      assert.deepEqual(await store.subscriptions.queued(NOW, 10), []);
    });

    // SQLite has one writer, and one sender at a time is the digests lease's work (src/digest/run.ts):
    // its queued() claims nothing, so two SQLite stores asking at once are both offered the same
    // mail by design. On PostgreSQL several processes may send, and queued() itself must keep them apart.
    const claimsOnly = engine.name === 'sqlite' && 'SQLite: one sender at a time is the digests lease\'s guarantee there; queued() claims nothing';

    test('three senders taking batches at once through three stores never take the same mail, and send each once', { skip: claimsOnly }, async () => {
      const a = await engine.open();
      const stores = [a, await engine.reopen(a), await engine.reopen(a)];
      const keys = await queuedMails(a, 150);
      const takenBy = new Map<number, number>();
      const perSender = [0, 0, 0];
      await Promise.all(stores.map(async (store, sender) => {
        for (;;) {
          const batch = await store.subscriptions.queued(NOW, 7);
          if (batch.length === 0) return;
          for (const mail of batch) {
            const key = mail.subscription.key;
            assert.equal(takenBy.get(key), undefined, `the mail to subscription ${key} was taken by sender ${takenBy.get(key)} and again by sender ${sender}`);
            takenBy.set(key, sender);
            perSender[sender]!++;
            await new Promise((r) => setImmediate(r)); // sending takes a while, as others take batches
            await store.subscriptions.markSent(key, mail.edition, NOW);
          }
        }
      }));
      assert.equal(takenBy.size, keys.length, 'every mail was taken');
      assert.ok(perSender.every((n) => n > 0), `every sender took some (${perSender.join(', ')})`);
      assert.equal(await sentCount(a), keys.length);
      for (const key of keys) assert.equal((await a.subscriptions.editions(key, 1))[0]?.attempts, 1, `subscription ${key} sent once`);
    });

    test('a sender that dies mid-batch: its unsent mail waits out the claim, then the next sender sends it; nothing is lost', { skip: claimsOnly }, async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      await queuedMails(a, 10);
      const batch = await a.subscriptions.queued(NOW, 10);
      assert.equal(batch.length, 10);
      for (const mail of batch.slice(0, 3)) await a.subscriptions.markSent(mail.subscription.key, mail.edition, NOW);
      await a.close(); // killed with 7 mails taken and not sent
      const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();
      assert.deepEqual(await b.subscriptions.queued(NOW, 100), [], 'taken mail is not offered to another sender');
      assert.deepEqual(await b.subscriptions.queued(at(CLAIM_MS - 1), 100), [], 'not before the claim runs out');
      const rest = await b.subscriptions.queued(at(CLAIM_MS), 100);
      assert.deepEqual(rest.map((m) => m.messageId).sort(), batch.slice(3).map((m) => m.messageId).sort(), 'then exactly the unsent ones, with their Message-IDs');
      for (const mail of rest) await b.subscriptions.markSent(mail.subscription.key, mail.edition, at(CLAIM_MS));
      assert.equal(await sentCount(b), 10);
    });

    test('a sender still marking mails keeps its claim past the first claim\'s length', { skip: claimsOnly }, async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      await queuedMails(a, 3);
      const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();
      const [first, ...others] = await a.subscriptions.queued(NOW, 10);
      // Slow going: the first mail is accepted past half the claim, which renews the rest.
      await a.subscriptions.markSent(first!.subscription.key, first!.edition, at(CLAIM_MS * 0.6));
      assert.deepEqual(await b.subscriptions.queued(at(CLAIM_MS * 1.2), 100), [], 'still the first sender\'s');
      assert.equal((await a.subscriptions.queued(at(CLAIM_MS * 1.2), 100)).length, 2, 'while it may take them again itself');
      const later = await b.subscriptions.queued(at(CLAIM_MS * 2.3), 100);
      assert.deepEqual(later.map((m) => m.subscription.key).sort(), others.map((m) => m.subscription.key).sort(), 'the other sender\'s once the renewed claim ran out');
    });

    test('two stores asking at once for one address\'s subscription make one subscription', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).subscriptions.request({ ...ask(i % 3 ? 'Hal@example.org' : 'hal@EXAMPLE.org'), confirmation: pending(`t${i}`) })));
      assert.equal(new Set(answers.map((r) => r.subscription.key)).size, 1);
      assert.ok(answers.every((r) => r.outcome === 'pending'));
      assert.equal((await a.subscriptions.subscriptionsOf(answers[0]!.subscription.subscriber.key)).length, 1);
    });

    test('feedback: the latest verdict per paper counts, found by the address', async () => {
      const store = await engine.open();
      await store.upsertPapers([paper('2612.00001'), paper('2612.00002')]);
      const { subscription: s } = await store.subscriptions.request({ ...ask('fi@example.org'), confirmation: { confirmed: true, nextDueAt: NOW } });
      await store.subscriptions.recordFeedback(s.subscriber.key, '2612.00001', 1, NOW);
      await store.subscriptions.recordFeedback(s.subscriber.key, '2612.00002', 1, NOW);
      await store.subscriptions.recordFeedback(s.subscriber.key, '2612.00002', -1, LATER);
      const keys = await Promise.all(['2612.00001', '2612.00002'].map((id) => store.keyOf(id)));
      assert.deepEqual(await store.subscriptions.feedbackOf('FI@example.org'), [{ key: keys[0], verdict: 1 }, { key: keys[1], verdict: -1 }]);
      await assert.rejects(store.subscriptions.recordFeedback(s.subscriber.key, '2612.99999', 1, NOW), /No paper 2612\.99999/);
      await store.close();
    });
  });

  describe(`what digests read from the hub (${engine.name})`, { skip: engine.skip }, () => {
    test('new papers: entered the hub in the window and listed recently, visible only', async () => {
      const store = await engine.open();
      await store.upsertPapers([paper('2612.00011', { listedAt: '2026-12-06T00:00:00.000Z' }), paper('2305.00001', { listedAt: '2023-05-01T00:00:00.000Z' })]);
      const added = new Date().toISOString();
      const window = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
      const keys = await store.newPaperKeys(window.from, window.to, '2026-12-01T00:00:00.000Z');
      assert.deepEqual(keys, [await store.keyOf('2612.00011')], `added ${added}; an old paper imported today is not new`);
      assert.deepEqual(await store.newPaperKeys(window.to, '2099-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000Z'), []);
      await store.community.setPaperHidden('2612.00011', true, NOW);
      assert.deepEqual(await store.newPaperKeys(window.from, window.to, '2026-12-01T00:00:00.000Z'), []);
      await store.close();
    });

    test('keyword scores for given papers: any word matches, filters and phrases bind, higher is better', async () => {
      const store = await engine.open();
      await store.upsertPapers([
        paper('2612.00021', { title: 'Diffusion for speech synthesis', abstract: 'Fast diffusion sampling for speech.', categories: ['cs.SD'] }),
        paper('2612.00022', { title: 'Speech recognition', abstract: 'Transformers for speech.', categories: ['cs.CL'] }),
        paper('2612.00023', { title: 'Graph neural networks', abstract: 'Message passing.', categories: ['cs.LG'] }),
      ]);
      const keys = await Promise.all(['2612.00021', '2612.00022', '2612.00023'].map(async (id) => (await store.keyOf(id))!));
      const scores = await store.keywordScores(keys, parseQuery('diffusion speech').query);
      assert.deepEqual([...scores.keys()].sort(), keys.slice(0, 2).sort());
      assert.ok(scores.get(keys[0]!)! > scores.get(keys[1]!)!, 'both words beat one');
      assert.deepEqual([...(await store.keywordScores(keys, parseQuery('speech cat:cs.CL').query)).keys()], [keys[1]]);
      assert.deepEqual([...(await store.keywordScores(keys, parseQuery('"speech synthesis"').query)).keys()], [keys[0]]);
      assert.deepEqual([...(await store.keywordScores(keys, parseQuery('speech -diffusion').query)).keys()], [keys[1]]);
      assert.deepEqual([...(await store.keywordScores(keys.slice(1), parseQuery('diffusion').query)).keys()], [], 'only the papers asked about');
      await store.close();
    });

    test('an author\'s papers by any spelling, newest first; an unknown author is undefined', async () => {
      const store = await engine.open();
      await store.upsertPapers([
        paper('2612.00031', { authors: ['Yann LeCun', 'Ana Lima'], published: '2026-12-01T00:00:00.000Z' }),
        paper('2612.00032', { authors: ['Yann Lecun'], published: '2026-12-03T00:00:00.000Z' }),
        paper('2612.00033', { authors: ['Someone Else'], published: '2026-12-04T00:00:00.000Z' }),
      ]);
      const found = await store.authorPapers('yann lecun');
      assert.equal(found?.name, 'Yann LeCun');
      assert.equal(found?.total, 2);
      assert.deepEqual(found?.papers.map((p) => p.id), ['2612.00032', '2612.00031']);
      assert.deepEqual((await store.authorPapers('Yann LeCun', { limit: 1, offset: 1 }))?.papers.map((p) => p.id), ['2612.00031']);
      assert.equal(await store.authorPapers('Nobody Here'), undefined);
      await store.close();
    });

    test('a reader\'s upvoted and saved papers, and what was added to a collection in a window', async () => {
      const store = await engine.open();
      await store.upsertPapers([paper('2612.00041'), paper('2612.00042'), paper('2612.00043')]);
      const { user } = await store.accounts.userForEmail('gil@example.org', NOW);
      await store.community.vote(user.key, '2612.00041', true, NOW);
      const c = await store.community.createCollection({ userKey: user.key, name: 'Reading', public: true, now: NOW });
      await store.community.addToCollection(c.key, '2612.00042', '2026-12-07T09:30:00.000Z');
      await store.community.addToCollection(c.key, '2612.00043', '2026-12-07T11:00:00.000Z');
      const k = async (id: string) => (await store.keyOf(id))!;
      assert.deepEqual(await store.community.readerSignals(user.key), { upvoted: [await k('2612.00041')], saved: [await k('2612.00042'), await k('2612.00043')] });
      assert.deepEqual((await store.community.collectionAdditions(c.key, NOW, LATER, 10)).map((p) => p.id), ['2612.00042']);
      assert.equal(await store.accounts.feedGeneration(user.key), 0);
      assert.equal(await store.accounts.resetFeed(user.key), 1);
      assert.equal(await store.accounts.feedGeneration(user.key), 1);
      await store.close();
    });
  });
}
