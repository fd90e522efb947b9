// Background work under a lease, on each engine: while the holder works (longer than the lease
// lasts) nobody else runs it, because the lease is renewed on a timer; afterwards, or once a holder
// stops renewing (as a killed process does), the next one takes over.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withLease, withLeaseKept } from '../../src/jobs/lease.ts';
import { ENGINES } from '../helpers/engines.ts';

const TTL = 150;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const engine of ENGINES) {
  describe(`leases for long work (${engine.name})`, { skip: engine.skip }, () => {
    test('kept while the work runs past its time, then free for the next', async () => {
      const store = await engine.open();
      const other = await engine.reopen(store);
      const attempts: boolean[] = [];
      const work = withLeaseKept(store.shared, 'index-upkeep', { owner: 'a', ttlMs: TTL }, async () => {
        for (let i = 0; i < 8; i++) {
          await sleep(TTL / 2);
          attempts.push((await withLease(other.shared, 'index-upkeep', { owner: 'b', ttlMs: TTL }, async () => 'ran')).ran);
        }
        return 'done';
      });
      assert.deepEqual(await work, { ran: true, value: 'done' });
      assert.deepEqual(attempts, Array(8).fill(false), 'nobody else ran it meanwhile (four lease lengths)');
      assert.deepEqual(await withLease(other.shared, 'index-upkeep', { owner: 'b', ttlMs: TTL }, async () => 'ran'), { ran: true, value: 'ran' });
    });

    test('a holder that stops renewing (killed) loses it once its time runs out', async () => {
      const store = await engine.open();
      const at = new Date();
      // What a killed holder leaves: a lease taken and never renewed or given back.
      assert.ok(await store.shared.acquireLease('start-up-harvest', 'dead', at.toISOString(), new Date(at.getTime() + TTL).toISOString()));
      const early = await withLeaseKept(store.shared, 'start-up-harvest', { owner: 'next', ttlMs: TTL }, async () => 'harvested');
      assert.deepEqual(early, { ran: false, holder: 'dead' });
      await sleep(TTL + 50);
      assert.deepEqual(await withLeaseKept(store.shared, 'start-up-harvest', { owner: 'next', ttlMs: TTL }, async () => 'harvested'), { ran: true, value: 'harvested' });
    });
  });
}
