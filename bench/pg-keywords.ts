// tsx bench/pg-keywords.ts [DIR] [--split NAME] [--url POSTGRES_URL] [--json]
// Keyword ranking on SQLite and on each way PostgreSQL could rank, measured in one run on one
// relevance set (BEIR layout; SciFact's train split by default), so the choice in pg-search.ts is
// made by numbers: nDCG@10, Recall@100 and MRR@10 of the any-word ranking the product's keyword
// search asks for (rankKeys, mode keyword), and its median time per query. The rows:
//   sqlite                   FTS5 bm25() by way of the impact index, as the product runs it today
//   pg tsvector ts_rank_cd   the GIN index finds, ts_rank_cd ranks (cover density, no IDF)
//   pg tsvector ts_rank      the GIN index finds, ts_rank ranks (frequency, no IDF)
//   pg tsvector bm25 (sql)   the GIN index finds, BM25 computed in SQL from each match's tsvector
//   pg impact index          BM25 from the posting lists in keyword_postings (pg-keywords.ts)
//   pg … pg_catalog.english  the same BM25 with search_vector made by PostgreSQL's stock english
//                            configuration (stop list, hyphenated words also kept whole) instead of
//                            migration 11's paperboy_english
// Each PostgreSQL row reads the same schema; papers go in as SQL rows (this measures ranking, not
// ingest). The PostgreSQL server is PAPERBOY_TEST_POSTGRES_URL unless --url names one.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { readBeir } from '../src/search/eval/beir.ts';
import { evaluate, formatTable, type TableRow } from '../src/search/eval/metrics.ts';
import { rankKeys } from '../src/search/hybrid.ts';
import { parseQuery } from '../src/search/query.ts';
import { connectPostgres } from '../src/store/pg-db.ts';
import { migratePostgres } from '../src/store/pg-migrations.ts';
import { PgSearch, type PgSearchOptions } from '../src/store/pg-search.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import type { KeywordRanking, Store } from '../src/store/store.ts';
import type { PaperRecord } from '../src/paper/types.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    split: { type: 'string', default: 'train' },
    url: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const dir = positionals[0] ?? '../shared/data/scifact';
const url = values.url ?? process.env.PAPERBOY_TEST_POSTGRES_URL;
if (!url) {
  console.error('usage: tsx bench/pg-keywords.ts [DIR] [--split train] [--url postgres://…]   (or set PAPERBOY_TEST_POSTGRES_URL)');
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const DEPTH = 100;
const PREFIX = 'beir:';

const set = await readBeir(dir, { split: values.split });
log(`${set.name}: ${set.docs.length} documents, ${set.queries.length} queries with judgements in the ${set.split} split`);
// As bench/eval-search.ts loads a set: a title (or the text's start), the text as the abstract, no authors.
const records: PaperRecord[] = set.docs.map((d) => ({ id: PREFIX + d.id, title: d.title || d.text.slice(0, 80), abstract: d.text, authors: [], listedAt: '2020-01-01T00:00:00.000Z' }));

/** Runs every query as the product's keyword search does and scores the run. */
async function measure(name: string, store: Pick<Store, 'rankByKeywords'>, idOf: (key: number) => string | undefined): Promise<TableRow & { via: string }> {
  const run = new Map<string, string[]>();
  const times: number[] = [];
  const via = new Map<string, number>();
  for (const q of set.queries) {
    const t0 = performance.now();
    const { query } = parseQuery(q.text);
    let answered: KeywordRanking['via'] | undefined;
    const spy = { rankByKeywords: async (...args: Parameters<Store['rankByKeywords']>) => { const r = await store.rankByKeywords(...args); answered = r.via; return r; } };
    const ranked = await rankKeys({ store: spy as unknown as Store }, query, { mode: 'keyword', depth: DEPTH });
    times.push(performance.now() - t0);
    if (answered) via.set(answered, (via.get(answered) ?? 0) + 1);
    run.set(q.id, ranked.keys.map((k) => idOf(k) ?? ''));
  }
  times.sort((a, b) => a - b);
  const scores = evaluate(run, set.qrels);
  log(`${name}: nDCG@10 ${scores.ndcg10.toFixed(4)}`);
  return { name, ...scores, p50_ms: Number(times[Math.floor(times.length / 2)]!.toFixed(2)), via: [...via].map(([k, n]) => `${k} ${n}`).join(', ') };
}

const rows: (TableRow & { via: string })[] = [];

// SQLite, as bench/eval-search.ts builds it.
const work = await mkdtemp(join(tmpdir(), 'paperboy-pg-keywords-'));
try {
  const store = await openSqliteStore(join(work, 'eval.db'));
  await store.bulk(async () => {
    for (let i = 0; i < records.length; i += 2000) await store.upsertPapers(records.slice(i, i + 2000));
  });
  const built = await store.keywordIndex.build();
  log(`sqlite: impact index of ${built.terms} words in ${built.seconds.toFixed(1)} s`);
  const idOf = new Map<number, string>();
  for (const r of records) idOf.set((await store.keyOf(r.id))!, r.id.slice(PREFIX.length));
  rows.push(await measure('sqlite (fts5 bm25, impact index)', store, (k) => idOf.get(k)));
  await store.close();
} finally {
  await rm(work, { recursive: true, force: true });
}

// PostgreSQL: one schema, the papers as rows, then each way of ranking them.
const schema = `bench_${randomBytes(4).toString('hex')}`;
const db = await connectPostgres(url, { schema });
let version = '';
try {
  await migratePostgres(db);
  version = (await db.one<{ v: string }>("SELECT current_setting('server_version') AS v"))!.v;
  const t0 = performance.now();
  const now = new Date().toISOString();
  for (let i = 0; i < records.length; i += 1000) {
    const batch = records.slice(i, i + 1000);
    await db.run(
      `INSERT INTO papers (id, title, abstract, authors_text, categories, listed_at, content_hash, added_at, changed_at)
       SELECT id, title, abstract, '', '', $4, 'bench', $5, $5 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, title, abstract)`,
      [batch.map((r) => r.id), batch.map((r) => r.title), batch.map((r) => r.abstract ?? ''), '2020-01-01T00:00:00.000Z', now],
    );
  }
  await db.run('ANALYZE papers');
  log(`postgres ${version}: ${records.length} papers in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const idOf = new Map((await db.many<{ pk: number; id: string }>('SELECT pk, id FROM papers')).map((r) => [r.pk, r.id.slice(PREFIX.length)]));
  const none = async () => [];
  const options: [string, PgSearchOptions][] = [
    ['pg tsvector ts_rank_cd', { ranking: 'ts_rank_cd', impact: false }],
    ['pg tsvector ts_rank', { ranking: 'ts_rank', impact: false }],
    ['pg tsvector bm25 (sql)', { ranking: 'bm25', impact: false }],
  ];
  for (const [name, option] of options) rows.push(await measure(name, new PgSearch(db, none, option), (k) => idOf.get(k)));
  const impact = new PgSearch(db, none);
  const built = await impact.keywordIndex.build();
  log(`postgres: impact index of ${built.terms} words in ${built.seconds.toFixed(1)} s`);
  rows.push(await measure('pg impact index (bm25)', impact, (k) => idOf.get(k)));

  // The stock configuration: search_vector made again with it, and queries read with it.
  const stock = 'pg_catalog.english';
  await db.run('ALTER TABLE papers DROP COLUMN search_vector');
  await db.run(`ALTER TABLE papers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('${stock}'::regconfig, replace(title, '<', ' ')), 'A') || setweight(to_tsvector('${stock}'::regconfig, replace(abstract, '<', ' ')), 'B') ||
    setweight(to_tsvector('${stock}'::regconfig, replace(authors_text, '<', ' ')), 'C')) STORED`);
  await db.run('CREATE INDEX ON papers USING gin (search_vector)');
  await db.run('ANALYZE papers');
  const english = new PgSearch(db, none, { config: stock });
  await english.keywordIndex.build();
  rows.push(await measure(`pg impact index (bm25), ${stock}`, english, (k) => idOf.get(k)));
} finally {
  await db.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

console.log(`\n${set.name} (${set.split} split, ${set.queries.length} queries, ${set.docs.length} documents; PostgreSQL ${version}; nproc ${availableParallelism()} (${cpus()[0]?.model ?? 'cpu'}))`);
console.log(formatTable(rows.map((r) => ({ ...r, 'ndcg@10': r.ndcg10.toFixed(4) })), ['name', 'ndcg@10', 'recall100', 'mrr10', 'queries', 'p50_ms', 'via']));
if (values.json) console.log(JSON.stringify({ set: set.name, split: set.split, documents: set.docs.length, postgres: version, nproc: availableParallelism(), results: rows }));
