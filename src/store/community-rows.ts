// Rows of the community tables (comments, collections, submissions) as both engines read them
// (sqlite-community.ts, pg-community.ts), and what they are in community.ts's terms.
import type { Selectable } from 'kysely';
import type { Collection, Comment, Submission } from './community.ts';
import type { PaperRow } from './paper-rows.ts';
import type { CollectionsTable, CommentsTable } from './schema.ts';
import type { PaperSummary } from './store.ts';

/** Builds cards from paper rows; the main store owns how (authors, signals). */
export type SummariesOf = (rows: PaperRow[]) => Promise<PaperSummary[]>;

/** A comment with its paper's id and its author's handle. */
export type CommentRow = Omit<Selectable<CommentsTable>, 'paper_pk'> & { paper_id: string; user_name: string };

/** A collection with its owner's handle and how many visible papers it holds. */
export type CollectionRow = Selectable<CollectionsTable> & { user_name: string; papers: number };

/** Papers a list of a reader's papers shows when no limit is asked for. */
export const DEFAULT_LIMIT = 50;

export function toComment(r: CommentRow): Comment {
  return {
    key: r.pk,
    paperId: r.paper_id,
    parentKey: r.parent_pk ?? undefined,
    author: { key: r.user_pk, name: r.user_name },
    body: r.body,
    createdAt: r.created_at,
    editedAt: r.edited_at ?? undefined,
    deletedAt: r.deleted_at ?? undefined,
    hiddenAt: r.hidden_at ?? undefined,
  };
}

export function toCollection(r: CollectionRow): Collection {
  return {
    key: r.pk,
    owner: { key: r.user_pk, name: r.user_name },
    slug: r.slug,
    name: r.name,
    description: r.description,
    public: r.public === 1,
    papers: r.papers,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toSubmission(paperId: string, row: { user_pk: number; name: string; submitted_at: string } | undefined): Submission | undefined {
  return row ? { paperId, user: { key: row.user_pk, name: row.name }, submittedAt: row.submitted_at } : undefined;
}

/** Each paper's collections, from rows (paper id, collection key) in collection order. */
export function collectionsByPaper(rows: { id: string; pk: number }[]): Map<string, number[]> {
  const holding = new Map<string, number[]>();
  for (const r of rows) (holding.get(r.id) ?? holding.set(r.id, []).get(r.id)!).push(r.pk);
  return holding;
}
