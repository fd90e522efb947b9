import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { parseQuery } from '../../src/search/query.ts';
import pg from 'pg';
import type { PaperRecord } from '../../src/paper/types.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { MARK_END, MARK_START } from '../../src/store/store.ts';
import { ENGINES, POSTGRES, POSTGRES_URL } from '../helpers/engines.ts';
import { paper } from '../helpers/papers.ts';

const dir = mkdtempSync(join(tmpdir(), 'paperboy-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The store's core on every engine: SQLite always, PostgreSQL when PAPERBOY_TEST_POSTGRES_URL names a
// server (test/helpers/engines.ts). Each test opens a fresh, empty store of its own.
for (const engine of ENGINES) describe(`store (${engine.name})`, { skip: engine.skip }, () => {
  test('upserts are idempotent: the second import changes nothing', async () => {
    const store = await engine.open();
    const records = [paper('2405.00001'), paper('2405.00002'), paper('hep-th/9901001')];
    assert.deepEqual(await store.upsertPapers(records), ['added', 'added', 'added']);
    assert.deepEqual(await store.upsertPapers(records), ['unchanged', 'unchanged', 'unchanged']);
    assert.equal((await store.stats()).papers, 3);
    assert.equal(await store.paperCount(), 3);
    await store.close();
  });

  test('a newer version updates the paper and keeps the old version row; an older one does not roll it back', async () => {
    const store = await engine.open();
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
    const store = await engine.open();
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
    const store = await engine.open();
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
    const store = await engine.open();
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
    const store = await engine.open();
    await store.upsertPapers([
      paper('2402.00001', { title: 'Protein folding with transformers', abstract: 'Protein structure prediction.' }),
      paper('2402.00002', { title: 'Protein structure from sequences', abstract: 'Folding proteins.' }),
      paper('2402.00003', { title: 'Galaxy clusters', abstract: 'Dark matter.' }),
    ]);
    assert.deepEqual((await store.similarByKeywords('2402.00001')).map((p) => p.id), ['2402.00002']);
    await store.close();
  });

  test('ingest runs and their errors are recorded', async () => {
    const store = await engine.open();
    const run = await store.startIngestRun('ingest x');
    await store.recordIngestErrors(run, [{ source: 'f.jsonl', position: 'line 3', reason: 'broken JSON' }]);
    await store.finishIngestRun(run, { read: 3, added: 2, updated: 0, unchanged: 0, skipped: 1, errors: 1 }, 'done');
    assert.deepEqual(await store.recentIngestErrors(run), [{ source: 'f.jsonl', position: 'line 3', reason: 'broken JSON' }]);
    const stats = await store.stats();
    assert.equal(stats.lastRun?.status, 'done');
    assert.equal(stats.lastRun?.errors, 1);
    await store.close();
  });

  test('a batch commits its papers, its bad records and the run\'s totals together; runs are running, interrupted, running again, finished', async () => {
    const store = await engine.open();
    const run = await store.startIngestRun('ingest a b');
    assert.deepEqual((await store.runningIngestRuns()).map((r) => [r.id, r.command, r.status, r.read]), [[run, 'ingest a b', 'running', 0]]);
    const bad = { source: 'a.jsonl', position: 'line 2', reason: 'no id' };
    assert.deepEqual(await store.commitIngestBatch(run, { papers: [paper('2408.00001'), paper('2408.00002')], errors: [bad], passed: 1 }),
      { read: 4, added: 2, updated: 0, unchanged: 0, skipped: 2, errors: 1 });
    const totals = await store.commitIngestBatch(run, { papers: [paper('2408.00002'), paper('2408.00003', { title: 'Third' }), paper('2408.00001', { title: 'Changed' })], errors: [], passed: 0 });
    assert.deepEqual(totals, { read: 7, added: 3, updated: 1, unchanged: 1, skipped: 2, errors: 1 }, 'the totals include every batch so far');
    assert.equal(await store.paperCount(), 3);
    assert.equal((await store.getPaper('2408.00001'))?.title, 'Changed');

    // A run nobody owns any more is interrupted once; a batch from its owner, alive after all, makes it running again.
    assert.equal(await store.interruptIngestRun(run, '2030-01-01T00:00:00.000Z'), true);
    assert.equal(await store.interruptIngestRun(run, '2030-01-01T00:00:01.000Z'), false, 'no longer running');
    assert.deepEqual(await store.runningIngestRuns(), []);
    let stats = await store.stats();
    assert.equal(stats.interruptedCount, 1);
    assert.deepEqual(stats.interruptedRuns.map((r) => [r.id, r.status, r.finishedAt, r.read, r.added]), [[run, 'interrupted', '2030-01-01T00:00:00.000Z', 7, 3]]);
    assert.ok(stats.interruptedRuns[0]!.committedAt, 'when its last batch was committed');
    await store.commitIngestBatch(run, { papers: [], errors: [{ ...bad, position: 'line 9' }], passed: 0 });
    assert.deepEqual((await store.runningIngestRuns()).map((r) => [r.id, r.finishedAt, r.errors]), [[run, undefined, 2]]);
    await store.finishIngestRun(run, { ...totals, read: 8, skipped: 3, errors: 2 }, 'done');
    stats = await store.stats();
    assert.deepEqual([stats.lastRun?.status, stats.lastRun?.read, stats.interruptedCount], ['done', 8, 0]);
    assert.deepEqual(await store.recentIngestErrors(run), [bad, { ...bad, position: 'line 9' }], 'in the order they were written');
    assert.deepEqual(await store.recentIngestErrors(run, 1), [bad]);

    // A batch is one transaction: a run that does not exist takes its papers with it.
    await assert.rejects(store.commitIngestBatch(run + 100, { papers: [paper('2408.00009')], errors: [], passed: 0 }), /does not exist/);
    assert.equal(await store.keyOf('2408.00009'), undefined);
    await store.close();
  });

  test('harvest state, new papers, author pages, counts and the recent sort', async () => {
    const store = await engine.open();
    assert.equal(await store.getHarvestState('oai|cs'), undefined);
    await store.saveHarvestState({ key: 'oai|cs', resumptionToken: 't1', harvested: 100, updatedAt: '2024-01-01T00:00:00.000Z' });
    await store.saveHarvestState({ key: 'oai|cs', harvested: 150, completedAt: '2024-01-02T00:00:00.000Z', updatedAt: '2024-01-02T00:00:00.000Z' });
    assert.deepEqual(await store.getHarvestState('oai|cs'), { key: 'oai|cs', resumptionToken: undefined, harvested: 150, completedAt: '2024-01-02T00:00:00.000Z', updatedAt: '2024-01-02T00:00:00.000Z' });

    const before = new Date(Date.now() - 1).toISOString();
    await store.upsertPapers([
      paper('2409.00001', { authors: ['Jörg Müller'], published: '2024-09-01T00:00:00.000Z', listedAt: '2024-09-02T08:00:00.000Z' }),
      paper('2409.00002', { authors: ['Jorg Muller', 'Ada Lovelace'], published: '2024-09-03T00:00:00.000Z', listedAt: '2024-09-02T09:00:00.000Z' }),
      paper('2301.00003', { authors: ['J. Müller'], published: '2023-01-01T00:00:00.000Z', listedAt: '2023-01-02T08:00:00.000Z' }),
    ]);
    const after = new Date(Date.now() + 1).toISOString();
    const keys = await Promise.all(['2409.00001', '2409.00002', '2301.00003'].map((id) => store.keyOf(id)));
    assert.deepEqual(await store.newPaperKeys(before, after, '2024-01-01T00:00:00.000Z'), keys.slice(0, 2), 'an old paper imported now is not news');
    assert.deepEqual(await store.newPaperKeys(after, after, '2000-01-01'), []);

    const author = await store.authorPapers('JORG MULLER');
    assert.equal(author?.name, 'Jörg Müller', 'the name as first seen');
    assert.deepEqual([author?.total, author?.papers.map((p) => p.id)], [2, ['2409.00002', '2409.00001']], 'newest first');
    assert.deepEqual((await store.authorPapers('Jörg Müller', { limit: 1, offset: 1 }))?.papers.map((p) => p.id), ['2409.00001']);
    assert.equal(await store.authorPapers('Nobody Here'), undefined);

    assert.equal(await store.countPapers('2024-09-02T00:00:00.000Z', '2024-09-03T00:00:00.000Z'), 2);
    assert.deepEqual((await store.listPapers('2000-01-01', '2100-01-01', { sort: 'recent' })).map((p) => p.id), ['2409.00002', '2409.00001', '2301.00003']);
    assert.deepEqual((await store.listPapers('2000-01-01', '2100-01-01', { sort: 'recent', limit: 1, offset: 1 })).map((p) => p.id), ['2409.00001']);
    assert.equal(await store.latestDay(), '2024-09-02');
    assert.deepEqual(await store.neighbourDays('2024-09-02'), { previous: '2023-01-02', next: undefined });
    const stats = await store.stats();
    assert.deepEqual([stats.papers, stats.authors, stats.listedDays, stats.firstDay, stats.lastDay], [3, 3, 2, '2023-01-02', '2024-09-02'], 'Jörg Müller under two spellings, Ada Lovelace, J. Müller');
    await store.close();
  });

  test('a paper on two daily lists: the earliest day lists it, the latest signals win, in either import order', async () => {
    const on = (date: string, upvotes: number) => ({
      id: '2405.00009', title: 'Twice listed', authors: ['A B'], listedAt: `${date}T08:00:00.000Z`, hf: { upvotes, dailyDate: date },
    });
    for (const order of [[on('2024-06-01', 5), on('2024-06-08', 50)], [on('2024-06-08', 50), on('2024-06-01', 5)]]) {
      const store = await engine.open();
      await store.upsertPapers(order);
      assert.deepEqual(await store.upsertPapers(order), ['unchanged', 'unchanged'], 're-importing changes nothing');
      const p = await store.getPaper('2405.00009');
      assert.equal(p?.listedAt, '2024-06-01T08:00:00.000Z');
      assert.equal(p?.upvotes, 50);
      await store.close();
    }
  });
});

// SQLite only: these open a database file by its path and reach into it (FTS5 triggers, the mark a
// killed bulk import leaves, user_version), or test bulk() switching FTS5's triggers off, which
// PostgreSQL's generated search column has no counterpart of.
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

// PostgreSQL only: what is particular to a server many processes write to at once, and that the
// PostgreSQL store, which merges a batch in memory and writes it with a few statements over
// arrays, leaves exactly the rows that sqlite.ts's statement per row leaves.
describe('the PostgreSQL store', { skip: POSTGRES.skip }, () => {
  const schemas: string[] = [];
  after(async () => {
    if (schemas.length === 0) return;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  test('the same batches leave the same rows as on SQLite: authors by normalised name, categories, links, versions, signals and samples', async () => {
    const upvotes = (n: number, dailyDate: string, more: Partial<PaperRecord['hf'] & object> = {}) => ({ upvotes: n, dailyDate, ...more });
    const batches: PaperRecord[][] = [
      [
        paper('2406.10001', { authors: ['Jörg Müller', 'Ada Lovelace'], categories: ['cs.LG', 'stat.ML', 'cs.LG'], codeUrls: ['https://github.com/z/z', 'https://github.com/a/a'] }),
        { id: '2406.10002', title: 'Only on a daily list', authors: ['Jorg Muller'], listedAt: '2024-06-01T08:00:00.000Z', hf: upvotes(3, '2024-06-01', { aiKeywords: ['a', 'b'], mediaUrls: ['https://cdn-uploads.huggingface.co/x.png'], organization: 'Org' }) },
        // The same paper again in the batch: merged over what the record before wrote.
        { id: '2406.10001', title: 'HF title', authors: ['Someone Else'], listedAt: '2024-06-02T08:00:00.000Z', codeUrls: ['https://github.com/m/m'], hf: upvotes(7, '2024-06-02', { githubStars: 4 }) },
      ],
      [
        paper('2406.10001', { title: 'Second version', authors: ['Jörg Müller', 'Ada Lovelace'], latestVersion: 2, versions: [{ version: 2, created: '2024-06-05T00:00:00.000Z' }] }),
        { id: '2406.10002', title: 'x', authors: [], listedAt: '2024-06-08T08:00:00.000Z', hf: upvotes(10, '2024-06-08', { githubStars: 5 }) },
        { id: '2406.10002', title: 'x', authors: [], listedAt: '2024-05-30T08:00:00.000Z', hf: upvotes(1, '2024-05-30') },
        paper('hep-th/9901001', { authors: ['J. Smith', 'J Smith', 'Ada  Lovelace'], versions: [{ version: 1, created: '1999-01-01T00:00:00.000Z' }, { version: 3, created: '1999-03-01T00:00:00.000Z' }] }),
        paper('2406.10001', { title: 'First version again', latestVersion: 1 }),
      ],
    ];
    batches.push(batches[0]!, batches[1]!); // again: every record is unchanged now

    const path = join(dir, 'parity.db');
    const sqlite = await openSqliteStore(path);
    const schema = `t_parity_${process.pid}_${randomBytes(4).toString('hex')}`; // never one a killed run left behind
    schemas.push(schema);
    // Imported here, as engines.ts does, so that this file loads where the PostgreSQL store cannot.
    const { openPostgresStore } = await import('../../src/store/postgres.ts');
    const postgres = await openPostgresStore(POSTGRES_URL!, { schema });
    try {
      for (const batch of batches) assert.deepEqual(await postgres.upsertPapers(batch), await sqlite.upsertPapers(batch));
      assert.deepEqual(await postgres.upsertPapers(batches[0]!), ['unchanged', 'unchanged', 'unchanged']);

      // Every table an upsert writes, without the keys and times that differ by engine and clock.
      const queries = {
        papers: `SELECT id, title, abstract, authors_text, categories, primary_category, published_at, updated_at, listed_at, listed_explicit,
                        latest_version, comments, journal_ref, doi, license, report_no, project_page, content_hash FROM papers`,
        versions: 'SELECT p.id, v.version, v.created_at, v.size FROM paper_versions v JOIN papers p ON p.pk = v.paper_pk',
        authors: 'SELECT name, normalized FROM authors',
        paperAuthors: 'SELECT p.id, pa.position, a.normalized, pa.name FROM paper_authors pa JOIN papers p ON p.pk = pa.paper_pk JOIN authors a ON a.pk = pa.author_pk',
        categories: 'SELECT p.id, c.category FROM paper_categories c JOIN papers p ON p.pk = c.paper_pk',
        links: 'SELECT p.id, l.kind, l.url FROM paper_links l JOIN papers p ON p.pk = l.paper_pk',
        hf: `SELECT p.id, h.upvotes, h.num_comments, h.submitter, h.github_repo, h.github_stars, h.ai_summary, h.ai_keywords, h.daily_date,
                    h.organization, h.thumbnail, h.media_urls FROM hf_signals h JOIN papers p ON p.pk = h.paper_pk`,
        samples: 'SELECT p.id, s.source, s.observed_at, s.upvotes, s.github_stars FROM signal_samples s JOIN papers p ON p.pk = s.paper_pk',
      };
      // Compared as sets of rows: each engine's order of equal keys is its own.
      const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
      const raw = new BetterSqlite3(path, { readonly: true });
      const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema},public` });
      await client.connect();
      try {
        for (const [table, query] of Object.entries(queries)) {
          const rows = (await client.query(query)).rows;
          assert.deepEqual(sorted(rows), sorted(raw.prepare(query).all()), table);
          assert.ok(rows.length > 0, `${table} has rows to compare`);
        }
      } finally {
        await client.end();
        raw.close();
      }
      assert.deepEqual(await postgres.getPaper('2406.10001').then((p) => ({ ...p, addedAt: undefined })), await sqlite.getPaper('2406.10001').then((p) => ({ ...p, addedAt: undefined })));
      assert.deepEqual((await postgres.authorPapers('jorg muller'))?.papers.map((p) => p.id), (await sqlite.authorPapers('jorg muller'))?.papers.map((p) => p.id));
      assert.equal((await postgres.authorPapers('jorg muller'))?.total, 2, 'one author for both spellings');
    } finally {
      await postgres.close();
      await sqlite.close();
    }
  });

  test('two processes upserting overlapping batches at once: each paper is there once, and the outcomes add up', async () => {
    const first = await POSTGRES.open();
    const second = await POSTGRES.reopen(first);
    // Authors shared across the whole run, so both also race to make the same author rows.
    let total = 0;
    for (let round = 0; round < 5; round++) {
      const authorsOf = (n: number) => [`Shared Author ${n % 7}`, `Author R${round}N${n}`, `Shared Author ${(n + 3) % 7}`];
      const id = (n: number) => `2407.${String(round * 1000 + n).padStart(5, '0')}`;
      const arxiv = (n: number) => paper(id(n), { title: `Paper ${n} of round ${round}`, authors: authorsOf(n) });
      // The overlap differs by source: the first process brings arXiv's record, the second Hugging
      // Face's, so whichever writes second merges its record over the other's.
      const hf = (n: number) => ({ id: id(n), title: 'HF', authors: [], listedAt: '2024-07-01T08:00:00.000Z', hf: { upvotes: n, dailyDate: '2024-07-01' } });
      const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
      const a = range(0, 60).map(arxiv);
      // The second process's batch in another order, with the shared papers twice.
      const b = [...range(30, 90).reverse().map((n) => (n < 60 ? hf(n) : arxiv(n))), ...range(30, 40).map(arxiv)];
      const [outA, outB] = await Promise.all([first.upsertPapers(a), second.upsertPapers(b)]);
      const count = (outcomes: string[], o: string) => outcomes.filter((x) => x === o).length;
      assert.equal(outA.length, a.length);
      assert.equal(outB.length, b.length);
      assert.equal(count(outA, 'added') + count(outB, 'added'), 90, 'each of the 90 papers added exactly once');
      assert.equal(count(outB.slice(60), 'added'), 0, 'a repeat in the same batch is never added again');
      // A shared paper was added by one process and changed by the other (the sources differ)...
      for (let n = 40; n < 60; n++) assert.deepEqual([outA[n]!, outB[89 - n]!].sort(), ['added', 'updated'], `paper ${n}`);
      // ...and one the second process has twice was added once, by whichever got there first.
      for (let n = 30; n < 40; n++) assert.equal(count([outA[n]!, outB[89 - n]!, outB[60 + n - 30]!], 'added'), 1, `paper ${n}`);
      total += 90;
      assert.equal(await first.paperCount(), total);
      for (const n of [30, 45, 59]) {
        const p = await second.getPaper(id(n));
        assert.equal(p?.title, `Paper ${n} of round ${round}`, 'arXiv metadata, whoever wrote last');
        assert.equal(p?.upvotes, n, 'and Hugging Face signals');
        assert.equal(p?.listedAt, '2024-07-01T08:00:00.000Z');
        assert.deepEqual(p?.authors, authorsOf(n));
      }
    }
    const stats = await first.stats();
    assert.equal(stats.papers, total);
    assert.equal(stats.authors, 7 + total, 'each author row made once, by whichever process got there first');
    assert.equal((await second.authorPapers('shared author 0'))?.total, (total / 90) * ([...Array(90).keys()].filter((n) => n % 7 === 0 || (n + 3) % 7 === 0).length));
  });
});
