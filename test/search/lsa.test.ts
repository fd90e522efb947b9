import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { createGunzip } from 'node:zlib';
import { type CsrMatrix, loadLsa, randomizedSvd, saveLsa, symmetricEigen, trainLsa } from '../../src/search/embedders/lsa.ts';
import { tokenize } from '../../src/search/tokenize.ts';
import { needsData, sharedData } from '../helpers/shared-data.ts';

const dir = await mkdtemp(join(tmpdir(), 'paperboy-lsa-'));
after(() => rm(dir, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// Helpers

/** A seeded uniform [0, 1) generator, so synthetic data is the same on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function length(v: Float32Array): number {
  return Math.sqrt(cosine(v, v));
}

function toCsr(dense: Float64Array, rows: number, cols: number): CsrMatrix {
  const rowPtr = new Int32Array(rows + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (dense[r * cols + c] === 0) continue;
      colIdx.push(c);
      values.push(dense[r * cols + c]!);
    }
    rowPtr[r + 1] = colIdx.length;
  }
  return { rows, cols, rowPtr, colIdx: Int32Array.from(colIdx), values: Float32Array.from(values) };
}

/** An n × n orthogonal matrix (row-major): a product of a few random Householder reflections. */
function orthogonal(n: number, rand: () => number): Float64Array {
  let m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  for (let h = 0; h < 4; h++) {
    const v = Float64Array.from({ length: n }, () => rand() - 0.5);
    const vv = v.reduce((s, x) => s + x * x, 0);
    const next = new Float64Array(n * n);
    // (I - 2vvᵀ/vᵀv)·m
    for (let c = 0; c < n; c++) {
      let proj = 0;
      for (let r = 0; r < n; r++) proj += v[r]! * m[r * n + c]!;
      for (let r = 0; r < n; r++) next[r * n + c] = m[r * n + c]! - (2 * v[r]! * proj) / vv;
    }
    m = next;
  }
  return m;
}

/** Two topics whose words co-occur only within their topic, plus generic words shared by both. */
function twoTopicCorpus(): { docs: string[]; topicA: number[]; topicB: number[] } {
  const a = ['neural', 'network', 'training', 'gradient', 'descent', 'backpropagation', 'optimizer', 'layer', 'weights', 'loss', 'deep', 'activation'];
  const b = ['galaxy', 'star', 'telescope', 'orbit', 'planet', 'cosmic', 'nebula', 'redshift', 'astronomer', 'luminosity', 'supernova', 'quasar'];
  const generic = ['data', 'analysis', 'observed', 'measurement', 'large', 'novel'];
  const rand = random(7);
  const pick = (words: string[], n: number): string[] => Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]!);
  const docs: string[] = [];
  const topicA: number[] = [];
  const topicB: number[] = [];
  for (let i = 0; i < 40; i++) {
    topicA.push(docs.push([...pick(a, 7), ...pick(generic, 2)].join(' ')) - 1);
    topicB.push(docs.push([...pick(b, 7), ...pick(generic, 2)].join(' ')) - 1);
  }
  return { docs, topicA, topicB };
}

// ---------------------------------------------------------------------------------------------
// Tokenising

test('tokenize lowercases, stems and drops stopwords and boilerplate', () => {
  assert.deepEqual(tokenize('Learning the Networks'), ['learn', 'network']);
  assert.deepEqual(tokenize('In this paper we propose a method'), ['method']);
  assert.deepEqual(tokenize('Galaxies and their stars'), ['galaxi', 'star']);
});

test('tokenize strips LaTeX commands but keeps their arguments and math words', () => {
  assert.deepEqual(tokenize('\\mathcal{Xy} regret of $\\mathrm{Adam}$ with $k$-means'), ['xy', 'regret', 'adam', 'mean']);
  assert.deepEqual(tokenize('GPT-4 beats \\emph{baselines}'), ['gpt', 'beat', 'baselin']);
});

test('tokenize drops one-letter words and long numbers, keeps years', () => {
  assert.deepEqual(tokenize('a b 2020 123456 x1'), ['2020', 'x1']);
});

test('tokenize handles empty and word-less input', () => {
  assert.deepEqual(tokenize(''), []);
  assert.deepEqual(tokenize('$$ \\frac{}{} -- !!'), []);
});

// ---------------------------------------------------------------------------------------------
// Linear algebra

test('symmetricEigen returns the eigenpairs, largest first', () => {
  const n = 12;
  const rand = random(3);
  const b = Float64Array.from({ length: n * n }, () => rand() - 0.5);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) m[i * n + j]! += b[i * n + k]! * b[j * n + k]!;
  const { values, vectors } = symmetricEigen(m, n);
  for (let c = 0; c < n; c++) {
    if (c > 0) assert.ok(values[c]! <= values[c - 1]!);
    for (let r = 0; r < n; r++) {
      let mv = 0;
      for (let k = 0; k < n; k++) mv += m[r * n + k]! * vectors[k * n + c]!;
      assert.ok(Math.abs(mv - values[c]! * vectors[r * n + c]!) < 1e-10, `M·v = λv for eigenpair ${c}`);
    }
  }
});

test('randomized SVD finds the known top singular values and vectors', async () => {
  const rows = 60;
  const cols = 40;
  const rand = random(11);
  const u = orthogonal(rows, rand);
  const v = orthogonal(cols, rand);
  const sigma = Array.from({ length: cols }, (_, i) => 10 * 0.8 ** i);
  // A = U·diag(σ)·Vᵀ, using the first `cols` columns of U.
  const dense = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) for (let i = 0; i < cols; i++) dense[r * cols + c]! += u[r * rows + i]! * sigma[i]! * v[c * cols + i]!;

  const k = 5;
  const svd = await randomizedSvd(toCsr(dense, rows, cols), k, { oversample: 10, powerIterations: 2, seed: 1 });
  assert.equal(svd.sigma.length, k);
  for (let i = 0; i < k; i++) {
    assert.ok(Math.abs(svd.sigma[i]! - sigma[i]!) / sigma[i]! < 1e-3, `σ${i}: ${svd.sigma[i]} vs ${sigma[i]}`);
    let alignment = 0;
    for (let c = 0; c < cols; c++) alignment += svd.vectors[c * k + i]! * v[c * cols + i]!;
    assert.ok(Math.abs(alignment) > 0.999, `singular vector ${i} is aligned (${alignment})`);
    for (let j = 0; j <= i; j++) {
      let d = 0;
      for (let c = 0; c < cols; c++) d += svd.vectors[c * k + i]! * svd.vectors[c * k + j]!;
      assert.ok(Math.abs(d - (i === j ? 1 : 0)) < 1e-5, `vectors ${i},${j} are orthonormal`);
    }
  }
});

test('randomized SVD of a sparse matrix matches the exact one from the eigenvalues of AᵀA', async () => {
  const rows = 30;
  const cols = 20;
  const rand = random(5);
  // Sparse, with column weights falling off as term weights do, so the spectrum decays.
  const dense = Float64Array.from({ length: rows * cols }, (_, i) => (rand() < 0.3 ? Math.fround(rand() * 0.85 ** (i % cols)) : 0));
  const gram = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) for (let r = 0; r < rows; r++) gram[i * cols + j]! += dense[r * cols + i]! * dense[r * cols + j]!;
  const exact = Array.from(symmetricEigen(gram, cols).values, (x) => Math.sqrt(x));

  const svd = await randomizedSvd(toCsr(dense, rows, cols), 6, { oversample: 4, powerIterations: 2, seed: 9 });
  assert.equal(svd.sigma.length, 6);
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(svd.sigma[i]! - exact[i]!) / exact[i]! < 1e-3, `σ${i}: ${svd.sigma[i]} vs ${exact[i]}`);
});

// ---------------------------------------------------------------------------------------------
// The model

test('LSA ranks a topic by meaning, not only by shared words', async () => {
  const { docs, topicA, topicB } = twoTopicCorpus();
  const model = await trainLsa(docs, { dimensions: 4 });
  assert.equal(model.name, 'lsa-4');
  assert.equal(model.dimensions, 4);
  assert.equal(model.trainedDocs, docs.length);

  const vectors = await model.embed(docs, 'document');
  for (const v of vectors) assert.ok(Math.abs(length(v) - 1) < 1e-5);

  const [query] = await model.embed(['backpropagation optimizer'], 'query');
  const literal = (i: number) => /backpropagation|optimizer/.test(docs[i]!);
  const unrelatedByWords = topicA.filter((i) => !literal(i));
  assert.ok(unrelatedByWords.length > 0, 'some topic-A documents share no word with the query');
  const bestB = Math.max(...topicB.map((i) => cosine(query!, vectors[i]!)));
  for (const i of topicA) assert.ok(cosine(query!, vectors[i]!) > bestB, `topic-A doc ${i} (${docs[i]}) ranks above every topic-B doc`);
});

test('every alpha gives unit vectors, and unknown words give zero vectors', async () => {
  const model = await trainLsa(twoTopicCorpus().docs, { dimensions: 4 });
  for (const alpha of [0, 0.5, 1]) {
    const m = model.withAlpha(alpha);
    const [doc, unknown, empty] = await m.embed(['telescope redshift galaxy', 'zebra xylophone', ''], 'document');
    assert.ok(Math.abs(length(doc!) - 1) < 1e-5, `alpha ${alpha}`);
    assert.deepEqual(unknown, new Float32Array(4));
    assert.deepEqual(empty, new Float32Array(4));
  }
});

test('the same corpus and seed give the same model, from an array or a stream', async () => {
  const { docs } = twoTopicCorpus();
  async function* stream(): AsyncIterable<string> {
    yield* docs;
  }
  const a = await trainLsa(docs, { dimensions: 8 });
  const b = await trainLsa(stream(), { dimensions: 8 });
  assert.deepEqual(a.data.vectors, b.data.vectors);
  assert.deepEqual(await a.embed(docs, 'document'), await b.embed(docs, 'document'));
});

test('progress is reported for each step', async () => {
  const steps = new Set<string>();
  await trainLsa(twoTopicCorpus().docs, { dimensions: 4, onProgress: (step) => steps.add(step) });
  assert.deepEqual([...steps], ['tokenising', 'weighting', 'svd']);
});

test('a tiny corpus trains, with no more dimensions than documents', async () => {
  const three = await trainLsa(['graph neural networks for molecules', 'neural networks on graphs', 'molecules and graphs in chemistry']);
  assert.ok(three.dimensions >= 1 && three.dimensions <= 3, `${three.dimensions} dimensions`);
  const [v] = await three.embed(['neural graphs'], 'query');
  assert.ok(Math.abs(length(v!) - 1) < 1e-5);

  const five = await trainLsa(twoTopicCorpus().docs.slice(0, 5));
  assert.ok(five.dimensions >= 1 && five.dimensions <= 5, `${five.dimensions} dimensions`);
});

test('a corpus without shared words cannot train, and says so', async () => {
  await assert.rejects(trainLsa(['alpha beta', 'gamma delta']), /no word is shared by enough of the 2 documents/);
});

test('a saved model loads back and embeds identically', async () => {
  const { docs } = twoTopicCorpus();
  const model = (await trainLsa(docs, { dimensions: 6 })).withAlpha(0.5);
  const path = join(dir, 'roundtrip.lsa');
  await saveLsa(model, path);
  assert.deepEqual(await readdir(dir), ['roundtrip.lsa'], 'no temporary file is left behind');

  const loaded = await loadLsa(path);
  assert.equal(loaded.name, model.name);
  assert.equal(loaded.vocabulary, model.vocabulary);
  assert.equal(loaded.trainedDocs, model.trainedDocs);
  assert.equal(loaded.alpha, 0.5);
  assert.deepEqual(await loaded.embed(docs, 'document'), await model.embed(docs, 'document'));
});

test('a truncated, foreign or missing model file is rejected with a way out', async () => {
  const good = join(dir, 'good.lsa');
  await saveLsa(await trainLsa(twoTopicCorpus().docs, { dimensions: 4 }), good);
  const bytes = await readFile(good);

  const truncated = join(dir, 'truncated.lsa');
  await writeFile(truncated, bytes.subarray(0, bytes.length - 10));
  await assert.rejects(loadLsa(truncated), (err: Error) => err.message.includes(truncated) && /truncated|bytes, not the/.test(err.message) && /paperboy index build/.test(err.message));

  const headerOnly = join(dir, 'header-only.lsa');
  await writeFile(headerOnly, bytes.subarray(0, 20));
  await assert.rejects(loadLsa(headerOnly), /truncated.*paperboy index build/);

  const foreign = join(dir, 'foreign.lsa');
  await writeFile(foreign, 'hello, world');
  await assert.rejects(loadLsa(foreign), /foreign\.lsa: not an LSA model file.*paperboy index build/);

  await assert.rejects(loadLsa(join(dir, 'missing.lsa')), /missing\.lsa: ENOENT.*paperboy index build/);
});

// ---------------------------------------------------------------------------------------------
// Real abstracts

const SCIFACT = ['scifact', 'corpus.jsonl.gz'];

test('LSA trains on SciFact and its neighbours share rare words', { skip: needsData(...SCIFACT) }, async () => {
  const docs: string[] = [];
  async function* read(): AsyncIterable<string> {
    const lines = createInterface({ input: createReadStream(sharedData(...SCIFACT)).pipe(createGunzip()) });
    for await (const line of lines) {
      if (!line.trim()) continue;
      const { title, text } = JSON.parse(line) as { title: string; text: string };
      docs.push(`${title} ${text}`);
      yield docs.at(-1)!;
    }
  }

  let started = performance.now();
  const model = await trainLsa(read(), { dimensions: 256 });
  const trainSeconds = (performance.now() - started) / 1000;
  assert.ok(docs.length > 5000);
  assert.equal(model.dimensions, 256);

  started = performance.now();
  const vectors = await model.embed(docs, 'document');
  const perSecond = docs.length / ((performance.now() - started) / 1000);
  const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  console.log(`SciFact LSA: ${docs.length} docs, ${model.vocabulary} terms, trained in ${trainSeconds.toFixed(1)} s, embeds ${Math.round(perSecond)} docs/s, rss ${rssMb} MiB`);

  // Rare words (in 2 to 10 documents) are the most specific evidence two abstracts are related.
  const tokens = docs.map((d) => new Set(tokenize(d)));
  const df = new Map<string, number>();
  for (const set of tokens) for (const t of set) df.set(t, (df.get(t) ?? 0) + 1);
  let checked = 0;
  let sharing = 0;
  for (let i = 0; i < docs.length; i += 100) {
    const rare = [...tokens[i]!].filter((t) => df.get(t)! >= 2 && df.get(t)! <= 10);
    if (rare.length === 0) continue;
    const neighbours = vectors
      .map((v, j) => ({ j, score: j === i ? -Infinity : cosine(vectors[i]!, v) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    checked++;
    if (neighbours.some(({ j }) => rare.some((t) => tokens[j]!.has(t)))) sharing++;
  }
  console.log(`SciFact LSA: ${sharing} of ${checked} sampled docs have a top-10 neighbour sharing a rare word`);
  assert.ok(checked >= 40);
  // Ten documents drawn at random would share one about 5% of the time; LSA gets about 80%.
  assert.ok(sharing / checked >= 0.7, `${sharing} of ${checked}`);
});
