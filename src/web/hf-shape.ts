// Paperboy's papers in Hugging Face's shapes: the paper object of /api/papers/{id} and the entries
// of /api/daily_papers and /api/papers/search, with Hugging Face's field names, types and nesting,
// so its own clients (huggingface_hub's HfApi, the `hf papers` commands) can read this hub.
//
// What Paperboy does not know is left out rather than invented: avatars, Pro badges, followers,
// claimed authors' accounts, whether an author takes part in the discussion, an organisation's
// handle and avatar. Ids Hugging Face gives everything (`_id`, discussionId) are made up, but
// deterministically (a hash of what they name), so they are stable across requests and restarts.
// Counts are never made up: upvotes are Hugging Face's imported count plus the votes cast here,
// the number every card on the site shows; numComments likewise.
import { createHash } from 'node:crypto';
import type { PaperDetail } from '../store/store.ts';
import type { WebContext } from './context.ts';

export interface HfAuthor {
  _id: string;
  name: string;
  hidden: boolean;
}

export interface HfDailySubmitter {
  _id: string;
  fullname: string;
  user: string;
  type: 'user';
  name: string;
}

export interface HfSubmittedBy {
  _id: string;
  fullname: string;
  name: string;
  type: 'user';
}

export interface HfOrganization {
  _id: string;
  fullname: string;
}

export interface HfPaper {
  id: string;
  authors: HfAuthor[];
  mediaUrls?: string[];
  publishedAt: string;
  submittedOnDailyAt: string;
  title: string;
  submittedOnDailyBy?: HfDailySubmitter;
  summary: string;
  upvotes: number;
  discussionId: string;
  projectPage?: string;
  githubRepo?: string;
  ai_summary?: string;
  ai_keywords?: string[];
  githubStars?: number;
  organization?: HfOrganization;
}

export interface HfEntry {
  paper: HfPaper;
  publishedAt: string;
  title: string;
  summary: string;
  mediaUrls?: string[];
  thumbnail?: string;
  numComments: number;
  submittedBy?: HfSubmittedBy;
  organization?: HfOrganization;
}

/** What the hub adds to a paper: its votes and comments here, and who submitted it here. */
export interface HubActivity {
  votes: number;
  comments: number;
  /** The hub user who put it on the list here, if one did. */
  submitter?: string;
}

/**
 * A 24-hex id like Hugging Face's (MongoDB ObjectIds), derived from what it names: the same thing
 * always gets the same id, and different things practically never share one.
 */
export function madeUpId(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);
}

/**
 * Who put the paper on its day's list: a reader here (a submission), else Hugging Face's submitter
 * as imported. Paperboy knows people by their handle only, so `fullname` repeats it: that is what
 * `hf papers ls` shows in its "submitted by" column.
 */
export function submitterOf(paper: PaperDetail, activity: HubActivity): string | undefined {
  return activity.submitter ?? paper.hf?.submitter;
}

export function hfPaper(paper: PaperDetail, activity: HubActivity): HfPaper {
  const submitter = submitterOf(paper, activity);
  const keywords = paper.hf?.aiKeywords;
  const organization = hfOrganization(paper.organization ?? paper.hf?.organization);
  const media = paper.hf?.mediaUrls;
  return {
    id: paper.id,
    // Position, not name, identifies an author's entry: a corrected spelling keeps its id.
    authors: paper.authors.map((name, i) => ({ _id: madeUpId('author', paper.id, i), name, hidden: false })),
    ...(media && media.length > 0 ? { mediaUrls: media } : {}),
    // Every Hugging Face paper has a publication date; a paper Paperboy knows only from a listing
    // uses the day it was listed, which is when it became public here.
    publishedAt: paper.published ?? paper.listedAt,
    submittedOnDailyAt: paper.listedAt,
    title: paper.title,
    ...(submitter ? { submittedOnDailyBy: { _id: userId(submitter), fullname: submitter, user: submitter, type: 'user' as const, name: submitter } } : {}),
    summary: paper.abstract,
    upvotes: (paper.upvotes ?? 0) + activity.votes,
    discussionId: madeUpId('discussion', paper.id),
    ...(paper.projectPage ? { projectPage: paper.projectPage } : {}),
    ...(paper.githubRepo ? { githubRepo: paper.githubRepo } : {}),
    ...(paper.aiSummary ? { ai_summary: paper.aiSummary } : {}),
    ...(keywords && keywords.length > 0 ? { ai_keywords: keywords } : {}),
    ...(paper.githubStars !== undefined ? { githubStars: paper.githubStars } : {}),
    ...(organization ? { organization } : {}),
  };
}

export function hfEntry(paper: PaperDetail, activity: HubActivity): HfEntry {
  const inner = hfPaper(paper, activity);
  const by = inner.submittedOnDailyBy;
  return {
    paper: inner,
    publishedAt: newYorkWallClock(inner.publishedAt),
    title: inner.title,
    summary: inner.summary,
    ...(inner.mediaUrls ? { mediaUrls: inner.mediaUrls } : {}),
    ...(paper.thumbnail ? { thumbnail: paper.thumbnail } : {}),
    numComments: (paper.numComments ?? 0) + activity.comments,
    ...(by ? { submittedBy: { _id: by._id, fullname: by.fullname, name: by.user, type: by.type } } : {}),
    ...(inner.organization ? { organization: inner.organization } : {}),
  };
}

/** Handles are case-insensitive on Hugging Face: akhaliq and AKhaliq are one person, one id. */
function userId(handle: string): string {
  return madeUpId('user', handle.toLowerCase());
}

function hfOrganization(name: string | undefined): HfOrganization | undefined {
  return name ? { _id: madeUpId('organization', name), fullname: name } : undefined;
}

const NEW_YORK = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/**
 * An entry's own publishedAt, as Hugging Face has written it since March 2025: the paper's
 * publication instant as New York wall-clock time, labelled UTC (2026-08-20T00:00:00.000Z becomes
 * 2026-08-19T20:00:00.000Z; 4 hours in summer, 5 in winter). Every one of the 7,162 saved entries
 * in that format agrees (test/web/hf-api.test.ts checks it); clients that compare dates see the
 * same values from this hub as from huggingface.co.
 */
export function newYorkWallClock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const part = Object.fromEntries(NEW_YORK.formatToParts(d).map((p) => [p.type, p.value]));
  const ms = String(d.getUTCMilliseconds()).padStart(3, '0');
  return `${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}:${part.second}.${ms}Z`;
}

/** Hub activity for many papers in two queries, plus each paper's submission here. */
export async function hubActivity(ctx: WebContext, ids: string[]): Promise<Map<string, HubActivity>> {
  const [votes, comments, submissions] = await Promise.all([
    ctx.store.community.votes(ids),
    ctx.store.community.commentCounts(ids),
    Promise.all(ids.map((id) => ctx.store.community.submission(id))),
  ]);
  return new Map(ids.map((id, i) => [id, { votes: votes.get(id)?.count ?? 0, comments: comments.get(id) ?? 0, submitter: submissions[i]?.user.name }]));
}
