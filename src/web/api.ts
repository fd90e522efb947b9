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
import { dayParam, optionalDayParam, querystring, textParam } from './schemas.ts';
import { parseSearch, type SearchParams } from './search-request.ts';

const MAX_DAYS_SPAN = 366;
const DEFAULT_DAYS_SPAN = 30;

const ENDPOINTS = [
  { path: '/api/papers/{id}', about: 'one paper by arXiv id (any form: 2207.06389, arXiv:2207.06389v2, hep-th/9901001)' },
  { path: '/api/papers/search?q=&limit=&offset=&cat=&since=&until=', about: 'keyword search; q uses the search page syntax' },
  { path: '/api/days?from=&to=', about: 'papers listed per day, both ends inclusive (YYYY-MM-DD)' },
  { path: '/healthz', about: 'liveness' },
];

interface ApiSearchQuery extends SearchParams {
  limit: number;
  offset: number;
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
      }),
    },
    async (request) => {
      const { limit, offset } = request.query;
      const { query, problems } = parseSearch(request.query);
      if (isBlankQuery(query)) {
        const why = problems.length > 0 ? problems.join(' ') : 'Nothing to search for.';
        throw new HttpError(400, `${why} Give q, e.g. q=diffusion, q="state space model", q=author:Hinton or q=cat:cs.LG.`);
      }
      const page = await store.search(query, { limit, offset });
      return {
        total: page.total,
        ...(problems.length > 0 ? { problems } : {}),
        results: page.hits.map((hit) => ({
          paper: hit.paper,
          score: hit.score,
          // HTML: the text escaped, matches in <mark>; safe to insert into a page as it is.
          highlights: { title: markedToHtml(hit.titleMarked), snippet: markedToHtml(hit.snippetMarked) },
        })),
      };
    },
  );

  app.get<{ Params: { '*': string } }>('/api/papers/*', async (request) => {
    const given = request.params['*'];
    const parsed = parseArxivId(given);
    if (!parsed) throw new HttpError(400, invalidIdMessage(given));
    const paper = await store.getPaper(parsed.id);
    if (!paper) throw new HttpError(404, notInHubMessage(parsed.id));
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
