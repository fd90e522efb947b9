// Links between pages, built in one place so every page agrees on them.

/** A path with a query string; parameters that are undefined, empty or at their default are left out. */
export function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') qs.set(key, String(value));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export function paperPath(id: string): string {
  return `/papers/${id}`; // canonical ids are [0-9a-z.-/] only: nothing to encode
}

export function dayPath(day: string): string {
  return withQuery('/', { date: day });
}

export function searchPath(q: string): string {
  return withQuery('/search', { q });
}

export function categoryPath(category: string): string {
  return searchPath(`cat:${category}`);
}

/** An author's page: their papers in this hub, by any spelling of the name. */
export function authorPath(name: string): string {
  return `/authors/${pathSegment(name)}`;
}

/** author:"Ada Lovelace" as a search. */
export function authorSearchPath(name: string): string {
  return searchPath(`author:"${name.replace(/"/g, '')}"`);
}

/** Papers like a paper: /search?like=ID. */
export function likePath(id: string): string {
  return withQuery('/search', { like: id });
}

/** A topic page's canonical address: the query, trimmed, as one encoded path segment. */
export function topicPath(query: string): string {
  return `/topics/${pathSegment(query.trim())}`;
}

export const FEED_FORMATS = ['atom', 'json'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

/** A page's feed: its path with .atom (or .json) before the query string: /week/2025-W10.atom, /search.atom?q=x. */
export function feedPath(pagePath: string, format: FeedFormat = 'atom'): string {
  const at = pagePath.indexOf('?');
  return at < 0 ? `${pagePath}.${format}` : `${pagePath.slice(0, at)}.${format}${pagePath.slice(at)}`;
}

/** The JSON Feed beside an Atom feed. */
export function jsonFeedPath(atomPath: string): string {
  return atomPath.replace(/\.atom(?=\?|$)/, '.json');
}

/** The feed format a raw (undecoded) request path asks for by its suffix, if any. */
export function feedFormatOf(rawPath: string): FeedFormat | undefined {
  return FEED_FORMATS.find((format) => rawPath.endsWith(`.${format}`));
}

/**
 * Text as one path segment. A text that itself ends in ".atom" or ".json" keeps that dot
 * encoded (%2E), so its page is not mistaken for its feed: feeds are told apart on the raw URL.
 */
function pathSegment(text: string): string {
  const encoded = encodeURIComponent(text);
  const format = feedFormatOf(encoded);
  return format ? `${encoded.slice(0, -format.length - 1)}%2E${format}` : encoded;
}
