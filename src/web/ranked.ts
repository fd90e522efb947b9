// The searches pages and the API share: by words, by meaning or both (src/search/hybrid.ts), papers
// like a paper, papers like a pasted text. Each says, in `notice`, when it could not do what was
// asked (no meaning model yet, words the model does not know) and what it did instead.
import { parseArxivId } from '../paper/ids.ts';
import { DEFAULT_DEPTH, papersLike, searchPapers, type RankedHit, type RankedPage, type SearchMode } from '../search/hybrid.ts';
import { isEmptyQuery, parseQuery } from '../search/query.ts';
import type { PaperDetail, SearchQuery } from '../store/store.ts';
import type { WebContext } from './context.ts';
import { HttpError, type Link } from './errors.ts';
import { invalidIdMessage, notInHubMessage } from './paper-id.ts';

export type { RankedHit, RankedPage, SearchMode };
export { DEFAULT_DEPTH };

export const MODE_LABELS: Record<SearchMode, string> = {
  hybrid: 'Both (keyword + meaning)',
  keyword: 'Keywords',
  meaning: 'Meaning',
};

/** The most characters of pasted text that "Find papers like a text" reads. */
export const MAX_LIKE_TEXT = 5000;


export interface RankedResult extends RankedPage {
  /** How many of `total` can be paged through: ranked searches stop at the fused depth. */
  pageable: number;
  /** False for a search by filters alone, which lists the newest papers unranked. */
  ranked: boolean;
}

/** A query that asks for nothing: what "papers like" passes when no filter applies. */
export function emptyQuery(): SearchQuery {
  return parseQuery('').query;
}

/** searchPapers (whose notice says when results were not ranked the way `mode` asked), with paging limits. */
export async function rankedSearch(ctx: WebContext, query: SearchQuery, mode: SearchMode, page: { limit: number; offset: number }): Promise<RankedResult> {
  const result = await searchPapers(ctx, query, { mode, ...page });
  const ranked = !isEmptyQuery(query);
  return { ...result, ranked, pageable: ranked ? Math.min(result.total, DEFAULT_DEPTH) : result.total };
}

export interface LikeResult extends RankedResult {
  /** The paper the results are like. */
  source: PaperDetail;
}

const LIKE_LINKS: Link[] = [
  { href: '/search', label: 'Search instead' },
  { href: '/', label: 'Back to the latest papers' },
];

/**
 * Papers closest in meaning to the paper `given` (any arXiv id form), passing the query's filters.
 * Without a meaning model, or without a vector for that paper yet, papers sharing its keywords.
 * A malformed id is a 400 and an id not in the hub a 404, both saying what to do.
 */
export async function papersLikePaper(ctx: WebContext, given: string, query: SearchQuery, page: { limit: number; offset: number }): Promise<LikeResult> {
  const parsed = parseArxivId(given.trim());
  if (!parsed) throw new HttpError(400, invalidIdMessage(given), LIKE_LINKS);
  const source = await ctx.store.getPaper(parsed.id);
  if (!source) throw new HttpError(404, notInHubMessage(parsed.id), LIKE_LINKS);
  const key = await ctx.store.keyOf(source.id);
  const byMeaning = key === undefined ? undefined : await papersLike(ctx, { key }, query, page);
  if (byMeaning) return { ...byMeaning, source, ranked: true, pageable: byMeaning.total };

  // The older way: papers sharing the paper's most distinctive words, then the query's filters.
  const similar = await ctx.store.similarByKeywords(source.id, DEFAULT_DEPTH);
  const keys: number[] = [];
  for (const p of similar) {
    const k = await ctx.store.keyOf(p.id);
    if (k !== undefined) keys.push(k);
  }
  const kept = await ctx.store.filterKeys(keys, query);
  const hits = await ctx.store.hitsForKeys(kept.slice(page.offset, page.offset + page.limit), query);
  const notice = ctx.semantic?.model
    ? 'This paper has no meaning vector yet (it arrived after the meaning index was last updated), so these papers share keywords with it instead.'
    : 'Meaning search is not built yet, so these papers share keywords with it instead. Run `paperboy index build` to find papers by meaning.';
  return {
    mode: 'keyword',
    total: kept.length,
    pageable: kept.length,
    ranked: true,
    notice,
    source,
    hits: hits.map((h, i): RankedHit => ({ ...h, score: page.offset + i + 1, keywordRank: page.offset + i + 1 })),
  };
}

/** Papers closest in meaning to a pasted text; without a model, the papers sharing most of its words. */
export async function papersLikeText(ctx: WebContext, text: string, limit: number): Promise<RankedResult> {
  const query = emptyQuery();
  const byMeaning = await papersLike(ctx, { text }, query, { limit, offset: 0 });
  if (byMeaning) return { ...byMeaning, ranked: true, pageable: Math.min(byMeaning.total, limit) };
  // Any-word BM25 over the text's longer words: the rarer words it shares, the higher a paper ranks.
  const words = [...new Set(text.toLowerCase().match(/[\p{L}][\p{L}\p{N}]{3,}/gu) ?? [])].slice(0, 32);
  const notice = ctx.semantic?.model
    ? 'None of the words in this text is known to the meaning model, so these papers share words with it instead.'
    : 'Meaning search is not built yet, so these papers share words with your text instead. Run `paperboy index build` to find papers by meaning.';
  if (words.length === 0) return { mode: 'keyword', total: 0, hits: [], notice, ranked: true, pageable: 0 };
  const byWords = await searchPapers(ctx, { ...query, terms: words }, { mode: 'keyword', limit, offset: 0 });
  return { ...byWords, notice, ranked: true, pageable: Math.min(byWords.total, limit) };
}

/**
 * Checks pasted text: line breaks as a textarea sends them (CRLF) count once, surrounding space is
 * dropped; empty or over MAX_LIKE_TEXT characters is a 400 that says so.
 */
export function checkLikeText(raw: unknown): string {
  if (Array.isArray(raw)) throw new HttpError(400, 'Give the text once: the form sent "text" more than once.', [{ href: '/search', label: 'Back to search' }]);
  const text = typeof raw === 'string' ? raw.replace(/\r\n?/g, '\n').trim() : '';
  if (!text) {
    throw new HttpError(400, 'There is no text to compare papers with: paste an abstract (or any passage) into the box and try again.', [
      { href: '/search', label: 'Back to search' },
    ]);
  }
  if (text.length > MAX_LIKE_TEXT) {
    throw new HttpError(400, `Your text is ${text.length} characters long; the limit is ${MAX_LIKE_TEXT}. Paste the abstract alone, or its first part.`, [
      { href: '/search', label: 'Back to search' },
    ]);
  }
  return text;
}
