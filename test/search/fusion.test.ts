// Fusing a keyword ranking with a meaning ranking: reciprocal rank fusion and the convex blend,
// against scores worked out by hand.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BLEND_MEANING_WEIGHT, linearBlend, reciprocalRankFusion, RRF_K } from '../../src/search/fusion.ts';

const close = (actual: number, expected: number, what = '') => assert.ok(Math.abs(actual - expected) < 1e-12, `${what} ${actual} ≠ ${expected}`);

describe('reciprocal rank fusion', () => {
  test('k defaults to 60; every paper gets weight / (k + rank) from each list that has it', () => {
    assert.equal(RRF_K, 60);
    const fused = reciprocalRankFusion([{ keys: [10, 20, 30] }, { keys: [30, 40, 10] }]);
    const byKey = new Map(fused.map((f) => [f.key, f]));
    close(byKey.get(10)!.score, 1 / 61 + 1 / 63, 'key 10');
    close(byKey.get(20)!.score, 1 / 62, 'key 20');
    close(byKey.get(30)!.score, 1 / 63 + 1 / 61, 'key 30');
    close(byKey.get(40)!.score, 1 / 62, 'key 40');
    assert.deepEqual(byKey.get(10)!.ranks, [1, 3]);
    assert.deepEqual(byKey.get(20)!.ranks, [2, undefined]);
    assert.deepEqual(byKey.get(30)!.ranks, [3, 1]);
    assert.deepEqual(byKey.get(40)!.ranks, [undefined, 2]);
    // Equal scores are ordered by key, so the output is deterministic.
    assert.deepEqual(fused.map((f) => f.key), [10, 30, 20, 40]);
  });

  test('another k changes the scores as the formula says', () => {
    const fused = reciprocalRankFusion([{ keys: [1, 2] }, { keys: [2, 3] }], 1);
    assert.deepEqual(fused.map((f) => f.key), [2, 1, 3]);
    close(fused[0]!.score, 1 / 3 + 1 / 2);
    close(fused[1]!.score, 1 / 2);
    close(fused[2]!.score, 1 / 3);
  });

  test('a list naming a paper twice counts it once, at its first place', () => {
    const fused = reciprocalRankFusion([{ keys: [1, 2, 1, 1] }, { keys: [2] }], 60);
    const byKey = new Map(fused.map((f) => [f.key, f]));
    assert.equal(fused.length, 2);
    close(byKey.get(1)!.score, 1 / 61, 'key 1');
    assert.deepEqual(byKey.get(1)!.ranks, [1, undefined]);
    close(byKey.get(2)!.score, 1 / 62 + 1 / 61, 'key 2');
    assert.deepEqual(fused.map((f) => f.key), [2, 1]);
  });

  test('weights scale each list: a heavier second list can reverse the order', () => {
    const even = reciprocalRankFusion([{ keys: [1, 2] }, { keys: [2, 1] }]);
    assert.deepEqual(even.map((f) => f.key), [1, 2], 'a tie, broken by key');
    const heavy = reciprocalRankFusion([{ keys: [1, 2], weight: 1 }, { keys: [2, 1], weight: 3 }]);
    assert.deepEqual(heavy.map((f) => f.key), [2, 1]);
    close(heavy[0]!.score, 1 / 62 + 3 / 61, 'key 2');
    close(heavy[1]!.score, 1 / 61 + 3 / 62, 'key 1');
  });

  test('a list of weight 0 adds no score but still records ranks', () => {
    const fused = reciprocalRankFusion([{ keys: [5, 6] }, { keys: [6, 7], weight: 0 }]);
    assert.deepEqual(fused.map((f) => f.key), [5, 6, 7]);
    close(fused[1]!.score, 1 / 62);
    assert.equal(fused[2]!.score, 0);
    assert.deepEqual(fused[1]!.ranks, [2, 1]);
    assert.deepEqual(fused[2]!.ranks, [undefined, 2]);
  });

  test('no lists, or empty lists, fuse to nothing; one list keeps its order', () => {
    assert.deepEqual(reciprocalRankFusion([]), []);
    assert.deepEqual(reciprocalRankFusion([{ keys: [] }, { keys: [] }]), []);
    assert.deepEqual(reciprocalRankFusion([{ keys: [9, 3, 7] }]).map((f) => f.key), [9, 3, 7]);
  });
});

describe('linear blend', () => {
  // best BM25 = 8; cosine low = 0.2, span = 0.5.
  const candidates = [
    { key: 1, bm25: 8, cosine: 0.2 },
    { key: 2, bm25: 4, cosine: 0.6 },
    { key: 3, bm25: 0, cosine: 0.4 },
    { key: 4, bm25: 2, cosine: 0.7 },
  ];

  test('(1 − α) · BM25 / best + α · min-max cosine, by hand at the default α = 0.3', () => {
    assert.equal(BLEND_MEANING_WEIGHT, 0.3);
    // 1: 0.7·1 + 0.3·0 = 0.7        2: 0.7·0.5 + 0.3·0.8 = 0.59
    // 3: 0.7·0 + 0.3·0.4 = 0.12     4: 0.7·0.25 + 0.3·1 = 0.475
    const blended = linearBlend(candidates);
    assert.deepEqual(blended.map((b) => b.key), [1, 2, 4, 3]);
    const expected = new Map([[1, 0.7], [2, 0.59], [3, 0.12], [4, 0.475]]);
    for (const b of blended) close(b.score, expected.get(b.key)!, `key ${b.key}`);
    assert.deepEqual(linearBlend(candidates, 0.3), blended);
  });

  test('another α, by hand', () => {
    // α = 0.5: 1: 0.5   2: 0.25 + 0.4 = 0.65   3: 0.2   4: 0.125 + 0.5 = 0.625
    const blended = linearBlend(candidates, 0.5);
    assert.deepEqual(blended.map((b) => b.key), [2, 4, 1, 3]);
    const expected = new Map([[1, 0.5], [2, 0.65], [3, 0.2], [4, 0.625]]);
    for (const b of blended) close(b.score, expected.get(b.key)!, `key ${b.key}`);
  });

  test('meaningWeight 0 reproduces the BM25 order, 1 the cosine order', () => {
    assert.deepEqual(linearBlend(candidates, 0).map((b) => b.key), [1, 2, 4, 3]);
    assert.deepEqual(linearBlend(candidates, 1).map((b) => b.key), [4, 2, 3, 1]);
    const bm25Only = linearBlend(candidates, 0);
    for (const b of bm25Only) close(b.score, candidates.find((c) => c.key === b.key)!.bm25 / 8);
  });

  test('BM25 is divided by the best, not min-max scaled; cosine is min-max scaled, negatives included', () => {
    const blended = linearBlend([{ key: 1, bm25: 8, cosine: -0.5 }, { key: 2, bm25: 6, cosine: 0.5 }], 0.5);
    // 1: 0.5·1 + 0.5·0 = 0.5    2: 0.5·0.75 + 0.5·1 = 0.875 (min-max BM25 would give 2 only 0.5)
    assert.deepEqual(blended.map((b) => b.key), [2, 1]);
    close(blended[0]!.score, 0.875);
    close(blended[1]!.score, 0.5);
  });

  test('no keyword match at all, or all cosines equal, contributes 0 rather than NaN', () => {
    const noWords = linearBlend([{ key: 1, bm25: 0, cosine: 0.1 }, { key: 2, bm25: 0, cosine: 0.9 }], 0.3);
    assert.deepEqual(noWords.map((b) => b.key), [2, 1]);
    close(noWords[0]!.score, 0.3);
    close(noWords[1]!.score, 0);
    const flat = linearBlend([{ key: 1, bm25: 2, cosine: 0.4 }, { key: 2, bm25: 4, cosine: 0.4 }], 0.3);
    assert.deepEqual(flat.map((b) => b.key), [2, 1]);
    close(flat[0]!.score, 0.7);
    close(flat[1]!.score, 0.35);
    assert.ok(flat.every((b) => Number.isFinite(b.score)));
    const one = linearBlend([{ key: 9, bm25: 0, cosine: 0 }]);
    assert.deepEqual(one, [{ key: 9, score: 0 }]);
  });

  test('equal scores are ordered by key; no candidates blend to nothing', () => {
    const tied = linearBlend([{ key: 5, bm25: 1, cosine: 0.3 }, { key: 2, bm25: 1, cosine: 0.3 }, { key: 3, bm25: 1, cosine: 0.3 }]);
    assert.deepEqual(tied.map((b) => b.key), [2, 3, 5]);
    assert.deepEqual(linearBlend([]), []);
  });
});
