// The search page: the query language explained, results with their matches marked, and a
// filter form that works without JavaScript.
import type { FastifyInstance } from 'fastify';
import { isBlankQuery } from '../../search/query.ts';
import type { SearchPage } from '../../store/store.ts';
import { notice, pager, paperCard } from '../components.ts';
import type { WebContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { html, type Html } from '../html.ts';
import { layout, sendPage } from '../layout.ts';
import { renderMarked } from '../math.ts';
import { optionalDayParam, pageParam, querystring, textParam } from '../schemas.ts';
import { parseSearch, type SearchParams } from '../search-request.ts';
import { searchPath, withQuery } from '../urls.ts';

const SEARCH_PAGE_SIZE = 20;

interface SearchQuerystring extends SearchParams {
  page: number;
}

const EXAMPLES: { q: string; what: string }[] = [
  { q: 'diffusion transformer', what: 'papers with both words' },
  { q: '"state space model"', what: 'an exact phrase' },
  { q: 'retrieval -survey', what: 'leave out papers mentioning a word' },
  { q: 'author:Hinton', what: 'papers by an author' },
  { q: 'reinforcement learning cat:cs.LG', what: 'only one arXiv category (cat:cs for the whole field)' },
  { q: 'language model since:2024-01-01 until:2024-06-30', what: 'published in a date range' },
];

export function registerSearchRoutes(app: FastifyInstance, ctx: WebContext): void {
  const schema = querystring({ q: textParam, page: pageParam, cat: textParam, since: optionalDayParam, until: optionalDayParam });

  app.get<{ Querystring: SearchQuerystring }>('/search', { schema }, async (request, reply) => {
    const params = request.query;
    const q = (params.q ?? '').trim();
    const { query, problems } = parseSearch(params);
    const view = { params, q, problems };
    if (isBlankQuery(query)) {
      const nothing = q ? [`There is nothing to search for in “${q.length > 80 ? `${q.slice(0, 80)}…` : q}”: use words, "a phrase", author:Name or cat:cs.LG.`] : [];
      const status = problems.length > 0 || q ? 400 : 200;
      return sendPage(reply, searchPage(ctx, { ...view, problems: [...problems, ...nothing] }), status);
    }
    const result = await ctx.store.search(query, { limit: SEARCH_PAGE_SIZE, offset: (params.page - 1) * SEARCH_PAGE_SIZE });
    const pages = Math.max(1, Math.ceil(result.total / SEARCH_PAGE_SIZE));
    if (params.page > pages && result.total > 0) {
      throw new HttpError(404, `There is no page ${params.page} of these results: they fill ${pages} page${pages === 1 ? '' : 's'}.`, [
        { href: resultsPath(params, pages), label: 'The last page' },
      ]);
    }
    return sendPage(reply, searchPage(ctx, { ...view, result, pages }));
  });
}

interface SearchView {
  params: SearchQuerystring;
  q: string;
  problems: string[];
  result?: SearchPage;
  pages?: number;
}

function searchPage(ctx: WebContext, view: SearchView): string {
  const { q, result } = view;
  return layout(ctx.site, {
    title: q ? `Search: ${q.slice(0, 80)}` : 'Search',
    section: 'search',
    q,
    body: html`<section class="search-page">
  <h1>${result ? html`Results for <q>${q.length > 120 ? `${q.slice(0, 120)}…` : q}</q>` : 'Search papers'}</h1>
  ${view.problems.map((p) => notice('warning', p))}
  <div class="with-sidebar">
    <div class="search-results">${result ? results(view, result) : examples()}</div>
    <aside class="search-side">${filterForm(view)}${help()}</aside>
  </div>
</section>`,
  });
}

function results(view: SearchView, result: SearchPage): Html {
  if (result.total === 0) {
    return notice(
      'info',
      html`<p><strong>No papers match.</strong> Try fewer words, drop a filter, or look for a shorter phrase.</p>`,
    );
  }
  return html`<p class="count">${result.total} paper${result.total === 1 ? '' : 's'} found${view.pages! > 1 ? ` · page ${view.params.page} of ${view.pages}` : ''}</p>
  <div class="cards">${result.hits.map((hit) =>
    paperCard(hit.paper, { titleHtml: renderMarked(hit.titleMarked), abstractHtml: hit.snippetMarked ? renderMarked(hit.snippetMarked) : undefined }),
  )}</div>
  ${pager({ page: view.params.page, pages: view.pages!, href: (n) => resultsPath(view.params, n) })}`;
}

function examples(): Html {
  return html`<div class="examples">
  <p class="lead">Search titles, abstracts and authors of every paper in this hub. Some searches to start from:</p>
  <ul>${EXAMPLES.map((e) => html`<li><a href="${searchPath(e.q)}"><code>${e.q}</code></a> <span class="muted">${e.what}</span></li>`)}</ul>
</div>`;
}

function filterForm(view: SearchView): Html {
  const { params } = view;
  return html`<form class="side-box filters" action="/search" method="get">
  <h2>Filters</h2>
  <input type="hidden" name="q" value="${view.q}">
  <label for="f-cat">Category</label>
  <input id="f-cat" name="cat" value="${params.cat ?? ''}" placeholder="cs.LG, math, hep-th" maxlength="40">
  <label for="f-since">Published since</label>
  <input id="f-since" name="since" type="date" value="${params.since ?? ''}">
  <label for="f-until">Published until</label>
  <input id="f-until" name="until" type="date" value="${params.until ?? ''}">
  <button type="submit">Apply filters</button>
</form>`;
}

function help(): Html {
  return html`<section class="side-box help" aria-labelledby="search-help">
  <h2 id="search-help">How to search</h2>
  <dl>
    <dt><code>word another</code></dt><dd>Papers with all the words (in title, abstract or authors). <code>diffus*</code> matches word beginnings.</dd>
    <dt><code>"exact phrase"</code></dt><dd>The words together, in this order.</dd>
    <dt><code>-word</code> <code>-"a phrase"</code></dt><dd>Leave out papers that contain it.</dd>
    <dt><code>author:Name</code></dt><dd>By an author; quote full names: <code>author:"Yann LeCun"</code>.</dd>
    <dt><code>cat:cs.LG</code></dt><dd>In an arXiv category; <code>cat:cs</code> takes the whole field.</dd>
    <dt><code>since:2024-01-01</code> <code>until:2024-06</code></dt><dd>Published in a date range (a year, month or day).</dd>
  </dl>
</section>`;
}

function resultsPath(params: SearchQuerystring, page: number): string {
  return withQuery('/search', { q: params.q, cat: params.cat, since: params.since, until: params.until, page: page > 1 ? page : undefined });
}
