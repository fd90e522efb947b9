// Author pages: /authors/<name>, an author's papers in this hub, newest first, found by any
// spelling of the name (the store matches names through normalizeAuthorName), with the people the
// author writes with most. Every author link in the hub leads here.
import type { FastifyInstance } from 'fastify';
import { normalizeAuthorName } from '../../paper/text.ts';
import type { AuthorPapers, PaperSummary } from '../../store/store.ts';
import { pager, paperCard } from '../components.ts';
import type { WebContext } from '../context.ts';
import { deliveryBar } from '../delivery.ts';
import { HttpError, truncate } from '../errors.ts';
import type { FeedRef } from '../feeds.ts';
import { html, type Html } from '../html.ts';
import { layout, sendPage } from '../layout.ts';
import { pageParam, querystring } from '../schemas.ts';
import { authorPath, authorSearchPath, feedPath, withQuery } from '../urls.ts';
import { cardsFor } from './community.ts';

export const AUTHOR_PAGE_SIZE = 30;
/** Co-authors are counted over the author's latest papers, this many: one more query however prolific the author. */
const CO_AUTHOR_SAMPLE = 100;
/**
 * Papers with more authors than this are left out of the count: in a collaboration's paper
 * everyone is everyone's co-author, which says nothing about who works together.
 */
const CO_AUTHOR_MAX_AUTHORS = 50;
const CO_AUTHORS_SHOWN = 10;

interface CoAuthor {
  name: string;
  papers: number;
}

export function registerAuthorRoutes(app: FastifyInstance, ctx: WebContext): void {
  // A wildcard, not a :param: a name may hold "/" (as %2F) and be longer than a path parameter may.
  app.get<{ Params: { '*': string }; Querystring: { page: number } }>('/authors/*', { schema: querystring({ page: pageParam }) }, async (request, reply) => {
    const given = request.params['*'];
    const { page } = request.query;
    const [found, recent] = await Promise.all([
      findAuthor(ctx, given, { limit: AUTHOR_PAGE_SIZE, offset: (page - 1) * AUTHOR_PAGE_SIZE }),
      ctx.store.authorPapers(given, { limit: CO_AUTHOR_SAMPLE }),
    ]);
    if (found.name !== given) return reply.redirect(authorPagePath(found.name, page), 301);
    const pages = Math.max(1, Math.ceil(found.total / AUTHOR_PAGE_SIZE));
    if (page > pages) {
      throw new HttpError(404, `There is no page ${page} here: ${found.name} has ${pages} page${pages === 1 ? '' : 's'} of papers.`, [
        { href: authorPagePath(found.name, pages), label: 'The last page' },
      ]);
    }
    const card = await cardsFor(ctx, request.viewer, found.papers);
    const feed = authorFeed(found.name);
    const delivery = deliveryBar(request.viewer, { feed, subscribe: { kind: 'author', target: found.name, label: `new papers by ${found.name}` } });
    const coAuthors = frequentCoAuthors(found.name, recent?.papers ?? []);
    return sendPage(
      reply,
      layout(ctx.site, {
        ...authorHeading(found.name),
        feeds: [feed],
        body: html`<section class="author-page">
  <p class="kicker">Author</p>
  <h1>${found.name}</h1>
  <p class="lead">${countLine(found, page, pages)} Also search: <a href="${authorSearchPath(found.name)}">author:"${found.name}"</a></p>
  ${delivery}
  <div class="with-sidebar">
    <div class="author-papers">
      <div class="cards">${found.papers.map((p) => paperCard(p, card(p)))}</div>
      ${pager({ page, pages, href: (n) => authorPagePath(found.name, n) })}
    </div>
    <aside class="author-side">${coAuthors.length > 0 ? coAuthorBox(coAuthors) : ''}</aside>
  </div>
</section>`,
      }),
    );
  });
}

/** The author a path names, by any spelling, with a page of their papers; a 404 that points to search otherwise. */
export async function findAuthor(ctx: WebContext, given: string, page: { limit: number; offset: number }): Promise<AuthorPapers> {
  const found = given.trim() ? await ctx.store.authorPapers(given, page) : undefined;
  if (!found) {
    const name = truncate(given.trim(), 80);
    throw new HttpError(
      404,
      name
        ? `There is no author called “${name}” in this hub. Names match whatever their accents, case and punctuation; a search finds papers whose author lists spell the name another way.`
        : 'An author page needs a name, like /authors/Ada Lovelace. Search for an author instead.',
      [
        { href: name ? authorSearchPath(name) : '/search', label: name ? `Search for author:"${name}"` : 'Search' },
        { href: '/', label: 'Back to the latest papers' },
      ],
    );
  }
  return found;
}

/** An author page's title and description, which its feed shares. */
export function authorHeading(name: string): { title: string; description: string } {
  return { title: `Papers by ${name}`, description: `The papers by ${name} in this hub, newest first.` };
}

export function authorFeed(name: string): FeedRef {
  return { href: feedPath(authorPath(name)), title: authorHeading(name).title };
}

function authorPagePath(name: string, page: number): string {
  return withQuery(authorPath(name), { page: page > 1 ? page : undefined });
}

function countLine(found: AuthorPapers, page: number, pages: number): string {
  const n = found.total;
  return `${n.toLocaleString('en-US')} paper${n === 1 ? '' : 's'} in this hub, newest first${pages > 1 ? `, page ${page} of ${pages}` : ''}.`;
}

/**
 * The people who share at least two of the author's recent papers, most shared first. Spellings
 * of one name count as one person, shown as it is most often written.
 */
function frequentCoAuthors(name: string, papers: PaperSummary[]): CoAuthor[] {
  const self = normalizeAuthorName(name);
  const people = new Map<string, { papers: number; spellings: Map<string, number> }>();
  for (const paper of papers) {
    if (paper.authors.length > CO_AUTHOR_MAX_AUTHORS) continue;
    const seen = new Set<string>([self]);
    for (const author of paper.authors) {
      const key = normalizeAuthorName(author);
      if (!key || seen.has(key)) continue;
      seen.add(key);
      const person = people.get(key) ?? people.set(key, { papers: 0, spellings: new Map() }).get(key)!;
      person.papers += 1;
      person.spellings.set(author, (person.spellings.get(author) ?? 0) + 1);
    }
  }
  return [...people.values()]
    .filter((p) => p.papers >= 2)
    .map((p) => ({ name: [...p.spellings].reduce((a, b) => (b[1] > a[1] ? b : a))[0], papers: p.papers }))
    .sort((a, b) => b.papers - a.papers || a.name.localeCompare(b.name))
    .slice(0, CO_AUTHORS_SHOWN);
}

function coAuthorBox(coAuthors: CoAuthor[]): Html {
  return html`<section class="side-box co-authors" aria-labelledby="co-authors">
  <h2 id="co-authors">Frequent co-authors</h2>
  <ul>${coAuthors.map((c) => html`<li><a href="${authorPath(c.name)}">${c.name}</a> <span class="muted">${c.papers} papers together</span></li>`)}</ul>
</section>`;
}
