// npm run bench:search [-- --sizes 10000,100000,1000000 --queries 200 --json]
// Search speed at scale on a generated corpus (real abstract sentences recombined with a fixed
// seed, bench/scale-corpus.ts). Each size runs in its own process so that its peak RSS is its own.
// Printed per size: p50/p95 of keyword, meaning and hybrid searches as the product runs them (a
// page of 20 hits, loaded), beside raw FTS5 (the same any-word BM25 query, top 100 keys, no
// loading) and exact brute-force vector search, both measured in the same run; the index build
// time; peak RSS of the product path (before the brute-force baseline loads every vector); and
// the approximate index's recall@10 against exact search.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { searchPapers, type SearchMode } from '../src/search/hybrid.ts';
import { parseQuery } from '../src/search/query.ts';
import { SemanticSearch } from '../src/search/semantic.ts';
import { ExactIndex } from '../src/search/vector-index.ts';
import { buildMatch } from '../src/store/fts.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import type { PaperRecord } from '../src/paper/types.ts';
import { generatePapers, loadSentencePool, sampleQueries } from './scale-corpus.ts';
import BetterSqlite3 from 'better-sqlite3';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    queries: { type: 'string', default: '200' },
    one: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface Latency { p50: number; p95: number }
interface SizeResult {
  papers: number;
  ingestSeconds: number;
  build: { keywords: number; train: number; embed: number; index: number; total: number };
  rawFts: Latency;
  exact: Latency;
  keyword: Latency;
  meaning: Latency;
  hybrid: Latency;
  suggest: Latency;
  recallAt10: number;
  peakRssMb: number;
  exactQueries: number;
}

function percentiles(times: number[]): Latency {
  const s = [...times].sort((a, b) => a - b);
  const at = (q: number) => Number(s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(2));
  return { p50: at(0.5), p95: at(0.95) };
}

async function timeEach<T>(items: T[], run: (item: T) => unknown): Promise<number[]> {
  const times: number[] = [];
  for (const item of items) {
    const t0 = performance.now();
    await run(item);
    times.push(performance.now() - t0);
  }
  return times;
}

async function one(size: number, queryCount: number): Promise<SizeResult> {
  const pool = await loadSentencePool();
  const queries = sampleQueries(pool, queryCount, 7).map((text) => ({ text, query: parseQuery(text).query }));
  const dir = await mkdtemp(join(tmpdir(), 'paperboy-bench-search-'));
  try {
    const dbPath = join(dir, 'bench.db');
    const store = await openSqliteStore(dbPath);
    const t0 = performance.now();
    await store.bulk(async () => {
      let batch: PaperRecord[] = [];
      let n = 0;
      for (const paper of generatePapers(size, pool, 1)) {
        batch.push(paper);
        if (batch.length === 5000) {
          await store.upsertPapers(batch);
          n += batch.length;
          batch = [];
          if (n % 100_000 === 0) log(`${size}: stored ${n}`);
        }
      }
      await store.upsertPapers(batch);
    });
    const ingestSeconds = (performance.now() - t0) / 1000;
    log(`${size}: ingested in ${ingestSeconds.toFixed(1)} s; building the keyword index`);
    const keywordBuild = await store.keywordIndex.build();
    log(`${size}: keyword index built in ${keywordBuild.seconds.toFixed(1)} s; building the meaning index`);

    const semantic = await SemanticSearch.open(store, { indexDir: join(dir, 'index') });
    let lastLog = 0;
    const built = await semantic.build({ kind: 'lsa', dimensions: 256 }, (step, done, total) => {
      if (Date.now() - lastLog > 15_000 || done === total) {
        log(`${size}: ${step} ${done}/${total}`);
        lastLog = Date.now();
      }
    });
    const b = built.seconds;
    log(`${size}: built in ${(b.train + b.embed + b.index).toFixed(1)} s; timing queries`);

    // Raw FTS5: the same any-word match, straight to SQLite, keys only.
    const raw = new BetterSqlite3(dbPath, { readonly: true });
    const rawQuery = raw.prepare(`SELECT rowid, bm25(papers_fts, 4.0, 2.0, 1.0) AS s FROM papers_fts WHERE papers_fts MATCH ? ORDER BY s LIMIT 100`);
    const matches = queries.map((q) => buildMatch(q.query, { any: true })!);
    const ctx = { store, semantic };
    const mode = (m: SearchMode) => (q: (typeof queries)[number]) => searchPapers(ctx, q.query, { mode: m, limit: 20 });
    await timeEach(queries.slice(0, 20), mode('hybrid')); // warm caches
    const rawFts = percentiles(await timeEach(matches, (m) => rawQuery.all(m)));
    const keyword = percentiles(await timeEach(queries, mode('keyword')));
    const meaning = percentiles(await timeEach(queries, mode('meaning')));
    const hybrid = percentiles(await timeEach(queries, mode('hybrid')));
    // As typed: the first word and the start of the next ("diffusion sp").
    const typed = queries.map((q) => q.text.split(' ').slice(0, 2).map((w, i) => (i === 1 ? w.slice(0, 2) : w)).join(' '));
    const suggest = percentiles(await timeEach(typed, (t) => store.suggest(t)));
    raw.close();
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);

    // Exact brute force over every vector: the baseline and the truth for recall.
    const exactIndex = new ExactIndex(semantic.model!.dimensions, size);
    for (let after = 0; ; ) {
      const rows = await store.vectors.scan(semantic.model!.name, after, 10_000);
      if (rows.length === 0) break;
      exactIndex.add(rows.map((r) => r.key), rows.map((r) => r.vector));
      after = rows[rows.length - 1]!.key;
    }
    const vectors = (await Promise.all(queries.map((q) => semantic.embedQuery(q.text)))).filter((v): v is Float32Array => v !== undefined);
    const exactSample = vectors.slice(0, size >= 1_000_000 ? 50 : vectors.length);
    let found = 0;
    const exactTimes = await timeEach(exactSample, (v) => exactIndex.search(v, 10));
    for (const v of exactSample) {
      const truth = exactIndex.search(v, 10).map((n) => n.key);
      const approx = new Set((await semantic.nearest(v, 10)).map((n) => n.key));
      found += truth.filter((k) => approx.has(k)).length;
    }
    await semantic.close();
    await store.close();
    return {
      papers: size, ingestSeconds: Number(ingestSeconds.toFixed(1)),
      build: { keywords: Number(keywordBuild.seconds.toFixed(1)), train: Number(b.train.toFixed(1)), embed: Number(b.embed.toFixed(1)), index: Number(b.index.toFixed(1)), total: Number((keywordBuild.seconds + b.train + b.embed + b.index).toFixed(1)) },
      rawFts, exact: percentiles(exactTimes), keyword, meaning, hybrid, suggest,
      recallAt10: Number((found / (10 * exactSample.length)).toFixed(3)), peakRssMb, exactQueries: exactSample.length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function table(results: SizeResult[]): string {
  const head = ['papers', 'search', 'p50 ms', 'p95 ms', 'p50 vs baseline'];
  const rows: string[][] = [];
  for (const r of results) {
    const n = r.papers.toLocaleString('en-US');
    const line = (name: string, l: Latency, base?: Latency) => rows.push([n, name, l.p50.toFixed(2), l.p95.toFixed(2), base ? `${(l.p50 / base.p50).toFixed(2)}×` : 'baseline']);
    line('raw FTS5 (any word, top 100 keys)', r.rawFts);
    line('keyword (impact index, page of 20, loaded)', r.keyword, r.rawFts);
    line(`exact vectors (brute force, ${r.exactQueries} q)`, r.exact);
    line('meaning (int8 scan + f32 re-score, page of 20)', r.meaning, r.exact);
    line('hybrid (page of 20)', r.hybrid, r.rawFts);
    line('suggestions as typed ("diffusion sp")', r.suggest, r.rawFts);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const builds = results.map((r) => `${r.papers.toLocaleString('en-US')} papers: ingest ${r.ingestSeconds} s; index build ${r.build.total} s (keyword ${r.build.keywords} s, LSA ${r.build.train} s, embed ${r.build.embed} s, vector index ${r.build.index} s); peak RSS ${r.peakRssMb} MB; vector index recall@10 vs exact ${r.recallAt10}`);
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt), '', ...builds].join('\n');
}

if (values.one) {
  const result = await one(Number(values.one), Number(values.queries));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const sizes = values.sizes.split(',').map(Number);
  const results: SizeResult[] = [];
  for (const size of sizes) {
    log(`size ${size}: starting a fresh process`);
    const child = promisify(execFile)(process.execPath, ['--import', 'tsx', import.meta.filename, '--one', String(size), '--queries', values.queries], { maxBuffer: 1 << 20 });
    child.child.stderr?.pipe(process.stderr);
    const { stdout } = await child;
    results.push(JSON.parse(stdout.trim().split('\n').pop()!) as SizeResult);
  }
  console.log(`\nSearch speed, ${values.queries} queries of 2-5 title words, ${availableParallelism()} cores\n`);
  console.log(table(results));
  if (values.json) console.log(JSON.stringify(results));
}
