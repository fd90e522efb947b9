// Two ways to fuse a keyword ranking with a meaning ranking.
//
// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): each list gives a paper
// weight / (k + rank). Ranks only, no calibration; but a weaker list drags a stronger one down.
//
// A convex blend of scores (Bruch, Gai and Ingber, 2023, found it beats RRF once its one weight is
// fitted on a few queries): (1 − α) · BM25 / best BM25 of the query + α · cosine. The weight is
// fitted on training queries (bench/eval-search.ts) and is the default.

export const RRF_K = 60;

export interface FusedItem {
  key: number;
  score: number;
  /** 1-based rank in each input list, undefined where the list did not have it. */
  ranks: (number | undefined)[];
}

export function reciprocalRankFusion(lists: { keys: number[]; weight?: number }[], k = RRF_K): FusedItem[] {
  const fused = new Map<number, FusedItem>();
  lists.forEach((list, li) => {
    const weight = list.weight ?? 1;
    list.keys.forEach((key, i) => {
      let item = fused.get(key);
      if (!item) fused.set(key, (item = { key, score: 0, ranks: lists.map(() => undefined) }));
      if (item.ranks[li] !== undefined) return; // a list naming a paper twice counts it once
      item.ranks[li] = i + 1;
      item.score += weight / (k + i + 1);
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score || a.key - b.key);
}

/** Fitted on SciFact's train queries (see the closing note of the search issue and bench/eval-search.ts). */
export const BLEND_MEANING_WEIGHT = 0.3;

/**
 * Blends per-paper keyword strength (BM25, higher is better, 0 when no word matches) and cosine
 * similarity. BM25 is divided by the query's best so that it lies in [0, 1] like cosine.
 */
export function linearBlend(candidates: { key: number; bm25: number; cosine: number }[], meaningWeight = BLEND_MEANING_WEIGHT): { key: number; score: number }[] {
  const best = Math.max(0, ...candidates.map((c) => c.bm25));
  const cosines = candidates.map((c) => c.cosine);
  const low = Math.min(...cosines);
  const span = Math.max(...cosines) - low;
  return candidates
    .map((c) => ({ key: c.key, score: (1 - meaningWeight) * (best > 0 ? c.bm25 / best : 0) + meaningWeight * (span > 0 ? (c.cosine - low) / span : 0) }))
    .sort((a, b) => b.score - a.score || a.key - b.key);
}
