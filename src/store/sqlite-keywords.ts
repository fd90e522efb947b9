// Any-word BM25 without asking SQLite to score. FTS5 computes bm25() for every paper that matches
// any word before it can sort (about a microsecond each), so a two-word query over a million papers
// costs a hundred milliseconds. This index keeps, per term, the keys of the papers holding it and
// the term's column-weighted frequency, copied from FTS5's own index (fts5vocab 'instance'), so the
// words are stemmed exactly as FTS5 stems them and the scores are FTS5's bm25() to rounding.
//
// It is built in generations (keyword_generations / keyword_postings): a build writes a new one
// beside the ready one and swaps in one commit, so readers never see half of one. Papers changed
// since a generation was built (a changed_at other than the one it read) are tokenized on the fly
// by a scratch FTS5 table and scored from there; their entries in the generation are skipped. When
// that set grows past a tenth of the hub, `needsRebuild` says so and the owner rebuilds.
//
// Not kept: positions (a word FTS5 reads as a phrase is scored by FTS5 itself, see sqlite.ts) and,
// in large hubs, function words, which any-word queries leave out anyway.

import type BetterSqlite3 from 'better-sqlite3';
import { STOPWORDS } from '../paper/stopwords.ts';
import type { KeywordBuildReport, KeywordIndexControl, KeywordIndexStatus, KeywordRanking } from './store.ts';

/** bm25 column weights: title, abstract, authors. FTS5's bm25() in sqlite.ts uses the same. */
export const COLUMN_WEIGHTS = { title: 4, abstract: 2, authors_text: 1 } as const;
/** FTS5's bm25() constants. */
const K1 = 1.2;
const B = 0.75;
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
/** Below this many papers every word is cheap enough to keep in any-word queries. */
export const PRUNE_ABOVE_PAPERS = 20_000;
/** A word in more than this share of all papers is left out of any-word queries (and not indexed, if a function word). */
export const COMMON_WORD_SHARE = 0.1;
/** The df recorded for a word left out (too common): a query needing it goes to FTS5. */
const NOT_INDEXED = -1;
const FREQUENCY_CACHE_SIZE = 100_000;
/** Instances read from fts5vocab per build step (bounds the build's memory). */
const STEP_INSTANCES = 400_000;

/**
 * A word's contribution to the score of each paper holding it. Keys ascend up to `ascendingUntil`
 * (the whole list when absent); after that come changed papers, in no order.
 */
export interface ScoredList {
  keys: Int32Array;
  scores: Float64Array;
  ascendingUntil?: number;
}

interface Generation {
  generation: number;
  builtThrough: string;
  rows: number;
  tokens: number;
  lengths: Uint32Array;
  /** changed_at (ms) of each paper as the generation read it. */
  stamps: Float64Array;
}

interface ChangedPaper {
  stamp: number;
  length: number;
  terms: Map<string, number>;
}

const WEIGHT_OF: Record<string, number> = COLUMN_WEIGHTS;

interface ChangedRow {
  pk: number;
  changed_at: string;
  title: string;
  abstract: string;
  authors_text: string;
}

export class SqliteKeywordIndex implements KeywordIndexControl {
  private current?: Generation;
  /** Papers changed since the generation was built, scored from their text. */
  private changed = new Map<number, ChangedPaper>();
  private changedPostings = new Map<string, Map<number, number>>();
  /** 1 for keys whose entries in the generation are out of date. */
  private stale = new Uint8Array(0);
  private changedTokens = 0;
  private changedLengthInGeneration = 0;
  private changedInGeneration = 0;
  /** Papers changed after this (less the margin) are looked for when the database changes. */
  private seenThrough = '';
  private lastLook = { changed: null as string | null, dataVersion: -1 };
  /** More papers changed than can be scored from text: FTS5 answers until the next build. */
  private overflow = false;
  /** Each term's document frequency in the ready generation, as asked of it (the generation never changes). */
  private frequencies = new Map<string, number>();
  private scores = new Float64Array(0);
  private matched = new Uint8Array(0);
  private touched = new Int32Array(0);
  private readonly s;

  constructor(private readonly db: BetterSqlite3.Database) {
    db.exec(`
      CREATE VIRTUAL TABLE IF NOT EXISTS temp.papers_instance USING fts5vocab(main, papers_fts, 'instance');
      CREATE VIRTUAL TABLE IF NOT EXISTS temp.papers_terms USING fts5vocab(main, papers_fts, 'row');
      CREATE VIRTUAL TABLE IF NOT EXISTS temp.changed_fts USING fts5(title, abstract, authors_text, tokenize = 'porter unicode61 remove_diacritics 2');
      CREATE VIRTUAL TABLE IF NOT EXISTS temp.changed_instance USING fts5vocab(temp, changed_fts, 'instance');`);
    this.s = {
      state: db.prepare(`SELECT (SELECT max(changed_at) FROM papers) AS changed,
                                (SELECT max(generation) FROM keyword_generations WHERE state = 'ready') AS generation`),
      generation: db.prepare('SELECT * FROM keyword_generations WHERE generation = ?'),
      postings: db.prepare('SELECT df, data FROM keyword_postings WHERE generation = ? AND term = ?'),
      frequency: db.prepare('SELECT df FROM keyword_postings WHERE generation = ? AND term = ?'),
      changedSince: db.prepare('SELECT pk, changed_at FROM papers WHERE changed_at > ?').raw(),
      scratchInsert: db.prepare('INSERT INTO temp.changed_fts (rowid, title, abstract, authors_text) VALUES (?, ?, ?, ?)'),
      scratchInstances: db.prepare('SELECT term, doc, col FROM temp.changed_instance').raw(),
      scratchSizes: db.prepare('SELECT id, sz FROM temp.changed_fts_docsize').raw(),
      scratchClear: db.prepare('DELETE FROM temp.changed_fts'),
    };
  }

  /**
   * Ranks papers holding any of the terms (each one FTS5 token, in query order, as FTS5 phrases),
   * or all of them with `all`. Undefined when there is no ready generation or too much has
   * changed since it was built: the caller then asks FTS5.
   */
  rank(terms: (string | ScoredList)[], options: { limit: number; all?: boolean; hidden: Set<number> }): KeywordRanking | undefined {
    if (!this.sync() || terms.length === 0) return undefined;
    const generation = this.current!;
    const rows = generation.rows - this.changedInGeneration + this.changed.size;
    const avgdl = (generation.tokens - this.changedLengthInGeneration + this.changedTokens) / Math.max(1, rows);
    this.ensureCapacity(Math.max(generation.lengths.length, this.maxChangedKey() + 1));

    // Each word's contribution to each paper's score: FTS5's idf · f(k1+1) / (f + k1(1 − b + b·D/avgdl)),
    // added to the shared accumulator as the list is read; scoreOf recomputes one paper's from the list.
    const lists: TermList[] = [];
    const scores = this.scores;
    const matched = this.matched;
    const lengths = generation.lengths;
    const stale = this.stale;
    // Written exactly as FTS5's bm25() computes it, so that scores agree to the last bit and ties break alike.
    const bm25 = (idf: number, f: number, length: number) => (idf * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * length) / avgdl));
    const changedLength = (key: number) => this.changed.get(key)!.length;
    let touched = 0;
    for (const term of terms) {
      let list: TermList;
      if (typeof term !== 'string') list = term;
      else {
        const postings = this.postingsOf(term);
        if (!postings) {
          this.reset(touched);
          return undefined; // a word too common to be indexed: FTS5 answers
        }
        list = { ...postings, ascendingUntil: postings.fromGeneration, contribution: (f, key) => bm25(postings.idf, f, key < lengths.length && !stale[key] ? lengths[key]! : changedLength(key)) };
      }
      lists.push(list);
      const { keys } = list;
      if (touched + keys.length > this.touched.length) this.growTouched(touched + keys.length);
      const touchedKeys = this.touched;
      if ('freqs' in list) {
        const { freqs, idf } = list;
        const ascending = list.ascendingUntil;
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i]!;
          const f = freqs[i]!;
          const length = i < ascending ? lengths[key]! : changedLength(key);
          if (matched[key] === 0) touchedKeys[touched++] = key;
          matched[key]!++;
          scores[key]! += bm25(idf, f, length);
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
    // the score of the worst one kept.
    const wanted = options.limit;
    const best: number[] = [];
    let floor = Number.NEGATIVE_INFINITY;
    let total = 0;
    for (let i = 0; i < touched; i++) {
      const key = this.touched[i]!;
      if (options.all && matched[key]! < need) continue;
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
    total -= hiddenCounted;
    const ranked = best.map((key) => ({ key, score: -scores[key]! }));
    this.reset(touched);

    // Any paper's score, from the lists rather than the shared accumulator (the next query reuses it).
    const scoreOf = (key: number): number => {
      let score = 0;
      let found = 0;
      for (const list of lists) {
        const c = contributionOf(list, key);
        if (c === undefined) continue;
        found++;
        score += c;
      }
      return found === 0 || (options.all && found < need) ? 0 : -score;
    };
    return { ranked, total, scoreOf, via: 'impact' };
  }

  /**
   * Papers holding a term when the generation was built (Infinity for a function word it left out),
   * or undefined when there is no ready generation. fts5vocab answers the same question by scanning
   * the whole vocabulary (1.7 ms a word at 100k papers).
   */
  documentFrequency(term: string): number | undefined {
    if (!this.sync()) return undefined;
    let df = this.frequencies.get(term);
    if (df === undefined) {
      const row = this.s.frequency.get(this.current!.generation, term) as { df: number } | undefined;
      df = row === undefined ? 0 : row.df === NOT_INDEXED ? Number.POSITIVE_INFINITY : row.df;
      if (this.frequencies.size >= FREQUENCY_CACHE_SIZE) this.frequencies.clear();
      this.frequencies.set(term, df);
    }
    return df;
  }

  async status(): Promise<KeywordIndexStatus> {
    const ready = this.sync();
    const generation = this.current;
    if (!generation) return { ready: false, papers: 0, changed: 0, needsRebuild: true };
    const changed = this.overflow ? DELTA_MAX : this.changed.size;
    return { ready, papers: generation.rows, changed, builtThrough: generation.builtThrough, needsRebuild: this.overflow || changed > Math.max(REBUILD_MIN, REBUILD_SHARE * generation.rows) };
  }

  /**
   * Writes a new generation from FTS5's index and makes it the ready one. Another build's
   * leftovers (a crash) are dropped first. Yields between steps so a server keeps answering.
   */
  async build(progress: (done: number, total: number) => void = () => {}): Promise<KeywordBuildReport> {
    const t0 = performance.now();
    const db = this.db;
    if (db.prepare("SELECT 1 FROM meta WHERE key = 'fts_dirty'").get()) {
      throw new Error('an import is rebuilding the keyword index; build again when it has finished');
    }
    db.prepare("DELETE FROM keyword_postings WHERE generation IN (SELECT generation FROM keyword_generations WHERE state = 'building')").run();
    db.prepare("DELETE FROM keyword_generations WHERE state = 'building'").run();

    // One read snapshot for the stamps and the lengths; the postings are read after it, so a paper
    // changed in between carries a stamp the generation does not, and is scored from its text.
    const { builtThrough, lengths, stamps, rows, tokens } = db.transaction(() => {
      const through = (db.prepare('SELECT max(changed_at) FROM papers').pluck().get() as string | null) ?? new Date(0).toISOString();
      const maxKey = (db.prepare('SELECT max(id) FROM papers_fts_docsize').pluck().get() as number | null) ?? 0;
      const lengthsOf = new Uint32Array(maxKey + 1);
      let n = 0;
      let sum = 0;
      for (const [id, sz] of db.prepare('SELECT id, sz FROM papers_fts_docsize').raw().iterate() as Iterable<[number, Buffer]>) {
        const length = columnSizeTotal(sz);
        lengthsOf[id] = length;
        sum += length;
        n++;
      }
      const stampsOf = new Float64Array(lengthsOf.length);
      for (const [pk, changedAt] of db.prepare('SELECT pk, changed_at FROM papers WHERE pk < ?').raw().iterate(lengthsOf.length) as Iterable<[number, string]>) stampsOf[pk] = Date.parse(changedAt);
      return { builtThrough: through, lengths: lengthsOf, stamps: stampsOf, rows: n, tokens: sum };
    })();

    const generation = ((db.prepare('SELECT max(generation) FROM keyword_generations').pluck().get() as number | null) ?? 0) + 1;
    db.prepare("INSERT INTO keyword_generations (generation, state, built_through, rows, tokens) VALUES (?, 'building', ?, ?, ?)").run(generation, builtThrough, rows, tokens);

    // Function words in more than a tenth of a large hub's papers hold a third of all instances and
    // are left out of any-word queries (fts.ts, sqlite.ts): they are listed as not indexed, and a
    // query of nothing else goes to FTS5.
    const vocabulary = db.prepare('SELECT term, doc, cnt FROM temp.papers_terms').raw().all() as [string, number, number][];
    const functionWords = this.stemsOf([...STOPWORDS].join(' '));
    const common = (term: string, df: number) => rows >= PRUNE_ABOVE_PAPERS && df > COMMON_WORD_SHARE * rows && functionWords.has(term);
    const indexed = vocabulary.filter(([term, df]) => !common(term, df));
    const totalInstances = indexed.reduce((n, [, , cnt]) => n + cnt, 0);
    const insert = db.prepare('INSERT INTO keyword_postings (generation, term, df, data) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (const [term, df] of vocabulary) if (common(term, df)) insert.run(generation, term, NOT_INDEXED, Buffer.alloc(0));
    })();
    const read = db.prepare('SELECT term, doc, col FROM temp.papers_instance WHERE term >= ? AND term <= ?').raw();
    let done = 0;
    for (let start = 0; start < indexed.length; ) {
      let end = start;
      let instances = 0;
      while (end < indexed.length && (end === start || instances + indexed[end]![2] <= STEP_INSTANCES)) instances += indexed[end++]![2];
      const wanted = new Set(indexed.slice(start, end).map(([term]) => term));
      // Rows stream in term order; each term's list is encoded as soon as the next term starts.
      const lists: [string, number, Buffer][] = [];
      const list = new PostingsBuilder();
      for (const [term, doc, col] of read.iterate(indexed[start]![0], indexed[end - 1]![0]) as Iterable<[string, number, string]>) {
        if (term !== list.term) {
          if (list.term !== undefined && wanted.has(list.term)) lists.push(list.finish());
          list.start(term);
        }
        list.add(doc, WEIGHT_OF[col] ?? 1);
      }
      if (list.term !== undefined && wanted.has(list.term)) lists.push(list.finish());
      db.transaction(() => {
        for (const [term, df, data] of lists) insert.run(generation, term, df, data);
      })();
      done += instances;
      progress(done, totalInstances);
      start = end;
      await new Promise((resolve) => setImmediate(resolve));
    }

    db.transaction(() => {
      const swapped = db.prepare("UPDATE keyword_generations SET state = 'ready', lengths = ?, stamps = ? WHERE generation = ? AND state = 'building'").run(asBuffer(lengths), asBuffer(stamps), generation);
      if (swapped.changes !== 1) throw new Error('another keyword index build started meanwhile and replaced this one');
      db.prepare('DELETE FROM keyword_postings WHERE generation < ?').run(generation);
      db.prepare('DELETE FROM keyword_generations WHERE generation < ?').run(generation);
    })();
    return { papers: rows, terms: vocabulary.length, seconds: (performance.now() - t0) / 1000 };
  }

  /**
   * Loads a newer generation, and whenever the database has changed, the papers changed since the
   * generation read them. False when there is no ready generation or too much has changed.
   */
  private sync(): boolean {
    const state = this.s.state.get() as { changed: string | null; generation: number | null };
    if (state.generation === null) {
      this.current = undefined;
      return false;
    }
    if (this.current?.generation !== state.generation) {
      const row = this.s.generation.get(state.generation) as { generation: number; built_through: string; rows: number; tokens: number; lengths: Buffer; stamps: Buffer };
      this.current = { generation: row.generation, builtThrough: row.built_through, rows: row.rows, tokens: row.tokens, lengths: typedCopy(row.lengths, Uint32Array), stamps: typedCopy(row.stamps, Float64Array) };
      this.changed.clear();
      this.changedPostings.clear();
      this.frequencies.clear();
      this.stale = new Uint8Array(this.current.lengths.length);
      this.changedTokens = this.changedLengthInGeneration = this.changedInGeneration = 0;
      this.seenThrough = row.built_through;
      this.lastLook = { changed: null, dataVersion: -1 };
      this.overflow = false;
    }
    const dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    if (state.changed !== this.lastLook.changed || dataVersion !== this.lastLook.dataVersion) {
      this.lastLook = { changed: state.changed, dataVersion };
      this.lookForChanges();
      if (state.changed !== null && state.changed > this.seenThrough) this.seenThrough = state.changed;
    }
    return !this.overflow;
  }

  /**
   * Papers stamped after the last look, less the margin (a commit can land after its stamp), whose
   * stamp differs from the one the generation or an earlier look read.
   */
  private lookForChanges(): void {
    if (this.overflow) return;
    const generation = this.current!;
    const fresh: number[] = [];
    for (const [pk, changedAt] of this.s.changedSince.iterate(marginBefore(this.seenThrough)) as Iterable<[number, string]>) {
      const stamp = Date.parse(changedAt);
      if (this.changed.get(pk)?.stamp === stamp || (pk < generation.stamps.length && generation.stamps[pk] === stamp)) continue;
      fresh.push(pk);
    }
    if (this.changed.size + fresh.length > DELTA_MAX) {
      this.overflow = true;
      return;
    }
    for (let i = 0; i < fresh.length; i += 500) {
      const keys = fresh.slice(i, i + 500).join(',');
      this.scoreFromText(this.db.prepare(`SELECT pk, changed_at, title, abstract, authors_text FROM papers WHERE pk IN (${keys})`).all() as ChangedRow[]);
    }
  }

  /** The distinct tokens FTS5 makes of a text. */
  private stemsOf(text: string): Set<string> {
    this.s.scratchInsert.run(1, text, '', '');
    const stems = new Set((this.s.scratchInstances.all() as [string, number, string][]).map(([term]) => term));
    this.s.scratchClear.run();
    return stems;
  }

  /** Tokenizes changed papers with a scratch FTS5 table (the same tokenizer) and keeps their term frequencies. */
  private scoreFromText(papers: ChangedRow[]): void {
    if (papers.length === 0) return;
    const generation = this.current!;
    this.db.transaction(() => {
      for (const p of papers) this.s.scratchInsert.run(p.pk, p.title, p.abstract, p.authors_text);
    })();
    const lengths = new Map((this.s.scratchSizes.all() as [number, Buffer][]).map(([id, sz]) => [id, columnSizeTotal(sz)]));
    const fresh = new Map<number, ChangedPaper>(papers.map((p) => [p.pk, { stamp: Date.parse(p.changed_at), length: lengths.get(p.pk) ?? 0, terms: new Map() }]));
    for (const [term, doc, col] of this.s.scratchInstances.iterate() as Iterable<[string, number, string]>) {
      const terms = fresh.get(doc)!.terms;
      terms.set(term, (terms.get(term) ?? 0) + (WEIGHT_OF[col] ?? 1));
    }
    this.s.scratchClear.run();
    for (const [key, paper] of fresh) {
      const previous = this.changed.get(key);
      if (previous) {
        this.changedTokens -= previous.length;
        for (const term of previous.terms.keys()) this.changedPostings.get(term)?.delete(key);
      } else if (key < generation.lengths.length && generation.lengths[key]! > 0) {
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
  }

  /**
   * A term's papers: the generation's (keys ascending), minus out-of-date ones, and the changed
   * papers holding it; with its IDF as FTS5 computes it (0 when no paper holds it).
   */
  private postingsOf(term: string): undefined | { keys: Int32Array; freqs: Int32Array; fromGeneration: number; idf: number } {
    const row = this.s.postings.get(this.current!.generation, term) as { df: number; data: Buffer } | undefined;
    if (row?.df === NOT_INDEXED) return undefined;
    const data = row?.data;
    const extra = this.changedPostings.get(term);
    const capacity = data ? row!.df : 0;
    const keys = new Int32Array(capacity);
    const freqs = new Int32Array(capacity);
    const stale = this.stale;
    let n = 0;
    if (data) {
      let key = 0;
      for (let at = 0; at < data.length; ) {
        // Varints: most gaps and frequencies fit one byte.
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
    }
    const all = { keys: keys.subarray(0, n), freqs: freqs.subarray(0, n) };
    if (extra && extra.size > 0) {
      // Changed papers join the list so that one loop scores both; scoreOf finds them in `extra`.
      const joined = { keys: new Int32Array(n + extra.size), freqs: new Int32Array(n + extra.size) };
      joined.keys.set(all.keys);
      joined.freqs.set(all.freqs);
      let i = n;
      for (const [key, f] of extra) { joined.keys[i] = key; joined.freqs[i++] = f; }
      const df = i;
      return { keys: joined.keys, freqs: joined.freqs, fromGeneration: n, idf: this.idf(df) };
    }
    return { ...all, fromGeneration: n, idf: this.idf(n) };
  }

  private idf(df: number): number {
    if (df === 0) return 0;
    const generation = this.current!;
    const rows = generation.rows - this.changedInGeneration + this.changed.size;
    const idf = Math.log((rows - df + 0.5) / (df + 0.5));
    return idf <= 0 ? 1e-6 : idf;
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

  private reset(touched: number): void {
    for (let i = 0; i < touched; i++) {
      const key = this.touched[i]!;
      this.scores[key] = 0;
      this.matched[key] = 0;
    }
  }
}

/** A term's papers from the index, scored as they are read: frequencies, not yet scores. */
interface IndexedList {
  keys: Int32Array;
  freqs: Int32Array;
  idf: number;
  ascendingUntil: number;
  contribution: (f: number, key: number) => number;
}

type TermList = ScoredList | IndexedList;

/** A paper's contribution in a list: binary search in the ascending part, then a scan of the rest. */
function contributionOf(list: TermList, key: number): number | undefined {
  const { keys } = list;
  const end = list.ascendingUntil ?? keys.length;
  let at = -1;
  let lo = 0;
  let hi = end - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = keys[mid]!;
    if (k === key) {
      at = mid;
      break;
    }
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  for (let i = end; at < 0 && i < keys.length; i++) if (keys[i] === key) at = i;
  if (at < 0) return undefined;
  return 'freqs' in list ? list.contribution(list.freqs[at]!, key) : list.scores[at];
}

/** Higher score first; equal scores by key, as a stable order. */
function better(score: number, key: number, otherScore: number, otherKey: number): boolean {
  return score > otherScore || (score === otherScore && key < otherKey);
}

function asBuffer(array: Uint32Array | Float64Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** A typed array over a copy of a blob (a Buffer's bytes need not be aligned for it). */
function typedCopy<T extends Uint32Array | Float64Array>(blob: Buffer, Kind: { new (length: number): T; BYTES_PER_ELEMENT: number }): T {
  const array = new Kind(blob.byteLength / Kind.BYTES_PER_ELEMENT);
  new Uint8Array(array.buffer).set(blob);
  return array;
}

function marginBefore(stamp: string): string {
  return new Date(Date.parse(stamp) - STAMP_MARGIN_MS).toISOString();
}

/** FTS5's docsize record: one SQLite varint per column; the paper's length is their sum. */
function columnSizeTotal(record: Buffer): number {
  let total = 0;
  for (let at = 0; at < record.length; ) {
    let value = 0;
    let byte: number;
    let i = 0;
    do { byte = record[at++]!; value = value * 128 + (byte & 0x7f); i++; } while (byte & 0x80 && i < 8);
    total += value;
  }
  return total;
}

/** One term's list as its rows arrive (doc ascending): varint key gaps and weighted frequencies. */
class PostingsBuilder {
  term?: string;
  private bytes = Buffer.allocUnsafe(1 << 16);
  private at = 0;
  private docs = 0;
  private lastDoc = -1;
  private freq = 0;

  start(term: string): void {
    this.term = term;
    this.at = 0;
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
    this.put(doc - Math.max(0, this.lastDoc));
    this.lastDoc = doc;
    this.freq = weight;
    this.docs++;
  }

  finish(): [string, number, Buffer] {
    this.flush();
    return [this.term!, this.docs, Buffer.from(this.bytes.subarray(0, this.at))];
  }

  private flush(): void {
    if (this.freq > 0) this.put(this.freq);
    this.freq = 0;
  }

  private put(value: number): void {
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
}
