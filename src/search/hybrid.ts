// The one search every surface uses: keyword ranking (BM25), meaning ranking (vectors) or both
// fused, with the query language's filters applied to either. Each hit says how it was found.

import type { KeywordRanking, SearchHit, SearchQuery, Store } from '../store/store.ts';
import { BLEND_MEANING_WEIGHT, linearBlend, reciprocalRankFusion, RRF_K } from './fusion.ts';
import type { SemanticSearch } from './semantic.ts';
import type { Neighbour } from './vector-index.ts';
import { normalize } from './embedders/types.ts';

export const SEARCH_MODES = ['hybrid', 'keyword', 'meaning'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** How deep each ranking is read before fusing; also the most results a query pages through. */
export const DEFAULT_DEPTH = 100;

export interface RankedHit extends SearchHit {
  /** 1-based positions in the keyword and meaning rankings, when the paper was in them. */
  keywordRank?: number;
  meaningRank?: number;
}

export interface RankedPage {
  mode: SearchMode;
  /** Papers the query found (for keyword-only, every paper matching any word). */
  total: number;
  /** Of those, the papers that have every word (stopwords aside), when words ranked them. */
  withAllWords?: number;
  hits: RankedHit[];
  /** Why the results are not what was asked for, e.g. meaning search not built yet. */
  notice?: string;
}

export interface RankOptions {
  mode?: SearchMode;
  limit?: number;
  offset?: number;
  depth?: number;
  /** 'blend' (default): fitted convex blend of BM25 and cosine; 'rrf': reciprocal rank fusion. */
  fusion?: 'blend' | 'rrf';
  /** Blend: the weight α of cosine. RRF: the weight of the meaning list (keyword's is 1). */
  meaningWeight?: number;
  rrfK?: number;
  /** Pseudo-relevance feedback: how many top keyword papers, and how far the query vector moves towards them. */
  feedbackDocs?: number;
  feedbackWeight?: number;
}

export const FEEDBACK_DOCS = 5;
const BM25_DEPTH_FACTOR = 10;
export const FEEDBACK_WEIGHT = 1;

export interface SearchContext {
  store: Store;
  semantic?: SemanticSearch;
}

const NO_MODEL = 'Meaning search is not built yet, so these are keyword results. Run `paperboy index build` to add it.';
const UNKNOWN_WORDS = 'None of these words is known to the meaning model, so these are keyword results.';
const NO_TEXT = 'Meaning search compares words, and this search has none (author: alone), so it is ranked by keywords.';

/** The words a person typed, without operators: what an embedder reads. */
export function queryText(q: SearchQuery): string {
  return [...q.terms.map((t) => t.replace(/\*$/, '')), ...q.phrases].join(' ');
}

/** Keys ranked by each leg, before papers are loaded: what the evaluation measures too. */
export async function rankKeys(
  ctx: SearchContext,
  query: SearchQuery,
  options: RankOptions = {},
): Promise<{ keys: number[]; total: number; withAllWords?: number; mode: SearchMode; notice?: string; ranks: Map<number, [number?, number?]> }> {
  const depth = options.depth ?? DEFAULT_DEPTH;
  let mode = options.mode ?? 'hybrid';
  let notice: string | undefined;
  const text = queryText(query);
  if (mode !== 'keyword') await ctx.semantic?.noticeNewModel();
  const vector = mode !== 'keyword' && text ? await ctx.semantic?.embedQuery(text) : undefined;
  if (mode !== 'keyword' && !vector) {
    notice = !ctx.semantic?.model ? NO_MODEL : text ? UNKNOWN_WORDS : mode === 'meaning' ? NO_TEXT : undefined;
    mode = 'keyword';
  }
  // Papers found by meaning need their keyword score too. The impact index knows any paper's; when
  // FTS5 answers (filters, phrases) it ranks deeper than asked, and beyond that depth a paper counts as none.
  const keyword = mode === 'meaning' ? undefined : await ctx.store.rankByKeywords(query, { limit: depth, any: true, scoresTo: mode === 'hybrid' ? depth * BM25_DEPTH_FACTOR : undefined });
  const searchVector = vector && keyword && mode === 'hybrid' ? await withFeedback(ctx, vector, keyword.ranked.slice(0, options.feedbackDocs ?? FEEDBACK_DOCS), options.feedbackWeight ?? FEEDBACK_WEIGHT) : vector;
  // Fused with BM25, similarities need no re-scoring: the int8 index's own are within 0.004.
  const meaning = searchVector ? await nearestFiltered(ctx, query, searchVector, depth, undefined, mode === 'meaning') : undefined;

  const ranks = new Map<number, [number?, number?]>();
  keyword?.ranked.forEach((r, i) => ranks.set(r.key, [i + 1, undefined]));
  meaning?.forEach((n, i) => ranks.set(n.key, [ranks.get(n.key)?.[0], i + 1]));
  const withAllWords = keyword?.withAllWords;
  if (!meaning) return { keys: keyword!.ranked.map((r) => r.key), total: keyword!.total, withAllWords, mode, notice, ranks };
  if (!keyword) return { keys: meaning.map((n) => n.key), total: meaning.length, mode, notice, ranks };
  const keys = options.fusion === 'rrf'
    ? reciprocalRankFusion([{ keys: keyword.ranked.map((r) => r.key) }, { keys: meaning.map((n) => n.key), weight: options.meaningWeight ?? 1 }], options.rrfK ?? RRF_K).map((f) => f.key)
    : (await blend(ctx, searchVector!, keyword, meaning, options.meaningWeight ?? BLEND_MEANING_WEIGHT)).map((f) => f.key);
  return { keys: keys.slice(0, depth), total: Math.max(keyword.total, keys.length), withAllWords, mode, notice, ranks };
}

/**
 * Pseudo-relevance feedback in vector space (Rocchio): the query vector moves towards the papers
 * the words rank highest, so meaning search looks for "papers like the best keyword matches"
 * rather than for a few query words alone, which an embedder reads poorly.
 */
async function withFeedback(ctx: SearchContext, vector: Float32Array, top: { key: number }[], weight: number): Promise<Float32Array> {
  if (top.length === 0 || weight === 0) return vector;
  const moved = Float32Array.from(vector);
  for (const v of (await ctx.semantic!.vectorsOf(top.map((t) => t.key))).values()) {
    for (let i = 0; i < moved.length; i++) moved[i]! += (weight / top.length) * v[i]!;
  }
  return normalize(moved);
}

/** Scores every candidate on both scales: BM25 for papers found by meaning, cosine for papers found by words. */
async function blend(ctx: SearchContext, vector: Float32Array, keyword: KeywordRanking, meaning: Neighbour[], weight: number) {
  const cosine = new Map(meaning.map((n) => [n.key, n.similarity]));
  const missing = keyword.ranked.map((r) => r.key).filter((key) => !cosine.has(key));
  const found = await ctx.semantic!.similarities(missing, vector);
  for (const key of missing) cosine.set(key, found.get(key) ?? 0);
  const keys = new Set([...keyword.ranked.map((r) => r.key), ...cosine.keys()]);
  return linearBlend([...keys].map((key) => ({ key, bm25: -keyword.scoreOf(key), cosine: cosine.get(key) ?? 0 })), weight);
}


/** Nearest papers that also pass the query's filters; asks the index for more when filters bind. */
async function nearestFiltered(ctx: SearchContext, query: SearchQuery, vector: Float32Array, depth: number, exclude?: number, exact = true): Promise<Neighbour[]> {
  const filtered = query.categories.length + query.phrases.length + query.authors.length + query.excludes.length > 0 || query.since || query.until;
  const asked = filtered ? depth * 10 : depth + 1;
  const found = (await ctx.semantic!.nearest(vector, asked, { exact })).filter((n) => n.key !== exclude);
  if (!filtered) return found.slice(0, depth);
  const kept = new Set(await ctx.store.filterKeys(found.map((n) => n.key), query));
  return found.filter((n) => kept.has(n.key)).slice(0, depth);
}

export async function searchPapers(ctx: SearchContext, query: SearchQuery, options: RankOptions = {}): Promise<RankedPage> {
  const limit = options.limit ?? 20;
  const offset = options.offset ?? 0;
  const hasWords = query.terms.length + query.phrases.length + query.authors.length > 0;
  if (!hasWords) {
    // Filters alone: nothing to rank by, so the store lists the newest.
    const page = await ctx.store.search(query, { limit, offset });
    return { mode: options.mode ?? 'hybrid', total: page.total, hits: page.hits };
  }
  const ranked = await rankKeys(ctx, query, options);
  const pageKeys = ranked.keys.slice(offset, offset + limit);
  const hits = await ctx.store.hitsForKeys(pageKeys, query);
  return {
    mode: ranked.mode,
    total: ranked.total,
    ...(ranked.withAllWords !== undefined ? { withAllWords: ranked.withAllWords } : {}),
    notice: ranked.notice,
    hits: hits.map((h, i) => {
      const [keywordRank, meaningRank] = ranked.ranks.get(h.key) ?? [];
      return { ...h, score: offset + i + 1, keywordRank, meaningRank };
    }),
  };
}

/** Papers closest in meaning to a paper (its stored vector) or to a pasted text. */
export async function papersLike(ctx: SearchContext, source: { key: number } | { text: string }, query: SearchQuery, options: { limit?: number; offset?: number } = {}): Promise<RankedPage | undefined> {
  await ctx.semantic?.noticeNewModel();
  if (!ctx.semantic?.model) return undefined;
  const vector = 'key' in source ? await ctx.semantic.vectorOf(source.key) : (await ctx.semantic.embedder!.embed([source.text], 'document'))[0];
  if (!vector || !vector.some((x) => x !== 0)) return undefined;
  const limit = options.limit ?? 20;
  const offset = options.offset ?? 0;
  const keys = (await nearestFiltered(ctx, query, vector, DEFAULT_DEPTH, 'key' in source ? source.key : undefined)).map((n) => n.key);
  const hits = await ctx.store.hitsForKeys(keys.slice(offset, offset + limit), query);
  return { mode: 'meaning', total: keys.length, hits: hits.map((h, i) => ({ ...h, score: offset + i + 1, meaningRank: offset + i + 1 })) };
}
