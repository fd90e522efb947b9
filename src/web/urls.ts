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

/** author:"Ada Lovelace" as a search. */
export function authorPath(name: string): string {
  return searchPath(`author:"${name.replace(/"/g, '')}"`);
}

/** Papers like a paper: /search?like=ID. */
export function likePath(id: string): string {
  return withQuery('/search', { like: id });
}

/** A topic page's canonical address: the query, trimmed, as one encoded path segment. */
export function topicPath(query: string): string {
  return `/topics/${encodeURIComponent(query.trim())}`;
}
