// npm run eval:search -- DIR [--split NAME] [--json] [--embedder SPEC | --dimensions N] [--meaning-weight W]
// Loads a BEIR-layout relevance set into a fresh Paperboy store, builds the meaning index the way
// `paperboy index build` does (the built-in LSA, or the embedder `--embedder` names), runs every
// query through the product's own search (query parser, BM25, vectors, fusion) and prints nDCG@10,
// Recall@100 and MRR@10 for keyword, meaning and hybrid ranking. Tune only on a train split;
// report on a test split.

import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LSA_DIMENSIONS, parseEmbedderSpec, type EmbedderConfig } from '../src/search/embedder-config.ts';
import { readBeir } from '../src/search/eval/beir.ts';
import { evaluate, formatTable, type TableRow } from '../src/search/eval/metrics.ts';
import { rankKeys, type SearchMode } from '../src/search/hybrid.ts';
import { parseQuery } from '../src/search/query.ts';
import { SemanticSearch } from '../src/search/semantic.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import type { PaperRecord } from '../src/paper/types.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    split: { type: 'string' },
    json: { type: 'boolean', default: false },
    embedder: { type: 'string' },
    dimensions: { type: 'string', default: String(DEFAULT_LSA_DIMENSIONS) },
    'meaning-weight': { type: 'string' },
    'rrf-k': { type: 'string' },
    fusion: { type: 'string', default: 'blend' },
    alpha: { type: 'string' },
    'feedback-docs': { type: 'string' },
    'feedback-weight': { type: 'string' },
  },
});
const dir = positionals[0];
if (!dir) {
  console.error('usage: npm run eval:search -- DIR [--split train|test|dev] [--embedder lsa|lsa:N|onnx:FOLDER|openai:MODEL@URL] [--json]   (DIR holds corpus.jsonl[.gz], queries.jsonl, qrels/SPLIT.tsv)');
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`${line}\n`);
let embedder: EmbedderConfig;
try {
  embedder = values.embedder
    ? parseEmbedderSpec(values.embedder)
    : { kind: 'lsa', dimensions: Number(values.dimensions), alpha: values.alpha ? Number(values.alpha) : undefined };
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const DEPTH = 100;
const PREFIX = 'beir:';

const set = await readBeir(dir, { split: values.split }).catch((err: Error) => {
  console.error(err.message);
  process.exit(2);
});
log(`${set.name}: ${set.docs.length} documents, ${set.queries.length} queries with judgements in the ${set.split} split`);

const work = await mkdtemp(join(tmpdir(), 'paperboy-eval-'));
const store = await openSqliteStore(join(work, 'eval.db'));
try {
  const started = performance.now();
  await store.bulk(async () => {
    const records: PaperRecord[] = set.docs.map((d) => ({ id: PREFIX + d.id, title: d.title || d.text.slice(0, 80), abstract: d.text, authors: [], listedAt: '2020-01-01T00:00:00.000Z' }));
    for (let i = 0; i < records.length; i += 2000) await store.upsertPapers(records.slice(i, i + 2000));
  });
  log(`loaded into a store in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const keywords = await store.keywordIndex.build();
  log(`keyword index: ${keywords.terms} words in ${keywords.seconds.toFixed(1)} s`);
  const semantic = await SemanticSearch.open(store, { indexDir: join(work, 'index') });
  const built = await semantic.build(embedder);
  log(`meaning index ${built.model}: model ${built.seconds.train.toFixed(1)} s, embedding ${built.seconds.embed.toFixed(1)} s, index ${built.seconds.index.toFixed(1)} s`);

  const idOf = new Map<number, string>();
  for (let after = 0; ; ) {
    const page = await store.vectors.texts(after, 5000);
    if (page.length === 0) break;
    for (const p of page) idOf.set(p.key, p.id.slice(PREFIX.length));
    after = page[page.length - 1]!.key;
  }

  const rows: TableRow[] = [];
  for (const mode of ['keyword', 'meaning', 'hybrid'] as SearchMode[]) {
    const run = new Map<string, string[]>();
    const times: number[] = [];
    for (const q of set.queries) {
      const t0 = performance.now();
      const { query } = parseQuery(q.text);
      const ranked = await rankKeys({ store, semantic }, query, {
        mode,
        depth: DEPTH,
        meaningWeight: values['meaning-weight'] ? Number(values['meaning-weight']) : undefined,
        rrfK: values['rrf-k'] ? Number(values['rrf-k']) : undefined,
        fusion: values.fusion as 'blend' | 'rrf',
        feedbackDocs: values['feedback-docs'] ? Number(values['feedback-docs']) : undefined,
        feedbackWeight: values['feedback-weight'] ? Number(values['feedback-weight']) : undefined,
      });
      times.push(performance.now() - t0);
      run.set(q.id, ranked.keys.map((k) => idOf.get(k)!));
    }
    times.sort((a, b) => a - b);
    const scores = evaluate(run, set.qrels);
    rows.push({ name: mode, ...scores, p50_ms: Number(times[Math.floor(times.length / 2)]!.toFixed(2)) });
  }
  await semantic.close();

  console.log(`\n${set.name} (${set.split} split, ${set.queries.length} queries, ${set.docs.length} documents; ${built.model}; ${availableParallelism()} cores)`);
  console.log(formatTable(rows, ['name', 'ndcg10', 'recall100', 'mrr10', 'queries', 'p50_ms']));
  if (values.json) console.log(JSON.stringify({ set: set.name, split: set.split, documents: set.docs.length, model: built.model, results: rows }));
} finally {
  await store.close();
  await rm(work, { recursive: true, force: true });
}
