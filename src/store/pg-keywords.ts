// The impact index on PostgreSQL: sqlite-keywords.ts's design over the same tables
// (keyword_generations / keyword_postings, migration 5), built from papers.search_vector
// (migration 11) instead of FTS5's vocabulary. Per lexeme it keeps the keys of the papers holding
// it and the lexeme's column-weighted frequency in each, so an any-word query is scored in memory
// from a few posting lists, where the SQL path (pg-search.ts) reads the tsvector of every paper
// any word matches. The scores are the SQL path's BM25 to rounding: the same formula (FTS5's
// bm25(), k1 1.2, b 0.75, columns weighted as COLUMN_WEIGHTS), the same lexemes, and the same
// corpus statistics, which this index keeps exact as papers change (bm25Sql below is that SQL).
//
// Generations, changed papers and their stamps work as in sqlite-keywords.ts: a build writes a new
// generation beside the ready one and swaps it in with one commit; papers changed since (a
// changed_at other than the one the build read) are read from their tsvector and scored from
// there, their entries in the generation skipped; past a tenth of the hub `needsRebuild` says so.
//
// The posting lists' encoding (varint key gaps and weighted frequencies) and the ranking loop are
// sqlite-keywords.ts's; that file does not export them, so they are written again here.

import { STOPWORDS } from '../paper/stopwords.ts';
import type { PgDb } from './pg-db.ts';
import { COLUMN_WEIGHTS, COMMON_WORD_SHARE, PRUNE_ABOVE_PAPERS } from './sqlite-keywords.ts';
import type { KeywordBuildReport, KeywordIndexControl, KeywordIndexStatus, KeywordRanking } from './store.ts';

export { COMMON_WORD_SHARE, PRUNE_ABOVE_PAPERS };

/** The text search configuration of papers.search_vector (migration 11). */
export const TS_CONFIG = 'paperboy_english';
/** FTS5's bm25() constants, as sqlite-keywords.ts uses them. */
const K1 = 1.2;
const B = 0.75;
/** A commit may land a little after its changed_at stamp: changed papers are looked for this far back. */
const STAMP_MARGIN_MS = 60_000;
/** Changed papers beyond which a rebuild is due, and beyond which scoring them on the fly is too slow to try. */
const REBUILD_SHARE = 0.1;
const REBUILD_MIN = 2_000;
const DELTA_MAX = 50_000;
/** The df recorded for a function word left out (too common): a query needing it goes to the SQL path. */
const NOT_INDEXED = -1;
/** Terms read per FETCH while building, and papers read per query when scoring changed ones. */
const BUILD_FETCH = 2_000;
const CHANGED_BATCH = 500;
/** A prefix reaching more lexemes than this ("a*") is left to the SQL path. */
const PREFIX_TERMS_MAX = 2_000;

/** BM25's corpus statistics: papers, and the words in all of them (avgdl = tokens / rows). */
export interface CorpusSize {
  rows: number;
  tokens: number;
}

/** FTS5's IDF: never zero or below for a word that occurs, so a very common word still counts a little. */
export function idfOf(df: number, rows: number): number {
  if (df === 0) return 0;
  const idf = Math.log((rows - df + 0.5) / (df + 0.5));
  return idf <= 0 ? 1e-6 : idf;
}

/** A tsvector entry's frequency with its columns weighted: each position counts its column's weight. */
function weightedSql(weights: string): string {
  return `(SELECT sum(CASE w WHEN 'A' THEN ${COLUMN_WEIGHTS.title} WHEN 'B' THEN ${COLUMN_WEIGHTS.abstract} ELSE ${COLUMN_WEIGHTS.authors_text} END) FROM unnest(${weights}) AS w)::float8`;
}

/**
 * BM25 of paper `p` (higher is better) as an SQL expression, from its tsvector: for each query
 * term (a lexeme, or a prefix of lexemes) its weighted frequency f in the paper, the paper's
 * length, and the term's IDF given as a parameter. Written as the impact index computes it, so
 * that the two agree to rounding. The arguments are parameter placeholders.
 */
export function bm25Sql(a: { lexemes: string; prefixes: string; idfs: string; avgdl: string }): string {
  // The frequencies only for the lexemes asked about (a subquery per entry costs most of the time),
  // the length from every entry's positions.
  return `(SELECT coalesce(sum((t.idf * (t.f * ${K1 + 1}::float8)) / (t.f + ${K1}::float8 * (${1 - B}::float8 + (${B}::float8 * d.len) / ${a.avgdl}::float8))), 0::float8)
     FROM (SELECT q.i, min(q.idf) AS idf, sum(${weightedSql('u.weights')}) AS f
           FROM unnest(p.search_vector) AS u
           JOIN unnest(${a.lexemes}::text[], ${a.prefixes}::bool[], ${a.idfs}::float8[]) WITH ORDINALITY AS q(lexeme, prefix, idf, i)
             ON u.lexeme = q.lexeme OR (q.prefix AND starts_with(u.lexeme, q.lexeme))
           GROUP BY q.i) AS t,
          (SELECT sum(cardinality(u.positions))::float8 AS len FROM unnest(p.search_vector) AS u) AS d)`;
}

interface Generation {
  generation: number;
  builtThrough: string;
  rows: number;
  tokens: number;
  lengths: Uint32Array;
  /** changed_at (ms) of each paper as the generation read it; 0 for a key it does not hold. */
  stamps: Float64Array;
}

interface ChangedPaper {
  stamp: number;
  length: number;
  terms: Map<string, number>;
}

/** A query term: a lexeme, or with `prefix` every lexeme starting so ("diffus*"). */
export interface Term {
  lexeme: string;
  prefix: boolean;
}

interface TermList {
  keys: Int32Array;
  freqs: Int32Array;
  /** Keys ascend up to here; after it come changed papers, in no order. */
  ascendingUntil: number;
  idf: number;
}

export class PgKeywordIndex implements KeywordIndexControl {
  private current?: Generation;
  private changed = new Map<number, ChangedPaper>();
  private changedPostings = new Map<string, Map<number, number>>();
  /** 1 for keys whose entries in the generation are out of date. */
  private stale = new Uint8Array(0);
  private changedTokens = 0;
  private changedLengthInGeneration = 0;
  private changedInGeneration = 0;
  private seenThrough = '';
  /** More papers changed than can be scored from text: the SQL path answers until the next build. */
  private overflow = false;
  private scores = new Float64Array(0);
  private matched = new Uint8Array(0);
  private touched = new Int32Array(0);
  /** Syncs run one at a time: two requests at once must not both apply the same changed papers. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: PgDb) {}

  /**
   * Ranks papers holding any of the terms (lexemes, or prefixes of lexemes, in query order, a
   * repeat counting again), or all of them with `all`. With `only`, the papers the SQL path found
   * for a query with phrases, names, exclusions or filters, in any order: just those are ranked,
   * each scored by the terms as the SQL path would. Undefined when there is no ready generation,
   * too much has changed, or a term needs a function word left out of it: the SQL path answers.
   */
  async rank(terms: Term[], options: { limit: number; all?: boolean; only?: number[] }): Promise<KeywordRanking | undefined> {
    if (terms.length === 0 || !(await this.sync())) return undefined;
    const generation = this.current!;
    const [postings, hiddenRows] = await Promise.all([
      this.readPostings(generation.generation, terms),
      options.only ? [] : this.db.many<{ pk: number }>('SELECT pk FROM papers WHERE hidden_at IS NOT NULL OR merged_into IS NOT NULL'),
    ]);
    // A rebuild swapped generations while this query waited: the SQL path answers this once.
    if (!postings || this.current !== generation) return undefined;
    const hidden = new Set(hiddenRows.map((r) => r.pk));

    // From here on nothing waits, so no other query touches the shared accumulators meanwhile.
    const lists: TermList[] = [];
    for (const term of terms) {
      const list = term.prefix ? this.prefixListOf(term.lexeme, postings) : this.listOf(term.lexeme, postings.get(term.lexeme));
      if (!list) return undefined;
      lists.push(list);
    }
    const { avgdl } = this.statistics();
    let size = Math.max(generation.lengths.length, this.maxChangedKey() + 1);
    for (const key of options.only ?? []) if (key >= size) size = key + 1;
    this.ensureCapacity(size);
    const scores = this.scores;
    const matched = this.matched;
    const lengths = generation.lengths;
    const bm25 = (idf: number, f: number, length: number) => (idf * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * length) / avgdl));
    const lengthOf = (key: number, i: number, list: TermList) => (i < list.ascendingUntil ? lengths[key]! : this.changed.get(key)!.length);
    let touched = 0;
    for (const list of lists) {
      const { keys, freqs, idf } = list;
      if (touched + keys.length > this.touched.length) this.growTouched(touched + keys.length);
      const touchedKeys = this.touched;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (matched[key] === 0) touchedKeys[touched++] = key;
        matched[key]!++;
        scores[key]! += bm25(idf, freqs[i]!, lengthOf(key, i, list));
      }
    }

    const need = lists.length;
    let hiddenCounted = 0;
    for (const key of hidden) {
      if (key < matched.length && matched[key]! > 0 && (!options.all || matched[key]! >= need)) {
        scores[key] = Number.NEGATIVE_INFINITY;
        hiddenCounted++;
      }
    }

    // The best few by a bounded insertion list, as sqlite-keywords.ts keeps them: of the papers
    // any term touched, or of those the SQL path found (a paper it found by a phrase alone may
    // have none of the words, and scores 0 as it does there).
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
    const scoreOf = (key: number): number => {
      if (hidden.has(key) || (allowed && !allowed.has(key))) return 0;
      let score = 0;
      let found = 0;
      for (const list of lists) {
        const at = positionOf(list, key);
        if (at < 0) continue;
        found++;
        score += bm25(list.idf, list.freqs[at]!, lengthOf(key, at, list));
      }
      return found === 0 || (!allowed && options.all && found < need) ? 0 : -score;
    };
    return { ranked, total, scoreOf, via: 'impact' };
  }

  /**
   * Papers holding each term now, from the lists; undefined when the index cannot tell (not
   * ready, a function word it left out), and the caller counts with the GIN index.
   */
  async documentFrequencies(terms: Term[]): Promise<number[] | undefined> {
    if (!(await this.sync())) return undefined;
    const generation = this.current!;
    const postings = await this.readPostings(generation.generation, terms);
    if (!postings || this.current !== generation) return undefined;
    const out: number[] = [];
    for (const term of terms) {
      const list = term.prefix ? this.prefixListOf(term.lexeme, postings) : this.listOf(term.lexeme, postings.get(term.lexeme));
      if (!list) return undefined;
      out.push(list.keys.length);
    }
    return out;
  }

  /** The hub's paper count and length as BM25 reads them now; undefined when the index is not ready. */
  async corpusSize(): Promise<CorpusSize | undefined> {
    if (!(await this.sync())) return undefined;
    const { rows, tokens } = this.statistics();
    return { rows, tokens };
  }

  async status(): Promise<KeywordIndexStatus> {
    const ready = await this.sync();
    const generation = this.current;
    if (!generation) return { ready: false, papers: 0, changed: 0, needsRebuild: true };
    const changed = this.overflow ? DELTA_MAX : this.changed.size;
    return { ready, papers: generation.rows, changed, builtThrough: generation.builtThrough, needsRebuild: this.overflow || changed > Math.max(REBUILD_MIN, REBUILD_SHARE * generation.rows) };
  }

  /**
   * Writes a new generation from every paper's tsvector and makes it the ready one; another
   * build's leftovers (a crash) are dropped first. Everything is read in one snapshot, so the
   * stamps, lengths and lists agree; papers changed after it are scored from their text.
   */
  async build(progress: (done: number, total: number) => void = () => {}): Promise<KeywordBuildReport> {
    const t0 = performance.now();
    const db = this.db;
    await db.run("DELETE FROM keyword_postings WHERE generation IN (SELECT generation FROM keyword_generations WHERE state = 'building')");
    await db.run("DELETE FROM keyword_generations WHERE state = 'building'");
    const generation = ((await db.one<{ g: number | null }>('SELECT max(generation) AS g FROM keyword_generations'))!.g ?? 0) + 1;
    const functionWords = new Set((await db.one<{ stems: string[] }>(`SELECT tsvector_to_array(to_tsvector('${TS_CONFIG}', $1)) AS stems`, [[...STOPWORDS].join(' ')]))!.stems);

    const report = await db.tx(async (q) => {
      const through = (await q.one<{ t: string | null }>('SELECT max(changed_at) AS t FROM papers'))!.t ?? new Date(0).toISOString();
      const maxKey = (await q.one<{ k: number | null }>('SELECT max(pk) AS k FROM papers'))!.k ?? 0;
      const lengths = new Uint32Array(maxKey + 1);
      const stamps = new Float64Array(maxKey + 1);
      let rows = 0;
      let tokens = 0;
      let entries = 0;
      await q.run(`DECLARE paper_lengths NO SCROLL CURSOR FOR
                   SELECT p.pk, p.changed_at, coalesce((SELECT sum(cardinality(u.positions)) FROM unnest(p.search_vector) u), 0) AS length, length(p.search_vector) AS entries
                   FROM papers p`);
      for (;;) {
        const page = await q.many<{ pk: number; changed_at: string; length: number; entries: number }>(`FETCH ${BUILD_FETCH * 10} FROM paper_lengths`);
        if (page.length === 0) break;
        for (const r of page) {
          lengths[r.pk] = r.length;
          stamps[r.pk] = Date.parse(r.changed_at);
          tokens += r.length;
          entries += r.entries;
          rows++;
        }
      }
      await q.run('CLOSE paper_lengths');
      await db.run("INSERT INTO keyword_generations (generation, state, built_through, rows, tokens) VALUES ($1, 'building', $2, $3, $4)", [generation, through, rows, tokens]);

      // Function words in more than a tenth of a large hub's papers are left out of any-word
      // queries (pg-search.ts) and listed as not indexed, as sqlite-keywords.ts lists them.
      const common = (term: string, df: number) => rows >= PRUNE_ABOVE_PAPERS && df > COMMON_WORD_SHARE * rows && functionWords.has(term);
      await q.run(`DECLARE term_lists NO SCROLL CURSOR FOR
                   SELECT u.lexeme AS term, array_agg(p.pk ORDER BY p.pk) AS keys, array_agg(${weightedSql('u.weights')}::int ORDER BY p.pk) AS freqs
                   FROM papers p, unnest(p.search_vector) u GROUP BY u.lexeme`);
      let terms = 0;
      let done = 0;
      for (;;) {
        const page = await q.many<{ term: string; keys: number[]; freqs: number[] }>(`FETCH ${BUILD_FETCH} FROM term_lists`);
        if (page.length === 0) break;
        const batch = page.map((r) => (common(r.term, r.keys.length) ? [r.term, NOT_INDEXED, Buffer.alloc(0)] as const : [r.term, r.keys.length, encodePostings(r.keys, r.freqs)] as const));
        await db.run('INSERT INTO keyword_postings (generation, term, df, data) SELECT $1, * FROM unnest($2::text[], $3::int[], $4::bytea[])', [
          generation, batch.map((b) => b[0]), batch.map((b) => b[1]), batch.map((b) => b[2]),
        ]);
        terms += page.length;
        done += page.reduce((n, r) => n + r.keys.length, 0);
        progress(done, entries);
      }
      await q.run('CLOSE term_lists');
      return { rows, terms, lengths, stamps };
    }, { isolation: 'repeatable read' });

    await db.tx(async (q) => {
      const swapped = await q.run("UPDATE keyword_generations SET state = 'ready', lengths = $1, stamps = $2 WHERE generation = $3 AND state = 'building'", [asBuffer(report.lengths), asBuffer(report.stamps), generation]);
      if (swapped !== 1) throw new Error('another keyword index build started meanwhile and replaced this one');
      await q.run('DELETE FROM keyword_postings WHERE generation < $1', [generation]);
      await q.run('DELETE FROM keyword_generations WHERE generation < $1', [generation]);
    });
    return { papers: report.rows, terms: report.terms, seconds: (performance.now() - t0) / 1000 };
  }

  private sync(): Promise<boolean> {
    const next = this.turn.then(() => this.syncNow());
    this.turn = next.catch(() => {});
    return next;
  }

  /**
   * Loads a newer generation, and the papers changed since the generation (or the last look) read
   * them. False when there is no ready generation or too much has changed.
   */
  private async syncNow(): Promise<boolean> {
    const state = (await this.db.one<{ changed: string | null; generation: number | null }>(
      `SELECT (SELECT max(changed_at) FROM papers) AS changed, (SELECT max(generation) FROM keyword_generations WHERE state = 'ready') AS generation`,
    ))!;
    if (state.generation === null) {
      this.current = undefined;
      return false;
    }
    if (this.current?.generation !== state.generation) {
      const row = await this.db.one<{ generation: number; built_through: string; rows: number; tokens: number; lengths: Buffer; stamps: Buffer }>(
        'SELECT generation, built_through, rows, tokens, lengths, stamps FROM keyword_generations WHERE generation = $1',
        [state.generation],
      );
      if (!row) return false; // replaced between the two reads; the next query loads the newer one
      this.current = { generation: row.generation, builtThrough: row.built_through, rows: row.rows, tokens: row.tokens, lengths: typedCopy(row.lengths, Uint32Array), stamps: typedCopy(row.stamps, Float64Array) };
      this.changed.clear();
      this.changedPostings.clear();
      this.stale = new Uint8Array(this.current.lengths.length);
      this.changedTokens = this.changedLengthInGeneration = this.changedInGeneration = 0;
      this.seenThrough = row.built_through;
      this.overflow = false;
    }
    // Looked for at every query: PostgreSQL has no cheap "has anything changed" (SQLite's
    // data_version), and the look is an index range over the last minute of changes.
    await this.lookForChanges();
    if (state.changed !== null && state.changed > this.seenThrough) this.seenThrough = state.changed;
    return !this.overflow;
  }

  private async lookForChanges(): Promise<void> {
    if (this.overflow) return;
    const generation = this.current!;
    const rows = await this.db.many<{ pk: number; changed_at: string }>('SELECT pk, changed_at FROM papers WHERE changed_at > $1', [marginBefore(this.seenThrough)]);
    const fresh: number[] = [];
    for (const { pk, changed_at: changedAt } of rows) {
      const stamp = Date.parse(changedAt);
      if (this.changed.get(pk)?.stamp === stamp || (pk < generation.stamps.length && generation.stamps[pk] === stamp)) continue;
      fresh.push(pk);
    }
    if (this.changed.size + fresh.length > DELTA_MAX) {
      this.overflow = true;
      return;
    }
    for (let i = 0; i < fresh.length; i += CHANGED_BATCH) {
      const papers = await this.db.many<{ pk: number; changed_at: string; lexemes: string[]; freqs: number[]; length: number }>(
        `SELECT p.pk, p.changed_at, coalesce(array_agg(u.lexeme) FILTER (WHERE u.lexeme IS NOT NULL), '{}') AS lexemes,
                coalesce(array_agg(u.f) FILTER (WHERE u.lexeme IS NOT NULL), '{}') AS freqs, coalesce(sum(u.n), 0) AS length
         FROM papers p LEFT JOIN LATERAL (SELECT x.lexeme, ${weightedSql('x.weights')}::int AS f, cardinality(x.positions) AS n FROM unnest(p.search_vector) x) u ON true
         WHERE p.pk = ANY($1::int[]) GROUP BY p.pk, p.changed_at`,
        [fresh.slice(i, i + CHANGED_BATCH)],
      );
      this.scoreFromText(papers);
    }
  }

  /** Keeps changed papers' term frequencies, and marks their entries in the generation out of date. */
  private scoreFromText(papers: { pk: number; changed_at: string; lexemes: string[]; freqs: number[]; length: number }[]): void {
    const generation = this.current!;
    for (const p of papers) {
      const key = p.pk;
      const paper: ChangedPaper = { stamp: Date.parse(p.changed_at), length: p.length, terms: new Map(p.lexemes.map((l, i) => [l, p.freqs[i]!])) };
      const previous = this.changed.get(key);
      if (previous) {
        this.changedTokens -= previous.length;
        for (const term of previous.terms.keys()) this.changedPostings.get(term)?.delete(key);
      } else if (key < generation.stamps.length && generation.stamps[key]! > 0) {
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
   * The generation's rows for the lexemes, and for every lexeme starting with a prefix, read in one
   * statement (one snapshot); undefined when the generation is gone.
   */
  private async readPostings(generation: number, terms: Term[]): Promise<Map<string, { df: number; data: Buffer }> | undefined> {
    const exact = [...new Set(terms.filter((t) => !t.prefix).map((t) => t.lexeme))];
    const prefixes = [...new Set(terms.filter((t) => t.prefix).map((t) => t.lexeme))];
    // A range on (generation, term) finds a prefix's lexemes; starts_with keeps it exact where
    // the database's collation orders otherwise than by code point.
    const rows = await this.db.many<{ term: string | null; df: number | null; data: Buffer | null }>(
      `SELECT k.term, k.df, k.data FROM keyword_generations g
       LEFT JOIN keyword_postings k ON k.generation = g.generation AND k.term = ANY($2::text[])
       WHERE g.generation = $1
       UNION ALL
       SELECT k.term, k.df, k.data FROM unnest($3::text[], $4::text[]) AS r(low, high)
       JOIN LATERAL (SELECT term, df, data FROM keyword_postings WHERE generation = $1 AND term >= r.low AND term < r.high AND starts_with(term, r.low) LIMIT ${PREFIX_TERMS_MAX + 1}) k ON true`,
      [generation, exact, prefixes, prefixes.map(nextPrefix)],
    );
    // The first half has a row (of nulls, if need be) whenever the generation is there.
    if (rows.length === 0) return undefined;
    return new Map(rows.flatMap((r) => (r.term === null ? [] : [[r.term, { df: r.df!, data: r.data! }] as const])));
  }

  /**
   * The papers holding any lexeme that starts with `prefix`, its frequency in each the sum of
   * theirs, as FTS5 scores a prefix query: one term. Undefined when the prefix reaches a
   * function word left out of the generation, or too many lexemes.
   */
  private prefixListOf(prefix: string, postings: Map<string, { df: number; data: Buffer }>): TermList | undefined {
    const lexemes = [...postings.keys()].filter((l) => l.startsWith(prefix));
    for (const l of this.changedPostings.keys()) if (l.startsWith(prefix) && !postings.has(l)) lexemes.push(l);
    if (lexemes.length > PREFIX_TERMS_MAX) return undefined;
    const inGeneration = new Map<number, number>();
    const inChanged = new Map<number, number>();
    for (const lexeme of lexemes) {
      const list = this.listOf(lexeme, postings.get(lexeme));
      if (!list) return undefined;
      for (let i = 0; i < list.keys.length; i++) {
        const into = i < list.ascendingUntil ? inGeneration : inChanged;
        into.set(list.keys[i]!, (into.get(list.keys[i]!) ?? 0) + list.freqs[i]!);
      }
    }
    const ascending = [...inGeneration.keys()].sort((a, b) => a - b);
    const keys = Int32Array.from([...ascending, ...inChanged.keys()]);
    const freqs = Int32Array.from([...ascending.map((k) => inGeneration.get(k)!), ...inChanged.values()]);
    return { keys, freqs, ascendingUntil: ascending.length, idf: idfOf(keys.length, this.statistics().rows) };
  }

  /**
   * A lexeme's papers: the generation's (keys ascending) less out-of-date ones, then the changed
   * papers holding it, with its IDF now. Undefined for a function word the generation left out.
   */
  private listOf(lexeme: string, row: { df: number; data: Buffer } | undefined): TermList | undefined {
    if (row?.df === NOT_INDEXED) return undefined;
    const extra = this.changedPostings.get(lexeme);
    const capacity = (row?.df ?? 0) + (extra?.size ?? 0);
    const keys = new Int32Array(capacity);
    const freqs = new Int32Array(capacity);
    const stale = this.stale;
    let n = 0;
    if (row) {
      decodePostings(row.data, (key, f) => {
        if (stale[key]) return;
        keys[n] = key;
        freqs[n++] = f;
      });
    }
    const ascendingUntil = n;
    if (extra) for (const [key, f] of extra) { keys[n] = key; freqs[n++] = f; }
    return { keys: keys.subarray(0, n), freqs: freqs.subarray(0, n), ascendingUntil, idf: idfOf(n, this.statistics().rows) };
  }

  private statistics(): { rows: number; tokens: number; avgdl: number } {
    const generation = this.current!;
    const rows = generation.rows - this.changedInGeneration + this.changed.size;
    const tokens = generation.tokens - this.changedLengthInGeneration + this.changedTokens;
    return { rows, tokens, avgdl: tokens / Math.max(1, rows) };
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

/** Where a paper is in a list: binary search in the ascending part, then a scan of the changed ones. */
function positionOf(list: TermList, key: number): number {
  const { keys } = list;
  let lo = 0;
  let hi = list.ascendingUntil - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = keys[mid]!;
    if (k === key) return mid;
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  for (let i = list.ascendingUntil; i < keys.length; i++) if (keys[i] === key) return i;
  return -1;
}

/** Higher score first; equal scores by key, as a stable order. */
function better(score: number, key: number, otherScore: number, otherKey: number): boolean {
  return score > otherScore || (score === otherScore && key < otherKey);
}

/** A posting list as sqlite-keywords.ts stores one: per paper, a varint key gap then a varint frequency. */
export function encodePostings(keys: number[], freqs: number[]): Buffer {
  const bytes: number[] = [];
  const put = (value: number) => {
    while (value >= 0x80) {
      bytes.push((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    bytes.push(value);
  };
  let last = 0;
  for (let i = 0; i < keys.length; i++) {
    put(keys[i]! - last);
    put(freqs[i]!);
    last = keys[i]!;
  }
  return Buffer.from(bytes);
}

/** Reads encodePostings' list, calling `each` per paper in key order. */
export function decodePostings(data: Buffer, each: (key: number, f: number) => void): void {
  let key = 0;
  for (let at = 0; at < data.length; ) {
    let byte = data[at++]!;
    let gap = byte & 0x7f;
    for (let shift = 7; byte & 0x80; shift += 7) gap += ((byte = data[at++]!) & 0x7f) * 2 ** shift;
    byte = data[at++]!;
    let f = byte & 0x7f;
    for (let shift = 7; byte & 0x80; shift += 7) f += ((byte = data[at++]!) & 0x7f) * 2 ** shift;
    key += gap;
    each(key, f);
  }
}

function asBuffer(array: Uint32Array | Float64Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** A typed array over a copy of a bytea (a Buffer's bytes need not be aligned for it). */
function typedCopy<T extends Uint32Array | Float64Array>(blob: Buffer, Kind: { new (length: number): T; BYTES_PER_ELEMENT: number }): T {
  const array = new Kind(blob.byteLength / Kind.BYTES_PER_ELEMENT);
  new Uint8Array(array.buffer).set(blob);
  return array;
}

/** The smallest string after every string starting with `prefix`: its last character one higher. */
export function nextPrefix(prefix: string): string {
  const chars = [...prefix];
  const last = chars.pop()!;
  return chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1);
}

function marginBefore(stamp: string): string {
  return new Date(Date.parse(stamp) - STAMP_MARGIN_MS).toISOString();
}
