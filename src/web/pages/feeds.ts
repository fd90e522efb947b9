// Every list of papers as a feed: Atom at <page path>.atom and JSON Feed at <page path>.json,
// with the same papers as the page, the caching headers feed readers poll by, and /feeds, the page
// that lists the hub's own feeds.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteGenericInterface, RouteShorthandOptions } from 'fastify';
import { hubLinkSigner, personalFeedPath, tokenKey } from '../../digest/links.ts';
import { becauseText, centroidRecommender } from '../../rank/personal.ts';
import { loadTrending } from '../../rank/trending-list.ts';
import { isBlankQuery } from '../../search/query.ts';
import { NO_QUERY, type PaperSummary } from '../../store/store.ts';
import type { WebContext } from '../context.ts';
import { subscribePath } from '../delivery.ts';
import { HttpError } from '../errors.ts';
import { atom, DAILY_FEED, feedId, jsonFeed, lastChange, paperEntry, TRENDING_FEED, type FeedModel, type FeedRef } from '../feeds.ts';
import { html } from '../html.ts';
import { layout, sendPage } from '../layout.ts';
import { addDays, dayPeriod, dayStartInstant, formatDay, periodOf, type Period } from '../periods.ts';
import { rankedSearch } from '../ranked.ts';
import { optionalDayParam, querystring } from '../schemas.ts';
import { parseSearch } from '../search-request.ts';
import { authorPath, FEED_FORMATS, feedFormatOf, feedPath, jsonFeedPath, topicPath, type FeedFormat } from '../urls.ts';
import { AUTHOR_PAGE_SIZE, authorFeed, authorHeading, findAuthor } from './authors.ts';
import { collectionAt, collectionFeed, collectionPath } from './community.ts';
import { anchorDay, periodFeed, periodHeading, periodPath, requestedDay, requestedMonth, requestedWeek } from './listing.ts';
import { nothingToSearch, resultsPath, SEARCH_PAGE_SIZE, SEARCH_SCHEMA, searchFeed, topicQuery, type SearchQuerystring } from './search.ts';
import { checkedTopic, topicFeed, topicHeading, topicResults } from './topics.ts';
import { periodParam, TRENDING_SIZE, trendingFeed, trendingHeading, trendingPath, trendingReasons } from './trending.ts';

/** The most papers a listing's feed carries (a busy month has thousands). */
const LISTING_FEED_SIZE = 100;
/** The daily feed: this many days, up to the latest day with papers. */
const DAILY_FEED_DAYS = 7;
/**
 * Trending moves with the clock, so its feed is computed as of the last whole five minutes: one
 * body, ETag and Last-Modified for that long (what max-age promises), and signals newer than that
 * instant wait for the next one, so a conditional request never hides a change.
 */
const TRENDING_FEED_STEP_MS = 5 * 60_000;
const MAX_AGE_SECONDS = 300;
/** The hub's secret for feed ids (see feedId). */
const FEED_ID_PURPOSE = 'feed-ids';

const WEEKLY_FEED: FeedRef = { title: 'Weekly papers', href: feedPath('/week') };
const MONTHLY_FEED: FeedRef = { title: 'Monthly papers', href: feedPath('/month') };

const FORMATS: Record<FeedFormat, { type: string; render: (feed: FeedModel) => string }> = {
  atom: { type: 'application/atom+xml; charset=utf-8', render: atom },
  json: { type: 'application/feed+json; charset=utf-8', render: jsonFeed },
};

/** What a route found for its feed, before it becomes a FeedModel. */
interface FeedSource {
  feed: FeedRef;
  /** The page the feed follows. */
  page: string;
  description: string;
  /** The papers, each with why it is there when the list says (trending). */
  items: { paper: PaperSummary; why?: string }[];
  /** A change the papers cannot show: a collection's last edit, the instant trending was computed at. */
  updated?: string;
  /** One reader's own feed: no shared cache may keep it. */
  personal?: boolean;
}

/** The feed lives at another address (a topic with spaces around it, an author spelt another way): a 301 to its page's feed. */
interface Moved {
  moved: string;
}

/**
 * Routes that share a page's pattern (/week/:week, /topics/*) serve the feed when the raw path ends
 * in .atom or .json. The raw path, because a topic whose text ends in ".atom" is linked with that
 * dot escaped (see topicPath) and must reach its page.
 */
type ConstraintStrategy = Parameters<FastifyInstance['addConstraintStrategy']>[0];
type RouteHandlers = ReturnType<ConstraintStrategy['storage']>;
const feedConstraint: ConstraintStrategy = {
  name: 'feed',
  mustMatchWhenDerived: false,
  storage() {
    const handlers = new Map<unknown, Parameters<RouteHandlers['set']>[1]>();
    return { get: (format) => handlers.get(format) ?? null, set: (format, handler) => void handlers.set(format, handler) };
  },
  deriveConstraint: (request) => feedFormatOf((request.url ?? '').split('?')[0]!),
};

export function registerFeedRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.addConstraintStrategy(feedConstraint);

  /** A feed at `pattern` + .atom and .json; a pattern with parameters shares its page's route, told apart by the suffix. */
  function serve<R extends RouteGenericInterface>(pattern: string, options: RouteShorthandOptions, build: (request: FastifyRequest<R>) => Promise<FeedSource | Moved>): void {
    const shared = /[:*]/.test(pattern);
    for (const format of FEED_FORMATS) {
      const url = shared ? pattern : `${pattern}.${format}`;
      app.get(url, { ...options, ...(shared ? { constraints: { feed: format } } : {}), onSend: withoutCookies }, async (request, reply) => {
        // The suffix is on the route's last parameter; the page would see that parameter without it.
        if (shared) withoutSuffix(request.params as Record<string, string>, format);
        const found = await build(request as FastifyRequest<R>);
        if ('moved' in found) return reply.redirect(feedPath(found.moved, format), 301);
        return sendFeed(request, reply, await feedModel(ctx, found), format, found.personal);
      });
    }
  }

  for (const alias of ['/feed', '/atom', '/rss', '/feed.xml']) {
    app.get(alias, async (request, reply) => {
      const at = request.url.indexOf('?');
      return reply.redirect(`${DAILY_FEED.href}${at < 0 ? '' : request.url.slice(at)}`, 301);
    });
  }

  serve<{ Querystring: { date?: string } }>('/feed', { schema: querystring({ date: optionalDayParam }) }, async (request) => {
    const date = request.query.date || undefined; // as on the page: an empty date= is the latest day
    return date === undefined ? dailySource(ctx) : periodSource(ctx, dayPeriod(requestedDay(date)));
  });
  serve('/week', {}, async () => periodSource(ctx, periodOf('week', await anchorDay(ctx)), WEEKLY_FEED));
  serve('/month', {}, async () => periodSource(ctx, periodOf('month', await anchorDay(ctx)), MONTHLY_FEED));
  serve<{ Params: { week: string } }>('/week/:week', {}, async (request) => periodSource(ctx, requestedWeek(request.params.week)));
  serve<{ Params: { month: string } }>('/month/:month', {}, async (request) => periodSource(ctx, requestedMonth(request.params.month)));

  serve<{ Querystring: { period?: unknown } }>('/trending', {}, async (request) => {
    const period = periodParam(request.query.period);
    const step = TRENDING_FEED_STEP_MS;
    const asOf = new Date(Math.floor(ctx.community.now().getTime() / step) * step);
    const list = await loadTrending(ctx.store, period, asOf, TRENDING_SIZE, { latestIfQuiet: true });
    return {
      feed: trendingFeed(period),
      page: trendingPath(period),
      description: trendingHeading(period).description,
      updated: asOf.toISOString(),
      items: list.items.map(({ entry, paper }) => ({ paper, why: `Why it trends: ${trendingReasons(entry, period)}.` })),
    };
  });

  // A search's feed is its first page; papers like a paper (like=) have no feed.
  serve<{ Querystring: SearchQuerystring }>('/search', { schema: SEARCH_SCHEMA }, async (request) => {
    const params: SearchQuerystring = { ...request.query, page: 1, like: undefined };
    const { query, problems } = parseSearch(params);
    if (isBlankQuery(query)) {
      const q = topicQuery(params);
      const why = q ? nothingToSearch(q) : 'A search feed needs a search: add q= to its address, like /search.atom?q=diffusion or /search.atom?q=author:Hinton.';
      throw new HttpError(400, [...problems, why].join(' '), [{ href: '/search', label: 'Search' }]);
    }
    const result = await rankedSearch(ctx, query, params.mode, { limit: SEARCH_PAGE_SIZE, offset: 0 });
    return {
      feed: searchFeed(params),
      page: resultsPath(params, 1),
      description: `The papers in this hub that best match “${topicQuery(params)}”.`,
      items: result.hits.map((hit) => ({ paper: hit.paper })),
    };
  });

  serve<{ Params: { '*': string } }>('/topics/*', {}, async (request) => {
    const given = request.params['*'];
    const q = checkedTopic(given);
    if (q !== given) return { moved: topicPath(q) };
    const { result } = await topicResults(ctx, q);
    return { feed: topicFeed(q), page: topicPath(q), description: topicHeading(q).description, items: result.hits.map((hit) => ({ paper: hit.paper })) };
  });

  serve<{ Params: { '*': string } }>('/authors/*', {}, async (request) => {
    const given = request.params['*'];
    const found = await findAuthor(ctx, given, { limit: AUTHOR_PAGE_SIZE, offset: 0 });
    if (found.name !== given) return { moved: authorPath(found.name) };
    return { feed: authorFeed(found.name), page: authorPath(found.name), description: authorHeading(found.name).description, items: found.papers.map((paper) => ({ paper })) };
  });

  // Public collections only, even for their owner: a feed reader cannot sign in, and a private
  // collection's feed address would give it away to whoever saw it.
  serve<{ Params: { name: string; slug: string } }>('/u/:name/collections/:slug', {}, async (request) => {
    const collection = await collectionAt(ctx, request.params.name, request.params.slug, undefined);
    const papers = await ctx.store.community.collectionPapers(collection.key, { limit: LISTING_FEED_SIZE });
    return {
      feed: collectionFeed(collection),
      page: collectionPath(collection),
      description: collection.description || `Papers ${collection.owner.name} collected in this hub, the latest additions first.`,
      updated: collection.updatedAt,
      items: papers.map((paper) => ({ paper })),
    };
  });

  // A reader's own: papers like the ones they upvoted and saved, at an address only they know.
  serve<{ Params: { token: string } }>('/feeds/personal/:token', {}, (request) => personalSource(ctx, request.params.token));

  app.get('/feeds', async (_request, reply) => sendPage(reply, feedsPage(ctx)));
}

/** The personal feed looks at papers that entered the hub this long ago at most. */
const PERSONAL_FEED_DAYS = 7;
const PERSONAL_FEED_SIZE = 30;

async function personalSource(ctx: WebContext, token: string): Promise<FeedSource> {
  const key = tokenKey(token);
  const user = key === undefined ? undefined : await ctx.store.accounts.userByKey(key);
  const generation = user ? await ctx.store.accounts.feedGeneration(user.key) : 0;
  if (!user || user.bannedAt || (await hubLinkSigner(ctx.store.shared)).check('feed', token, String(generation)) === undefined) {
    throw new HttpError(404, 'There is no feed at this address: it was mistyped, or its owner made a new one in their settings.');
  }
  const now = ctx.community.now().getTime();
  const day = 86_400_000;
  const candidates = await ctx.store.newPaperKeys(new Date(now - PERSONAL_FEED_DAYS * day).toISOString(), new Date(now).toISOString(), new Date(now - (PERSONAL_FEED_DAYS + 3) * day).toISOString());
  const found = await centroidRecommender(ctx.store, ctx.semantic).recommend({ userKey: user.key, email: user.email }, candidates, PERSONAL_FEED_SIZE);
  const hits = new Map((await ctx.store.hitsForKeys(found.map((f) => f.key), NO_QUERY)).map((h) => [h.key, h.paper]));
  const href = personalFeedPath(await hubLinkSigner(ctx.store.shared), user.key, generation);
  return {
    feed: { title: `Papers for ${user.name}`, href },
    page: '/settings#feed',
    description: `Papers that entered ${ctx.site.name} in the last ${PERSONAL_FEED_DAYS} days and are like the ones ${user.name} upvoted and saved.`,
    personal: true,
    items: found.flatMap((f) => {
      const paper = hits.get(f.key);
      return paper ? [{ paper, why: `${becauseText(f)}.` }] : [];
    }),
  };
}


/** The daily lists of the last days with papers: newest day first, most upvoted first within a day. */
async function dailySource(ctx: WebContext): Promise<FeedSource> {
  const latest = await ctx.store.latestDay();
  const papers: PaperSummary[] = [];
  for (let back = 0; latest && back < DAILY_FEED_DAYS && papers.length < LISTING_FEED_SIZE; back++) {
    const day = addDays(latest, -back);
    const limit = LISTING_FEED_SIZE - papers.length;
    papers.push(...(await ctx.store.listPapers(dayStartInstant(day), dayStartInstant(addDays(day, 1)), { sort: 'upvotes', limit })));
  }
  const description = latest
    ? `The papers listed in the ${DAILY_FEED_DAYS} days up to ${formatDay(latest)}, newest day first and most upvoted first within a day.`
    : 'The papers listed each day, newest day first. There are none yet.';
  return { feed: DAILY_FEED, page: '/', description, items: papers.map((paper) => ({ paper })) };
}

/** A day's, week's or month's list as its page shows it, most upvoted first. */
async function periodSource(ctx: WebContext, period: Period, feed: FeedRef = periodFeed(period)): Promise<FeedSource> {
  const papers = await ctx.store.listPapers(dayStartInstant(period.start), dayStartInstant(period.end), { sort: 'upvotes', limit: LISTING_FEED_SIZE });
  return { feed, page: periodPath(period, 'upvotes'), description: periodHeading(period).description, items: papers.map((paper) => ({ paper })) };
}

async function feedModel(ctx: WebContext, source: FeedSource): Promise<FeedModel> {
  const base = ctx.community.baseUrl;
  const entries = source.items.map(({ paper, why }) => paperEntry(paper, base, why));
  return {
    id: feedId(await ctx.store.shared.secret(FEED_ID_PURPOSE), source.feed.href),
    title: `${source.feed.title} · ${ctx.site.name}`,
    description: source.description,
    updated: lastChange(entries, source.updated),
    author: { name: ctx.site.name, url: `${base}/` },
    links: { html: `${base}${source.page}`, atom: `${base}${source.feed.href}`, json: `${base}${jsonFeedPath(source.feed.href)}` },
    entries,
  };
}

function sendFeed(request: FastifyRequest, reply: FastifyReply, feed: FeedModel, format: FeedFormat, personal = false): FastifyReply {
  const body = FORMATS[format].render(feed);
  const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
  reply.header('etag', etag).header('last-modified', new Date(feed.updated).toUTCString()).header('cache-control', `${personal ? 'private' : 'public'}, max-age=${MAX_AGE_SECONDS}`);
  if (unchanged(request, etag, feed.updated)) return reply.code(304).send();
  return reply.type(FORMATS[format].type).send(body);
}

/** As RFC 9110 says: If-None-Match decides when it is sent; If-Modified-Since only without it, to the second. */
function unchanged(request: FastifyRequest, etag: string, updated: string): boolean {
  const tags = request.headers['if-none-match'];
  if (tags !== undefined) return tags.split(',').some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === etag);
  const since = Date.parse(request.headers['if-modified-since'] ?? '');
  return Number.isFinite(since) && Math.floor(Date.parse(updated) / 1000) * 1000 <= since;
}

/**
 * A feed is the same for everyone and cached as such (Cache-Control: public), so it must not carry
 * the visitor's CSRF cookie that every other response sets: a shared cache would hand it on.
 */
async function withoutCookies(_request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  reply.removeHeader('set-cookie');
  return payload;
}

function withoutSuffix(params: Record<string, string>, format: FeedFormat): void {
  const last = Object.keys(params).at(-1)!;
  params[last] = params[last]!.slice(0, -(format.length + 1));
}

const HUB_FEEDS: { feed: FeedRef; about: string }[] = [
  { feed: DAILY_FEED, about: `Each day’s list over the ${DAILY_FEED_DAYS} days up to the latest day with papers: newest day first, most upvoted first within a day.` },
  { feed: WEEKLY_FEED, about: 'The current week’s list, most upvoted first.' },
  { feed: MONTHLY_FEED, about: 'The current month’s list, most upvoted first.' },
  { feed: TRENDING_FEED, about: 'The papers gaining attention over the last 24 hours, each saying why.' },
  { feed: trendingFeed('week'), about: 'The same over the last 7 days.' },
  { feed: trendingFeed('month'), about: 'The same over the last 30 days.' },
];

function feedsPage(ctx: WebContext): string {
  const base = ctx.community.baseUrl;
  return layout(ctx.site, {
    title: 'Follow this hub',
    section: 'about',
    description: `The Atom and JSON feeds of ${ctx.site.name}: daily, weekly and monthly lists, trending papers, and a feed for every search, topic, author and public collection.`,
    feeds: HUB_FEEDS.map((f) => f.feed),
    body: html`<article class="feeds-page">
  <h1>Follow this hub</h1>
  <p class="lead">Give one of these addresses to a feed reader and new papers come to you as they are listed. Each is an Atom feed;
    the same address with <code>.json</code> in place of <code>.atom</code> is the same feed as JSON Feed.</p>
  <ul class="feed-list">${HUB_FEEDS.map(
    ({ feed, about }) => html`<li>
    <h2>${feed.title}</h2>
    <p>${about}</p>
    <p><a class="feed-link" href="${feed.href}" type="application/atom+xml">Atom</a> <code class="feed-url">${base}${feed.href}</code>
      · <a href="${jsonFeedPath(feed.href)}" type="application/feed+json">JSON Feed</a></p>
  </li>`,
  )}</ul>
  <h2>Searches, topics, authors and collections</h2>
  <p>Every search, topic page, author page and public collection has a feed of its own, with the papers it lists: open it and use the
    <strong>Atom feed</strong> link in its Follow bar. Most feed readers also find a page’s feeds when given the page’s own address.</p>
  <h2>By email</h2>
  <p>Rather read them in your inbox? <a href="${subscribePath({ kind: 'trending', target: '' })}">Subscribe to a digest of trending papers</a>, daily or weekly,
    or use <strong>Subscribe</strong> on any search, topic, author or collection.</p>
</article>`,
  });
}
