// Votes, submissions, comments, collections and the moderation of papers on PostgreSQL: the same
// tables and answers as sqlite-community.ts, method for method. SQLite gets its exactness from one
// writer at a time; here each write is one statement whose conflict handling PostgreSQL makes atomic
// (INSERT … ON CONFLICT against a primary or unique key), or a transaction that locks the rows it
// decides on, so any number of processes on the database leave the same result.
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
import { PAPER_ROW, VISIBLE, type PaperRow } from './paper-rows.ts';
import type { PgDb, Queryable } from './pg-db.ts';
import { slugCandidate, slugify } from './sqlite-community.ts';
import type { PaperSummary } from './store.ts';

const COMMENT_COLUMNS = `c.pk, p.id AS paper_id, c.parent_pk, c.user_pk, u.name::text AS user_name, c.body, c.created_at, c.edited_at, c.deleted_at, c.hidden_at
  FROM comments c JOIN papers p ON p.pk = c.paper_pk JOIN users u ON u.pk = c.user_pk`;
const COLLECTION_COLUMNS = `k.pk, k.user_pk, u.name::text AS user_name, k.slug, k.name, k.description, k.public, k.created_at, k.updated_at,
  (SELECT count(*) FROM collection_items i JOIN papers p ON p.pk = i.paper_pk WHERE i.collection_pk = k.pk AND ${VISIBLE}) AS papers
  FROM collections k JOIN users u ON u.pk = k.user_pk`;

export class PgCommunity implements CommunityStore {
  constructor(
    private readonly db: PgDb,
    private readonly summaries: SummariesOf,
  ) {}

  /** The row key of a paper; an unknown id is an error that names it (the web answers 404). */
  private async pk(paperId: string, q: Queryable = this.db): Promise<number> {
    const row = await q.one<{ pk: number }>('SELECT pk FROM papers WHERE id = $1', [paperId]);
    if (!row) throw new Error(`No paper ${paperId} in this hub.`);
    return row.pk;
  }

  async vote(userKey: number, paperId: string, up: boolean, now: string): Promise<VoteState> {
    const pk = await this.pk(paperId);
    // The vote and the count in one transaction, so the answer includes this vote (or its absence)
    // whatever the same user does at the same moment from another tab or process: the count reads
    // its own write, and a racing toggle either commits before it (and is overwritten by it) or
    // after. The vote itself is one statement against the (paper, user) key, so concurrent voters
    // leave an exact count: ON CONFLICT DO NOTHING waits for a racing insert of the same key and
    // then does nothing, and deleting a row twice deletes it once.
    return this.db.tx(async (q) => {
      if (up) await q.run('INSERT INTO votes (paper_pk, user_pk, created_at) VALUES ($1, $2, $3) ON CONFLICT (paper_pk, user_pk) DO NOTHING', [pk, userKey, now]);
      else await q.run('DELETE FROM votes WHERE paper_pk = $1 AND user_pk = $2', [pk, userKey]);
      const r = (await q.one<{ n: number; voted: boolean }>(
        'SELECT count(*) AS n, coalesce(bool_or(user_pk = $1), false) AS voted FROM votes WHERE paper_pk = $2',
        [userKey, pk],
      ))!;
      return { count: r.n, voted: r.voted };
    });
  }

  async votes(paperIds: string[], viewerKey?: number): Promise<Map<string, VoteState>> {
    if (paperIds.length === 0) return new Map();
    // No viewer: user_pk = NULL is never true, so voted is false for everyone (as on SQLite).
    const rows = await this.db.many<{ id: string; n: number; voted: boolean }>(
      `SELECT p.id, count(*) AS n, coalesce(bool_or(v.user_pk = $1::integer), false) AS voted FROM votes v JOIN papers p ON p.pk = v.paper_pk
       WHERE p.id = ANY($2::text[]) GROUP BY p.id`,
      [viewerKey ?? null, paperIds],
    );
    return new Map(rows.map((r) => [r.id, { count: r.n, voted: r.voted }]));
  }

  async recordSubmission(userKey: number, paperId: string, now: string): Promise<void> {
    // The paper is the key: the first submitter stays the submitter, as INSERT OR IGNORE keeps it on SQLite.
    await this.db.run('INSERT INTO submissions (paper_pk, user_pk, submitted_at) VALUES ($1, $2, $3) ON CONFLICT (paper_pk) DO NOTHING', [await this.pk(paperId), userKey, now]);
  }

  async submission(paperId: string): Promise<Submission | undefined> {
    const s = await this.db.one<{ user_pk: number; name: string; submitted_at: string }>(
      'SELECT s.user_pk, u.name::text AS name, s.submitted_at FROM submissions s JOIN users u ON u.pk = s.user_pk JOIN papers p ON p.pk = s.paper_pk WHERE p.id = $1',
      [paperId],
    );
    return toSubmission(paperId, s);
  }

  async countSubmissions(userKey: number, since: string): Promise<number> {
    return (await this.db.one<{ n: number }>('SELECT count(*) AS n FROM submissions WHERE user_pk = $1 AND submitted_at >= $2', [userKey, since]))!.n;
  }

  async addComment(c: { userKey: number; paperId: string; parentKey?: number; body: string; now: string }): Promise<Comment> {
    const pk = await this.pk(c.paperId);
    // The parent is checked by the insert itself: a reply is written only while its parent is on
    // the same paper, so a merge moving the thread at the same moment cannot split it.
    const row = await this.db.one<{ pk: number }>(
      `INSERT INTO comments (paper_pk, user_pk, parent_pk, body, created_at)
       SELECT $1, $2, $3::integer, $4, $5
       WHERE $3::integer IS NULL OR EXISTS (SELECT 1 FROM comments WHERE pk = $3::integer AND paper_pk = $1)
       RETURNING pk`,
      [pk, c.userKey, c.parentKey ?? null, c.body, c.now],
    );
    if (!row) throw new Error(`Comment ${c.parentKey} is not on paper ${c.paperId}.`);
    return (await this.comment(row.pk))!;
  }

  async comment(key: number): Promise<Comment | undefined> {
    const row = await this.db.one<CommentRow>(`SELECT ${COMMENT_COLUMNS} WHERE c.pk = $1`, [key]);
    return row && toComment(row);
  }

  async comments(paperId: string): Promise<Comment[]> {
    const rows = await this.db.many<CommentRow>(`SELECT ${COMMENT_COLUMNS} WHERE p.id = $1 ORDER BY c.created_at, c.pk`, [paperId]);
    return rows.map(toComment);
  }

  async editComment(key: number, body: string, now: string): Promise<void> {
    await this.db.run('UPDATE comments SET body = $1, edited_at = $2 WHERE pk = $3 AND deleted_at IS NULL', [body, now, key]);
  }

  async deleteComment(key: number, now: string): Promise<void> {
    await this.db.run(`UPDATE comments SET body = '', deleted_at = $1 WHERE pk = $2 AND deleted_at IS NULL`, [now, key]);
  }

  async setCommentHidden(key: number, hidden: boolean, now: string): Promise<void> {
    await this.db.run('UPDATE comments SET hidden_at = $1 WHERE pk = $2', [hidden ? now : null, key]);
  }

  async commentCounts(paperIds: string[]): Promise<Map<string, number>> {
    if (paperIds.length === 0) return new Map();
    const rows = await this.db.many<{ id: string; n: number }>(
      `SELECT p.id, count(*) AS n FROM comments c JOIN papers p ON p.pk = c.paper_pk
       WHERE p.id = ANY($1::text[]) AND c.deleted_at IS NULL AND c.hidden_at IS NULL GROUP BY p.id`,
      [paperIds],
    );
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  async createCollection(c: { userKey: number; name: string; description?: string; public: boolean; now: string }): Promise<Collection> {
    const base = slugify(c.name);
    // The slug itself, or with -2, -3, ... when the owner already has it. Each try is an insert that
    // the (user, slug) unique key refuses when the slug is taken, even by a collection another
    // process is creating at this moment (the insert waits for it to commit or roll back), so two
    // collections of one name get two slugs without a lock or a check that could go stale.
    for (let n = 1; ; n++) {
      const slug = slugCandidate(base, n);
      const row = await this.db.one<{ pk: number }>(
        `INSERT INTO collections (user_pk, slug, name, description, public, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (user_pk, slug) DO NOTHING RETURNING pk`,
        [c.userKey, slug, c.name, c.description ?? '', c.public ? 1 : 0, c.now],
      );
      if (row) return (await this.collection(row.pk))!;
    }
  }

  async updateCollection(key: number, c: { name?: string; description?: string; public?: boolean; now: string }): Promise<void> {
    // The slug stays as it was, so links to the collection keep working after a rename.
    await this.db.run(
      `UPDATE collections SET name = coalesce($2::text, name), description = coalesce($3::text, description),
         public = coalesce($4::integer, public), updated_at = $5 WHERE pk = $1`,
      [key, c.name ?? null, c.description ?? null, c.public === undefined ? null : c.public ? 1 : 0, c.now],
    );
  }

  async deleteCollection(key: number): Promise<void> {
    await this.db.run('DELETE FROM collections WHERE pk = $1', [key]);
  }

  async collection(key: number): Promise<Collection | undefined> {
    const row = await this.db.one<CollectionRow>(`SELECT ${COLLECTION_COLUMNS} WHERE k.pk = $1`, [key]);
    return row && toCollection(row);
  }

  async collectionBySlug(ownerKey: number, slug: string): Promise<Collection | undefined> {
    const row = await this.db.one<CollectionRow>(`SELECT ${COLLECTION_COLUMNS} WHERE k.user_pk = $1 AND k.slug = $2`, [ownerKey, slug]);
    return row && toCollection(row);
  }

  async collectionsOf(userKey: number, includePrivate: boolean): Promise<Collection[]> {
    const rows = await this.db.many<CollectionRow>(
      `SELECT ${COLLECTION_COLUMNS} WHERE k.user_pk = $1 AND (k.public = 1 OR $2::boolean) ORDER BY k.updated_at DESC, k.pk DESC`,
      [userKey, includePrivate],
    );
    return rows.map(toCollection);
  }

  async addToCollection(collectionKey: number, paperId: string, now: string): Promise<void> {
    const pk = await this.pk(paperId);
    // One statement: the collection is touched exactly when the paper was not in it yet.
    await this.db.run(
      `WITH added AS (INSERT INTO collection_items (collection_pk, paper_pk, added_at) VALUES ($1, $2, $3)
                      ON CONFLICT (collection_pk, paper_pk) DO NOTHING RETURNING 1)
       UPDATE collections SET updated_at = $3 WHERE pk = $1 AND EXISTS (SELECT 1 FROM added)`,
      [collectionKey, pk, now],
    );
  }

  async removeFromCollection(collectionKey: number, paperId: string): Promise<void> {
    await this.db.run('DELETE FROM collection_items WHERE collection_pk = $1 AND paper_pk = $2', [collectionKey, await this.pk(paperId)]);
  }

  async collectionPapers(collectionKey: number, options: { limit?: number; offset?: number } = {}): Promise<PaperSummary[]> {
    return this.summaries(await this.db.many<PaperRow>(
      `SELECT ${PAPER_ROW} FROM collection_items i JOIN papers p ON p.pk = i.paper_pk WHERE i.collection_pk = $1 AND ${VISIBLE}
       ORDER BY i.added_at DESC, p.pk DESC LIMIT $2 OFFSET $3`,
      [collectionKey, options.limit ?? DEFAULT_LIMIT, options.offset ?? 0],
    ));
  }

  async collectionsHolding(userKey: number, paperIds: string[]): Promise<Map<string, number[]>> {
    if (paperIds.length === 0) return new Map();
    const rows = await this.db.many<{ id: string; pk: number }>(
      `SELECT p.id, k.pk FROM collections k JOIN collection_items i ON i.collection_pk = k.pk JOIN papers p ON p.pk = i.paper_pk
       WHERE k.user_pk = $1 AND p.id = ANY($2::text[]) ORDER BY k.pk`,
      [userKey, paperIds],
    );
    return collectionsByPaper(rows);
  }

  async collectionAdditions(collectionKey: number, from: string, to: string, limit: number): Promise<PaperSummary[]> {
    return this.summaries(await this.db.many<PaperRow>(
      `SELECT ${PAPER_ROW} FROM collection_items i JOIN papers p ON p.pk = i.paper_pk
       WHERE i.collection_pk = $1 AND i.added_at > $2 AND i.added_at <= $3 AND ${VISIBLE}
       ORDER BY i.added_at DESC, p.pk DESC LIMIT $4`,
      [collectionKey, from, to, limit],
    ));
  }

  async readerSignals(userKey: number): Promise<{ upvoted: number[]; saved: number[] }> {
    const upvoted = await this.db.many<{ pk: number }>(
      `SELECT v.paper_pk AS pk FROM votes v JOIN papers p ON p.pk = v.paper_pk WHERE v.user_pk = $1 AND ${VISIBLE} ORDER BY v.created_at, v.paper_pk`,
      [userKey],
    );
    const saved = await this.db.many<{ pk: number }>(
      `SELECT DISTINCT i.paper_pk AS pk FROM collections k JOIN collection_items i ON i.collection_pk = k.pk JOIN papers p ON p.pk = i.paper_pk
       WHERE k.user_pk = $1 AND ${VISIBLE} ORDER BY i.paper_pk`,
      [userKey],
    );
    return { upvoted: upvoted.map((r) => r.pk), saved: saved.map((r) => r.pk) };
  }

  async votedBy(userKey: number, options: { limit?: number } = {}): Promise<PaperSummary[]> {
    return this.summaries(await this.db.many<PaperRow>(
      `SELECT ${PAPER_ROW} FROM votes v JOIN papers p ON p.pk = v.paper_pk WHERE v.user_pk = $1 AND ${VISIBLE} ORDER BY v.created_at DESC, p.pk DESC LIMIT $2`,
      [userKey, options.limit ?? DEFAULT_LIMIT],
    ));
  }

  async submittedBy(userKey: number, options: { limit?: number } = {}): Promise<PaperSummary[]> {
    return this.summaries(await this.db.many<PaperRow>(
      `SELECT ${PAPER_ROW} FROM submissions s JOIN papers p ON p.pk = s.paper_pk WHERE s.user_pk = $1 AND ${VISIBLE} ORDER BY s.submitted_at DESC, p.pk DESC LIMIT $2`,
      [userKey, options.limit ?? DEFAULT_LIMIT],
    ));
  }

  async commentsBy(userKey: number, options: { limit?: number } = {}): Promise<Comment[]> {
    const rows = await this.db.many<CommentRow>(
      `SELECT ${COMMENT_COLUMNS} WHERE c.user_pk = $1 AND c.deleted_at IS NULL AND c.hidden_at IS NULL AND ${VISIBLE}
       ORDER BY c.created_at DESC, c.pk DESC LIMIT $2`,
      [userKey, options.limit ?? DEFAULT_LIMIT],
    );
    return rows.map(toComment);
  }

  async setPaperHidden(paperId: string, hidden: boolean, now: string): Promise<void> {
    await this.db.run('UPDATE papers SET hidden_at = $1 WHERE pk = $2', [hidden ? now : null, await this.pk(paperId)]);
  }

  async mergePaper(duplicateId: string, keptId: string, _now: string): Promise<void> {
    await this.db.tx(async (q) => {
      const from = await this.pk(duplicateId, q);
      const to = await this.pk(keptId, q);
      if (from === to) throw new Error(`Paper ${duplicateId} cannot be merged into itself.`);
      // Both papers locked, in key order (so two merges wait for each other rather than deadlock),
      // before the kept one is checked: a merge of the kept paper elsewhere at the same moment either
      // commits first, and this one sees it and refuses, or waits for this one and then takes the
      // duplicate along when it repoints. Either way no merged paper points at a merged paper.
      const locked = await q.many<{ pk: number; merged_into: number | null }>('SELECT pk, merged_into FROM papers WHERE pk = ANY($1::integer[]) ORDER BY pk FOR UPDATE', [[from, to]]);
      if (locked.find((r) => r.pk === to)?.merged_into != null) throw new Error(`Paper ${keptId} is itself merged into another; merge into that one instead.`);
      await q.run('INSERT INTO votes (paper_pk, user_pk, created_at) SELECT $1, user_pk, created_at FROM votes WHERE paper_pk = $2 ON CONFLICT (paper_pk, user_pk) DO NOTHING', [to, from]);
      await q.run('DELETE FROM votes WHERE paper_pk = $1', [from]);
      await q.run('UPDATE comments SET paper_pk = $1 WHERE paper_pk = $2', [to, from]);
      await q.run(
        'INSERT INTO collection_items (collection_pk, paper_pk, added_at) SELECT collection_pk, $1, added_at FROM collection_items WHERE paper_pk = $2 ON CONFLICT (collection_pk, paper_pk) DO NOTHING',
        [to, from],
      );
      await q.run('DELETE FROM collection_items WHERE paper_pk = $1', [from]);
      // The kept paper's own submission wins; otherwise the duplicate's moves over.
      await q.run('INSERT INTO submissions (paper_pk, user_pk, submitted_at) SELECT $1, user_pk, submitted_at FROM submissions WHERE paper_pk = $2 ON CONFLICT (paper_pk) DO NOTHING', [to, from]);
      await q.run('DELETE FROM submissions WHERE paper_pk = $1', [from]);
      // Duplicates merged into this one earlier now point at the kept paper directly: no chains.
      await q.run('UPDATE papers SET merged_into = $1 WHERE merged_into = $2', [to, from]);
      await q.run('UPDATE papers SET merged_into = $1 WHERE pk = $2', [to, from]);
    });
  }

  async mergedInto(paperId: string): Promise<string | undefined> {
    return (await this.db.one<{ id: string }>('SELECT kept.id FROM papers p JOIN papers kept ON kept.pk = p.merged_into WHERE p.id = $1', [paperId]))?.id;
  }
}
