// Paperboy's per-reader model: "papers like the ones I keep" learned from what the reader did.
//
// Each reader gets a linear SVM (svm.ts, squared hinge) over three blocks of features of a paper:
// its meaning vector (the hub's LSA embedding, dense), the tf-idf of its title and abstract
// (features.ts, sparse) and its authors (hashed, sparse). Positives are the papers the reader
// saved, upvoted or asked for more like; negatives the ones they marked "not interested" or asked
// for fewer like; and recent papers they did nothing with stand in as background negatives (as
// arxiv-sanity-lite trains its per-tag SVM against every other paper, and Scholar Inbox its
// per-user logistic regression against sampled ones). Classes are balanced the way
// scikit-learn's class_weight='balanced' does; an explicit negative weighs as much as a positive.
//
// On top of the linear score, two nearest-neighbour terms: a candidate closest to one of the
// reader's papers gets `nearestWeight` × that similarity (a reader with two interests is not
// averaged into neither), and one close to a paper they asked to see fewer of loses
// `fewerPenalty` × its similarity above `fewerFloor`, so "fewer like this" bites at once.
//
// Every score can say why: the reader's paper it is most like ("because you saved X"), and the
// words and authors that weighed most in it (model weight × the candidate's value, largest first).
//
// With no history, seeds stand in (a few papers named, an author's papers, a topic query's best
// matches): they train like positives at `seedWeight`, and real signals outweigh them as they come.
// Training again after new signals starts from the last solution (the SVM keeps its dual
// variables), so an update costs a few passes over the reader's examples, not a fresh fit.
import { authorIds, surfaceForms, type SparseVector, type TermSpace } from './features.ts';
import { LinearSvm, type SvmExample, type SvmFit } from './svm.ts';

/** What the model knows of a paper: the same shape for training examples and candidates. */
export interface PaperFeatures {
  key: number;
  /** Its unit-length meaning vector (the hub's embedding), if it has one. */
  vector?: Float32Array;
  /** tf-idf of title and abstract in the model's TermSpace. */
  terms: SparseVector;
  /** authorIds of its authors. */
  authors: Uint32Array;
}

/** The text of a paper, for features and for putting words to an explanation. */
export interface PaperText {
  title: string;
  abstract?: string;
  authors?: readonly string[];
}

export function paperFeatures(key: number, text: PaperText, space: TermSpace, vector?: Float32Array): PaperFeatures {
  return { key, vector, terms: space.vectorize(`${text.title}. ${text.abstract ?? ''}`), authors: authorIds(text.authors) };
}

export type PositiveKind = 'saved' | 'upvoted' | 'more' | 'seed';
export type NegativeKind = 'fewer' | 'not-interested';
export type SignalKind = PositiveKind | NegativeKind;

export interface Signal {
  key: number;
  kind: SignalKind;
  /** When it was given (ms since the epoch): with halfLifeDays, older positives weigh less. */
  at?: number;
  /** A seed's origin, for explanations: 'author:Jane Doe', 'query:speech synthesis', 'paper'. */
  source?: string;
}

export function isPositive(kind: SignalKind): kind is PositiveKind {
  return kind === 'saved' || kind === 'upvoted' || kind === 'more' || kind === 'seed';
}

export interface ModelOptions {
  /** The SVM's C (before class balancing). */
  c: number;
  /** Scale of each feature block: how much the meaning vector, the words and the authors count. */
  denseScale: number;
  termScale: number;
  authorScale: number;
  /** A seed (pseudo-positive) weighs this much of a real positive. */
  seedWeight: number;
  /** An explicit negative weighs this much of a positive. */
  negativeWeight: number;
  /** A positive this many days older than the newest weighs half as much; 0: all alike. */
  halfLifeDays: number;
  /** Added: this × the similarity of the closest positive. */
  nearestWeight: number;
  /** Taken off: this × how far the similarity to the closest "fewer like this" paper exceeds fewerFloor. */
  fewerPenalty: number;
  fewerFloor: number;
  /** The SVM's stopping tolerance and most passes. */
  tolerance: number;
  maxEpochs: number;
}

/**
 * Chosen on the validation split of bench/eval-recommend.ts (in each reader's training 80%, the
 * last 20% held out, the model trained on the 64% before it), never on the held-out test 20%. Its
 * grid was flat (nDCG@20 0.934–0.947 over C 0.01–1, block scales 0–3, background 500–all):
 * denseScale 0.5 sits 0.002 below the best cell (0 or 0.25) and keeps the meaning vector, which
 * papers by authors the reader has not met lean on; closeness to positives (nearestWeight) and
 * ageing (halfLifeDays) only lost; tolerances 0.001–0.1 ranked alike. The "fewer like this" terms
 * could not be tuned there (the data has no negatives) and are set by the synthetic tests.
 */
export const DEFAULT_MODEL_OPTIONS: Readonly<ModelOptions> = Object.freeze({
  c: 0.1,
  denseScale: 0.5,
  termScale: 1,
  authorScale: 1,
  seedWeight: 0.5,
  negativeWeight: 1,
  halfLifeDays: 0,
  nearestWeight: 0,
  fewerPenalty: 1,
  fewerFloor: 0.3,
  tolerance: 0.05,
  maxEpochs: 200,
});

/** How many recent papers a reader's model trains against (validation: 500 ≈ 1000 ≈ all, and cheapest). */
export const DEFAULT_BACKGROUND = 500;

/** A candidate and its score. */
export interface Scored {
  key: number;
  score: number;
}

export interface Explanation {
  /** The reader's paper this one is most like (by meaning vector; by words where there are none). */
  because?: { key: number; kind: PositiveKind; similarity: number; source?: string };
  /** The "fewer like this" paper it is closest to, when that took points off. */
  lessLike?: { key: number; kind: NegativeKind; similarity: number };
  /** The words and authors that weighed most for it: model weight × its value there, largest first. */
  words: { term: string; label: string; weight: number; author?: boolean }[];
}

interface Member {
  key: number;
  kind: SignalKind | 'background';
  at?: number;
  source?: string;
  features: PaperFeatures;
}

/**
 * What every reader's model shares: the vocabulary, the options, and each paper's words as the SVM
 * sees them (built once per paper, however many readers train on it).
 */
export class ModelContext {
  readonly options: ModelOptions;
  private readonly examples = new WeakMap<PaperFeatures, Pick<SvmExample, 'dense' | 'denseScale' | 'idx' | 'val'>>();

  constructor(
    readonly space: TermSpace,
    readonly dimensions: number,
    options: Partial<ModelOptions> = {},
  ) {
    this.options = { ...DEFAULT_MODEL_OPTIONS, ...options };
  }

  /** A paper's meaning vector and words, scaled; its authors are added per model. */
  shared(f: PaperFeatures): Pick<SvmExample, 'dense' | 'denseScale' | 'idx' | 'val'> {
    let e = this.examples.get(f);
    if (!e) {
      const { termScale, denseScale } = this.options;
      const val = Float32Array.from(f.terms.val, (v) => termScale * v);
      e = f.vector ? { dense: f.vector, denseScale, idx: f.terms.idx, val } : { idx: f.terms.idx, val };
      this.examples.set(f, e);
    }
    return e;
  }
}

export interface TrainInput {
  signals: readonly Signal[];
  /** Recent papers, as background negatives (the reader's own papers among them are skipped). */
  background: readonly PaperFeatures[];
  /** Features of the signals' papers; a signal whose paper has none is left out. */
  featuresOf: (key: number) => PaperFeatures | undefined;
  /** The instant positives' ages are counted from (default: the newest signal's). */
  now?: number;
}

export class ReaderModel {
  private readonly svm: LinearSvm;
  private members: Member[] = [];
  private positives: Member[] = [];
  private negatives: Member[] = [];
  private positiveVectors: Float32Array = new Float32Array(0);
  private negativeVectors: Float32Array = new Float32Array(0);
  private own = new Set<number>();
  /** How the last training went (passes over the examples, and whether it met the tolerance). */
  lastFit: SvmFit = { epochs: 0, converged: true };
  /** Author id → its weight's position, after the vocabulary's: only authors this reader's examples have. */
  private readonly authorSlots = new Map<number, number>();

  private constructor(readonly context: ModelContext) {
    const { tolerance, maxEpochs } = context.options;
    this.svm = new LinearSvm({ denseDimensions: context.dimensions, sparseDimensions: context.space.size, loss: 'squared_hinge', tolerance, maxEpochs });
  }

  /** A model trained on a reader's signals; `trained` is false when there is no positive to learn from. */
  static train(context: ModelContext, input: TrainInput): ReaderModel {
    const model = new ReaderModel(context);
    model.update(input);
    return model;
  }

  get trained(): boolean {
    return this.positives.length > 0;
  }

  /** How many of the reader's papers (positives and seeds) it learned from. */
  get positiveCount(): number {
    return this.positives.length;
  }

  /** Papers the reader gave a signal on (recommendations leave them out). */
  has(key: number): boolean {
    return this.own.has(key);
  }

  /**
   * Brings the model up to date with the reader's signals and background now: examples no longer
   * there go (their share taken out of the weights), new ones come in, every C is re-balanced,
   * and coordinate descent resumes from the previous solution.
   */
  update(input: TrainInput): SvmFit {
    const wanted = new Map<number, Member>();
    for (const s of input.signals) {
      const features = input.featuresOf(s.key);
      // A later signal on the same paper wins (an upvote after "fewer like this" means more).
      if (features) wanted.set(s.key, { key: s.key, kind: s.kind, at: s.at, source: s.source, features });
    }
    for (const f of input.background) if (!wanted.has(f.key)) wanted.set(f.key, { key: f.key, kind: 'background', features: f });

    const stale: number[] = [];
    const kept = new Map<number, Member>();
    this.members.forEach((m, i) => {
      const w = wanted.get(m.key);
      // Same paper on the same side: it keeps its α (its kind may move, upvoted to saved, say).
      if (w && w.features === m.features && role(w.kind) === role(m.kind)) kept.set(m.key, w);
      else stale.push(i);
    });
    this.svm.remove(stale);
    this.members = this.members.filter((m) => kept.has(m.key)).map((m) => kept.get(m.key)!);
    const added = [...wanted.values()].filter((m) => !kept.has(m.key));
    const examples = added.map((m): SvmExample => ({ ...this.context.shared(m.features), ...this.authorBlock(m.features), y: role(m.kind) === 'positive' ? 1 : -1, c: 1 }));
    this.svm.growSparse(this.context.space.size + this.authorSlots.size);
    this.svm.add(examples);
    this.members.push(...added);

    this.positives = this.members.filter((m) => m.kind !== 'background' && isPositive(m.kind));
    this.negatives = this.members.filter((m) => m.kind === 'fewer' || m.kind === 'not-interested');
    this.own = new Set(this.members.filter((m) => m.kind !== 'background').map((m) => m.key));
    this.positiveVectors = stack(this.positives, this.context.dimensions);
    this.negativeVectors = stack(this.negatives, this.context.dimensions);
    if (this.positives.length === 0) return (this.lastFit = { epochs: 0, converged: true });

    this.balance(input.now ?? input.signals.reduce((latest, s) => Math.max(latest, s.at ?? 0), 0));
    return (this.lastFit = this.svm.fit());
  }

  /** A paper's authors at this model's slots (new ones given one), each at authorScale / √(authors). */
  private authorBlock(f: PaperFeatures): Pick<SvmExample, 'idx2' | 'val2'> {
    if (f.authors.length === 0) return {};
    const idx2 = new Int32Array(f.authors.length);
    f.authors.forEach((a, i) => {
      let slot = this.authorSlots.get(a);
      if (slot === undefined) this.authorSlots.set(a, (slot = this.context.space.size + this.authorSlots.size));
      idx2[i] = slot;
    });
    return { idx2, val2: new Float32Array(f.authors.length).fill(this.context.options.authorScale / Math.sqrt(f.authors.length)) };
  }

  /** C per example: positives and background each carry half the total weight, as 'balanced' does. */
  private balance(now: number): void {
    const { c, seedWeight, negativeWeight, halfLifeDays } = this.context.options;
    const weightOf = (m: Member) => {
      let w = m.kind === 'seed' ? seedWeight : 1;
      if (halfLifeDays > 0 && m.at !== undefined && now > m.at) w *= 0.5 ** ((now - m.at) / (halfLifeDays * 86_400_000));
      return Math.max(w, 1e-3);
    };
    const n = this.members.length;
    const positiveTotal = this.positives.reduce((s, m) => s + weightOf(m), 0);
    const background = this.members.filter((m) => m.kind === 'background').length;
    const perPositive = (c * n) / (2 * positiveTotal);
    const perBackground = background > 0 ? (c * n) / (2 * background) : 0;
    this.members.forEach((m, i) => {
      const ci = m.kind === 'background' ? perBackground : isPositive(m.kind) ? perPositive * weightOf(m) : perPositive * negativeWeight;
      this.svm.setC(i, ci);
    });
  }

  /** The model's score of a paper: higher is more the reader's. */
  score(f: PaperFeatures): number {
    return this.linear(f) + this.neighbours(f);
  }

  /** The SVM's decision value: w · x + b over the three blocks. */
  private linear(f: PaperFeatures): number {
    const { termScale, authorScale, denseScale } = this.context.options;
    const svm = this.svm;
    let s = svm.b * svm.bias;
    const v = f.vector;
    if (v) {
      const w = svm.wDense;
      let d = 0;
      for (let i = 0; i < v.length; i++) d += w[i]! * v[i]!;
      s += denseScale * d;
    }
    const { idx, val } = f.terms;
    const ws = svm.wSparse;
    let t = 0;
    for (let i = 0; i < idx.length; i++) t += ws[idx[i]!]! * val[i]!;
    s += termScale * t;
    const authors = f.authors;
    if (authors.length > 0) {
      let a = 0;
      for (let i = 0; i < authors.length; i++) {
        const slot = this.authorSlots.get(authors[i]!);
        if (slot !== undefined) a += ws[slot]!;
      }
      s += (authorScale * a) / Math.sqrt(authors.length);
    }
    return s;
  }

  /** The nearest-neighbour terms: + nearestWeight × the closest positive, − the "fewer like this" penalty. */
  private neighbours(f: PaperFeatures): number {
    const { nearestWeight, fewerPenalty, fewerFloor } = this.context.options;
    const v = f.vector;
    if (!v) return 0;
    let s = 0;
    if (nearestWeight !== 0 && this.positiveVectors.length > 0) s += nearestWeight * nearest(this.positiveVectors, v).similarity;
    if (fewerPenalty !== 0 && this.negativeVectors.length > 0) s -= fewerPenalty * Math.max(0, nearest(this.negativeVectors, v).similarity - fewerFloor);
    return s;
  }

  /**
   * The best `limit` candidates, best first; the reader's own papers are left out. The linear
   * score is taken of every candidate; the nearest-neighbour terms, which cost a pass over the
   * reader's papers each, only of those that could still make the list: the penalty never adds,
   * and the closeness bonus adds at most nearestWeight (unit vectors), so once a candidate's linear
   * score plus that falls below the last of the best so far, none after it can enter.
   */
  rank(candidates: readonly PaperFeatures[], limit: number): Scored[] {
    if (!this.trained || limit <= 0) return [];
    const linear: { f: PaperFeatures; score: number }[] = [];
    for (const f of candidates) if (!this.own.has(f.key)) linear.push({ f, score: this.linear(f) });
    const { nearestWeight, fewerPenalty } = this.context.options;
    const adjusts = (nearestWeight !== 0 && this.positiveVectors.length > 0) || (fewerPenalty !== 0 && this.negativeVectors.length > 0);
    if (!adjusts) return topK(linear.map(({ f, score }) => ({ key: f.key, score })), limit);
    linear.sort((a, b) => b.score - a.score || a.f.key - b.f.key);
    const bonus = Math.max(0, nearestWeight);
    const best: Scored[] = [];
    let floor = -Infinity;
    for (const { f, score } of linear) {
      if (best.length >= limit && score + bonus < floor) break;
      best.push({ key: f.key, score: score + this.neighbours(f) });
      if (best.length >= limit) {
        topK(best, limit);
        best.length = limit;
        floor = best[limit - 1]!.score;
      }
    }
    return topK(best, limit);
  }

  /**
   * Why a paper scores as it does. `text` (the candidate's title, abstract and authors) turns
   * stems back into the words it used and author ids into names; without it terms are shown as stems.
   */
  explain(f: PaperFeatures, text?: PaperText, words = 5): Explanation {
    const out: Explanation = { words: [] };
    const closest = this.closestPositive(f);
    if (closest) out.because = { key: closest.member.key, kind: closest.member.kind as PositiveKind, similarity: closest.similarity, ...(closest.member.source ? { source: closest.member.source } : {}) };
    if (f.vector && this.negativeVectors.length > 0) {
      const n = nearest(this.negativeVectors, f.vector);
      if (n.similarity > this.context.options.fewerFloor) out.lessLike = { key: this.negatives[n.index]!.key, kind: this.negatives[n.index]!.kind as NegativeKind, similarity: n.similarity };
    }

    const { termScale, authorScale } = this.context.options;
    const ws = this.svm.wSparse;
    const space = this.context.space;
    const contributions: Explanation['words'] = [];
    f.terms.idx.forEach((id, i) => {
      const weight = termScale * ws[id]! * f.terms.val[i]!;
      if (weight > 0) contributions.push({ term: space.terms[id]!, label: space.terms[id]!, weight });
    });
    const names = new Map((text?.authors ?? []).map((name) => [authorIds([name])[0], name]));
    for (const author of f.authors) {
      const slot = this.authorSlots.get(author);
      const weight = slot === undefined ? 0 : (authorScale * ws[slot]!) / Math.sqrt(f.authors.length);
      const name = names.get(author) ?? `author #${author}`;
      if (weight > 0) contributions.push({ term: `author:${name}`, label: name, weight, author: true });
    }
    out.words = contributions.sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : 1)).slice(0, words);
    // Stems back into the words this paper used ("diffus" → "diffusion"), for the chosen few only.
    if (text && out.words.some((w) => !w.author)) {
      const surface = surfaceForms(`${text.title}. ${text.abstract ?? ''}`, space.analyzer);
      for (const w of out.words) if (!w.author) w.label = surface.get(w.term) ?? w.term;
    }
    return out;
  }

  private closestPositive(f: PaperFeatures): { member: Member; similarity: number } | undefined {
    if (this.positives.length === 0) return undefined;
    if (f.vector && this.positiveVectors.length > 0) {
      const n = nearest(this.positiveVectors, f.vector);
      if (n.index >= 0) return { member: this.positives[n.index]!, similarity: n.similarity };
    }
    let best: { member: Member; similarity: number } | undefined;
    for (const m of this.positives) {
      const s = sparseDot(m.features.terms, f.terms);
      if (!best || s > best.similarity) best = { member: m, similarity: s };
    }
    return best;
  }
}

// ---------------------------------------------------------------------------------------------
// Cold start: seeds from a few papers, an author, or a topic.

/** The papers named as seeds, as they are. */
export function seedsFromPapers(keys: readonly number[]): Signal[] {
  return keys.map((key) => ({ key, kind: 'seed', source: 'paper' }));
}

/** An author's papers, newest first (by `at`, then key), as seeds. */
export function seedsFromAuthor(name: string, corpus: readonly (PaperFeatures & { at?: number })[], limit = 10): Signal[] {
  const [id] = authorIds([name]);
  if (id === undefined) return [];
  return corpus
    .filter((f) => f.authors.includes(id))
    .sort((a, b) => (b.at ?? 0) - (a.at ?? 0) || b.key - a.key)
    .slice(0, limit)
    .map((f) => ({ key: f.key, kind: 'seed', source: `author:${name}` }));
}

/**
 * A topic query's best matches as seeds: each paper scored by the mean of its meaning similarity
 * to the query's vector and the cosine of their tf-idf vectors (either alone when the other is
 * missing). Papers matching neither are never seeds.
 */
export function seedsFromQuery(query: string, features: { vector?: Float32Array; terms: SparseVector }, corpus: readonly PaperFeatures[], limit = 10): Signal[] {
  const scored: Scored[] = [];
  const hasTerms = features.terms.idx.length > 0;
  for (const f of corpus) {
    const words = hasTerms ? sparseDot(features.terms, f.terms) : 0;
    const meaning = features.vector && f.vector ? dotF32(features.vector, f.vector) : undefined;
    const score = meaning === undefined ? words : hasTerms ? (meaning + words) / 2 : meaning;
    if (words > 0 || (meaning !== undefined && meaning > 0 && !hasTerms)) scored.push({ key: f.key, score });
  }
  return topK(scored, limit).map((s) => ({ key: s.key, kind: 'seed', source: `query:${query}` }));
}

// ---------------------------------------------------------------------------------------------

function role(kind: SignalKind | 'background'): 'positive' | 'negative' | 'background' {
  return kind === 'background' ? 'background' : isPositive(kind) ? 'positive' : 'negative';
}

function stack(members: Member[], dimensions: number): Float32Array {
  const withVectors = members.filter((m) => m.features.vector);
  // Positions must match `members`: a member without a vector gets a zero row.
  if (withVectors.length === 0) return new Float32Array(0);
  const out = new Float32Array(members.length * dimensions);
  members.forEach((m, i) => {
    if (m.features.vector) out.set(m.features.vector.subarray(0, dimensions), i * dimensions);
  });
  return out;
}

/** The row of `rows` (n × v.length) with the largest dot product with v. */
function nearest(rows: Float32Array, v: Float32Array): { index: number; similarity: number } {
  const d = v.length;
  let index = -1;
  let similarity = -Infinity;
  for (let r = 0, base = 0; base < rows.length; r++, base += d) {
    let s = 0;
    for (let i = 0; i < d; i++) s += rows[base + i]! * v[i]!;
    if (s > similarity) {
      similarity = s;
      index = r;
    }
  }
  return { index, similarity };
}

export function sparseDot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.idx.length && j < b.idx.length) {
    const x = a.idx[i]!;
    const y = b.idx[j]!;
    if (x === y) s += a.val[i++]! * b.val[j++]!;
    else if (x < y) i++;
    else j++;
  }
  return s;
}

function dotF32(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The k best by score (ties: smaller key first), best first. */
export function topK(scored: Scored[], k: number): Scored[] {
  return scored.sort((a, b) => b.score - a.score || a.key - b.key).slice(0, k);
}

