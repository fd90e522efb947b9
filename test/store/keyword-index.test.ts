// The impact index (src/store/sqlite-keywords.ts, src/store/pg-keywords.ts) must rank exactly as
// the database's own full-text scoring does. On SQLite the oracle is FTS5 itself, asked with raw
// SQL on a second connection: the same any-word MATCH, the same column weights, hidden and merged
// papers left out. On PostgreSQL, which has no BM25, the oracle is BM25 written out in raw SQL
// over each paper's tsvector (FTS5's k1, b, IDF and column weights; N, lengths and document
// frequencies counted afresh), which is what pg-search.ts promises. Checked on a generated corpus
// with hyphenated words (which FTS5 reads as phrases), repeated words and function words, then
// again after papers are added, edited and hidden, and after a rebuild.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { parseQuery } from '../../src/search/query.ts';
import { buildMatch, contentWords } from '../../src/store/fts.ts';
import { connectPostgres, type PgDb } from '../../src/store/pg-db.ts';
import { TS_CONFIG } from '../../src/store/pg-keywords.ts';
import { PgSearch } from '../../src/store/pg-search.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { listInputs, readInputs } from '../../src/ingest/sources.ts';
import type { PaperRecord } from '../../src/paper/types.ts';
import { ENGINES, POSTGRES_URL, type Engine } from '../helpers/engines.ts';
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

const QUERIES = [
  'diffusion', 'fast sampling diffusion', 'text-to-speech synthesis', 'self-supervised real-time vision',
  'model models learning', 'graph graph neural', 'the diffusion of models', 'the of and', 'smith', 'lovelace retrieval',
  'zero-shot', 'quantum circuit privacy federated', 'learns', 'nonexistentword diffusion', 'nonexistentword',
];

type Ranked = { top: { key: number; score: number }[]; all: Map<number, number>; total: number };

/** The database's own scoring, straight from SQL, and the raw writes the tests make behind the store's back. */
interface Oracle {
  expected(q: string, limit: number): Promise<Ranked>;
  hide(ids: string[]): Promise<void>;
  /** What a build killed half-way leaves: a generation still building, with a posting. */
  leaveCrashedBuild(): Promise<void>;
  generations(): Promise<{ generation: number; state: string }[]>;
  postingGenerations(): Promise<number>;
  titles(): Promise<string[]>;
  close(): Promise<void>;
  /** PostgreSQL: the oracle's own connection to the hub's schema. */
  db?: PgDb;
}

/** A store on a database of its own, another store on the same database, and the oracle beside them. */
interface Hub {
  store: Store;
  another(): Promise<Store>;
  oracle: Oracle;
  close(): Promise<void>;
}

async function sqliteHub(): Promise<Hub> {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-keywords-'));
  const path = join(dir, 'hub.db');
  const store = await openSqliteStore(path);
  const read = new BetterSqlite3(path, { readonly: true });
  const write = () => new BetterSqlite3(path);
  const oracle: Oracle = {
    async expected(q, limit) {
      const match = buildMatch(parseQuery(q).query, { any: true });
      const rows = read
        .prepare(`SELECT f.rowid AS key, bm25(papers_fts, 4, 2, 1) AS score FROM papers_fts f JOIN papers p ON p.pk = f.rowid
                  WHERE papers_fts MATCH ? AND p.hidden_at IS NULL AND p.merged_into IS NULL ORDER BY score, key`)
        .all(match) as { key: number; score: number }[];
      return { top: rows.slice(0, limit), all: new Map(rows.map((r) => [r.key, r.score])), total: rows.length };
    },
    async hide(ids) {
      const db = write();
      db.prepare(`UPDATE papers SET hidden_at = '2024-06-01T00:00:00.000Z' WHERE id IN (${ids.map(() => '?').join(', ')})`).run(...ids);
      db.close();
    },
    async leaveCrashedBuild() {
      const db = write();
      db.prepare("INSERT INTO keyword_generations (generation, state, built_through, rows, tokens) VALUES (99, 'building', '2024-01-01T00:00:00.000Z', 0, 0)").run();
      db.prepare("INSERT INTO keyword_postings (generation, term, df, data) VALUES (99, 'diffus', 1, x'0101')").run();
      db.close();
    },
    async generations() {
      return read.prepare('SELECT generation, state FROM keyword_generations').all() as { generation: number; state: string }[];
    },
    async postingGenerations() {
      return (read.prepare('SELECT count(DISTINCT generation) AS n FROM keyword_postings').get() as { n: number }).n;
    },
    async titles() {
      return read.prepare('SELECT title FROM papers ORDER BY pk').pluck().all() as string[];
    },
    async close() {
      read.close();
    },
  };
  return {
    store,
    another: () => openSqliteStore(path),
    oracle,
    async close() {
      await oracle.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * BM25 as FTS5's bm25() computes it, over PostgreSQL's lexemes: for each lexeme of each content
 * word (a repeat counting again), idf · f(k1+1) / (f + k1(1 − b + b·D/avgdl)), with f the paper's
 * count of it weighted 4 in the title, 2 in the abstract and 1 in the authors, D its length in
 * tokens, and the idf FTS5's, never zero or below.
 */
const PG_BM25 = `
  WITH q AS (
    SELECT t.i, l.lexeme FROM unnest($1::text[]) WITH ORDINALITY AS t(word, i), unnest(tsvector_to_array(to_tsvector('${TS_CONFIG}', t.word))) AS l(lexeme)
  ), entries AS (
    SELECT p.pk, u.lexeme, (SELECT sum(CASE w WHEN 'A' THEN 4 WHEN 'B' THEN 2 ELSE 1 END) FROM unnest(u.weights) w)::float8 AS f
    FROM papers p, unnest(p.search_vector) u WHERE u.lexeme IN (SELECT lexeme FROM q)
  ), lengths AS (
    SELECT p.pk, coalesce((SELECT sum(cardinality(u.positions)) FROM unnest(p.search_vector) u), 0)::float8 AS len FROM papers p
  ), corpus AS (
    SELECT count(*)::float8 AS n, sum(len) / count(*) AS avgdl FROM lengths
  ), idf AS (
    SELECT q.i, q.lexeme, CASE WHEN d.df = 0 THEN 0 WHEN ln((c.n - d.df + 0.5) / (d.df + 0.5)) <= 0 THEN 1e-6 ELSE ln((c.n - d.df + 0.5) / (d.df + 0.5)) END AS idf
    FROM q CROSS JOIN corpus c CROSS JOIN LATERAL (SELECT count(*)::float8 AS df FROM entries e WHERE e.lexeme = q.lexeme) d
  )
  SELECT e.pk AS key, -sum(idf.idf * e.f * 2.2 / (e.f + 1.2 * (0.25 + 0.75 * l.len / c.avgdl))) AS score
  FROM idf JOIN entries e ON e.lexeme = idf.lexeme JOIN lengths l ON l.pk = e.pk JOIN papers p ON p.pk = e.pk CROSS JOIN corpus c
  WHERE p.hidden_at IS NULL AND p.merged_into IS NULL
  GROUP BY e.pk ORDER BY score, key`;

async function postgresHub(): Promise<Hub> {
  const { openPostgresStore } = await import('../../src/store/postgres.ts');
  const url = POSTGRES_URL!;
  const schema = `kw_${process.pid}_${randomBytes(4).toString('hex')}`;
  const store = await openPostgresStore(url, { schema });
  const db: PgDb = await connectPostgres(url, { schema });
  const oracle: Oracle = {
    async expected(q, limit) {
      const rows = await db.many<{ key: number; score: number }>(PG_BM25, [contentWords(parseQuery(q).query.terms)]);
      return { top: rows.slice(0, limit), all: new Map(rows.map((r) => [r.key, r.score])), total: rows.length };
    },
    async hide(ids) {
      await db.run("UPDATE papers SET hidden_at = '2024-06-01T00:00:00.000Z' WHERE id = ANY($1::text[])", [ids]);
    },
    async leaveCrashedBuild() {
      await db.run("INSERT INTO keyword_generations (generation, state, built_through, rows, tokens) VALUES (99, 'building', '2024-01-01T00:00:00.000Z', 0, 0)");
      await db.run("INSERT INTO keyword_postings (generation, term, df, data) VALUES (99, 'diffus', 1, '\\x0101'::bytea)");
    },
    generations: () => db.many<{ generation: number; state: string }>('SELECT generation, state FROM keyword_generations'),
    async postingGenerations() {
      return (await db.one<{ n: number }>('SELECT count(DISTINCT generation) AS n FROM keyword_postings'))!.n;
    },
    async titles() {
      return (await db.many<{ title: string }>('SELECT title FROM papers ORDER BY pk')).map((r) => r.title);
    },
    close: () => db.close(),
    db,
  };
  return {
    store,
    another: () => openPostgresStore(url, { schema }),
    oracle,
    async close() {
      await oracle.close();
      await store.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

const hubOf = (engine: Engine) => (engine.name === 'sqlite' ? sqliteHub() : postgresHub());

async function assertSameAsDatabase(hub: Hub, label: string, queries = QUERIES, via: 'impact' | 'fts' = 'impact') {
  for (const q of queries) {
    const want = await hub.oracle.expected(q, 30);
    const got = await hub.store.rankByKeywords(parseQuery(q).query, { limit: 30, any: true });
    assert.equal(got.via, via, `${label} "${q}": answered by the ${via === 'impact' ? 'impact index' : "database's full-text index"}`);
    assert.equal(got.total, want.total, `${label} "${q}": total`);
    assert.equal(got.ranked.length, want.top.length, `${label} "${q}": length`);
    got.ranked.forEach((r, i) => {
      assert.ok(Math.abs(r.score - want.top[i]!.score) < 1e-9, `${label} "${q}" #${i + 1}: score ${r.score} vs ${want.top[i]!.score}`);
      // Equal scores may come in either order; unequal ones must not.
      if (r.key !== want.top[i]!.key) assert.ok(Math.abs(want.all.get(r.key)! - r.score) < 1e-9, `${label} "${q}" #${i + 1}: key ${r.key} vs ${want.top[i]!.key}`);
    });
    if (via === 'impact') {
      // Papers beyond the page too, as fusion asks for papers found by meaning.
      for (const key of [...want.all.keys()].slice(30, 60)) assert.ok(Math.abs(got.scoreOf(key) - want.all.get(key)!) < 1e-9, `${label} "${q}": scoreOf(${key})`);
    }
    assert.equal(got.scoreOf(999_999), 0);
  }
}

for (const engine of ENGINES) {
  describe(`the impact index (${engine.name})`, { skip: engine.skip }, () => {
    let hub: Hub;
    const random = mulberry32(42);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
    const text = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
    const generated = (i: number) =>
      paper(`2405.${String(i).padStart(5, '0')}`, {
        title: text(3 + Math.floor(random() * 8)),
        abstract: text(10 + Math.floor(random() * 120)),
        authors: [pick(AUTHORS), pick(AUTHORS)],
      });

    before(async () => {
      hub = await hubOf(engine);
      await hub.store.upsertPapers(Array.from({ length: 1500 }, (_, i) => generated(i + 1)));
    });
    after(async () => hub?.close());

    test("before it is built, the database's full-text index answers, and status says it is not ready", async () => {
      const got = await hub.store.rankByKeywords(parseQuery('diffusion').query, { limit: 10, any: true });
      assert.equal(got.via, 'fts');
      assert.equal((await hub.store.keywordIndex.status()).ready, false);
      // PostgreSQL's SQL path is this file's oracle too: the same BM25, however it is asked.
      if (engine.name === 'postgres') await assertSameAsDatabase(hub, 'unbuilt', QUERIES, 'fts');
    });

    test('once built, it ranks every query exactly as the database scores it', async () => {
      const report = await hub.store.keywordIndex.build();
      assert.equal(report.papers, 1500);
      assert.ok(report.terms > 30);
      const status = await hub.store.keywordIndex.status();
      assert.deepEqual({ ready: status.ready, papers: status.papers, needsRebuild: status.needsRebuild }, { ready: true, papers: 1500, needsRebuild: false });
      await assertSameAsDatabase(hub, 'built');
    });

    test('papers added, edited and hidden after the build are ranked from their text, still as the database scores them', async () => {
      await hub.store.upsertPapers(Array.from({ length: 40 }, (_, i) => generated(5000 + i)));
      // Edits: new titles and abstracts for papers the generation holds.
      await hub.store.upsertPapers([3, 7, 11].map((i) => paper(`2405.${String(i).padStart(5, '0')}`, { title: 'text-to-speech diffusion diffusion', abstract: 'fast sampling for speech synthesis with diffusion models' })));
      await hub.oracle.hide(['2405.00003', '2405.00020']);
      await assertSameAsDatabase(hub, 'changed');
      const status = await hub.store.keywordIndex.status();
      assert.equal(status.changed, 43, 'the 40 new papers and the 3 edited ones');
    });

    test('a paper written by another process is found without a rebuild', async () => {
      const other = await hub.another();
      await other.upsertPapers([paper('2406.99999', { title: 'Quantum folding of sparse kernels', abstract: 'A unique word: zygomorphic.' })]);
      await other.close();
      const got = await hub.store.rankByKeywords(parseQuery('zygomorphic').query, { limit: 5, any: true });
      assert.equal(got.via, 'impact');
      assert.equal(got.ranked.length, 1);
      assert.equal(got.ranked[0]!.key, await hub.store.keyOf('2406.99999'));
    });

    test('a rebuild makes a new generation, drops the old one and a crashed build, and ranks the same', async () => {
      await hub.oracle.leaveCrashedBuild();
      await hub.store.keywordIndex.build();
      const generations = await hub.oracle.generations();
      assert.equal(generations.length, 1);
      assert.equal(generations[0]!.state, 'ready');
      assert.equal(await hub.oracle.postingGenerations(), 1);
      assert.equal((await hub.store.keywordIndex.status()).changed, 0);
      await assertSameAsDatabase(hub, 'rebuilt');
    });

    const FILTERED = ['diffusion cat:cs.LG', '"fast sampling"', 'diffus*', 'diffusion -speech', 'author:turing diffusion', 'fast sampl* -"speech synthesis" since:2024'];
    if (engine.name === 'sqlite') {
      test('filters, phrases, prefixes and exclusions still go to FTS5', async () => {
        for (const q of FILTERED) {
          const got = await hub.store.rankByKeywords(parseQuery(q).query, { limit: 10, any: true });
          assert.equal(got.via, 'fts', q);
        }
      });
    } else {
      test('filters, phrases, prefixes and exclusions: the GIN index finds the papers, the impact index scores them as the SQL path does', async () => {
        // A second PgSearch on the same schema that never asks the impact index: the SQL path.
        const sqlOnly = new PgSearch(hub.oracle.db!, async () => [], { impact: false });
        for (const q of FILTERED) {
          const query = parseQuery(q).query;
          const got = await hub.store.rankByKeywords(query, { limit: 10, any: true, scoresTo: 50 });
          const want = await sqlOnly.rankByKeywords(query, { limit: 10, any: true, scoresTo: 50 });
          assert.equal(got.via, 'impact', q);
          assert.equal(want.via, 'fts', q);
          assert.equal(got.total, want.total, `${q}: total`);
          assert.ok(got.total > 0, `${q}: finds something`);
          got.ranked.forEach((r, i) => assert.ok(Math.abs(r.score - want.ranked[i]!.score) < 1e-9 && (r.key === want.ranked[i]!.key || Math.abs(want.scoreOf(r.key) - r.score) < 1e-9), `${q} #${i + 1}`));
          const scores = await hub.store.keywordScores(want.ranked.map((r) => r.key), query);
          for (const r of want.ranked) assert.ok(Math.abs(scores.get(r.key)! + r.score) < 1e-9, `${q}: keywordScores(${r.key})`);
        }
      });
    }
  });
}

for (const engine of ENGINES) {
  describe(`the impact index on real papers (${engine.name})`, { skip: engine.skip }, () => {
    const data = 'hf-daily-papers/normalized';
    let hub: Hub;

    before(async () => {
      if (needsData(data)) return;
      hub = await hubOf(engine);
      const papers: PaperRecord[] = [];
      for await (const result of readInputs(await listInputs([sharedData(data)]))) if ('ok' in result) papers.push(result.ok);
      await hub.store.bulk(async () => {
        for (let i = 0; i < papers.length; i += 2000) await hub.store.upsertPapers(papers.slice(i, i + 2000));
      });
      await hub.store.keywordIndex.build();
    });
    after(async () => hub?.close());

    // PostgreSQL's oracle reads every paper's tsvector per query, so it checks fewer of them.
    const count = engine.name === 'sqlite' ? 300 : 60;
    test(`2-5 title words of ${count} real papers rank exactly as the database scores them`, { skip: needsData(data) }, async () => {
      // Real titles bring hyphens, digits, accents, TeX and acronyms.
      const titles = await hub.oracle.titles();
      const pickReal = mulberry32(7);
      const queries = Array.from({ length: count }, () => {
        const words = titles[Math.floor(pickReal() * titles.length)]!.split(/\s+/).filter((w) => /^[\p{L}\p{N}-]+$/u.test(w));
        const start = Math.floor(pickReal() * Math.max(1, words.length - 2));
        return words.slice(start, start + 2 + Math.floor(pickReal() * 4)).join(' ');
      }).filter((q) => q.length > 0);
      await assertSameAsDatabase(hub, 'real', queries);
    });
  });
}
