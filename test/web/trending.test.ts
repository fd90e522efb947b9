// /trending, /api/trending and /about/trending over HTTP, on a real SQLite file with votes, source
// samples and star samples at known instants, and a clock the test sets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { AGE_SCALE_HOURS, GRAVITY, HUB_VOTE_POINTS } from '../../src/rank/trending.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { buildApp } from '../../src/web/app.ts';
import { HOSTILE_ID, HOSTILE_TITLE, MATH_ID, PAPERS, RICH_ID, visible } from './fixtures.ts';

const NOW = new Date('2024-06-03T12:00:00.000Z');

let dir: string;
let store: Store;
let app: FastifyInstance;
let clock = NOW;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paperboy-trending-'));
  const path = join(dir, 'hub.db');
  store = await openSqliteStore(path);
  await store.upsertPapers(PAPERS);
  const db = new BetterSqlite3(path);
  const pk = (id: string) => (db.prepare('SELECT pk FROM papers WHERE id = ?').get(id) as { pk: number }).pk;
  // The import stamped its samples with the wall clock; put them at instants the test controls.
  db.prepare('DELETE FROM signal_samples').run();
  const sample = db.prepare(`INSERT INTO signal_samples (paper_pk, source, observed_at, upvotes, github_stars) VALUES (?, 'huggingface', ?, ?, NULL)`);
  sample.run(pk(MATH_ID), '2024-06-03T02:00:00.000Z', 40);
  sample.run(pk(MATH_ID), '2024-06-03T10:00:00.000Z', 87);
  sample.run(pk(HOSTILE_ID), '2024-06-03T06:00:00.000Z', 3);
  sample.run(pk(RICH_ID), '2024-05-31T10:00:00.000Z', 152);
  const star = db.prepare('INSERT INTO github_star_samples (repo, observed_at, stars) VALUES (?, ?, ?)');
  star.run('example/protein-diffusion', '2024-05-28T00:00:00.000Z', 667);
  star.run('example/protein-diffusion', '2024-06-03T06:00:00.000Z', 987);
  db.prepare(`INSERT INTO users (pk, email, name, created_at) VALUES (1, 'a@x.org', 'ana', ?), (2, 'b@x.org', 'bo', ?)`).run(NOW.toISOString(), NOW.toISOString());
  db.prepare('INSERT INTO votes (paper_pk, user_pk, created_at) VALUES (?, 1, ?), (?, 2, ?)').run(pk(HOSTILE_ID), '2024-06-03T08:00:00.000Z', pk(HOSTILE_ID), '2024-06-03T09:00:00.000Z');
  db.close();
  app = await buildApp({ store, community: { now: () => clock } });
});

after(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (url: string) => app.inject({ method: 'GET', url });

describe('/trending', () => {
  test('today: ranked, each card saying why, with a sparkline that gives its numbers', async () => {
    const res = await get('/trending');
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /Trending today/);
    assert.ok(text.indexOf('learned comparators') < text.indexOf('protein structure'), 'most attention first');
    assert.match(text, /\+87 upvotes on Hugging Face in 24 h/);
    assert.match(text, /\+2 upvotes in 24 h/);
    assert.match(text, /\+320 GitHub stars in 24 h/);
    assert.match(res.body, /<svg class="sparkline"[^>]*role="img" aria-label="Upvotes over the last 24 hours: from 0 to 87 \(0, [^"]*87\)"/);
    assert.match(res.body, /<polyline points="[\d., ]+"/);
    assert.match(res.body, /<a href="\/trending\?period=week">This week<\/a>/);
    assert.match(res.body, /<a href="\/trending" aria-current="page">Today<\/a>/);
  });

  test('hostile titles stay text', async () => {
    const res = await get('/trending');
    assert.ok(visible(res.body).includes(HOSTILE_TITLE));
    assert.match(res.body, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.doesNotMatch(res.body, /<img src=x/i);
    assert.doesNotMatch(res.body, /<script>window/i);
  });

  test('this week counts what happened over 7 days', async () => {
    const res = await get('/trending?period=week');
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /Trending this week/);
    assert.match(text, /\+152 upvotes on Hugging Face this week/);
  });

  test('a period other than day, week or month is a 400 that says what to write', async () => {
    for (const url of ['/trending?period=year', '/trending?period=day&period=week']) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, url);
      assert.match(visible(res.body), /The parameter "period" expects day, week or month/);
    }
  });

  test('nothing ever happened yet: the empty state explains what makes a paper trend', async () => {
    clock = new Date('2024-05-01T00:00:00.000Z');
    try {
      const res = await get('/trending');
      assert.equal(res.statusCode, 200);
      const text = visible(res.body);
      assert.match(text, /Nothing is trending today/);
      assert.match(text, /readers vote for it here, its upvotes on Hugging Face grow/);
      assert.doesNotMatch(res.body, /<article class="card/);
    } finally {
      clock = NOW;
    }
  });

  test('a quiet hub (imported days, no votes lately): the list looks back from its newest activity, and says so', async () => {
    clock = new Date('2025-01-01T00:00:00.000Z');
    try {
      const res = await get('/trending');
      assert.equal(res.statusCode, 200);
      const text = visible(res.body);
      assert.doesNotMatch(text, /Nothing is trending/);
      assert.match(text, /Nothing earned points over the last 24 hours, so this is what was trending over the 24 hours up to 3 June 2024 at 10:00 UTC, this hub's newest activity/);
      assert.ok(text.indexOf('learned comparators') < text.indexOf('protein structure'), 'the same order as on that day');
      assert.match(text, /\+87 upvotes on Hugging Face in 24 h/);
      const api = (await get('/api/trending')).json() as { anchoredAt?: string; to: string; note?: string; results: unknown[] };
      assert.equal(api.anchoredAt, '2024-06-03T10:00:00.000Z');
      assert.equal(api.to, api.anchoredAt);
      assert.match(api.note ?? '', /newest activity/);
      assert.ok(api.results.length > 0);
    } finally {
      clock = NOW;
    }
  });

  test('a card reads its points and age, not a bare score', async () => {
    const res = await get('/trending');
    const text = visible(res.body);
    assert.doesNotMatch(text, /score \d/);
    // 87 upvotes on Hugging Face in the day, 1 point each.
    assert.match(text, /\+87 upvotes on Hugging Face in 24 h[^]*?87 points · \d+ (h|days) old/);
    assert.match(res.body, /title="Score [\d.e-]+: 87 points divided by [\d.]+ for its age/);
  });
});

describe('/api/trending', () => {
  test('JSON with ranks, scores, parts, reasons and papers', async () => {
    const res = await get('/api/trending?period=day');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.period, 'day');
    assert.equal(body.to, NOW.toISOString());
    assert.equal(body.from, '2024-06-02T12:00:00.000Z');
    const hostile = body.results.find((r: { paper: { id: string } }) => r.paper.id === HOSTILE_ID);
    assert.deepEqual(hostile.reasons[0], { kind: 'hub-votes', gained: 2, text: '+2 upvotes in 24 h' });
    assert.equal(hostile.parts.hubVotes, 2);
    assert.equal(hostile.parts.points, HUB_VOTE_POINTS * 2 + 3);
    assert.equal(hostile.score, hostile.parts.points / (1 + 12 / AGE_SCALE_HOURS.day) ** GRAVITY);
    assert.equal(hostile.paper.title, HOSTILE_TITLE);
    assert.deepEqual(body.results.map((r: { rank: number }) => r.rank), body.results.map((_: unknown, i: number) => i + 1));
    assert.equal(body.results[0].paper.id, MATH_ID);
    assert.equal(body.results[0].series.length, 25);
  });

  test('a bad period is a JSON 400', async () => {
    const res = await get('/api/trending?period=hourly');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().statusCode, 400);
    assert.match(res.json().message, /day, week or month/);
  });
});

describe('/about/trending', () => {
  test('the formula in words, as math, its constants and a worked example that adds up', async () => {
    const res = await get('/about/trending');
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /How trending works/);
    assert.match(res.body, /class="katex/);
    assert.match(text, new RegExp(`Gravity ${GRAVITY}`));
    assert.match(text, new RegExp(`Age scale, this week ${AGE_SCALE_HOURS.week} h`));
    assert.match(text, /Points: 2 × 6 \+ 1 × 40 \+ 1 × √144 = 12 \+ 40 \+ 12 = 64 \. Gravity: \(1 \+ 30 \/ 72\) 1\.8 = 1\.87\. Score: 64 \/ 1\.87 = 34\.2/);
    assert.match(text, /Its card would say: \+6 upvotes this week, \+40 upvotes on Hugging Face this week, \+144 GitHub stars this week/);
  });
});
