// The sparse side of a paper for the per-reader models: tf-idf over the words of its title and
// abstract (sublinear tf × smoothed idf, at unit length), and its authors as hashed ids.
//
// Two analyzers. 'stems' is Paperboy's own (search/tokenize.ts, which the LSA model reads too:
// lower-case Porter stems without stop words), so a hub's LSA model already holds a vocabulary and
// idf for it (termSpaceFromLsa). 'words' is scikit-learn's TfidfVectorizer as arxiv-sanity-lite
// configures it (accents stripped, lower case, tokens /\b[a-zA-Z_][a-zA-Z0-9_]+\b/, English stop
// words dropped), for the baseline in bench/eval-recommend.ts. Either can add bigrams (pairs of
// neighbouring kept tokens, as scikit-learn forms them after dropping stop words).
import { createRequire } from 'node:module';
import type { LsaModel } from '../search/embedders/lsa.ts';
import { tokenize } from '../search/tokenize.ts';
import { normalizeAuthorName } from '../paper/text.ts';

export interface SparseVector {
  /** Distinct ids, ascending. */
  idx: Int32Array;
  val: Float32Array;
}

export const EMPTY_SPARSE: SparseVector = Object.freeze({ idx: new Int32Array(0), val: new Float32Array(0) });

export type Analyzer = 'stems' | 'words';

export interface AnalyzerOptions {
  analyzer?: Analyzer;
  /** 1: words alone; 2: words and bigrams. Default 1. */
  ngrams?: 1 | 2;
}

export interface TermSpaceOptions extends AnalyzerOptions {
  /** Terms in fewer documents are dropped. Default 2. */
  minDf?: number;
  /** Terms in more than this share of documents are dropped. Default 0.5. */
  maxDfRatio?: number;
  /** At most this many terms; which ones, see `keep`. Default 60000. */
  maxTerms?: number;
  /** 'df': those in the most documents; 'frequency': the most occurrences (scikit-learn's max_features). Default 'df'. */
  keep?: 'df' | 'frequency';
}

/** A vocabulary with its idf: turns a text's terms into a unit-length tf-idf vector. */
export class TermSpace {
  readonly index: ReadonlyMap<string, number>;

  constructor(
    readonly terms: readonly string[],
    readonly idf: Float32Array,
    readonly analyzer: Required<AnalyzerOptions>,
  ) {
    this.index = new Map(terms.map((t, i) => [t, i]));
  }

  get size(): number {
    return this.terms.length;
  }

  /** The text's tf-idf vector (sublinear tf), at unit length; empty when no term is known. */
  vectorize(text: string): SparseVector {
    return this.vectorizeTerms(analyze(text, this.analyzer));
  }

  vectorizeTerms(terms: readonly string[]): SparseVector {
    const counts = new Map<number, number>();
    for (const t of terms) {
      const id = this.index.get(t);
      if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    if (counts.size === 0) return EMPTY_SPARSE;
    const idx = Int32Array.from(counts.keys()).sort();
    const val = new Float32Array(idx.length);
    let norm = 0;
    for (let i = 0; i < idx.length; i++) {
      const w = (1 + Math.log(counts.get(idx[i]!)!)) * this.idf[idx[i]!]!;
      val[i] = w;
      norm += w * w;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < val.length; i++) val[i]! *= inv;
    return { idx, val };
  }
}

/** The terms of a text as an analyzer sees them, bigrams included when asked for. */
export function analyze(text: string, options: AnalyzerOptions = {}): string[] {
  const tokens = options.analyzer === 'words' ? wordTokens(text) : tokenize(text);
  if ((options.ngrams ?? 1) === 1) return tokens;
  const out = tokens.slice();
  for (let i = 0; i + 1 < tokens.length; i++) out.push(`${tokens[i]} ${tokens[i + 1]}`);
  return out;
}

/** Fits a vocabulary and idf to documents given as their terms (analyze's output): one pass. */
export function fitTermSpace(documents: Iterable<readonly string[]>, options: TermSpaceOptions = {}): TermSpace {
  const { minDf = 2, maxDfRatio = 0.5, maxTerms = 60_000, keep = 'df' } = options;
  const df = new Map<string, number>();
  const frequency = new Map<string, number>();
  let docs = 0;
  for (const terms of documents) {
    docs++;
    for (const t of terms) frequency.set(t, (frequency.get(t) ?? 0) + 1);
    for (const t of new Set(terms)) df.set(t, (df.get(t) ?? 0) + 1);
  }
  // As in the LSA model: a tiny corpus would otherwise lose every term to the ratio.
  const maxDf = Math.max(minDf, Math.floor(maxDfRatio * docs));
  let kept = [...df].filter(([, n]) => n >= minDf && n <= maxDf).map(([t]) => t);
  if (kept.length > maxTerms) {
    const by = keep === 'frequency' ? frequency : df;
    kept = kept.sort((a, b) => by.get(b)! - by.get(a)! || (a < b ? -1 : 1)).slice(0, maxTerms);
  }
  kept.sort();
  const idf = Float32Array.from(kept, (t) => Math.log((docs + 1) / (df.get(t)! + 1)) + 1);
  return new TermSpace(kept, idf, { analyzer: options.analyzer ?? 'stems', ngrams: options.ngrams ?? 1 });
}

/** The LSA model's own vocabulary and idf (stems, no bigrams): a hub with a model needs no second fit. */
export function termSpaceFromLsa(model: LsaModel): TermSpace {
  return new TermSpace(model.data.terms, model.data.idf, { analyzer: 'stems', ngrams: 1 });
}

/**
 * For explanations: each term of a text (as the analyzer makes them) with the words it came from
 * there, so a stem like "diffus" reads as "diffusion" and a bigram as its two words.
 */
export function surfaceForms(text: string, options: AnalyzerOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  const pairs: { term: string; word: string }[] = [];
  for (const word of splitWords(text, options.analyzer ?? 'stems')) {
    const term = options.analyzer === 'words' ? wordTokens(word)[0] : stemOf(word);
    if (term === undefined) continue;
    pairs.push({ term, word });
    if (!out.has(term)) out.set(term, word.toLowerCase());
  }
  if ((options.ngrams ?? 1) === 2) {
    for (let i = 0; i + 1 < pairs.length; i++) {
      const key = `${pairs[i]!.term} ${pairs[i + 1]!.term}`;
      if (!out.has(key)) out.set(key, `${pairs[i]!.word} ${pairs[i + 1]!.word}`.toLowerCase());
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Authors: hashed, so any hub (and any reader's model) can use them without a vocabulary.

/** A name's id: FNV-1a over its normalised spelling, so "José Pérez" and "Jose Perez" meet. */
export function authorId(name: string): number {
  const key = normalizeAuthorName(name);
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Distinct author ids of a paper, in author order. */
export function authorIds(authors: readonly string[] | undefined): Uint32Array {
  const seen = new Set<number>();
  for (const a of authors ?? []) if (normalizeAuthorName(a) !== '') seen.add(authorId(a));
  return Uint32Array.from(seen);
}

// ---------------------------------------------------------------------------------------------
// The 'words' analyzer: scikit-learn's default English analysis, as arxiv-sanity-lite uses it.

const { eng: ENGLISH } = createRequire(import.meta.url)('stopword') as { eng: string[] };
const ENGLISH_STOPWORDS = new Set(ENGLISH);
const SKLEARN_TOKEN = /\b[a-zA-Z_][a-zA-Z0-9_]+\b/g;

function wordTokens(text: string): string[] {
  const plain = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  return (plain.match(SKLEARN_TOKEN) ?? []).filter((t) => !ENGLISH_STOPWORDS.has(t));
}

// One word's stem as search/tokenize.ts makes it (undefined for a dropped word), remembered: an
// explanation looks at every word of a paper, and papers reuse a small vocabulary.
const STEMS = new Map<string, string | undefined>();
const MAX_STEMS = 200_000;

function stemOf(word: string): string | undefined {
  const key = word.toLowerCase();
  if (STEMS.has(key)) return STEMS.get(key);
  if (STEMS.size >= MAX_STEMS) STEMS.clear();
  const stem = tokenize(key)[0];
  STEMS.set(key, stem);
  return stem;
}

// search/tokenize.ts drops LaTeX command names and splits on anything not a letter or digit.
const LATEX_COMMAND = /\\[a-zA-Z]+/g;
const STEM_WORD = /[\p{L}\p{N}]+/gu;

function splitWords(text: string, analyzer: Analyzer): string[] {
  if (analyzer === 'words') return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').match(SKLEARN_TOKEN) ?? [];
  return text.replace(LATEX_COMMAND, ' ').match(STEM_WORD) ?? [];
}
