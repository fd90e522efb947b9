// The signal store on each engine (a real SQLite file, and a real PostgreSQL server when
// PAPERBOY_TEST_POSTGRES_URL names one): which papers are trending candidates, what signals come
// with them, which repositories the GitHub sampler asks about, and what a sample writes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { connectPostgres } from '../../src/store/pg-db.ts';
import { githubRepoName } from '../../src/store/signals.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { ENGINES, POSTGRES_URL, type Engine } from '../helpers/engines.ts';
import { paper } from '../helpers/papers.ts';

const FROM = '2024-06-01T00:00:00.000Z';
const TO = '2024-06-08T00:00:00.000Z';

/**
 * A second connection to the store's database, to set up rows that other parts of the store write
 * (votes, Hugging Face samples at chosen instants, moderation) and to read what a sample wrote.
 * SQL is written with $1, $2… each used once and in order; SQLite gets them as plain ?.
 */
interface Sql {
  run(sql: string, params?: unknown[]): Promise<void>;
  all<R>(sql: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/**
 * A store and a raw connection beside it. The engines' open() does not say where its store lives,
 * and these tests need that, so they place the store themselves: a file, or a schema of its own.
 */
async function openWithSql(engine: Engine): Promise<{ store: Store; sql: Sql; reopen: () => Promise<Store> }> {
  if (engine.name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'paperboy-signals-'));
    const path = join(dir, 'hub.db');
    const store = await openSqliteStore(path);
    const db = new BetterSqlite3(path);
    const sqlite = (text: string) => db.prepare(text.replace(/\$\d+/g, '?'));
    const others: Store[] = [];
    return {
      store,
      reopen: async () => others[others.push(await openSqliteStore(path)) - 1]!,
      sql: {
        run: async (text, params = []) => void sqlite(text).run(...params),
        all: async <R>(text: string, params: unknown[] = []) => sqlite(text).all(...params) as R[],
        close: async () => {
          db.close();
          for (const other of others) await other.close();
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      },
    };
  }
  const { openPostgresStore } = await import('../../src/store/postgres.ts');
  const schema = `t_signals_${process.pid}_${randomBytes(4).toString('hex')}`;
  const store = await openPostgresStore(POSTGRES_URL!, { schema });
  const db = await connectPostgres(POSTGRES_URL!, { schema, max: 1 });
  const others: Store[] = [];
  return {
    store,
    reopen: async () => others[others.push(await openPostgresStore(POSTGRES_URL!, { schema })) - 1]!,
    sql: {
      run: async (text, params = []) => void (await db.run(text, params)),
      all: <R>(text: string, params: unknown[] = []) => db.many<R>(text, params),
      close: async () => {
        for (const other of others) await other.close();
        await store.close();
        await db.run(`DROP SCHEMA ${schema} CASCADE`);
        await db.close();
      },
    },
  };
}

for (const engine of ENGINES) {
  describe(`signals (${engine.name})`, { skip: engine.skip }, () => {
    let store: Store;
    let sql: Sql;
    let reopen: () => Promise<Store>;

    before(async () => {
      ({ store, sql, reopen } = await openWithSql(engine));
      await store.upsertPapers([
        paper('2406.00001', { listedAt: '2024-06-03T00:00:00.000Z', hf: { dailyDate: '2024-06-03', upvotes: 30, githubRepo: 'https://github.com/Octo/Fast-Diffusion', githubStars: 100 } }),
        paper('2405.00002', { listedAt: '2024-05-01T00:00:00.000Z' }), // old, but voted on this week
        paper('2405.00003', { listedAt: '2024-05-02T00:00:00.000Z', codeUrls: ['https://github.com/acme/tool/tree/main/src'] }), // old, its repo gained stars
        paper('2405.00004', { listedAt: '2024-05-03T00:00:00.000Z' }), // old and quiet
        paper('2406.00005', { listedAt: '2024-06-04T00:00:00.000Z' }), // hidden by a moderator
        paper('2406.00006', { listedAt: '2024-06-05T00:00:00.000Z' }), // merged into 2406.00001
        paper('2406.00007', { listedAt: '2024-06-09T00:00:00.000Z' }), // after the window
      ]);
      const pk = async (id: string) => (await sql.all<{ pk: number }>('SELECT pk FROM papers WHERE id = $1', [id]))[0]!.pk;
      const ana = (await store.accounts.userForEmail('a@x.org', FROM)).user.key;
      const bo = (await store.accounts.userForEmail('b@x.org', FROM)).user.key;
      const vote = (id: string, user: number, at: string) => pk(id).then((p) => sql.run('INSERT INTO votes (paper_pk, user_pk, created_at) VALUES ($1, $2, $3)', [p, user, at]));
      await vote('2405.00002', ana, '2024-06-02T10:00:00.000Z');
      await vote('2405.00002', bo, '2024-05-20T10:00:00.000Z'); // before the window
      await vote('2406.00005', ana, '2024-06-05T10:00:00.000Z');
      await vote('2406.00006', ana, '2024-06-05T10:00:00.000Z');
      // Samples as an ingest on these days would have written them (upsertPapers stamps the wall clock).
      await sql.run('DELETE FROM signal_samples');
      const sample = async (id: string, at: string, upvotes: number, stars: number) =>
        sql.run(`INSERT INTO signal_samples (paper_pk, source, observed_at, upvotes, github_stars) VALUES ($1, 'huggingface', $2, $3, $4)`, [await pk(id), at, upvotes, stars]);
      await sample('2406.00001', '2024-06-03T08:00:00.000Z', 12, 90);
      await sample('2406.00001', '2024-06-04T08:00:00.000Z', 30, 100);
      await sample('2406.00001', '2024-06-09T08:00:00.000Z', 45, 150); // after the window
      const star = (repo: string, at: string, stars: number) => sql.run('INSERT INTO github_star_samples (repo, observed_at, stars) VALUES ($1, $2, $3)', [repo, at, stars]);
      await star('acme/tool', '2024-05-20T00:00:00.000Z', 500);
      await star('acme/tool', '2024-06-06T00:00:00.000Z', 800);
      await star('octo/fast-diffusion', '2024-06-05T00:00:00.000Z', 120);
      await sql.run('UPDATE papers SET hidden_at = $1 WHERE id = $2', [FROM, '2406.00005']);
      await sql.run('UPDATE papers SET merged_into = $1 WHERE id = $2', [await pk('2406.00001'), '2406.00006']);
    });

    after(async () => {
      await sql?.close();
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
        const samples = () => sql.all<{ observed_at: string; stars: number }>(`SELECT observed_at, stars FROM github_star_samples WHERE repo = 'acme/tool' ORDER BY observed_at`);
        const before = (await samples()).length;
        await store.signals.saveRepoSample('acme/tool', { checkedAt: '2024-06-10T05:00:00.000Z' }); // 304, same count, same day
        assert.equal((await samples()).length, before);
        await store.signals.saveRepoSample('acme/tool', { etag: 'W/"b2"', stars: 820, checkedAt: '2024-06-10T06:00:00.000Z' });
        assert.equal((await samples()).length, before + 1);
        await store.signals.saveRepoSample('acme/tool', { checkedAt: '2024-06-11T06:00:00.000Z' }); // 304 a day later
        assert.deepEqual((await samples()).slice(-2), [
          { observed_at: '2024-06-10T06:00:00.000Z', stars: 820 },
          { observed_at: '2024-06-11T06:00:00.000Z', stars: 820 },
        ]);
        const rows = await sql.all(`SELECT etag, stars, checked_at FROM github_repos WHERE repo = 'acme/tool'`);
        assert.deepEqual(rows, [{ etag: 'W/"b2"', stars: 820, checked_at: '2024-06-11T06:00:00.000Z' }]);
      });

      test('a deferred repository goes to the back of the queue without a sample', async () => {
        await store.signals.deferRepo('acme/tool', '2024-06-12T00:00:00.000Z');
        const rows = await sql.all(`SELECT etag, stars, checked_at FROM github_repos WHERE repo = 'acme/tool'`);
        assert.deepEqual(rows, [{ etag: 'W/"b2"', stars: 820, checked_at: '2024-06-12T00:00:00.000Z' }], 'only the time it was asked about moves');
        const latest = await sql.all<{ observed_at: string }>(`SELECT observed_at FROM github_star_samples WHERE repo = 'acme/tool' ORDER BY observed_at DESC LIMIT 1`);
        assert.equal(latest[0]!.observed_at, '2024-06-11T06:00:00.000Z');
      });

      test('two samplers saving one repository at once take turns: no count goes back, no sample is doubled', async () => {
        const other = await reopen();
        // Twenty repositories, each seen at 100 stars, then at once: one sampler hears 200, the other
        // a 304 a second later. Taken in either order the repository ends at 200 with samples
        // 100, 200. A 304 that read 100 before the 200 was committed and wrote after it would put
        // the count back to 100 and record a sample of 100 after the 200.
        const repos = Array.from({ length: 20 }, (_, i) => `race/repo-${i}`);
        for (const repo of repos) await store.signals.saveRepoSample(repo, { stars: 100, checkedAt: '2024-06-13T00:00:00.000Z' });
        await Promise.all(
          repos.flatMap((repo) => [
            store.signals.saveRepoSample(repo, { etag: 'W/"new"', stars: 200, checkedAt: '2024-06-13T01:00:00.000Z' }),
            other.signals.saveRepoSample(repo, { checkedAt: '2024-06-13T01:00:01.000Z' }),
          ]),
        );
        for (const repo of repos) {
          const samples = await sql.all<{ stars: number }>('SELECT stars FROM github_star_samples WHERE repo = $1 ORDER BY observed_at', [repo]);
          assert.deepEqual(samples.map((r) => r.stars), [100, 200], repo);
          const [row] = await sql.all<{ stars: number; etag: string }>('SELECT stars, etag FROM github_repos WHERE repo = $1', [repo]);
          assert.deepEqual(row, { stars: 200, etag: 'W/"new"' }, repo);
        }
      });

      test('a link whose URL is written in capitals still names its repository', async () => {
        await store.upsertPapers([paper('2401.00008', { listedAt: '2024-01-02T00:00:00.000Z', codeUrls: ['HTTPS://GITHUB.COM/Loud/Repo'] })]);
        const queue = (await store.signals.reposToSample(10)).map((r) => r.repo);
        assert.deepEqual(queue, ['loud/repo', 'acme/tool'], 'never checked, so first');
      });
    });
  });
}

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
