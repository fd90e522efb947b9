// The frame around every page: head, header with search and navigation, footer.
import type { FastifyReply } from 'fastify';
import type { Site } from './context.ts';
import { DAILY_FEED, TRENDING_FEED, type FeedRef } from './feeds.ts';
import { html, raw, type Html } from './html.ts';
import { jsonFeedPath } from './urls.ts';
import { csrfField, hasRole, signInPath, type Viewer } from './viewer.ts';

export type Section = 'trending' | 'day' | 'week' | 'month' | 'search' | 'topic' | 'paper' | 'error' | 'account' | 'community' | 'admin' | 'about';

export interface PageOptions {
  title: string;             // the page's own title; the site name is added
  body: Html;
  section?: Section;
  q?: string;                // keeps the query in the header's search box
  mode?: string;             // keeps a search mode other than the default for the next search
  description?: string;
  /** The page's own feeds (their Atom paths), offered to feed readers before the hub's. */
  feeds?: FeedRef[];
}

const NAV: { section: Section; href: string; label: string }[] = [
  { section: 'trending', href: '/trending', label: 'Trending' },
  { section: 'day', href: '/', label: 'Daily' },
  { section: 'week', href: '/week', label: 'Weekly' },
  { section: 'month', href: '/month', label: 'Monthly' },
];

export function layout(site: Site, options: PageOptions): string {
  const title = options.title ? `${options.title} · ${site.name}` : site.name;
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title}</title>
${options.description ? html`<meta name="description" content="${options.description}">` : ''}
<link rel="stylesheet" href="/static/katex/katex.min.css">
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
${feedLinks(site, options.feeds ?? [])}
<script src="/static/suggest.js" defer></script><script src="/static/community.js" defer></script><script src="/static/subscribe.js" defer></script><script src="/static/keys.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
  <div class="wrap header-row">
    <a class="brand" href="/">${logo}<span>${site.name}</span></a>
    <form class="header-search" action="/search" method="get" role="search">
      <label class="visually-hidden" for="site-q">Search papers</label>
      <input id="site-q" name="q" type="search" value="${options.q ?? ''}" placeholder="Search titles, abstracts, author:, cat:…" maxlength="500" autocomplete="off">
      ${options.mode && options.mode !== 'hybrid' ? html`<input type="hidden" name="mode" value="${options.mode}">` : ''}
      <button type="submit">Search</button>
    </form>
    <nav class="site-nav" aria-label="Listings">
      ${NAV.map((n) => html`<a href="${n.href}"${n.section === options.section ? html` aria-current="page"` : ''}>${n.label}</a>`)}
    </nav>
    ${raw(ACCOUNT_SLOT)}
  </div>
</header>
<main id="main" class="wrap">
${options.body}
</main>
<footer class="site-footer">
  <div class="wrap">
    <p>${site.name} is a self-hosted paper hub. Paper metadata from <a href="https://arxiv.org">arXiv</a>; upvotes and summaries from <a href="https://huggingface.co/papers">Hugging Face</a> where imported. <a href="/search">Search help</a> · <a href="/feeds">Feeds</a> · <a href="/docs">JSON API</a></p>
  </div>
</footer>
</body>
</html>`.value}\n`;
}

/** Autodiscovery: the page's own feeds, then the hub's daily and trending feeds; JSON Feed for the page's own. */
function feedLinks(site: Site, own: FeedRef[]): Html {
  const atom = [...own, ...[DAILY_FEED, TRENDING_FEED].filter((hub) => !own.some((f) => f.href === hub.href))];
  return html`${atom.map((f) => html`<link rel="alternate" type="application/atom+xml" title="${f.title} · ${site.name}" href="${f.href}">
`)}${own.map(
    (f) => html`<link rel="alternate" type="application/feed+json" title="${f.title} · ${site.name}" href="${jsonFeedPath(f.href)}">
`,
  )}`;
}

const logo = html`<svg class="logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false"><rect x="3" y="5" width="26" height="22" rx="5" fill="currentColor" opacity=".14"/><path d="M9 11h9M9 16h14M9 21h14" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/><circle cx="23" cy="11" r="2.6" fill="currentColor"/></svg>`;

/**
 * Where the header's account area goes. layout() knows nothing of the request, so it leaves this
 * marker and sendPage fills it in for the viewer; page text cannot forge it, as html`` escapes "<".
 */
const ACCOUNT_SLOT = '<!--paperboy:account-->';

/** The header's account area: sign in for visitors; profile, settings, admin and sign out for users. */
export function accountArea(viewer: Viewer | undefined, currentPath: string): Html {
  const user = viewer?.user;
  if (!viewer || !user) {
    const path = currentPath.split('?')[0];
    return html`<div class="account-area"><a href="${path === '/signin' ? '/signin' : signInPath(currentPath)}">Sign in</a></div>`;
  }
  return html`<div class="account-area">
      <a href="/u/${user.name}">${user.name}</a>
      <a href="/settings">Settings</a>
      ${hasRole(user, 'moderator') ? html`<a href="/admin">Admin</a>` : ''}
      <form method="post" action="/signout">${csrfField(viewer)}<button type="submit" class="link-button">Sign out</button></form>
    </div>`;
}

/** Sends a rendered page, with the account area for whoever asked. */
export function sendPage(reply: FastifyReply, page: string, status = 200): FastifyReply {
  const request = reply.request;
  const area = accountArea(request.viewer, request.method === 'GET' ? request.url : '/').value;
  return reply.code(status).type('text/html; charset=utf-8').send(page.replace(ACCOUNT_SLOT, area));
}
