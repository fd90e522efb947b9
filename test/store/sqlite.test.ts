import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { parseQuery } from '../../src/search/query.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { MARK_END, MARK_START } from '../../src/store/store.ts';
import { paper } from '../helpers/papers.ts';

const dir = mkdtempSync(join(tmpdir(), 'paperboy-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('upserts are idempotent: the second import changes nothing', async () => {
  const store = await openSqliteStore(join(dir, 'idem.db'));
  const records = [paper('2405.00001'), paper('2405.00002'), paper('hep-th/9901001')];
  assert.deepEqual(await store.upsertPapers(records), ['added', 'added', 'added']);
  assert.deepEqual(await store.upsertPapers(records), ['unchanged', 'unchanged', 'unchanged']);
  assert.equal((await store.stats()).papers, 3);
  assert.equal(await store.paperCount(), 3);
  await store.close();
});

test('a newer version updates the paper and keeps the old version row; an older one does not roll it back', async () => {
  const store = await openSqliteStore(':memory:');
  await store.upsertPapers([paper('2405.00003', { title: 'First title' })]);
  const v2 = paper('2405.00003', {
    title: 'Second title',
    latestVersion: 2,
    updated: '2024-06-01T00:00:00.000Z',
    versions: [{ version: 2, created: '2024-06-01T00:00:00.000Z', size: '120kb' }],
  });
  assert.deepEqual(await store.upsertPapers([v2]), ['updated']);
  assert.deepEqual(await store.upsertPapers([paper('2405.00003', { title: 'First title' })]), ['unchanged']);
  const p = await store.getPaper('2405.00003');
  assert.equal(p?.title, 'Second title');
  assert.equal(p?.latestVersion, 2);
  assert.deepEqual(p?.versions.map((v) => [v.version, v.size]), [[1, '100kb'], [2, '120kb']]);
  await store.close();
});

test('Hugging Face records fill gaps, bring signals, and list the paper on its daily-list day', async () => {
  const store = await openSqliteStore(':memory:');
  await store.upsertPapers([paper('2405.00004', { title: 'arXiv title' })]);
  const hf = {
    id: '2405.00004', title: 'HF title', authors: ['Someone Else'], listedAt: '2024-06-03T08:00:00.000Z', codeUrls: ['https://github.com/a/b'],
    hf: { upvotes: 42, numComments: 3, githubRepo: 'https://github.com/a/b', githubStars: 100, dailyDate: '2024-06-03' },
  };
  assert.deepEqual(await store.upsertPapers([hf]), ['updated']);
  assert.deepEqual(await store.upsertPapers([hf]), ['unchanged']);
  const p = await store.getPaper('2405.00004');
  assert.equal(p?.title, 'arXiv title', 'arXiv metadata is not overwritten by a secondary source');
  assert.deepEqual(p?.authors, ['Ada Lovelace', 'Alan Turing']);
  assert.equal(p?.upvotes, 42);
  assert.deepEqual(p?.codeUrls, ['https://github.com/a/b']);
  assert.equal(p?.listedAt, '2024-06-03T08:00:00.000Z');
  assert.equal(await store.latestDay(), '2024-06-03');
  await store.close();
});

test('day listings sort by upvotes and know their neighbours', async () => {
  const store = await openSqliteStore(':memory:');
  const day = (id: string, date: string, upvotes: number) => ({
    id, title: `T ${id}`, authors: ['A B'], listedAt: `${date}T09:00:00.000Z`, hf: { upvotes, dailyDate: date },
  });
  await store.upsertPapers([day('2406.00001', '2024-06-01', 1), day('2406.00002', '2024-06-01', 9), day('2406.00003', '2024-06-03', 5), day('2406.00004', '2024-06-05', 2)]);
  const list = await store.listPapers('2024-06-01T00:00:00.000Z', '2024-06-02T00:00:00.000Z');
  assert.deepEqual(list.map((p) => p.id), ['2406.00002', '2406.00001']);
  assert.deepEqual(await store.neighbourDays('2024-06-03'), { previous: '2024-06-01', next: '2024-06-05' });
  assert.deepEqual(await store.neighbourDays('2024-06-04'), { previous: '2024-06-03', next: '2024-06-05' });
  assert.deepEqual(await store.dayCounts('2024-06-01T00:00:00.000Z', '2024-07-01T00:00:00.000Z'), [
    { day: '2024-06-01', count: 2 }, { day: '2024-06-03', count: 1 }, { day: '2024-06-05', count: 1 },
  ]);
  await store.close();
});

test('keyword search ranks title matches first, highlights, filters and excludes', async () => {
  const store = await openSqliteStore(':memory:');
  await store.upsertPapers([
    paper('2401.00001', { title: 'Diffusion models for speech synthesis', abstract: 'We study audio.', categories: ['cs.SD'] }),
    paper('2401.00002', { title: 'A survey of audio', abstract: 'Diffusion appears once in this abstract about music.', categories: ['cs.SD'] }),
    paper('2401.00003', { title: 'Graph networks', abstract: 'Nothing about it.', categories: ['cs.LG'], authors: ['Yann LeCun'] }),
    paper('2401.00004', { title: 'Diffusion for images', abstract: 'Pictures.', categories: ['cs.CV'], published: '2020-01-01T00:00:00.000Z' }),
  ]);
  const run = async (q: string) => (await store.search(parseQuery(q).query)).hits.map((h) => h.paper.id);
  const ranked = await run('diffusion');
  assert.deepEqual(ranked.slice(0, 2).sort(), ['2401.00001', '2401.00004'], 'title matches first');
  assert.equal(ranked[2], '2401.00002');
  assert.deepEqual((await run('diffusion -music')).sort(), ['2401.00001', '2401.00004']);
  assert.deepEqual(await run('diffusion cat:cs.SD'), ['2401.00001', '2401.00002']);
  assert.deepEqual(await run('diffusion cat:cs'), ranked);
  assert.deepEqual(await run('diffusion since:2024'), ['2401.00001', '2401.00002']);
  assert.deepEqual(await run('"speech synthesis"'), ['2401.00001']);
  assert.deepEqual(await run('author:lecun'), ['2401.00003']);
  assert.deepEqual(await run('cat:cs.CV'), ['2401.00004']);
  assert.deepEqual(await run('model'), ['2401.00001'], 'porter stemming finds other word forms');
  const page = await store.search(parseQuery('diffusion').query, { limit: 1, offset: 1 });
  assert.equal(page.total, 3);
  assert.equal(page.hits[0]?.paper.id, ranked[1]);
  for (const hostile of ['<script>alert(1)</script>', 'NEAR(a b', '"'.repeat(3), '-', '*', 'a'.repeat(600), 'title:x OR y']) {
    await store.search(parseQuery(hostile).query); // must not throw
  }
  const [top] = (await store.search(parseQuery('speech').query)).hits;
  assert.equal(top?.titleMarked, `Diffusion models for ${MARK_START}speech${MARK_END} synthesis`);
  // Each page is marked afresh: nothing of the previous page's words or papers is left behind.
  const keys = (await store.search(parseQuery('diffusion').query)).hits.map((h) => h.key);
  const again = await store.hitsForKeys(keys, parseQuery('synthesis').query);
  assert.equal(again.find((h) => h.paper.id === '2401.00001')?.titleMarked, `Diffusion models for speech ${MARK_START}synthesis${MARK_END}`);
  assert.equal(again.find((h) => h.paper.id === '2401.00004')?.titleMarked, 'Diffusion for images');
  assert.equal(again.find((h) => h.paper.id === '2401.00002')?.snippetMarked, 'Diffusion appears once in this abstract about music.');
  await store.close();
});

test('similar papers share distinctive words and exclude the paper itself', async () => {
  const store = await openSqliteStore(':memory:');
  await store.upsertPapers([
    paper('2402.00001', { title: 'Protein folding with transformers', abstract: 'Protein structure prediction.' }),
    paper('2402.00002', { title: 'Protein structure from sequences', abstract: 'Folding proteins.' }),
    paper('2402.00003', { title: 'Galaxy clusters', abstract: 'Dark matter.' }),
  ]);
  assert.deepEqual((await store.similarByKeywords('2402.00001')).map((p) => p.id), ['2402.00002']);
  await store.close();
});

test('a bulk import killed half-way is repaired at the next open: the keyword index finds everything', async () => {
  const path = join(dir, 'crash.db');
  const store = await openSqliteStore(path);
  await store.upsertPapers([paper('2403.00001', { title: 'Before the crash' })]);
  // What bulk() leaves behind if the process dies inside it: triggers dropped, the dirty mark set,
  // rows written that the index has not seen.
  const raw = new BetterSqlite3(path);
  raw.exec(`INSERT INTO meta (key, value) VALUES ('fts_dirty', 'x');
            DROP TRIGGER papers_fts_insert;`);
  raw.prepare(`INSERT INTO papers (id, title, abstract, listed_at, content_hash, added_at, changed_at)
               VALUES ('2403.00002', 'Written during the crash', '', '2024-03-01', 'h', 'now', 'now')`).run();
  raw.close();
  await store.close();

  const reopened = await openSqliteStore(path);
  assert.equal((await reopened.search(parseQuery('crash').query)).total, 2);
  await reopened.upsertPapers([paper('2403.00003', { title: 'After the crash' })]);
  assert.equal((await reopened.search(parseQuery('crash').query)).total, 3, 'triggers are back');
  await reopened.close();
});

test('bulk() rebuilds the index once at the end', async () => {
  const store = await openSqliteStore(':memory:');
  await store.bulk(async () => {
    await store.upsertPapers([paper('2404.00001', { title: 'Bulk loaded quasar' })]);
    assert.equal((await store.search(parseQuery('quasar').query)).total, 0, 'not indexed while the bulk load runs');
  });
  assert.equal((await store.search(parseQuery('quasar').query)).total, 1);
  await store.close();
});

test('ingest runs and their errors are recorded', async () => {
  const store = await openSqliteStore(':memory:');
  const run = await store.startIngestRun('ingest x');
  await store.recordIngestErrors(run, [{ source: 'f.jsonl', position: 'line 3', reason: 'broken JSON' }]);
  await store.finishIngestRun(run, { read: 3, added: 2, updated: 0, unchanged: 0, skipped: 1, errors: 1 }, 'done');
  assert.deepEqual(await store.recentIngestErrors(run), [{ source: 'f.jsonl', position: 'line 3', reason: 'broken JSON' }]);
  const stats = await store.stats();
  assert.equal(stats.lastRun?.status, 'done');
  assert.equal(stats.lastRun?.errors, 1);
  await store.close();
});

test('a paper on two daily lists: the earliest day lists it, the latest signals win, in either import order', async () => {
  const on = (date: string, upvotes: number) => ({
    id: '2405.00009', title: 'Twice listed', authors: ['A B'], listedAt: `${date}T08:00:00.000Z`, hf: { upvotes, dailyDate: date },
  });
  for (const order of [[on('2024-06-01', 5), on('2024-06-08', 50)], [on('2024-06-08', 50), on('2024-06-01', 5)]]) {
    const store = await openSqliteStore(':memory:');
    await store.upsertPapers(order);
    assert.deepEqual(await store.upsertPapers(order), ['unchanged', 'unchanged'], 're-importing changes nothing');
    const p = await store.getPaper('2405.00009');
    assert.equal(p?.listedAt, '2024-06-01T08:00:00.000Z');
    assert.equal(p?.upvotes, 50);
    await store.close();
  }
});
