// Hugging Face's papers API on this hub: the paths, parameters and JSON shapes of huggingface.co, so
// huggingface_hub (HfApi.list_daily_papers, list_papers, paper_info, read_paper) and the `hf papers`
// commands work against it with HF_ENDPOINT set to the hub's address. The shapes are in
// hf-shape.ts; Paperboy's own, richer JSON is under /api/v1 (api.ts).
//
//   GET /api/daily_papers?date=|week=|month=&submitter=&sort=publishedAt|trending&p=&limit=
//   GET /api/papers/search?q=&limit=      a bare array of daily-papers entries
//   GET /api/papers/{id}                  the paper object
//   GET /papers/{id}.md                   the paper as Markdown
//
// As on huggingface.co, an id that is not an arXiv id is a 404 (there is no such paper), and errors
// carry their message in the X-Error-Message header and the `error` field (errors.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseArxivId } from '../paper/ids.ts';
import { loadTrending } from '../rank/trending-list.ts';
import { isBlankQuery } from '../search/query.ts';
import type { ListOptions, PaperDetail, PaperSummary } from '../store/store.ts';
import type { WebContext } from './context.ts';
import { HttpError, truncate } from './errors.ts';
import { hfEntry, hfPaper, hubActivity, submitterOf, type HfEntry } from './hf-shape.ts';
import { paperMarkdown } from './paper-markdown.ts';
import { invalidIdMessage, notInHubMessage } from './paper-id.ts';
import { dayPeriod, dayStartInstant, parseDay, parseMonth, parseWeek, YEARS, type Period } from './periods.ts';
import { rankedSearch } from './ranked.ts';
import { answers, apiDayParam, errorSchema, apiMonthParam, apiWeekParam, hfEntryListSchema, hfPaperSchema, limitParam, params, pParam } from './schemas.ts';
import { parseSearch } from './search-request.ts';
import { withQuery } from './urls.ts';
import { hasRole } from './viewer.ts';

export const HF_TAG = 'Hugging Face-compatible';

const DEFAULT_LIMIT = 50; // huggingface_hub's and huggingface.co's default page
/**
 * A submitter filter has no index to use: it reads the list in its order and keeps that person's
 * papers, reading at most this many (a warning header says when it stopped there).
 */
export const SUBMITTER_SCAN = 5000;
const SCAN_BATCH = 200;
/** Trending without a date, week or month: the week's trending list, as the site's /trending?period=week. */
const TRENDING_PERIOD = 'week';

const ALL_TIME = { from: '0000-01-01T00:00:00.000Z', to: '9999-12-31T23:59:59.999Z' };

type HfSort = 'publishedAt' | 'trending';

interface DailyQuery {
  date?: string;
  week?: string;
  month?: string;
  submitter?: string;
  sort?: HfSort;
  p: number;
  limit: number;
}

const ID_FORMS = ['/api/papers/:id', '/api/papers/:archive/:num'] as const;
const MARKDOWN_FORMS = ['/papers/:id.md', '/papers/:archive/:num.md'] as const;

export function registerHfRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Querystring: DailyQuery }>(
    '/api/daily_papers',
    {
      schema: {
        tags: [HF_TAG],
        summary: 'Daily papers, as huggingface.co/api/daily_papers',
        description:
          'Papers listed on a day, in an ISO week or in a month (give at most one of date, week and month; none: the whole hub), ' +
          'as Hugging Face\'s entries. With a date, week or month and no sort, the most upvoted first, as huggingface.co answers; ' +
          'sort=publishedAt: the newest listed first (the default without a period); sort=trending: the most upvoted first, or without a period ' +
          `the ${TRENDING_PERIOD}'s trending list (as /trending?period=${TRENDING_PERIOD}). A Link header with rel="next" when there is another page.`,
        querystring: {
          type: 'object',
          properties: {
            date: apiDayParam,
            week: apiWeekParam,
            month: apiMonthParam,
            submitter: { type: 'string', minLength: 1, maxLength: 100, description: 'the handle of whoever put papers on the list (here, or on Hugging Face when imported), like akhaliq' },
            sort: { type: 'string', enum: ['publishedAt', 'trending'], description: 'either "publishedAt" (newest listed first) or "trending"' },
            p: pParam,
            limit: limitParam(DEFAULT_LIMIT),
          },
        },
        response: answers(hfEntryListSchema, 'Daily-papers entries'),
      },
    },
    async (request, reply) => {
      const period = requestedPeriod(request.query);
      const { p, limit, submitter } = request.query;
      const source = listSource(ctx, period, request.query.sort);
      const want = (p + 1) * limit + 1; // one more than the page shows: is there a next page?
      const found = submitter ? await scanForSubmitter(ctx, source, submitter, want) : { papers: await details(ctx, await source(p * limit, limit + 1)), capped: false };
      const skip = submitter ? p * limit : 0;
      const page = found.papers.slice(skip, skip + limit);
      const more = found.papers.length > skip + limit;
      if (more) reply.header('link', `<${withQuery('/api/daily_papers', { ...linkParams(request.query), p: p + 1, limit })}>; rel="next"`);
      if (found.capped) {
        // huggingface_hub logs X-HF-Warning headers for its user (topic; message).
        const narrower = period ? 'Ask for a shorter period to look through all of it.' : 'Ask for a date, week or month to look further back.';
        reply.header('x-hf-warning', `submitter; Looked through the first ${SUBMITTER_SCAN} papers of this list only. ${narrower}`);
      }
      return entries(ctx, page);
    },
  );

  app.get<{ Querystring: { q?: string; limit: number } }>(
    '/api/papers/search',
    {
      schema: {
        tags: [HF_TAG],
        summary: 'Search, as huggingface.co/api/papers/search',
        description: 'Papers matching q, best first (keywords and meaning blended, as the search page ranks them), as a bare array of daily-papers entries.',
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', maxLength: 500, description: 'a search of at most 500 characters, like q=diffusion (the search page\'s syntax works: "phrases", author:, cat:)' },
            limit: limitParam(DEFAULT_LIMIT),
          },
        },
        response: answers(hfEntryListSchema, 'Daily-papers entries, best match first'),
      },
    },
    async (request) => {
      const { query } = parseSearch({ q: request.query.q });
      if (isBlankQuery(query)) throw new HttpError(400, 'The parameter "q" is missing or blank: give something to search for, like q=diffusion.');
      const page = await rankedSearch(ctx, query, 'hybrid', { limit: request.query.limit, offset: 0 });
      return entries(ctx, await details(ctx, page.hits.map((h) => h.paper)));
    },
  );

  for (const url of ID_FORMS) {
    app.get<{ Params: { id?: string; archive?: string; num?: string } }>(
      url,
      {
        schema: {
          tags: [HF_TAG],
          summary: 'A paper, as huggingface.co/api/papers/{id}',
          description: url.includes(':archive') ? 'An old-style id such as hep-th/9901001.' : 'A paper by arXiv id (2207.06389, 2207.06389v2). An id that is not an arXiv id is a 404, as on huggingface.co.',
          ...params(url.includes(':archive') ? { archive: { type: 'string', description: 'an arXiv archive, like hep-th' }, num: { type: 'string', description: 'its number, like 9901001' } } : { id: { type: 'string', description: 'an arXiv id, like 2207.06389' } }),
          response: answers(hfPaperSchema, 'The paper'),
        },
      },
      async (request, reply) => {
        const found = await paperFor(ctx, request, idParam(request.params));
        if ('moved' in found) return reply.redirect(`/api/papers/${found.moved}`, 301);
        const activity = (await hubActivity(ctx, [found.paper.id])).get(found.paper.id)!;
        return hfPaper(found.paper, activity);
      },
    );
  }

  for (const url of MARKDOWN_FORMS) {
    app.get<{ Params: { id?: string; archive?: string; num?: string } }>(
      url,
      {
        schema: {
          tags: [HF_TAG],
          summary: 'A paper as Markdown, as huggingface.co/papers/{id}.md',
          description: 'Title, authors, links and abstract as Markdown (text/markdown), every character Markdown would interpret escaped.',
          ...params(url.includes(':archive') ? { archive: { type: 'string', description: 'an arXiv archive, like hep-th' }, num: { type: 'string', description: 'its number, like 9901001' } } : { id: { type: 'string', description: 'an arXiv id, like 2207.06389' } }),
          response: { 200: { description: 'The paper as Markdown', content: { 'text/markdown': { schema: { type: 'string' } } } }, '4xx': errorSchema },
        },
      },
      async (request, reply) => {
        const found = await paperFor(ctx, request, idParam(request.params));
        if ('moved' in found) return reply.redirect(`/papers/${found.moved}.md`, 301);
        return reply.type('text/markdown; charset=utf-8').send(paperMarkdown(found.paper, ctx.community.baseUrl));
      },
    );
  }
}

function idParam(p: { id?: string; archive?: string; num?: string }): string {
  return p.id ?? `${p.archive}/${p.num}`;
}

/** The paper a reader may see, a merged duplicate's new home, or a 404 (an id that does not parse included). */
async function paperFor(ctx: WebContext, request: FastifyRequest, given: string): Promise<{ paper: PaperDetail } | { moved: string }> {
  const parsed = parseArxivId(given);
  if (!parsed) throw new HttpError(404, invalidIdMessage(given));
  const paper = await ctx.store.getPaper(parsed.id);
  const moderator = hasRole(request.viewer.user, 'moderator');
  // Moderators see what they hid and merged; everyone else finds it gone, or finds the paper kept.
  if (paper?.mergedInto && !moderator) return { moved: paper.mergedInto };
  if (!paper || (paper.hiddenAt && !moderator)) throw new HttpError(404, notInHubMessage(parsed.id));
  return { paper };
}

/** date, week or month (at most one), each a real one; none: the whole hub. */
function requestedPeriod(query: DailyQuery): Period | undefined {
  const given = (['date', 'week', 'month'] as const).filter((name) => query[name] !== undefined);
  if (given.length > 1) throw new HttpError(400, `Give one of date, week and month, not ${given.join(' and ')}: each names a whole list.`);
  const name = given[0];
  return name ? periodFromParam(name, query[name]!) : undefined;
}

/**
 * A day, ISO week or month named by a parameter, or a 400 that names the parameter. The schema has
 * checked the form already (YYYY-MM-DD and so on); this checks it exists (no 2025-02-30, no W60).
 */
export function periodFromParam(name: 'date' | 'week' | 'month', value: string): Period {
  const you = ` You gave "${truncate(value, 40)}".`;
  if (name === 'date') {
    const day = parseDay(value);
    if (!day) throw new HttpError(400, `The parameter "date" expects a real day between ${YEARS.min} and ${YEARS.max}, written YYYY-MM-DD, like 2025-06-13.${you}`);
    return dayPeriod(day);
  }
  const period = name === 'week' ? parseWeek(value) : parseMonth(value);
  if (period) return period;
  throw new HttpError(
    400,
    name === 'week'
      ? `The parameter "week" expects an ISO week that exists, written YYYY-Www with ww from 01 to 52 (53 in long years), like 2025-W09.${you}`
      : `The parameter "month" expects a month written YYYY-MM with MM from 01 to 12, like 2025-02.${you}`,
  );
}

/** The list's papers from an offset, in the order asked for. */
type Source = (offset: number, limit: number) => Promise<PaperSummary[]>;

function listSource(ctx: WebContext, period: Period | undefined, sort: HfSort | undefined): Source {
  if (!period && sort === 'trending') {
    // Ranked once for as far as has been asked, and again (twice as deep) only when asked further.
    let ranked: { depth: number; papers: Promise<PaperSummary[]> } | undefined;
    return async (offset, limit) => {
      const depth = offset + limit;
      if (!ranked || ranked.depth < depth) {
        const deeper = Math.max(depth, 2 * (ranked?.depth ?? 0));
        ranked = { depth: deeper, papers: loadTrending(ctx.store, TRENDING_PERIOD, ctx.community.now(), deeper, { latestIfQuiet: true }).then((list) => list.items.map((i) => i.paper)) };
      }
      return (await ranked.papers).slice(offset, offset + limit);
    };
  }
  // A day's list on huggingface.co comes most upvoted first (every saved response does); the
  // whole hub's, newest first, as Hugging Face's default sort (publishedAt) says.
  const order: ListOptions['sort'] = sort === 'publishedAt' || (!period && sort === undefined) ? 'recent' : 'upvotes';
  const range = period ? { from: dayStartInstant(period.start), to: dayStartInstant(period.end) } : ALL_TIME;
  return (offset, limit) => ctx.store.listPapers(range.from, range.to, { sort: order, limit, offset });
}

interface Found {
  papers: PaperDetail[];
  /** Stopped after SUBMITTER_SCAN papers with the list not read to its end. */
  capped: boolean;
}

/** The list's papers that a person submitted, in list order, until `want` are found or the scan limit. */
async function scanForSubmitter(ctx: WebContext, source: Source, submitter: string, want: number): Promise<Found> {
  const handle = submitter.trim().toLowerCase();
  const kept: PaperDetail[] = [];
  for (let offset = 0; offset < SUBMITTER_SCAN; offset += SCAN_BATCH) {
    const batch = await source(offset, Math.min(SCAN_BATCH, SUBMITTER_SCAN - offset));
    const full = await details(ctx, batch);
    const activity = await hubActivity(ctx, full.map((p) => p.id));
    kept.push(...full.filter((p) => submitterOf(p, activity.get(p.id)!)?.toLowerCase() === handle));
    if (kept.length >= want || batch.length < SCAN_BATCH) return { papers: kept, capped: false };
  }
  return { papers: kept, capped: (await source(SUBMITTER_SCAN, 1)).length > 0 };
}

/** Everything known about each paper (its keywords, submitter and media are not on the card). */
async function details(ctx: WebContext, papers: PaperSummary[]): Promise<PaperDetail[]> {
  const full = await Promise.all(papers.map((p) => ctx.store.getPaper(p.id)));
  return full.filter((p): p is PaperDetail => p !== undefined);
}

async function entries(ctx: WebContext, papers: PaperDetail[]): Promise<HfEntry[]> {
  const activity = await hubActivity(ctx, papers.map((p) => p.id));
  return papers.map((p) => hfEntry(p, activity.get(p.id)!));
}

/** The request's own parameters, for the next page's link (p and limit are set there). */
function linkParams(query: DailyQuery): Record<string, string | undefined> {
  return { date: query.date, week: query.week, month: query.month, submitter: query.submitter, sort: query.sort };
}
