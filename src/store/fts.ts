// Turns a parsed query into an FTS5 MATCH expression. Every user word is quoted, so FTS5's own
// syntax (AND, NEAR, column:, *, ^) can never be injected by a query.
import type { SearchQuery } from './store.ts';

function quote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** A term ending in * is a prefix search ("diffus*"); anything else is matched as written. */
function term(word: string): string {
  return word.length > 1 && word.endsWith('*') ? `${quote(word.slice(0, -1))} *` : quote(word);
}

/** The MATCH expression, or undefined when the query has nothing to rank by (filters only). */
export function buildMatch(q: SearchQuery): string | undefined {
  const positive = [
    ...q.terms.map(term),
    ...q.phrases.map(quote),
    ...q.authors.map((a) => `authors_text : ${quote(a)}`),
  ];
  if (positive.length === 0) return undefined;
  const negative = q.excludes.map((e) => ` NOT ${quote(e)}`).join('');
  return `(${positive.join(' AND ')})${negative}`;
}
