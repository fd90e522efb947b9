// What is trending today, this week and this month (each card says why and shows its upvotes over
// the period), the same as JSON (served by api.ts), and /about/trending: the formula explained from
// its own constants.
import type { FastifyInstance } from 'fastify';
import { anchoredNote, loadTrending, type TrendingList } from '../../rank/trending-list.ts';
import {
  AGE_SCALE_HOURS,
  ageText,
  formatScore,
  formulaTex,
  GRAVITY,
  HUB_VOTE_POINTS,
  PERIOD_HOURS,
  pointsText,
  reasonText,
  SOURCE_UPVOTE_POINTS,
  STAR_POINTS_PER_SQRT,
  trending,
  TRENDING_PERIODS,
  type TrendingEntry,
  type TrendingPeriod,
} from '../../rank/trending.ts';
import { notice, paperCard, type CardOptions } from '../components.ts';
import type { WebContext } from '../context.ts';
import { deliveryBar, type SubscribeTarget } from '../delivery.ts';
import { HttpError } from '../errors.ts';
import type { FeedRef } from '../feeds.ts';
import { html, type Html } from '../html.ts';
import { layout, sendPage } from '../layout.ts';
import { renderMath } from '../math.ts';
import { sparkline } from '../sparkline.ts';
import type { PaperSummary } from '../../store/store.ts';
import { cardsFor } from './community.ts';
import { feedPath, withQuery } from '../urls.ts';

export const TRENDING_SIZE = 30;

/** The digest of trending papers, which the listings offer too. */
export const TRENDING_DIGEST: SubscribeTarget = { kind: 'trending', target: '', label: 'trending papers' };

const TITLES: Record<TrendingPeriod, string> = { day: 'today', week: 'this week', month: 'this month' };
const TAB_LABELS: Record<TrendingPeriod, string> = { day: 'Today', week: 'This week', month: 'This month' };
const SPANS: Record<TrendingPeriod, string> = { day: 'the last 24 hours', week: 'the last 7 days', month: 'the last 30 days' };

export function registerTrendingRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Querystring: { period?: unknown } }>('/trending', async (request, reply) => {
    const list = await loadTrending(ctx.store, periodParam(request.query.period), ctx.community.now(), TRENDING_SIZE, { latestIfQuiet: true });
    const card = await cardsFor(ctx, request.viewer, list.items.map((item) => item.paper));
    const feed = trendingFeed(list.period);
    const delivery = deliveryBar(request.viewer, { feed, subscribe: TRENDING_DIGEST });
    return sendPage(reply, layout(ctx.site, { ...trendingHeading(list.period), section: 'trending', feeds: [feed], body: trendingBody(list, card, delivery) }));
  });

  app.get('/about/trending', async (_request, reply) =>
    sendPage(reply, layout(ctx.site, { title: 'How trending works', section: 'about', description: 'The formula that ranks trending papers, its constants and a worked example.', body: aboutBody() })),
  );
}

/** The trending list as the JSON API answers it (/api/v1/trending; api.ts registers the route). */
export async function trendingJson(ctx: WebContext, period: TrendingPeriod) {
  const list = await loadTrending(ctx.store, period, ctx.community.now(), TRENDING_SIZE, { latestIfQuiet: true });
  return {
    period: list.period,
    from: list.from,
    to: list.to,
    ...(list.anchoredAt ? { anchoredAt: list.anchoredAt, note: anchoredNote(list) } : {}),
    about: '/about/trending',
    results: list.items.map(({ entry, paper }, i) => ({
      rank: i + 1,
      score: entry.score,
      parts: entry.parts,
      reasons: entry.reasons.map((r) => ({ ...r, text: reasonText(r, list.period) })),
      series: entry.series,
      paper,
    })),
  };
}

/** day (the default), week or month; anything else is a 400 that says what to write. */
export function periodParam(given: unknown): TrendingPeriod {
  if (given === undefined || given === '') return 'day';
  const period = TRENDING_PERIODS.find((p) => p === given);
  if (!period) {
    const shown = typeof given === 'string' ? ` You gave "${given.slice(0, 60)}".` : ' Give it once.';
    throw new HttpError(400, `The parameter "period" expects day, week or month.${shown}`, [{ href: '/trending', label: 'Trending today' }]);
  }
  return period;
}

/** The trending page's title and description, which its feed shares. */
export function trendingHeading(period: TrendingPeriod): { title: string; description: string } {
  return {
    title: `Trending ${TITLES[period]}`,
    description: `Research papers gaining attention over ${SPANS[period]}: votes, Hugging Face upvotes and GitHub stars.`,
  };
}

/** Why a paper trends, in words: "+14 upvotes in 24 h, +320 GitHub stars this week". */
export function trendingReasons(entry: TrendingEntry, period: TrendingPeriod): string {
  return entry.reasons.map((r) => reasonText(r, period)).join(', ');
}

function trendingBody(list: TrendingList, card: (paper: PaperSummary) => CardOptions, delivery: Html): Html {
  return html`<section class="listing trending">
  <div class="listing-head">
    <nav class="tabs" aria-label="Period">${TRENDING_PERIODS.map((p) =>
      html`<a href="${trendingPath(p)}"${p === list.period ? html` aria-current="page"` : ''}>${TAB_LABELS[p]}</a>`,
    )}</nav>
    <h1><span class="kicker">Trending</span> ${TITLES[list.period]}</h1>
    <p class="lead">Votes here, upvotes on Hugging Face and GitHub stars gained over ${SPANS[list.period]}, pulled down by age. <a href="/about/trending">How trending works</a></p>
  </div>
  ${delivery}
  ${list.anchoredAt ? notice('info', html`<p>${anchoredNote(list)} <a href="/about/trending">Why</a></p>`) : ''}
  ${
    list.items.length === 0
      ? emptyTrending(list.period)
      : html`<ol class="cards trending-cards">${list.items.map(({ entry, paper }) => html`<li>${paperCard(paper, { ...card(paper), note: why(entry, list.period) })}</li>`)}</ol>`
  }
</section>`;
}

/** The "why" line under a card: the sparkline, the reasons, and the points and age the score is made of. */
function why(entry: TrendingEntry, period: TrendingPeriod): Html {
  return html`<p class="trend-why">${sparkline(entry.series, `Upvotes over ${SPANS[period]}`)}
    <span class="trend-reasons">${trendingReasons(entry, period)}</span>
    <span class="trend-score" title="Score ${formatScore(entry.score)}: ${pointsText(entry.parts.points)} divided by ${entry.parts.gravity.toFixed(2)} for its age; see How trending works">${pointsText(entry.parts.points)} · ${ageText(entry.parts.ageHours)}</span></p>`;
}


function emptyTrending(period: TrendingPeriod): Html {
  return notice(
    'info',
    html`<p><strong>Nothing is trending ${TITLES[period]}.</strong></p>
    <p>A paper trends when something happens to it over ${SPANS[period]}: readers vote for it here, its upvotes on Hugging Face grow
    (imported with the daily papers), or the GitHub repository it links gains stars. Newer papers need fewer of them.</p>
    <p>${period !== 'month' ? html`<a href="${trendingPath('month')}">Trending this month</a> · ` : ''}<a href="/week">This week's most upvoted papers</a> · <a href="/about/trending">How trending works</a></p>`,
  );
}

export function trendingFeed(period: TrendingPeriod): FeedRef {
  return { href: feedPath(trendingPath(period)), title: trendingHeading(period).title };
}

export function trendingPath(period: TrendingPeriod): string {
  return withQuery('/trending', { period: period === 'day' ? undefined : period });
}

function aboutBody(): Html {
  return html`<article class="prose about-trending">
  <h1>How trending works</h1>
  <p class="lead">Trending ranks papers by the attention they got over the period, divided by their age, so a paper rises while attention comes in faster than it ages, then falls.</p>
  <h2>In words</h2>
  <ol>
    <li>Count what happened over the period (the last 24 hours, 7 days or 30 days): votes cast here, upvotes the paper gained on Hugging Face, and stars its GitHub repository gained.</li>
    <li>Add them up as points: a vote here is worth ${HUB_VOTE_POINTS} points (it comes from this hub's own readers), an upvote on Hugging Face ${SOURCE_UPVOTE_POINTS},
      and stars count by their square root, so 100 new stars are worth 10 points and 400 are worth 20: a repository going viral cannot drown out what readers say.
      A repository's total stars do not count at all; a famous old repository is not news.</li>
    <li>Divide by gravity: one plus the paper's age (since it was listed) over the period's age scale, to the power ${GRAVITY}. A paper as old as the age scale needs about ${(2 ** GRAVITY).toFixed(1)} times the points of a brand-new one.</li>
    <li>Papers with nothing new in the period are not listed. Ties go to the newer paper.</li>
    <li>When nothing at all earned points over the period up to now (a hub of imported Hugging Face days, or one nobody voted on lately), the list looks back from the hub's newest activity instead, and says so above the cards.</li>
  </ol>
  <h2>As a formula</h2>
  <div class="formula">${renderMath(`$$${formulaTex('week')}$$`)}</div>
  <p>where <i>V</i><sub>hub</sub> is the votes here and <i>V</i><sub>HF</sub> the Hugging Face upvotes gained over the period, <i>S</i> the GitHub stars gained over it,
    and <i>t</i> the paper's age in hours. The age scale shown is the week's; each period has its own.</p>
  <h2>The constants</h2>
  <table class="constants">
    <thead><tr><th scope="col">Constant</th><th scope="col">Value</th><th scope="col">What it does</th></tr></thead>
    <tbody>
      <tr><td>Hub vote</td><td>${HUB_VOTE_POINTS} points</td><td>A vote cast on this hub.</td></tr>
      <tr><td>Hugging Face upvote</td><td>${SOURCE_UPVOTE_POINTS} point</td><td>An upvote gained on Hugging Face's daily papers.</td></tr>
      <tr><td>Stars</td><td>${STAR_POINTS_PER_SQRT} × √stars gained</td><td>Stars the linked repository gained over the period.</td></tr>
      <tr><td>Gravity</td><td>${GRAVITY}</td><td>How steeply age pulls a paper down (Hacker News uses 1.8).</td></tr>
      ${TRENDING_PERIODS.map((p) => html`<tr><td>Age scale, ${TITLES[p]}</td><td>${AGE_SCALE_HOURS[p]} h</td><td>Over ${SPANS[p]} (${PERIOD_HOURS[p]} h): longer periods are gentler with age.</td></tr>`)}
    </tbody>
  </table>
  <h2>A worked example</h2>
  ${workedExample()}
</article>`;
}

/** An example run through the real function, so its numbers always agree with the ranking. */
function workedExample(): Html {
  const now = new Date('2025-03-07T12:00:00.000Z');
  const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * 3_600_000).toISOString();
  const [entry] = trending(
    [{
      id: 'example',
      listedAt: at(30),
      votes: [at(20), at(12), at(9), at(5), at(3), at(1)],
      sourceUpvotes: [{ at: at(24), count: 25 }, { at: at(2), count: 40 }],
      stars: [{ at: at(100), count: 356 }, { at: at(2), count: 500 }],
    }],
    now,
    'week',
  );
  const p = entry!.parts;
  return html`<p>A paper listed ${p.ageHours} hours ago got ${p.hubVotes} votes here, ${p.sourceUpvotes} upvotes on Hugging Face and ${p.starsGained} new GitHub stars this week.</p>
  <p>Points: ${HUB_VOTE_POINTS} × ${p.hubVotes} + ${SOURCE_UPVOTE_POINTS} × ${p.sourceUpvotes} + ${STAR_POINTS_PER_SQRT} × √${p.starsGained}
    = ${HUB_VOTE_POINTS * p.hubVotes} + ${SOURCE_UPVOTE_POINTS * p.sourceUpvotes} + ${(STAR_POINTS_PER_SQRT * Math.sqrt(p.starsGained)).toFixed(0)} = <strong>${p.points.toFixed(0)}</strong>.</p>
  <p>Gravity: (1 + ${p.ageHours} / ${AGE_SCALE_HOURS.week})<sup>${GRAVITY}</sup> = ${p.gravity.toFixed(2)}. Score: ${p.points.toFixed(0)} / ${p.gravity.toFixed(2)} = <strong>${formatScore(entry!.score)}</strong>.</p>
  <p>Its card would say: ${trendingReasons(entry!, 'week')}.</p>`;
}
