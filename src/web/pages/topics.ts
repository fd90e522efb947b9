// Topic pages: a search kept at an address of its own, /topics/<query>, to bookmark and come back
// to. Each visit runs the search again (keywords and meaning together), so the page follows the
// topic as papers arrive. /topics?q=... (the search page's "Save as a topic page") redirects there.
import type { FastifyInstance } from 'fastify';
import { isBlankQuery } from '../../search/query.ts';
import type { PaperSummary } from '../../store/store.ts';
import { notice, paperCard, withCode, type CardOptions } from '../components.ts';
import type { WebContext } from '../context.ts';
import { deliveryBar } from '../delivery.ts';
import { HttpError, truncate } from '../errors.ts';
import type { FeedRef } from '../feeds.ts';
import { html, type Html } from '../html.ts';
import { layout, sendPage } from '../layout.ts';
import { renderMarked } from '../math.ts';
import { rankedSearch, type RankedResult } from '../ranked.ts';
import { querystring, textParam } from '../schemas.ts';
import { parseSearch } from '../search-request.ts';
import { feedPath, searchPath, topicPath } from '../urls.ts';
import { cardsFor } from './community.ts';
import { followSearch, foundBy } from './search.ts';

const TOPIC_SIZE = 30;

const LINKS = [
  { href: '/search', label: 'Search instead' },
  { href: '/', label: 'Back to the latest papers' },
];

export function registerTopicRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Querystring: { q?: string } }>('/topics', { schema: querystring({ q: textParam }) }, async (request, reply) => {
    const q = checkedTopic(request.query.q ?? '');
    return reply.redirect(topicPath(q), 303);
  });

  // A wildcard, not a :param: a topic may contain "/" (as %2F) and be longer than a path parameter may.
  app.get<{ Params: { '*': string } }>('/topics/*', async (request, reply) => {
    const given = request.params['*'];
    const q = checkedTopic(given);
    if (q !== given) return reply.redirect(topicPath(q), 301);
    const { problems, result } = await topicResults(ctx, q);
    const card = await cardsFor(ctx, request.viewer, result.hits.map((h) => h.paper));
    const delivery = deliveryBar(request.viewer, followSearch(topicFeed(q), q));
    return sendPage(reply, topicPage(ctx, q, problems, result, card, delivery));
  });
}

/** What a topic page lists: the best matches for its query, by keywords and meaning together. */
export async function topicResults(ctx: WebContext, q: string): Promise<{ problems: string[]; result: RankedResult }> {
  const { query, problems } = parseSearch({ q });
  return { problems, result: await rankedSearch(ctx, query, 'hybrid', { limit: TOPIC_SIZE, offset: 0 }) };
}

/** A topic page's title and description, which its feed shares. */
export function topicHeading(q: string): { title: string; description: string } {
  return { title: `Topic: ${truncate(q, 80)}`, description: `The papers in this hub that best match “${truncate(q, 120)}”, updated as papers arrive.` };
}

export function topicFeed(q: string): FeedRef {
  return { href: feedPath(topicPath(q)), title: topicHeading(q).title };
}

/** The topic's query, trimmed; blank, unsearchable or over-long is a 400 that says so. */
export function checkedTopic(raw: string): string {
  const q = raw.trim();
  if (!q) {
    throw new HttpError(400, 'A topic page needs a topic: open /topics/ followed by a search, like /topics/diffusion speech synthesis, or use “Save as a topic page” under a search’s results.', LINKS);
  }
  const { query } = parseSearch({ q }); // throws the search page's 400 when the query is too long
  if (isBlankQuery(query)) {
    throw new HttpError(400, `There is nothing to follow in “${truncate(q, 80)}”: a topic is a search with words, "a phrase", author:Name or cat:cs.LG.`, LINKS);
  }
  return q;
}

function topicPage(ctx: WebContext, q: string, problems: string[], result: RankedResult, card: (paper: PaperSummary) => CardOptions, delivery: Html): string {
  const how = result.mode === 'hybrid' ? 'keywords and meaning together' : result.mode === 'meaning' ? 'meaning' : 'keywords only';
  const shown = result.hits.length;
  return layout(ctx.site, {
    ...topicHeading(q),
    section: 'topic',
    q,
    feeds: [topicFeed(q)],
    body: html`<section class="topic-page">
  <p class="kicker">Topic</p>
  <h1>${q}</h1>
  <p class="lead">The papers in this hub that best match this search (at most ${TOPIC_SIZE}), found by <strong>${how}</strong>.
    The search runs again each time this page is opened, so new papers on the topic appear here as they arrive: bookmark it to follow the topic.</p>
  ${problems.map((p) => notice('warning', p))}
  ${result.notice ? notice('info', withCode(result.notice)) : ''}
  <p class="topic-actions"><a class="button" href="${searchPath(q)}">Full search, with filters and every page →</a></p>
  ${delivery}
  ${
    shown === 0
      ? notice('info', html`<p><strong>No papers match yet.</strong> This page will list them once papers on the topic arrive.</p>`)
      : html`<p class="count">${topCount(result)}</p>
  <div class="cards">${result.hits.map((hit) =>
    paperCard(hit.paper, { ...card(hit.paper), titleHtml: renderMarked(hit.titleMarked), abstractHtml: hit.snippetMarked ? renderMarked(hit.snippetMarked) : undefined, note: foundBy(hit) }),
  )}</div>`
  }
</section>`,
  });
}

function topCount(result: RankedResult): string {
  const shown = result.hits.length;
  if (!result.ranked) return `The ${shown} newest of ${result.total} matching papers`;
  return result.total > shown ? `The top ${shown} of ${result.total.toLocaleString('en-US')} matches` : `${shown} matching paper${shown === 1 ? '' : 's'}`;
}
