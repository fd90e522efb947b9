// The search box's little language, as researchers type it:
//   diffusion "speech synthesis" -music author:Ren cat:cs.SD since:2022-01-01 until:2023-06-30
// Words and phrases must all match; -word / -"phrase" exclude; author:, cat: (cs or cs.LG),
// since:/until: (YYYY, YYYY-MM or YYYY-MM-DD) filter. Nothing here throws: what cannot be
// understood becomes a problem message the page shows, and the rest of the query still runs.
import type { SearchQuery } from '../store/store.ts';

export const MAX_QUERY_LENGTH = 500;
const MAX_TERMS = 32;

export interface ParsedQuery {
  query: SearchQuery;
  problems: string[];
}

const TOKEN = /(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))/g;

export function parseQuery(input: string): ParsedQuery {
  const query: SearchQuery = { terms: [], phrases: [], excludes: [], authors: [], categories: [] };
  const problems: string[] = [];
  let text = input;
  if (text.length > MAX_QUERY_LENGTH) {
    problems.push(`The query is ${text.length} characters long; only the first ${MAX_QUERY_LENGTH} were used.`);
    text = text.slice(0, MAX_QUERY_LENGTH);
  }
  if ((text.match(/"/g) ?? []).length % 2 === 1) problems.push('A quotation mark was not closed; the phrase was read to the end of the query.');

  for (const m of text.matchAll(TOKEN)) {
    const negated = m[1] === '-';
    const field = m[2]?.toLowerCase();
    const quoted = m[3] !== undefined;
    const value = (m[3] ?? m[4] ?? '').trim();
    if (field !== undefined && !(field in FIELDS)) {
      // "word:thing" that is not one of our fields: search the whole thing as words.
      addWords(query, `${m[2]} ${value}`, negated);
      continue;
    }
    if (value === '') {
      if (field) problems.push(`${field}: needs a value, e.g. ${FIELDS[field as keyof typeof FIELDS]}.`);
      continue;
    }
    if (field) applyField(query, problems, field as keyof typeof FIELDS, value);
    else if (quoted) addPhrase(query, value, negated);
    else addWords(query, value, negated);
  }

  const counted = query.terms.length + query.phrases.length + query.excludes.length;
  if (counted > MAX_TERMS) {
    problems.push(`Only the first ${MAX_TERMS} words were used.`);
    query.terms = query.terms.slice(0, MAX_TERMS);
  }
  if (query.since && query.until && query.since > query.until) problems.push(`since: ${query.since} is after until: ${query.until}, so nothing can match.`);
  if (isEmptyQuery(query) && query.excludes.length > 0) problems.push('Add at least one word to search for: excluding words alone cannot rank anything.');
  return { query, problems };
}

const FIELDS = {
  author: 'author:Hinton or author:"Geoffrey Hinton"',
  cat: 'cat:cs.LG or cat:cs',
  since: 'since:2024-05-01',
  until: 'until:2024-05-31',
};

function applyField(query: SearchQuery, problems: string[], field: keyof typeof FIELDS, value: string): void {
  switch (field) {
    case 'author':
      query.authors.push(value);
      return;
    case 'cat':
      if (/^[a-z][a-z-]*(\.[a-z-]+)?$/i.test(value)) query.categories.push(value);
      else problems.push(`cat:${value} is not an arXiv category; try ${FIELDS.cat}.`);
      return;
    case 'since':
    case 'until': {
      const day = parseDay(value, field === 'until');
      if (day) query[field] = day;
      else problems.push(`${field}: expects a date like ${field === 'since' ? '2024-05-01' : '2024-05-31'} (or 2024, or 2024-05), not "${value}".`);
      return;
    }
  }
}

/** Words are what the keyword index would see: letters and digits; punctuation alone is dropped. */
function addWords(query: SearchQuery, value: string, negated: boolean): void {
  const words = value.match(/[\p{L}\p{N}][\p{L}\p{N}'’._-]*\*?/gu) ?? [];
  for (const w of words) {
    // "diffusion's" is the word diffusion: the possessive (and a trailing apostrophe) is not indexed.
    const word = w.replace(/[._-]+$/, '').replace(/['’]s$/iu, '').replace(/['’]+$/u, '');
    if (negated) query.excludes.push(word);
    else query.terms.push(word);
  }
}

function addPhrase(query: SearchQuery, value: string, negated: boolean): void {
  const phrase = value.replace(/\s+/g, ' ');
  if (!/[\p{L}\p{N}]/u.test(phrase)) return;
  if (negated) query.excludes.push(phrase);
  else query.phrases.push(phrase);
}

/** YYYY, YYYY-MM or YYYY-MM-DD, as the first (or, for until:, the last) day it covers. */
export function parseDay(value: string, endOfPeriod = false): string | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] ? Number(m[2]) : endOfPeriod ? 12 : 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = m[3] ? Number(m[3]) : endOfPeriod ? lastDay : 1;
  if (month < 1 || month > 12 || day < 1 || day > lastDay || year < 1900 || year > 2999) return undefined;
  return `${m[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** True when the query has nothing to rank by (it may still have filters). */
export function isEmptyQuery(q: SearchQuery): boolean {
  return q.terms.length === 0 && q.phrases.length === 0 && q.authors.length === 0;
}

/** True when the query asks for nothing at all: no words, no filters. */
export function isBlankQuery(q: SearchQuery): boolean {
  return isEmptyQuery(q) && q.categories.length === 0 && !q.since && !q.until;
}
