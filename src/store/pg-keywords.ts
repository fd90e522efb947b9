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
// The posting lists' encoding (varint key gaps and weighted frequencies), the changed papers'
// bookkeeping and the ranking loop are impact-index.ts's, which sqlite-keywords.ts builds on too.

import { STOPWORDS } from '../paper/stopwords.ts';
import {
  asBuffer,
  B,
  CHANGED_BATCH,
  COLUMN_WEIGHTS,
  encodePostings,
  idfOf,
  ImpactIndex,
  K1,
  leftOut,
  NOT_INDEXED,
  type ChangedPaper,
  type FrequencyList,
  type GenerationRow,
} from './impact-index.ts';
import type { PgDb } from './pg-db.ts';
import type { KeywordBuildReport, KeywordIndexControl, KeywordIndexStatus, KeywordRanking } from './store.ts';

/** The text search configuration of papers.search_vector (migration 11). */
export const TS_CONFIG = 'paperboy_english';
/** Terms read per FETCH while building. */
const BUILD_FETCH = 2_000;
/** A prefix reaching more lexemes than this ("a*") is left to the SQL path. */
const PREFIX_TERMS_MAX = 2_000;

/** BM25's corpus statistics: papers, and the words in all of them (avgdl = tokens / rows). */
export interface CorpusSize {
  rows: number;
  tokens: number;
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

/** A query term: a lexeme, or with `prefix` every lexeme starting so ("diffus*"). */
export interface Term {
  lexeme: string;
  prefix: boolean;
}

export class PgKeywordIndex extends ImpactIndex implements KeywordIndexControl {
  /** Syncs run one at a time: two requests at once must not both apply the same changed papers. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: PgDb) {
    super();
  }

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
    const lists: FrequencyList[] = [];
    for (const term of terms) {
      const list = term.prefix ? this.prefixListOf(term.lexeme, postings) : this.listOf(term.lexeme, postings.get(term.lexeme));
      if (!list) return undefined;
      lists.push(list);
    }
    return this.rankLists(lists, { ...options, hidden, zeroHidden: true });
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
    return this.statusOf(await this.sync());
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
      const common = (term: string, df: number) => leftOut(term, df, rows, functionWords);
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
      const row = await this.db.one<GenerationRow>(
        'SELECT generation, built_through, rows, tokens, lengths, stamps FROM keyword_generations WHERE generation = $1',
        [state.generation],
      );
      if (!row) return false; // replaced between the two reads; the next query loads the newer one
      this.useGeneration(row);
    }
    // Looked for at every query: PostgreSQL has no cheap "has anything changed" (SQLite's
    // data_version), and the look is an index range over the last minute of changes.
    await this.lookForChanges();
    if (state.changed !== null && state.changed > this.seenThrough) this.seenThrough = state.changed;
    return !this.overflow;
  }

  private async lookForChanges(): Promise<void> {
    if (this.overflow) return;
    const rows = await this.db.many<{ pk: number; changed_at: string }>('SELECT pk, changed_at FROM papers WHERE changed_at > $1', [this.lookFrom()]);
    const fresh = this.freshKeys(rows.map((r) => [r.pk, r.changed_at] as const));
    if (!fresh) return;
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
      const paper: ChangedPaper = { stamp: Date.parse(p.changed_at), length: p.length, terms: new Map(p.lexemes.map((l, i) => [l, p.freqs[i]!])) };
      this.keepChanged(p.pk, paper, p.pk < generation.stamps.length && generation.stamps[p.pk]! > 0);
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
  private prefixListOf(prefix: string, postings: Map<string, { df: number; data: Buffer }>): FrequencyList | undefined {
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
}

/** The smallest string after every string starting with `prefix`: its last character one higher. */
export function nextPrefix(prefix: string): string {
  const chars = [...prefix];
  const last = chars.pop()!;
  return chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1);
}
