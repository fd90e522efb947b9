// The impact index's engine-neutral part, shared by sqlite-keywords.ts and pg-keywords.ts: BM25 as
// FTS5's bm25() computes it, the posting lists' encoding, the generation and the papers changed
// since it was built, and the ranking of posting lists in memory. Each engine reads its
// generations, lists and changed papers from its own tables and tokenizer, and hands them here.
//
// A generation (keyword_generations / keyword_postings) keeps, per term, the keys of the papers
// holding it (ascending) and the term's column-weighted frequency in each. Papers changed since it
// was built (a changed_at other than the one it read) are scored from their text: their entries in
// the generation are marked stale and skipped, and their own frequencies join each term's list
// after the generation's keys, in no order.

import type { KeywordIndexStatus, KeywordRanking } from './store.ts';

/** bm25 column weights: title, abstract, authors. FTS5's bm25() in sqlite.ts uses the same. */
export const COLUMN_WEIGHTS = { title: 4, abstract: 2, authors_text: 1 } as const;
/** FTS5's bm25() constants. */
export const K1 = 1.2;
export const B = 0.75;
/**
 * How far back from the newest stamp seen to look for changed papers: a writer stamps changed_at
 * before its transaction, so a commit may land a little after its stamp. Papers found in that
 * window whose stamp is the one already read are passed over.
 */
const STAMP_MARGIN_MS = 60_000;
/** Changed papers beyond which a rebuild is due, and beyond which scoring them on the fly is too slow to try. */
const REBUILD_SHARE = 0.1;
const REBUILD_MIN = 2_000;
const DELTA_MAX = 50_000;
/** Changed papers read (and tokenized) per query. */
export const CHANGED_BATCH = 500;
/** Below this many papers every word is cheap enough to keep in any-word queries. */
export const PRUNE_ABOVE_PAPERS = 20_000;
/** A word in more than this share of all papers is left out of any-word queries (and not indexed, if a function word). */
export const COMMON_WORD_SHARE = 0.1;
/** The df recorded for a function word left out (too common): a query needing it goes to the database's own full-text search. */
export const NOT_INDEXED = -1;

/**
 * One term's part of one paper's BM25, FTS5's idf · f(k1+1) / (f + k1(1 − b + b·D/avgdl)), written
 * exactly as FTS5's bm25() computes it, so that scores agree to the last bit and ties break alike.
 */
export function bm25(idf: number, f: number, length: number, avgdl: number): number {
  return (idf * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * length) / avgdl));
}

/** FTS5's IDF: never zero or below for a word that occurs, so a very common word still counts a little. */
export function idfOf(df: number, rows: number): number {
  if (df === 0) return 0;
  const idf = Math.log((rows - df + 0.5) / (df + 0.5));
  return idf <= 0 ? 1e-6 : idf;
}

/** Whether a build lists a term as not indexed: a function word in more than a tenth of a large hub's papers. */
export function leftOut(term: string, df: number, rows: number, functionWords: ReadonlySet<string>): boolean {
  return rows >= PRUNE_ABOVE_PAPERS && df > COMMON_WORD_SHARE * rows && functionWords.has(term);
}

/** A ready generation as loaded: its corpus statistics, and each paper's length and stamp as the build read them. */
export interface Generation {
  generation: number;
  builtThrough: string;
  rows: number;
  tokens: number;
  lengths: Uint32Array;
  /** changed_at (ms) of each paper as the generation read it; 0 for a key it does not hold. */
  stamps: Float64Array;
}

/** A keyword_generations row as both engines read it (lengths and stamps as blobs). */
export interface GenerationRow {
  generation: number;
  built_through: string;
  rows: number;
  tokens: number;
  lengths: Buffer;
  stamps: Buffer;
}

/** A paper changed since the generation was built: its stamp, length and term frequencies, read from its text. */
export interface ChangedPaper {
  stamp: number;
  length: number;
  terms: Map<string, number>;
}

/** A term's papers and their frequencies: the generation's keys ascending up to `ascendingUntil`, then changed papers in no order. */
export interface FrequencyList {
  keys: Int32Array;
  freqs: Int32Array;
  ascendingUntil: number;
  idf: number;
}

/**
 * A term's contribution to the score of each paper holding it, worked out elsewhere (SQLite's FTS5
 * scores a word it reads as a phrase). Keys ascend up to `ascendingUntil` (the whole list when absent).
 */
export interface ScoredList {
  keys: Int32Array;
  scores: Float64Array;
  ascendingUntil?: number;
}

export type TermList = FrequencyList | ScoredList;

/**
 * The generation, the papers changed since it was built, and the accumulators a ranking uses. An
 * engine's index extends it: it loads generations (useGeneration), looks for changed papers
 * (freshKeys, keepChanged), reads a term's row (listOf) and ranks the lists (rankLists).
 */
export class ImpactIndex {
  protected current?: Generation;
  /** Papers changed since the generation was built, scored from their text. */
  protected changed = new Map<number, ChangedPaper>();
  protected changedPostings = new Map<string, Map<number, number>>();
  /** 1 for keys whose entries in the generation are out of date. */
  protected stale = new Uint8Array(0);
  private changedTokens = 0;
  private changedLengthInGeneration = 0;
  private changedInGeneration = 0;
  /** Papers changed after this (less the margin) are looked for. */
  protected seenThrough = '';
  /** More papers changed than can be scored from text: the database's own search answers until the next build. */
  protected overflow = false;
  private scores = new Float64Array(0);
  private matched = new Uint8Array(0);
  private touched = new Int32Array(0);

  /** Makes a newly built generation the current one, forgetting every changed paper. */
  protected useGeneration(row: GenerationRow): void {
    this.current = { generation: row.generation, builtThrough: row.built_through, rows: row.rows, tokens: row.tokens, lengths: typedCopy(row.lengths, Uint32Array), stamps: typedCopy(row.stamps, Float64Array) };
    this.changed.clear();
    this.changedPostings.clear();
    this.stale = new Uint8Array(this.current.lengths.length);
    this.changedTokens = this.changedLengthInGeneration = this.changedInGeneration = 0;
    this.seenThrough = row.built_through;
    this.overflow = false;
  }

  /** The hub's paper count and length as BM25 reads them now: the generation's, less changed papers' old entries, plus their new ones. */
  protected statistics(): { rows: number; tokens: number; avgdl: number } {
    const generation = this.current!;
    const rows = generation.rows - this.changedInGeneration + this.changed.size;
    const tokens = generation.tokens - this.changedLengthInGeneration + this.changedTokens;
    return { rows, tokens, avgdl: tokens / Math.max(1, rows) };
  }

  /** Where to look for changed papers from: the newest stamp seen, less the margin. */
  protected lookFrom(): string {
    return new Date(Date.parse(this.seenThrough) - STAMP_MARGIN_MS).toISOString();
  }

  /**
   * Of papers (key, changed_at) stamped since lookFrom(), those whose stamp differs from the one the
   * generation or an earlier look read. Undefined, and overflow set, when more papers would then
   * have changed than can be scored from their text.
   */
  protected freshKeys(rows: Iterable<readonly [number, string]>): number[] | undefined {
    const generation = this.current!;
    const fresh: number[] = [];
    for (const [pk, changedAt] of rows) {
      const stamp = Date.parse(changedAt);
      if (this.changed.get(pk)?.stamp === stamp || (pk < generation.stamps.length && generation.stamps[pk] === stamp)) continue;
      fresh.push(pk);
    }
    if (this.changed.size + fresh.length > DELTA_MAX) {
      this.overflow = true;
      return undefined;
    }
    return fresh;
  }

  /**
   * Keeps a changed paper's term frequencies in place of what an earlier look kept of it; the first
   * time, when the generation holds the paper (`inGeneration`), its entries there are marked out of date.
   */
  protected keepChanged(key: number, paper: ChangedPaper, inGeneration: boolean): void {
    const generation = this.current!;
    const previous = this.changed.get(key);
    if (previous) {
      this.changedTokens -= previous.length;
      for (const term of previous.terms.keys()) this.changedPostings.get(term)?.delete(key);
    } else if (inGeneration) {
      this.stale[key] = 1;
      this.changedInGeneration++;
      this.changedLengthInGeneration += generation.lengths[key]!;
    }
    this.changed.set(key, paper);
    this.changedTokens += paper.length;
    for (const [term, f] of paper.terms) {
      let postings = this.changedPostings.get(term);
      if (!postings) this.changedPostings.set(term, (postings = new Map()));
      postings.set(key, f);
    }
  }

  /**
   * A term's papers: the generation's (keys ascending, from its keyword_postings row) less
   * out-of-date ones, then the changed papers holding it, with its IDF now. Undefined for a
   * function word the generation left out.
   */
  protected listOf(term: string, row: { df: number; data: Buffer } | undefined): FrequencyList | undefined {
    if (row?.df === NOT_INDEXED) return undefined;
    const extra = this.changedPostings.get(term);
    const capacity = (row?.df ?? 0) + (extra?.size ?? 0);
    const keys = new Int32Array(capacity);
    const freqs = new Int32Array(capacity);
    let n = row ? decodePostings(row.data, this.stale, keys, freqs) : 0;
    const ascendingUntil = n;
    if (extra) for (const [key, f] of extra) { keys[n] = key; freqs[n++] = f; }
    return { keys: keys.subarray(0, n), freqs: freqs.subarray(0, n), ascendingUntil, idf: idfOf(n, this.statistics().rows) };
  }

  /**
   * Ranks the papers holding any of the lists' terms (or all of them, with `all`) by the sum of
   * their parts, leaving out `hidden` ones. With `only`, just those papers are ranked, in any order,
   * each scored by the lists (one that none holds scores 0), and `all` does not apply. scoreOf
   * scores any paper from the lists; with `zeroHidden` a hidden one (and one not in `only`) scores 0.
   */
  protected rankLists(lists: TermList[], options: { limit: number; all?: boolean; hidden: Set<number>; only?: number[]; zeroHidden?: boolean }): KeywordRanking {
    const generation = this.current!;
    const { avgdl } = this.statistics();
    let size = Math.max(generation.lengths.length, this.maxChangedKey() + 1);
    for (const key of options.only ?? []) if (key >= size) size = key + 1;
    this.ensureCapacity(size);

    // Each term's part of each paper's score, added to the shared accumulator as the list is read;
    // scoreOf works one paper's out from the lists.
    const scores = this.scores;
    const matched = this.matched;
    const lengths = generation.lengths;
    const changed = this.changed;
    let touched = 0;
    for (const list of lists) {
      const { keys } = list;
      if (touched + keys.length > this.touched.length) this.growTouched(touched + keys.length);
      const touchedKeys = this.touched;
      if ('freqs' in list) {
        const { freqs, idf, ascendingUntil } = list;
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i]!;
          const length = i < ascendingUntil ? lengths[key]! : changed.get(key)!.length;
          if (matched[key] === 0) touchedKeys[touched++] = key;
          matched[key]!++;
          scores[key]! += bm25(idf, freqs[i]!, length, avgdl);
        }
      } else {
        const contributions = list.scores;
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i]!;
          if (matched[key] === 0) touchedKeys[touched++] = key;
          matched[key]!++;
          scores[key]! += contributions[i]!;
        }
      }
    }

    // Hidden papers (few) drop out before ranking, so the loop below needs no set look-ups.
    const need = lists.length;
    let hiddenCounted = 0;
    for (const key of options.hidden) {
      if (key < matched.length && matched[key]! > 0 && (!options.all || matched[key]! >= need)) {
        scores[key] = Number.NEGATIVE_INFINITY;
        hiddenCounted++;
      }
    }

    // The best few by a bounded insertion list: most papers fail the first comparison, against
    // the score of the worst one kept. Of the papers any term touched, or of `only` (a paper found
    // by a phrase alone may have none of the words, and scores 0).
    const candidates = options.only ?? this.touched.subarray(0, touched);
    const wanted = options.limit;
    const best: number[] = [];
    let floor = Number.NEGATIVE_INFINITY;
    let total = 0;
    for (let i = 0; i < candidates.length; i++) {
      const key = candidates[i]!;
      if (!options.only && options.all && matched[key]! < need) continue;
      total++;
      const score = scores[key]!;
      if (score < floor || score === Number.NEGATIVE_INFINITY) continue;
      if (best.length === wanted && !better(score, key, floor, best[wanted - 1]!)) continue;
      let at = best.length === wanted ? wanted - 1 : best.length;
      while (at > 0 && better(score, key, scores[best[at - 1]!]!, best[at - 1]!)) {
        best[at] = best[at - 1]!;
        at--;
      }
      best[at] = key;
      if (best.length === wanted) floor = scores[best[wanted - 1]!]!;
    }
    if (!options.only) total -= hiddenCounted;
    const ranked = best.map((key) => ({ key, score: -scores[key]! }));
    for (let i = 0; i < touched; i++) {
      const key = this.touched[i]!;
      scores[key] = 0;
      matched[key] = 0;
    }

    // Any paper's score, from the lists (the accumulators are the next query's).
    const allowed = options.only ? new Set(options.only) : undefined;
    const { hidden, zeroHidden } = options;
    const scoreOf = (key: number): number => {
      if ((zeroHidden && hidden.has(key)) || (allowed && !allowed.has(key))) return 0;
      let score = 0;
      let found = 0;
      for (const list of lists) {
        const at = positionOf(list, key);
        if (at < 0) continue;
        found++;
        score += 'freqs' in list ? bm25(list.idf, list.freqs[at]!, at < list.ascendingUntil ? lengths[key]! : this.changed.get(key)!.length, avgdl) : list.scores[at]!;
      }
      return found === 0 || (!allowed && options.all && found < need) ? 0 : -score;
    };
    return { ranked, total, scoreOf, via: 'impact' };
  }

  /** The index's status, given whether it can answer now. */
  protected statusOf(ready: boolean): KeywordIndexStatus {
    const generation = this.current;
    if (!generation) return { ready: false, papers: 0, changed: 0, needsRebuild: true };
    const changed = this.overflow ? DELTA_MAX : this.changed.size;
    return { ready, papers: generation.rows, changed, builtThrough: generation.builtThrough, needsRebuild: this.overflow || changed > Math.max(REBUILD_MIN, REBUILD_SHARE * generation.rows) };
  }

  private maxChangedKey(): number {
    let max = 0;
    for (const key of this.changed.keys()) if (key > max) max = key;
    return max;
  }

  private ensureCapacity(size: number): void {
    if (this.scores.length >= size) return;
    const grown = Math.max(size, Math.ceil(this.scores.length * 1.25));
    this.scores = new Float64Array(grown);
    this.matched = new Uint8Array(grown);
  }

  private growTouched(needed: number): void {
    const grown = new Int32Array(Math.max(1024, needed, this.touched.length * 2));
    grown.set(this.touched);
    this.touched = grown;
  }
}

/** Where a paper is in a list: binary search in the ascending part, then a scan of the rest; -1 when it is not there. */
function positionOf(list: TermList, key: number): number {
  const { keys } = list;
  const end = list.ascendingUntil ?? keys.length;
  let lo = 0;
  let hi = end - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = keys[mid]!;
    if (k === key) return mid;
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  for (let i = end; i < keys.length; i++) if (keys[i] === key) return i;
  return -1;
}

/** Higher score first; equal scores by key, as a stable order. */
function better(score: number, key: number, otherScore: number, otherKey: number): boolean {
  return score > otherScore || (score === otherScore && key < otherKey);
}

/** Varints into a growing buffer: seven bits a byte, lowest first, the high bit set on every byte but the last. */
class VarintWriter {
  private bytes: Buffer;
  private at = 0;

  constructor(capacity = 1 << 16) {
    this.bytes = Buffer.allocUnsafe(Math.max(16, capacity));
  }

  clear(): void {
    this.at = 0;
  }

  put(value: number): void {
    if (this.at + 10 > this.bytes.length) {
      const grown = Buffer.allocUnsafe(this.bytes.length * 2);
      this.bytes.copy(grown, 0, 0, this.at);
      this.bytes = grown;
    }
    while (value >= 0x80) {
      this.bytes[this.at++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.bytes[this.at++] = value;
  }

  /** A copy of what was written. */
  written(): Buffer {
    return Buffer.from(this.bytes.subarray(0, this.at));
  }
}

/** A posting list as keyword_postings stores one: per paper (keys ascending), a varint key gap then a varint frequency. */
export function encodePostings(keys: number[], freqs: number[]): Buffer {
  const out = new VarintWriter(keys.length * 2);
  let last = 0;
  for (let i = 0; i < keys.length; i++) {
    out.put(keys[i]! - last);
    out.put(freqs[i]!);
    last = keys[i]!;
  }
  return out.written();
}

/** One term's list encoded as its rows arrive (doc ascending, a doc's rows together), summing each doc's weights. */
export class PostingsBuilder {
  term?: string;
  private readonly out = new VarintWriter();
  private docs = 0;
  private lastDoc = -1;
  private freq = 0;

  start(term: string): void {
    this.term = term;
    this.out.clear();
    this.docs = 0;
    this.lastDoc = -1;
    this.freq = 0;
  }

  add(doc: number, weight: number): void {
    if (doc === this.lastDoc) {
      this.freq += weight;
      return;
    }
    this.flush();
    this.out.put(doc - Math.max(0, this.lastDoc));
    this.lastDoc = doc;
    this.freq = weight;
    this.docs++;
  }

  finish(): [string, number, Buffer] {
    this.flush();
    return [this.term!, this.docs, this.out.written()];
  }

  private flush(): void {
    if (this.freq > 0) this.out.put(this.freq);
    this.freq = 0;
  }
}

/** Reads an encoded list into `keys` and `freqs`, in key order, passing over stale keys; returns how many it wrote. */
function decodePostings(data: Buffer, stale: Uint8Array, keys: Int32Array, freqs: Int32Array): number {
  let n = 0;
  let key = 0;
  for (let at = 0; at < data.length; ) {
    // Most gaps and frequencies fit one byte.
    let byte = data[at++]!;
    let gap = byte & 0x7f;
    for (let shift = 7; byte & 0x80; shift += 7) gap += ((byte = data[at++]!) & 0x7f) * 2 ** shift;
    byte = data[at++]!;
    let f = byte & 0x7f;
    for (let shift = 7; byte & 0x80; shift += 7) f += ((byte = data[at++]!) & 0x7f) * 2 ** shift;
    key += gap;
    if (stale[key]) continue;
    keys[n] = key;
    freqs[n++] = f;
  }
  return n;
}

/** Lengths or stamps as a blob for keyword_generations. */
export function asBuffer(array: Uint32Array | Float64Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** A typed array over a copy of a blob (a Buffer's bytes need not be aligned for it). */
function typedCopy<T extends Uint32Array | Float64Array>(blob: Buffer, Kind: { new (length: number): T; BYTES_PER_ELEMENT: number }): T {
  const array = new Kind(blob.byteLength / Kind.BYTES_PER_ELEMENT);
  new Uint8Array(array.buffer).set(blob);
  return array;
}
