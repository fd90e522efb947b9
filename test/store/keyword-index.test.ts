// The impact index (src/store/sqlite-keywords.ts) must rank exactly as FTS5's bm25() does. The
// oracle here is FTS5 itself, asked with raw SQL on a second connection: the same any-word MATCH,
// the same column weights, hidden and merged papers left out. Checked on a generated corpus
// with hyphenated words (which FTS5 reads as phrases), repeated words and function words, then
// again after papers are added, edited and hidden, and after a rebuild.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { parseQuery } from '../../src/search/query.ts';
import { buildMatch } from '../../src/store/fts.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { listInputs, readInputs } from '../../src/ingest/sources.ts';
import type { PaperRecord } from '../../src/paper/types.ts';
import { paper } from '../helpers/papers.ts';
import { mulberry32 } from '../helpers/random.ts';
import { needsData, sharedData } from '../helpers/shared-data.ts';

const WORDS = [
  'diffusion', 'speech', 'synthesis', 'transformer', 'attention', 'graph', 'neural', 'retrieval', 'sampling', 'fast',
  'language', 'models', 'model', 'vision', 'policy', 'reward', 'robot', 'protein', 'folding', 'sparse', 'kernel',
  'text-to-speech', 'self-supervised', 'real-time', 'zero-shot', 'the', 'of', 'and', 'with', 'for', 'learning',
  'learned', 'learns', 'bayesian', 'optimal', 'transport', 'quantum', 'circuit', 'federated', 'privacy',
];
const AUTHORS = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Diffusion Smith', 'Kurt Godel', 'Emmy Noether'];

let dir: string;
let store: Store;
let oracle: BetterSqlite3.Database;
const random = mulberry32(42);
const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
const text = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

function generated(i: number) {
  return paper(`2405.${String(i).padStart(5, '0')}`, {
    title: text(3 + Math.floor(random() * 8)),
    abstract: text(10 + Math.floor(random() * 120)),
    authors: [pick(AUTHORS), pick(AUTHORS)],
  });
}

const QUERIES = [
  'diffusion', 'fast sampling diffusion', 'text-to-speech synthesis', 'self-supervised real-time vision',
  'model models learning', 'graph graph neural', 'the diffusion of models', 'the of and', 'smith', 'lovelace retrieval',
  'zero-shot', 'quantum circuit privacy federated', 'learns', 'nonexistentword diffusion', 'nonexistentword',
];

/** FTS5's own any-word ranking, straight from SQL. */
function expected(q: string, limit: number) {
  const match = buildMatch(parseQuery(q).query, { any: true });
  const rows = oracle
    .prepare(`SELECT f.rowid AS key, bm25(papers_fts, 4, 2, 1) AS score FROM papers_fts f JOIN papers p ON p.pk = f.rowid
              WHERE papers_fts MATCH ? AND p.hidden_at IS NULL AND p.merged_into IS NULL ORDER BY score, key`)
    .all(match) as { key: number; score: number }[];
  return { top: rows.slice(0, limit), all: new Map(rows.map((r) => [r.key, r.score])), total: rows.length };
}

async function assertSameAsFts5(label: string, queries = QUERIES) {
  for (const q of queries) {
    const want = expected(q, 30);
    const got = await store.rankByKeywords(parseQuery(q).query, { limit: 30, any: true });
    assert.equal(got.via, 'impact', `${label} "${q}": answered by the impact index`);
    assert.equal(got.total, want.total, `${label} "${q}": total`);
    assert.equal(got.ranked.length, want.top.length, `${label} "${q}": length`);
    got.ranked.forEach((r, i) => {
      assert.ok(Math.abs(r.score - want.top[i]!.score) < 1e-9, `${label} "${q}" #${i + 1}: score ${r.score} vs ${want.top[i]!.score}`);
      // Equal scores may come in either order; unequal ones must not.
      if (r.key !== want.top[i]!.key) assert.ok(Math.abs(want.all.get(r.key)! - r.score) < 1e-9, `${label} "${q}" #${i + 1}: key ${r.key} vs ${want.top[i]!.key}`);
    });
    // Papers beyond the page too, as fusion asks for papers found by meaning.
    for (const key of [...want.all.keys()].slice(30, 60)) assert.ok(Math.abs(got.scoreOf(key) - want.all.get(key)!) < 1e-9, `${label} "${q}": scoreOf(${key})`);
    assert.equal(got.scoreOf(999_999), 0);
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paperboy-keywords-'));
  const path = join(dir, 'hub.db');
  store = await openSqliteStore(path);
  await store.upsertPapers(Array.from({ length: 1500 }, (_, i) => generated(i + 1)));
  oracle = new BetterSqlite3(path, { readonly: true });
});

after(async () => {
  oracle.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the impact index', () => {
  test('before it is built, FTS5 answers, and status says it is not ready', async () => {
    const got = await store.rankByKeywords(parseQuery('diffusion').query, { limit: 10, any: true });
    assert.equal(got.via, 'fts');
    assert.equal((await store.keywordIndex.status()).ready, false);
  });

  test('once built, it ranks every query exactly as FTS5 bm25() does', async () => {
    const report = await store.keywordIndex.build();
    assert.equal(report.papers, 1500);
    assert.ok(report.terms > 30);
    const status = await store.keywordIndex.status();
    assert.deepEqual({ ready: status.ready, papers: status.papers, needsRebuild: status.needsRebuild }, { ready: true, papers: 1500, needsRebuild: false });
    await assertSameAsFts5('built');
  });

  test('papers added, edited and hidden after the build are ranked from their text, still as FTS5 does', async () => {
    await store.upsertPapers(Array.from({ length: 40 }, (_, i) => generated(5000 + i)));
    // Edits: new titles and abstracts for papers the generation holds.
    await store.upsertPapers([3, 7, 11].map((i) => paper(`2405.${String(i).padStart(5, '0')}`, { title: 'text-to-speech diffusion diffusion', abstract: 'fast sampling for speech synthesis with diffusion models' })));
    const hide = new BetterSqlite3(join(dir, 'hub.db'));
    hide.prepare("UPDATE papers SET hidden_at = '2024-06-01T00:00:00.000Z' WHERE id IN ('2405.00003', '2405.00020')").run();
    hide.close();
    await assertSameAsFts5('changed');
    const status = await store.keywordIndex.status();
    assert.equal(status.changed, 43, 'the 40 new papers and the 3 edited ones');
  });

  test('a paper written by another process is found without a rebuild', async () => {
    const other = await openSqliteStore(join(dir, 'hub.db'));
    await other.upsertPapers([paper('2406.99999', { title: 'Quantum folding of sparse kernels', abstract: 'A unique word: zygomorphic.' })]);
    await other.close();
    const got = await store.rankByKeywords(parseQuery('zygomorphic').query, { limit: 5, any: true });
    assert.equal(got.via, 'impact');
    assert.equal(got.ranked.length, 1);
    assert.equal(got.ranked[0]!.key, await store.keyOf('2406.99999'));
  });

  test('a rebuild makes a new generation, drops the old one and a crashed build, and ranks the same', async () => {
    const db = new BetterSqlite3(join(dir, 'hub.db'));
    db.prepare("INSERT INTO keyword_generations (generation, state, built_through, rows, tokens) VALUES (99, 'building', '2024-01-01T00:00:00.000Z', 0, 0)").run();
    db.prepare("INSERT INTO keyword_postings (generation, term, df, data) VALUES (99, 'diffus', 1, x'0101')").run();
    await store.keywordIndex.build();
    const generations = db.prepare('SELECT generation, state FROM keyword_generations').all() as { generation: number; state: string }[];
    assert.equal(generations.length, 1);
    assert.equal(generations[0]!.state, 'ready');
    assert.equal((db.prepare('SELECT count(DISTINCT generation) AS n FROM keyword_postings').get() as { n: number }).n, 1);
    db.close();
    assert.equal((await store.keywordIndex.status()).changed, 0);
    await assertSameAsFts5('rebuilt');
  });

  test('filters, phrases, prefixes and exclusions still go to FTS5', async () => {
    for (const q of ['diffusion cat:cs.LG', '"fast sampling"', 'diffus*', 'diffusion -speech', 'author:turing diffusion']) {
      const got = await store.rankByKeywords(parseQuery(q).query, { limit: 10, any: true });
      assert.equal(got.via, 'fts', q);
    }
  });
});

describe('the impact index on real papers', () => {
  const data = 'hf-daily-papers/normalized';
  let realDir: string;
  let real: Store;
  let realOracle: BetterSqlite3.Database;

  before(async () => {
    if (needsData(data)) return;
    realDir = mkdtempSync(join(tmpdir(), 'paperboy-keywords-real-'));
    real = await openSqliteStore(join(realDir, 'hub.db'));
    const papers: PaperRecord[] = [];
    for await (const result of readInputs(await listInputs([sharedData(data)]))) if ('ok' in result) papers.push(result.ok);
    await real.bulk(async () => {
      for (let i = 0; i < papers.length; i += 2000) await real.upsertPapers(papers.slice(i, i + 2000));
    });
    await real.keywordIndex.build();
    realOracle = new BetterSqlite3(join(realDir, 'hub.db'), { readonly: true });
  });

  after(async () => {
    realOracle?.close();
    await real?.close();
    if (realDir) rmSync(realDir, { recursive: true, force: true });
  });

  test('2-5 title words of 300 real papers rank exactly as FTS5 ranks them', { skip: needsData(data) }, async () => {
    // Real titles bring hyphens, digits, accents, TeX and acronyms.
    const titles = realOracle.prepare('SELECT title FROM papers ORDER BY pk').pluck().all() as string[];
    const pickReal = mulberry32(7);
    const queries = Array.from({ length: 300 }, () => {
      const words = titles[Math.floor(pickReal() * titles.length)]!.split(/\s+/).filter((w) => /^[\p{L}\p{N}-]+$/u.test(w));
      const start = Math.floor(pickReal() * Math.max(1, words.length - 2));
      return words.slice(start, start + 2 + Math.floor(pickReal() * 4)).join(' ');
    }).filter((q) => q.length > 0);
    const saved = { store, oracle };
    store = real;
    oracle = realOracle;
    try {
      await assertSameAsFts5('real', queries);
    } finally {
      ({ store, oracle } = saved);
    }
  });
});
