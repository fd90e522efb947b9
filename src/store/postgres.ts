// The Store on PostgreSQL: the same interface, and the same answers, as sqlite.ts. Where SQLite has
// one writer and a prepared statement per row, PostgreSQL has many writers and a round trip per
// statement, so a batch of papers is read, merged in memory, and written with a few statements
// over arrays (unnest), and every insert that another process may race is INSERT … ON CONFLICT.
//
// Text is ordered with COLLATE "C" wherever the order is part of the answer (ids as a tie-break,
// URLs), so a database created with a linguistic collation sorts as SQLite's byte order does. ISO
// times are compared with the database's collation, so their indexes serve: strings of one fixed
// format of digits and punctuation sort the same in every collation.

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
  nextDay,
  PAPER_ROW,
  paperColumns,
  paperDetail,
  paperState,
  paperSummaries,
  sameSignals,
  sampleTime,
  storeStats,
  toHarvestState,
  toIngestRun,
  VISIBLE,
  type HarvestStateRow,
  type HfRow,
  type IngestRunRow,
  type PaperChildren,
  type PaperColumns,
  type PaperRow,
} from './paper-rows.ts';
import { connectPostgres, type PgDb, type Queryable } from './pg-db.ts';
import { migratePostgres } from './pg-migrations.ts';
import { PgVectors } from './pg-vectors.ts';
import { PgAccounts } from './pg-accounts.ts';
import { PgCommunity } from './pg-community.ts';
import { PgShared } from './pg-shared.ts';
import { PgSignals } from './pg-signals.ts';
import { PgSubscriptions } from './pg-subscriptions.ts';
import { PgSearch } from './pg-search.ts';
import type {
  AuthorPapers,
  DayCount,
  HarvestState,
  IngestBatch,
  IngestRun,
  IngestRunSummary,
  KeywordIndexControl,
  KeywordRanking,
  ListOptions,
  PaperDetail,
  PaperSummary,
  SearchHit,
  SearchPage,
  SearchQuery,
  Store,
  StoreStats,
  Suggestion,
  UpsertOutcome,
} from './store.ts';

export interface PgStoreOptions {
  /** A schema of its own (made when missing); a hub uses public. */
  schema?: string;
  /** Connections in the pool; default 10. */
  max?: number;
}

export async function openPostgresStore(url: string, options: PgStoreOptions = {}): Promise<Store> {
  const db = await connectPostgres(url, options);
  try {
    await migratePostgres(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return new PgStore(db);
}

/** What one batch writes for one paper id: its final columns and state, and its signals. */
interface Plan {
  id: string;
  /** The row as locked when the batch began, if the paper was there. */
  row?: PaperRow;
  write?: {
    columns: PaperColumns;
    state: PaperState;
    /** The hf_signals row to put, when the signals changed. */
    hf?: Omit<HfRow, 'paper_pk'>;
    /** Source samples by observation time: a later record's sample at the same time replaces an earlier one, as INSERT OR REPLACE does. */
    samples: Map<string, { upvotes: number; githubStars: number | null }>;
  };
}

export class PgStore implements Store {
  /** Author keys (normalized names) to their rows, as committed: filled only after a batch commits. */
  private readonly authorPks = new Map<string, number>();
  readonly vectors: PgVectors;
  readonly keywordIndex: KeywordIndexControl;
  readonly accounts: PgAccounts;
  readonly community: PgCommunity;
  readonly signals: PgSignals;
  readonly subscriptions: PgSubscriptions;
  readonly shared: PgShared;
  private readonly text: PgSearch;

  constructor(private readonly db: PgDb) {
    this.vectors = new PgVectors(db);
    this.accounts = new PgAccounts(db);
    this.community = new PgCommunity(db, (rows) => this.summaries(rows));
    this.signals = new PgSignals(db);
    this.subscriptions = new PgSubscriptions(db);
    this.shared = new PgShared(db);
    this.text = new PgSearch(db, (rows) => this.summaries(rows));
    this.keywordIndex = this.text.keywordIndex;
  }

  async upsertPapers(records: PaperRecord[]): Promise<UpsertOutcome[]> {
    if (records.length === 0) return [];
    const now = new Date().toISOString();
    return this.inTransaction((q, authors) => this.upsertBatch(q, records, now, authors));
  }

  /**
   * Runs `work` in one transaction, with a map for the author rows it finds or makes. The map joins
   * the store's memory only once the transaction commits: a transaction that is rolled back (and
   * retried, after a deadlock) may have made author rows that do not exist.
   */
  private async inTransaction<T>(work: (q: Queryable, authors: Map<string, number>) => Promise<T>): Promise<T> {
    let authors = new Map<string, number>();
    const result = await this.db.tx((q) => {
      authors = new Map();
      return work(q, authors);
    });
    if (this.authorPks.size + authors.size > AUTHOR_CACHE_SIZE) this.authorPks.clear(); // bound memory on huge imports
    for (const [key, pk] of authors) this.authorPks.set(key, pk);
    return result;
  }

  /**
   * One batch, inside a transaction: the papers already here are locked (in id order, so two
   * writers of overlapping batches queue rather than deadlock), every record is merged in memory
   * exactly as sqlite.ts merges it row by row, and the result is written in a few statements. A
   * paper that another transaction added after the lock was taken loses its insert (ON CONFLICT DO
   * NOTHING, which waits for that transaction to commit); it is then locked and merged again, as an
   * existing paper.
   */
  private async upsertBatch(q: Queryable, records: PaperRecord[], now: string, authors: Map<string, number>): Promise<UpsertOutcome[]> {
    const outcomes: UpsertOutcome[] = new Array(records.length);
    const byId = new Map<string, number[]>();
    records.forEach((r, i) => (byId.get(r.id) ?? byId.set(r.id, []).get(r.id)!).push(i));
    let ids = [...byId.keys()].sort(byteOrder);
    while (ids.length > 0) {
      const rows = await q.many<PaperRow>(`SELECT ${PAPER_ROW} FROM papers p WHERE p.id = ANY($1::text[]) ORDER BY p.id COLLATE "C" FOR UPDATE`, [ids]);
      const rowOf = new Map(rows.map((r) => [r.id, r]));
      const children = await loadChildren(q, rows.map((r) => r.pk));
      const plans = ids.map((id) => {
        const row = rowOf.get(id);
        return plan(id, records, byId.get(id)!, row, row && children.get(row.pk)!, now, outcomes);
      });
      ids = await this.writePlans(q, plans, now, authors);
    }
    return outcomes;
  }

  /** Writes the plans; returns the ids whose insert lost to another transaction's, to be merged again. */
  private async writePlans(q: Queryable, plans: Plan[], now: string, authors: Map<string, number>): Promise<string[]> {
    const pkOf = new Map<string, number>();
    const fresh = plans.filter((p) => p.write && !p.row);
    if (fresh.length > 0) {
      const cols = paperArrays(fresh.map((p) => p.write!.columns));
      const inserted = await q.many<{ pk: number; id: string }>(
        `INSERT INTO papers (${PAPER_COLUMNS.map(([c]) => c).join(', ')}, added_at)
         SELECT *, $${PAPER_COLUMNS.length + 1}::text FROM unnest(${PAPER_COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')})
         ON CONFLICT (id) DO NOTHING RETURNING pk, id`,
        [...cols, now],
      );
      for (const r of inserted) pkOf.set(r.id, r.pk);
    }
    const lost = fresh.filter((p) => !pkOf.has(p.id)).map((p) => p.id);
    const updates = plans.filter((p) => p.write && p.row);
    for (const p of updates) pkOf.set(p.id, p.row!.pk);
    if (updates.length > 0) {
      const cols = paperArrays(updates.map((p) => p.write!.columns));
      await q.run(
        `UPDATE papers p SET ${PAPER_COLUMNS.map(([c]) => `${c} = v.${c}`).join(', ')}
         FROM unnest($1::int4[], ${PAPER_COLUMNS.map(([, t], i) => `$${i + 2}::${t}[]`).join(', ')}) AS v (pk, ${PAPER_COLUMNS.map(([c]) => c).join(', ')})
         WHERE p.pk = v.pk`,
        [updates.map((p) => p.row!.pk), ...cols],
      );
      const pks = updates.map((p) => p.row!.pk);
      for (const table of ['paper_versions', 'paper_authors', 'paper_categories', 'paper_links']) {
        await q.run(`DELETE FROM ${table} WHERE paper_pk = ANY($1::int4[])`, [pks]);
      }
    }
    const written = plans.filter((p) => p.write && pkOf.has(p.id)).map((p) => ({ pk: pkOf.get(p.id)!, ...p.write! }));
    if (written.length === 0) return lost;

    const versions = written.flatMap((w) => w.state.versions.map((v) => [w.pk, v.version, v.created ?? null, v.size ?? null]));
    await insertRows(q, 'INSERT INTO paper_versions (paper_pk, version, created_at, size)', ['int4', 'int4', 'text', 'text'], versions);

    const authorPk = await this.resolveAuthors(q, written.flatMap((w) => w.state.authors), authors);
    const paperAuthors = written.flatMap((w) => w.state.authors.map((name, i) => [w.pk, i, authorPk(name), name]));
    await insertRows(q, 'INSERT INTO paper_authors (paper_pk, position, author_pk, name)', ['int4', 'int4', 'int4', 'text'], paperAuthors);

    const categories = written.flatMap((w) => [...new Set(w.state.categories)].map((c) => [c, w.pk]));
    await insertRows(q, 'INSERT INTO paper_categories (category, paper_pk)', ['text', 'int4'], categories, 'ON CONFLICT DO NOTHING');
    const links = written.flatMap((w) => w.state.codeUrls.map((url) => [w.pk, 'code', url]));
    await insertRows(q, 'INSERT INTO paper_links (paper_pk, kind, url)', ['int4', 'text', 'text'], links, 'ON CONFLICT DO NOTHING');

    const hf = written.flatMap((w) => (w.hf ? [[w.pk, ...HF_COLUMNS.map(([c]) => w.hf![c])]] : []));
    await insertRows(q, `INSERT INTO hf_signals (paper_pk, ${HF_COLUMNS.map(([c]) => c).join(', ')})`, ['int4', ...HF_COLUMNS.map(([, t]) => t)], hf,
      `ON CONFLICT (paper_pk) DO UPDATE SET ${HF_COLUMNS.map(([c]) => `${c} = excluded.${c}`).join(', ')}`);
    const samples = written.flatMap((w) => [...w.samples].map(([at, s]) => [w.pk, 'huggingface', at, s.upvotes, s.githubStars]));
    await insertRows(q, 'INSERT INTO signal_samples (paper_pk, source, observed_at, upvotes, github_stars)', ['int4', 'text', 'text', 'int4', 'int4'], samples,
      'ON CONFLICT (paper_pk, source, observed_at) DO UPDATE SET upvotes = excluded.upvotes, github_stars = excluded.github_stars');
    return lost;
  }

  /**
   * The author row of every name (by normalized name, as sqlite.ts keys them): remembered, found,
   * or made. Two writers making the same author meet at its unique key: one inserts, the other's
   * ON CONFLICT DO NOTHING waits for it and then finds the row. Keys are made in sorted order, so
   * writers of overlapping author lists queue rather than deadlock.
   */
  private async resolveAuthors(q: Queryable, names: string[], found: Map<string, number>): Promise<(name: string) => number> {
    const known = (key: string) => found.get(key) ?? this.authorPks.get(key);
    const firstName = new Map<string, string>();
    for (const name of names) {
      const key = authorKey(name);
      if (known(key) === undefined && !firstName.has(key)) firstName.set(key, name);
    }
    const find = async (keys: string[]) => {
      if (keys.length === 0) return;
      for (const r of await q.many<{ pk: number; normalized: string }>('SELECT pk, normalized FROM authors WHERE normalized = ANY($1::text[])', [keys])) found.set(r.normalized, r.pk);
    };
    await find([...firstName.keys()]);
    const missing = [...firstName.keys()].filter((k) => !found.has(k)).sort(byteOrder);
    if (missing.length > 0) {
      const made = await q.many<{ pk: number; normalized: string }>(
        'INSERT INTO authors (name, normalized) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (normalized) DO NOTHING RETURNING pk, normalized',
        [missing.map((k) => firstName.get(k)!), missing],
      );
      for (const r of made) found.set(r.normalized, r.pk);
      await find(missing.filter((k) => !found.has(k)));
    }
    return (name) => {
      const pk = known(authorKey(name));
      if (pk === undefined) throw new Error(`author ${JSON.stringify(name)} was neither found nor made`);
      return pk;
    };
  }

  async bulk<T>(work: () => Promise<T>): Promise<T> {
    // No keyword-index triggers to switch off here: PostgreSQL's keyword search keeps itself current.
    return work();
  }

  async getPaper(id: string): Promise<PaperDetail | undefined> {
    const row = await this.db.one<PaperRow>(`SELECT ${PAPER_ROW} FROM papers p WHERE p.id = $1`, [id]);
    if (!row) return undefined;
    const state = paperState(row, (await loadChildren(this.db, [row.pk])).get(row.pk)!);
    const [summary] = await this.summaries([row]);
    const mergedInto = row.merged_into === null ? undefined : (await this.db.one<{ id: string }>('SELECT id FROM papers WHERE pk = $1', [row.merged_into]))?.id;
    return paperDetail(summary!, row, state, mergedInto);
  }

  /** Turns paper rows into summaries with their authors and signals, in the rows' order. */
  async summaries(rows: PaperRow[]): Promise<PaperSummary[]> {
    if (rows.length === 0) return [];
    const pks = rows.map((r) => r.pk);
    const authors = await this.db.many<{ paper_pk: number; name: string }>('SELECT paper_pk, name FROM paper_authors WHERE paper_pk = ANY($1::int4[]) ORDER BY paper_pk, position', [pks]);
    const signals = await this.db.many<HfRow>('SELECT * FROM hf_signals WHERE paper_pk = ANY($1::int4[])', [pks]);
    return paperSummaries(rows, authors, signals);
  }

  async listPapers(from: string, to: string, options: ListOptions = {}): Promise<PaperSummary[]> {
    const order = options.sort === 'recent'
      ? 'p.listed_at DESC'
      // The number a card shows: upvotes on the source plus votes cast here.
      : 'coalesce(h.upvotes, 0) + (SELECT count(*) FROM votes v WHERE v.paper_pk = p.pk) DESC, p.listed_at DESC';
    const rows = await this.db.many<PaperRow>(
      `SELECT ${PAPER_ROW} FROM papers p LEFT JOIN hf_signals h ON h.paper_pk = p.pk
       WHERE p.listed_at >= $1 AND p.listed_at < $2 AND ${VISIBLE}
       ORDER BY ${order}, p.id COLLATE "C" LIMIT $3 OFFSET $4`,
      [from, to, options.limit ?? 50, options.offset ?? 0],
    );
    return this.summaries(rows);
  }

  async countPapers(from: string, to: string): Promise<number> {
    const r = await this.db.one<{ n: number }>(`SELECT count(*) AS n FROM papers p WHERE p.listed_at >= $1 AND p.listed_at < $2 AND ${VISIBLE}`, [from, to]);
    return r!.n;
  }

  async dayCounts(from: string, to: string): Promise<DayCount[]> {
    return this.db.many<DayCount>(
      `SELECT substr(p.listed_at, 1, 10) AS day, count(*) AS count FROM papers p
       WHERE p.listed_at >= $1 AND p.listed_at < $2 AND ${VISIBLE} GROUP BY 1 ORDER BY 1`,
      [from, to],
    );
  }

  async latestDay(): Promise<string | undefined> {
    const r = await this.db.one<{ listed_at: string }>(`SELECT p.listed_at FROM papers p WHERE ${VISIBLE} ORDER BY p.listed_at DESC LIMIT 1`);
    return r?.listed_at.slice(0, 10);
  }

  async neighbourDays(day: string): Promise<{ previous?: string; next?: string }> {
    const start = `${day}T00:00:00.000Z`;
    // The next day's date alone: every time of that day or later sorts at or after it, every time
    // of this day before it, in any collation (sqlite.ts's 'T23:59:59.999Z~' relies on byte order).
    const nextDate = nextDay(day).slice(0, 10);
    const prev = await this.db.one<{ listed_at: string }>(`SELECT p.listed_at FROM papers p WHERE p.listed_at < $1 AND ${VISIBLE} ORDER BY p.listed_at DESC LIMIT 1`, [start]);
    const next = await this.db.one<{ listed_at: string }>(`SELECT p.listed_at FROM papers p WHERE p.listed_at >= $1 AND ${VISIBLE} ORDER BY p.listed_at ASC LIMIT 1`, [nextDate]);
    return { previous: prev?.listed_at.slice(0, 10), next: next?.listed_at.slice(0, 10) };
  }

  search(query: SearchQuery, options?: { limit?: number; offset?: number }): Promise<SearchPage> {
    return this.text.search(query, options);
  }

  rankByKeywords(query: SearchQuery, options: { limit: number; any?: boolean; scoresTo?: number }): Promise<KeywordRanking> {
    return this.text.rankByKeywords(query, options);
  }

  filterKeys(keys: number[], query: SearchQuery): Promise<number[]> {
    return this.text.filterKeys(keys, query);
  }

  hitsForKeys(keys: number[], query: SearchQuery): Promise<SearchHit[]> {
    return this.text.hitsForKeys(keys, query);
  }

  suggest(prefix: string, limit?: number): Promise<Suggestion[]> {
    return this.text.suggest(prefix, limit);
  }

  keywordScores(keys: number[], query: SearchQuery): Promise<Map<number, number>> {
    return this.text.keywordScores(keys, query);
  }

  similarByKeywords(id: string, limit?: number): Promise<PaperSummary[]> {
    return this.text.similarByKeywords(id, limit);
  }

  async keyOf(id: string): Promise<number | undefined> {
    return (await this.db.one<{ pk: number }>('SELECT pk FROM papers WHERE id = $1', [id]))?.pk;
  }

  async newPaperKeys(from: string, to: string, listedSince: string): Promise<number[]> {
    const rows = await this.db.many<{ pk: number }>(
      `SELECT p.pk FROM papers p WHERE p.added_at > $1 AND p.added_at <= $2 AND p.listed_at >= $3 AND ${VISIBLE} ORDER BY p.pk`,
      [from, to, listedSince],
    );
    return rows.map((r) => r.pk);
  }

  async authorPapers(name: string, options: { limit?: number; offset?: number } = {}): Promise<AuthorPapers | undefined> {
    const author = await this.db.one<{ pk: number; name: string }>('SELECT pk, name FROM authors WHERE normalized = $1', [authorKey(name)]);
    if (!author) return undefined;
    const count = await this.db.one<{ n: number }>(`SELECT count(*) AS n FROM paper_authors pa JOIN papers p ON p.pk = pa.paper_pk WHERE pa.author_pk = $1 AND ${VISIBLE}`, [author.pk]);
    const rows = await this.db.many<PaperRow>(
      `SELECT ${PAPER_ROW} FROM paper_authors pa JOIN papers p ON p.pk = pa.paper_pk WHERE pa.author_pk = $1 AND ${VISIBLE}
       ORDER BY coalesce(p.published_at, p.listed_at) DESC, p.pk DESC LIMIT $2 OFFSET $3`,
      [author.pk, options.limit ?? 50, options.offset ?? 0],
    );
    return { name: author.name, total: count!.n, papers: await this.summaries(rows) };
  }

  async startIngestRun(command: string): Promise<number> {
    const r = await this.db.one<{ id: number }>(
      `INSERT INTO ingest_runs (command, started_at, status, read, added, updated, unchanged, skipped, errors) VALUES ($1, $2, 'running', 0, 0, 0, 0, 0, 0) RETURNING id`,
      [command, new Date().toISOString()],
    );
    return r!.id;
  }

  async recordIngestErrors(runId: number, errors: RecordError[]): Promise<void> {
    await insertIngestErrors(this.db, runId, errors);
  }

  async commitIngestBatch(runId: number, batch: IngestBatch): Promise<IngestRunSummary> {
    const now = new Date().toISOString();
    return this.inTransaction(async (q, authors) => {
      const outcomes = { added: 0, updated: 0, unchanged: 0 };
      if (batch.papers.length > 0) for (const o of await this.upsertBatch(q, batch.papers, now, authors)) outcomes[o]++;
      await insertIngestErrors(q, runId, batch.errors);
      const counts = batchCounts(batch);
      const row = await q.one<IngestRunSummary>(
        `UPDATE ingest_runs SET read = read + $2, added = added + $3, updated = updated + $4, unchanged = unchanged + $5,
                skipped = skipped + $6, errors = errors + $7, committed_at = $8, status = 'running', finished_at = NULL
         WHERE id = $1 RETURNING read, added, updated, unchanged, skipped, errors`,
        [runId, counts.read, outcomes.added, outcomes.updated, outcomes.unchanged, counts.skipped, counts.errors, now],
      );
      if (!row) throw new Error(`ingest run #${runId} does not exist`);
      return row;
    });
  }

  async finishIngestRun(runId: number, summary: IngestRunSummary, status: 'done' | 'failed'): Promise<void> {
    await this.db.run(
      'UPDATE ingest_runs SET read = $2, added = $3, updated = $4, unchanged = $5, skipped = $6, errors = $7, status = $8, finished_at = $9 WHERE id = $1',
      [runId, summary.read, summary.added, summary.updated, summary.unchanged, summary.skipped, summary.errors, status, new Date().toISOString()],
    );
  }

  async runningIngestRuns(): Promise<IngestRun[]> {
    return (await this.db.many<IngestRunRow>(`SELECT * FROM ingest_runs WHERE status = 'running' ORDER BY id`)).map(toIngestRun);
  }

  async interruptIngestRun(runId: number, at: string): Promise<boolean> {
    return (await this.db.run(`UPDATE ingest_runs SET status = 'interrupted', finished_at = $2 WHERE id = $1 AND status = 'running'`, [runId, at])) > 0;
  }

  async recentIngestErrors(runId: number, limit = 20): Promise<RecordError[]> {
    // ingest_errors has no key of its own; rows never change once written, so their physical order
    // (ctid) is the order they were written in, which is what SQLite's rowid order gives.
    return this.db.many<RecordError>('SELECT source, position, reason FROM ingest_errors WHERE run_id = $1 ORDER BY ctid LIMIT $2', [runId, limit]);
  }

  async getHarvestState(key: string): Promise<HarvestState | undefined> {
    const r = await this.db.one<HarvestStateRow>('SELECT * FROM harvest_state WHERE key = $1', [key]);
    return r && toHarvestState(r);
  }

  async saveHarvestState(state: HarvestState): Promise<void> {
    const r = harvestStateRow(state);
    await this.db.run(
      `INSERT INTO harvest_state (key, resumption_token, harvested, completed_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (key) DO UPDATE SET resumption_token = excluded.resumption_token, harvested = excluded.harvested,
         completed_at = excluded.completed_at, updated_at = excluded.updated_at`,
      [r.key, r.resumption_token, r.harvested, r.completed_at, r.updated_at],
    );
  }

  async paperCount(): Promise<number> {
    return (await this.db.one<{ n: number }>('SELECT count(*) AS n FROM papers'))!.n;
  }

  async stats(): Promise<StoreStats> {
    const totals = (await this.db.one<{ papers: number; versions: number; authors: number; with_abstract: number; with_hf: number; listed_days: number; first: string | null; last: string | null }>(
      `SELECT (SELECT count(*) FROM papers) AS papers,
              (SELECT count(*) FROM paper_versions) AS versions,
              (SELECT count(*) FROM authors) AS authors,
              (SELECT count(*) FROM papers WHERE abstract <> '') AS with_abstract,
              (SELECT count(*) FROM hf_signals) AS with_hf,
              (SELECT count(DISTINCT substr(listed_at, 1, 10)) FROM papers) AS listed_days,
              (SELECT min(listed_at) FROM papers) AS first,
              (SELECT max(listed_at) FROM papers) AS last`,
    ))!;
    const categories = await this.db.many<{ category: string; count: number }>(
      'SELECT primary_category AS category, count(*) AS count FROM papers WHERE primary_category IS NOT NULL GROUP BY primary_category ORDER BY count DESC LIMIT 15',
    );
    const lastRun = await this.db.one<IngestRunRow>('SELECT * FROM ingest_runs ORDER BY id DESC LIMIT 1');
    const interruptedRuns = await this.db.many<IngestRunRow>(`SELECT * FROM ingest_runs WHERE status = 'interrupted' ORDER BY id DESC LIMIT $1`, [INTERRUPTED_LISTED]);
    const interrupted = await this.db.one<{ n: number }>(`SELECT count(*) AS n FROM ingest_runs WHERE status = 'interrupted'`);
    return storeStats(
      { papers: totals.papers, versions: totals.versions, authors: totals.authors, withAbstract: totals.with_abstract, withHf: totals.with_hf, listedDays: totals.listed_days, first: totals.first, last: totals.last },
      categories,
      { last: lastRun, interrupted: interruptedRuns, interruptedCount: interrupted!.n },
    );
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** The columns an upsert writes, with their PostgreSQL types for unnest, in one fixed order. */
const PAPER_COLUMNS: [keyof PaperColumns, string][] = [
  ['id', 'text'], ['title', 'text'], ['abstract', 'text'], ['authors_text', 'text'], ['categories', 'text'], ['primary_category', 'text'],
  ['published_at', 'text'], ['updated_at', 'text'], ['listed_at', 'text'], ['listed_explicit', 'int4'], ['latest_version', 'int4'],
  ['comments', 'text'], ['journal_ref', 'text'], ['doi', 'text'], ['license', 'text'], ['report_no', 'text'], ['project_page', 'text'],
  ['content_hash', 'text'], ['changed_at', 'text'],
];

const HF_COLUMNS: [keyof Omit<HfRow, 'paper_pk'>, string][] = [
  ['upvotes', 'int4'], ['num_comments', 'int4'], ['submitter', 'text'], ['github_repo', 'text'], ['github_stars', 'int4'], ['ai_summary', 'text'],
  ['ai_keywords', 'text'], ['daily_date', 'text'], ['organization', 'text'], ['thumbnail', 'text'], ['media_urls', 'text'],
];

/** One array per column of PAPER_COLUMNS, for unnest. */
function paperArrays(rows: PaperColumns[]): unknown[][] {
  return PAPER_COLUMNS.map(([c]) => rows.map((r) => r[c]));
}

/** `insert` (INSERT INTO t (cols)) of many rows in one statement, each column passed as one typed array. */
async function insertRows(q: Queryable, insert: string, types: string[], rows: unknown[][], conflict = ''): Promise<void> {
  if (rows.length === 0) return;
  const columns = types.map((_, i) => rows.map((r) => r[i]));
  await q.run(`${insert} SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) ${conflict}`, columns);
}

async function insertIngestErrors(q: Queryable, runId: number, errors: RecordError[]): Promise<void> {
  if (errors.length === 0) return;
  // WITH ORDINALITY: written in the order given, which recentIngestErrors reads back.
  await q.run(
    `INSERT INTO ingest_errors (run_id, source, position, reason)
     SELECT $1, e.source, e.position, e.reason FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e (source, position, reason, n) ORDER BY e.n`,
    [runId, errors.map((e) => e.source), errors.map((e) => e.position), errors.map((e) => e.reason)],
  );
}

/** The versions, authors, code links and signals of papers, by paper key, read as sqlite.ts reads them. */
async function loadChildren(q: Queryable, pks: number[]): Promise<Map<number, PaperChildren>> {
  const out = new Map<number, PaperChildren>(pks.map((pk) => [pk, { versions: [], authors: [], links: [] }]));
  if (pks.length === 0) return out;
  const versions = await q.many<PaperChildren['versions'][number] & { paper_pk: number }>('SELECT paper_pk, version, created_at, size FROM paper_versions WHERE paper_pk = ANY($1::int4[]) ORDER BY paper_pk, version', [pks]);
  for (const v of versions) out.get(v.paper_pk)!.versions.push({ version: v.version, created_at: v.created_at, size: v.size });
  const authors = await q.many<{ paper_pk: number; name: string }>('SELECT paper_pk, name FROM paper_authors WHERE paper_pk = ANY($1::int4[]) ORDER BY paper_pk, position', [pks]);
  for (const a of authors) out.get(a.paper_pk)!.authors.push(a.name);
  // COLLATE "C": byte order, as SQLite's ORDER BY url gives; the order is part of the paper's hash.
  const links = await q.many<{ paper_pk: number; url: string }>('SELECT paper_pk, url FROM paper_links WHERE paper_pk = ANY($1::int4[]) ORDER BY paper_pk, url COLLATE "C"', [pks]);
  for (const l of links) out.get(l.paper_pk)!.links.push(l.url);
  for (const h of await q.many<HfRow>('SELECT * FROM hf_signals WHERE paper_pk = ANY($1::int4[])', [pks])) out.get(h.paper_pk)!.hf = h;
  return out;
}

/**
 * Merges every record of one paper id, in batch order, into what it will be: sqlite.ts's upsertOne
 * applied record by record, where each record after the first sees the state the one before wrote,
 * read back as a row (so a lossy round trip, such as code links coming back sorted, is the same).
 * Sets each record's outcome.
 */
function plan(id: string, records: PaperRecord[], indices: number[], row: PaperRow | undefined, children: PaperChildren | undefined, now: string, outcomes: UpsertOutcome[]): Plan {
  const result: Plan = { id, row };
  let exists = row !== undefined;
  let existing = row ? paperState(row, children!) : undefined;
  let hash = row?.content_hash;
  let changedAt = row?.changed_at;
  let hfRow = children?.hf;
  for (const i of indices) {
    const state = mergePaper(existing, records[i]!, now);
    const newHash = hashPaper(state);
    if (exists && newHash === hash) {
      outcomes[i] = 'unchanged';
      continue;
    }
    outcomes[i] = exists ? 'updated' : 'added';
    changedAt = exists ? laterThan(changedAt!, now) : now;
    const columns = paperColumns(state, newHash, changedAt);
    const write: NonNullable<Plan['write']> = result.write ?? { columns, state, samples: new Map() };
    write.columns = columns;
    write.state = state;
    if (state.hf && !sameSignals(existing, state)) {
      const hf = state.hf;
      write.hf = hfColumns(hf);
      hfRow = { paper_pk: row?.pk ?? 0, ...write.hf };
      write.samples.set(sampleTime(hf.dailyDate, now), { upvotes: hf.upvotes, githubStars: hf.githubStars ?? null });
    }
    result.write = write;
    existing = paperState(columns, {
      versions: state.versions.map((v) => ({ version: v.version, created_at: v.created ?? null, size: v.size ?? null })),
      authors: state.authors,
      links: [...new Set(state.codeUrls)].sort(byteOrder),
      hf: hfRow,
    });
    hash = newHash;
    exists = true;
  }
  return result;
}

/** Byte order of UTF-8, which is SQLite's BINARY collation and PostgreSQL's "C". */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
