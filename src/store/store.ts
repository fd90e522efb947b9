// The Store: everything the rest of Paperboy may ask of the database. SQL lives only behind it
// (sqlite.ts today; a PostgreSQL implementation of the same interface later).

import type { HfSignals, PaperRecord, RecordError, VersionRecord } from '../paper/types.ts';
import type { AccountStore } from './accounts.ts';
import type { CommunityStore } from './community.ts';
import type { SharedStore } from './shared.ts';
import type { SignalStore } from './signals.ts';
import type { SubscriptionStore } from './subscriptions.ts';

export type UpsertOutcome = 'added' | 'updated' | 'unchanged';

/** A paper as surfaces show it in a list (cards). */
export interface PaperSummary {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
  primaryCategory?: string;
  published?: string;
  updated?: string;
  listedAt: string;            // ISO; the day a listing puts it on
  latestVersion?: number;
  upvotes?: number;            // source (Hugging Face) upvotes, if any
  numComments?: number;
  githubRepo?: string;
  githubStars?: number;
  projectPage?: string;
  /** Hugging Face's one-sentence summary, when imported. */
  aiSummary?: string;
  /** The organisation that submitted it to Hugging Face's daily papers ("Google", "Meta AI"). */
  organization?: string;
  /** Hugging Face's thumbnail of its first page. */
  thumbnail?: string;
}

/** Everything known about a paper, for its own page and the JSON API. */
export interface PaperDetail extends PaperSummary {
  comments?: string;
  journalRef?: string;
  doi?: string;
  license?: string;
  reportNo?: string;
  versions: VersionRecord[];
  codeUrls: string[];
  hf?: HfSignals;
  addedAt: string;             // when the row was first written here
  /** When a moderator hid it: it is left out of every list and search, and its page is for moderators only. */
  hiddenAt?: string;
  /** The id of the paper this duplicate was merged into; its page redirects there. */
  mergedInto?: string;
  /** Put on its day by a daily list or a submission, rather than by its publication date. */
  listedExplicitly?: boolean;
}

export interface ListOptions {
  limit?: number;
  offset?: number;
  /** 'upvotes' (default, as Hugging Face lists a day: source upvotes plus votes here) or 'recent'. */
  sort?: 'upvotes' | 'recent';
}

/** A parsed search query, as src/search/query.ts produces it. */
export interface SearchQuery {
  terms: string[];             // plain words, all must match (AND)
  phrases: string[];           // "exact phrases"
  excludes: string[];          // words or phrases that must not match
  authors: string[];           // author: filters (matched in the author column)
  categories: string[];        // cat: filters (any of them), e.g. cs.LG or cs (prefix)
  since?: string;              // YYYY-MM-DD inclusive, on publication date
  until?: string;              // YYYY-MM-DD inclusive
}

/** No words and no filters: hitsForKeys then loads plain cards, in the order asked. */
export const NO_QUERY: Readonly<SearchQuery> = Object.freeze({ terms: [], phrases: [], excludes: [], authors: [], categories: [] });

export interface SearchHit {
  /** The paper's row key: what vector indexes store and fusion ranks by. */
  key: number;
  paper: PaperSummary;
  score: number;               // BM25 as SQLite reports it: lower is better
  /** Title and abstract snippet with matches wrapped in MARK_START/MARK_END (text not yet escaped). */
  titleMarked: string;
  snippetMarked: string;
}

/** Sentinels that mark matches inside snippets; a page escapes the text, then turns these into <mark>. */
export const MARK_START = '\uE000';
export const MARK_END = '\uE001';

export interface SearchPage {
  total: number;
  hits: SearchHit[];
}

/** A keyword ranking, best first, before papers are loaded: what fusion needs. */
export interface KeywordRanking {
  ranked: { key: number; score: number }[];
  total: number;
  /** The score of a paper, ranked or not (0 when no word matches, or beyond `scoresTo` when FTS5 ranked). */
  scoreOf: (key: number) => number;
  /** Which index answered: the impact index, or the database's full-text index. */
  via: 'impact' | 'fts';
  /** When ranked by any word: how many papers have all of them (stopwords aside). */
  withAllWords?: number;
}

export interface KeywordIndexStatus {
  ready: boolean;
  papers: number;
  /** Papers changed since it was built (scored from their text until the next build). */
  changed: number;
  builtThrough?: string;
  needsRebuild: boolean;
}

export interface KeywordBuildReport {
  papers: number;
  terms: number;
  seconds: number;
}

/**
 * A copy of the keyword index laid out for fast any-word ranking. Until it is built, and for
 * queries it cannot answer (phrases, prefixes, filters), rankByKeywords asks the database's own
 * full-text index, with the same scores, more slowly.
 */
export interface KeywordIndexControl {
  build(progress?: (done: number, total: number) => void): Promise<KeywordBuildReport>;
  status(): Promise<KeywordIndexStatus>;
}

/** A title or author that starts with what is being typed. */
export interface Suggestion {
  kind: 'paper' | 'author';
  text: string;
  id?: string;                 // the paper's id, for kind 'paper'
  papers?: number;             // the author's paper count, for kind 'author'
}

/** The text an embedder reads for one paper. */
export interface PaperText {
  key: number;
  id: string;
  title: string;
  abstract: string;
  changedAt: string;
}

export interface VectorModelInfo {
  name: string;
  dimensions: number;
  config: Record<string, unknown>;
  state: 'building' | 'ready';
  active: boolean;
  createdAt: string;
  readyAt?: string;
  vectors: number;
}

/** Vectors per paper per embedding model, and which model is live. */
export interface VectorStore {
  models(): Promise<VectorModelInfo[]>;
  /** The model searches use: the one activated last, if it is still ready. */
  active(): Promise<VectorModelInfo | undefined>;
  saveModel(model: { name: string; dimensions: number; config: Record<string, unknown>; state: 'building' | 'ready' }): Promise<void>;
  activate(name: string): Promise<void>;
  dropModel(name: string): Promise<void>;
  put(model: string, rows: { key: number; changedAt: string; vector: Float32Array }[]): Promise<void>;
  /** Papers after `afterKey` with no vector for the model, or changed since they were embedded, by key. */
  pending(model: string, afterKey: number, limit: number): Promise<PaperText[]>;
  countPending(model: string): Promise<number>;
  scan(model: string, afterKey: number, limit: number): Promise<{ key: number; vector: Float32Array }[]>;
  /** The keys of papers with a vector for the model after `afterKey`, ascending, without reading the vectors. */
  keys(model: string, afterKey: number, limit: number): Promise<number[]>;
  get(model: string, key: number): Promise<Float32Array | undefined>;
  /** Several papers' vectors in one read; papers without one are absent from the map. */
  getMany(model: string, keys: number[]): Promise<Map<number, Float32Array>>;
  /** Every paper's text by key, for training an embedder. */
  texts(afterKey: number, limit: number): Promise<PaperText[]>;
}

export interface AuthorPapers {
  /** The name as first seen in this hub. */
  name: string;
  total: number;
  papers: PaperSummary[];
}

export interface DayCount {
  day: string;                 // YYYY-MM-DD
  count: number;
}

export interface IngestRunSummary {
  read: number;
  added: number;
  updated: number;
  unchanged: number;
  skipped: number;
  errors: number;
}

/** 'interrupted': no live process owned the run any more (killed, or its machine went away) before it finished. */
export type IngestRunStatus = 'running' | 'done' | 'failed' | 'interrupted';

export interface IngestRun extends IngestRunSummary {
  id: number;
  command: string;
  startedAt: string;
  /** When it ended; for an interrupted run, when it was found to have no live owner. */
  finishedAt?: string;
  /** When its last batch was committed: an interrupted run stopped after this. */
  committedAt?: string;
  status: IngestRunStatus;
}

/** One batch of an ingest run, as its parsers gave it. */
export interface IngestBatch {
  papers: PaperRecord[];
  errors: RecordError[];
  /** Records read and deliberately passed over (an OAI-PMH deletion, say). */
  passed: number;
}

/** Where an OAI-PMH harvest got to, so an interrupted one resumes. */
export interface HarvestState {
  key: string;                 // endpoint + set + from + until
  resumptionToken?: string;    // next page to ask for; undefined when the list is complete
  harvested: number;
  completedAt?: string;
  updatedAt: string;
}

export interface StoreStats {
  papers: number;
  versions: number;
  authors: number;
  withAbstract: number;
  withHfSignals: number;
  listedDays: number;          // distinct days with papers on their list
  firstDay?: string;
  lastDay?: string;
  categories: { category: string; count: number }[];
  lastRun?: IngestRun;
  /** Runs that stopped without finishing, newest first (the latest few), and how many there are. */
  interruptedRuns: IngestRun[];
  interruptedCount: number;
}

export interface Store {
  /** Upserts a batch in one transaction; idempotent by id. Returns one outcome per record. */
  upsertPapers(records: PaperRecord[]): Promise<UpsertOutcome[]>;
  /**
   * Runs a large import with the keyword index's triggers off and rebuilds the index once at the end.
   * A crash in the middle leaves a mark that makes the next open rebuild the index.
   */
  bulk<T>(work: () => Promise<T>): Promise<T>;

  getPaper(id: string): Promise<PaperDetail | undefined>;
  /** Papers listed in [from, to) (ISO instants), for day / week / month pages. */
  listPapers(from: string, to: string, options?: ListOptions): Promise<PaperSummary[]>;
  countPapers(from: string, to: string): Promise<number>;
  /** Number of papers per listing day in [from, to). */
  dayCounts(from: string, to: string): Promise<DayCount[]>;
  /** The latest listing day with papers, and the nearest days with papers around a day. */
  latestDay(): Promise<string | undefined>;
  neighbourDays(day: string): Promise<{ previous?: string; next?: string }>;

  search(query: SearchQuery, options?: { limit?: number; offset?: number }): Promise<SearchPage>;
  /**
   * BM25 ranking keys only. `any`: a paper needs only one of the words (ranked higher the more and
   * rarer it has), as BM25 is meant to be used for fusion; phrases, authors and filters still bind.
   */
  /**
   * `scoresTo`: fusion needs the BM25 of papers found by meaning too; the database's full-text
   * index can only tell it for papers it ranks, so it ranks this deep (the impact index can tell any).
   */
  rankByKeywords(query: SearchQuery, options: { limit: number; any?: boolean; scoresTo?: number }): Promise<KeywordRanking>;
  /** The keys, in order, that pass the query's filters and required phrases, authors and exclusions. */
  filterKeys(keys: number[], query: SearchQuery): Promise<number[]>;
  /** Hits for keys in order, with the query's words marked where they occur. */
  hitsForKeys(keys: number[], query: SearchQuery): Promise<SearchHit[]>;
  keyOf(id: string): Promise<number | undefined>;
  /** Titles and authors starting with the typed text (the last word may be partial). */
  suggest(prefix: string, limit?: number): Promise<Suggestion[]>;
  readonly vectors: VectorStore;
  readonly keywordIndex: KeywordIndexControl;
  readonly accounts: AccountStore;
  readonly community: CommunityStore;
  /** What trending reads: hub votes, source upvotes and GitHub stars over time. */
  readonly signals: SignalStore;
  /** Digest subscriptions, their outbox and readers' feedback from mails. */
  readonly subscriptions: SubscriptionStore;
  /** Leases, rate limits and secrets that every process on this database shares. */
  readonly shared: SharedStore;

  /** An author's papers, newest first, by any spelling of the name (see paper/text.ts); undefined for an unknown author. */
  authorPapers(name: string, options?: { limit?: number; offset?: number }): Promise<AuthorPapers | undefined>;
  /**
   * The keys of visible papers that entered the hub in (from, to] and were listed since `listedSince`
   * (so an import of old papers is not news), in key order: what digests call new papers.
   */
  newPaperKeys(from: string, to: string, listedSince: string): Promise<number[]>;
  /**
   * BM25 of the given papers for a query's words (higher is better), for those that match any of its
   * words and pass its filters, phrases, authors and exclusions; the others are absent.
   */
  keywordScores(keys: number[], query: SearchQuery): Promise<Map<number, number>>;

  /** Papers sharing the most distinctive words of a paper's title and abstract. */
  similarByKeywords(id: string, limit?: number): Promise<PaperSummary[]>;

  startIngestRun(command: string): Promise<number>;
  recordIngestErrors(runId: number, errors: RecordError[]): Promise<void>;
  /**
   * Writes one batch of a run in one transaction: its papers, its bad records, and the run's totals
   * with the batch counted in, so a run killed between batches says exactly what it had committed.
   * Returns the run's totals. A run marked interrupted while its owner was in fact alive is running again.
   */
  commitIngestBatch(runId: number, batch: IngestBatch): Promise<IngestRunSummary>;
  finishIngestRun(runId: number, summary: IngestRunSummary, status: 'done' | 'failed'): Promise<void>;
  /** Runs marked running, oldest first. */
  runningIngestRuns(): Promise<IngestRun[]>;
  /** Marks a running run interrupted as of `at`; false when it was not running. */
  interruptIngestRun(runId: number, at: string): Promise<boolean>;
  recentIngestErrors(runId: number, limit?: number): Promise<RecordError[]>;

  getHarvestState(key: string): Promise<HarvestState | undefined>;
  saveHarvestState(state: HarvestState): Promise<void>;

  /** What the hub holds, for `paperboy stats`: reads every paper (seconds at a million). */
  stats(): Promise<StoreStats>;
  /** How many papers the hub holds: cheap, for code that needs only that. */
  paperCount(): Promise<number>;
  close(): Promise<void>;
}
