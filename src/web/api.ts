// Paperboy's own JSON API, versioned under /api/v1: everything the store knows about a paper,
// search with its ranks and highlights, suggestions, day counts, trending, and the day, week and
// month lists with paging (p, limit) and a Link header to the next page.
//
// Why a prefix: /api/papers/{id} and /api/papers/search are Hugging Face's paths too, and its
// clients need its shapes there (hf-api.ts), so Paperboy's richer shapes moved to /api/v1/..., where
// they can change only with a new version. The unversioned paths Hugging Face does not use
// (/api/suggest, /api/days, /api/trending) answer as before, as their /api/v1 twins.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseArxivId } from '../paper/ids.ts';
import { TRENDING_PERIODS, type TrendingPeriod } from '../rank/trending.ts';
import { isBlankQuery } from '../search/query.ts';
import type { ListOptions } from '../store/store.ts';
import { ALIAS_TAG, SERVICE_TAG, V1_TAG } from './api-docs.ts';
import type { WebContext } from './context.ts';
import { HttpError } from './errors.ts';
import { periodFromParam } from './hf-api.ts';
import { markedToHtml } from './math.ts';
import { invalidIdMessage, notInHubMessage } from './paper-id.ts';
import { periodParam, trendingJson } from './pages/trending.ts';
import { addDays, dayStartInstant, parseDay, periodOf, todayUtc, YEARS, type Period } from './periods.ts';
import { DEFAULT_DEPTH, papersLikePaper, rankedSearch, type SearchMode } from './ranked.ts';
import {
  answers,
  apiDayParam,
  apiMonthParam,
  apiWeekParam,
  arxivIdParam,
  dayParam,
  limitParam,
  listedPaperSchema,
  listSortParam,
  modeParam,
  optionalDayParam,
  paperDetailSchema,
  paperSummarySchema,
  params,
  pParam,
  textParam,
} from './schemas.ts';
import { parseSearch, type SearchParams } from './search-request.ts';
import { authorPath, paperPath, withQuery } from './urls.ts';
import { hasRole } from './viewer.ts';

const MAX_DAYS_SPAN = 366;
const DEFAULT_DAYS_SPAN = 30;

const MAX_SUGGEST_LENGTH = 100;
const SUGGESTIONS = 8;

/** A list page's default size: the site's pages show 30 cards. */
const LIST_LIMIT = 30;

interface ApiSearchQuery extends SearchParams {
  limit: number;
  offset: number;
  mode: SearchMode;
  like?: string;
}

type Sort = NonNullable<ListOptions['sort']>;

interface ListQuery {
  sort: Sort;
  p: number;
  limit: number;
}

const open = { type: 'object', additionalProperties: true } as const;

export function registerApiRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { store } = ctx;

  app.get('/healthz', { schema: { tags: [SERVICE_TAG], summary: 'Liveness', response: answers({ type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] }, 'Alive') } }, async () => ({ ok: true }));

  app.get<{ Params: { '*': string } }>(
    '/api/v1/papers/*',
    {
      schema: {
        tags: [V1_TAG],
        summary: 'Everything known about a paper',
        description: 'By arXiv id in any form (2207.06389, arXiv:2207.06389v2, hep-th/9901001, https://arxiv.org/abs/2207.06389). A merged duplicate answers 301 to the paper kept.',
        params: { type: 'object', properties: { '*': arxivIdParam } },
        response: answers(paperDetailSchema, 'The paper'),
      },
    },
    async (request, reply) => {
      const given = request.params['*'];
      const parsed = parseArxivId(given);
      if (!parsed) throw new HttpError(400, invalidIdMessage(given));
      const paper = await store.getPaper(parsed.id);
      // Moderators see what they hid; everyone else finds it gone, and a merged duplicate leads to the paper kept.
      if (paper?.mergedInto && !hasRole(request.viewer.user, 'moderator')) return reply.redirect(`/api/v1/papers/${paper.mergedInto}`, 301);
      if (!paper || (paper.hiddenAt && !hasRole(request.viewer.user, 'moderator'))) throw new HttpError(404, notInHubMessage(parsed.id));
      return paper;
    },
  );

  app.get<{ Querystring: ApiSearchQuery }>(
    '/api/v1/papers/search',
    {
      schema: {
        tags: [V1_TAG],
        summary: 'Search, with ranks and highlights',
        description:
          'q uses the search page syntax (words: any of them, BM25-ranked; "phrases", author:, cat:, since:, until: bind). ' +
          'mode: hybrid (default, keywords and meaning blended), keyword or meaning. like=ID instead of q: the papers closest in meaning to that paper. ' +
          `Ranked results stop at the top ${DEFAULT_DEPTH}; each says its keywordRank and meaningRank, and score is its 1-based position.`,
        querystring: {
          type: 'object',
          properties: {
            q: textParam,
            cat: textParam,
            since: optionalDayParam,
            until: optionalDayParam,
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            offset: { type: 'integer', minimum: 0, maximum: 10_000, default: 0 },
            mode: modeParam,
            like: textParam,
          },
        },
        response: answers(
          {
            type: 'object',
            properties: {
              total: { type: 'integer' },
              mode: { type: 'string' },
              notice: { type: 'string' },
              like: { type: 'object', properties: { id: { type: 'string' }, title: { type: 'string' } }, required: ['id', 'title'] },
              problems: { type: 'array', items: { type: 'string' } },
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    paper: paperSummarySchema,
                    score: { type: 'number' },
                    keywordRank: { type: 'integer' },
                    meaningRank: { type: 'integer' },
                    highlights: {
                      type: 'object',
                      description: 'HTML: the text escaped, matches in <mark>; safe to insert into a page as it is',
                      properties: { title: { type: 'string' }, snippet: { type: 'string' } },
                      required: ['title', 'snippet'],
                    },
                  },
                  required: ['paper', 'score', 'highlights'],
                },
              },
            },
            required: ['total', 'mode', 'results'],
          },
          'The results',
        ),
      },
    },
    async (request) => {
      const { limit, offset, mode } = request.query;
      const { query, problems } = parseSearch(request.query);
      const like = request.query.like?.trim();
      if (!like && isBlankQuery(query)) {
        const why = problems.length > 0 ? problems.join(' ') : 'Nothing to search for.';
        throw new HttpError(400, `${why} Give q, e.g. q=diffusion, q="state space model", q=author:Hinton or q=cat:cs.LG, or like=ID for papers like a paper.`);
      }
      const likeResult = like ? await papersLikePaper(ctx, like, query, { limit, offset }) : undefined;
      const page = likeResult ?? (await rankedSearch(ctx, query, mode, { limit, offset }));
      return {
        total: page.total,
        mode: page.mode,
        ...(page.notice ? { notice: page.notice } : {}),
        ...(likeResult ? { like: { id: likeResult.source.id, title: likeResult.source.title } } : {}),
        ...(problems.length > 0 ? { problems } : {}),
        results: page.hits.map((hit) => ({
          paper: hit.paper,
          score: hit.score,
          ...(hit.keywordRank !== undefined ? { keywordRank: hit.keywordRank } : {}),
          ...(hit.meaningRank !== undefined ? { meaningRank: hit.meaningRank } : {}),
          // HTML: the text escaped, matches in <mark>; safe to insert into a page as it is.
          highlights: { title: markedToHtml(hit.titleMarked), snippet: markedToHtml(hit.snippetMarked) },
        })),
      };
    },
  );

  // The site's search box asks /api/v1/suggest as the reader types (static/suggest.js).
  for (const [url, tag] of [['/api/v1/suggest', V1_TAG], ['/api/suggest', ALIAS_TAG]] as const) {
    app.get<{ Querystring: { q?: string } }>(
      url,
      {
        schema: {
          tags: [tag],
          summary: tag === ALIAS_TAG ? 'As /api/v1/suggest' : 'Titles and authors starting with what is typed, for search-as-you-type',
          querystring: { type: 'object', properties: { q: { type: 'string', description: `the start of a title or an author's name as typed so far, 1 to ${MAX_SUGGEST_LENGTH} characters, given once` } } },
          response: answers(
            {
              type: 'object',
              properties: {
                query: { type: 'string' },
                suggestions: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { kind: { type: 'string', enum: ['paper', 'author'] }, text: { type: 'string' }, id: { type: 'string' }, url: { type: 'string' }, papers: { type: 'integer' } },
                    required: ['kind', 'text', 'url'],
                  },
                },
              },
              required: ['query', 'suggestions'],
            },
            'Suggestions, papers then authors',
          ),
        },
      },
      async (request) => {
        const given = request.query.q;
        const q = typeof given === 'string' ? given.trim() : '';
        if (!q || q.length > MAX_SUGGEST_LENGTH) {
          const why = q ? `q is ${q.length} characters long; the limit is ${MAX_SUGGEST_LENGTH}.` : given ? 'q is blank.' : 'q is missing.';
          throw new HttpError(400, `${why} Give q, the start of a title or an author's name as typed so far (1 to ${MAX_SUGGEST_LENGTH} characters), e.g. ${url}?q=diffu.`);
        }
        const suggestions = await store.suggest(q, SUGGESTIONS);
        return {
          query: q,
          suggestions: suggestions.map((s) => ({
            kind: s.kind,
            text: s.text,
            ...(s.id !== undefined ? { id: s.id } : {}),
            url: s.kind === 'paper' && s.id ? paperPath(s.id) : authorPath(s.text),
            ...(s.papers !== undefined ? { papers: s.papers } : {}),
          })),
        };
      },
    );
  }

  for (const [url, tag] of [['/api/v1/days', V1_TAG], ['/api/days', ALIAS_TAG]] as const) {
    app.get<{ Querystring: { from?: string; to?: string } }>(
      url,
      {
        schema: {
          tags: [tag],
          summary: tag === ALIAS_TAG ? 'As /api/v1/days' : 'Papers listed per day, both ends inclusive',
          description: `from and to are days (YYYY-MM-DD), at most ${MAX_DAYS_SPAN} days apart; to defaults to the latest day with papers, from to ${DEFAULT_DAYS_SPAN} days before it. Days without papers are left out.`,
          querystring: { type: 'object', properties: { from: dayParam, to: dayParam } },
          response: answers(
            {
              type: 'object',
              properties: {
                from: { type: 'string' },
                to: { type: 'string' },
                days: { type: 'array', items: { type: 'object', properties: { day: { type: 'string' }, count: { type: 'integer' } }, required: ['day', 'count'] } },
              },
              required: ['from', 'to', 'days'],
            },
            'Counts per day',
          ),
        },
      },
      async (request) => {
        const to = checkedDay('to', request.query.to) ?? (await store.latestDay()) ?? todayUtc();
        const from = checkedDay('from', request.query.from) ?? addDays(to, -(DEFAULT_DAYS_SPAN - 1));
        if (from > to) throw new HttpError(400, `from (${from}) is after to (${to}); give from <= to.`);
        if (addDays(from, MAX_DAYS_SPAN) <= to) {
          throw new HttpError(400, `From ${from} to ${to} is more than ${MAX_DAYS_SPAN} days; ask for a year or less at a time.`);
        }
        const days = await store.dayCounts(dayStartInstant(from), dayStartInstant(addDays(to, 1)));
        return { from, to, days };
      },
    );
  }

  const trendingResponse = answers(
    {
      type: 'object',
      properties: {
        period: { type: 'string', enum: [...TRENDING_PERIODS] },
        from: { type: 'string' },
        to: { type: 'string' },
        anchoredAt: { type: 'string', description: 'Set when nothing earned points up to now and the list looks back from the hub\'s newest activity' },
        note: { type: 'string' },
        about: { type: 'string', description: 'The page that explains the formula' },
        results: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              rank: { type: 'integer' },
              score: { type: 'number' },
              parts: { ...open, properties: { hubVotes: { type: 'integer' }, sourceUpvotes: { type: 'integer' }, starsGained: { type: 'integer' }, points: { type: 'number' }, ageHours: { type: 'number' }, gravity: { type: 'number' } } },
              reasons: { type: 'array', items: { ...open, properties: { kind: { type: 'string' }, gained: { type: 'integer' }, total: { type: 'integer' }, repo: { type: 'string' }, text: { type: 'string' } }, required: ['kind', 'gained', 'text'] } },
              series: { type: 'array', items: { type: 'number' } },
              paper: paperSummarySchema,
            },
            required: ['rank', 'score', 'parts', 'reasons', 'series', 'paper'],
          },
        },
      },
      required: ['period', 'from', 'to', 'about', 'results'],
    },
    'The trending papers, best first',
  );
  for (const [url, tag] of [['/api/v1/trending', V1_TAG], ['/api/trending', ALIAS_TAG]] as const) {
    app.get<{ Querystring: { period?: TrendingPeriod } }>(
      url,
      {
        schema: {
          tags: [tag],
          summary: tag === ALIAS_TAG ? 'As /api/v1/trending' : 'Trending papers, each with its score, the score\'s parts and why',
          querystring: { type: 'object', properties: { period: { type: 'string', enum: [...TRENDING_PERIODS], description: 'day, week or month (default day)' } } },
          response: trendingResponse,
        },
      },
      async (request) => trendingJson(ctx, periodParam(request.query.period)),
    );
  }

  const listQuery = { type: 'object', properties: { sort: listSortParam, p: pParam, limit: limitParam(LIST_LIMIT) } };
  const periodRef = { type: 'object', properties: { key: { type: 'string' }, url: { type: 'string' } }, required: ['key', 'url'] };
  const listResponse = answers(
    {
      type: 'object',
      properties: {
        period: { type: 'object', properties: { kind: { type: 'string', enum: ['day', 'week', 'month'] }, key: { type: 'string' }, start: { type: 'string' }, end: { type: 'string', description: 'The day after the last' } }, required: ['kind', 'key', 'start', 'end'] },
        sort: { type: 'string' },
        p: { type: 'integer' },
        limit: { type: 'integer' },
        total: { type: 'integer' },
        pages: { type: 'integer' },
        previous: { ...periodRef, description: 'The nearest earlier period with papers' },
        next: { ...periodRef, description: 'The nearest later period with papers' },
        papers: { type: 'array', items: listedPaperSchema },
      },
      required: ['period', 'sort', 'p', 'limit', 'total', 'pages', 'papers'],
    },
    'A page of the list; a Link header with rel="next" (and rel="prev") when there are more',
  );
  const lists = [
    { url: '/api/v1/day/:date', param: 'date', schema: apiDayParam, about: 'The papers listed on a day' },
    { url: '/api/v1/week/:week', param: 'week', schema: apiWeekParam, about: 'The papers listed in an ISO week' },
    { url: '/api/v1/month/:month', param: 'month', schema: apiMonthParam, about: 'The papers listed in a month' },
  ] as const;
  for (const list of lists) {
    app.get<{ Params: Record<string, string>; Querystring: ListQuery }>(
      list.url,
      {
        schema: {
          tags: [V1_TAG],
          summary: list.about,
          description: 'Most upvoted first (upvotes on Hugging Face plus votes here), or newest listed first with sort=recent; p counts pages from 0.',
          ...params({ [list.param]: list.schema }),
          querystring: listQuery,
          response: listResponse,
        },
      },
      async (request, reply) => periodList(ctx, reply, periodFromParam(list.param, request.params[list.param]!), request.query),
    );
  }
}

async function periodList(ctx: WebContext, reply: FastifyReply, period: Period, query: ListQuery) {
  const { store } = ctx;
  const { sort, p, limit } = query;
  const from = dayStartInstant(period.start);
  const to = dayStartInstant(period.end);
  const [total, papers, before, after] = await Promise.all([
    store.countPapers(from, to),
    store.listPapers(from, to, { sort, limit, offset: p * limit }),
    store.neighbourDays(period.start),
    period.kind === 'day' ? undefined : store.neighbourDays(addDays(period.end, -1)),
  ]);
  const votes = await store.community.votes(papers.map((paper) => paper.id));
  const pages = Math.max(1, Math.ceil(total / limit));
  const here = (n: number) => listPath(period, sort, n, limit);
  const links = [...(p + 1 < pages ? [`<${here(p + 1)}>; rel="next"`] : []), ...(p > 0 ? [`<${here(Math.min(p - 1, pages - 1))}>; rel="prev"`] : [])];
  if (links.length > 0) reply.header('link', links.join(', '));
  const neighbour = (day: string | undefined) => {
    if (!day) return undefined;
    const other = periodOf(period.kind, day);
    return { key: other.key, url: listPath(other, sort, 0, limit) };
  };
  const previous = neighbour(before.previous);
  const next = neighbour((after ?? before).next);
  return {
    period: { kind: period.kind, key: period.key, start: period.start, end: period.end },
    sort,
    p,
    limit,
    total,
    pages,
    ...(previous ? { previous } : {}),
    ...(next ? { next } : {}),
    papers: papers.map((paper) => ({ ...paper, votes: votes.get(paper.id)?.count ?? 0 })),
  };
}

/** /api/v1/day/2024-05-31?p=1: parameters at their defaults are left out. */
function listPath(period: Period, sort: Sort, p: number, limit: number): string {
  return withQuery(`/api/v1/${period.kind}/${period.key}`, { sort: sort === 'upvotes' ? undefined : sort, p: p > 0 ? p : undefined, limit: limit === LIST_LIMIT ? undefined : limit });
}

function checkedDay(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const day = parseDay(value);
  if (!day) throw new HttpError(400, `${name}=${value} is not a day on the calendar (years ${YEARS.min} to ${YEARS.max}); write YYYY-MM-DD, like 2024-05-31.`);
  return day;
}
