// The linear SVM against answers worked out by hand, and on a separable set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balancedC, LinearSvm, type SvmExample } from '../../src/rank/svm.ts';
import { mulberry32 } from '../helpers/random.ts';

/** Two points on a line, x = +1 (positive) and x = −1 (negative), as a one-feature sparse problem. */
function twoPoints(c: number): SvmExample[] {
  return [
    { idx: [0], val: [1], y: 1, c },
    { idx: [0], val: [-1], y: -1, c },
  ];
}

test('hinge loss: two points at ±1 give w = min(2C, 1), as worked out by hand', () => {
  // ½w² + 2C·max(0, 1 − w): below the kink the slope w − 2C is zero at w = 2C; past C = ½ the
  // kink at w = 1 (both points on the margin) is the minimum.
  for (const [c, expected] of [[0.1, 0.2], [0.25, 0.5], [5, 1]] as const) {
    const svm = new LinearSvm({ denseDimensions: 0, sparseDimensions: 1, loss: 'hinge', bias: 0, tolerance: 1e-9 });
    svm.add(twoPoints(c));
    assert.equal(svm.fit().converged, true);
    assert.ok(Math.abs(svm.wSparse[0]! - expected) < 1e-6, `C=${c}: w=${svm.wSparse[0]} (expected ${expected})`);
    // The duals: both at their bound C below the kink; beyond it any pair with α₁ + α₂ = w = 1.
    if (c < 0.5) for (const i of [0, 1]) assert.ok(Math.abs(svm.dual(i) - c) < 1e-9);
    else assert.ok(Math.abs(svm.dual(0) + svm.dual(1) - 1) < 1e-9);
  }
});

test('squared hinge: two points at ±1 give w = 4C / (1 + 4C)', () => {
  // ½w² + 2C(1 − w)²: w − 4C(1 − w) = 0.
  for (const c of [0.01, 0.25, 2]) {
    const svm = new LinearSvm({ denseDimensions: 0, sparseDimensions: 1, loss: 'squared_hinge', bias: 0, tolerance: 1e-10 });
    svm.add(twoPoints(c));
    svm.fit();
    assert.ok(Math.abs(svm.wSparse[0]! - (4 * c) / (1 + 4 * c)) < 1e-7, `C=${c}: w=${svm.wSparse[0]}`);
  }
});

test('with an intercept the symmetric pair keeps b = 0, and a shifted pair moves it', () => {
  const symmetric = new LinearSvm({ denseDimensions: 0, sparseDimensions: 1, loss: 'hinge', bias: 1, tolerance: 1e-9 });
  symmetric.add(twoPoints(10));
  symmetric.fit();
  assert.ok(Math.abs(symmetric.b) < 1e-6);
  assert.ok(Math.abs(symmetric.wSparse[0]! - 1) < 1e-6);
  // Points at 3 (positive) and 1 (negative), C large (a hard margin): minimising ½(w² + b²) with
  // 3w + b ≥ 1 and w + b ≤ −1, both bind at w = 1, b = −2 (their duals, 1.5 and 3.5, are both
  // positive, so this is the optimum); the boundary is x = 2, halfway.
  const shifted = new LinearSvm({ denseDimensions: 0, sparseDimensions: 1, loss: 'hinge', bias: 1, tolerance: 1e-9 });
  shifted.add([
    { idx: [0], val: [3], y: 1, c: 100 },
    { idx: [0], val: [1], y: -1, c: 100 },
  ]);
  shifted.fit();
  assert.ok(Math.abs(shifted.wSparse[0]! - 1) < 1e-6, `w=${shifted.wSparse[0]}`);
  assert.ok(Math.abs(shifted.b + 2) < 1e-6, `b=${shifted.b}`);
});

test('on a separable set with a margin it finds the separating direction and classifies every point', () => {
  const rand = mulberry32(3);
  const u = [1 / Math.sqrt(5), 2 / Math.sqrt(5)];
  const examples: SvmExample[] = [];
  while (examples.length < 200) {
    const x = [rand() * 4 - 2, rand() * 4 - 2];
    const along = x[0]! * u[0]! + x[1]! * u[1]!;
    if (Math.abs(along) < 0.3) continue; // a margin of 0.3 either side
    examples.push({ dense: Float32Array.from(x), idx: [], val: [], y: along > 0 ? 1 : -1, c: 100 });
  }
  const svm = new LinearSvm({ denseDimensions: 2, sparseDimensions: 0, loss: 'hinge', bias: 1, tolerance: 1e-6, maxEpochs: 5000 });
  svm.add(examples);
  assert.equal(svm.fit().converged, true);
  const norm = Math.hypot(svm.wDense[0]!, svm.wDense[1]!);
  const cosine = (svm.wDense[0]! * u[0]! + svm.wDense[1]! * u[1]!) / norm;
  assert.ok(cosine > 0.99, `cos(w, u) = ${cosine}`);
  assert.ok(Math.abs(svm.b) / norm < 0.1, `the boundary passes near the origin (b/|w| = ${svm.b / norm})`);
  for (const e of examples) assert.equal(Math.sign(svm.decision(e)), e.y);
});

test('balanced class weights are n / (2 · class count), as scikit-learn computes them', () => {
  assert.deepEqual(balancedC([1, -1, -1, -1], 1), [2, 2 / 3, 2 / 3, 2 / 3]);
  assert.deepEqual(balancedC([1, 1, -1, -1], 0.5), [0.5, 0.5, 0.5, 0.5]);
});

test('training again after adding and removing examples reaches the same solution as a fresh fit', () => {
  const rand = mulberry32(9);
  const point = (): SvmExample => {
    const idx = [0, 1, 2, 3].filter(() => rand() < 0.6);
    const val = idx.map(() => rand() * 2 - 1);
    const score = idx.reduce((s, id, i) => s + (id === 0 ? 1 : id === 2 ? -1 : 0.2) * val[i]!, 0);
    return { idx, val, y: score > 0 ? 1 : -1, c: 0.5 };
  };
  const first = Array.from({ length: 60 }, point);
  const later = Array.from({ length: 20 }, point);
  const options = { denseDimensions: 0, sparseDimensions: 4, loss: 'squared_hinge' as const, tolerance: 1e-9, maxEpochs: 10_000 };

  const incremental = new LinearSvm(options);
  incremental.add(first);
  incremental.fit();
  incremental.add(later);
  incremental.remove([0, 1, 2, 3, 4]);
  incremental.fit();

  const fresh = new LinearSvm(options);
  fresh.add([...first.slice(5), ...later]);
  fresh.fit();

  assert.equal(incremental.size, fresh.size);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(incremental.wSparse[i]! - fresh.wSparse[i]!) < 1e-5, `w[${i}]: ${incremental.wSparse[i]} vs ${fresh.wSparse[i]}`);
  assert.ok(Math.abs(incremental.objective() - fresh.objective()) < 1e-6);
});
