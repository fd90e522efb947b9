// Feeds: one model of a feed (what it is, where it lives, its papers), written out as Atom
// (RFC 4287) or as JSON Feed 1.1. Pages build the model from the same papers they show; the routes
// that serve it, with their caching headers, are in pages/feeds.ts.
import { createHash } from 'node:crypto';
import type { PaperSummary } from '../store/store.ts';
import { escapeHtml } from './html.ts';
import { paperPath } from './urls.ts';

export interface FeedLinks {
  /** The page the feed follows. All three are absolute URLs. */
  html: string;
  atom: string;
  json: string;
}

export interface FeedModel {
  /** A stable IRI: see feedId. */
  id: string;
  title: string;
  description: string;
  /** ISO instant: when anything in the feed last changed. */
  updated: string;
  /** The hub: its name and address. */
  author: { name: string; url: string };
  links: FeedLinks;
  entries: FeedEntry[];
}

export interface FeedEntry {
  id: string;
  title: string;
  /** The paper's page on this hub, and on arXiv (abstract, PDF). */
  url: string;
  abstractUrl: string;
  pdfUrl: string;
  authors: string[];
  published: string;
  updated: string;
  categories: string[];
  summary: string;
}

/** A feed as pages link to it: its Atom path, and a title for feed readers to show. */
export interface FeedRef {
  title: string;
  href: string;
}

/** The hub's feeds that every page's head offers, whatever the page. */
export const DAILY_FEED: FeedRef = { title: 'Daily papers', href: '/feed.atom' };
export const TRENDING_FEED: FeedRef = { title: 'Trending today', href: '/trending.atom' };

/** Past this many authors an entry names the first ones and counts the rest (collaborations list thousands). */
const MAX_ENTRY_AUTHORS = 25;

/** What a feed with no papers says it was last changed: never, as far as it knows. */
const NEVER = '1970-01-01T00:00:00.000Z';

/** The scheme arXiv's own Atom API gives its category terms. */
const ARXIV_CATEGORY_SCHEME = 'http://arxiv.org/schemas/atom';

const ARXIV = 'https://arxiv.org';

/**
 * A feed entry for a paper. Its id is the paper's arXiv abstract URL: arXiv keeps it for good, and
 * it does not change when this hub moves to another address. The same paper in two feeds is the
 * same entry, which is what Atom means by an id (readers may merge them).
 * `why` comes before the abstract in the summary (trending says why the paper is there).
 */
export function paperEntry(paper: PaperSummary, baseUrl: string, why?: string): FeedEntry {
  const listed = instant(paper.listedAt) ?? NEVER;
  const published = instant(paper.published) ?? listed;
  const shown = paper.authors.slice(0, MAX_ENTRY_AUTHORS);
  const rest = paper.authors.length - shown.length;
  const abstract = paper.abstract || paper.title;
  return {
    id: `${ARXIV}/abs/${paper.id}`,
    title: paper.title,
    url: `${baseUrl}${paperPath(paper.id)}`,
    abstractUrl: `${ARXIV}/abs/${paper.id}`,
    pdfUrl: `${ARXIV}/pdf/${paper.id}`,
    authors: rest > 0 ? [...shown, `et al. (+${rest})`] : shown,
    published,
    updated: latest([listed, published, instant(paper.updated) ?? published]),
    categories: paper.categories,
    summary: why ? `${why}\n\n${abstract}` : abstract,
  };
}

/** The feed's `updated`: its newest entry's, or `atLeast` where that is later (a collection's last edit). */
export function lastChange(entries: FeedEntry[], atLeast?: string): string {
  return latest([...entries.map((e) => e.updated), instant(atLeast) ?? NEVER]);
}

/**
 * A feed's id: a name-based UUID (version 5) of the feed's path, in a namespace drawn from this
 * hub's own secret. The base URL is not part of it, so a hub that moves behind another address
 * keeps its feeds' ids; the secret is, so two hubs' /feed.atom never share one. (A tag: URI would
 * need a domain this hub is sure to own for good, which a self-hosted hub cannot promise.)
 */
export function feedId(hubSecret: string, path: string): string {
  const namespace = createHash('sha256').update(`paperboy feed ids\n${hubSecret}`).digest().subarray(0, 16);
  const bytes = createHash('sha1').update(namespace).update(path).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function atom(feed: FeedModel): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<id>${text(feed.id)}</id>
<title type="text">${text(feed.title)}</title>
<subtitle type="text">${text(feed.description)}</subtitle>
<updated>${rfc3339(feed.updated)}</updated>
<author><name>${text(feed.author.name)}</name><uri>${text(feed.author.url)}</uri></author>
<generator>Paperboy</generator>
<link rel="self" type="application/atom+xml" href="${text(feed.links.atom)}"/>
<link rel="alternate" type="text/html" href="${text(feed.links.html)}"/>
<link rel="alternate" type="application/feed+json" href="${text(feed.links.json)}"/>
${feed.entries.map(atomEntry).join('')}</feed>
`;
}

function atomEntry(entry: FeedEntry): string {
  return `<entry>
<id>${text(entry.id)}</id>
<title type="text">${text(entry.title)}</title>
<link rel="alternate" type="text/html" href="${text(entry.url)}"/>
<link rel="related" type="text/html" title="arXiv" href="${text(entry.abstractUrl)}"/>
<link rel="related" type="application/pdf" title="PDF" href="${text(entry.pdfUrl)}"/>
${entry.authors.map((name) => `<author><name>${text(name)}</name></author>\n`).join('')}<published>${rfc3339(entry.published)}</published>
<updated>${rfc3339(entry.updated)}</updated>
${entry.categories.map((c) => `<category term="${text(c)}" scheme="${ARXIV_CATEGORY_SCHEME}"/>\n`).join('')}<summary type="text">${text(entry.summary)}</summary>
</entry>
`;
}

export function jsonFeed(feed: FeedModel): string {
  const body = {
    version: 'https://jsonfeed.org/version/1.1',
    title: feed.title,
    home_page_url: feed.links.html,
    feed_url: feed.links.json,
    description: feed.description,
    language: 'en',
    authors: [feed.author],
    items: feed.entries.map((entry) => ({
      id: entry.id,
      url: entry.url,
      external_url: entry.abstractUrl,
      title: entry.title,
      content_text: entry.summary,
      date_published: rfc3339(entry.published),
      date_modified: rfc3339(entry.updated),
      authors: entry.authors.map((name) => ({ name })),
      tags: entry.categories,
      attachments: [{ url: entry.pdfUrl, mime_type: 'application/pdf', title: 'PDF' }],
    })),
  };
  // The same text as the Atom feed carries: readers that turn one into the other get no surprises.
  return JSON.stringify(body, (_key, value: unknown) => (typeof value === 'string' ? xmlChars(value) : value));
}

/**
 * Characters XML 1.0 cannot carry even as references: C0 controls other than tab, line feed and
 * carriage return, U+FFFE and U+FFFF, and surrogates without their other half. Titles and
 * abstracts are untrusted; one NUL would make the whole feed unreadable.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlChars(s: string): string {
  return s.replace(NOT_XML, '');
}

/** Text for XML content or an attribute value: what HTML escapes is what XML needs escaped. */
function text(s: string): string {
  return escapeHtml(xmlChars(s));
}

/** An ISO instant from a stored date, or undefined when there is none or it cannot be read. */
function instant(s: string | undefined): string | undefined {
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

function latest(instants: string[]): string {
  return instants.reduce((a, b) => (b > a ? b : a));
}

/** RFC 3339 to the second, in UTC. */
function rfc3339(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}
