// The daily, weekly and monthly listings, as Hugging Face's daily papers show them: papers listed
// in a period, most upvoted first, with the neighbouring periods and (for weeks and months) a bar
// chart of papers per day.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DayCount, ListOptions, PaperSummary } from '../../store/store.ts';
import { notice, pager, paperCard, withCode, type CardOptions } from '../components.ts';
import type { WebContext } from '../context.ts';
import { deliveryBar } from '../delivery.ts';
import { HttpError } from '../errors.ts';
import { DAILY_FEED, type FeedRef } from '../feeds.ts';
import { html, type Html } from '../html.ts';
import { layout, sendPage } from '../layout.ts';
import {
  addDays,
  dayPeriod,
  dayStartInstant,
  daysIn,
  formatDay,
  formatPeriod,
  isoWeekKey,
  parseDay,
  parseMonth,
  parseWeek,
  periodOf,
  todayUtc,
  type Period,
  type PeriodKind,
  YEARS,
} from '../periods.ts';
import { optionalDayParam, pageParam, querystring, sortParam } from '../schemas.ts';
import type { Viewer } from '../viewer.ts';
import { cardsFor } from './community.ts';
import { TRENDING_DIGEST } from './trending.ts';
import { feedPath, withQuery } from '../urls.ts';

const LISTING_PAGE_SIZE = 30;

type Sort = NonNullable<ListOptions['sort']>;

interface ListingQuery {
  date?: string;
  sort: Sort;
  page: number;
}

const KIND_TITLES: Record<PeriodKind, string> = { day: 'Daily papers', week: 'Weekly papers', month: 'Monthly papers' };

export function registerListingRoutes(app: FastifyInstance, ctx: WebContext): void {
  const periodQuery = querystring({ sort: sortParam, page: pageParam });
  const dayQuery = querystring({ date: optionalDayParam, sort: sortParam, page: pageParam });
  app.get<{ Querystring: ListingQuery }>('/', { schema: dayQuery }, async (request, reply) => {
    const date = request.query.date || undefined; // the day picker sends date= when left empty
    const day = date === undefined ? await ctx.store.latestDay() : requestedDay(date);
    if (!day) return sendPage(reply, emptyHubPage(ctx));
    // The latest day's page is the home page: its feed is the daily feed, which follows the days.
    const feed = date === undefined ? DAILY_FEED : periodFeed(dayPeriod(day));
    return showPeriod(ctx, reply, dayPeriod(day), request.query, request.viewer, feed);
  });

  app.get('/week', async (_request, reply) => reply.redirect(`/week/${isoWeekKey(await anchorDay(ctx))}`));
  app.get('/month', async (_request, reply) => reply.redirect(`/month/${(await anchorDay(ctx)).slice(0, 7)}`));

  app.get<{ Params: { week: string }; Querystring: ListingQuery }>('/week/:week', { schema: periodQuery }, async (request, reply) => {
    const period = requestedWeek(request.params.week);
    return showPeriod(ctx, reply, period, request.query, request.viewer, periodFeed(period));
  });

  app.get<{ Params: { month: string }; Querystring: ListingQuery }>('/month/:month', { schema: periodQuery }, async (request, reply) => {
    const period = requestedMonth(request.params.month);
    return showPeriod(ctx, reply, period, request.query, request.viewer, periodFeed(period));
  });
}

/** A day from ?date=, or a 400 that says how to write one. */
export function requestedDay(date: string): string {
  const day = parseDay(date);
  if (!day) {
    throw new HttpError(400, `${date} is not a day on the calendar (or not between ${YEARS.min} and ${YEARS.max}). Write a real date as YYYY-MM-DD, like 2024-05-31.`, [
      { href: '/', label: 'The latest day' },
    ]);
  }
  return day;
}

export function requestedWeek(week: string): Period {
  const period = parseWeek(week);
  if (!period) {
    throw new HttpError(
      400,
      `"${week}" is not an ISO week. Write YEAR-Wnn, with nn from 01 to 52 (53 in long years) and a year from ${YEARS.min} to ${YEARS.max}, like 2024-W22.`,
      [{ href: '/week', label: 'The latest week' }],
    );
  }
  return period;
}

export function requestedMonth(month: string): Period {
  const period = parseMonth(month);
  if (!period) {
    throw new HttpError(400, `"${month}" is not a month. Write YYYY-MM, with MM from 01 to 12 and a year from ${YEARS.min} to ${YEARS.max}, like 2024-05.`, [
      { href: '/month', label: 'The latest month' },
    ]);
  }
  return period;
}

/** The day the Weekly and Monthly links open on: the latest with papers, else today. */
export async function anchorDay(ctx: WebContext): Promise<string> {
  return (await ctx.store.latestDay()) ?? todayUtc();
}

/** A period's page title and description, which its feed shares. */
export function periodHeading(period: Period): { title: string; description: string } {
  return {
    title: `${KIND_TITLES[period.kind]}: ${formatPeriod(period, 'short')}`,
    description: `Research papers listed ${period.kind === 'day' ? 'on' : 'in'} ${formatPeriod(period)}, most upvoted first.`,
  };
}

/** A period's feed: /feed.atom?date=2024-05-31, /week/2024-W22.atom, /month/2024-05.atom. */
export function periodFeed(period: Period): FeedRef {
  const href = period.kind === 'day' ? withQuery(DAILY_FEED.href, { date: period.key }) : feedPath(periodPath(period, 'upvotes'));
  return { href, title: periodHeading(period).title };
}

interface PeriodView {
  period: Period;
  sort: Sort;
  page: number;
  pages: number;
  total: number;
  papers: PaperSummary[];
  previous?: string; // nearest day with papers before the period
  next?: string;     // ... and after it
  counts: DayCount[];
  /** Votes and collections on each card. */
  card: (paper: PaperSummary) => CardOptions;
  /** Subscribe and the feed link. */
  delivery: Html;
}

async function showPeriod(ctx: WebContext, reply: FastifyReply, period: Period, query: ListingQuery, viewer: Viewer | undefined, feed: FeedRef) {
  const { store } = ctx;
  const { sort, page } = query;
  const from = dayStartInstant(period.start);
  const to = dayStartInstant(period.end);
  const [total, papers, before, after, counts] = await Promise.all([
    store.countPapers(from, to),
    store.listPapers(from, to, { sort, limit: LISTING_PAGE_SIZE, offset: (page - 1) * LISTING_PAGE_SIZE }),
    store.neighbourDays(period.start),
    period.kind === 'day' ? undefined : store.neighbourDays(addDays(period.end, -1)),
    period.kind === 'day' ? [] : store.dayCounts(from, to),
  ]);
  const previous = before.previous;
  const next = (after ?? before).next;
  if (total === 0 && !previous && !next) return sendPage(reply, emptyHubPage(ctx));
  const pages = Math.max(1, Math.ceil(total / LISTING_PAGE_SIZE));
  if (page > pages) {
    throw new HttpError(404, `There is no page ${page} here: ${formatPeriod(period)} has ${pages} page${pages === 1 ? '' : 's'} of papers.`, [
      { href: periodPath(period, sort, pages), label: 'The last page' },
    ]);
  }
  // Every listing offers the trending digest: a digest of one day's or one week's list would be
  // stale before it arrived, while trending is what is new and rising now.
  const delivery = deliveryBar(viewer, { feed, subscribe: TRENDING_DIGEST, prominent: period.kind === 'day' });
  const view: PeriodView = { period, sort, page, pages, total, papers, previous, next, counts, card: await cardsFor(ctx, viewer, papers), delivery };
  return sendPage(reply, layout(ctx.site, { ...periodHeading(period), section: period.kind, feeds: [feed], body: periodBody(view) }));
}

function periodBody(view: PeriodView): Html {
  const { period, total, papers } = view;
  return html`<section class="listing">
  <div class="listing-head">
    ${tabs(view)}
    <h1><span class="kicker">${KIND_TITLES[period.kind]}</span> ${formatPeriod(period)}</h1>
    ${periodNav(view)}
  </div>
  ${view.delivery}
  ${period.kind === 'day' ? '' : chart(period, view.counts)}
  ${
    total === 0
      ? emptyPeriod(view)
      : html`<div class="toolbar">
    <p class="count">${total} paper${total === 1 ? '' : 's'}${view.pages > 1 ? ` · page ${view.page} of ${view.pages}` : ''}</p>
    ${sortSwitch(view)}
  </div>
  <div class="cards">${papers.map((p) => paperCard(p, view.card(p)))}</div>
  ${pager({ page: view.page, pages: view.pages, href: (n) => periodPath(period, view.sort, n) })}`
  }
</section>`;
}

/** Day / Week / Month, each opening on the period around the latest day this one has papers for. */
function tabs(view: PeriodView): Html {
  const withPapers = view.counts.filter((c) => c.count > 0).map((c) => c.day);
  const anchor = view.period.kind === 'day' ? view.period.start : (withPapers[withPapers.length - 1] ?? view.period.start);
  const kinds: { kind: PeriodKind; label: string }[] = [
    { kind: 'day', label: 'Day' },
    { kind: 'week', label: 'Week' },
    { kind: 'month', label: 'Month' },
  ];
  return html`<nav class="tabs" aria-label="Period">${kinds.map(({ kind, label }) =>
    html`<a href="${periodPath(periodOf(kind, anchor), view.sort)}"${kind === view.period.kind ? html` aria-current="page"` : ''}>${label}</a>`,
  )}</nav>`;
}

function periodNav(view: PeriodView): Html {
  const { period } = view;
  const previous = view.previous ? periodOf(period.kind, view.previous) : undefined;
  const next = view.next ? periodOf(period.kind, view.next) : undefined;
  return html`<div class="period-nav">
  <nav aria-label="Neighbouring ${period.kind}s">
    ${previous ? html`<a rel="prev" href="${periodPath(previous, view.sort)}">← ${formatPeriod(previous, 'short')}</a>` : html`<span class="disabled">← Earlier</span>`}
    ${next ? html`<a rel="next" href="${periodPath(next, view.sort)}">${formatPeriod(next, 'short')} →</a>` : html`<span class="disabled">Later →</span>`}
  </nav>
  <form class="jump" action="/" method="get">
    <label class="visually-hidden" for="jump-date">Go to a day</label>
    <input id="jump-date" type="date" name="date" value="${period.kind === 'day' ? period.start : ''}">
    <button type="submit">Go</button>
  </form>
</div>`;
}

function sortSwitch(view: PeriodView): Html {
  const options: { sort: Sort; label: string }[] = [
    { sort: 'upvotes', label: 'Most upvoted' },
    { sort: 'recent', label: 'Most recent' },
  ];
  return html`<nav class="sort" aria-label="Sort">${options.map(({ sort, label }) =>
    html`<a href="${periodPath(view.period, sort)}"${sort === view.sort ? html` aria-current="true"` : ''}>${label}</a>`,
  )}</nav>`;
}

function emptyPeriod(view: PeriodView): Html {
  const what = view.period.kind === 'day' ? `on ${formatDay(view.period.start)}` : `in ${formatPeriod(view.period)}`;
  return notice(
    'info',
    html`<p><strong>No papers were listed ${what}.</strong></p>
    <p>The nearest days with papers:
    ${view.previous ? html`<a href="${periodPath(dayPeriod(view.previous), view.sort)}">← ${formatDay(view.previous)}</a>` : ''}
    ${view.previous && view.next ? ' · ' : ''}
    ${view.next ? html`<a href="${periodPath(dayPeriod(view.next), view.sort)}">${formatDay(view.next)} →</a>` : ''}</p>`,
  );
}

/** Papers per day as bars (plain HTML and CSS; each bar links to its day). */
function chart(period: Period, counts: DayCount[]): Html {
  const byDay = new Map(counts.map((c) => [c.day.slice(0, 10), c.count]));
  const max = Math.max(1, ...byDay.values());
  const days = daysIn(period);
  return html`<figure class="chart chart-${period.kind}">
  <figcaption>Papers per day</figcaption>
  <ol class="bars">${days.map((day) => {
    const count = byDay.get(day) ?? 0;
    const dayOfMonth = Number(day.slice(8));
    const label = period.kind === 'week' ? formatDay(day, 'weekday') : String(dayOfMonth);
    // On narrow screens a month keeps only every fifth label (1, 5, 10, ...).
    const minor = period.kind === 'month' && dayOfMonth !== 1 && dayOfMonth % 5 !== 0;
    const bar = html`<span class="bar-count">${count || ''}</span><span class="bar" style="height:${((count / max) * 100).toFixed(1)}%"></span><span class="bar-label${minor ? ' minor' : ''}">${label}</span>`;
    const name = `${formatDay(day)}: ${count} paper${count === 1 ? '' : 's'}`;
    return count > 0
      ? html`<li><a href="${periodPath(dayPeriod(day), 'upvotes')}" title="${name}" aria-label="${name}">${bar}</a></li>`
      : html`<li class="empty" title="${name}">${bar}</li>`;
  })}</ol>
</figure>`;
}

export function periodPath(period: Period, sort: Sort, page = 1): string {
  const params = { sort: sort === 'upvotes' ? undefined : sort, page: page > 1 ? page : undefined };
  if (period.kind === 'day') return withQuery('/', { date: period.key, ...params });
  return withQuery(`/${period.kind}/${period.key}`, params);
}

function emptyHubPage(ctx: WebContext): string {
  return layout(ctx.site, {
    title: 'No papers yet',
    section: 'day',
    body: html`<section class="empty-hub">
  <h1>Welcome to ${ctx.site.name}</h1>
  <p class="lead">There are no papers in this hub yet.</p>
  <p>${withCode(ctx.site.emptyStateHint)}</p>
</section>`,
  });
}
