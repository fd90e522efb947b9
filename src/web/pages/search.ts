// The search page: the query language explained, results ranked by keywords, by meaning or both
// (each saying how it was found), papers like a paper (?like=ID) or like a pasted text
// (POST /search/like), and a filter form, all working without JavaScript.
import type { FastifyInstance } from 'fastify';
import { isBlankQuery } from '../../search/query.ts';
import type { PaperSummary } from '../../store/store.ts';
import { notice, pager, paperCard, withCode, type CardOptions } from '../components.ts';
import type { WebContext } from '../context.ts';
import { deliveryBar, type DeliveryOptions } from '../delivery.ts';
import { HttpError, truncate } from '../errors.ts';
import type { FeedRef } from '../feeds.ts';
import { html, type Html } from '../html.ts';
import { layout, sendPage } from '../layout.ts';
import { renderMarked, renderMath, snippet } from '../math.ts';
import {
  checkLikeText,
  MAX_LIKE_TEXT,
  MODE_LABELS,
  papersLikePaper,
  papersLikeText,
  rankedSearch,
  type LikeResult,
  type RankedHit,
  type RankedResult,
  type SearchMode,
} from '../ranked.ts';
import { modeParam, optionalDayParam, pageParam, querystring, textParam } from '../schemas.ts';
import { parseSearch, type SearchParams } from '../search-request.ts';
import { feedPath, paperPath, searchPath, withQuery } from '../urls.ts';
import type { Viewer } from '../viewer.ts';
import { cardsFor } from './community.ts';

export const SEARCH_PAGE_SIZE = 20;
/** Papers like a pasted text: one page, since a POST cannot be paged by links. */
const LIKE_TEXT_RESULTS = 30;

export interface SearchQuerystring extends SearchParams {
  page: number;
  mode: SearchMode;
  like?: string;
}

const EXAMPLES: { q: string; what: string }[] = [
  { q: 'diffusion transformer', what: 'papers with either word, those with both first' },
  { q: '"state space model"', what: 'an exact phrase' },
  { q: 'retrieval -survey', what: 'leave out papers mentioning a word' },
  { q: 'author:Hinton', what: 'papers by an author' },
  { q: 'reinforcement learning cat:cs.LG', what: 'only one arXiv category (cat:cs for the whole field)' },
  { q: 'language model since:2024-01-01 until:2024-06-30', what: 'published in a date range' },
];

const MODE_HINTS: Record<SearchMode, string> = {
  hybrid: 'Keyword ranking and meaning blended: the default.',
  keyword: 'Only papers containing your words, ranked by how many and how rare.',
  meaning: 'Papers about the same thing, even in other words.',
};

/** What /search takes, and its feed too. */
export const SEARCH_SCHEMA = querystring({ q: textParam, page: pageParam, cat: textParam, since: optionalDayParam, until: optionalDayParam, mode: modeParam, like: textParam });

export function registerSearchRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Querystring: SearchQuerystring }>('/search', { schema: SEARCH_SCHEMA }, async (request, reply) => {
    const params = request.query;
    const q = (params.q ?? '').trim();
    const { query, problems } = parseSearch(params);
    const offset = (params.page - 1) * SEARCH_PAGE_SIZE;
    const like = params.like?.trim();

    if (like) {
      const result = await papersLikePaper(ctx, like, query, { limit: SEARCH_PAGE_SIZE, offset });
      const pages = checkPage(params, result);
      const card = await cardsFor(ctx, request.viewer, result.hits.map((h) => h.paper));
      return sendPage(reply, searchPage(ctx, { kind: 'like', params: { ...params, like: result.source.id }, q, problems, result, pages, card }));
    }

    const view = { kind: 'search' as const, params, q, problems };
    if (isBlankQuery(query)) {
      const nothing = q ? [nothingToSearch(q)] : [];
      const status = problems.length > 0 || q ? 400 : 200;
      return sendPage(reply, searchPage(ctx, { ...view, problems: [...problems, ...nothing] }), status);
    }
    const result = await rankedSearch(ctx, query, params.mode, { limit: SEARCH_PAGE_SIZE, offset });
    const pages = checkPage(params, result);
    const card = await cardsFor(ctx, request.viewer, result.hits.map((h) => h.paper));
    return sendPage(reply, searchPage(ctx, { ...view, result, pages, card, viewer: request.viewer }));
  });

  // No CSRF token: this POST changes nothing, it only carries a text too long for a URL.
  app.post<{ Body: { text?: unknown } | undefined }>('/search/like', async (request, reply) => {
    const text = checkLikeText(request.body?.text);
    const result = await papersLikeText(ctx, text, LIKE_TEXT_RESULTS);
    const params: SearchQuerystring = { page: 1, mode: 'meaning' };
    const card = await cardsFor(ctx, request.viewer, result.hits.map((h) => h.paper));
    return sendPage(reply, searchPage(ctx, { kind: 'text', params, q: '', problems: [], result, pages: 1, text, card }));
  });
}

/** The number of pages; a page past the last is a 404 pointing at the last. */
function checkPage(params: SearchQuerystring, result: RankedResult): number {
  const pages = Math.max(1, Math.ceil(result.pageable / SEARCH_PAGE_SIZE));
  if (params.page > pages && result.total > 0) {
    const which = result.pageable < result.total ? `the top ${result.pageable} of these results fill` : 'these results fill';
    throw new HttpError(404, `There is no page ${params.page}: ${which} ${pages} page${pages === 1 ? '' : 's'}.`, [
      { href: resultsPath(params, pages), label: 'The last page' },
    ]);
  }
  return pages;
}

interface SearchView {
  /** A search by words, papers like a paper, or papers like a pasted text. */
  kind: 'search' | 'like' | 'text';
  params: SearchQuerystring;
  q: string;
  problems: string[];
  result?: RankedResult | LikeResult;
  pages?: number;
  text?: string;
  /** Votes and collections on each card. */
  card?: (paper: PaperSummary) => CardOptions;
  /** Who is looking, for the Follow bar's form (searches with words only). */
  viewer?: Viewer;
}

function searchPage(ctx: WebContext, view: SearchView): string {
  const { q, result } = view;
  const source = view.kind === 'like' ? (result as LikeResult).source : undefined;
  const title = source ? `Papers like: ${source.title}` : view.kind === 'text' ? 'Papers like your text' : q ? `Search: ${q.slice(0, 80)}` : 'Search';
  return layout(ctx.site, {
    title,
    section: 'search',
    q,
    mode: view.kind === 'search' ? view.params.mode : undefined,
    feeds: followable(view) ? [searchFeed(view.params)] : undefined,
    body: html`<section class="search-page">
  ${heading(view, source)}
  ${view.problems.map((p) => notice('warning', p))}
  <div class="with-sidebar">
    <div class="search-results">${result ? results(view, result) : examples()}</div>
    <aside class="search-side">${filterForm(view)}${likeTextForm(view)}${help()}</aside>
  </div>
</section>`,
  });
}

function heading(view: SearchView, source: LikeResult['source'] | undefined): Html {
  if (source) {
    return html`<h1>Papers like: <a href="${paperPath(source.id)}">${renderMath(source.title)}</a></h1>
  <p class="lead back-link"><a href="${paperPath(source.id)}">← Back to the paper (arXiv:${source.id})</a></p>`;
  }
  if (view.kind === 'text') {
    return html`<h1>Papers like your text</h1>
  <blockquote class="pasted">${snippet(view.text ?? '', 400)}</blockquote>`;
  }
  const q = view.q;
  return html`<h1>${view.result ? html`Results for <q>${q.length > 120 ? `${q.slice(0, 120)}…` : q}</q>` : 'Search papers'}</h1>`;
}

function results(view: SearchView, result: RankedResult): Html {
  const top = html`${result.notice ? notice('info', withCode(result.notice)) : ''}
  <div class="toolbar">
    ${result.total > 0 ? html`<p class="count">${countLine(view, result)}</p>` : html`<span></span>`}
    ${view.kind === 'search' && result.ranked ? modeChoice(view.params) : ''}
  </div>
  ${followable(view) ? deliveryBar(view.viewer, followSearch(searchFeed(view.params), topicQuery(view.params))) : ''}`;
  if (result.total === 0 || result.hits.length === 0) {
    const hint =
      view.kind === 'search' && view.params.mode === 'keyword'
        ? html` or <a href="${resultsPath({ ...view.params, mode: 'meaning' }, 1)}">search by meaning</a>`
        : '';
    return html`${top}${notice(
      'info',
      html`<p><strong>No papers match.</strong> Try fewer words, drop a filter${hint}, or look for a shorter phrase.</p>`,
    )}`;
  }
  return html`${top}
  <div class="cards">${result.hits.map((hit) =>
    paperCard(hit.paper, {
      ...view.card?.(hit.paper),
      titleHtml: renderMarked(hit.titleMarked),
      abstractHtml: hit.snippetMarked ? renderMarked(hit.snippetMarked) : undefined,
      note: foundBy(hit),
    }),
  )}</div>
  ${view.pages! > 1 ? pager({ page: view.params.page, pages: view.pages!, href: (n) => resultsPath(view.params, n) }) : ''}
  ${followable(view) ? html`<p class="save-topic"><a href="${withQuery('/topics', { q: topicQuery(view.params) })}">Save as a topic page</a> <span class="muted">: a page to bookmark that lists the best matches as papers arrive.</span></p>` : ''}`;
}

/** "matched words #3 · similar meaning #1": where the paper stood in each ranking. */
export function foundBy(hit: RankedHit): Html | undefined {
  const parts = [
    hit.keywordRank !== undefined ? `matched words #${hit.keywordRank}` : '',
    hit.meaningRank !== undefined ? `similar meaning #${hit.meaningRank}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? html`<p class="found">${parts.join(' · ')}</p>` : undefined;
}

/** How many papers were found, said honestly: a ranked search pages through its top matches only. */
function countLine(view: SearchView, result: RankedResult): string {
  const n = result.total;
  const papers = (k: number) => `${k.toLocaleString('en-US')} paper${k === 1 ? '' : 's'}`;
  let line: string;
  if (view.kind !== 'search') {
    if (result.mode === 'meaning') line = `The ${papers(result.pageable)} closest in meaning`;
    else line = result.pageable < n ? `The top ${result.pageable} of ${papers(n)} sharing words with it` : `${papers(n)} sharing keywords`;
  }
  else if (!result.ranked) line = `${papers(n)} found, newest first`;
  else if (result.mode === 'meaning') line = `The ${papers(n)} closest in meaning`;
  else if (result.withAllWords !== undefined && result.withAllWords < n) line = allWordsLine(result, result.withAllWords);
  else if (result.pageable < n) line = `${papers(n)} match · showing the top ${result.pageable}`;
  else line = `${papers(n)} found`;
  return view.pages! > 1 ? `${line} · page ${view.params.page} of ${view.pages}` : line;
}

/**
 * Ranked by any word (and by meaning), nearly every paper "matches" a query of a few words; what a
 * reader wants counted is the papers that have all of them.
 */
function allWordsLine(result: RankedResult, all: number): string {
  const has = all === 0 ? 'No paper has all the words' : `${all.toLocaleString('en-US')} paper${all === 1 ? ' has' : 's have'} all the words`;
  const rest = result.mode === 'hybrid' ? 'ranked with the papers closest in meaning' : `${result.total.toLocaleString('en-US')} ${result.total === 1 ? 'has' : 'have'} some of them`;
  return `${has} · ${rest}, best first${result.pageable < result.total ? ` (the top ${result.pageable} shown)` : ''}`;
}

/** Keywords, meaning or both, as links that keep the query and filters. */
function modeChoice(params: SearchQuerystring): Html {
  return html`<nav class="sort modes" aria-label="Rank by">${(Object.keys(MODE_LABELS) as SearchMode[]).map(
    (mode) => html`<a href="${resultsPath({ ...params, mode }, 1)}" title="${MODE_HINTS[mode]}"${mode === params.mode ? html` aria-current="true"` : ''}>${MODE_LABELS[mode]}</a>`,
  )}</nav>`;
}

function examples(): Html {
  return html`<div class="examples">
  <p class="lead">Search titles, abstracts and authors of every paper in this hub, by their words and by what they mean. Some searches to start from:</p>
  <ul>${EXAMPLES.map((e) => html`<li><a href="${searchPath(e.q)}"><code>${e.q}</code></a> <span class="muted">${e.what}</span></li>`)}</ul>
</div>`;
}

function filterForm(view: SearchView): Html {
  const { params } = view;
  if (view.kind === 'text') return html``;
  return html`<form class="side-box filters" action="/search" method="get">
  <h2>Filters</h2>
  <input type="hidden" name="q" value="${view.q}">
  ${view.kind === 'like' ? html`<input type="hidden" name="like" value="${params.like ?? ''}">` : ''}
  ${view.kind === 'search' && params.mode !== 'hybrid' ? html`<input type="hidden" name="mode" value="${params.mode}">` : ''}
  <label for="f-cat">Category</label>
  <input id="f-cat" name="cat" value="${params.cat ?? ''}" placeholder="cs.LG, math, hep-th" maxlength="40">
  <label for="f-since">Published since</label>
  <input id="f-since" name="since" type="date" value="${params.since ?? ''}">
  <label for="f-until">Published until</label>
  <input id="f-until" name="until" type="date" value="${params.until ?? ''}">
  <button type="submit">Apply filters</button>
</form>`;
}

function likeTextForm(view: SearchView): Html {
  return html`<form class="side-box like-text" action="/search/like" method="post">
  <h2><label for="like-text">Find papers like a text</label></h2>
  <p class="muted">Paste an abstract (yours, or one from elsewhere) to find the papers here closest to it in meaning.</p>
  <textarea id="like-text" name="text" rows="6" maxlength="${MAX_LIKE_TEXT}" required placeholder="We propose…">${view.kind === 'text' ? (view.text ?? '') : ''}</textarea>
  <button type="submit">Find similar papers</button>
</form>`;
}

function help(): Html {
  return html`<section class="side-box help" aria-labelledby="search-help">
  <h2 id="search-help">How to search</h2>
  <dl>
    <dt><code>word another</code></dt><dd>Papers with any of the words (in title, abstract or authors), ranked by BM25: papers with more of the words, and rarer ones, come first. <code>diffus*</code> matches word beginnings.</dd>
    <dt><code>"exact phrase"</code></dt><dd>Required: only papers with the words together, in this order.</dd>
    <dt><code>-word</code> <code>-"a phrase"</code></dt><dd>Leave out papers that contain it.</dd>
    <dt><code>author:Name</code></dt><dd>By an author; quote full names: <code>author:"Yann LeCun"</code>.</dd>
    <dt><code>cat:cs.LG</code></dt><dd>In an arXiv category; <code>cat:cs</code> takes the whole field.</dd>
    <dt><code>since:2024-01-01</code> <code>until:2024-06</code></dt><dd>Published in a date range (a year, month or day).</dd>
    <dt>${MODE_LABELS.hybrid} · ${MODE_LABELS.keyword} · ${MODE_LABELS.meaning}</dt><dd>How results are ranked. <em>Meaning</em> finds papers about the same thing even when they use other words; <em>Both</em> blends it with the keyword ranking. Phrases, authors and filters apply in every mode.</dd>
  </dl>
</section>`;
}

/** "There is nothing to search for in …": a query with neither words nor filters (a 400). */
export function nothingToSearch(q: string): string {
  return `There is nothing to search for in “${truncate(q, 80)}”: use words, "a phrase", author:Name or cat:cs.LG.`;
}

/** A search by words, which a reader can save as a topic, follow in a feed reader or subscribe to. */
function followable(view: SearchView): boolean {
  return view.kind === 'search' && view.q !== '';
}

/** The search's text with the filter form's fields folded in: what a topic page runs. */
export function topicQuery(params: SearchParams): string {
  const { cat, since, until } = params;
  return [(params.q ?? '').trim(), cat?.trim() ? `cat:${cat.trim().replace(/[\s"]/g, '')}` : '', since ? `since:${since}` : '', until ? `until:${until}` : ''].filter(Boolean).join(' ');
}

/** A search's feed: /search.atom with the search's own parameters, the mode included. */
export function searchFeed(params: SearchQuerystring): FeedRef {
  return { href: feedPath(resultsPath({ ...params, like: undefined }, 1)), title: `Search: ${truncate(topicQuery(params), 80)}` };
}

/** The Follow bar of a search or a topic: its feed, and a digest of the new papers it finds. */
export function followSearch(feed: FeedRef, target: string): DeliveryOptions {
  return { feed, subscribe: { kind: 'search', target, label: `new papers on “${truncate(target, 80)}”` } };
}

export function resultsPath(params: SearchQuerystring, page: number): string {
  return withQuery('/search', {
    q: params.q,
    like: params.like,
    cat: params.cat,
    since: params.since,
    until: params.until,
    mode: params.mode === 'hybrid' || params.like ? undefined : params.mode,
    page: page > 1 ? page : undefined,
  });
}
