// A search as the page and the API receive it: the box's text plus the filter form's fields,
// parsed into one SearchQuery by the query language in src/search/query.ts.
import { MAX_QUERY_LENGTH, parseQuery, type ParsedQuery } from '../search/query.ts';
import { HttpError } from './errors.ts';

export interface SearchParams {
  q?: string;
  cat?: string;
  since?: string;
  until?: string;
}

/** Parses q and the filters. A q over the length limit is refused with a 400 that says so. */
export function parseSearch(params: SearchParams): ParsedQuery {
  const q = params.q ?? '';
  if (q.length > MAX_QUERY_LENGTH) {
    throw new HttpError(400, `Your search is ${q.length} characters long; the limit is ${MAX_QUERY_LENGTH}. Shorten it and search again.`, [
      { href: '/search', label: 'A new search' },
    ]);
  }
  const filters = [
    params.cat?.trim() ? `cat:"${params.cat.trim().replace(/"/g, '')}"` : '',
    params.since ? `since:${params.since}` : '',
    params.until ? `until:${params.until}` : '',
  ];
  return parseQuery([q, ...filters].filter(Boolean).join(' '));
}
