// The Store on an embedded SQLite file (better-sqlite3, WAL). Reads go through Kysely so that a
// PostgreSQL store can share their shape; writes and the keyword index use prepared statements
// on the same connection, because bulk imports live or die by per-row cost.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { cleanAbstract, collapseWhitespace, hasControls, normalizeAuthorName, stripControls, withoutControls } from '../paper/text.ts';
import type { PaperRecord, RecordError } from '../paper/types.ts';
import { hashPaper, mergePaper, type PaperState } from './merge.ts';
import {
  AUTHOR_CACHE_SIZE,
  authorKey,
  batchCounts,
  harvestStateRow,
  hfColumns,
  INTERRUPTED_LISTED,
  laterThan,
  leadingWords,
  nextDay,
  paperColumns,
  paperDetail,
  paperState,
  paperSummaries,
  sameSignals,
  sampleTime,
  storeStats,
  toHarvestState,
  toIngestRun,
  unrankedHits,
  VISIBLE,
  type HfRow,
  type PaperRow,
} from './paper-rows.ts';
import { DROP_FTS_TRIGGERS, FTS_TRIGGERS, MIGRATIONS, REBUILD_FTS } from './migrations.ts';
import { SqliteVectors } from './sqlite-vectors.ts';
import { COLUMN_WEIGHTS, COMMON_WORD_SHARE, PRUNE_ABOVE_PAPERS, type ScoredList } from './impact-index.ts';
import { SqliteKeywordIndex } from './sqlite-keywords.ts';
import { SqliteAccounts } from './sqlite-accounts.ts';
import { SqliteCommunity } from './sqlite-community.ts';
import { SqliteShared } from './sqlite-shared.ts';
import { SqliteSignals } from './sqlite-signals.ts';
import { SqliteSubscriptions } from './sqlite-subscriptions.ts';
import type { Database } from './schema.ts';
import { buildConstraint, buildHighlightMatch, buildMatch, buildSuggestMatch, contentWords, meaningfulTerms, quote } from './fts.ts';
import {
  MARK_END,
  MARK_START,
  type AuthorPapers,
  type DayCount,
  type HarvestState,
  type IngestBatch,
  type IngestRun,
  type IngestRunSummary,
  type KeywordRanking,
  type ListOptions,
  type PaperDetail,
  type PaperSummary,
  type SearchHit,
  type SearchPage,
  type SearchQuery,
  type Store,
  type StoreStats,
  type Suggestion,
  type UpsertOutcome,
} from './store.ts';

/** bm25 column weights: title, abstract, authors. */
const BM25 = `bm25(papers_fts, ${COLUMN_WEIGHTS.title}, ${COLUMN_WEIGHTS.abstract}, ${COLUMN_WEIGHTS.authors_text})`;
const FTS_DIRTY = 'fts_dirty';
/** Left by migration 10: text stored before ingest took control characters out is still to be cleaned. */
const CONTROLS_TO_CLEAN = 'controls_to_clean';
/** Words whose FTS5 tokens are remembered. */
const STEM_CACHE_SIZE = 10_000;

export async function openSqliteStore(path: string): Promise<Store> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // with WAL: durable at every commit except on power loss
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('temp_store = MEMORY'); // scratch indexes (stemming, highlighting a page) are small and rewritten per query
  migrate(db);
  repairKeywordIndex(db);
  const store = new SqliteStore(db);
  store.cleanStoredText();
  return store;
}

function migrate(db: BetterSqlite3.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`The database was written by a newer Paperboy (schema ${current}, this one knows ${MIGRATIONS.length}). Upgrade Paperboy.`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** A bulk import killed half-way left the index stale and its triggers off: rebuild it. */
function repairKeywordIndex(db: BetterSqlite3.Database): void {
  const dirty = db.prepare('SELECT value FROM meta WHERE key = ?').get(FTS_DIRTY);
  if (dirty) rebuildKeywordIndex(db);
}

function rebuildKeywordIndex(db: BetterSqlite3.Database): void {
  db.transaction(() => {
    db.exec(REBUILD_FTS);
    db.exec(FTS_TRIGGERS);
    db.prepare('DELETE FROM meta WHERE key = ?').run(FTS_DIRTY);
  })();
}

class SqliteStore implements Store {
  private readonly k: Kysely<Database>;
  private readonly statements: ReturnType<typeof prepareWrites>;
  private readonly authorPks = new Map<string, number>();
  readonly vectors: SqliteVectors;
  readonly keywordIndex: SqliteKeywordIndex;
  readonly accounts: SqliteAccounts;
  readonly community: SqliteCommunity;
  readonly signals: SqliteSignals;
  readonly subscriptions: SqliteSubscriptions;
  readonly shared: SqliteShared;
  private readonly vocab: ReturnType<typeof prepareVocabulary>;
  private counted = { at: 0, n: 0 };
  private readonly stemCache = new Map<string, string[]>();

  constructor(private readonly db: BetterSqlite3.Database) {
    this.k = new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) });
    this.statements = prepareWrites(db);
    this.vectors = new SqliteVectors(db);
    this.keywordIndex = new SqliteKeywordIndex(db);
    this.accounts = new SqliteAccounts(db);
    this.community = new SqliteCommunity(db, (rows) => this.summaries(rows));
    this.signals = new SqliteSignals(db);
    this.subscriptions = new SqliteSubscriptions(db);
    this.shared = new SqliteShared(db);
    this.vocab = prepareVocabulary(db);
  }

  async upsertPapers(records: PaperRecord[]): Promise<UpsertOutcome[]> {
    if (records.length === 0) return [];
    const now = new Date().toISOString();
    return this.db.transaction(() => records.map((r) => this.upsertOne(r, now)))();
  }

  private upsertOne(record: PaperRecord, now: string): UpsertOutcome {
    const row = this.statements.findPaper.get(record.id) as PaperRow | undefined;
    const existing = row ? this.loadState(row) : undefined;
    return this.writeState(row, existing, mergePaper(existing, record, now), now);
  }

  /** Writes a paper's new state over its row (`existing` is what the row holds), unless nothing changed. */
  private writeState(row: PaperRow | undefined, existing: PaperState | undefined, state: PaperState, now: string): UpsertOutcome {
    const s = this.statements;
    const hash = hashPaper(state);
    if (row && row.content_hash === hash) return 'unchanged';

    const columns = paperColumns(state, hash, row ? laterThan(row.changed_at, now) : now);
    let pk: number;
    if (row) {
      pk = row.pk;
      s.updatePaper.run({ ...columns, pk });
      for (const clear of [s.clearVersions, s.clearAuthors, s.clearCategories, s.clearLinks]) clear.run(pk);
    } else {
      pk = Number(s.insertPaper.run({ ...columns, added_at: now }).lastInsertRowid);
    }
    for (const v of state.versions) s.insertVersion.run(pk, v.version, v.created ?? null, v.size ?? null);
    state.authors.forEach((name, i) => s.insertPaperAuthor.run(pk, i, this.authorPk(name), name));
    for (const c of new Set(state.categories)) s.insertCategory.run(c, pk);
    for (const url of state.codeUrls) s.insertLink.run(pk, 'code', url);
    if (state.hf && !sameSignals(existing, state)) {
      const hf = state.hf;
      s.upsertHf.run({ paper_pk: pk, ...hfColumns(hf) });
      s.insertSample.run(pk, 'huggingface', sampleTime(hf.dailyDate, now), hf.upvotes, hf.githubStars ?? null);
    }
    return row ? 'updated' : 'added';
  }

  /**
   * Migration 10 leaves a mark, and the first open after it cleans the papers an older Paperboy
   * stored with control characters (see stripControls) through the same write as an import, so
   * their hash, their changed_at (which vectors and the impact index follow) and the full-text
   * index agree with the clean text. One transaction: a process killed half-way cleans again.
   */
  cleanStoredText(): void {
    if (!this.db.prepare('SELECT 1 FROM meta WHERE key = ?').get(CONTROLS_TO_CLEAN)) return;
    this.db.function('paperboy_has_controls', { deterministic: true }, (value: unknown) => (typeof value === 'string' && hasControls(value) ? 1 : 0));
    // JSON writes C0 controls as escapes: a JSON column is read as JSON.
    this.db.function('paperboy_json_has_controls', { deterministic: true }, (value: unknown) => {
      if (typeof value !== 'string') return 0;
      const parsed: unknown = JSON.parse(value);
      return withoutControls(parsed) === parsed ? 0 : 1;
    });
    const text = (columns: string[]) => columns.map((c) => `coalesce(${c}, '')`).join(' || ');
    const dirty = this.db.prepare(`
      SELECT pk FROM papers WHERE paperboy_has_controls(${text(['title', 'abstract', 'authors_text', 'categories', 'comments', 'journal_ref', 'doi', 'license', 'report_no', 'project_page'])})
      UNION SELECT paper_pk FROM paper_links WHERE paperboy_has_controls(url)
      UNION SELECT paper_pk FROM hf_signals WHERE paperboy_has_controls(${text(['submitter', 'github_repo', 'ai_summary', 'organization', 'thumbnail'])})
                                           OR paperboy_json_has_controls(ai_keywords) OR paperboy_json_has_controls(media_urls)`).pluck();
    const paperByPk = this.db.prepare('SELECT * FROM papers WHERE pk = ?');
    const dirtyAuthors = this.db.prepare('SELECT pk, name FROM authors WHERE paperboy_has_controls(name)');
    const renameAuthor = this.db.prepare('UPDATE authors SET name = ? WHERE pk = ?');
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const pk of dirty.all() as number[]) {
        const row = paperByPk.get(pk) as PaperRow;
        const existing = this.loadState(row);
        this.writeState(row, existing, cleanedState(existing), now);
      }
      // An author's first spelling names them on their page; the key they are found by never held controls.
      for (const a of dirtyAuthors.all() as { pk: number; name: string }[]) {
        const name = collapseWhitespace(stripControls(a.name));
        if (name) renameAuthor.run(name, a.pk);
      }
      this.db.prepare('DELETE FROM meta WHERE key = ?').run(CONTROLS_TO_CLEAN);
    })();
  }

  private authorPk(name: string): number {
    const key = authorKey(name);
    let pk = this.authorPks.get(key);
    if (pk === undefined) {
      const s = this.statements;
      pk = (s.findAuthor.get(key) as { pk: number } | undefined)?.pk ?? Number(s.insertAuthor.run(name, key).lastInsertRowid);
      if (this.authorPks.size > AUTHOR_CACHE_SIZE) this.authorPks.clear(); // bound memory on huge imports
      this.authorPks.set(key, pk);
    }
    return pk;
  }

  private loadState(row: PaperRow): PaperState {
    const s = this.statements;
    return paperState(row, {
      versions: s.versionsOf.all(row.pk) as { version: number; created_at: string | null; size: string | null }[],
      authors: (s.authorsOf.all(row.pk) as { name: string }[]).map((a) => a.name),
      links: (s.linksOf.all(row.pk) as { url: string }[]).map((l) => l.url),
      hf: s.hfOf.get(row.pk) as HfRow | undefined,
    });
  }

  async bulk<T>(work: () => Promise<T>): Promise<T> {
    this.db.transaction(() => {
      this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(FTS_DIRTY, new Date().toISOString());
      this.db.exec(DROP_FTS_TRIGGERS);
    })();
    try {
      return await work();
    } finally {
      rebuildKeywordIndex(this.db);
    }
  }

  async getPaper(id: string): Promise<PaperDetail | undefined> {
    const row = await this.k.selectFrom('papers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const state = this.loadState(row);
    const [summary] = await this.summaries([row]);
    const mergedInto = row.merged_into === null ? undefined : (this.statements.idOf.get(row.merged_into) as { id: string } | undefined)?.id;
    return paperDetail(summary!, row, state, mergedInto);
  }

  /** Turns paper rows into summaries with their authors and signals, in the rows' order. */
  async summaries(rows: PaperRow[]): Promise<PaperSummary[]> {
    if (rows.length === 0) return [];
    const pks = rows.map((r) => r.pk);
    const authors = await this.k.selectFrom('paper_authors').select(['paper_pk', 'name']).where('paper_pk', 'in', pks).orderBy('paper_pk').orderBy('position').execute();
    const signals = await this.k.selectFrom('hf_signals').selectAll().where('paper_pk', 'in', pks).execute();
    return paperSummaries(rows, authors, signals);
  }

  async listPapers(from: string, to: string, options: ListOptions = {}): Promise<PaperSummary[]> {
    let q = this.k
      .selectFrom('papers as p')
      .leftJoin('hf_signals as h', 'h.paper_pk', 'p.pk')
      .selectAll('p')
      .where('p.listed_at', '>=', from)
      .where('p.listed_at', '<', to)
      .where('p.hidden_at', 'is', null)
      .where('p.merged_into', 'is', null);
    q = options.sort === 'recent'
      ? q.orderBy('p.listed_at', 'desc')
      // The number a card shows: upvotes on the source plus votes cast here.
      : q.orderBy(sql`coalesce(h.upvotes, 0) + (SELECT count(*) FROM votes v WHERE v.paper_pk = p.pk)`, 'desc').orderBy('p.listed_at', 'desc');
    const rows = await q.orderBy('p.id').limit(options.limit ?? 50).offset(options.offset ?? 0).execute();
    return this.summaries(rows);
  }

  async countPapers(from: string, to: string): Promise<number> {
    const r = await this.k.selectFrom('papers').select((eb) => eb.fn.countAll<number>().as('n')).where('listed_at', '>=', from).where('listed_at', '<', to).where('hidden_at', 'is', null).where('merged_into', 'is', null).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async dayCounts(from: string, to: string): Promise<DayCount[]> {
    const rows = await this.k
      .selectFrom('papers')
      .select([sql<string>`substr(listed_at, 1, 10)`.as('day'), (eb) => eb.fn.countAll<number>().as('count')])
      .where('listed_at', '>=', from)
      .where('listed_at', '<', to)
      .where('hidden_at', 'is', null)
      .where('merged_into', 'is', null)
      .groupBy(sql`substr(listed_at, 1, 10)`)
      .orderBy('day')
      .execute();
    return rows.map((r) => ({ day: r.day, count: Number(r.count) }));
  }

  async latestDay(): Promise<string | undefined> {
    const r = await this.visiblePapers().select('listed_at').orderBy('listed_at', 'desc').limit(1).executeTakeFirst();
    return r?.listed_at.slice(0, 10);
  }

  async neighbourDays(day: string): Promise<{ previous?: string; next?: string }> {
    const start = `${day}T00:00:00.000Z`;
    const end = `${day}T23:59:59.999Z~`;
    const prev = await this.visiblePapers().select('listed_at').where('listed_at', '<', start).orderBy('listed_at', 'desc').limit(1).executeTakeFirst();
    const next = await this.visiblePapers().select('listed_at').where('listed_at', '>', end).orderBy('listed_at', 'asc').limit(1).executeTakeFirst();
    return { previous: prev?.listed_at.slice(0, 10), next: next?.listed_at.slice(0, 10) };
  }

  private visiblePapers() {
    return this.k.selectFrom('papers').where('hidden_at', 'is', null).where('merged_into', 'is', null);
  }

  async search(query: SearchQuery, options: { limit?: number; offset?: number } = {}): Promise<SearchPage> {
    const limit = options.limit ?? 20;
    const offset = options.offset ?? 0;
    const match = buildMatch(query);
    const { where, params } = filterSql(query);

    if (match === undefined) {
      // Filters alone (cat:, since:): nothing to rank by, so the newest first.
      const base = `FROM papers p WHERE 1 = 1${where}`;
      const total = (this.db.prepare(`SELECT count(*) AS n ${base}`).get(...params) as { n: number }).n;
      const rows = this.db.prepare(`SELECT p.* ${base} ORDER BY coalesce(p.published_at, p.listed_at) DESC LIMIT ? OFFSET ?`).all(...params, limit, offset) as PaperRow[];
      return { total, hits: unrankedHits(rows, await this.summaries(rows)) };
    }
    const base = `FROM papers_fts JOIN papers p ON p.pk = papers_fts.rowid WHERE papers_fts MATCH ?${where}`;
    const total = (this.db.prepare(`SELECT count(*) AS n ${base}`).get(match, ...params) as { n: number }).n;
    const rows = this.db
      .prepare(
        `SELECT p.*, ${BM25} AS score,
                highlight(papers_fts, 0, '${MARK_START}', '${MARK_END}') AS title_marked,
                snippet(papers_fts, 1, '${MARK_START}', '${MARK_END}', '…', 40) AS snippet_marked
         ${base} ORDER BY score LIMIT ? OFFSET ?`,
      )
      .all(match, ...params, limit, offset) as (PaperRow & { score: number; title_marked: string; snippet_marked: string })[];
    const papers = await this.summaries(rows);
    return {
      total,
      hits: rows.map((r, i) => ({ key: r.pk, paper: papers[i]!, score: r.score, titleMarked: r.title_marked, snippetMarked: r.snippet_marked })),
    };
  }

  async rankByKeywords(query: SearchQuery, options: { limit: number; any?: boolean; scoresTo?: number }): Promise<KeywordRanking> {
    const ranking = await this.rankAnyOrAll(query, options);
    if (!options.any) return ranking;
    return { ...ranking, withAllWords: this.countWithAllWords(query, ranking.total) };
  }

  /**
   * Papers that have every meaningful word of the query (and its phrases and filters): what a
   * reader takes "N papers match" to mean, where the ranking itself counts any word.
   */
  private countWithAllWords(query: SearchQuery, anyTotal: number): number {
    const all = { ...query, terms: meaningfulTerms(query) };
    if (all.terms.length + all.phrases.length <= 1) return anyTotal;
    const match = buildMatch(all, {});
    if (match === undefined) return 0;
    const { where, params } = filterSql(query);
    return (this.db.prepare(`SELECT count(*) AS n FROM papers_fts JOIN papers p ON p.pk = papers_fts.rowid WHERE papers_fts MATCH ?${where}`).get(match, ...params) as { n: number }).n;
  }

  private async rankAnyOrAll(query: SearchQuery, options: { limit: number; any?: boolean; scoresTo?: number }): Promise<KeywordRanking> {
    const pruned = options.any ? this.withoutCommonWords(query) : query;
    const fast = options.any ? this.rankFast(pruned, options.limit) : undefined;
    if (fast) return fast;
    const match = buildMatch(pruned, { any: options.any });
    if (match === undefined) return { ranked: [], total: 0, scoreOf: () => 0, via: 'fts' };
    const { where, params } = filterSql(query);
    const depth = Math.max(options.limit, options.scoresTo ?? 0);
    // Every ranking joins papers (by rowid, one lookup per match) to leave hidden and merged ones out.
    const join = ' JOIN papers p ON p.pk = papers_fts.rowid';
    const deep = this.db
      .prepare(`SELECT papers_fts.rowid AS key, ${BM25} AS score FROM papers_fts${join} WHERE papers_fts MATCH ?${where} ORDER BY score LIMIT ?`)
      .all(match, ...params, depth) as { key: number; score: number }[];
    const total = deep.length < depth
      ? deep.length
      : (this.db.prepare(`SELECT count(*) AS n FROM papers_fts${join} WHERE papers_fts MATCH ?${where}`).get(match, ...params) as { n: number }).n;
    const scores = new Map(deep.map((r) => [r.key, r.score]));
    return { ranked: deep.slice(0, options.limit), total, scoreOf: (key) => scores.get(key) ?? 0, via: 'fts' };
  }

  /**
   * Plain words with no filters go to the impact index (sqlite-keywords.ts), which gives FTS5's
   * scores without FTS5 scoring every match. Undefined when it cannot answer: not built, a word
   * FTS5 reads as a phrase ("text-to-speech") or a prefix, or any filter.
   */
  private rankFast(query: SearchQuery & { allRequired?: boolean }, limit: number): KeywordRanking | undefined {
    if (query.phrases.length + query.authors.length + query.excludes.length + query.categories.length > 0 || query.since || query.until) return undefined;
    const terms: (string | ScoredList)[] = [];
    for (const word of contentWords(query.terms)) {
      if (word.endsWith('*')) return undefined;
      const tokens = this.stems(word);
      if (tokens.length === 0) return undefined;
      terms.push(tokens.length === 1 ? tokens[0]! : this.phraseScores(word));
    }
    // Few papers are hidden or merged; a partial index lists them.
    const hidden = new Set(this.vocab.hidden.all() as number[]);
    return this.keywordIndex.rank(terms, { limit, all: query.allRequired, hidden });
  }

  /**
   * A word FTS5 reads as a phrase ("text-to-speech": three tokens in a row) needs positions, which
   * the impact index does not keep. FTS5 scores it alone: bm25() is a sum over phrases, each
   * term depending only on its own frequency and IDF, so its part of any query's score is its
   * score alone. Phrases are rarer than their words, so this scores few papers.
   */
  private phraseScores(word: string): ScoredList {
    const rows = this.db.prepare(`SELECT rowid, -${BM25} FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rowid`).raw().all(quote(word)) as [number, number][];
    return { keys: Int32Array.from(rows, (r) => r[0]), scores: Float64Array.from(rows, (r) => r[1]) };
  }

  /**
   * The tokens FTS5 makes of a word: usually one stem; several for "text-to-speech". Remembered,
   * as the scratch table costs a write per word and stemming never changes.
   */
  private stems(word: string): string[] {
    let tokens = this.stemCache.get(word);
    if (!tokens) {
      const s = this.vocab;
      s.clear.run();
      s.insert.run(word);
      tokens = (s.tokens.all() as { term: string }[]).map((r) => r.term);
      if (this.stemCache.size >= STEM_CACHE_SIZE) this.stemCache.delete(this.stemCache.keys().next().value!);
      this.stemCache.set(word, tokens);
    }
    return tokens;
  }

  /**
   * SQLite scores every paper a word matches before it can sort, so in a large hub a word that is
   * in a tenth of all papers costs tens of milliseconds and, by its low IDF, changes the ranking
   * little. Such words are left out of any-word queries; if every word is that common, they must
   * all match instead.
   */
  private withoutCommonWords(query: SearchQuery): SearchQuery & { allRequired?: boolean } {
    const papers = this.recentPaperCount();
    if (papers < PRUNE_ABOVE_PAPERS || query.terms.length < 2) return query;
    const limit = papers * COMMON_WORD_SHARE;
    const rare = query.terms.filter((t) => t.endsWith('*') || this.documentFrequency(t) <= limit);
    return rare.length > 0 ? { ...query, terms: rare } : { ...query, allRequired: true };
  }

  /** Papers containing the word as the keyword index stems it (the most of its stems' counts). */
  private documentFrequency(word: string): number {
    return Math.max(0, ...this.stems(word).map((t) => this.keywordIndex.documentFrequency(t) ?? (this.vocab.df.get(t) as { doc: number } | undefined)?.doc ?? 0));
  }

  /** The paper count, read at most once a minute. */
  private recentPaperCount(): number {
    if (Date.now() - this.counted.at > 60_000) this.counted = { at: Date.now(), n: (this.db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n };
    return this.counted.n;
  }

  async filterKeys(keys: number[], query: SearchQuery): Promise<number[]> {
    if (keys.length === 0) return [];
    const { where, params } = filterSql(query);
    const { match, exclude } = buildConstraint(query);
    const list = keys.map(Number).join(',');
    const conditions = [`p.pk IN (${list})`];
    const args: unknown[] = [];
    if (match) { conditions.push(`p.pk IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? AND rowid IN (${list}))`); args.push(match); }
    if (exclude) { conditions.push(`p.pk NOT IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? AND rowid IN (${list}))`); args.push(exclude); }
    const kept = new Set((this.db.prepare(`SELECT p.pk FROM papers p WHERE ${conditions.join(' AND ')}${where}`).all(...args, ...params) as { pk: number }[]).map((r) => r.pk));
    return keys.filter((k) => kept.has(k));
  }

  async keywordScores(keys: number[], query: SearchQuery): Promise<Map<number, number>> {
    if (keys.length === 0) return new Map();
    const fast = this.rankFast(this.withoutCommonWords(query), 1);
    // scoreOf is BM25 as FTS5 reports it (negative, lower is better); this map is higher-is-better.
    // The index scores any paper it holds, hidden and merged ones too: filterKeys keeps the visible.
    if (fast) {
      const scored = keys.filter((key) => fast.scoreOf(key) < 0);
      return new Map((await this.filterKeys(scored, query)).map((key) => [key, -fast.scoreOf(key)]));
    }
    const match = buildMatch(query, { any: true });
    if (match === undefined) return new Map((await this.filterKeys(keys, query)).map((k) => [k, 0]));
    // The whole match, then the papers asked about: FTS5 given `rowid IN (…)` as well took seven
    // times as long (130 ms against 18 ms for 300 papers of a 20k hub).
    const wanted = new Set(keys);
    const { where, params } = filterSql(query);
    const rows = this.db
      .prepare(`SELECT papers_fts.rowid AS key, -${BM25} AS score FROM papers_fts JOIN papers p ON p.pk = papers_fts.rowid WHERE papers_fts MATCH ?${where}`)
      .raw()
      .all(match, ...params) as [number, number][];
    return new Map(rows.filter(([key]) => wanted.has(key)));
  }

  async newPaperKeys(from: string, to: string, listedSince: string): Promise<number[]> {
    return this.statements.newPaperKeys.all({ from, to, listedSince }) as number[];
  }

  async authorPapers(name: string, options: { limit?: number; offset?: number } = {}): Promise<AuthorPapers | undefined> {
    const author = this.statements.findAuthorByName.get(authorKey(name)) as { pk: number; name: string } | undefined;
    if (!author) return undefined;
    const total = this.statements.countAuthorPapers.get(author.pk) as number;
    const rows = this.statements.authorPapers.all(author.pk, options.limit ?? 50, options.offset ?? 0) as PaperRow[];
    return { name: author.name, total, papers: await this.summaries(rows) };
  }

  async hitsForKeys(keys: number[], query: SearchQuery): Promise<SearchHit[]> {
    if (keys.length === 0) return [];
    const list = keys.map(Number).join(',');
    const rows = new Map((this.db.prepare(`SELECT * FROM papers p WHERE pk IN (${list}) AND ${VISIBLE}`).all() as PaperRow[]).map((r) => [r.pk, r]));
    const ordered = keys.flatMap((k) => rows.get(k) ?? []);
    const papers = await this.summaries(ordered);
    const highlight = buildHighlightMatch(query);
    const marks = new Map<number, { title: string; snippet: string }>();
    if (highlight) {
      // Marked in a scratch index of just this page: asked of papers_fts with `rowid IN (…)`, FTS5
      // first evaluates the match over the whole hub (1.3 ms a page at 100k papers, growing with
      // the hub); the scratch index costs about 2 ms at any size.
      const s = this.vocab;
      const marked = this.db.transaction(() => {
        s.pageClear.run();
        for (const row of ordered) s.pageInsert.run(row.pk, row.title, row.abstract);
        const found = s.pageMarks.all(highlight) as { key: number; title: string; snippet: string }[];
        s.pageClear.run();
        return found;
      })();
      for (const m of marked) marks.set(m.key, m);
    }
    return ordered.map((row, i) => {
      const m = marks.get(row.pk);
      return { key: row.pk, paper: papers[i]!, score: 0, titleMarked: m?.title ?? row.title, snippetMarked: m?.snippet ?? leadingWords(row.abstract, 40) };
    });
  }

  async keyOf(id: string): Promise<number | undefined> {
    return (this.statements.findPaper.get(id) as PaperRow | undefined)?.pk;
  }

  async suggest(typed: string, limit = 8): Promise<Suggestion[]> {
    const out: Suggestion[] = [];
    const name = normalizeAuthorName(typed);
    if (name.length >= 2) {
      const authors = this.db
        .prepare(`SELECT a.name, (SELECT count(*) FROM paper_authors pa JOIN papers p ON p.pk = pa.paper_pk WHERE pa.author_pk = a.pk AND ${VISIBLE}) AS papers
                  FROM authors a WHERE a.normalized >= ? AND a.normalized < ? ORDER BY papers DESC LIMIT 200`)
        .all(name, `${name}\uffff`) as { name: string; papers: number }[];
      // An author whose every paper is hidden or merged away is not suggested.
      out.push(...authors.filter((a) => a.papers > 0).slice(0, 3).map((a) => ({ kind: 'author' as const, text: a.name, papers: a.papers })));
    }
    const match = buildSuggestMatch(typed);
    if (match) {
      // The newest matching titles: rowid order is insertion order, so no ranking pass over every match.
      const titles = this.db
        .prepare(`SELECT p.id, p.title FROM titles_fts JOIN papers p ON p.pk = titles_fts.rowid WHERE titles_fts MATCH ? AND ${VISIBLE} ORDER BY titles_fts.rowid DESC LIMIT ?`)
        .all(match, limit) as { id: string; title: string }[];
      out.push(...titles.map((t) => ({ kind: 'paper' as const, text: t.title, id: t.id })));
    }
    return out.slice(0, limit);
  }

  async similarByKeywords(id: string, limit = 6): Promise<PaperSummary[]> {
    const row = this.statements.findPaper.get(id) as PaperRow | undefined;
    if (!row) return [];
    const match = buildSimilarMatch(`${row.title} ${row.title} ${row.abstract}`);
    if (!match) return [];
    const rows = this.db
      .prepare(`SELECT p.* FROM papers_fts JOIN papers p ON p.pk = papers_fts.rowid WHERE papers_fts MATCH ? AND p.pk <> ? AND ${VISIBLE} ORDER BY ${BM25} LIMIT ?`)
      .all(match, row.pk, limit) as PaperRow[];
    return this.summaries(rows);
  }

  async startIngestRun(command: string): Promise<number> {
    const r = await this.k.insertInto('ingest_runs').values({ command, started_at: new Date().toISOString(), status: 'running', read: 0, added: 0, updated: 0, unchanged: 0, skipped: 0, errors: 0 }).executeTakeFirstOrThrow();
    return Number(r.insertId);
  }

  async recordIngestErrors(runId: number, errors: RecordError[]): Promise<void> {
    if (errors.length === 0) return;
    this.db.transaction(() => this.insertIngestErrors(runId, errors))();
  }

  private insertIngestErrors(runId: number, errors: RecordError[]): void {
    for (const e of errors) this.statements.insertIngestError.run(runId, e.source, e.position, e.reason);
  }

  async commitIngestBatch(runId: number, batch: IngestBatch): Promise<IngestRunSummary> {
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      const outcomes = { added: 0, updated: 0, unchanged: 0 };
      for (const r of batch.papers) outcomes[this.upsertOne(r, now)]++;
      this.insertIngestErrors(runId, batch.errors);
      const row = this.statements.countIngestBatch.get({ id: runId, now, ...outcomes, ...batchCounts(batch) }) as IngestRunSummary | undefined;
      if (!row) throw new Error(`ingest run #${runId} does not exist`);
      return row;
    })();
  }

  async finishIngestRun(runId: number, summary: IngestRunSummary, status: 'done' | 'failed'): Promise<void> {
    await this.k.updateTable('ingest_runs').set({ ...summary, status, finished_at: new Date().toISOString() }).where('id', '=', runId).execute();
  }

  async runningIngestRuns(): Promise<IngestRun[]> {
    return (await this.k.selectFrom('ingest_runs').selectAll().where('status', '=', 'running').orderBy('id').execute()).map(toIngestRun);
  }

  async interruptIngestRun(runId: number, at: string): Promise<boolean> {
    const r = await this.k.updateTable('ingest_runs').set({ status: 'interrupted', finished_at: at }).where('id', '=', runId).where('status', '=', 'running').executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async recentIngestErrors(runId: number, limit = 20): Promise<RecordError[]> {
    return this.k.selectFrom('ingest_errors').select(['source', 'position', 'reason']).where('run_id', '=', runId).limit(limit).execute();
  }

  async getHarvestState(key: string): Promise<HarvestState | undefined> {
    const r = await this.k.selectFrom('harvest_state').selectAll().where('key', '=', key).executeTakeFirst();
    return r && toHarvestState(r);
  }

  async saveHarvestState(state: HarvestState): Promise<void> {
    const row = harvestStateRow(state);
    await this.k.insertInto('harvest_state').values(row).onConflict((oc) => oc.column('key').doUpdateSet(row)).execute();
  }

  async paperCount(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  }

  async stats(): Promise<StoreStats> {
    const count = (table: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const days = this.db.prepare('SELECT min(listed_at) AS first, max(listed_at) AS last FROM papers').get() as { first: string | null; last: string | null };
    const categories = this.db.prepare('SELECT primary_category AS category, count(*) AS count FROM papers WHERE primary_category IS NOT NULL GROUP BY primary_category ORDER BY count DESC LIMIT 15').all() as { category: string; count: number }[];
    const lastRun = await this.k.selectFrom('ingest_runs').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
    const interrupted = this.k.selectFrom('ingest_runs').where('status', '=', 'interrupted');
    const interruptedRuns = await interrupted.selectAll().orderBy('id', 'desc').limit(INTERRUPTED_LISTED).execute();
    const { n: interruptedCount } = await interrupted.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return storeStats(
      {
        papers: count('papers'),
        versions: count('paper_versions'),
        authors: count('authors'),
        withAbstract: (this.db.prepare(`SELECT count(*) AS n FROM papers WHERE abstract <> ''`).get() as { n: number }).n,
        withHf: count('hf_signals'),
        listedDays: (this.db.prepare('SELECT count(DISTINCT substr(listed_at, 1, 10)) AS n FROM papers').get() as { n: number }).n,
        first: days.first,
        last: days.last,
      },
      categories,
      { last: lastRun, interrupted: interruptedRuns, interruptedCount },
    );
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function prepareWrites(db: BetterSqlite3.Database) {
  const paperColumns = ['id', 'title', 'abstract', 'authors_text', 'categories', 'primary_category', 'published_at', 'updated_at', 'listed_at', 'listed_explicit', 'latest_version', 'comments', 'journal_ref', 'doi', 'license', 'report_no', 'project_page', 'content_hash', 'changed_at'];
  return {
    findPaper: db.prepare('SELECT * FROM papers WHERE id = ?'),
    idOf: db.prepare('SELECT id FROM papers WHERE pk = ?'),
    insertPaper: db.prepare(`INSERT INTO papers (${paperColumns.join(', ')}, added_at) VALUES (${paperColumns.map((c) => `@${c}`).join(', ')}, @added_at)`),
    updatePaper: db.prepare(`UPDATE papers SET ${paperColumns.map((c) => `${c} = @${c}`).join(', ')} WHERE pk = @pk`),
    clearVersions: db.prepare('DELETE FROM paper_versions WHERE paper_pk = ?'),
    clearAuthors: db.prepare('DELETE FROM paper_authors WHERE paper_pk = ?'),
    clearCategories: db.prepare('DELETE FROM paper_categories WHERE paper_pk = ?'),
    clearLinks: db.prepare('DELETE FROM paper_links WHERE paper_pk = ?'),
    insertVersion: db.prepare('INSERT INTO paper_versions (paper_pk, version, created_at, size) VALUES (?, ?, ?, ?)'),
    findAuthor: db.prepare('SELECT pk FROM authors WHERE normalized = ?'),
    insertAuthor: db.prepare('INSERT INTO authors (name, normalized) VALUES (?, ?)'),
    insertPaperAuthor: db.prepare('INSERT INTO paper_authors (paper_pk, position, author_pk, name) VALUES (?, ?, ?, ?)'),
    insertCategory: db.prepare('INSERT OR IGNORE INTO paper_categories (category, paper_pk) VALUES (?, ?)'),
    insertLink: db.prepare('INSERT OR IGNORE INTO paper_links (paper_pk, kind, url) VALUES (?, ?, ?)'),
    upsertHf: db.prepare(`INSERT OR REPLACE INTO hf_signals (paper_pk, upvotes, num_comments, submitter, github_repo, github_stars, ai_summary, ai_keywords, daily_date, organization, thumbnail, media_urls)
                          VALUES (@paper_pk, @upvotes, @num_comments, @submitter, @github_repo, @github_stars, @ai_summary, @ai_keywords, @daily_date, @organization, @thumbnail, @media_urls)`),
    insertSample: db.prepare('INSERT OR REPLACE INTO signal_samples (paper_pk, source, observed_at, upvotes, github_stars) VALUES (?, ?, ?, ?, ?)'),
    insertIngestError: db.prepare('INSERT INTO ingest_errors (run_id, source, position, reason) VALUES (?, ?, ?, ?)'),
    countIngestBatch: db.prepare(`UPDATE ingest_runs SET read = read + @read, added = added + @added, updated = updated + @updated, unchanged = unchanged + @unchanged,
                                    skipped = skipped + @skipped, errors = errors + @errors, committed_at = @now, status = 'running', finished_at = NULL
                                  WHERE id = @id RETURNING read, added, updated, unchanged, skipped, errors`),
    versionsOf: db.prepare('SELECT version, created_at, size FROM paper_versions WHERE paper_pk = ? ORDER BY version'),
    authorsOf: db.prepare('SELECT name FROM paper_authors WHERE paper_pk = ? ORDER BY position'),
    linksOf: db.prepare('SELECT url FROM paper_links WHERE paper_pk = ? ORDER BY url'),
    hfOf: db.prepare('SELECT * FROM hf_signals WHERE paper_pk = ?'),
    newPaperKeys: db.prepare(`SELECT p.pk FROM papers p WHERE p.added_at > @from AND p.added_at <= @to AND p.listed_at >= @listedSince AND ${VISIBLE} ORDER BY p.pk`).pluck(),
    findAuthorByName: db.prepare('SELECT pk, name FROM authors WHERE normalized = ?'),
    countAuthorPapers: db.prepare(`SELECT count(*) FROM paper_authors pa JOIN papers p ON p.pk = pa.paper_pk WHERE pa.author_pk = ? AND ${VISIBLE}`).pluck(),
    authorPapers: db.prepare(`SELECT p.* FROM paper_authors pa JOIN papers p ON p.pk = pa.paper_pk WHERE pa.author_pk = ? AND ${VISIBLE}
                              ORDER BY coalesce(p.published_at, p.listed_at) DESC, p.pk DESC LIMIT ? OFFSET ?`),
  };
}

/** Word statistics of the keyword index; scratch indexes that stem words, and mark a page's words, exactly as it does. */
function prepareVocabulary(db: BetterSqlite3.Database) {
  db.exec(`
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.papers_vocab USING fts5vocab(main, papers_fts, 'row');
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer USING fts5(word, tokenize = 'porter unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer_instance USING fts5vocab(temp, stemmer, 'instance');
    CREATE TABLE IF NOT EXISTS temp.page_rows (rowid INTEGER PRIMARY KEY, title TEXT, abstract TEXT);
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.page_fts USING fts5(title, abstract, content = 'page_rows', tokenize = 'porter unicode61 remove_diacritics 2');`);
  const clearIndex = db.prepare("INSERT INTO temp.page_fts (page_fts) VALUES ('delete-all')");
  const clearRows = db.prepare('DELETE FROM temp.page_rows');
  const insertRow = db.prepare('INSERT INTO temp.page_rows (rowid, title, abstract) VALUES (?, ?, ?)');
  const insertIndex = db.prepare('INSERT INTO temp.page_fts (rowid, title, abstract) VALUES (?, ?, ?)');
  return {
    clear: db.prepare('DELETE FROM temp.stemmer'),
    insert: db.prepare('INSERT INTO temp.stemmer (word) VALUES (?)'),
    tokens: db.prepare('SELECT term FROM temp.stemmer_instance ORDER BY offset'),
    hidden: db.prepare('SELECT pk FROM papers WHERE hidden_at IS NOT NULL OR merged_into IS NOT NULL').pluck(),
    // The page's text lives in page_rows and page_fts indexes it as external content: 'delete-all'
    // drops the index whole, where a DELETE from an ordinary FTS5 table tokenizes every row again.
    pageClear: { run: () => { clearIndex.run(); clearRows.run(); } },
    pageInsert: { run: (key: number, title: string, abstract: string) => { insertRow.run(key, title, abstract); insertIndex.run(key, title, abstract); } },
    pageMarks: db.prepare(`SELECT rowid AS key, highlight(page_fts, 0, '${MARK_START}', '${MARK_END}') AS title,
                                  snippet(page_fts, 1, '${MARK_START}', '${MARK_END}', '…', 40) AS snippet
                           FROM temp.page_fts WHERE page_fts MATCH ?`),
    df: db.prepare('SELECT doc FROM temp.papers_vocab WHERE term = ?'),
  };
}

/**
 * A stored paper as an import would store it now: without control characters, and with the text
 * around where they were normalised again (whitespace they separated, an abstract's paragraphs).
 */
function cleanedState(state: PaperState): PaperState {
  const c = withoutControls(state);
  const line = (s: string | undefined) => (s === undefined ? undefined : collapseWhitespace(s) || undefined);
  const lines = (list: string[]) => list.map(collapseWhitespace).filter((s) => s.length > 0);
  const keywords = c.hf?.aiKeywords && lines(c.hf.aiKeywords);
  return {
    ...c,
    // An import refuses a title of control characters alone; a stored one keeps at least the id.
    title: collapseWhitespace(c.title) || c.id,
    abstract: cleanAbstract(c.abstract),
    authors: lines(c.authors),
    categories: lines(c.categories),
    comments: line(c.comments),
    journalRef: line(c.journalRef),
    doi: line(c.doi),
    license: line(c.license),
    reportNo: line(c.reportNo),
    projectPage: line(c.projectPage),
    codeUrls: lines(c.codeUrls),
    hf: c.hf && {
      ...c.hf,
      submitter: line(c.hf.submitter),
      aiSummary: line(c.hf.aiSummary),
      organization: line(c.hf.organization),
      aiKeywords: keywords?.length ? keywords : undefined,
    },
  };
}

/** SQL conditions on papers `p` for visibility, cat:, since: and until:, as " AND ...", with their parameters. */
function filterSql(query: SearchQuery): { where: string; params: unknown[] } {
  const filters: string[] = [VISIBLE];
  const params: unknown[] = [];
  if (query.categories.length > 0) {
    filters.push(`p.pk IN (SELECT paper_pk FROM paper_categories WHERE ${query.categories.map(() => `(category = ? OR category LIKE ? || '.%')`).join(' OR ')})`);
    for (const c of query.categories) params.push(c, c);
  }
  if (query.since) { filters.push(`coalesce(p.published_at, p.listed_at) >= ?`); params.push(query.since); }
  if (query.until) { filters.push(`coalesce(p.published_at, p.listed_at) < ?`); params.push(nextDay(query.until)); }
  return { where: ` AND ${filters.join(' AND ')}`, params };
}

const STOPWORDS = new Set('a an and are as at be by for from has have in is it its of on or that the this to was were which with we our us can these those using via into than then there their also such based show shows paper propose proposed approach method methods results new two one however while both between'.split(' '));

/** An OR query of a text's distinctive words; BM25's idf then favours the rarer ones. */
function buildSimilarMatch(text: string): string | undefined {
  const words = (text.toLowerCase().match(/\p{L}[\p{L}\p{N}-]{2,}/gu) ?? []).filter((w) => !STOPWORDS.has(w));
  const distinct = [...new Set(words)].slice(0, 40);
  return distinct.length > 0 ? distinct.map((w) => `"${w.replace(/"/g, '""')}"`).join(' OR ') : undefined;
}
