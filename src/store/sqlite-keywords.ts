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
// that set grows past a tenth of the hub, `needsRebuild` says so and the owner rebuilds. What does
// not depend on SQLite (the lists' encoding, the changed papers, the ranking) is impact-index.ts,
// which pg-keywords.ts builds on too.
//
// Not kept: positions (a word FTS5 reads as a phrase is scored by FTS5 itself, see sqlite.ts) and,
// in large hubs, function words, which any-word queries leave out anyway.

import type BetterSqlite3 from 'better-sqlite3';
import { STOPWORDS } from '../paper/stopwords.ts';
import {
  asBuffer,
  CHANGED_BATCH,
  COLUMN_WEIGHTS,
  ImpactIndex,
  leftOut,
  NOT_INDEXED,
  PostingsBuilder,
  type ChangedPaper,
  type GenerationRow,
  type ScoredList,
  type TermList,
} from './impact-index.ts';
import type { KeywordBuildReport, KeywordIndexControl, KeywordIndexStatus, KeywordRanking } from './store.ts';

const FREQUENCY_CACHE_SIZE = 100_000;
/** Instances read from fts5vocab per build step (bounds the build's memory). */
const STEP_INSTANCES = 400_000;

const WEIGHT_OF: Record<string, number> = COLUMN_WEIGHTS;

interface ChangedRow {
  pk: number;
  changed_at: string;
  title: string;
  abstract: string;
  authors_text: string;
}

export class SqliteKeywordIndex extends ImpactIndex implements KeywordIndexControl {
  /** The database is looked at for changed papers only when it has changed since this look. */
  private lastLook = { changed: null as string | null, dataVersion: -1 };
  /** Each term's document frequency in the ready generation, as asked of it (the generation never changes). */
  private frequencies = new Map<string, number>();
  private readonly s;

  constructor(private readonly db: BetterSqlite3.Database) {
    super();
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
    const lists: TermList[] = [];
    for (const term of terms) {
      const list = typeof term === 'string' ? this.listOf(term, this.s.postings.get(this.current!.generation, term) as { df: number; data: Buffer } | undefined) : term;
      if (!list) return undefined; // a word too common to be indexed: FTS5 answers
      lists.push(list);
    }
    // The index scores any paper it holds, hidden and merged ones too: the caller keeps the visible.
    return this.rankLists(lists, options);
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
    return this.statusOf(this.sync());
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
    const common = (term: string, df: number) => leftOut(term, df, rows, functionWords);
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
      this.useGeneration(this.s.generation.get(state.generation) as GenerationRow);
      this.frequencies.clear();
      this.lastLook = { changed: null, dataVersion: -1 };
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
    const fresh = this.freshKeys(this.s.changedSince.iterate(this.lookFrom()) as Iterable<[number, string]>);
    if (!fresh) return;
    for (let i = 0; i < fresh.length; i += CHANGED_BATCH) {
      const keys = fresh.slice(i, i + CHANGED_BATCH).join(',');
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
    for (const [key, paper] of fresh) this.keepChanged(key, paper, key < generation.lengths.length && generation.lengths[key]! > 0);
  }
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
