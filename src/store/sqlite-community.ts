// Votes, submissions, comments, collections and the moderation of papers, on the same SQLite
// connection as the papers. Every write is one statement or one transaction; a vote is a single
// INSERT OR IGNORE (or DELETE) against the (paper, user) primary key, so any number of voters at
// once leave an exact count.

import type BetterSqlite3 from 'better-sqlite3';
import type { Collection, Comment, CommunityStore, Submission, VoteState } from './community.ts';
import {
  collectionsByPaper,
  DEFAULT_LIMIT,
  toCollection,
  toComment,
  toSubmission,
  type CollectionRow,
  type CommentRow,
  type SummariesOf,
} from './community-rows.ts';
import { VISIBLE, type PaperRow } from './paper-rows.ts';
import type { PaperSummary } from './store.ts';

const COMMENT_COLUMNS = `c.pk, p.id AS paper_id, c.parent_pk, c.user_pk, u.name AS user_name, c.body, c.created_at, c.edited_at, c.deleted_at, c.hidden_at
  FROM comments c JOIN papers p ON p.pk = c.paper_pk JOIN users u ON u.pk = c.user_pk`;
const COLLECTION_COLUMNS = `k.pk, k.user_pk, u.name AS user_name, k.slug, k.name, k.description, k.public, k.created_at, k.updated_at,
  (SELECT count(*) FROM collection_items i JOIN papers p ON p.pk = i.paper_pk WHERE i.collection_pk = k.pk AND ${VISIBLE}) AS papers
  FROM collections k JOIN users u ON u.pk = k.user_pk`;
const SLUG_MAX = 60;

export class SqliteCommunity implements CommunityStore {
  private readonly s;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly summaries: SummariesOf,
  ) {
    this.s = {
      paperPk: db.prepare('SELECT pk FROM papers WHERE id = ?'),
      vote: db.prepare('INSERT OR IGNORE INTO votes (paper_pk, user_pk, created_at) VALUES (?, ?, ?)'),
      unvote: db.prepare('DELETE FROM votes WHERE paper_pk = ? AND user_pk = ?'),
      voteCount: db.prepare('SELECT count(*) AS n, coalesce(max(user_pk = ?), 0) AS voted FROM votes WHERE paper_pk = ?'),
      votes: db.prepare(`SELECT p.id, count(*) AS n, coalesce(max(v.user_pk = ?), 0) AS voted FROM votes v JOIN papers p ON p.pk = v.paper_pk
                         WHERE p.id IN (SELECT value FROM json_each(?)) GROUP BY p.id`),
      submit: db.prepare('INSERT OR IGNORE INTO submissions (paper_pk, user_pk, submitted_at) VALUES (?, ?, ?)'),
      submission: db.prepare('SELECT s.user_pk, u.name, s.submitted_at FROM submissions s JOIN users u ON u.pk = s.user_pk WHERE s.paper_pk = ?'),
      countSubmissions: db.prepare('SELECT count(*) AS n FROM submissions WHERE user_pk = ? AND submitted_at >= ?'),
      addComment: db.prepare('INSERT INTO comments (paper_pk, user_pk, parent_pk, body, created_at) VALUES (?, ?, ?, ?, ?)'),
      comment: db.prepare(`SELECT ${COMMENT_COLUMNS} WHERE c.pk = ?`),
      comments: db.prepare(`SELECT ${COMMENT_COLUMNS} WHERE c.paper_pk = ? ORDER BY c.created_at, c.pk`),
      editComment: db.prepare('UPDATE comments SET body = ?, edited_at = ? WHERE pk = ? AND deleted_at IS NULL'),
      deleteComment: db.prepare(`UPDATE comments SET body = '', deleted_at = ? WHERE pk = ? AND deleted_at IS NULL`),
      hideComment: db.prepare('UPDATE comments SET hidden_at = ? WHERE pk = ?'),
      commentCounts: db.prepare(`SELECT p.id, count(*) AS n FROM comments c JOIN papers p ON p.pk = c.paper_pk
                                 WHERE p.id IN (SELECT value FROM json_each(?)) AND c.deleted_at IS NULL AND c.hidden_at IS NULL GROUP BY p.id`),
      commentsBy: db.prepare(`SELECT ${COMMENT_COLUMNS} WHERE c.user_pk = ? AND c.deleted_at IS NULL AND c.hidden_at IS NULL AND ${VISIBLE}
                              ORDER BY c.created_at DESC, c.pk DESC LIMIT ?`),
      slugTaken: db.prepare('SELECT 1 FROM collections WHERE user_pk = ? AND slug = ?'),
      createCollection: db.prepare('INSERT INTO collections (user_pk, slug, name, description, public, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      updateCollection: db.prepare(`UPDATE collections SET name = coalesce(@name, name), description = coalesce(@description, description),
                                    public = coalesce(@public, public), updated_at = @now WHERE pk = @pk`),
      deleteCollection: db.prepare('DELETE FROM collections WHERE pk = ?'),
      collection: db.prepare(`SELECT ${COLLECTION_COLUMNS} WHERE k.pk = ?`),
      collectionBySlug: db.prepare(`SELECT ${COLLECTION_COLUMNS} WHERE k.user_pk = ? AND k.slug = ?`),
      collectionsOf: db.prepare(`SELECT ${COLLECTION_COLUMNS} WHERE k.user_pk = ? AND (k.public = 1 OR ?) ORDER BY k.updated_at DESC, k.pk DESC`),
      addItem: db.prepare('INSERT OR IGNORE INTO collection_items (collection_pk, paper_pk, added_at) VALUES (?, ?, ?)'),
      removeItem: db.prepare('DELETE FROM collection_items WHERE collection_pk = ? AND paper_pk = ?'),
      touchCollection: db.prepare('UPDATE collections SET updated_at = ? WHERE pk = ?'),
      collectionPapers: db.prepare(`SELECT p.* FROM collection_items i JOIN papers p ON p.pk = i.paper_pk WHERE i.collection_pk = ? AND ${VISIBLE}
                                    ORDER BY i.added_at DESC, p.pk DESC LIMIT ? OFFSET ?`),
      collectionsHolding: db.prepare(`SELECT p.id, k.pk FROM collections k JOIN collection_items i ON i.collection_pk = k.pk JOIN papers p ON p.pk = i.paper_pk
                                      WHERE k.user_pk = ? AND p.id IN (SELECT value FROM json_each(?)) ORDER BY k.pk`),
      collectionAdditions: db.prepare(`SELECT p.* FROM collection_items i JOIN papers p ON p.pk = i.paper_pk
                                        WHERE i.collection_pk = ? AND i.added_at > ? AND i.added_at <= ? AND ${VISIBLE}
                                        ORDER BY i.added_at DESC, p.pk DESC LIMIT ?`),
      upvotedKeys: db.prepare(`SELECT v.paper_pk FROM votes v JOIN papers p ON p.pk = v.paper_pk WHERE v.user_pk = ? AND ${VISIBLE} ORDER BY v.created_at, v.paper_pk`).pluck(),
      savedKeys: db.prepare(`SELECT DISTINCT i.paper_pk FROM collections k JOIN collection_items i ON i.collection_pk = k.pk JOIN papers p ON p.pk = i.paper_pk
                             WHERE k.user_pk = ? AND ${VISIBLE} ORDER BY i.paper_pk`).pluck(),
      votedBy: db.prepare(`SELECT p.* FROM votes v JOIN papers p ON p.pk = v.paper_pk WHERE v.user_pk = ? AND ${VISIBLE} ORDER BY v.created_at DESC, p.pk DESC LIMIT ?`),
      submittedBy: db.prepare(`SELECT p.* FROM submissions s JOIN papers p ON p.pk = s.paper_pk WHERE s.user_pk = ? AND ${VISIBLE} ORDER BY s.submitted_at DESC, p.pk DESC LIMIT ?`),
      hidePaper: db.prepare('UPDATE papers SET hidden_at = ? WHERE pk = ?'),
      mergedInto: db.prepare('SELECT kept.id FROM papers p JOIN papers kept ON kept.pk = p.merged_into WHERE p.id = ?'),
      moveVotes: db.prepare('INSERT OR IGNORE INTO votes (paper_pk, user_pk, created_at) SELECT ?, user_pk, created_at FROM votes WHERE paper_pk = ?'),
      dropVotes: db.prepare('DELETE FROM votes WHERE paper_pk = ?'),
      moveComments: db.prepare('UPDATE comments SET paper_pk = ? WHERE paper_pk = ?'),
      moveItems: db.prepare('INSERT OR IGNORE INTO collection_items (collection_pk, paper_pk, added_at) SELECT collection_pk, ?, added_at FROM collection_items WHERE paper_pk = ?'),
      dropItems: db.prepare('DELETE FROM collection_items WHERE paper_pk = ?'),
      // The kept paper's own submission wins; otherwise the duplicate's moves over.
      moveSubmission: db.prepare('INSERT OR IGNORE INTO submissions (paper_pk, user_pk, submitted_at) SELECT ?, user_pk, submitted_at FROM submissions WHERE paper_pk = ?'),
      dropSubmission: db.prepare('DELETE FROM submissions WHERE paper_pk = ?'),
      // Duplicates merged into this one earlier now point at the kept paper directly: no chains.
      repoint: db.prepare('UPDATE papers SET merged_into = ? WHERE merged_into = ?'),
      merge: db.prepare('UPDATE papers SET merged_into = ? WHERE pk = ?'),
    };
  }

  /** The row key of a paper; an unknown id is an error that names it (the web answers 404). */
  private pk(paperId: string): number {
    const row = this.s.paperPk.get(paperId) as { pk: number } | undefined;
    if (!row) throw new Error(`No paper ${paperId} in this hub.`);
    return row.pk;
  }

  async vote(userKey: number, paperId: string, up: boolean, now: string): Promise<VoteState> {
    const pk = this.pk(paperId);
    if (up) this.s.vote.run(pk, userKey, now);
    else this.s.unvote.run(pk, userKey);
    const r = this.s.voteCount.get(userKey, pk) as { n: number; voted: number };
    return { count: r.n, voted: r.voted === 1 };
  }

  async votes(paperIds: string[], viewerKey?: number): Promise<Map<string, VoteState>> {
    if (paperIds.length === 0) return new Map();
    const rows = this.s.votes.all(viewerKey ?? null, JSON.stringify(paperIds)) as { id: string; n: number; voted: number }[];
    return new Map(rows.map((r) => [r.id, { count: r.n, voted: r.voted === 1 }]));
  }

  async recordSubmission(userKey: number, paperId: string, now: string): Promise<void> {
    this.s.submit.run(this.pk(paperId), userKey, now);
  }

  async submission(paperId: string): Promise<Submission | undefined> {
    const row = this.s.paperPk.get(paperId) as { pk: number } | undefined;
    return toSubmission(paperId, row && (this.s.submission.get(row.pk) as { user_pk: number; name: string; submitted_at: string } | undefined));
  }

  async countSubmissions(userKey: number, since: string): Promise<number> {
    return (this.s.countSubmissions.get(userKey, since) as { n: number }).n;
  }

  async addComment(c: { userKey: number; paperId: string; parentKey?: number; body: string; now: string }): Promise<Comment> {
    const pk = this.pk(c.paperId);
    if (c.parentKey !== undefined) {
      const parent = await this.comment(c.parentKey);
      if (!parent || parent.paperId !== c.paperId) throw new Error(`Comment ${c.parentKey} is not on paper ${c.paperId}.`);
    }
    const key = Number(this.s.addComment.run(pk, c.userKey, c.parentKey ?? null, c.body, c.now).lastInsertRowid);
    return (await this.comment(key))!;
  }

  async comment(key: number): Promise<Comment | undefined> {
    const row = this.s.comment.get(key) as CommentRow | undefined;
    return row && toComment(row);
  }

  async comments(paperId: string): Promise<Comment[]> {
    const row = this.s.paperPk.get(paperId) as { pk: number } | undefined;
    return row ? (this.s.comments.all(row.pk) as CommentRow[]).map(toComment) : [];
  }

  async editComment(key: number, body: string, now: string): Promise<void> {
    this.s.editComment.run(body, now, key);
  }

  async deleteComment(key: number, now: string): Promise<void> {
    this.s.deleteComment.run(now, key);
  }

  async setCommentHidden(key: number, hidden: boolean, now: string): Promise<void> {
    this.s.hideComment.run(hidden ? now : null, key);
  }

  async commentCounts(paperIds: string[]): Promise<Map<string, number>> {
    if (paperIds.length === 0) return new Map();
    const rows = this.s.commentCounts.all(JSON.stringify(paperIds)) as { id: string; n: number }[];
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  async createCollection(c: { userKey: number; name: string; description?: string; public: boolean; now: string }): Promise<Collection> {
    const key = this.db.transaction(() => {
      const slug = this.freeSlug(c.userKey, slugify(c.name));
      return Number(this.s.createCollection.run(c.userKey, slug, c.name, c.description ?? '', c.public ? 1 : 0, c.now, c.now).lastInsertRowid);
    })();
    return (await this.collection(key))!;
  }

  /** The slug itself, or with -2, -3, ... when the owner already has it. */
  private freeSlug(userKey: number, base: string): string {
    for (let n = 1; ; n++) {
      const slug = slugCandidate(base, n);
      if (!this.s.slugTaken.get(userKey, slug)) return slug;
    }
  }

  async updateCollection(key: number, c: { name?: string; description?: string; public?: boolean; now: string }): Promise<void> {
    // The slug stays as it was, so links to the collection keep working after a rename.
    this.s.updateCollection.run({ pk: key, name: c.name ?? null, description: c.description ?? null, public: c.public === undefined ? null : c.public ? 1 : 0, now: c.now });
  }

  async deleteCollection(key: number): Promise<void> {
    this.s.deleteCollection.run(key);
  }

  async collection(key: number): Promise<Collection | undefined> {
    const row = this.s.collection.get(key) as CollectionRow | undefined;
    return row && toCollection(row);
  }

  async collectionBySlug(ownerKey: number, slug: string): Promise<Collection | undefined> {
    const row = this.s.collectionBySlug.get(ownerKey, slug) as CollectionRow | undefined;
    return row && toCollection(row);
  }

  async collectionsOf(userKey: number, includePrivate: boolean): Promise<Collection[]> {
    return (this.s.collectionsOf.all(userKey, includePrivate ? 1 : 0) as CollectionRow[]).map(toCollection);
  }

  async addToCollection(collectionKey: number, paperId: string, now: string): Promise<void> {
    const pk = this.pk(paperId);
    this.db.transaction(() => {
      if (this.s.addItem.run(collectionKey, pk, now).changes > 0) this.s.touchCollection.run(now, collectionKey);
    })();
  }

  async removeFromCollection(collectionKey: number, paperId: string): Promise<void> {
    this.s.removeItem.run(collectionKey, this.pk(paperId));
  }

  async collectionPapers(collectionKey: number, options: { limit?: number; offset?: number } = {}): Promise<PaperSummary[]> {
    return this.summaries(this.s.collectionPapers.all(collectionKey, options.limit ?? DEFAULT_LIMIT, options.offset ?? 0) as PaperRow[]);
  }

  async collectionsHolding(userKey: number, paperIds: string[]): Promise<Map<string, number[]>> {
    return collectionsByPaper(this.s.collectionsHolding.all(userKey, JSON.stringify(paperIds)) as { id: string; pk: number }[]);
  }

  async collectionAdditions(collectionKey: number, from: string, to: string, limit: number): Promise<PaperSummary[]> {
    return this.summaries(this.s.collectionAdditions.all(collectionKey, from, to, limit) as PaperRow[]);
  }

  async readerSignals(userKey: number): Promise<{ upvoted: number[]; saved: number[] }> {
    return { upvoted: this.s.upvotedKeys.all(userKey) as number[], saved: this.s.savedKeys.all(userKey) as number[] };
  }

  async votedBy(userKey: number, options: { limit?: number } = {}): Promise<PaperSummary[]> {
    return this.summaries(this.s.votedBy.all(userKey, options.limit ?? DEFAULT_LIMIT) as PaperRow[]);
  }

  async submittedBy(userKey: number, options: { limit?: number } = {}): Promise<PaperSummary[]> {
    return this.summaries(this.s.submittedBy.all(userKey, options.limit ?? DEFAULT_LIMIT) as PaperRow[]);
  }

  async commentsBy(userKey: number, options: { limit?: number } = {}): Promise<Comment[]> {
    return (this.s.commentsBy.all(userKey, options.limit ?? DEFAULT_LIMIT) as CommentRow[]).map(toComment);
  }

  async setPaperHidden(paperId: string, hidden: boolean, now: string): Promise<void> {
    this.s.hidePaper.run(hidden ? now : null, this.pk(paperId));
  }

  async mergePaper(duplicateId: string, keptId: string, _now: string): Promise<void> {
    const from = this.pk(duplicateId);
    const to = this.pk(keptId);
    if (from === to) throw new Error(`Paper ${duplicateId} cannot be merged into itself.`);
    if (await this.mergedInto(keptId)) throw new Error(`Paper ${keptId} is itself merged into another; merge into that one instead.`);
    const s = this.s;
    this.db.transaction(() => {
      s.moveVotes.run(to, from);
      s.dropVotes.run(from);
      s.moveComments.run(to, from);
      s.moveItems.run(to, from);
      s.dropItems.run(from);
      s.moveSubmission.run(to, from);
      s.dropSubmission.run(from);
      s.repoint.run(to, from);
      s.merge.run(to, from);
    })();
  }

  async mergedInto(paperId: string): Promise<string | undefined> {
    return (this.s.mergedInto.get(paperId) as { id: string } | undefined)?.id;
  }
}

/** The slug itself (n = 1), or with -2, -3, ... (n) within SLUG_MAX when the owner already has it. */
export function slugCandidate(base: string, n: number): string {
  return n === 1 ? base : `${base.slice(0, SLUG_MAX - String(n).length - 1)}-${n}`;
}

/** "Reading group: LLMs!" -> "reading-group-llms"; a name of symbols alone becomes "collection". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/, '');
  return slug || 'collection';
}
