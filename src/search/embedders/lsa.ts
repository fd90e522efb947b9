// The built-in embedder: latent semantic analysis trained on the hub's own abstracts, so semantic
// search works with nothing to download. Training weights a document × term matrix (sublinear TF ×
// IDF, rows at unit length) and keeps its top right singular vectors; embedding a text projects its
// weighted term vector onto them, so words that co-occur across the corpus land close together.
import { open, readFile, rename } from 'node:fs/promises';
import { tokenize } from '../tokenize.ts';
import { normalize, type EmbedRole, type Embedder, type ProgressFn } from './types.ts';

export interface LsaOptions {
  /** Wanted vector length; fewer when the corpus has fewer documents or terms. Default 256. */
  dimensions?: number;
  /** Terms in fewer documents than this are dropped. Default 2. */
  minDf?: number;
  /** Terms in more than this share of documents are dropped. Default 0.5. */
  maxDfRatio?: number;
  /** The most terms kept, those in the most documents. Default 60000. */
  maxVocabulary?: number;
  /** Extra random directions in the SVD sketch. Default 10. */
  oversample?: number;
  /** Power-iteration rounds in the SVD; each sharpens the sketch. Default 2. */
  powerIterations?: number;
  /** Seed of the random sketch: the same corpus and seed give the same model. Default 42. */
  seed?: number;
  /** See LsaModel.alpha. Default 0. */
  alpha?: number;
  onProgress?: ProgressFn;
}

/** Everything a trained model is; what saveLsa writes and loadLsa reads. */
export interface LsaModelData {
  /** Stemmed terms; a term's index is its row in `vectors`. */
  terms: string[];
  idf: Float32Array;
  /** terms.length × dimensions, row-major: the right singular vectors, one column each. */
  vectors: Float32Array;
  /** The singular values, largest first, one per dimension. */
  sigma: Float32Array;
  trainedDocs: number;
  alpha: number;
}

export class LsaModel implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  readonly vocabulary: number;
  readonly trainedDocs: number;
  /**
   * Each dimension is scaled by σ^-alpha before the final normalisation: 0 compares texts by their
   * plain projection, 1 weighs every latent topic alike, 0.5 sits between.
   */
  readonly alpha: number;
  readonly data: Readonly<LsaModelData>;
  private readonly termIndex: Map<string, number>;
  private readonly scale: Float64Array;

  constructor(data: LsaModelData) {
    this.data = data;
    this.dimensions = data.sigma.length;
    this.vocabulary = data.terms.length;
    this.trainedDocs = data.trainedDocs;
    this.alpha = data.alpha;
    this.name = `lsa-${this.dimensions}`;
    this.termIndex = new Map(data.terms.map((t, i) => [t, i]));
    this.scale = Float64Array.from(data.sigma, (s) => s ** -data.alpha);
  }

  /** The same model with another alpha; the arrays are shared, not copied. */
  withAlpha(alpha: number): LsaModel {
    return new LsaModel({ ...this.data, alpha });
  }

  // Queries and documents are folded in alike: LSA has no notion of either.
  async embed(texts: string[], _role: EmbedRole): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  private embedOne(text: string): Float32Array {
    const k = this.dimensions;
    const out = new Float32Array(k);
    const ids: number[] = [];
    for (const token of tokenize(text)) {
      const id = this.termIndex.get(token);
      if (id !== undefined) ids.push(id);
    }
    if (ids.length === 0) return out;
    // The term vector is not normalised first: projection is linear and the result is normalised.
    const sum = new Float64Array(k);
    const { vectors, idf } = this.data;
    const counted = countTerms(ids);
    for (let i = 0; i < counted.ids.length; i++) {
      const id = counted.ids[i]!;
      const w = termWeight(counted.counts[i]!, idf[id]!);
      const base = id * k;
      for (let t = 0; t < k; t++) sum[t]! += w * vectors[base + t]!;
    }
    for (let t = 0; t < k; t++) out[t] = sum[t]! * this.scale[t]!;
    return normalize(out);
  }
}

function termWeight(count: number, idf: number): number {
  return (1 + Math.log(count)) * idf;
}

/** Sorts term ids and collapses repeats into counts. */
function countTerms(ids: ArrayLike<number>): { ids: Int32Array; counts: Int32Array } {
  const sorted = Int32Array.from(ids).sort();
  const unique = new Int32Array(sorted.length);
  const counts = new Int32Array(sorted.length);
  let n = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (n > 0 && unique[n - 1] === sorted[i]) counts[n - 1]!++;
    else {
      unique[n] = sorted[i]!;
      counts[n++] = 1;
    }
  }
  return { ids: unique.subarray(0, n), counts: counts.subarray(0, n) };
}

// ---------------------------------------------------------------------------------------------
// Training

export async function trainLsa(docs: AsyncIterable<string> | Iterable<string>, options: LsaOptions = {}): Promise<LsaModel> {
  const { dimensions = 256, minDf = 2, maxDfRatio = 0.5, maxVocabulary = 60_000, oversample = 10, powerIterations = 2, seed = 42, alpha = 0, onProgress } = options;
  const counts = await countCorpus(docs, onProgress);
  const vocab = pruneVocabulary(counts, minDf, maxDfRatio, maxVocabulary);
  if (vocab.terms.length === 0) {
    throw new Error(`Cannot train the LSA model: no word is shared by enough of the ${counts.docs} documents to learn from. Add papers, then run \`paperboy index build\` again.`);
  }
  const matrix = weightMatrix(counts, vocab);
  onProgress?.('weighting', 1, 1);
  const svd = await randomizedSvd(matrix, dimensions, { oversample, powerIterations, seed, onProgress });
  return new LsaModel({ terms: vocab.terms, idf: vocab.idf, vectors: svd.vectors, sigma: Float32Array.from(svd.sigma), trainedDocs: counts.docs, alpha });
}

/** Term counts of every document, read once: an AsyncIterable cannot be read twice. */
interface CorpusCounts {
  docs: number;
  /** Document d's distinct term ids are ids[docPtr[d]..docPtr[d+1]], their counts alongside. */
  docPtr: Int32List;
  ids: Int32List;
  counts: Int32List;
  terms: string[];
  df: number[];
}

async function countCorpus(docs: AsyncIterable<string> | Iterable<string>, onProgress?: ProgressFn): Promise<CorpusCounts> {
  // Total is 0 when the documents arrive as a stream of unknown length.
  const total = Array.isArray(docs) ? docs.length : 0;
  const termIds = new Map<string, number>();
  const c: CorpusCounts = { docs: 0, docPtr: new Int32List(), ids: new Int32List(), counts: new Int32List(), terms: [], df: [] };
  c.docPtr.push(0);
  for await (const doc of docs) {
    const ids = tokenize(doc).map((term) => {
      let id = termIds.get(term);
      if (id === undefined) {
        id = c.terms.length;
        termIds.set(term, id);
        c.terms.push(term);
        c.df.push(0);
      }
      return id;
    });
    const counted = countTerms(ids);
    for (let i = 0; i < counted.ids.length; i++) {
      c.ids.push(counted.ids[i]!);
      c.counts.push(counted.counts[i]!);
      c.df[counted.ids[i]!]!++;
    }
    c.docPtr.push(c.ids.length);
    if (++c.docs % 1000 === 0) {
      onProgress?.('tokenising', c.docs, total);
      await breathe();
    }
  }
  onProgress?.('tokenising', c.docs, total);
  return c;
}

interface Vocabulary {
  terms: string[];
  idf: Float32Array;
  /** Old term id → new one, or -1 for a dropped term. */
  remap: Int32Array;
}

function pruneVocabulary(c: CorpusCounts, minDf: number, maxDfRatio: number, maxVocabulary: number): Vocabulary {
  // A tiny corpus would otherwise lose every term to the ratio (in 3 documents, 0.5 allows only 1).
  const maxDf = Math.max(minDf, Math.floor(maxDfRatio * c.docs));
  let kept = c.df.flatMap((df, id) => (df >= minDf && df <= maxDf ? [id] : []));
  if (kept.length > maxVocabulary) {
    kept = kept.sort((a, b) => c.df[b]! - c.df[a]! || a - b).slice(0, maxVocabulary);
    // Ascending old ids keep each document's new ids sorted, as the sparse rows want them.
    kept.sort((a, b) => a - b);
  }
  const remap = new Int32Array(c.terms.length).fill(-1);
  const idf = new Float32Array(kept.length);
  kept.forEach((oldId, newId) => {
    remap[oldId] = newId;
    idf[newId] = Math.log((c.docs + 1) / (c.df[oldId]! + 1)) + 1;
  });
  return { terms: kept.map((id) => c.terms[id]!), idf, remap };
}

/** A sparse matrix in compressed rows: row r's entries are colIdx/values[rowPtr[r]..rowPtr[r+1]]. */
export interface CsrMatrix {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float32Array;
}

function weightMatrix(c: CorpusCounts, vocab: Vocabulary): CsrMatrix {
  const { remap, idf } = vocab;
  const oldIds = c.ids.data;
  const rowPtr = new Int32Array(c.docs + 1);
  for (let d = 0; d < c.docs; d++) {
    let n = 0;
    for (let e = c.docPtr.data[d]!; e < c.docPtr.data[d + 1]!; e++) if (remap[oldIds[e]!]! >= 0) n++;
    rowPtr[d + 1] = rowPtr[d]! + n;
  }
  const colIdx = new Int32Array(rowPtr[c.docs]!);
  const values = new Float32Array(rowPtr[c.docs]!);
  for (let d = 0; d < c.docs; d++) {
    let e = rowPtr[d]!;
    let norm = 0;
    for (let o = c.docPtr.data[d]!; o < c.docPtr.data[d + 1]!; o++) {
      const id = remap[oldIds[o]!]!;
      if (id < 0) continue;
      const w = termWeight(c.counts.data[o]!, idf[id]!);
      colIdx[e] = id;
      values[e++] = w;
      norm += w * w;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = rowPtr[d]!; i < e; i++) values[i]! *= inv;
  }
  return { rows: c.docs, cols: vocab.terms.length, rowPtr, colIdx, values };
}

/** An Int32Array that grows as it is pushed to; holds the corpus counts without a JS number each. */
class Int32List {
  data = new Int32Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
}

// ---------------------------------------------------------------------------------------------
// Randomized truncated SVD (Halko, Martinsson & Tropp 2011), applied to Aᵀ: the sketch then lives
// in term space (vocabulary × (k+p), at most maxVocabulary rows) however many documents there are,
// and the right singular vectors come out as Q·U without dividing by σ.

export interface SvdOptions {
  oversample: number;
  powerIterations: number;
  seed: number;
  onProgress?: ProgressFn;
}

export interface TruncatedSvd {
  /** Singular values, largest first; components with σ ≈ 0 (beyond the matrix's rank) are left out. */
  sigma: Float64Array;
  /** cols × sigma.length, row-major: the right singular vectors, one column each. */
  vectors: Float32Array;
}

// σ below this share of the largest is rounding noise: the matrix has no more rank to give.
const RANK_TOLERANCE = 1e-6;

export async function randomizedSvd(a: CsrMatrix, k: number, options: SvdOptions): Promise<TruncatedSvd> {
  const { oversample, powerIterations, seed, onProgress } = options;
  const l = Math.min(k + oversample, a.rows, a.cols);
  const steps = powerIterations + 3;
  let step = 0;
  const progress = async (): Promise<void> => {
    onProgress?.('svd', ++step, steps);
    await breathe();
  };

  let y: Float64Array = sketch(a, l, seed);
  let spare: Float64Array = new Float64Array(y.length);
  await progress();
  for (let i = 0; i < powerIterations; i++) {
    orthonormalize(y, spare, a.cols, l);
    multiplyAtA(a, y, spare, l);
    [y, spare] = [spare, y];
    await progress();
  }
  const q = y;
  orthonormalize(q, spare, a.cols, l);
  const eigen = symmetricEigen(projectedGram(a, q, l), l);
  await progress();

  const sigma = eigen.values.map((v) => Math.sqrt(Math.max(v, 0)));
  let rank = 0;
  while (rank < Math.min(k, l) && sigma[rank]! > sigma[0]! * RANK_TOLERANCE) rank++;
  const vectors = multiplyDense(q, eigen.vectors, a.cols, l, rank);
  await progress();
  return { sigma: sigma.slice(0, rank), vectors };
}

/** Y = AᵀΩ for a Gaussian Ω (rows × l), drawn row by row so Ω is never held whole. */
function sketch(a: CsrMatrix, l: number, seed: number): Float64Array {
  const gaussian = gaussianSource(seed);
  const y = new Float64Array(a.cols * l);
  const omega = new Float64Array(l);
  for (let r = 0; r < a.rows; r++) {
    for (let t = 0; t < l; t++) omega[t] = gaussian();
    for (let e = a.rowPtr[r]!; e < a.rowPtr[r + 1]!; e++) {
      const v = a.values[e]!;
      const base = a.colIdx[e]! * l;
      for (let t = 0; t < l; t++) y[base + t]! += v * omega[t]!;
    }
  }
  return y;
}

/** out = AᵀA·q (cols × l, row-major), one document row at a time. */
function multiplyAtA(a: CsrMatrix, q: Float64Array, out: Float64Array, l: number): void {
  out.fill(0);
  const row = new Float64Array(l);
  for (let r = 0; r < a.rows; r++) {
    rowTimes(a, r, q, l, row);
    for (let e = a.rowPtr[r]!; e < a.rowPtr[r + 1]!; e++) {
      const v = a.values[e]!;
      const base = a.colIdx[e]! * l;
      for (let t = 0; t < l; t++) out[base + t]! += v * row[t]!;
    }
  }
}

/** (AQ)ᵀ(AQ), l × l: the small matrix whose eigenvectors rotate Q onto the singular vectors. */
function projectedGram(a: CsrMatrix, q: Float64Array, l: number): Float64Array {
  const g = new Float64Array(l * l);
  const row = new Float64Array(l);
  for (let r = 0; r < a.rows; r++) {
    rowTimes(a, r, q, l, row);
    for (let s = 0; s < l; s++) {
      const rs = row[s]!;
      if (rs === 0) continue;
      for (let t = s; t < l; t++) g[s * l + t]! += rs * row[t]!;
    }
  }
  for (let s = 0; s < l; s++) for (let t = s + 1; t < l; t++) g[t * l + s] = g[s * l + t]!;
  return g;
}

/** out = row r of A times q (cols × l). */
function rowTimes(a: CsrMatrix, r: number, q: Float64Array, l: number, out: Float64Array): void {
  out.fill(0);
  for (let e = a.rowPtr[r]!; e < a.rowPtr[r + 1]!; e++) {
    const v = a.values[e]!;
    const base = a.colIdx[e]! * l;
    for (let t = 0; t < l; t++) out[t]! += v * q[base + t]!;
  }
}

/** The first `keep` columns of q (rows × l) times u (l × l), both row-major, as float32. */
function multiplyDense(q: Float64Array, u: Float64Array, rows: number, l: number, keep: number): Float32Array {
  // u's columns laid out as rows, so each output element is one contiguous dot product.
  const uT = new Float64Array(l * l);
  transpose(u, uT, l, l);
  const out = new Float32Array(rows * keep);
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < keep; t++) out[i * keep + t] = dot(q, i * l, uT, t * l, l);
  }
  return out;
}

// A column that keeps less than this share of its length after projection was already spanned.
const DEPENDENT = 1e-10;
// Rounding leaves a column off-orthogonal by about ε × (its length before / after projection), so
// one that kept less than this share is projected again; the rest are already orthogonal to ~1e-13.
const REPROJECT = 1e-3;

/**
 * Orthonormalises the columns of y (rows × l, row-major) in place by modified Gram–Schmidt.
 * The work happens on a column-major copy in `scratch`, where every column is contiguous.
 * Columns that depend on earlier ones become zero; a column that lost nearly all its length is
 * projected a second time ("twice is enough"), which keeps Q orthogonal when Y is ill-conditioned.
 */
function orthonormalize(y: Float64Array, scratch: Float64Array, rows: number, l: number): void {
  transpose(y, scratch, rows, l);
  for (let i = 0; i < l; i++) {
    const ci = i * rows;
    const original = Math.sqrt(dot(scratch, ci, scratch, ci, rows));
    let norm = Math.sqrt(projectOut(scratch, i, rows));
    if (norm > 0 && norm < original * REPROJECT) norm = Math.sqrt(projectOut(scratch, i, rows));
    const inv = norm > original * DEPENDENT ? 1 / norm : 0;
    for (let x = 0; x < rows; x++) scratch[ci + x]! *= inv;
  }
  transpose(scratch, y, l, rows);
}

/**
 * Subtracts from column i (column-major m) its projections on columns 0..i-1, one after the other,
 * and returns its squared length afterwards. Each sweep also takes the dot product the next step
 * needs, so column i is read once per earlier column rather than twice.
 */
function projectOut(m: Float64Array, i: number, rows: number): number {
  const ci = i * rows;
  let r = dot(m, 0, m, ci, rows);
  for (let j = 0; j < i; j++) r = subtractAndDot(m, ci, r, j * rows, j + 1 < i ? (j + 1) * rows : ci, rows);
  return r;
}

/** m[y..] -= r·m[q..], returning the updated m[y..]·m[next..]; four running sums, as in dot. */
function subtractAndDot(m: Float64Array, y: number, r: number, q: number, next: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let x = 0;
  for (; x + 3 < n; x += 4) {
    const v0 = (m[y + x] = m[y + x]! - r * m[q + x]!);
    const v1 = (m[y + x + 1] = m[y + x + 1]! - r * m[q + x + 1]!);
    const v2 = (m[y + x + 2] = m[y + x + 2]! - r * m[q + x + 2]!);
    const v3 = (m[y + x + 3] = m[y + x + 3]! - r * m[q + x + 3]!);
    s0 += v0 * m[next + x]!;
    s1 += v1 * m[next + x + 1]!;
    s2 += v2 * m[next + x + 2]!;
    s3 += v3 * m[next + x + 3]!;
  }
  for (; x < n; x++) s0 += (m[y + x] = m[y + x]! - r * m[q + x]!) * m[next + x]!;
  return s0 + s1 + s2 + s3;
}

// Four running sums: one would wait on each addition before starting the next.
function dot(a: Float64Array, aOff: number, b: Float64Array, bOff: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[aOff + i]! * b[bOff + i]!;
    s1 += a[aOff + i + 1]! * b[bOff + i + 1]!;
    s2 += a[aOff + i + 2]! * b[bOff + i + 2]!;
    s3 += a[aOff + i + 3]! * b[bOff + i + 3]!;
  }
  for (; i < n; i++) s0 += a[aOff + i]! * b[bOff + i]!;
  return s0 + s1 + s2 + s3;
}

/** out (cols × rows) = in (rows × cols)ᵀ. */
function transpose(input: Float64Array, out: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = input[r * cols + c]!;
}

/**
 * Eigen-decomposition of a symmetric n × n matrix (row-major) by cyclic Jacobi rotations: slow
 * beyond a few hundred rows, but exact to rounding and simple, and ours is (k+p) × (k+p).
 * Returns the eigenvalues largest first, and the eigenvectors as the columns of `vectors`.
 */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (const x of a) total += x * x;

  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off <= total * 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        // The smaller rotation angle; 1/(2θ) where θ² would overflow.
        const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotateColumns(a, n, p, q, c, s);
        rotateRows(a, n, p, q, c, s);
        rotateColumns(v, n, p, q, c, s);
      }
    }
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let r = 0; r < n; r++) vectors[r * n + to] = v[r * n + from]!;
  });
  return { values, vectors };
}

function rotateColumns(m: Float64Array, n: number, p: number, q: number, c: number, s: number): void {
  for (let r = 0; r < n; r++) {
    const mp = m[r * n + p]!;
    const mq = m[r * n + q]!;
    m[r * n + p] = c * mp - s * mq;
    m[r * n + q] = s * mp + c * mq;
  }
}

function rotateRows(m: Float64Array, n: number, p: number, q: number, c: number, s: number): void {
  const rp = p * n;
  const rq = q * n;
  for (let x = 0; x < n; x++) {
    const mp = m[rp + x]!;
    const mq = m[rq + x]!;
    m[rp + x] = c * mp - s * mq;
    m[rq + x] = s * mp + c * mq;
  }
}

/** Standard normal draws from a seeded generator (mulberry32, Box–Muller). */
function gaussianSource(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/** Lets the event loop run (a progress bar repaint, a web request) between long steps. */
function breathe(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// ---------------------------------------------------------------------------------------------
// Model file: "PLSA", the header's byte length (uint32 LE), the JSON header, zero padding to a
// multiple of 4, then the vectors and σ as float32 in the machine's byte order (little-endian on
// every platform Paperboy runs on).

const MAGIC = 'PLSA';
const FORMAT_VERSION = 1;

interface Header {
  version: number;
  dimensions: number;
  alpha: number;
  trainedDocs: number;
  terms: string[];
  idf: number[];
}

export async function saveLsa(model: LsaModel, path: string): Promise<void> {
  const { terms, idf, vectors, sigma, trainedDocs, alpha } = model.data;
  const header: Header = { version: FORMAT_VERSION, dimensions: model.dimensions, alpha, trainedDocs, terms, idf: Array.from(idf) };
  const json = Buffer.from(JSON.stringify(header));
  const start = align4(8 + json.length);
  const file = Buffer.alloc(start + (vectors.length + sigma.length) * 4);
  file.write(MAGIC, 0, 'latin1');
  file.writeUInt32LE(json.length, 4);
  json.copy(file, 8);
  Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength).copy(file, start);
  Buffer.from(sigma.buffer, sigma.byteOffset, sigma.byteLength).copy(file, start + vectors.byteLength);

  // Written aside and renamed into place, so a crash leaves the old model or the new, never half.
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(file);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

export async function loadLsa(path: string): Promise<LsaModel> {
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (err) {
    throw unreadable(path, (err as NodeJS.ErrnoException).code ?? String(err));
  }
  if (file.length < 8 || file.toString('latin1', 0, 4) !== MAGIC) throw unreadable(path, 'not an LSA model file');
  const jsonLength = file.readUInt32LE(4);
  if (8 + jsonLength > file.length) throw unreadable(path, 'the file is truncated');
  let header: Header;
  try {
    header = JSON.parse(file.toString('utf8', 8, 8 + jsonLength)) as Header;
  } catch {
    throw unreadable(path, 'its header is damaged');
  }
  const problem = headerProblem(header);
  if (problem) throw unreadable(path, problem);

  const { dimensions, terms } = header;
  const start = align4(8 + jsonLength);
  const expected = start + (terms.length * dimensions + dimensions) * 4;
  if (file.length !== expected) throw unreadable(path, `it is ${file.length} bytes, not the ${expected} its header promises`);
  // Copied out: the file buffer's offset need not suit a Float32Array view.
  const floats = new Float32Array(file.buffer.slice(file.byteOffset + start, file.byteOffset + expected));
  const vectors = floats.subarray(0, terms.length * dimensions);
  const sigma = floats.subarray(terms.length * dimensions);
  if (!sigma.every((s) => Number.isFinite(s) && s > 0)) throw unreadable(path, 'its singular values are damaged');
  return new LsaModel({ terms, idf: Float32Array.from(header.idf), vectors, sigma, trainedDocs: header.trainedDocs, alpha: header.alpha });
}

function headerProblem(h: Header): string | undefined {
  if (typeof h !== 'object' || h === null) return 'its header is damaged';
  if (h.version !== FORMAT_VERSION) return `it is format version ${String(h.version)}, this Paperboy reads ${FORMAT_VERSION}`;
  if (!Number.isInteger(h.dimensions) || h.dimensions < 1 || !Number.isInteger(h.trainedDocs) || typeof h.alpha !== 'number') return 'its header is damaged';
  if (!Array.isArray(h.terms) || !Array.isArray(h.idf) || h.terms.length !== h.idf.length || h.terms.length === 0) return 'its vocabulary is damaged';
  return undefined;
}

function unreadable(path: string, reason: string): Error {
  return new Error(`Cannot read the LSA model ${path}: ${reason}. Rebuild it with \`paperboy index build\`.`);
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
