// Paperboy's per-reader model (recommend.ts) behind the Recommender interface of personal.ts, so
// the personal digest and the personal feed can use it in place of centroidRecommender:
//
//   recommender: learnedRecommender(store, semantic)
//
// It reads what the centroid reads (upvotes, saves, "more/fewer like this" from digests), learns
// against the hub's most recent papers as background, and says why in words too: each
// recommendation is a LearnedRecommendation, a Recommendation with the words and authors that
// weighed most, the seed it came from (cold start), and the paper it was less like.
//
// Words come from the LSA model's own vocabulary and idf when the hub's embedder is the built-in
// one; with another embedder (or none: then the model learns from words and authors alone) a
// vocabulary is fitted once over up to 20,000 of the hub's papers.
//
// Models stay in memory for the most recent `cacheReaders` readers; a reader whose signals and
// background have not changed is scored without training, and one whose have is updated from the
// last solution. Everything is rebuilt when the hub's meaning model changes.
import { NO_QUERY, type PaperSummary, type Store } from '../store/store.ts';
import { LsaModel } from '../search/embedders/lsa.ts';
import { paperText, type SemanticSearch } from '../search/semantic.ts';
import { parseQuery } from '../search/query.ts';
import { analyze, fitTermSpace, termSpaceFromLsa, type TermSpace } from './features.ts';
import type { BecauseHow, Reader, Recommendation, Recommender } from './personal.ts';
import {
  DEFAULT_BACKGROUND, isPositive, ModelContext, paperFeatures, ReaderModel, seedsFromPapers, seedsFromQuery,
  type ModelOptions, type PaperFeatures, type Signal,
} from './recommend.ts';

export interface LearnedRecommendation extends Recommendation {
  /** The words and authors that weighed most for it, heaviest first ("diffusion", "Jane Doe"). */
  words: { label: string; weight: number; author?: boolean }[];
  /** When the reader's paper it is most like is a seed: what the seed came from ('author:Jane Doe', 'query:…', 'paper'). */
  seed?: string;
  /** The paper the reader asked to see fewer like that it is closest to, when that lowered its score. */
  lessLike?: { id: string; title: string };
}

/** What a reader with little history told the hub they want: papers (arXiv ids), an author, a topic. */
export interface ColdStart {
  papers?: string[];
  author?: string;
  query?: string;
}

export interface LearnedOptions {
  model?: Partial<ModelOptions>;
  /** Background negatives: the hub's most recent papers, at most this many. Default 500. */
  background?: number;
  /** ...listed within this many days of the newest listing day. Default 60. */
  backgroundDays?: number;
  /** Seeds for readers with fewer than `coldStartBelow` signals (an onboarding form's answers, say). */
  coldStart?: (reader: Reader) => Promise<ColdStart | undefined>;
  coldStartBelow?: number;
  /** Readers whose models are kept between calls (about half a megabyte each at a 60,000-word vocabulary). Default 64. */
  cacheReaders?: number;
  /** How long the background is reused before it is read again (ms). Default an hour. */
  backgroundTtlMs?: number;
}

const SEEDS = 10;
const VOCABULARY_SAMPLE = 20_000;
const FEATURE_CACHE = 50_000;

interface Loaded {
  features: PaperFeatures;
  paper: PaperSummary;
}

interface Hub {
  modelName: string;
  context: ModelContext;
  background: PaperFeatures[];
  backgroundVersion: number;
  loadedAt: number;
}

export interface LearnedRecommender extends Recommender {
  recommend(reader: Reader, candidates: number[], limit: number): Promise<LearnedRecommendation[]>;
}

export function learnedRecommender(store: Store, semantic: SemanticSearch | undefined, options: LearnedOptions = {}): LearnedRecommender {
  const backgroundSize = options.background ?? DEFAULT_BACKGROUND;
  const backgroundDays = options.backgroundDays ?? 60;
  const cacheReaders = options.cacheReaders ?? 64;
  const ttl = options.backgroundTtlMs ?? 3_600_000;
  const coldStartBelow = options.coldStartBelow ?? 3;

  let hub: Promise<Hub> | undefined;
  let loaded = new Map<number, Loaded>();
  const models = new Map<number, { model: ReaderModel; signature: string; hub: Hub }>();
  const candidateFeatures = new WeakMap<number[], Promise<Loaded[]>>();
  let backgroundVersion = 0;

  async function currentHub(): Promise<Hub> {
    const name = semantic?.model?.name ?? '(words only)';
    const h = hub && (await hub);
    if (h && h.modelName === name && Date.now() - h.loadedAt < ttl) return h;
    if (!h || h.modelName !== name) {
      loaded = new Map();
      models.clear();
    }
    hub = (async () => {
      const context = h && h.modelName === name ? h.context : new ModelContext(await termSpace(), semantic?.model?.dimensions ?? 0, options.model);
      const background = await recentPapers(context);
      return { modelName: name, context, background: background.map((l) => l.features), backgroundVersion: ++backgroundVersion, loadedAt: Date.now() };
    })();
    hub.catch(() => (hub = undefined));
    return hub;
  }

  async function termSpace(): Promise<TermSpace> {
    const embedder = semantic?.embedder;
    if (embedder instanceof LsaModel) return termSpaceFromLsa(embedder);
    const total = await store.paperCount();
    const every = Math.max(1, Math.ceil(total / VOCABULARY_SAMPLE));
    const docs: string[][] = [];
    let seen = 0;
    for (let after = 0; ; ) {
      const page = await store.vectors.texts(after, 2_000);
      if (page.length === 0) break;
      for (const p of page) if (seen++ % every === 0) docs.push(analyze(paperText(p)));
      after = page[page.length - 1]!.key;
    }
    return fitTermSpace(docs);
  }

  async function recentPapers(context: ModelContext): Promise<Loaded[]> {
    const latest = await store.latestDay();
    if (!latest) return [];
    const since = new Date(Date.parse(`${latest}T00:00:00Z`) - backgroundDays * 86_400_000).toISOString();
    const keys = await store.newPaperKeys('1970-01-01T00:00:00.000Z', new Date(Date.now() + 86_400_000).toISOString(), since);
    return load(keys.slice(-backgroundSize), context);
  }

  /** Features (and cards) of papers by key, read once and kept; hidden papers are absent. */
  async function load(keys: number[], context: ModelContext): Promise<Loaded[]> {
    const missing = [...new Set(keys)].filter((k) => !loaded.has(k));
    if (missing.length > 0) {
      const [hits, vectors] = await Promise.all([store.hitsForKeys(missing, NO_QUERY), semantic?.model ? semantic.vectorsOf(missing) : new Map<number, Float32Array>()]);
      if (loaded.size + hits.length > FEATURE_CACHE) loaded = new Map();
      for (const h of hits) loaded.set(h.key, { paper: h.paper, features: paperFeatures(h.key, h.paper, context.space, vectors.get(h.key)) });
    }
    return keys.flatMap((k) => loaded.get(k) ?? []);
  }

  async function signalsOf(reader: Reader): Promise<Signal[]> {
    const [{ upvoted, saved }, feedback] = await Promise.all([store.community.readerSignals(reader.userKey), store.subscriptions.feedbackOf(reader.email)]);
    // Later entries win in the model: "fewer like this" overrides an upvote, as in personal.ts.
    return [
      ...upvoted.map((key): Signal => ({ key, kind: 'upvoted' })),
      ...saved.map((key): Signal => ({ key, kind: 'saved' })),
      ...feedback.filter((f) => f.verdict > 0).map((f): Signal => ({ key: f.key, kind: 'more' })),
      ...feedback.filter((f) => f.verdict < 0).map((f): Signal => ({ key: f.key, kind: 'fewer' })),
    ];
  }

  function likedCount(signals: Signal[]): number {
    const last = new Map(signals.map((s) => [s.key, s.kind]));
    return [...last.values()].filter(isPositive).length;
  }

  async function seedsOf(reader: Reader, context: ModelContext): Promise<Signal[]> {
    const wanted = await options.coldStart?.(reader);
    if (!wanted) return [];
    const seeds: Signal[] = [];
    const keysOf = async (ids: string[]) => (await Promise.all(ids.map((id) => store.keyOf(id)))).filter((k): k is number => k !== undefined);
    if (wanted.papers?.length) seeds.push(...seedsFromPapers(await keysOf(wanted.papers)));
    if (wanted.author) {
      const theirs = await store.authorPapers(wanted.author, { limit: SEEDS });
      seeds.push(...(await keysOf(theirs?.papers.map((p) => p.id) ?? [])).map((key): Signal => ({ key, kind: 'seed', source: `author:${wanted.author}` })));
    }
    if (wanted.query?.trim()) {
      // The pool: what keyword and meaning search find for it; seedsFromQuery orders it by both.
      const { query } = parseQuery(wanted.query);
      const vector = await semantic?.embedQuery(wanted.query);
      const [byWords, byMeaning] = await Promise.all([store.rankByKeywords(query, { limit: 5 * SEEDS, any: true }), vector ? semantic!.nearest(vector, 5 * SEEDS) : []]);
      const pool = await load([...byWords.ranked.map((r) => r.key), ...byMeaning.map((n) => n.key)], context);
      seeds.push(...seedsFromQuery(wanted.query, { vector, terms: context.space.vectorize(wanted.query) }, pool.map((l) => l.features), SEEDS));
    }
    await load(seeds.map((s) => s.key), context);
    return seeds;
  }

  async function modelFor(reader: Reader, h: Hub): Promise<ReaderModel | undefined> {
    let signals = await signalsOf(reader);
    if (likedCount(signals) < coldStartBelow) signals = [...(await seedsOf(reader, h.context)), ...signals];
    if (likedCount(signals) === 0) return undefined;
    await load(signals.map((s) => s.key), h.context);
    const signature = `${h.backgroundVersion}|${signals.map((s) => `${s.key}:${s.kind}`).join(',')}`;
    const cached = models.get(reader.userKey);
    models.delete(reader.userKey);
    let model = cached && cached.hub.context === h.context ? cached.model : undefined;
    if (!model || cached!.signature !== signature) {
      const input = { signals, background: h.background, featuresOf: (key: number) => loaded.get(key)?.features };
      if (model) model.update(input);
      else model = ReaderModel.train(h.context, input);
    }
    models.set(reader.userKey, { model, signature, hub: h });
    if (models.size > cacheReaders) models.delete(models.keys().next().value!);
    return model.trained ? model : undefined;
  }

  return {
    async signalCount(reader) {
      return likedCount(await signalsOf(reader));
    },

    async recommend(reader, candidates, limit) {
      if (limit <= 0 || candidates.length === 0) return [];
      const h = await currentHub();
      const model = await modelFor(reader, h);
      if (!model) return [];
      // A digest run asks about the same day's papers for every reader: they are loaded once.
      let found = candidateFeatures.get(candidates);
      if (!found) candidateFeatures.set(candidates, (found = load(candidates, h.context)));
      const pool = await found;
      const byKey = new Map(pool.map((l) => [l.features.key, l]));
      const best = model.rank(pool.map((l) => l.features), limit);
      return best.map(({ key, score }): LearnedRecommendation => {
        const { features, paper } = byKey.get(key)!;
        const why = model.explain(features, paper);
        const out: LearnedRecommendation = { key, score, words: why.words.map(({ label, weight, author }) => ({ label, weight, ...(author ? { author } : {}) })) };
        const because = why.because && loaded.get(why.because.key)?.paper;
        if (because && why.because!.kind !== 'seed') out.because = { id: because.id, title: because.title, how: HOW[why.because!.kind] };
        if (why.because?.kind === 'seed') out.seed = why.because.source;
        const less = why.lessLike && loaded.get(why.lessLike.key)?.paper;
        if (less) out.lessLike = { id: less.id, title: less.title };
        return out;
      });
    },
  };
}

const HOW: Record<'saved' | 'upvoted' | 'more', BecauseHow> = { saved: 'saved', upvoted: 'upvoted', more: 'asked for more like it' };

/** An explanation in words: "Similar to “X”, which you saved; for: diffusion, speech, Jane Doe". */
export function learnedBecauseText(r: LearnedRecommendation): string {
  const why = r.because
    ? `Similar to “${r.because.title}”, which you ${r.because.how}`
    : r.seed?.startsWith('author:') ? `By or like ${r.seed.slice(7)}, whom you follow`
    : r.seed?.startsWith('query:') ? `Matches your topic “${r.seed.slice(6)}”`
    : 'Like the papers you upvoted and saved';
  return r.words.length > 0 ? `${why}; for: ${r.words.map((w) => w.label).join(', ')}` : why;
}
