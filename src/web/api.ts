// The JSON API: the same store the pages read, for scripts and other tools. Errors come back as
// {error, message, statusCode} with a message a person can act on.
import type { FastifyInstance } from 'fastify';
import { parseArxivId } from '../paper/ids.ts';
import { isBlankQuery } from '../search/query.ts';
import type { WebContext } from './context.ts';
import { HttpError } from './errors.ts';
import { markedToHtml } from './math.ts';
import { invalidIdMessage, notInHubMessage } from './paper-id.ts';
import { addDays, dayStartInstant, parseDay, todayUtc, YEARS } from './periods.ts';
import { DEFAULT_DEPTH, papersLikePaper, rankedSearch, type SearchMode } from './ranked.ts';
import { dayParam, modeParam, optionalDayParam, querystring, textParam } from './schemas.ts';
import { parseSearch, type SearchParams } from './search-request.ts';
import { authorPath, paperPath } from './urls.ts';
import { hasRole } from './viewer.ts';

const MAX_DAYS_SPAN = 366;
const DEFAULT_DAYS_SPAN = 30;

const MAX_SUGGEST_LENGTH = 100;
const SUGGESTIONS = 8;

const ENDPOINTS = [
  { path: '/api/papers/{id}', about: 'one paper by arXiv id (any form: 2207.06389, arXiv:2207.06389v2, hep-th/9901001)' },
  {
    path: '/api/papers/search?q=&mode=&like=&limit=&offset=&cat=&since=&until=',
    about:
      'search; q uses the search page syntax (words: any of them, BM25-ranked; "phrases", author:, cat:, since:, until: bind). ' +
      'mode: hybrid (default, keywords and meaning blended), keyword or meaning. like=ID instead of q: the papers closest in meaning to that paper. ' +
      `Ranked results stop at the top ${DEFAULT_DEPTH}; each says its keywordRank and meaningRank, and score is its 1-based position.`,
  },
  { path: '/api/suggest?q=', about: `titles and authors starting with what is typed (1 to ${MAX_SUGGEST_LENGTH} characters), for search-as-you-type` },
  { path: '/api/days?from=&to=', about: 'papers listed per day, both ends inclusive (YYYY-MM-DD)' },
  { path: '/healthz', about: 'liveness' },
];

interface ApiSearchQuery extends SearchParams {
  limit: number;
  offset: number;
  mode: SearchMode;
  like?: string;
}

export function registerApiRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { store } = ctx;

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/api', async () => ({ endpoints: ENDPOINTS }));

  app.get<{ Querystring: ApiSearchQuery }>(
    '/api/papers/search',
    {
      schema: querystring({
        q: textParam,
        cat: textParam,
        since: optionalDayParam,
        until: optionalDayParam,
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        offset: { type: 'integer', minimum: 0, maximum: 10_000, default: 0 },
        mode: modeParam,
        like: textParam,
      }),
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

  app.get<{ Querystring: { q?: unknown } }>('/api/suggest', async (request) => {
    const given = request.query.q;
    if (Array.isArray(given)) throw new HttpError(400, 'Give q once: the text typed so far.');
    const q = typeof given === 'string' ? given.trim() : '';
    if (!q || q.length > MAX_SUGGEST_LENGTH) {
      const why = q ? `q is ${q.length} characters long; the limit is ${MAX_SUGGEST_LENGTH}.` : given ? 'q is blank.' : 'q is missing.';
      throw new HttpError(400, `${why} Give q, the start of a title or an author's name as typed so far (1 to ${MAX_SUGGEST_LENGTH} characters), e.g. /api/suggest?q=diffu.`);
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
  });

  app.get<{ Params: { '*': string } }>('/api/papers/*', async (request, reply) => {
    const given = request.params['*'];
    const parsed = parseArxivId(given);
    if (!parsed) throw new HttpError(400, invalidIdMessage(given));
    const paper = await store.getPaper(parsed.id);
    // Moderators see what they hid; everyone else finds it gone, and a merged duplicate leads to the paper kept.
    if (paper?.mergedInto && !hasRole(request.viewer.user, 'moderator')) return reply.redirect(`/api/papers/${paper.mergedInto}`, 301);
    if (!paper || (paper.hiddenAt && !hasRole(request.viewer.user, 'moderator'))) throw new HttpError(404, notInHubMessage(parsed.id));
    return paper;
  });

  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/api/days',
    { schema: querystring({ from: dayParam, to: dayParam }) },
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

function checkedDay(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const day = parseDay(value);
  if (!day) throw new HttpError(400, `${name}=${value} is not a day on the calendar (years ${YEARS.min} to ${YEARS.max}); write YYYY-MM-DD, like 2024-05-31.`);
  return day;
}
