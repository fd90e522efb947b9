// The shared store on each engine (a real SQLite file, and a real PostgreSQL server when
// PAPERBOY_TEST_POSTGRES_URL names one): leases, rate limits and secrets that every process on one
// database agrees on. Two stores opened on one database (engine.reopen) stand for two processes,
// and the races below are real: many calls in flight at once, half through each store.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINES } from '../helpers/engines.ts';

const NOW = '2026-12-07T09:00:00.000Z';
const LATER = '2026-12-07T10:00:00.000Z';

for (const engine of ENGINES) {
  describe(`leases (${engine.name})`, { skip: engine.skip }, () => {
    test('a lease has one holder until it expires or is given back', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      assert.equal(await a.shared.acquireLease('digests', 'A', NOW, LATER), true);
      assert.equal(await b.shared.acquireLease('digests', 'B', NOW, LATER), false);
      assert.equal(await a.shared.acquireLease('digests', 'A', NOW, '2026-12-07T11:00:00.000Z'), true, 'the holder renews');
      assert.deepEqual(await b.shared.lease('digests'), { name: 'digests', owner: 'A', expiresAt: '2026-12-07T11:00:00.000Z' });
      assert.equal(await b.shared.acquireLease('digests', 'B', '2026-12-07T11:00:00.000Z', '2026-12-07T12:00:00.000Z'), true, 'an expired lease is taken over');
      await a.shared.releaseLease('digests', 'A');
      assert.equal((await a.shared.lease('digests'))?.owner, 'B', 'a former holder cannot release it');
      await b.shared.releaseLease('digests', 'B');
      assert.equal(await a.shared.lease('digests'), undefined);
    });

    test('two stores racing for one lease: exactly one wins, free or expired, round after round', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      // Many rounds, each on a lease of its own, all in flight at once: a lock that only usually
      // works would show itself in one of them.
      const rounds = 20;
      const race = (name: string, now: string) =>
        Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).shared.acquireLease(name, `owner-${i}`, now, LATER)));
      const free = await Promise.all(Array.from({ length: rounds }, (_, r) => race(`free-${r}`, NOW)));
      for (const [r, wins] of free.entries()) assert.equal(wins.filter(Boolean).length, 1, `free-${r}: ${wins.join(', ')}`);
      // Each winner is the one the table names.
      for (const [r, wins] of free.entries()) assert.equal((await a.shared.lease(`free-${r}`))?.owner, `owner-${wins.indexOf(true)}`);

      // A lease that ran out: its old holder and the racers all want it back.
      for (let r = 0; r < rounds; r++) assert.equal(await a.shared.acquireLease(`expired-${r}`, 'old', '2026-12-07T07:00:00.000Z', '2026-12-07T08:00:00.000Z'), true);
      const expired = await Promise.all(Array.from({ length: rounds }, (_, r) => race(`expired-${r}`, NOW)));
      for (const [r, wins] of expired.entries()) assert.equal(wins.filter(Boolean).length, 1, `expired-${r}: ${wins.join(', ')}`);
    });
  });

  describe(`rate limits (${engine.name})`, { skip: engine.skip }, () => {
    test('hits count across stores and are refused past the limit, saying when to retry', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      const since = '2026-12-07T08:00:00.000Z';
      assert.deepEqual(await a.shared.hit('ip:1', 2, since, '2026-12-07T08:30:00.000Z'), { allowed: true, count: 1 });
      assert.deepEqual(await b.shared.hit('ip:1', 2, since, NOW), { allowed: true, count: 2 });
      // The oldest hit (08:30) leaves the hour-long window at 09:30.
      assert.deepEqual(await a.shared.hit('ip:1', 2, since, NOW), { allowed: false, count: 2, retryAt: '2026-12-07T09:30:00.000Z' });
      assert.equal((await a.shared.hit('ip:2', 2, since, NOW)).allowed, true, 'buckets are separate');
      assert.equal((await a.shared.hit('ip:1', 2, NOW, NOW)).allowed, true, 'hits before the window do not count');
      await a.shared.pruneHits(NOW);
      assert.equal((await b.shared.hit('ip:1', 2, since, NOW)).count, 2, 'pruned hits no longer count');
    });

    test('30 hits at once through two stores against a limit of 7: exactly 7 pass, counted 1 to 7', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      const since = '2026-12-07T08:00:00.000Z';
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).shared.hit('signin:ana', 7, since, NOW)));
      const passed = results.filter((r) => r.allowed);
      assert.equal(passed.length, 7, `passed: ${passed.length}`);
      assert.deepEqual(passed.map((r) => r.count).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7], 'each passing hit saw the ones before it');
      // Refused hits are not counted: the bucket holds exactly the limit.
      assert.ok(results.filter((r) => !r.allowed).every((r) => r.count === 7 && r.retryAt === LATER));
      assert.deepEqual(await a.shared.hit('signin:ana', 7, since, NOW), { allowed: false, count: 7, retryAt: LATER });
    });

    test('racing buckets do not hold each other up or share a count', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).shared.hit(`ip:${i % 4}`, 3, NOW, NOW)));
      for (let bucket = 0; bucket < 4; bucket++) {
        assert.equal(results.filter((r, i) => i % 4 === bucket && r.allowed).length, 3, `ip:${bucket}`);
      }
    });
  });

  describe(`secrets (${engine.name})`, { skip: engine.skip }, () => {
    test('a secret is made once and the same for every store, even when they make it at once', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      const raced = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).shared.secret('links')));
      assert.match(raced[0]!, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(new Set(raced).size, 1, 'every caller keeps the first secret made');
      const c = await engine.reopen(a);
      assert.equal(await c.shared.secret('links'), raced[0], 'a store opened later reads it back');
      assert.notEqual(await b.shared.secret('other'), raced[0]);
    });
  });
}
