// The meaning-search engine on a real SQLite store: building, catching up, re-opening, replacing a
// model, and hybrid ranking with its filters and fallbacks. Fixtures: three topics (see topic-fixtures).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { linearBlend, reciprocalRankFusion } from '../../src/search/fusion.ts';
import { papersLike, rankKeys, searchPapers } from '../../src/search/hybrid.ts';
import { parseQuery } from '../../src/search/query.ts';
import { SemanticSearch } from '../../src/search/semantic.ts';
import { ExactIndex, HnswIndex } from '../../src/search/vector-index.ts';
import { ID_PREFIX, topicHub, topicOf, type TopicHub } from '../web/topic-fixtures.ts';
import { paper } from '../helpers/papers.ts';

let hub: TopicHub;
before(async () => {
  hub = await topicHub({ meaning: true });
});
after(async () => hub.close());

const q = (text: string) => parseQuery(text).query;
const indexDir = () => join(hub.dir, 'index');

test('a build makes a ready, active model with a vector per paper and its files beside the database', async () => {
  const model = hub.semantic!.model!;
  const papers = (await hub.store.stats()).papers;
  assert.equal(model.state, 'ready');
  assert.equal(model.active, true);
  assert.equal(model.vectors, papers);
  assert.equal(hub.semantic!.indexSize(), papers);
  const files = readdirSync(indexDir());
  assert.ok(files.some((f) => f.endsWith('.i8')), files.join());
  assert.ok(files.some((f) => f.endsWith('.lsa')), files.join());
});

test('meaning finds papers by a word they do not contain; keyword does not', async () => {
  const meaning = await searchPapers({ store: hub.store, semantic: hub.semantic }, q('vocoder since:2023-01-01'), { mode: 'meaning', limit: 5 });
  assert.equal(meaning.mode, 'meaning');
  assert.ok(meaning.hits.length > 0);
  assert.ok(meaning.hits.slice(0, 3).every((h) => topicOf(h.paper.id) === 'speech'), meaning.hits.map((h) => h.paper.id).join());
  assert.ok(meaning.hits.every((h) => h.paper.published! >= '2023-01-01'), 'since: binds meaning results too');
  const keyword = await searchPapers({ store: hub.store, semantic: hub.semantic }, q('vocoder since:2023-01-01'), { mode: 'keyword' });
  assert.equal(keyword.hits.length, 0);
});

test('hybrid ranks by both and says how each paper was found; exclusions bind both sides', async () => {
  const ctx = { store: hub.store, semantic: hub.semantic };
  const page = await searchPapers(ctx, q('galaxy redshift telescope'), { limit: 10 });
  assert.equal(page.mode, 'hybrid');
  assert.ok(page.hits.slice(0, 5).every((h) => topicOf(h.paper.id) === 'galaxy'));
  assert.ok(page.hits.some((h) => h.keywordRank !== undefined && h.meaningRank !== undefined));
  const excluded = await searchPapers(ctx, q('galaxy redshift -telescope'), { limit: 50 });
  assert.ok(excluded.hits.every((h) => !/telescope/i.test(`${h.paper.title} ${h.paper.abstract}`)), 'an excluded word never comes back through meaning');
  const rrf = await rankKeys(ctx, q('galaxy redshift'), { fusion: 'rrf', depth: 7 });
  assert.equal(rrf.keys.length, 7);
  assert.equal(new Set(rrf.keys).size, 7);
});

test('papers like a paper: same topic first, never itself; like a pasted text too', async () => {
  const ctx = { store: hub.store, semantic: hub.semantic };
  const id = `${ID_PREFIX.protein}000`;
  const key = (await hub.store.keyOf(id))!;
  const like = (await papersLike(ctx, { key }, q(''), { limit: 5 }))!;
  assert.ok(like.hits.every((h) => h.paper.id !== id));
  assert.ok(like.hits.every((h) => topicOf(h.paper.id) === 'protein'), like.hits.map((h) => h.paper.id).join());
  const text = (await papersLike(ctx, { text: 'Stars and dust in distant galaxies observed through a telescope at high redshift.' }, q(''), { limit: 3 }))!;
  assert.ok(text.hits.every((h) => topicOf(h.paper.id) === 'galaxy'));
});

test('new papers are embedded by catchUp; a re-open finds them; a lost index file is rebuilt from stored vectors', async () => {
  const before = hub.semantic!.indexSize();
  await hub.store.upsertPapers([
    paper('2406.09001', { title: 'A telescope survey of galaxy redshift', abstract: 'We observe distant galaxies with a telescope and measure their redshift and stellar mass.' }),
    paper('2406.09002', { title: 'Prosody for speech synthesis', abstract: 'We synthesize natural speech with prosody and intonation from a mel spectrogram.' }),
  ]);
  assert.equal(await hub.semantic!.catchUp(), 2);
  assert.equal(await hub.semantic!.catchUp(), 0, 'nothing is embedded twice');
  assert.equal(hub.semantic!.indexSize(), before + 2);
  const v = (await hub.semantic!.embedQuery('galaxy redshift telescope'))!;
  const newKey = (await hub.store.keyOf('2406.09001'))!;
  assert.ok((await hub.semantic!.nearest(v, 10)).some((n) => n.key === newKey));

  const again = await SemanticSearch.open(hub.store, { indexDir: indexDir() });
  assert.equal(again.indexSize(), before + 2);
  assert.deepEqual((await again.nearest(v, 5)).map((n) => n.key), (await hub.semantic!.nearest(v, 5)).map((n) => n.key));
  await again.close();

  for (const f of readdirSync(indexDir()).filter((f) => f.endsWith('.i8'))) rmSync(join(indexDir(), f));
  const rebuilt = await SemanticSearch.open(hub.store, { indexDir: indexDir() });
  assert.equal(rebuilt.indexSize(), before + 2);
  assert.ok(readdirSync(indexDir()).some((f) => f.endsWith('.i8')));
  await rebuilt.close();
});

test('a second build replaces the first; an unfinished build is cleaned up; another process sees the switch', async () => {
  const first = hub.semantic!.model!.name;
  await hub.store.vectors.saveModel({ name: 'lsa-3@crashed', dimensions: 3, config: { kind: 'lsa', dimensions: 3 }, state: 'building' });
  const other = await SemanticSearch.open(hub.store, { indexDir: indexDir() });
  const report = await hub.semantic!.build({ kind: 'lsa', dimensions: 12 });
  const models = await hub.store.vectors.models();
  assert.deepEqual(models.map((m) => m.name), [report.model]);
  assert.notEqual(report.model, first);
  assert.ok(!readdirSync(indexDir()).some((f) => f.startsWith(first.replace(/[^A-Za-z0-9._-]+/g, '_'))), 'the old model files are gone');
  await other.refresh();
  assert.equal(other.model?.name, report.model);
  await other.close();
});

test('without a model every mode falls back to keywords and says how to build one', async () => {
  const bare = await topicHub({ meaning: false });
  try {
    const semantic = await SemanticSearch.open(bare.store, { indexDir: join(bare.dir, 'index') });
    assert.equal(semantic.model, undefined);
    assert.equal(await semantic.embedQuery('galaxy'), undefined);
    for (const mode of ['hybrid', 'meaning'] as const) {
      const page = await searchPapers({ store: bare.store, semantic }, q('galaxy'), { mode });
      assert.equal(page.mode, 'keyword');
      assert.match(page.notice ?? '', /paperboy index build/);
      assert.ok(page.hits.length > 0);
    }
    assert.equal(existsSync(join(bare.dir, 'index')), false, 'opening without a model writes nothing');
  } finally {
    await bare.close();
  }
});

test('fusion: RRF counts a paper once per list; the blend reduces to either ranking at its ends', () => {
  const rrf = reciprocalRankFusion([{ keys: [1, 2, 2] }, { keys: [2, 3], weight: 2 }], 60);
  assert.deepEqual(rrf.map((f) => f.key), [2, 3, 1]);
  assert.ok(Math.abs(rrf[0]!.score - (1 / 62 + 2 / 61)) < 1e-12);
  const candidates = [{ key: 1, bm25: 10, cosine: 0.1 }, { key: 2, bm25: 5, cosine: 0.9 }, { key: 3, bm25: 0, cosine: 0.5 }];
  assert.deepEqual(linearBlend(candidates, 0).map((c) => c.key), [1, 2, 3]);
  assert.deepEqual(linearBlend(candidates, 1).map((c) => c.key), [2, 3, 1]);
  // α = 0.5: key 2 scores 0.5·0.5 + 0.5·1 = 0.75; key 1 0.5·1 + 0 = 0.5; key 3 0 + 0.5·0.5 = 0.25.
  assert.deepEqual(linearBlend(candidates, 0.5).map((c) => Number(c.score.toFixed(6))), [0.75, 0.5, 0.25]);
});

test('HNSW finds the exact top 10 on clustered vectors; replacing a key moves it; save and load agree', async () => {
  let seed = 11;
  const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const d = 32;
  const centres = Array.from({ length: 20 }, () => Float32Array.from({ length: d }, rand));
  const unit = (v: Float32Array) => { const n = Math.hypot(...v); return v.map((x) => x / n); };
  const vectors = Array.from({ length: 3000 }, (_, i) => unit(centres[i % 20]!.map((c) => c + 0.3 * rand())));
  const keys = vectors.map((_, i) => i + 1);
  const exact = new ExactIndex(d);
  const hnsw = new HnswIndex(d);
  exact.add(keys, vectors);
  hnsw.add(keys, vectors);
  let found = 0;
  for (let i = 0; i < 100; i++) {
    const truth = exact.search(vectors[i * 29]!, 10).map((n) => n.key);
    const approx = new Set(hnsw.search(vectors[i * 29]!, 10).map((n) => n.key));
    found += truth.filter((k) => approx.has(k)).length;
  }
  assert.ok(found / 1000 >= 0.95, `recall@10 ${found / 1000}`);
  hnsw.add([1], [vectors[2999]!]);
  assert.equal(hnsw.size(), 3000);
  assert.ok(hnsw.search(vectors[2999]!, 2).some((n) => n.key === 1));
  const path = join(hub.dir, 'test.usearch');
  await hnsw.save(path);
  assert.equal(existsSync(`${path}.tmp`), false);
  const loaded = HnswIndex.load(path, d);
  assert.deepEqual(loaded.search(vectors[5]!, 5).map((n) => n.key), hnsw.search(vectors[5]!, 5).map((n) => n.key));
  assert.throws(() => HnswIndex.load(path, d + 1), /paperboy index build/);
});
