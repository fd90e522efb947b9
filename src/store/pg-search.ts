// Keyword search on PostgreSQL: the query language of src/search/query.ts over papers.search_vector
// (migration 11: english-stemmed words, function words kept and hyphenated words split as FTS5
// splits them, weighted A title, B abstract, C authors, under one GIN index), ranked by BM25 as
// sqlite.ts ranks with FTS5's bm25(): the same k1, b and column weights.
//
// Why BM25 and not ts_rank_cd: bench/pg-keywords.ts measured them on SciFact's train split, and
// ts_rank_cd (cover density, no document frequencies) ranked at nDCG@10 0.393, ts_rank at 0.589,
// BM25 at 0.691 (SQLite, same run: 0.684). PostgreSQL has no BM25 of its own, so it is computed here, two
// ways that give the same scores:
//  - by the impact index (pg-keywords.ts) once it is built: BM25 from posting lists kept in
//    keyword_postings (10 ms a query on SciFact, median, where the SQL path takes 220). A plain
//    any-word query is ranked from the lists alone; one with phrases, names, exclusions, prefixes
//    or filters over the keys the GIN index finds for it.
//  - in SQL, until the index is built (or when it cannot answer: too much changed, a function word
//    it left out): the GIN index finds the papers, and each one's score is read off its tsvector
//    (the weighted frequency of each query word, and its length), each word's IDF worked out first.
//
// Differences from SQLite, by the engine: a word PostgreSQL reads as several tokens ("3.5" stays
// one, "gpt-4o" is gpt and 4o) counts as each of them when any word may match, and a phrase's
// score is that of its words, where FTS5 scores a phrase as one term.

import { STOPWORDS } from '../paper/stopwords.ts';
import { normalizeAuthorName } from '../paper/text.ts';
import { contentWords, meaningfulTerms } from './fts.ts';
import type { PgDb } from './pg-db.ts';
import { COMMON_WORD_SHARE, idfOf, PRUNE_ABOVE_PAPERS } from './impact-index.ts';
import { bm25Sql, nextPrefix, PgKeywordIndex, TS_CONFIG, type CorpusSize, type Term } from './pg-keywords.ts';
import { leadingWords, nextDay, PAPER_ROW, unrankedHits, VISIBLE, type PaperRow } from './paper-rows.ts';
import {
  MARK_END,
  MARK_START,
  type KeywordRanking,
  type PaperSummary,
  type SearchHit,
  type SearchPage,
  type SearchQuery,
  type Suggestion,
} from './store.ts';

/** Analysed words and phrases remembered (stemming never changes). */
const ANALYSIS_CACHE_SIZE = 10_000;
/** The paper count and corpus length, when no impact index has them, are read at most this often. */
const CORPUS_SIZE_TTL_MS = 60_000;
/** ts_headline's options for an abstract's snippet: about as long as FTS5's snippet(…, 40). */
const SNIPPET = `MaxWords=40, MinWords=20, ShortWord=2, StartSel="${MARK_START}", StopSel="${MARK_END}"`;
const WHOLE = `HighlightAll=true, StartSel="${MARK_START}", StopSel="${MARK_END}"`;
/** A private-use character that stands in for '<' while ts_headline reads a text (U+E002, beside the marks). */
const LT_STANDIN = 0xe002;
/** Function words and research boilerplate left out of the words that find similar papers. */
const SIMILAR_WORDS = 40;

/**
 * How papers are ordered: 'bm25' (the product's), or PostgreSQL's own ts_rank_cd / ts_rank with the
 * same column weights, kept so bench/pg-keywords.ts can measure them against it.
 */
export type PgRanking = 'bm25' | 'ts_rank_cd' | 'ts_rank';

export interface PgSearchOptions {
  ranking?: PgRanking;
  /** false: never ask the impact index (the bench measures the SQL path alone). */
  impact?: boolean;
  /**
   * The text search configuration queries are read with; the bench sets the one it rebuilt
   * search_vector with to measure it. Headlines and suggestions keep TS_CONFIG.
   */
  config?: string;
}

/** One word, phrase or name as PostgreSQL normalised it: a tsquery's text and the lexemes in it. */
interface Piece {
  /** '' when nothing of it is indexed (function words only). */
  tsquery: string;
  lexemes: Term[];
}

interface Analysed {
  words: Piece[];
  phrases: Piece[];
  authors: Piece[];
  excludes: Piece[];
}

/** Numbered parameters for one statement. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export class PgSearch {
  readonly keywordIndex: PgKeywordIndex;
  private readonly ranking: PgRanking;
  private readonly useImpact: boolean;
  private readonly config: string;
  private readonly analysisCache = new Map<string, Piece>();
  private corpus?: { at: number; size: CorpusSize };

  constructor(
    private readonly db: PgDb,
    private readonly summaries: (rows: PaperRow[]) => Promise<PaperSummary[]>,
    options: PgSearchOptions = {},
  ) {
    this.keywordIndex = new PgKeywordIndex(db);
    this.ranking = options.ranking ?? 'bm25';
    this.useImpact = options.impact ?? true;
    this.config = options.config ?? TS_CONFIG;
  }

  async search(query: SearchQuery, options: { limit?: number; offset?: number } = {}): Promise<SearchPage> {
    const limit = options.limit ?? 20;
    const offset = options.offset ?? 0;
    const analysed = await this.analyse(query);
    const match = allWordsMatch(analysed);
    if (match === undefined && hasWords(query)) return { total: 0, hits: [] }; // words, but none indexed
    if (match === undefined) {
      // Filters alone (cat:, since:): nothing to rank by, so the newest first.
      const p = new Params();
      const where = filterSql(query, p).join(' AND ');
      const total = (await this.db.one<{ n: number }>(`SELECT count(*) AS n FROM papers p WHERE ${where}`, p.values))!.n;
      const rows = await this.db.many<PaperRow>(
        `SELECT ${PAPER_ROW} FROM papers p WHERE ${where} ORDER BY coalesce(p.published_at, p.listed_at) DESC, p.pk DESC LIMIT ${p.add(limit)} OFFSET ${p.add(offset)}`,
        p.values,
      );
      return { total, hits: unrankedHits(rows, await this.summaries(rows)) };
    }
    const terms = scoringTerms([...analysed.words, ...analysed.phrases, ...analysed.authors]);
    const ranking = await this.rankMatch(match, terms, query, { limit: offset + limit });
    const page = ranking.ranked.slice(offset);
    if (page.length === 0) return { total: ranking.total, hits: [] };
    // Marked as SQLite marks a page of search(): every word and phrase asked for.
    const highlight = anyOf([...analysed.words, ...analysed.phrases]) ?? match;
    const rows = await this.db.many<PaperRow & { title_marked: string; snippet_marked: string }>(
      `SELECT ${PAPER_ROW}, ${headline('p.title', '$2', WHOLE)} AS title_marked, ${headline('p.abstract', '$2', SNIPPET)} AS snippet_marked
       FROM papers p WHERE p.pk = ANY($1::int[])`,
      [page.map((r) => r.key), highlight],
    );
    const byKey = new Map(rows.map((r) => [r.pk, r]));
    const ordered = page.flatMap((r) => (byKey.has(r.key) ? [{ row: byKey.get(r.key)!, score: r.score }] : []));
    const papers = await this.summaries(ordered.map((o) => withoutExtras(o.row)));
    return {
      total: ranking.total,
      hits: ordered.map(({ row, score }, i) => ({ key: row.pk, paper: papers[i]!, score, titleMarked: row.title_marked, snippetMarked: snippetOf(row.abstract, row.snippet_marked) })),
    };
  }

  async rankByKeywords(query: SearchQuery, options: { limit: number; any?: boolean; scoresTo?: number }): Promise<KeywordRanking> {
    const ranking = await this.rankAnyOrAll(query, options);
    if (!options.any) return ranking;
    return { ...ranking, withAllWords: await this.countWithAllWords(query, ranking.total) };
  }

  /**
   * Papers that have every meaningful word of the query (and its phrases and filters): what a
   * reader takes "N papers match" to mean, where the ranking itself counts any word.
   */
  private async countWithAllWords(query: SearchQuery, anyTotal: number): Promise<number> {
    const all = { ...query, terms: meaningfulTerms(query) };
    if (all.terms.length + all.phrases.length <= 1) return anyTotal;
    const match = allWordsMatch(await this.analyse(all));
    if (match === undefined) return 0;
    const p = new Params();
    return (await this.db.one<{ n: number }>(`SELECT count(*) AS n FROM papers p WHERE ${matchSql(match, query, p)}`, p.values))!.n;
  }

  private async rankAnyOrAll(query: SearchQuery, options: { limit: number; any?: boolean; scoresTo?: number; keys?: number[] }): Promise<KeywordRanking> {
    const pruned: SearchQuery & { allRequired?: boolean } = options.any ? await this.withoutCommonWords(query) : query;
    const analysed = await this.analyse(options.any ? { ...pruned, terms: contentWords(pruned.terms) } : pruned);
    const match = options.any ? anyWordMatch(analysed, pruned.allRequired) : allWordsMatch(analysed);
    if (match === undefined) return { ranked: [], total: 0, scoreOf: () => 0, via: 'fts' };
    const terms = scoringTerms([...analysed.words, ...analysed.phrases, ...analysed.authors]);
    // Plain words, no filters: the impact index's lists alone say which papers match, as the
    // lexeme-by-lexeme match here does.
    const plain = options.any === true && options.keys === undefined && query.phrases.length + query.authors.length + query.excludes.length + query.categories.length === 0 && !query.since && !query.until;
    return this.rankMatch(match, terms, query, { ...options, plain, all: pruned.allRequired });
  }

  /**
   * The papers `match` finds (with the query's filters; among `keys` when given) ranked by BM25 of
   * `terms`. With a ready impact index a plain query is ranked from its lists alone, and any
   * other from its lists over the keys the GIN index finds; otherwise in SQL, from each paper's
   * tsvector. Both give the same scores.
   */
  private async rankMatch(match: string, terms: Term[], query: SearchQuery, options: { limit: number; scoresTo?: number; keys?: number[]; plain?: boolean; all?: boolean }): Promise<KeywordRanking> {
    if (this.useImpact && this.ranking === 'bm25' && terms.length > 0 && (await this.keywordIndex.status()).ready) {
      const only = options.plain ? undefined : await this.matchingKeys(match, query, options.keys);
      const ranked = await this.keywordIndex.rank(terms, { limit: options.limit, all: options.plain && options.all, only });
      if (ranked) return ranked;
    }
    const conditions = (p: Params) => matchSql(match, query, p, options.keys);
    const p = new Params();
    const where = conditions(p);
    const score = await this.scoreSql(terms, p, match);
    const depth = Math.max(options.limit, options.scoresTo ?? 0);
    const deep = await this.db.many<{ key: number; score: number }>(
      `SELECT p.pk AS key, ${score} AS score FROM papers p WHERE ${where} ORDER BY score DESC, p.pk LIMIT ${p.add(depth)}`,
      p.values,
    );
    // Lower is better, as FTS5's bm25() reports it and fusion expects.
    const ranked = deep.map((r) => ({ key: r.key, score: -r.score }));
    const counting = new Params();
    const total = ranked.length < depth
      ? ranked.length
      : (await this.db.one<{ n: number }>(`SELECT count(*) AS n FROM papers p WHERE ${conditions(counting)}`, counting.values))!.n;
    const scores = new Map(ranked.map((r) => [r.key, r.score]));
    return { ranked: ranked.slice(0, options.limit), total, scoreOf: (key) => scores.get(key) ?? 0, via: 'fts' };
  }

  /** The keys of the visible papers `match` and the query's filters find (among `keys`, if given). */
  private async matchingKeys(match: string, query: SearchQuery, keys?: number[]): Promise<number[]> {
    const p = new Params();
    return (await this.db.many<{ pk: number }>(`SELECT p.pk FROM papers p WHERE ${matchSql(match, query, p, keys)}`, p.values)).map((r) => r.pk);
  }

  /**
   * In a large hub a word in a tenth of all papers costs the most to score and, by its low IDF,
   * changes the ranking little; such words are left out of any-word queries, as sqlite.ts leaves
   * them. If every word is that common, they must all match instead.
   */
  private async withoutCommonWords(query: SearchQuery): Promise<SearchQuery & { allRequired?: boolean }> {
    if (query.terms.length < 2) return query;
    const { rows } = await this.corpusSize();
    if (rows < PRUNE_ABOVE_PAPERS) return query;
    const limit = rows * COMMON_WORD_SHARE;
    const rare: string[] = [];
    for (const term of query.terms) {
      if (term.endsWith('*')) { rare.push(term); continue; }
      const piece = await this.piece(term, 'word');
      const frequencies = await this.documentFrequencies(piece.lexemes);
      if (Math.max(0, ...frequencies) <= limit) rare.push(term);
    }
    return rare.length > 0 ? { ...query, terms: rare } : { ...query, allRequired: true };
  }

  /**
   * The BM25 of paper p as an SQL expression (higher is better), with the terms' IDFs and the
   * average length added to `p`; or ts_rank_cd / ts_rank of `match` when the bench asks for them.
   */
  private async scoreSql(terms: Term[], p: Params, match: string): Promise<string> {
    if (this.ranking !== 'bm25') {
      // {D, C, B, A}: authors, abstract, title in the ratio of the BM25 column weights.
      const weights = `'{0, 0.25, 0.5, 1}'::float4[]`;
      const fn = this.ranking === 'ts_rank_cd' ? 'ts_rank_cd' : 'ts_rank';
      return `${fn}(${weights}, p.search_vector, ${p.add(match)}::tsquery)::float8`;
    }
    if (terms.length === 0) return '0::float8';
    const size = await this.corpusSize();
    const idfs = (await this.documentFrequencies(terms)).map((df) => idfOf(df, size.rows));
    return bm25Sql({
      lexemes: p.add(terms.map((t) => t.lexeme)),
      prefixes: p.add(terms.map((t) => t.prefix)),
      idfs: p.add(idfs),
      avgdl: p.add(size.tokens / Math.max(1, size.rows)),
    });
  }

  /** Papers holding each term now (for a prefix, any lexeme starting so). */
  private async documentFrequencies(terms: Term[]): Promise<number[]> {
    if (terms.length === 0) return [];
    const known = this.useImpact ? await this.keywordIndex.documentFrequencies(terms) : undefined;
    if (known) return known;
    const rows = await this.db.many<{ n: number }>(
      `SELECT (SELECT count(*) FROM papers p WHERE p.search_vector @@ t.q::tsquery) AS n FROM unnest($1::text[]) WITH ORDINALITY AS t(q, i) ORDER BY t.i`,
      [terms.map((t) => `${quoteLexeme(t.lexeme)}${t.prefix ? ':*' : ''}`)],
    );
    return rows.map((r) => r.n);
  }

  /** Every paper, and all their words: BM25's N and total length (avgdl = tokens / rows). */
  private async corpusSize(): Promise<CorpusSize> {
    const known = this.useImpact ? await this.keywordIndex.corpusSize() : undefined;
    if (known) return known;
    if (this.corpus && Date.now() - this.corpus.at < CORPUS_SIZE_TTL_MS) return this.corpus.size;
    const row = await this.db.one<{ rows: number; tokens: number | null }>(
      `SELECT count(*) AS rows, sum((SELECT sum(cardinality(u.positions)) FROM unnest(p.search_vector) u)) AS tokens FROM papers p`,
    );
    const size = { rows: row!.rows, tokens: row!.tokens ?? 0 };
    this.corpus = { at: Date.now(), size };
    return size;
  }

  async filterKeys(keys: number[], query: SearchQuery): Promise<number[]> {
    if (keys.length === 0) return [];
    const analysed = await this.analyse({ ...query, terms: [] });
    const p = new Params();
    const where = [`p.pk = ANY(${p.add(keys.map(Number))}::int[])`, ...filterSql(query, p)];
    const required = [...analysed.phrases, ...analysed.authors].filter((r) => r.tsquery !== '');
    const constraint = [...required.map((r) => `(${r.tsquery})`), ...negations(analysed)];
    if (required.length > 0) where.push(`p.search_vector @@ ${p.add(constraint.join(' & '))}::tsquery`);
    else if (constraint.length > 0) where.push(`NOT (p.search_vector @@ ${p.add(analysed.excludes.filter((e) => e.tsquery).map((e) => `(${e.tsquery})`).join(' | '))}::tsquery)`);
    const kept = new Set((await this.db.many<{ pk: number }>(`SELECT p.pk FROM papers p WHERE ${where.join(' AND ')}`, p.values)).map((r) => r.pk));
    return keys.filter((k) => kept.has(k));
  }

  async keywordScores(keys: number[], query: SearchQuery): Promise<Map<number, number>> {
    if (keys.length === 0) return new Map();
    if (!hasWords(query)) return new Map((await this.filterKeys(keys, query)).map((k) => [k, 0]));
    const ranking = await this.rankAnyOrAll(query, { limit: keys.length, any: true, keys });
    return new Map(ranking.ranked.map((r) => [r.key, -r.score]));
  }

  async hitsForKeys(keys: number[], query: SearchQuery): Promise<SearchHit[]> {
    if (keys.length === 0) return [];
    // "to", "of", "the" marked all over a page mean nothing to a reader: the words that carry
    // meaning are marked, as sqlite.ts marks them (buildHighlightMatch).
    const analysed = await this.analyse({ ...query, terms: meaningfulTerms(query), authors: [], excludes: [] });
    const highlight = anyOf([...analysed.words, ...analysed.phrases]);
    const p = new Params();
    const list = p.add(keys.map(Number));
    const marks = highlight === undefined
      ? `NULL::text AS title_marked, NULL::text AS snippet_marked`
      : `CASE WHEN p.search_vector @@ ${p.add(highlight)}::tsquery THEN ${headline('p.title', `$${p.values.length}`, WHOLE)} END AS title_marked,
         CASE WHEN p.search_vector @@ $${p.values.length}::tsquery THEN ${headline('p.abstract', `$${p.values.length}`, SNIPPET)} END AS snippet_marked`;
    const rows = await this.db.many<PaperRow & { title_marked: string | null; snippet_marked: string | null }>(
      `SELECT ${PAPER_ROW}, ${marks} FROM papers p WHERE p.pk = ANY(${list}::int[]) AND ${VISIBLE}`,
      p.values,
    );
    const byKey = new Map(rows.map((r) => [r.pk, r]));
    const ordered = keys.flatMap((k) => byKey.get(k) ?? []);
    const papers = await this.summaries(ordered.map(withoutExtras));
    return ordered.map((row, i) => ({
      key: row.pk,
      paper: papers[i]!,
      score: 0,
      titleMarked: row.title_marked ?? row.title,
      snippetMarked: row.snippet_marked !== null ? snippetOf(row.abstract, row.snippet_marked) : leadingWords(row.abstract, 40),
    }));
  }

  async suggest(typed: string, limit = 8): Promise<Suggestion[]> {
    const out: Suggestion[] = [];
    const name = normalizeAuthorName(typed);
    if (name.length >= 2) {
      // A range on the unique index of normalized names; starts_with keeps it exact in a collation
      // that orders by letters first and spaces after (en_US), where the range alone would not be.
      const authors = await this.db.many<{ name: string; papers: number }>(
        `SELECT a.name, (SELECT count(*) FROM paper_authors pa JOIN papers p ON p.pk = pa.paper_pk WHERE pa.author_pk = a.pk AND ${VISIBLE}) AS papers
         FROM authors a WHERE a.normalized >= $1 AND a.normalized < $2 AND starts_with(a.normalized, $1)
         ORDER BY papers DESC, a.normalized COLLATE "C" LIMIT 200`,
        [name, nextPrefix(name)],
      );
      // An author whose every paper is hidden or merged away is not suggested.
      out.push(...authors.filter((a) => a.papers > 0).slice(0, 3).map((a) => ({ kind: 'author' as const, text: a.name, papers: a.papers })));
    }
    const words = typed.toLowerCase().match(/[\p{L}\p{N}]+/gu)?.slice(0, 8);
    if (words && words.length > 0) {
      // Title words as typed so far: every word complete but the last, which is a prefix; in the
      // title only (weight A). Stemmed, unlike SQLite's titles_fts: "model" also finds "models".
      const last = words.pop()!;
      const typedQuery = [...words.map((w) => `${quoteLexeme(w)}:A`), `${quoteLexeme(last)}:*A`].join(' & ');
      const normalised = (await this.db.one<{ q: string }>(`SELECT to_tsquery('${TS_CONFIG}', $1)::text AS q`, [typedQuery]))!.q;
      if (normalised !== '') {
        // The newest matching titles, as SQLite lists them: pk order is insertion order.
        const titles = await this.db.many<{ id: string; title: string }>(
          `SELECT p.id, p.title FROM papers p WHERE p.search_vector @@ $1::tsquery AND ${VISIBLE} ORDER BY p.pk DESC LIMIT $2`,
          [normalised, limit],
        );
        out.push(...titles.map((t) => ({ kind: 'paper' as const, text: t.title, id: t.id })));
      }
    }
    return out.slice(0, limit);
  }

  async similarByKeywords(id: string, limit = 6): Promise<PaperSummary[]> {
    const row = await this.db.one<PaperRow>(`SELECT ${PAPER_ROW} FROM papers p WHERE p.id = $1`, [id]);
    if (!row) return [];
    // The distinctive words of its title and abstract, any of which may match; BM25's IDF then
    // favours the rarer ones.
    const words = (`${row.title} ${row.abstract}`.toLowerCase().match(/\p{L}[\p{L}\p{N}-]{2,}/gu) ?? []).filter((w) => !STOPWORDS.has(w));
    const distinct = [...new Set(words)].slice(0, SIMILAR_WORDS);
    if (distinct.length === 0) return [];
    const query: SearchQuery = { terms: distinct, phrases: [], excludes: [], authors: [], categories: [] };
    const ranking = await this.rankAnyOrAll(query, { limit: limit + 1, any: true });
    const keys = ranking.ranked.map((r) => r.key).filter((k) => k !== row.pk).slice(0, limit);
    if (keys.length === 0) return [];
    const rows = await this.db.many<PaperRow>(`SELECT ${PAPER_ROW} FROM papers p WHERE p.pk = ANY($1::int[]) AND ${VISIBLE}`, [keys]);
    const byKey = new Map(rows.map((r) => [r.pk, r]));
    return this.summaries(keys.flatMap((k) => byKey.get(k) ?? []));
  }

  /** The query's words, phrases, names and exclusions as PostgreSQL normalises them, in one round trip. */
  private async analyse(query: SearchQuery): Promise<Analysed> {
    const wanted: [string, PieceKind][] = [
      ...query.terms.map((t) => [t, 'word'] as [string, PieceKind]),
      ...query.phrases.map((t) => [t, 'phrase'] as [string, PieceKind]),
      ...query.authors.map((t) => [t, 'author'] as [string, PieceKind]),
      ...query.excludes.map((t) => [t, 'phrase'] as [string, PieceKind]),
    ];
    await this.analyseAll(wanted);
    const get = (text: string, kind: PieceKind) => this.analysisCache.get(cacheKey(text, kind))!;
    return {
      words: query.terms.map((t) => get(t, 'word')),
      phrases: query.phrases.map((t) => get(t, 'phrase')),
      authors: query.authors.map((t) => get(t, 'author')),
      excludes: query.excludes.map((t) => get(t, 'phrase')),
    };
  }

  private async piece(text: string, kind: PieceKind): Promise<Piece> {
    await this.analyseAll([[text, kind]]);
    return this.analysisCache.get(cacheKey(text, kind))!;
  }

  private async analyseAll(wanted: [string, PieceKind][]): Promise<void> {
    const missing = wanted.filter(([text, kind]) => !this.analysisCache.has(cacheKey(text, kind)));
    if (missing.length === 0) return;
    // A plain word or phrase is read by PostgreSQL's own parser (phraseto_tsquery), so "gpt-4o"
    // and "3.5" are the tokens its documents hold. A prefix and an author: are written as
    // to_tsquery input from their letters and digits only, so nothing typed is read as syntax.
    const inputs = missing.map(([text, kind]) => tsqueryInput(text, kind));
    const rows = await this.db.many<{ q: string }>(
      `SELECT CASE WHEN t.raw THEN to_tsquery($3::regconfig, t.x) ELSE phraseto_tsquery($3::regconfig, t.x) END::text AS q
       FROM unnest($1::text[], $2::bool[]) WITH ORDINALITY AS t(x, raw, i) ORDER BY t.i`,
      [inputs.map((i) => i.text), inputs.map((i) => i.raw), this.config],
    );
    missing.forEach(([text, kind], i) => {
      const q = rows[i]!.q;
      if (this.analysisCache.size >= ANALYSIS_CACHE_SIZE) this.analysisCache.delete(this.analysisCache.keys().next().value!);
      this.analysisCache.set(cacheKey(text, kind), { tsquery: q, lexemes: lexemesOf(q) });
    });
  }
}

type PieceKind = 'word' | 'phrase' | 'author';

function cacheKey(text: string, kind: PieceKind): string {
  return `${kind}\u0000${text}`;
}

function tsqueryInput(text: string, kind: PieceKind): { text: string; raw: boolean } {
  const prefix = kind === 'word' && text.length > 1 && text.endsWith('*');
  if (kind === 'phrase' || (kind === 'word' && !prefix)) return { text, raw: false };
  const tokens = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (tokens.length === 0) return { text: '', raw: false };
  // author: is matched in the authors (weight C), as FTS5's `authors_text : "…"`.
  const parts = tokens.map((t, i) => `${quoteLexeme(t)}${kind === 'author' ? ':C' : prefix && i === tokens.length - 1 ? ':*' : ''}`);
  return { text: parts.join(' <-> '), raw: true };
}

/** A lexeme as tsquery text: quoted, its quotes doubled and backslashes escaped. */
function quoteLexeme(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The lexemes in a tsquery's text, as PostgreSQL writes it ('diffus':* & 'model' <-> 'speech':C). */
function lexemesOf(tsquery: string): Piece['lexemes'] {
  const out: Piece['lexemes'] = [];
  for (const m of tsquery.matchAll(/'((?:[^'\\]|''|\\.)*)'(:[*A-D]+)?/g)) {
    out.push({ lexeme: m[1]!.replace(/''/g, "'").replace(/\\(.)/g, '$1'), prefix: (m[2] ?? '').includes('*') });
  }
  return out;
}

/**
 * Every word, phrase and name, and none of the exclusions; undefined when nothing indexed is asked
 * for. What holds only function words (none of it indexed) is passed over, as PostgreSQL itself
 * passes over such a part of a tsquery.
 */
function allWordsMatch(a: Analysed): string | undefined {
  const positive = [...a.words, ...a.phrases, ...a.authors].filter((p) => p.tsquery !== '');
  if (positive.length === 0) return undefined;
  return [...positive.map((p) => `(${p.tsquery})`), ...negations(a)].join(' & ');
}

/**
 * Any of the words (each lexeme by itself, as the impact index matches them), with all the
 * phrases and names and none of the exclusions; with `allRequired`, every lexeme.
 */
function anyWordMatch(a: Analysed, allRequired?: boolean): string | undefined {
  const lexemes = a.words.flatMap((w) => w.lexemes).map((l) => `${quoteLexeme(l.lexeme)}${l.prefix ? ':*' : ''}`);
  const required = [...a.phrases, ...a.authors].filter((p) => p.tsquery !== '');
  const positive = [...(lexemes.length > 0 ? [`(${lexemes.join(allRequired ? ' & ' : ' | ')})`] : []), ...required.map((p) => `(${p.tsquery})`)];
  if (positive.length === 0) return undefined;
  return [...positive, ...negations(a)].join(' & ');
}

function negations(a: Analysed): string[] {
  return a.excludes.filter((e) => e.tsquery !== '').map((e) => `!(${e.tsquery})`);
}

function anyOf(pieces: Piece[]): string | undefined {
  const parts = pieces.filter((p) => p.tsquery !== '').map((p) => `(${p.tsquery})`);
  return parts.length > 0 ? parts.join(' | ') : undefined;
}

/** Each lexeme of the words, phrases and names once per time it is asked for, as FTS5 sums its phrases. */
function scoringTerms(pieces: Piece[]): Term[] {
  return pieces.flatMap((p) => p.lexemes);
}

function hasWords(q: SearchQuery): boolean {
  return q.terms.length + q.phrases.length + q.authors.length > 0;
}

/** SQL conditions on papers p for visibility, cat:, since: and until:. */
function filterSql(query: SearchQuery, p: Params): string[] {
  const filters = [VISIBLE];
  if (query.categories.length > 0) {
    // citext: cat:CS.lg is cs.LG, as SQLite's NOCASE column has it; cs also finds cs.LG.
    const alternatives = query.categories.map((c) => `category = ${p.add(c)}::public.citext OR category LIKE ${p.add(`${c}.%`)}::public.citext`);
    filters.push(`p.pk IN (SELECT paper_pk FROM paper_categories WHERE ${alternatives.join(' OR ')})`);
  }
  if (query.since) filters.push(`coalesce(p.published_at, p.listed_at) >= ${p.add(query.since)}`);
  if (query.until) filters.push(`coalesce(p.published_at, p.listed_at) < ${p.add(nextDay(query.until))}`);
  return filters;
}

/**
 * ts_headline of a column: its words matching the tsquery marked. A '<' is hidden from the parser
 * (as migration 11 hides it from to_tsvector) so that "a<b and c>d" is not taken for a tag, whose
 * words would be neither found nor marked, and put back after.
 */
function headline(column: string, tsquery: string, options: string): string {
  return `replace(ts_headline('${TS_CONFIG}', replace(${column}, '<', chr(${LT_STANDIN})), ${tsquery}::tsquery, '${options}'), chr(${LT_STANDIN}), '<')`;
}

/** The papers a tsquery and the query's filters find, among `keys` when given: SQL on papers p. */
function matchSql(match: string, query: SearchQuery, p: Params, keys?: number[]): string {
  const where = [`p.search_vector @@ ${p.add(match)}::tsquery`, ...filterSql(query, p)];
  if (keys) where.push(`p.pk = ANY(${p.add(keys.map(Number))}::int[])`);
  return where.join(' AND ');
}

function withoutExtras<T extends PaperRow>(row: T): PaperRow {
  const { score: _s, title_marked: _t, snippet_marked: _m, ...rest } = row as T & { score?: number; title_marked?: unknown; snippet_marked?: unknown };
  return rest as PaperRow;
}

/** ts_headline's fragment, with '…' where it cuts the abstract short, as FTS5's snippet() has it. */
function snippetOf(abstract: string, marked: string): string {
  const plain = marked.replaceAll(MARK_START, '').replaceAll(MARK_END, '');
  const at = abstract.indexOf(plain);
  if (at < 0 || plain.length === 0) return marked;
  const before = abstract.slice(0, at).trim() !== '' ? '…' : '';
  const after = abstract.slice(at + plain.length).trim() !== '' ? '…' : '';
  return `${before}${marked}${after}`;
}
