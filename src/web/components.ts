// Pieces that several pages share: the paper card, author lines, category chips, the pager.
import type { Collection, VoteState } from '../store/community.ts';
import type { PaperSummary } from '../store/store.ts';
import { html, join, type Html } from './html.ts';
import { renderMath, snippet } from './math.ts';
import { formatDay } from './periods.ts';
import { authorPath, categoryPath, paperPath } from './urls.ts';
import { csrfField, signInPath, type Viewer } from './viewer.ts';

const CARD_AUTHORS = 4;
const CARD_ABSTRACT_CHARS = 300;

export interface CardOptions {
  /** Title and abstract already rendered (search results with their matches marked). */
  titleHtml?: Html;
  abstractHtml?: Html;
  /** Without the abstract (lists of related papers). */
  compact?: boolean;
  /** A small line under the details, e.g. how a search found the paper. */
  note?: Html;
  /** Who is looking: a visitor's vote box offers to sign in, a user's is a button. Absent: a plain count. */
  viewer?: Viewer;
  /** Show the paper's Hugging Face thumbnail beside it (the hub allows remote images). */
  thumbnail?: boolean;
  community?: CardCommunity;
}

/** What the community adds to a card; pages load it for all their cards at once (see pages/community.ts). */
export interface CardCommunity {
  /** Hub votes; absent when nobody here has voted. */
  votes?: VoteState;
  /** The viewer's collections, and which of them hold this paper. */
  collections?: { all: Collection[]; holding: number[] };
}

/** Where a form about a paper posts: old-style ids keep their slash inside one path segment. */
export function paperAction(id: string, action: string): string {
  return `/papers/${encodeURIComponent(id)}/${action}`;
}

export function paperCard(paper: PaperSummary, options: CardOptions = {}): Html {
  const day = (paper.listedAt || paper.published || '').slice(0, 10);
  const abstract = options.compact
    ? undefined
    : (options.abstractHtml ?? (paper.abstract ? renderMath(snippet(paper.abstract, CARD_ABSTRACT_CHARS), { inline: true }) : undefined));
  return html`<article class="card${options.compact ? ' card-compact' : ''}">
  ${voteBox(paper, options.viewer, options.community?.votes)}
  <div class="card-body">
    <h3 class="card-title"><a href="${paperPath(paper.id)}">${options.titleHtml ?? renderMath(paper.title)}</a></h3>
    ${paper.authors.length > 0 ? html`<p class="authors">${authorList(paper.authors, CARD_AUTHORS, false)}</p>` : ''}
    ${abstract ? html`<p class="abstract">${abstract}</p>` : ''}
    <div class="meta">
      <span class="paper-id">arXiv:${paper.id}</span>
      ${paper.organization ? html`<span class="org" title="Submitted to Hugging Face's daily papers by ${paper.organization}">${paper.organization}</span>` : ''}
      ${day ? html`<time datetime="${day}">${formatDay(day, 'short')}</time>` : ''}
      ${paper.githubRepo ? githubLink(paper.githubRepo, paper.githubStars) : ''}
      ${paper.numComments ? html`<span class="comments" title="Comments on Hugging Face">${commentIcon} ${paper.numComments}</span>` : ''}
      ${categoryChips(paper.categories.slice(0, 4))}
    </div>
    ${options.note ?? ''}
    ${options.viewer?.user && options.community?.collections ? collectMenu(paper.id, options.viewer, options.community.collections) : ''}
  </div>
  ${options.thumbnail && paper.thumbnail && !options.compact ? html`<a class="card-thumb" href="${paperPath(paper.id)}" tabindex="-1" aria-hidden="true"><img src="${paper.thumbnail}" alt="" loading="lazy" decoding="async" width="200" height="112" referrerpolicy="no-referrer"></a>` : ''}
</article>`;
}

/**
 * The vote count in a box on the card's left, as Hugging Face shows it: votes here and upvotes
 * on the source as one number. A signed-in viewer's box is a button that casts or withdraws a vote.
 */
export function voteBox(paper: PaperSummary, viewer: Viewer | undefined, votes: VoteState | undefined): Html {
  const here = votes?.count ?? 0;
  const total = here + (paper.upvotes ?? 0);
  const title = paper.upvotes === undefined ? `${here} here` : `${here} here + ${paper.upvotes} on Hugging Face`;
  const none = here === 0 && paper.upvotes === undefined;
  const count = html`<span class="arrow" aria-hidden="true">▲</span><span class="vote-count">${none && !viewer?.user ? '–' : compactNumber(total)}</span><span class="visually-hidden"> upvote${total === 1 ? '' : 's'}</span>`;
  if (viewer?.user) {
    const voted = votes?.voted ?? false;
    return html`<form class="vote-form" method="post" action="${paperAction(paper.id, 'vote')}" data-async="vote" data-source="${paper.upvotes ?? 0}">
    ${csrfField(viewer)}<input type="hidden" name="up" value="${voted ? '0' : '1'}">
    <button type="submit" class="votes${voted ? ' voted' : ''}" aria-pressed="${voted ? 'true' : 'false'}" title="${title}${voted ? ' (click to withdraw your vote)' : ''}">${count}</button>
  </form>`;
  }
  const cls = `votes${none ? ' votes-none' : ''}`;
  if (viewer) return html`<a class="${cls}" href="${signInPath(paperPath(paper.id))}" title="${title}; sign in to upvote">${count}</a>`;
  return html`<div class="${cls}" title="${none ? 'No upvotes yet' : title}">${count}</div>`;
}

/** "Save to a collection": a menu of the viewer's collections, each a button that adds or removes the paper. */
export function collectMenu(paperId: string, viewer: Viewer, collections: NonNullable<CardCommunity['collections']>): Html {
  const holding = new Set(collections.holding);
  return html`<details class="collect">
    <summary>Save${holding.size > 0 ? html` <span class="muted">(in ${holding.size})</span>` : ''}</summary>
    <div class="collect-menu">
      ${collections.all.length > 0 ? html`<ul>${collections.all.map((c) => html`<li>${collectButton(paperId, viewer, c, holding.has(c.key))}</li>`)}</ul>` : html`<p class="muted">No collections yet.</p>`}
      <a href="/collections/new?paper=${encodeURIComponent(paperId)}">New collection…</a>
    </div>
  </details>`;
}

export function collectButton(paperId: string, viewer: Viewer, collection: Collection, holds: boolean): Html {
  return html`<form method="post" action="/collections/${collection.key}/${holds ? 'remove' : 'add'}" data-async="collect">
    ${csrfField(viewer)}<input type="hidden" name="paperId" value="${paperId}">
    <button type="submit" class="collect-toggle" aria-pressed="${holds ? 'true' : 'false'}"><span class="check" aria-hidden="true">✓</span> ${collection.name}${collection.public ? '' : html` <span class="muted">(private)</span>`}</button>
  </form>`;
}

/**
 * Names, each linking to a search for the author. With `max`, the first few and a count of the rest.
 */
export function authorList(authors: string[], max = Infinity, links = true): Html {
  const shown = authors.slice(0, max);
  const names = shown.map((a) => (links ? html`<a href="${authorPath(a)}">${a}</a>` : html`${a}`));
  const rest = authors.length - shown.length;
  return html`${join(names, ', ')}${rest > 0 ? html` <span class="et-al">et al. (+${rest})</span>` : ''}`;
}

export function categoryChips(categories: string[]): Html {
  return html`${categories.map((c) => html`<a class="chip" href="${categoryPath(c)}">${c}</a>`)}`;
}

function githubLink(url: string, stars: number | undefined): Html {
  return html`<a class="gh" href="${safeUrl(url)}" rel="noopener nofollow">${githubIcon} GitHub${stars !== undefined ? html` <span class="stars" title="${stars} stars">★ ${compactNumber(stars)}</span>` : ''}</a>`;
}

/** 1234 -> 1.2k */
export function compactNumber(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, '')}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

/** Only http(s) links leave the site; anything else (javascript:, data:) becomes a harmless "#". */
export function safeUrl(url: string): string {
  return /^https?:\/\//i.test(url.trim()) ? url.trim() : '#';
}

export interface PagerOptions {
  page: number;
  pages: number;
  href: (page: number) => string;
}

export function pager({ page, pages, href }: PagerOptions): Html {
  if (pages <= 1) return html``;
  const numbers = pageNumbers(page, pages);
  return html`<nav class="pager" aria-label="Pages">
  ${page > 1 ? html`<a rel="prev" href="${href(page - 1)}">← Previous</a>` : html`<span class="disabled">← Previous</span>`}
  ${numbers.map((n) =>
    n === undefined
      ? html`<span class="gap">…</span>`
      : n === page
        ? html`<span class="current" aria-current="page">${n}</span>`
        : html`<a href="${href(n)}">${n}</a>`,
  )}
  ${page < pages ? html`<a rel="next" href="${href(page + 1)}">Next →</a>` : html`<span class="disabled">Next →</span>`}
</nav>`;
}

/** 1 … 4 5 [6] 7 8 … 20: the first, the last and two either side of the current page. */
function pageNumbers(page: number, pages: number): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (let n = 1; n <= pages; n++) {
    if (n === 1 || n === pages || Math.abs(n - page) <= 2) out.push(n);
    else if (out[out.length - 1] !== undefined) out.push(undefined);
  }
  return out;
}

export function notice(kind: 'info' | 'warning', body: Html | string): Html {
  return html`<div class="notice notice-${kind}" role="${kind === 'warning' ? 'alert' : 'status'}">${body}</div>`;
}

/** `code` spans in a plain sentence (used for the import hint) become <code>. */
export function withCode(text: string): Html {
  return html`${text.split(/`([^`]+)`/).map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}

const githubIcon = html`<svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false"><path fill="currentColor" d="M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49-2.01.37-2.53-.49-2.69-.94-.09-.23-.48-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 1.23.82.72 1.21 1.87.87 2.33.66.07-.52.28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59.82-2.15-.08-.2-.36-1.02.08-2.12 0 0 .67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 3.95.29.25.54.73.54 1.48 0 1.07-.01 1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0016 8c0-4.42-3.58-8-8-8z"/></svg>`;
const commentIcon = html`<svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false"><path fill="currentColor" d="M2 2.75C2 1.78 2.78 1 3.75 1h8.5c.97 0 1.75.78 1.75 1.75v6.5c0 .97-.78 1.75-1.75 1.75H7.06l-2.6 2.6A.75.75 0 013.2 13V11h-.45A1.75 1.75 0 011 9.25v-6.5z"/></svg>`;
