// The signal store on a real SQLite file: which papers are trending candidates, what signals come
// with them, which repositories the GitHub sampler asks about, and what a sample writes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { githubRepoName } from '../../src/store/signals.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { paper } from '../helpers/papers.ts';

const FROM = '2024-06-01T00:00:00.000Z';
const TO = '2024-06-08T00:00:00.000Z';

let dir: string;
let store: Store;
let db: BetterSqlite3.Database; // a second connection, to set up rows other engineers' stores write

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paperboy-signals-'));
  const path = join(dir, 'hub.db');
  store = await openSqliteStore(path);
  await store.upsertPapers([
    paper('2406.00001', { listedAt: '2024-06-03T00:00:00.000Z', hf: { dailyDate: '2024-06-03', upvotes: 30, githubRepo: 'https://github.com/Octo/Fast-Diffusion', githubStars: 100 } }),
    paper('2405.00002', { listedAt: '2024-05-01T00:00:00.000Z' }), // old, but voted on this week
    paper('2405.00003', { listedAt: '2024-05-02T00:00:00.000Z', codeUrls: ['https://github.com/acme/tool/tree/main/src'] }), // old, its repo gained stars
    paper('2405.00004', { listedAt: '2024-05-03T00:00:00.000Z' }), // old and quiet
    paper('2406.00005', { listedAt: '2024-06-04T00:00:00.000Z' }), // hidden by a moderator
    paper('2406.00006', { listedAt: '2024-06-05T00:00:00.000Z' }), // merged into 2406.00001
    paper('2406.00007', { listedAt: '2024-06-09T00:00:00.000Z' }), // after the window
  ]);
  db = new BetterSqlite3(path);
  const pk = (id: string) => (db.prepare('SELECT pk FROM papers WHERE id = ?').get(id) as { pk: number }).pk;
  db.prepare(`INSERT INTO users (pk, email, name, created_at) VALUES (1, 'a@x.org', 'ana', ?), (2, 'b@x.org', 'bo', ?)`).run(FROM, FROM);
  const vote = db.prepare('INSERT INTO votes (paper_pk, user_pk, created_at) VALUES (?, ?, ?)');
  vote.run(pk('2405.00002'), 1, '2024-06-02T10:00:00.000Z');
  vote.run(pk('2405.00002'), 2, '2024-05-20T10:00:00.000Z'); // before the window
  vote.run(pk('2406.00005'), 1, '2024-06-05T10:00:00.000Z');
  vote.run(pk('2406.00006'), 1, '2024-06-05T10:00:00.000Z');
  // Samples as an ingest on these days would have written them (upsertPapers stamps the wall clock).
  db.prepare('DELETE FROM signal_samples').run();
  const sample = db.prepare(`INSERT INTO signal_samples (paper_pk, source, observed_at, upvotes, github_stars) VALUES (?, 'huggingface', ?, ?, ?)`);
  sample.run(pk('2406.00001'), '2024-06-03T08:00:00.000Z', 12, 90);
  sample.run(pk('2406.00001'), '2024-06-04T08:00:00.000Z', 30, 100);
  sample.run(pk('2406.00001'), '2024-06-09T08:00:00.000Z', 45, 150); // after the window
  const star = db.prepare('INSERT INTO github_star_samples (repo, observed_at, stars) VALUES (?, ?, ?)');
  star.run('acme/tool', '2024-05-20T00:00:00.000Z', 500);
  star.run('acme/tool', '2024-06-06T00:00:00.000Z', 800);
  star.run('octo/fast-diffusion', '2024-06-05T00:00:00.000Z', 120);
  db.prepare('UPDATE papers SET hidden_at = ? WHERE id = ?').run(FROM, '2406.00005');
  db.prepare('UPDATE papers SET merged_into = ? WHERE id = ?').run(pk('2406.00001'), '2406.00006');
});

after(async () => {
  db.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('trending candidates', () => {
  test('listed, voted on or starred in the window; never hidden, merged, later or quiet', async () => {
    const ids = (await store.signals.candidates(FROM, TO)).map((c) => c.id).sort();
    assert.deepEqual(ids, ['2405.00002', '2405.00003', '2406.00001']);
  });

  test('each carries its signals up to the end of the window, in time order', async () => {
    const byId = new Map((await store.signals.candidates(FROM, TO)).map((c) => [c.id, c]));
    const fresh = byId.get('2406.00001')!;
    assert.equal(fresh.listedAt, '2024-06-03T00:00:00.000Z');
    assert.equal(fresh.repo, 'octo/fast-diffusion');
    assert.deepEqual(fresh.sourceUpvotes, [
      { at: '2024-06-03T08:00:00.000Z', count: 12 },
      { at: '2024-06-04T08:00:00.000Z', count: 30 },
    ]);
    // GitHub's own sample and Hugging Face's reports of the same repository, merged in time order
    assert.deepEqual(fresh.stars.map((s) => s.count), [90, 100, 120]);
    assert.ok(Number.isInteger(fresh.key) && fresh.key > 0);

    const voted = byId.get('2405.00002')!;
    assert.deepEqual(voted.votes, ['2024-05-20T10:00:00.000Z', '2024-06-02T10:00:00.000Z'], 'earlier votes come too, for the sparkline');
    const starred = byId.get('2405.00003')!;
    assert.equal(starred.repo, 'acme/tool');
    assert.deepEqual(starred.stars, [
      { at: '2024-05-20T00:00:00.000Z', count: 500 },
      { at: '2024-06-06T00:00:00.000Z', count: 800 },
    ]);
  });

  test('the newest activity at or before an instant: votes and Hugging Face counts of visible papers, not star samples', async () => {
    assert.equal(await store.signals.latestActivity('2030-01-01T00:00:00.000Z'), '2024-06-09T08:00:00.000Z');
    assert.equal(await store.signals.latestActivity(TO), '2024-06-04T08:00:00.000Z', 'not the votes of 5 June on a hidden and a merged paper, nor the star sample of the 6th');
    assert.equal(await store.signals.latestActivity('2024-06-03T09:00:00.000Z'), '2024-06-03T08:00:00.000Z');
    assert.equal(await store.signals.latestActivity('2024-05-01T00:00:00.000Z'), undefined);
  });

  test('an empty window has no candidates', async () => {
    assert.deepEqual(await store.signals.candidates('2023-01-01T00:00:00.000Z', '2023-01-02T00:00:00.000Z'), []);
  });
});

describe('GitHub sampling bookkeeping', () => {
  test('linked repositories, never checked first, then least recently checked; missing ones skipped', async () => {
    const first = await store.signals.reposToSample(10);
    assert.deepEqual(first.map((r) => r.repo), ['acme/tool', 'octo/fast-diffusion']);
    await store.signals.saveRepoSample('octo/fast-diffusion', { etag: 'W/"a1"', stars: 130, checkedAt: '2024-06-10T00:00:00.000Z' });
    await store.signals.saveRepoSample('acme/tool', { etag: 'W/"b1"', stars: 800, checkedAt: '2024-06-10T01:00:00.000Z' });
    const next = await store.signals.reposToSample(10);
    assert.deepEqual(next, [
      { repo: 'octo/fast-diffusion', etag: 'W/"a1"', stars: 130 },
      { repo: 'acme/tool', etag: 'W/"b1"', stars: 800 },
    ]);
    assert.deepEqual((await store.signals.reposToSample(1)).map((r) => r.repo), ['octo/fast-diffusion'], 'the limit holds');
    await store.signals.markRepoMissing('octo/fast-diffusion', '2024-06-10T02:00:00.000Z');
    assert.deepEqual((await store.signals.reposToSample(10)).map((r) => r.repo), ['acme/tool']);
  });

  test('a sample row when the count changes or a day has passed; an unchanged answer keeps the ETag', async () => {
    const samples = () => db.prepare(`SELECT observed_at, stars FROM github_star_samples WHERE repo = 'acme/tool' ORDER BY observed_at`).all() as { observed_at: string; stars: number }[];
    const before = samples().length;
    await store.signals.saveRepoSample('acme/tool', { checkedAt: '2024-06-10T05:00:00.000Z' }); // 304, same count, same day
    assert.equal(samples().length, before);
    await store.signals.saveRepoSample('acme/tool', { etag: 'W/"b2"', stars: 820, checkedAt: '2024-06-10T06:00:00.000Z' });
    assert.equal(samples().length, before + 1);
    await store.signals.saveRepoSample('acme/tool', { checkedAt: '2024-06-11T06:00:00.000Z' }); // 304 a day later
    assert.deepEqual(samples().slice(-2), [
      { observed_at: '2024-06-10T06:00:00.000Z', stars: 820 },
      { observed_at: '2024-06-11T06:00:00.000Z', stars: 820 },
    ]);
    const row = db.prepare(`SELECT etag, stars, checked_at FROM github_repos WHERE repo = 'acme/tool'`).get();
    assert.deepEqual(row, { etag: 'W/"b2"', stars: 820, checked_at: '2024-06-11T06:00:00.000Z' });
  });
});

describe('githubRepoName', () => {
  test('reads owner/name from any github.com URL form, lower case', () => {
    for (const url of [
      'https://github.com/Octo/Repo',
      'https://github.com/octo/repo.git',
      'http://www.github.com/octo/repo/',
      'https://github.com/octo/repo/tree/main/src?x=1#readme',
      'github.com/octo/repo',
    ]) {
      assert.equal(githubRepoName(url), 'octo/repo', url);
    }
    for (const url of ['https://gitlab.com/octo/repo', 'https://github.com/octo', 'https://github.com/orgs/octo/repositories', 'not a url at all', 'https://github.com.evil.org/o/r']) {
      assert.equal(githubRepoName(url), undefined, url);
    }
  });
});
