// What a community does with papers: votes, submissions, threaded comments, collections, and the
// moderation of papers and comments. Papers are named by their canonical arXiv id throughout.

import type { PaperSummary } from './store.ts';

export interface VoteState {
  /** Votes cast on this hub (source upvotes, e.g. Hugging Face's, are PaperSummary.upvotes). */
  count: number;
  /** Whether the viewer asked about has voted. */
  voted: boolean;
}

export interface Submission {
  paperId: string;
  user: { key: number; name: string };
  submittedAt: string;
}

export interface Comment {
  key: number;
  paperId: string;
  parentKey?: number;
  author: { key: number; name: string };
  /** Markdown as written; empty once deleted. */
  body: string;
  createdAt: string;
  editedAt?: string;
  deletedAt?: string;
  hiddenAt?: string;
}

export interface Collection {
  key: number;
  owner: { key: number; name: string };
  slug: string;
  name: string;
  description: string;
  public: boolean;
  papers: number;
  createdAt: string;
  updatedAt: string;
}

export interface CommunityStore {
  /** Casts (up = true) or withdraws a vote; idempotent, and exact under any number of concurrent voters. */
  vote(userKey: number, paperId: string, up: boolean, now: string): Promise<VoteState>;
  /** Hub vote counts (and the viewer's own votes) for many papers at once; papers without votes are absent. */
  votes(paperIds: string[], viewerKey?: number): Promise<Map<string, VoteState>>;

  /** Records who put a paper on the day's list. The caller has stored the paper, listed now. */
  recordSubmission(userKey: number, paperId: string, now: string): Promise<void>;
  submission(paperId: string): Promise<Submission | undefined>;
  /** Submissions by a user since an instant (the per-user rate limit). */
  countSubmissions(userKey: number, since: string): Promise<number>;

  addComment(comment: { userKey: number; paperId: string; parentKey?: number; body: string; now: string }): Promise<Comment>;
  comment(key: number): Promise<Comment | undefined>;
  /** Every comment on a paper, oldest first, deleted and hidden ones included (pages decide what to show). */
  comments(paperId: string): Promise<Comment[]>;
  editComment(key: number, body: string, now: string): Promise<void>;
  deleteComment(key: number, now: string): Promise<void>;
  setCommentHidden(key: number, hidden: boolean, now: string): Promise<void>;
  /** Visible comments per paper, for cards. */
  commentCounts(paperIds: string[]): Promise<Map<string, number>>;

  createCollection(c: { userKey: number; name: string; description?: string; public: boolean; now: string }): Promise<Collection>;
  updateCollection(key: number, c: { name?: string; description?: string; public?: boolean; now: string }): Promise<void>;
  deleteCollection(key: number): Promise<void>;
  collection(key: number): Promise<Collection | undefined>;
  collectionBySlug(ownerKey: number, slug: string): Promise<Collection | undefined>;
  /** A user's collections; private ones only when asked (the owner is looking). */
  collectionsOf(userKey: number, includePrivate: boolean): Promise<Collection[]>;
  addToCollection(collectionKey: number, paperId: string, now: string): Promise<void>;
  removeFromCollection(collectionKey: number, paperId: string): Promise<void>;
  collectionPapers(collectionKey: number, options?: { limit?: number; offset?: number }): Promise<PaperSummary[]>;
  /** Which of a user's collections hold each of some papers (for the "add to collection" menus), in one query. */
  collectionsHolding(userKey: number, paperIds: string[]): Promise<Map<string, number[]>>;

  /** Papers added to a collection in (from, to], newest first: what a collection's digest sends. */
  collectionAdditions(collectionKey: number, from: string, to: string, limit: number): Promise<PaperSummary[]>;
  /** The row keys of the papers a reader upvoted and saved to collections: what "papers like mine" learns from. */
  readerSignals(userKey: number): Promise<{ upvoted: number[]; saved: number[] }>;

  /** A user's activity, newest first, for the profile page. */
  votedBy(userKey: number, options?: { limit?: number }): Promise<PaperSummary[]>;
  submittedBy(userKey: number, options?: { limit?: number }): Promise<PaperSummary[]>;
  commentsBy(userKey: number, options?: { limit?: number }): Promise<Comment[]>;

  /** Hides a paper from every list and search (or shows it again). */
  setPaperHidden(paperId: string, hidden: boolean, now: string): Promise<void>;
  /**
   * Merges a duplicate into the paper it duplicates: votes, comments, collection entries and the
   * submission move over, and the duplicate's page points to the kept one.
   */
  mergePaper(duplicateId: string, keptId: string, now: string): Promise<void>;
  /** The paper a merged duplicate now points to. */
  mergedInto(paperId: string): Promise<string | undefined>;
}
