// npm run bench: ingest and keyword-search throughput on the real corpus in ../shared/data
// (Hugging Face daily papers + arXiv listings, about 154k records). Not part of npm test.
// Every figure is printed beside a baseline measured in the same run, because the machines are
// shared and noisy: store timings beside parse-only, search beside the raw FTS5 query.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ingest } from '../src/ingest/pipeline.ts';
import { listInputs, readInputs, type InputFile } from '../src/ingest/sources.ts';
import type { ParseResult } from '../src/paper/types.ts';
import { parseQuery } from '../src/search/query.ts';
import { buildMatch } from '../src/store/fts.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { SHARED_DATA } from '../test/helpers/shared-data.ts';

const corpusPaths = [join(SHARED_DATA, 'hf-daily-papers', 'normalized'), join(SHARED_DATA, 'arxiv-listings', 'parsed')];
const QUERIES = 200;

async function main(): Promise<void> {
  const files = await listInputs(corpusPaths).catch(() => {
    console.error(`bench needs the real data in ${SHARED_DATA}`);
    process.exit(1);
  });
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-bench-'));
  try {
    const rows: [string, string, string][] = [];
    const parse = await timed(() => countParsed(files));
    const n = parse.value;
    const rate = (s: number) => `${Math.round(n / s).toLocaleString('en-US')} papers/s`;
    rows.push(['parse only (baseline)', rate(parse.seconds), '1.00']);

    const noFts = await storeAll(files, join(dir, 'no-fts.db'), 'bulk');
    rows.push(['store, index off (bulk, before rebuild)', rate(noFts.storeSeconds), ratio(noFts.storeSeconds, parse.seconds)]);
    rows.push(['store + one FTS5 rebuild (bulk)', rate(noFts.totalSeconds), ratio(noFts.totalSeconds, parse.seconds)]);
    const triggers = await storeAll(files, join(dir, 'triggers.db'), 'rows');
    rows.push(['store + FTS5 row by row (triggers)', rate(triggers.totalSeconds), ratio(triggers.totalSeconds, parse.seconds)]);

    const endToEnd = await timed(async () => {
      const store = await openSqliteStore(join(dir, 'end-to-end.db'));
      await ingest(store, readInputs(files), { command: 'bench', bulk: true });
      await store.close();
    });
    rows.push(['end to end: read, parse, store, index (bulk)', rate(endToEnd.seconds), ratio(endToEnd.seconds, parse.seconds)]);

    printTable(`Ingest: ${n.toLocaleString('en-US')} records (${files.length} files), ${availableParallelism()} cores; ratio = time / parse-only time`, ['step', 'throughput', 'ratio'], rows);

    const claims = loadClaims();
    const asTyped = await benchSearch(join(dir, 'no-fts.db'), claims);
    const twoWords = await benchSearch(join(dir, 'no-fts.db'), claims.map(twoLongestWords));
    const searchRows = ([['claims as typed (all words must match)', asTyped], ['two longest words of each claim', twoWords]] as const).flatMap(([label, r]) => [
      [`${label}: raw FTS5 MATCH, top 20 (baseline)`, ms(r.raw.p50), ms(r.raw.p95), '1.00', String(r.withHits)],
      [`${label}: store.search (count, join, snippets)`, ms(r.store.p50), ms(r.store.p95), (r.store.p50 / r.raw.p50).toFixed(2), String(r.withHits)],
    ]);
    printTable(`Keyword search: ${asTyped.queries} SciFact train claims over ${noFts.papers.toLocaleString('en-US')} papers`, ['query, path', 'p50 ms', 'p95 ms', 'ratio p50', 'queries with hits'], searchRows);
    const search = { asTyped, twoWords };
    console.log(JSON.stringify({ records: n, cores: availableParallelism(), parseSeconds: parse.seconds, bulkStoreSeconds: noFts.storeSeconds, bulkTotalSeconds: noFts.totalSeconds, triggerSeconds: triggers.totalSeconds, endToEndSeconds: endToEnd.seconds, search }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function countParsed(files: InputFile[]): Promise<number> {
  let n = 0;
  for await (const r of readInputs(files)) if ('ok' in r) n++;
  return n;
}

async function storeAll(files: InputFile[], path: string, mode: 'bulk' | 'rows') {
  // Parse first, so that these timings are storage alone.
  const parsed: ParseResult[] = [];
  for await (const r of readInputs(files)) parsed.push(r);
  async function* replay() { yield* parsed; }
  const store = await openSqliteStore(path);
  let storeSeconds = 0;
  const total = await timed(async () => {
    if (mode === 'rows') return ingest(store, replay(), { command: 'bench' });
    return store.bulk(async () => {
      const inner = await timed(() => ingest(store, replay(), { command: 'bench' }));
      storeSeconds = inner.seconds;
      return inner.value;
    });
  });
  const papers = (await store.stats()).papers;
  await store.close();
  return { storeSeconds, totalSeconds: total.seconds, papers };
}

function loadClaims(): string[] {
  const claims = readFileSync(join(SHARED_DATA, 'scifact', 'queries.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { _id: string; text: string });
  const train = new Set(readFileSync(join(SHARED_DATA, 'scifact', 'qrels', 'train.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]));
  return claims.filter((c) => train.has(c._id)).slice(0, QUERIES).map((c) => c.text);
}

function twoLongestWords(claim: string): string {
  return [...parseQuery(claim).query.terms].sort((a, b) => b.length - a.length).slice(0, 2).join(' ');
}

/** Times each query through the store and as the bare FTS5 query the store builds from it. */
async function benchSearch(path: string, queries: string[]) {
  const store = await openSqliteStore(path);
  const raw = new BetterSqlite3(path, { readonly: true });
  const rawQuery = raw.prepare('SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts, 4.0, 2.0, 1.0) LIMIT 20');
  const rawTimes: number[] = [];
  const storeTimes: number[] = [];
  let withHits = 0;
  const WARM_UP = 20;
  for (const [i, q] of [...queries.slice(0, WARM_UP), ...queries].entries()) {
    const parsed = parseQuery(q).query;
    const match = buildMatch(parsed);
    if (!match) continue;
    const t0 = performance.now();
    rawQuery.all(match);
    const t1 = performance.now();
    const page = await store.search(parsed, { limit: 20 });
    const t2 = performance.now();
    if (i < WARM_UP) continue;
    rawTimes.push(t1 - t0);
    storeTimes.push(t2 - t1);
    if (page.total > 0) withHits++;
  }
  raw.close();
  await store.close();
  return { queries: rawTimes.length, withHits, raw: percentiles(rawTimes), store: percentiles(storeTimes) };
}

function percentiles(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95) };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

const ratio = (a: number, b: number) => (a / b).toFixed(2);
const ms = (x: number) => x.toFixed(2);

function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${title}\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

await main();
