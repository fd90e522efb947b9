// The nearest-neighbour indexes: ExactIndex against a brute-force sort done here, QuantizedIndex and HnswIndex against
// ExactIndex on clustered vectors, replacement of keys, and the index file (save, load, wrong width).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ExactIndex, HnswIndex, QuantizedIndex } from '../../src/search/vector-index.ts';
import { mulberry32 } from '../helpers/random.ts';

const dir = mkdtempSync(join(tmpdir(), 'paperboy-vindex-'));
after(() => rmSync(dir, { recursive: true, force: true }));


/** Standard normal by Box–Muller. */
function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  return v.map((x) => x / n);
}

function randomUnit(d: number, normal: () => number): Float32Array {
  return unit(Float32Array.from({ length: d }, normal));
}

/** The same sum, in the same order, as ExactIndex computes it. */
function dotOf(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j]! * b[j]!;
  return s;
}

/** The true top k by sorting every similarity. */
function bruteForce(keys: number[], vectors: Float32Array[], query: Float32Array, k: number): { key: number; similarity: number }[] {
  return keys
    .map((key, i) => ({ key, similarity: dotOf(vectors[i]!, query) }))
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, k);
}

/** 50 Gaussian clusters in 64 dimensions, 100 unit vectors each; keys 1..5000 in a shuffled order. */
function clustered(seed: number, clusters = 50, perCluster = 100, d = 64, spread = 0.35) {
  const rand = mulberry32(seed);
  const normal = gaussian(rand);
  const centres = Array.from({ length: clusters }, () => randomUnit(d, normal));
  const vectors: Float32Array[] = [];
  for (let c = 0; c < clusters; c++) {
    for (let i = 0; i < perCluster; i++) vectors.push(unit(centres[c]!.map((x) => x + spread * normal())));
  }
  const keys = vectors.map((_, i) => i + 1);
  // Shuffle the insertion order so that a cluster's points do not arrive together.
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    [vectors[i], vectors[j]] = [vectors[j]!, vectors[i]!];
  }
  const queries = Array.from({ length: 200 }, (_, i) => unit(centres[i % clusters]!.map((x) => x + spread * normal())));
  return { d, keys, vectors, queries };
}

describe('ExactIndex', () => {
  const rand = mulberry32(7);
  const normal = gaussian(rand);
  const d = 16;
  const vectors = Array.from({ length: 600 }, () => randomUnit(d, normal));
  const keys = vectors.map((_, i) => 1000 + 3 * i); // keys need not be dense or start at 0

  test('returns the true top k by cosine, best first, on random unit vectors', () => {
    const index = new ExactIndex(d);
    index.add(keys, vectors);
    assert.equal(index.size(), 600);
    for (let qi = 0; qi < 25; qi++) {
      const query = randomUnit(d, normal);
      for (const k of [1, 5, 17]) {
        const truth = bruteForce(keys, vectors, query, k);
        const got = index.search(query, k);
        assert.deepEqual(got.map((n) => n.key), truth.map((n) => n.key), `query ${qi}, k=${k}`);
        got.forEach((n, i) => assert.ok(Math.abs(n.similarity - truth[i]!.similarity) < 1e-12));
        for (let i = 1; i < got.length; i++) assert.ok(got[i - 1]!.similarity >= got[i]!.similarity);
      }
    }
  });

  test('a stored vector is its own nearest neighbour with similarity 1', () => {
    const index = new ExactIndex(d);
    index.add(keys, vectors);
    for (const i of [0, 123, 599]) {
      const [best] = index.search(vectors[i]!, 1);
      assert.equal(best!.key, keys[i]);
      assert.ok(Math.abs(best!.similarity - 1) < 1e-5);
    }
  });

  test('grows past its initial capacity without losing rows', () => {
    const small = new ExactIndex(d, 4);
    // In several batches, so the matrix is grown while rows are already in it.
    for (let start = 0; start < 600; start += 37) small.add(keys.slice(start, start + 37), vectors.slice(start, start + 37));
    assert.equal(small.size(), 600);
    const query = randomUnit(d, normal);
    assert.deepEqual(small.search(query, 10).map((n) => n.key), bruteForce(keys, vectors, query, 10).map((n) => n.key));
    assert.ok(keys.every((k) => small.has(k)));
    assert.equal(small.has(999), false);
  });

  test('asking for more than it holds returns everything, sorted; an empty index returns nothing', () => {
    const index = new ExactIndex(d);
    index.add(keys.slice(0, 3), vectors.slice(0, 3));
    const query = randomUnit(d, normal);
    assert.deepEqual(index.search(query, 10).map((n) => n.key), bruteForce(keys.slice(0, 3), vectors.slice(0, 3), query, 3).map((n) => n.key));
    assert.deepEqual(new ExactIndex(d).search(query, 5), []);
  });

  test('adding an existing key replaces its vector: size unchanged, search finds the new one', () => {
    const index = new ExactIndex(d);
    index.add(keys, vectors);
    const target = vectors[42]!;
    assert.equal(index.search(target, 1)[0]!.key, keys[42]);
    // Key keys[0] now holds a copy of vector 42's opposite, and key keys[42] holds vector 0.
    index.add([keys[0]!, keys[42]!], [target.map((x) => -x), vectors[0]!]);
    assert.equal(index.size(), 600);
    const negated = index.search(target.map((x) => -x), 1)[0]!;
    assert.equal(negated.key, keys[0]);
    assert.ok(Math.abs(negated.similarity - 1) < 1e-5);
    const moved = index.search(vectors[0]!, 2);
    assert.equal(moved[0]!.key, keys[42]);
    assert.ok(Math.abs(moved[0]!.similarity - 1) < 1e-5);
    assert.ok(!index.search(target, 600).some((n) => n.key === keys[42] && n.similarity > 0.999), 'the old vector of the key is gone');
  });

  test('k = 0 asks for nothing and gets nothing', () => {
    const index = new ExactIndex(d);
    index.add(keys.slice(0, 3), vectors.slice(0, 3));
    assert.deepEqual(index.search(vectors[0]!, 0), []);
  });

  test('an index made with capacity 0 still takes vectors', () => {
    const index = new ExactIndex(d, 0);
    index.add([1], [vectors[0]!]);
    assert.equal(index.search(vectors[0]!, 1)[0]?.key, 1);
  });
});

describe('HnswIndex', () => {
  const data = clustered(2024);

  test('recall@10 against ExactIndex on 5,000 clustered vectors is at least 0.95', () => {
    const exact = new ExactIndex(data.d);
    const hnsw = new HnswIndex(data.d);
    exact.add(data.keys, data.vectors);
    hnsw.add(data.keys, data.vectors);
    assert.equal(hnsw.size(), 5000);
    assert.equal(hnsw.dimensions, 64);
    let found = 0;
    let wanted = 0;
    // Fresh points near the centres, and points that are in the index.
    const queries = [...data.queries, ...data.vectors.filter((_, i) => i % 50 === 0)];
    for (const query of queries) {
      const truth = exact.search(query, 10).map((n) => n.key);
      const approx = hnsw.search(query, 10);
      assert.equal(approx.length, 10);
      assert.equal(new Set(approx.map((n) => n.key)).size, 10, 'no key twice');
      const got = new Set(approx.map((n) => n.key));
      found += truth.filter((k) => got.has(k)).length;
      wanted += truth.length;
    }
    const recall = found / wanted;
    assert.ok(recall >= 0.95, `recall@10 = ${recall.toFixed(3)} over ${queries.length} queries`);
  });

  test('similarities are cosines (f16-stored, so close but not exact), best first', () => {
    const hnsw = new HnswIndex(data.d);
    hnsw.add(data.keys.slice(0, 500), data.vectors.slice(0, 500));
    const byKey = new Map(data.keys.slice(0, 500).map((k, i) => [k, data.vectors[i]!]));
    const query = data.queries[3]!;
    const hits = hnsw.search(query, 20);
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.similarity >= hits[i]!.similarity - 1e-6);
    for (const h of hits) assert.ok(Math.abs(h.similarity - dotOf(byKey.get(h.key)!, query)) < 5e-3, `key ${h.key}`);
  });

  test('empty index: search returns nothing, has is false, adding nothing is a no-op', () => {
    const hnsw = new HnswIndex(8);
    assert.deepEqual(hnsw.search(new Float32Array(8).fill(0.5), 5), []);
    hnsw.add([], []);
    assert.equal(hnsw.size(), 0);
    assert.equal(hnsw.has(1), false);
  });

  test('add with an existing key replaces its vector: size unchanged, search finds the new one', () => {
    const n = 1000;
    const hnsw = new HnswIndex(data.d);
    hnsw.add(data.keys.slice(0, n), data.vectors.slice(0, n));
    const key = data.keys[10]!;
    const oldVector = data.vectors[10]!;
    const newVector = data.vectors[n + 5]!; // a vector not in the index, likely in another cluster
    assert.ok(dotOf(oldVector, newVector) < 0.9, 'the test needs two different directions');
    hnsw.add([key], [newVector]);
    assert.equal(hnsw.size(), n);
    assert.equal(hnsw.has(key), true);
    const [best] = hnsw.search(newVector, 1);
    assert.equal(best!.key, key);
    assert.ok(best!.similarity > 0.99);
    const nearOld = hnsw.search(oldVector, 10);
    assert.ok(!nearOld.some((h) => h.key === key && h.similarity > 0.99), 'the old vector no longer answers for the key');
    // Replacing several at once, mixed with new keys.
    hnsw.add([data.keys[11]!, 999_999], [oldVector, data.vectors[n + 6]!]);
    assert.equal(hnsw.size(), n + 1);
    assert.equal(hnsw.search(oldVector, 1)[0]!.key, data.keys[11]);
    assert.equal(hnsw.search(data.vectors[n + 6]!, 1)[0]!.key, 999_999);
  });

  test('save then load gives identical search results; no .tmp file is left behind', async () => {
    const hnsw = new HnswIndex(data.d);
    hnsw.add(data.keys.slice(0, 2000), data.vectors.slice(0, 2000));
    const folder = mkdtempSync(join(dir, 'save-'));
    const path = join(folder, 'papers.usearch');
    await hnsw.save(path);
    assert.deepEqual(readdirSync(folder), ['papers.usearch']);
    assert.equal(existsSync(`${path}.tmp`), false);

    const loaded = HnswIndex.load(path, data.d);
    assert.equal(loaded.size(), 2000);
    assert.equal(loaded.dimensions, data.d);
    assert.ok(loaded.has(data.keys[0]!));
    assert.equal(loaded.has(data.keys[2500]!), false);
    for (const query of data.queries.slice(0, 40)) assert.deepEqual(loaded.search(query, 10), hnsw.search(query, 10));

    // Saving again over the file replaces it whole, again without a .tmp.
    hnsw.add(data.keys.slice(2000, 2100), data.vectors.slice(2000, 2100));
    await hnsw.save(path);
    assert.deepEqual(readdirSync(folder), ['papers.usearch']);
    assert.equal(HnswIndex.load(path, data.d).size(), 2100);
  });

  test('loading with the wrong dimension throws a message naming the file and `paperboy index build`', async () => {
    const hnsw = new HnswIndex(16);
    hnsw.add([1, 2], [randomUnit(16, gaussian(mulberry32(1))), randomUnit(16, gaussian(mulberry32(2)))]);
    const path = join(dir, 'sixteen.usearch');
    await hnsw.save(path);
    assert.throws(() => HnswIndex.load(path, 32), (err: Error) => err.message.includes(path) && /16-dimensional/.test(err.message) && /not 32/.test(err.message) && err.message.includes('paperboy index build'));
    assert.equal(HnswIndex.load(path, 16).size(), 2);
  });
});

describe('QuantizedIndex', () => {
  const data = clustered(2025);

  test('recall@10 against ExactIndex on 5,000 clustered vectors is at least 0.95 before any re-scoring', () => {
    const exact = new ExactIndex(data.d);
    const quantized = new QuantizedIndex(data.d);
    exact.add(data.keys, data.vectors);
    quantized.add(data.keys, data.vectors);
    assert.equal(quantized.size(), 5000);
    let found = 0;
    let wanted = 0;
    for (const query of [...data.queries, ...data.vectors.filter((_, i) => i % 50 === 0)]) {
      const truth = exact.search(query, 10).map((n) => n.key);
      const approx = quantized.search(query, 10);
      assert.equal(approx.length, 10);
      assert.equal(new Set(approx.map((n) => n.key)).size, 10, 'no key twice');
      const got = new Set(approx.map((n) => n.key));
      found += truth.filter((k) => got.has(k)).length;
      wanted += truth.length;
    }
    assert.ok(found / wanted >= 0.95, `recall@10 = ${(found / wanted).toFixed(3)}`);
  });

  test('similarities are within 0.01 of the f32 cosines, best first, and similarity(key) gives the same', () => {
    const quantized = new QuantizedIndex(data.d);
    quantized.add(data.keys.slice(0, 500), data.vectors.slice(0, 500));
    const byKey = new Map(data.keys.slice(0, 500).map((k, i) => [k, data.vectors[i]!]));
    const query = data.queries[3]!;
    const hits = quantized.search(query, 20);
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.similarity >= hits[i]!.similarity);
    for (const h of hits) {
      assert.ok(Math.abs(h.similarity - dotOf(byKey.get(h.key)!, query)) < 0.01, `key ${h.key}`);
      assert.ok(Math.abs(quantized.similarity(h.key, query)! - h.similarity) < 1e-5);
    }
    assert.equal(quantized.similarity(123_456, query), undefined);
  });

  test('scales given up front are used; a later vector beyond them is clamped, not wrapped', () => {
    const largest = new Float32Array(4).fill(0.5);
    const quantized = new QuantizedIndex(4, 2, largest);
    quantized.add([1, 2, 3], [Float32Array.of(0.5, 0, 0, 0), Float32Array.of(0, 0.5, 0, 0), Float32Array.of(1, 0, 0, 0)]);
    const query = Float32Array.of(1, 0, 0, 0);
    const [best, second] = quantized.search(query, 2);
    assert.deepEqual([best!.key, second!.key].sort(), [1, 3], 'the clamped vector still points the right way');
    assert.ok(best!.similarity > 0.5 && best!.similarity <= 0.56, `clamped at the scale's headroom: ${best!.similarity}`);
    assert.equal(quantized.search(Float32Array.of(0, 1, 0, 0), 1)[0]!.key, 2);
  });

  test('empty index and zero query: search returns nothing; adding nothing is a no-op', () => {
    const quantized = new QuantizedIndex(8);
    assert.deepEqual(quantized.search(new Float32Array(8).fill(0.5), 5), []);
    quantized.add([], []);
    assert.equal(quantized.size(), 0);
    assert.equal(quantized.has(1), false);
    quantized.add([1], [new Float32Array(8).fill(0.3)]);
    assert.deepEqual(quantized.search(new Float32Array(8), 5), []);
  });

  test('add with an existing key replaces its vector; the index grows past its capacity', () => {
    const quantized = new QuantizedIndex(data.d, 10);
    quantized.add(data.keys.slice(0, 1000), data.vectors.slice(0, 1000));
    const key = data.keys[10]!;
    const newVector = data.vectors[1005]!;
    quantized.add([key], [newVector]);
    assert.equal(quantized.size(), 1000);
    assert.equal(quantized.search(newVector, 1)[0]!.key, key);
    quantized.add([999_999], [data.vectors[1006]!]);
    assert.equal(quantized.size(), 1001);
    assert.equal(quantized.search(data.vectors[1006]!, 1)[0]!.key, 999_999);
  });

  test('save then load gives identical results; the wrong dimension is refused with a way out', async () => {
    const quantized = new QuantizedIndex(data.d);
    quantized.add(data.keys.slice(0, 2000), data.vectors.slice(0, 2000));
    const folder = mkdtempSync(join(dir, 'save-i8-'));
    const path = join(folder, 'papers.i8');
    await quantized.save(path);
    assert.deepEqual(readdirSync(folder), ['papers.i8']);
    const loaded = await QuantizedIndex.load(path, data.d);
    assert.equal(loaded.size(), 2000);
    assert.ok(loaded.has(data.keys[0]!));
    assert.equal(loaded.has(data.keys[2500]!), false);
    for (const query of data.queries.slice(0, 40)) assert.deepEqual(loaded.search(query, 10), quantized.search(query, 10));
    // Loaded, it keeps growing with the same scales.
    loaded.add(data.keys.slice(2000, 2100), data.vectors.slice(2000, 2100));
    assert.equal(loaded.size(), 2100);
    await assert.rejects(QuantizedIndex.load(path, data.d + 1), (err: Error) => err.message.includes(path) && err.message.includes('paperboy index build'));
    // A file cut short (a full disk, a copy stopped half-way) is refused, not read as zeros.
    truncateSync(path, statSync(path).size - 100);
    await assert.rejects(QuantizedIndex.load(path, data.d), (err: Error) => err.message.includes(path) && /cut short/.test(err.message) && err.message.includes('paperboy index build'));
  });

  test('loaded, a large index\'s thread reads its half from the file: the same rows the index sends from memory', async () => {
    const inMemory = new QuantizedIndex(data.d, 10, undefined, { splitAbove: 1000 });
    inMemory.add(data.keys, data.vectors);
    const path = join(mkdtempSync(join(dir, 'load-split-')), 'papers.i8');
    await inMemory.save(path);
    const loaded = await QuantizedIndex.load(path, data.d, { splitAbove: 1000 });
    try {
      await inMemory.searchAsync(data.queries[0]!, 10); // sends its copy from memory
      for (let i = 0; i < 200 && !(loaded.threadRows && inMemory.threadRows); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(loaded.threadRows, { from: 2500, to: 5000 }, 'started by load, without a query');
      assert.deepEqual(inMemory.threadRows, { from: 2500, to: 5000 });
      for (const query of data.queries.slice(0, 100)) assert.deepEqual(await loaded.searchAsync(query, 10), await inMemory.searchAsync(query, 10));
    } finally {
      await loaded.close();
      await inMemory.close();
    }
  });

  test('a row replaced while the thread\'s copy is on its way makes that copy out of date', async () => {
    const quantized = new QuantizedIndex(data.d, 10, undefined, { splitAbove: 1000 });
    quantized.add(data.keys, data.vectors);
    await quantized.searchAsync(data.queries[0]!, 10); // sends the copy
    const upperKey = data.keys[4500]!;
    const target = data.queries[3]!;
    quantized.add([upperKey], [target]); // before the thread has it
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(quantized.threadRows, undefined, 'the copy that arrived is not used');
    assert.equal((await quantized.searchAsync(target, 1))[0]!.key, upperKey);
    for (let i = 0; i < 200 && !quantized.threadRows; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(quantized.threadRows, 'a fresh copy arrived');
    assert.equal((await quantized.searchAsync(target, 1))[0]!.key, upperKey, 'and it holds the new row');
    await quantized.close();
  });

  test('searchAsync scans the upper rows on a second thread and finds what search finds; replaced and new rows are seen at once', async () => {
    const quantized = new QuantizedIndex(data.d, 10, undefined, { splitAbove: 1000 });
    const exact = new ExactIndex(data.d);
    quantized.add(data.keys, data.vectors);
    exact.add(data.keys, data.vectors);
    await quantized.searchAsync(data.queries[0]!, 10); // starts the thread and sends it the upper half
    for (let i = 0; i < 200 && !quantized.threadRows; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(quantized.threadRows, { from: 2500, to: 5000 });
    let split = 0;
    let single = 0;
    for (const query of data.queries) {
      const truth = new Set(exact.search(query, 10).map((n) => n.key));
      const hits = await quantized.searchAsync(query, 10);
      assert.equal(new Set(hits.map((n) => n.key)).size, 10, 'ten distinct keys');
      for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.similarity >= hits[i]!.similarity, 'best first');
      split += hits.filter((n) => truth.has(n.key)).length;
      single += quantized.search(query, 10).filter((n) => truth.has(n.key)).length;
    }
    assert.ok(split >= single, `recall@10 split ${split / 2000}, one thread ${single / 2000}`);
    assert.ok(split / 2000 >= 0.95);

    // A paper in the thread's half changes: its copy is out of date, and the answer must not use it.
    const upperKey = data.keys[4000]!;
    const target = data.queries[7]!;
    quantized.add([upperKey], [target]);
    assert.equal(quantized.threadRows, undefined, 'the copy is out of date');
    assert.equal((await quantized.searchAsync(target, 1))[0]!.key, upperKey);
    // A new paper lands past the thread's rows and is scanned here.
    for (let i = 0; i < 200 && !quantized.threadRows; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(quantized.threadRows, 'a fresh copy arrived');
    quantized.add([777_777], [data.queries[9]!]);
    assert.equal((await quantized.searchAsync(data.queries[9]!, 1))[0]!.key, 777_777);

    await quantized.close();
    assert.equal(quantized.threadRows, undefined);
    assert.equal((await quantized.searchAsync(data.queries[9]!, 1))[0]!.key, 777_777, 'closed, it still answers on one thread');
  });

  test('an index left open does not keep its process from exiting', () => {
    // A command that forgets to close a large index must still end when its work is done.
    const script = `
      import { QuantizedIndex } from ${JSON.stringify(new URL('../../src/search/vector-index.ts', import.meta.url).href)};
      const d = 16;
      const saved = new QuantizedIndex(d, 10, undefined, { splitAbove: 100 });
      const keys = Array.from({ length: 1000 }, (_, i) => i + 1);
      saved.add(keys, keys.map((k) => new Float32Array(d).map((_, j) => Math.sin(k * (j + 1)))));
      await saved.save(${JSON.stringify(join(dir, 'left-open.i8'))});
      for (const index of [saved, await QuantizedIndex.load(${JSON.stringify(join(dir, 'left-open.i8'))}, d, { splitAbove: 100 })]) {
        await index.searchAsync(new Float32Array(d).fill(1), 5);
        for (let i = 0; i < 500 && !index.threadRows; i++) await new Promise((r) => setTimeout(r, 10));
        if (!index.threadRows) throw new Error('no thread');
      }
      // A query awaiting only the thread keeps the process alive until it is answered.
      const hits = await saved.searchAsync(new Float32Array(d).fill(1), 5);
      console.log('both threads hold their rows;', hits.length, 'hits');
    `;
    const file = join(dir, 'left-open.mts');
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.signal, null, 'it had to be killed: the process did not exit');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /both threads hold their rows; 5 hits/);
  });
});
