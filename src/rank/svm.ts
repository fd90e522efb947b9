// A linear support vector machine, trained by dual coordinate descent (Hsieh, Chang, Lin, Keerthi
// & Sundararajan, "A Dual Coordinate Descent Method for Large-scale Linear SVM", ICML 2008: the
// method liblinear and so scikit-learn's LinearSVC use). It is what arxiv-sanity-lite fits per tag,
// and what Paperboy's per-reader model (recommend.ts) fits per reader.
//
// The primal problem, with a weight C_i per example (C × class weight × sample weight):
//   min_w ½‖w‖² + Σ_i C_i ξ(w; x_i, y_i),   ξ = max(0, 1 − y_i w·x_i)   ('hinge'), or its square ('squared_hinge').
// Its dual is a box-constrained quadratic in one α_i per example, solved one coordinate at a time
// while w = Σ α_i y_i x_i is kept up to date, so each step costs one pass over x_i's features.
// Examples can be added and removed later with their α (kept, or 0 for a new one): training again
// starts from where the last one stopped, which is what makes a reader's model cheap to update.
//
// An example has a dense part (an embedding, scaled) and a sparse part (ids into one index space,
// with values). The intercept is, as in liblinear, one more feature of constant value `bias` whose
// weight is regularised like the others (intercept_scaling in LinearSVC's terms).

export type SvmLoss = 'hinge' | 'squared_hinge';

export interface SvmExample {
  /** Dense features, multiplied by `denseScale` (default 1). */
  dense?: Float32Array;
  denseScale?: number;
  /** Sparse features: distinct ids in [0, sparseDimensions), with their values. */
  idx: ArrayLike<number>;
  val: ArrayLike<number>;
  /** A second sparse block in the same id space (kept apart so the first can be shared between machines). */
  idx2?: ArrayLike<number>;
  val2?: ArrayLike<number>;
  y: 1 | -1;
  /** This example's C: the regularisation constant times its class and sample weights. */
  c: number;
}

export interface SvmOptions {
  denseDimensions: number;
  sparseDimensions: number;
  loss?: SvmLoss;
  /** Value of the constant intercept feature; 0 fits no intercept. Default 1. */
  bias?: number;
  /** Stop when the projected gradients' spread over one epoch falls below this. Default 1e-4. */
  tolerance?: number;
  /** Most passes over the examples. Default 1000. */
  maxEpochs?: number;
  /** Seed of the order examples are visited in. Default 1. */
  seed?: number;
}

export interface SvmFit {
  epochs: number;
  converged: boolean;
}

/** An example as the solver keeps it: every field always there, typed arrays only, so the hot loop sees one shape. */
class Row {
  constructor(
    readonly source: SvmExample,
    readonly dense: Float32Array | null,
    readonly denseScale: number,
    readonly idx: Int32Array,
    readonly val: Float32Array,
    readonly idx2: Int32Array,
    readonly val2: Float32Array,
    readonly y: number,
    public c: number,
    readonly sqNorm: number,
  ) {}
}

const NO_IDS = new Int32Array(0);
const NO_VALUES = new Float32Array(0);
const int32 = (a: ArrayLike<number> | undefined) => (a === undefined ? NO_IDS : a instanceof Int32Array ? a : Int32Array.from(a));
const float32 = (a: ArrayLike<number> | undefined) => (a === undefined ? NO_VALUES : a instanceof Float32Array ? a : Float32Array.from(a));

/** A trained (or being trained) linear SVM: its weights, and the dual variables that produced them. */
export class LinearSvm {
  readonly wDense: Float64Array;
  wSparse: Float64Array;
  /** The intercept's weight (the decision adds b × bias). */
  b = 0;
  readonly loss: SvmLoss;
  readonly bias: number;
  private rows: Row[] = [];
  private alpha: number[] = [];
  private readonly tolerance: number;
  private readonly maxEpochs: number;
  private random: () => number;

  constructor(options: SvmOptions) {
    this.wDense = new Float64Array(options.denseDimensions);
    this.wSparse = new Float64Array(options.sparseDimensions);
    this.loss = options.loss ?? 'squared_hinge';
    this.bias = options.bias ?? 1;
    this.tolerance = options.tolerance ?? 1e-4;
    this.maxEpochs = options.maxEpochs ?? 1000;
    this.random = seeded(options.seed ?? 1);
  }

  /** Makes room for sparse ids up to n − 1 (new ids weigh 0 until trained). */
  growSparse(n: number): void {
    if (n <= this.wSparse.length) return;
    const grown = new Float64Array(Math.max(n, this.wSparse.length * 2));
    grown.set(this.wSparse);
    this.wSparse = grown;
  }

  get size(): number {
    return this.rows.length;
  }

  /** The examples, in the order they were added (removals close the gaps). */
  get trainingExamples(): readonly SvmExample[] {
    return this.rows.map((r) => r.source);
  }

  /** Adds examples with α = 0: w does not change until the next fit. Returns their positions. */
  add(examples: SvmExample[]): number[] {
    const at: number[] = [];
    for (const e of examples) {
      if (!(e.c > 0)) throw new RangeError(`an example's C must be positive (got ${e.c})`);
      const scale = e.denseScale ?? 1;
      const row = new Row(e, e.dense ?? null, scale, int32(e.idx), float32(e.val), int32(e.idx2), float32(e.val2), e.y, e.c, 0);
      let sq = this.bias * this.bias;
      if (row.dense) for (let i = 0; i < row.dense.length; i++) sq += (scale * row.dense[i]!) ** 2;
      for (let i = 0; i < row.val.length; i++) sq += row.val[i]! ** 2;
      for (let i = 0; i < row.val2.length; i++) sq += row.val2[i]! ** 2;
      at.push(this.rows.length);
      this.rows.push(new Row(e, row.dense, scale, row.idx, row.val, row.idx2, row.val2, e.y, e.c, sq));
      this.alpha.push(0);
    }
    return at;
  }

  /** Removes the examples at these positions, taking their share out of w. */
  remove(positions: Iterable<number>): void {
    const drop = new Set(positions);
    if (drop.size === 0) return;
    for (const i of drop) {
      const a = this.alpha[i];
      if (a === undefined) throw new RangeError(`no example at ${i}`);
      if (a !== 0) this.step(this.rows[i]!, -a);
    }
    const keep = (_: unknown, i: number) => !drop.has(i);
    this.rows = this.rows.filter(keep);
    this.alpha = this.alpha.filter(keep);
  }

  /** Changes an example's C (a signal that grew stronger, say); its α is clipped to the new bound. */
  setC(position: number, c: number): void {
    const row = this.rows[position]!;
    row.c = c;
    if (this.loss === 'hinge' && this.alpha[position]! > c) {
      this.step(row, c - this.alpha[position]!);
      this.alpha[position] = c;
    }
  }

  /** The dual variable of the example at a position. */
  dual(position: number): number {
    return this.alpha[position]!;
  }

  /** w·x + b·bias. */
  decision(x: Pick<SvmExample, 'dense' | 'denseScale' | 'idx' | 'val' | 'idx2' | 'val2'>): number {
    let s = this.b * this.bias;
    if (x.dense) {
      const scale = x.denseScale ?? 1;
      let d = 0;
      for (let i = 0; i < x.dense.length; i++) d += this.wDense[i]! * x.dense[i]!;
      s += scale * d;
    }
    for (let i = 0; i < x.idx.length; i++) s += this.wSparse[x.idx[i]!]! * x.val[i]!;
    if (x.idx2) for (let i = 0; i < x.idx2.length; i++) s += this.wSparse[x.idx2[i]!]! * x.val2![i]!;
    return s;
  }

  private rowDecision(r: Row): number {
    let s = this.b * this.bias;
    const w = this.wDense;
    const ws = this.wSparse;
    const dense = r.dense;
    if (dense !== null) {
      let d = 0;
      for (let i = 0; i < dense.length; i++) d += w[i]! * dense[i]!;
      s += r.denseScale * d;
    }
    const { idx, val, idx2, val2 } = r;
    for (let i = 0; i < idx.length; i++) s += ws[idx[i]!]! * val[i]!;
    for (let i = 0; i < idx2.length; i++) s += ws[idx2[i]!]! * val2[i]!;
    return s;
  }

  /**
   * Dual coordinate descent from the current α (all 0 for a new machine), until the projected
   * gradients over an epoch span less than the tolerance or maxEpochs passes have run.
   *
   * With liblinear's shrinking: an example at a bound whose gradient points out of the box by
   * more than the last epoch's largest violation (a background paper far on the negative side,
   * typically) is left out of the next passes; once the rest have converged, every example is
   * checked again before stopping, so the answer is the same as without it, only sooner.
   */
  fit(maxEpochs = this.maxEpochs): SvmFit {
    const n = this.rows.length;
    const active = Array.from({ length: n }, (_, i) => i);
    let size = n;
    const squared = this.loss === 'squared_hinge';
    let pgMaxOld = Infinity;
    let pgMinOld = -Infinity;
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      shuffle(active, size, this.random);
      let pgMax = -Infinity;
      let pgMin = Infinity;
      for (let s = 0; s < size; s++) {
        const i = active[s]!;
        const e = this.rows[i]!;
        const a = this.alpha[i]!;
        const upper = squared ? Infinity : e.c;
        const diag = squared ? 0.5 / e.c : 0;
        const g = e.y * this.rowDecision(e) - 1 + diag * a;
        let pg = 0;
        if (a === 0) {
          if (g > pgMaxOld) {
            size--;
            [active[s], active[size]] = [active[size]!, active[s]!];
            s--;
            continue;
          }
          if (g < 0) pg = g;
        } else if (a === upper) {
          if (g < pgMinOld) {
            size--;
            [active[s], active[size]] = [active[size]!, active[s]!];
            s--;
            continue;
          }
          if (g > 0) pg = g;
        } else pg = g;
        pgMax = Math.max(pgMax, pg);
        pgMin = Math.min(pgMin, pg);
        if (Math.abs(pg) > 1e-12) {
          const next = Math.min(Math.max(a - g / (e.sqNorm + diag), 0), upper);
          if (next !== a) {
            this.step(e, next - a);
            this.alpha[i] = next;
          }
        }
      }
      if (size === 0 || pgMax - pgMin <= this.tolerance) {
        if (size === n) return { epochs: epoch, converged: true };
        // Converged on the active set: look at every example once more before stopping.
        size = n;
        pgMaxOld = Infinity;
        pgMinOld = -Infinity;
        continue;
      }
      pgMaxOld = pgMax > 0 ? pgMax : Infinity;
      pgMinOld = pgMin < 0 ? pgMin : -Infinity;
    }
    return { epochs: maxEpochs, converged: false };
  }

  /** The primal objective at the current w: what fit minimises (for checks). */
  objective(): number {
    let reg = this.b * this.b;
    for (const w of this.wDense) reg += w * w;
    for (const w of this.wSparse) reg += w * w;
    let loss = 0;
    for (const e of this.rows) {
      const margin = Math.max(0, 1 - e.y * this.rowDecision(e));
      loss += e.c * (this.loss === 'squared_hinge' ? margin * margin : margin);
    }
    return 0.5 * reg + loss;
  }

  /** w += delta · y · x. */
  private step(r: Row, delta: number): void {
    const f = delta * r.y;
    const dense = r.dense;
    if (dense !== null) {
      const s = f * r.denseScale;
      const w = this.wDense;
      for (let i = 0; i < dense.length; i++) w[i]! += s * dense[i]!;
    }
    const ws = this.wSparse;
    const { idx, val, idx2, val2 } = r;
    for (let i = 0; i < idx.length; i++) ws[idx[i]!]! += f * val[i]!;
    for (let i = 0; i < idx2.length; i++) ws[idx2[i]!]! += f * val2[i]!;
    this.b += f * this.bias;
  }
}

/**
 * C per example for scikit-learn's class_weight='balanced': each class weighs n / (2 · its count),
 * so both classes carry the same total weight however few the positives are.
 */
export function balancedC(labels: ArrayLike<1 | -1>, c: number): number[] {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;
  const negatives = labels.length - positives;
  const weight = (y: 1 | -1) => labels.length / (2 * (y === 1 ? positives : negatives));
  return Array.from({ length: labels.length }, (_, i) => c * weight(labels[i]!));
}

/** Shuffles the first n entries of a in place. */
function shuffle(a: number[], n: number, random: () => number): void {
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}

/** mulberry32: the same seed visits examples in the same order on every machine. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
