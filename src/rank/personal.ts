// "Papers like the ones I upvoted and saved": the slot the personal digest and the personal feed
// read. This first recommender is the centroid of the reader's papers in meaning space (minus, at
// half weight, the ones they asked to see fewer of), each candidate scored by its similarity to it
// and explained by the reader's paper it is closest to. A learned model can replace it behind the
// same interface.
import { dot, normalize } from '../search/embedders/types.ts';
import type { SemanticSearch } from '../search/semantic.ts';
import { NO_QUERY, type Store } from '../store/store.ts';

export type BecauseHow = 'saved' | 'upvoted' | 'asked for more like it';

export interface Recommendation {
  key: number;
  score: number;
  /** The reader's own paper this one is most like. */
  because?: { id: string; title: string; how: BecauseHow };
}

/** Why a recommended paper is there, in words: "Similar to “X”, which you saved". */
export function becauseText(r: Recommendation): string {
  return r.because ? `Similar to “${r.because.title}”, which you ${r.because.how}` : 'Like the papers you upvoted and saved';
}

export interface Reader {
  userKey: number;
  /** The account's address: feedback given from digests sent there counts too. */
  email: string;
}

export interface Recommender {
  /** The best of `candidates` (paper keys) for a reader, best first; empty when there is nothing to learn from. */
  recommend(reader: Reader, candidates: number[], limit: number): Promise<Recommendation[]>;
  /** How many papers the reader's model learns from (upvoted, saved, asked for more). */
  signalCount(reader: Reader): Promise<number>;
}

/** How much "fewer like this" pulls the centroid away, against 1 for what the reader likes. */
const NEGATIVE_WEIGHT = 0.5;

interface Signals {
  liked: Map<number, BecauseHow>;
  disliked: Set<number>;
}

async function readerSignals(store: Store, reader: Reader): Promise<Signals> {
  const [{ upvoted, saved }, feedback] = await Promise.all([store.community.readerSignals(reader.userKey), store.subscriptions.feedbackOf(reader.email)]);
  const liked = new Map<number, BecauseHow>();
  const disliked = new Set<number>();
  for (const f of feedback) (f.verdict > 0 ? liked.set(f.key, 'asked for more like it') : disliked.add(f.key));
  for (const key of upvoted) liked.set(key, 'upvoted');
  for (const key of saved) liked.set(key, 'saved');
  for (const key of disliked) liked.delete(key);
  return { liked, disliked };
}

export function centroidRecommender(store: Store, semantic: SemanticSearch | undefined): Recommender {
  // A digest run asks about the same day's papers for every reader: their vectors are read once.
  const candidateVectors = new WeakMap<number[], Promise<Map<number, Float32Array>>>();
  const vectorsOfCandidates = (candidates: number[]) => {
    let found = candidateVectors.get(candidates);
    if (!found) candidateVectors.set(candidates, (found = semantic!.vectorsOf(candidates)));
    return found;
  };
  return {
    async signalCount(reader) {
      return (await readerSignals(store, reader)).liked.size;
    },

    async recommend(reader, candidates, limit) {
      if (!semantic?.model || limit <= 0) return [];
      const { liked, disliked } = await readerSignals(store, reader);
      const own = await semantic.vectorsOf([...liked.keys(), ...disliked]);
      const likedVectors = [...liked.keys()].flatMap((key) => (own.has(key) ? [{ key, vector: own.get(key)! }] : []));
      if (likedVectors.length === 0) return [];
      const centroid = new Float32Array(likedVectors[0]!.vector.length);
      const add = (vector: Float32Array, weight: number) => {
        for (let i = 0; i < centroid.length; i++) centroid[i]! += weight * vector[i]!;
      };
      for (const { vector } of likedVectors) add(vector, 1 / likedVectors.length);
      const dislikedVectors = [...disliked].flatMap((key) => own.get(key) ?? []);
      for (const vector of dislikedVectors) add(vector, -NEGATIVE_WEIGHT / dislikedVectors.length);
      normalize(centroid);

      const vectors = await vectorsOfCandidates(candidates);
      const scored = [...vectors].filter(([key]) => !liked.has(key) && !disliked.has(key)).map(([key, vector]) => ({ key, vector, score: dot(vector, centroid) }));
      const best = scored.filter((s) => s.score > 0).sort((a, b) => b.score - a.score || a.key - b.key).slice(0, limit);

      const closest = best.map((s) => likedVectors.reduce((top, l) => (dot(s.vector, l.vector) > dot(s.vector, top.vector) ? l : top)).key);
      const titles = new Map((await store.hitsForKeys([...new Set(closest)], NO_QUERY)).map((h) => [h.key, h.paper]));
      return best.map((s, i) => {
        const paper = titles.get(closest[i]!);
        return { key: s.key, score: s.score, ...(paper ? { because: { id: paper.id, title: paper.title, how: liked.get(closest[i]!)! } } : {}) };
      });
    },
  };
}
