// Paper rows as both engines (sqlite.ts, postgres.ts) read and write them: the row types, the
// mapping between rows and a paper's state, summary and detail, and the small rules both apply to
// the times they write. Pure: what to query and how is each engine's own.

import type { Selectable } from 'kysely';
import { normalizeAuthorName } from '../paper/text.ts';
import { hashPaper, type PaperState } from './merge.ts';
import type { HarvestStateTable, HfSignalsTable, IngestRunsTable, PapersTable } from './schema.ts';
import type { HarvestState, IngestBatch, IngestRun, PaperDetail, PaperSummary, SearchHit, StoreStats } from './store.ts';

export type PaperRow = Selectable<PapersTable>;
export type HfRow = Selectable<HfSignalsTable>;
export type IngestRunRow = Selectable<IngestRunsTable>;
export type HarvestStateRow = Selectable<HarvestStateTable>;

/** The columns of papers that an upsert writes (everything but pk, added_at and moderation). */
export type PaperColumns = Omit<PaperRow, 'pk' | 'added_at' | 'hidden_at' | 'merged_into'>;

/** Papers a moderator hid, and duplicates merged into another, are left out of every list and search. */
export const VISIBLE = 'p.hidden_at IS NULL AND p.merged_into IS NULL';
/** Interrupted ingest runs that stats lists (it counts them all). */
export const INTERRUPTED_LISTED = 10;
/** Author keys remembered between batches before the memory is cleared (bounds memory on huge imports). */
export const AUTHOR_CACHE_SIZE = 200_000;

const PAPER_ROW_COLUMNS = [
  'pk', 'id', 'title', 'abstract', 'authors_text', 'categories', 'primary_category', 'published_at', 'updated_at', 'listed_at',
  'listed_explicit', 'latest_version', 'hidden_at', 'merged_into', 'comments', 'journal_ref', 'doi', 'license', 'report_no', 'project_page',
  'content_hash', 'added_at', 'changed_at',
] as const satisfies readonly (keyof PaperRow)[];
// Compiles only while the list names every column of PaperRow.
true satisfies [Exclude<keyof PaperRow, (typeof PAPER_ROW_COLUMNS)[number]>] extends [never] ? true : never;

/**
 * A paper row's columns on papers `p`, for PostgreSQL's reads that return rows: named rather than
 * p.*, as papers there also holds its keyword-search vector (search_vector), which no caller reads
 * and which is the biggest column of the row (kilobytes).
 */
export const PAPER_ROW = PAPER_ROW_COLUMNS.map((c) => `p.${c}`).join(', ');

/** The key an author is found by: the normalized name, or the name itself when nothing is left of it. */
export function authorKey(name: string): string {
  return normalizeAuthorName(name) || name;
}

/** A paper's rows other than its own, as its state is read from them. */
export interface PaperChildren {
  versions: { version: number; created_at: string | null; size: string | null }[];
  /** In position order. */
  authors: string[];
  /** Code links, in byte order of their URLs (the order is part of the paper's hash). */
  links: string[];
  hf?: HfRow;
}

/** A paper's state from its rows, as merge.ts merges records into it. */
export function paperState(row: PaperColumns, children: PaperChildren): PaperState {
  return {
    id: row.id,
    title: row.title,
    abstract: row.abstract,
    authors: children.authors,
    categories: row.categories ? row.categories.split(' ') : [],
    published: row.published_at ?? undefined,
    updated: row.updated_at ?? undefined,
    listedAt: row.listed_at,
    listedExplicit: row.listed_explicit === 1,
    latestVersion: row.latest_version ?? undefined,
    comments: row.comments ?? undefined,
    journalRef: row.journal_ref ?? undefined,
    doi: row.doi ?? undefined,
    license: row.license ?? undefined,
    reportNo: row.report_no ?? undefined,
    projectPage: row.project_page ?? undefined,
    versions: children.versions.map((v) => ({ version: v.version, created: v.created_at ?? '', size: v.size ?? undefined })),
    codeUrls: children.links,
    hf: children.hf ? hfFromRow(children.hf) : undefined,
  };
}

/** The columns an upsert writes for a state (the inverse of paperState for the paper's own row). */
export function paperColumns(state: PaperState, hash: string, changedAt: string): PaperColumns {
  return {
    id: state.id,
    title: state.title,
    abstract: state.abstract,
    authors_text: state.authors.join(', '),
    categories: state.categories.join(' '),
    primary_category: state.categories[0] ?? null,
    published_at: state.published ?? null,
    updated_at: state.updated ?? null,
    listed_at: state.listedAt,
    listed_explicit: state.listedExplicit ? 1 : 0,
    latest_version: state.latestVersion ?? null,
    comments: state.comments ?? null,
    journal_ref: state.journalRef ?? null,
    doi: state.doi ?? null,
    license: state.license ?? null,
    report_no: state.reportNo ?? null,
    project_page: state.projectPage ?? null,
    content_hash: hash,
    changed_at: changedAt,
  };
}

export function hfFromRow(r: HfRow): NonNullable<PaperState['hf']> {
  return {
    upvotes: r.upvotes,
    numComments: r.num_comments ?? undefined,
    submitter: r.submitter ?? undefined,
    githubRepo: r.github_repo ?? undefined,
    githubStars: r.github_stars ?? undefined,
    aiSummary: r.ai_summary ?? undefined,
    aiKeywords: r.ai_keywords ? (JSON.parse(r.ai_keywords) as string[]) : undefined,
    dailyDate: r.daily_date,
    organization: r.organization ?? undefined,
    thumbnail: r.thumbnail ?? undefined,
    mediaUrls: r.media_urls ? (JSON.parse(r.media_urls) as string[]) : undefined,
  };
}

/** The hf_signals columns of a paper's signals (all but paper_pk). */
export function hfColumns(hf: NonNullable<PaperState['hf']>): Omit<HfRow, 'paper_pk'> {
  return {
    upvotes: hf.upvotes, num_comments: hf.numComments ?? null, submitter: hf.submitter ?? null,
    github_repo: hf.githubRepo ?? null, github_stars: hf.githubStars ?? null, ai_summary: hf.aiSummary ?? null,
    ai_keywords: hf.aiKeywords ? JSON.stringify(hf.aiKeywords) : null, daily_date: hf.dailyDate, organization: hf.organization ?? null,
    thumbnail: hf.thumbnail ?? null, media_urls: hf.mediaUrls ? JSON.stringify(hf.mediaUrls) : null,
  };
}

/** Whether a merge left the signals as they were: then neither hf_signals nor a sample is written. */
export function sameSignals(existing: PaperState | undefined, merged: PaperState): boolean {
  return existing?.hf !== undefined && hashPaper({ ...merged, hf: existing.hf }) === hashPaper(merged);
}

/** Paper rows as summaries, in the rows' order, given their authors (in position order) and signals. */
export function paperSummaries(rows: PaperRow[], authors: { paper_pk: number; name: string }[], signals: HfRow[]): PaperSummary[] {
  const authorsOf = new Map<number, string[]>();
  for (const a of authors) (authorsOf.get(a.paper_pk) ?? authorsOf.set(a.paper_pk, []).get(a.paper_pk)!).push(a.name);
  const signalsOf = new Map(signals.map((s) => [s.paper_pk, s]));
  return rows.map((r) => {
    const hf = signalsOf.get(r.pk);
    return {
      id: r.id,
      title: r.title,
      abstract: r.abstract,
      authors: authorsOf.get(r.pk) ?? [],
      categories: r.categories ? r.categories.split(' ') : [],
      primaryCategory: r.primary_category ?? undefined,
      published: r.published_at ?? undefined,
      updated: r.updated_at ?? undefined,
      listedAt: r.listed_at,
      latestVersion: r.latest_version ?? undefined,
      upvotes: hf?.upvotes,
      numComments: hf?.num_comments ?? undefined,
      githubRepo: hf?.github_repo ?? undefined,
      githubStars: hf?.github_stars ?? undefined,
      projectPage: r.project_page ?? undefined,
      ...(hf?.ai_summary ? { aiSummary: hf.ai_summary } : {}),
      ...(hf?.organization ? { organization: hf.organization } : {}),
      ...(hf?.thumbnail ? { thumbnail: hf.thumbnail } : {}),
    };
  });
}

/** A paper's page: its summary, with what its state and row add; `mergedInto` is the kept paper's id. */
export function paperDetail(summary: PaperSummary, row: PaperRow, state: PaperState, mergedInto: string | undefined): PaperDetail {
  return {
    ...summary,
    comments: state.comments,
    journalRef: state.journalRef,
    doi: state.doi,
    license: state.license,
    reportNo: state.reportNo,
    versions: state.versions,
    codeUrls: state.codeUrls,
    hf: state.hf,
    addedAt: row.added_at,
    hiddenAt: row.hidden_at ?? undefined,
    mergedInto,
    listedExplicitly: row.listed_explicit === 1,
  };
}

/** Search hits of papers found by filters alone: nothing ranks or marks them. */
export function unrankedHits(rows: PaperRow[], papers: PaperSummary[]): SearchHit[] {
  return papers.map((paper, i) => ({ key: rows[i]!.pk, paper, score: 0, titleMarked: paper.title, snippetMarked: paper.abstract }));
}

export function toIngestRun(r: IngestRunRow): IngestRun {
  return {
    id: r.id, command: r.command, startedAt: r.started_at, finishedAt: r.finished_at ?? undefined, committedAt: r.committed_at ?? undefined, status: r.status,
    read: r.read, added: r.added, updated: r.updated, unchanged: r.unchanged, skipped: r.skipped, errors: r.errors,
  };
}

/** What a batch adds to its run's counts besides the outcomes: a bad record is skipped too (it is read and does not go in). */
export function batchCounts(batch: IngestBatch): { read: number; skipped: number; errors: number } {
  return {
    read: batch.papers.length + batch.errors.length + batch.passed,
    skipped: batch.passed + batch.errors.length,
    errors: batch.errors.length,
  };
}

export function toHarvestState(r: HarvestStateRow): HarvestState {
  return { key: r.key, resumptionToken: r.resumption_token ?? undefined, harvested: r.harvested, completedAt: r.completed_at ?? undefined, updatedAt: r.updated_at };
}

export function harvestStateRow(state: HarvestState): HarvestStateRow {
  return { key: state.key, resumption_token: state.resumptionToken ?? null, harvested: state.harvested, completed_at: state.completedAt ?? null, updated_at: state.updatedAt };
}

/** The hub's counts as stats() reports them. */
export function storeStats(
  totals: { papers: number; versions: number; authors: number; withAbstract: number; withHf: number; listedDays: number; first: string | null; last: string | null },
  categories: StoreStats['categories'],
  runs: { last: IngestRunRow | undefined; interrupted: IngestRunRow[]; interruptedCount: number },
): StoreStats {
  return {
    papers: totals.papers,
    versions: totals.versions,
    authors: totals.authors,
    withAbstract: totals.withAbstract,
    withHfSignals: totals.withHf,
    listedDays: totals.listedDays,
    firstDay: totals.first?.slice(0, 10),
    lastDay: totals.last?.slice(0, 10),
    categories,
    lastRun: runs.last && toIngestRun(runs.last),
    interruptedRuns: runs.interrupted.map(toIngestRun),
    interruptedCount: runs.interruptedCount,
  };
}

/** The start of an abstract, for papers found by meaning where no word of the query occurs. */
export function leadingWords(text: string, count: number): string {
  const words = text.split(/\s+/);
  return words.length <= count ? text : `${words.slice(0, count).join(' ')}…`;
}

/**
 * A change's stamp: now, or a millisecond after the previous stamp when the clock has not moved on.
 * Vectors remember the stamp they were made from, so an edit must never keep the same one.
 */
export function laterThan(previous: string, now: string): string {
  return now > previous ? now : new Date(Date.parse(previous) + 1).toISOString();
}

/**
 * When a source's counts were observed: a daily list's file holds the counts of its own day, so an
 * old list imported today must not look like upvotes that arrived today (trending reads these times).
 */
export function sampleTime(dailyDate: string, now: string): string {
  const endOfList = nextDay(dailyDate.slice(0, 10));
  return endOfList < now ? endOfList : now;
}

/** The start of the day after `day` (YYYY-MM-DD), as an ISO time. */
export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}
