// The shapes every source produces and every surface reads. Plain data, no behaviour.

/** One version of a paper as arXiv numbers them (v1, v2, ...). */
export interface VersionRecord {
  version: number;
  created: string; // ISO-8601 UTC
  size?: string;   // as arXiv reports it, e.g. "37kb"
}

/** What Hugging Face's daily list tells about a paper: the community's signals. */
export interface HfSignals {
  upvotes: number;
  numComments?: number;
  submitter?: string;          // HF user name of whoever put it on the daily list
  githubRepo?: string;         // URL
  githubStars?: number;
  aiSummary?: string;
  aiKeywords?: string[];
  dailyDate: string;           // YYYY-MM-DD of the daily list it appeared on
  organization?: string;
  /** Hugging Face's picture of the first page (an https URL on its CDN). */
  thumbnail?: string;
  /** Images the authors uploaded to the paper's Hugging Face page (https URLs on its CDN). */
  mediaUrls?: string[];
}

/** A paper as one source describes it. Fields a source does not know are left undefined. */
export interface PaperRecord {
  id: string;                  // canonical arXiv id (see ids.ts)
  title: string;
  abstract?: string;
  authors: string[];           // display names, in order
  categories?: string[];       // primary first
  published?: string;          // ISO-8601 UTC, first version
  updated?: string;            // ISO-8601 UTC, latest version
  latestVersion?: number;
  versions?: VersionRecord[];
  comments?: string;
  journalRef?: string;
  doi?: string;
  license?: string;
  reportNo?: string;
  codeUrls?: string[];
  projectPage?: string;
  /** When this source put the paper on a list (HF's submittedOnDailyAt). Listings by day use it. */
  listedAt?: string;
  hf?: HfSignals;
}

/** Where a record came from: a file and a position in it, or a URL. */
export interface RecordOrigin {
  source: string;   // file path or URL
  position: string; // "line 12", "record 3", "entry 7", ...
}

export interface RecordError extends RecordOrigin {
  reason: string;
}

/**
 * What a parser yields per record: a paper, an error (reported, the rest goes on), or a record
 * deliberately passed over (an OAI-PMH deletion, say), which counts as skipped.
 */
export type ParseResult =
  | { ok: PaperRecord; origin: RecordOrigin }
  | { error: RecordError }
  | { skip: RecordError };
