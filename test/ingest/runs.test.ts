// Which ingest runs are alive (src/ingest/runs.ts), on a real SQLite file: a run whose process is
// gone is marked interrupted with the totals of its committed batches; a live one is left alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { IngestSession } from '../../src/ingest/pipeline.ts';
import { markInterruptedRuns, RUN_LEASE_MS, runLease } from '../../src/ingest/runs.ts';
import { ownerAlive, processOwner } from '../../src/jobs/lease.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { paper } from '../helpers/papers.ts';

const dir = mkdtempSync(join(tmpdir(), 'paperboy-runs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let dbs = 0;
const freshPath = () => join(dir, `runs-${++dbs}.db`);

/** The id of a process that has run on this host and exited: a dead owner's. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

/** A run as a process that is not this one left it: started, holding its lease, one batch in. */
async function runOwnedBy(store: Store, owner: string, leaseMs = RUN_LEASE_MS): Promise<number> {
  const id = await store.startIngestRun(`ingest by ${owner}`);
  const now = new Date();
  await store.shared.acquireLease(runLease(id), owner, now.toISOString(), new Date(now.getTime() + leaseMs).toISOString());
  await store.commitIngestBatch(id, { papers: [paper(`2407.0000${id}`)], errors: [], passed: 0 });
  return id;
}

/** A run's status as the file holds it, read beside the store's connection. */
function statusOf(path: string, id: number): string | undefined {
  const raw = new BetterSqlite3(path, { readonly: true });
  try {
    return raw.prepare('SELECT status FROM ingest_runs WHERE id = ?').pluck().get(id) as string | undefined;
  } finally {
    raw.close();
  }
}

test('ownerAlive: this process is alive, an exited one on this host is not, another host cannot tell', async () => {
  assert.equal(ownerAlive(processOwner()), true);
  assert.equal(ownerAlive(`${hostname()}:${await deadPid()}:0badf00d`), false);
  assert.equal(ownerAlive(`elsewhere.example:${process.pid}:0badf00d`), undefined);
});

test('a running run whose process is dead is marked interrupted; one the live process owns is not', async () => {
  const path = freshPath();
  const store = await openSqliteStore(path);
  try {
    const live = await IngestSession.start(store, 'ingest live.jsonl');
    await live.add([{ ok: paper('2407.00101'), origin: { source: 'live.jsonl', position: 'line 1' } }]);
    const dead = await runOwnedBy(store, `${hostname()}:${await deadPid()}:0badf00d`);

    assert.deepEqual(await markInterruptedRuns(store), [dead]);
    const stats = await store.stats();
    assert.equal(stats.interruptedCount, 1);
    const run = stats.interruptedRuns[0]!;
    assert.equal(run.id, dead);
    assert.equal(run.added, 1, 'its committed batch is counted');
    assert.ok(run.finishedAt && run.committedAt && run.committedAt <= run.finishedAt);
    assert.equal(await store.shared.lease(runLease(dead)), undefined, 'its lease is given back');

    assert.equal(statusOf(path, live.runId), 'running');
    assert.ok(await store.shared.lease(runLease(live.runId)), 'the live run keeps its lease');
    assert.deepEqual(await markInterruptedRuns(store), [], 'nothing is marked twice');
    const report = await live.finish('done');
    assert.equal(report.added, 1);
    assert.equal(statusOf(path, live.runId), 'done');
  } finally {
    await store.close();
  }
});

test("another host's run is marked only once its lease runs out; a run without a lease gets one lease's time", async () => {
  const store = await openSqliteStore(freshPath());
  try {
    const remote = await runOwnedBy(store, 'elsewhere.example:4242:0badf00d');
    const leaseless = await store.startIngestRun('ingest half-started.jsonl');
    assert.deepEqual(await markInterruptedRuns(store), [], 'a live lease elsewhere, and a run just started');
    const later = new Date(Date.now() + RUN_LEASE_MS + 1000);
    assert.deepEqual(await markInterruptedRuns(store, later), [remote, leaseless]);
    assert.equal((await store.stats()).interruptedRuns.find((r) => r.id === leaseless)?.committedAt, undefined, 'it never committed a batch');
  } finally {
    await store.close();
  }
});

test('each batch commits the run’s totals with its papers; a live run wrongly marked interrupted is running again at its next batch', async () => {
  const path = freshPath();
  const store = await openSqliteStore(path);
  try {
    const session = await IngestSession.start(store, 'ingest slow.jsonl');
    const origin = { source: 'slow.jsonl', position: 'line 1' };
    await session.add([{ ok: paper('2407.00201'), origin }, { error: { ...origin, reason: 'broken JSON' } }, { skip: { ...origin, reason: 'deleted upstream' } }]);
    const [running] = await store.runningIngestRuns();
    assert.deepEqual(
      { read: running!.read, added: running!.added, skipped: running!.skipped, errors: running!.errors },
      { read: 3, added: 1, skipped: 2, errors: 1 },
      'in the store before the run ends',
    );
    assert.deepEqual(session.totals, { read: 3, added: 1, updated: 0, unchanged: 0, skipped: 2, errors: 1 });

    // A hung process's lease ran out and someone marked it; it was only slow.
    assert.deepEqual(await markInterruptedRuns(store, new Date(Date.now() + RUN_LEASE_MS + 1000)), [session.runId]);
    assert.equal(statusOf(path, session.runId), 'interrupted');
    await session.add([{ ok: paper('2407.00202'), origin }]);
    assert.equal(statusOf(path, session.runId), 'running');
    assert.deepEqual(await markInterruptedRuns(store), [], 'it holds its lease again');
    assert.equal((await session.finish('done')).added, 2);
  } finally {
    await store.close();
  }
});

test('a run left running by an older Paperboy (schema 8) is marked interrupted; errors survive the table being made again', async () => {
  const path = freshPath();
  const raw = new BetterSqlite3(path);
  for (const step of MIGRATIONS.slice(0, 8)) raw.exec(step);
  raw.pragma('user_version = 8');
  raw.exec(`INSERT INTO ingest_runs (id, command, started_at, finished_at, status, read, added) VALUES
              (1, 'ingest old.jsonl', '2024-01-01T00:00:00.000Z', '2024-01-01T00:01:00.000Z', 'done', 2, 1),
              (2, 'ingest killed.jsonl', '2024-01-02T00:00:00.000Z', NULL, 'running', 0, 0);
            INSERT INTO ingest_errors (run_id, source, position, reason) VALUES (1, 'old.jsonl', 'line 2', 'broken JSON');`);
  raw.close();

  const store = await openSqliteStore(path);
  try {
    assert.deepEqual(await store.recentIngestErrors(1), [{ source: 'old.jsonl', position: 'line 2', reason: 'broken JSON' }]);
    assert.deepEqual(await markInterruptedRuns(store), [2]);
    assert.deepEqual((await store.stats()).interruptedRuns.map((r) => [r.id, r.status, r.command]), [[2, 'interrupted', 'ingest killed.jsonl']]);
  } finally {
    await store.close();
  }
  // The errors still belong to their run: deleting it deletes them.
  const check = new BetterSqlite3(path);
  check.pragma('foreign_keys = ON');
  check.prepare('DELETE FROM ingest_runs WHERE id = 1').run();
  assert.equal(check.prepare('SELECT count(*) FROM ingest_errors').pluck().get(), 0);
  assert.deepEqual(check.pragma('foreign_key_check'), []);
  check.close();
});
