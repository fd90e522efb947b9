// JSON schemas for the routes. Fastify validates query strings and path parameters with them before
// a handler runs (a failure becomes a 400 that names the parameter and, from its description, what
// it expects: see errors.ts), serialises responses with them, and @fastify/swagger turns them into
// the OpenAPI document at /openapi.json. One description serves all three, so a parameter's
// description is written as what it expects ("a day written YYYY-MM-DD, like 2024-05-31").
import { SEARCH_MODES } from '../search/hybrid.ts';

const MAX_PAGE = 1000;

export const dayParam = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
/** A day, or empty: what an unfilled <input type=date> submits. */
export const optionalDayParam = { type: 'string', pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' } as const;
export const pageParam = { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 } as const;
export const sortParam = { type: 'string', enum: ['upvotes', 'recent'], default: 'upvotes' } as const;
export const textParam = { type: 'string' } as const;
/** How a search ranks: see SEARCH_MODES in src/search/hybrid.ts. */
export const modeParam = { type: 'string', enum: [...SEARCH_MODES], default: 'hybrid' } as const;

export function querystring(properties: Record<string, object>): { querystring: object } {
  return { querystring: { type: 'object', properties } };
}

// ---------- API parameters ----------

/** The page of a list, counted from 0 as Hugging Face counts it (`p`), and how many per page. */
export const MAX_API_PAGE = MAX_PAGE;
export const MAX_API_LIMIT = 100;
export const pParam = { type: 'integer', minimum: 0, maximum: MAX_API_PAGE, default: 0, description: `a page number counted from 0 (the first page), at most ${MAX_API_PAGE}` } as const;
export function limitParam(defaultLimit: number) {
  return { type: 'integer', minimum: 1, maximum: MAX_API_LIMIT, default: defaultLimit, description: `a whole number from 1 to ${MAX_API_LIMIT} (default ${defaultLimit}): how many per page` } as const;
}
export const apiDayParam = { ...dayParam, description: 'a day written YYYY-MM-DD, like 2025-06-13' } as const;
export const apiWeekParam = { type: 'string', pattern: '^\\d{4}-W\\d{2}$', description: 'an ISO week written YYYY-Www, like 2025-W09' } as const;
export const apiMonthParam = { type: 'string', pattern: '^\\d{4}-\\d{2}$', description: 'a month written YYYY-MM, like 2025-02' } as const;
export const listSortParam = { ...sortParam, description: '"upvotes" (the default: upvotes on Hugging Face plus votes here, most first) or "recent" (newest listed first)' } as const;
export const arxivIdParam = { type: 'string', description: 'an arXiv id in any form: 2207.06389, 2207.06389v2, arXiv:2207.06389, hep-th/9901001' } as const;

export function params(properties: Record<string, object>): { params: object } {
  return { params: { type: 'object', properties, required: Object.keys(properties) } };
}

// ---------- responses ----------

/** What every API error answers: the message is in `error` (where Hugging Face's clients read it) and in `message`. */
export const errorSchema = {
  type: 'object',
  description: 'An error. The same message is in the X-Error-Message header (ASCII only there).',
  properties: {
    error: { type: 'string', description: 'What went wrong and what to do instead, for a person' },
    message: { type: 'string', description: 'The same message' },
    statusCode: { type: 'integer' },
  },
  required: ['error', 'message', 'statusCode'],
} as const;

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const strings = { type: 'array', items: str } as const;

/**
 * Paperboy's own paper objects are open (additionalProperties): a field the store gains reaches the
 * API without a schema change dropping it on the way out.
 */
export const paperSummarySchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: str,
    title: str,
    abstract: str,
    authors: strings,
    categories: strings,
    primaryCategory: str,
    published: str,
    updated: str,
    listedAt: { type: 'string', description: 'When it was put on its day\'s list (ISO instant)' },
    latestVersion: int,
    upvotes: { type: 'integer', description: 'Upvotes on Hugging Face, when imported (votes here are counted apart)' },
    numComments: { type: 'integer', description: 'Comments on Hugging Face, when imported' },
    githubRepo: str,
    githubStars: int,
    projectPage: str,
    aiSummary: str,
    organization: str,
    thumbnail: str,
  },
  required: ['id', 'title', 'abstract', 'authors', 'categories', 'listedAt'],
} as const;

export const paperDetailSchema = {
  ...paperSummarySchema,
  properties: {
    ...paperSummarySchema.properties,
    comments: str,
    journalRef: str,
    doi: str,
    license: str,
    reportNo: str,
    versions: { type: 'array', items: { type: 'object', additionalProperties: true, properties: { version: int, created: str, size: str }, required: ['version', 'created'] } },
    codeUrls: strings,
    hf: {
      type: 'object',
      additionalProperties: true,
      description: 'What Hugging Face\'s daily list told about the paper, when imported',
      properties: {
        upvotes: int,
        numComments: int,
        submitter: str,
        githubRepo: str,
        githubStars: int,
        aiSummary: str,
        aiKeywords: strings,
        dailyDate: str,
        organization: str,
        thumbnail: str,
        mediaUrls: strings,
      },
      required: ['upvotes', 'dailyDate'],
    },
    addedAt: str,
    hiddenAt: str,
    mergedInto: str,
    listedExplicitly: { type: 'boolean' },
  },
  required: [...paperSummarySchema.required, 'versions', 'codeUrls', 'addedAt'],
} as const;

/** A paper in one of Paperboy's lists: its card data and the votes cast here. */
export const listedPaperSchema = {
  ...paperSummarySchema,
  properties: { ...paperSummarySchema.properties, votes: { type: 'integer', description: 'Votes cast on this hub' } },
  required: [...paperSummarySchema.required, 'votes'],
} as const;

// ---------- Hugging Face's shapes ----------
// Field names, types and nesting as huggingface.co answers (checked against saved real responses
// in test/web/hf-api.test.ts). Closed objects: nothing beyond what Hugging Face sends goes out.

const hfAuthor = {
  type: 'object',
  properties: { _id: str, name: str, hidden: { type: 'boolean' } },
  required: ['_id', 'name', 'hidden'],
} as const;

/** paper.submittedOnDailyBy: a user as Hugging Face names one there (the handle in `user`). */
const hfDailySubmitter = {
  type: 'object',
  properties: { _id: str, fullname: str, user: str, type: str, name: str },
  required: ['_id', 'fullname', 'user', 'type', 'name'],
} as const;

/** The entry's submittedBy: the same person, named the other way (the handle in `name`). */
const hfSubmittedBy = {
  type: 'object',
  properties: { _id: str, fullname: str, name: str, type: str },
  required: ['_id', 'fullname', 'name', 'type'],
} as const;

const hfOrganization = {
  type: 'object',
  properties: { _id: str, fullname: str },
  required: ['_id', 'fullname'],
} as const;

export const hfPaperSchema = {
  type: 'object',
  description: 'A paper as Hugging Face\'s /api/papers/{id} answers it',
  properties: {
    id: str,
    authors: { type: 'array', items: hfAuthor },
    mediaUrls: strings,
    publishedAt: { type: 'string', description: 'First published on arXiv (ISO instant)' },
    submittedOnDailyAt: { type: 'string', description: 'Put on its day\'s list (ISO instant)' },
    title: str,
    submittedOnDailyBy: hfDailySubmitter,
    summary: { type: 'string', description: 'The abstract' },
    upvotes: { type: 'integer', description: 'Upvotes on Hugging Face (when imported) plus votes cast here' },
    discussionId: str,
    projectPage: str,
    githubRepo: str,
    ai_summary: str,
    ai_keywords: strings,
    githubStars: int,
    organization: hfOrganization,
  },
  required: ['id', 'authors', 'publishedAt', 'submittedOnDailyAt', 'title', 'summary', 'upvotes', 'discussionId'],
} as const;

export const hfEntrySchema = {
  type: 'object',
  description: 'An entry of Hugging Face\'s /api/daily_papers list',
  properties: {
    paper: hfPaperSchema,
    publishedAt: str,
    title: str,
    summary: str,
    mediaUrls: strings,
    thumbnail: str,
    numComments: { type: 'integer', description: 'Comments on Hugging Face (when imported) plus comments here' },
    submittedBy: hfSubmittedBy,
    organization: hfOrganization,
  },
  required: ['paper', 'publishedAt', 'title', 'summary', 'numComments'],
} as const;

export const hfEntryListSchema = { type: 'array', items: hfEntrySchema } as const;

/** A 200 and the API's 4xx errors, for a route's `response`. */
export function answers(ok: object, description: string): Record<string, object> {
  return { 200: { description, ...ok }, '4xx': errorSchema };
}
