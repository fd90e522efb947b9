// Turns a parsed query into an FTS5 MATCH expression. Every user word is quoted, so FTS5's own
// syntax (AND, NEAR, column:, *, ^) can never be injected by a query.
import { STOPWORDS } from '../paper/stopwords.ts';
import type { SearchQuery } from './store.ts';

export function quote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** A term ending in * is a prefix search ("diffus*"); anything else is matched as written. */
function term(word: string): string {
  return word.length > 1 && word.endsWith('*') ? `${quote(word.slice(0, -1))} *` : quote(word);
}

/**
 * The MATCH expression, or undefined when the query has nothing to rank by (filters only).
 * `any`: the plain words are alternatives (BM25 ranks papers with more and rarer ones first);
 * phrases, authors and exclusions bind either way.
 */
export function buildMatch(q: SearchQuery & { allRequired?: boolean }, options: { any?: boolean } = {}): string | undefined {
  const words = (options.any ? contentWords(q.terms) : q.terms).map(term);
  const required = [...q.phrases.map(quote), ...q.authors.map((a) => `authors_text : ${quote(a)}`)];
  const positive = options.any && !q.allRequired && words.length > 1 ? [`(${words.join(' OR ')})`, ...required] : [...words, ...required];
  if (positive.length === 0) return undefined;
  return `(${positive.join(' AND ')})${negation(q)}`;
}

/** What a paper found some other way (by meaning) must still satisfy: phrases, authors, exclusions. */
export function buildConstraint(q: SearchQuery): { match?: string; exclude?: string } {
  const required = [...q.phrases.map(quote), ...q.authors.map((a) => `authors_text : ${quote(a)}`)];
  return {
    match: required.length > 0 ? `(${required.join(' AND ')})${negation(q)}` : undefined,
    exclude: required.length === 0 && q.excludes.length > 0 ? q.excludes.map(quote).join(' OR ') : undefined,
  };
}

/**
 * When any word may match, function words would only add cost (their lists are the longest) and
 * noise (their IDF is near zero); they are dropped unless nothing else is left.
 */
export function contentWords(terms: string[]): string[] {
  const content = terms.filter((t) => !STOPWORDS.has(t.toLowerCase()));
  return content.length > 0 ? content : terms;
}

function negation(q: SearchQuery): string {
  return q.excludes.map((e) => ` NOT ${quote(e)}`).join('');
}

/** Marks any of the query's words and phrases, for snippets of papers however they were found. */
/** The query's words less stopwords, unless that would leave it with nothing to look for. */
export function meaningfulTerms(q: SearchQuery): string[] {
  const meaningful = q.terms.filter((t) => !STOPWORDS.has(t.replace(/\*$/, '').toLowerCase()));
  return meaningful.length > 0 || q.phrases.length > 0 ? meaningful : q.terms;
}

export function buildHighlightMatch(q: SearchQuery): string | undefined {
  // "to", "of", "the" marked all over a page mean nothing to a reader: words that carry meaning
  // are marked, and stopwords only when the query has nothing else.
  const parts = [...meaningfulTerms(q).map(term), ...q.phrases.map(quote)];
  return parts.length > 0 ? parts.join(' OR ') : undefined;
}

/** Title words as typed so far: every word complete but the last, which is a prefix. */
export function buildSuggestMatch(typed: string): string | undefined {
  const words = typed.toLowerCase().match(/[\p{L}\p{N}]+/gu)?.slice(0, 8);
  if (!words || words.length === 0) return undefined;
  const last = words.pop()!;
  return [...words.map(quote), `${quote(last)} *`].join(' AND ');
}
