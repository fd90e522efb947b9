// What goes into an edition: for each kind of subscription, the papers of the edition's window and
// why each is there. The window is (previous edition's due time, this edition's due time], so every
// subscriber on the same schedule gets the same window, and a Selector shares the work between them
// (one trending list, one search per distinct query) within a run.
import { firstSentence, normalizeAuthorName } from '../paper/text.ts';
import { becauseText, type Recommender } from '../rank/personal.ts';
import { loadTrending } from '../rank/trending-list.ts';
import { reasonText, type TrendingPeriod } from '../rank/trending.ts';
import { linearBlend } from '../search/fusion.ts';
import { queryText } from '../search/hybrid.ts';
import { isBlankQuery, parseQuery } from '../search/query.ts';
import type { SemanticSearch } from '../search/semantic.ts';
import { NO_QUERY, type PaperSummary, type SearchQuery, type Store } from '../store/store.ts';
import type { Subscription } from '../store/subscriptions.ts';
import { authorPath, topicPath, withQuery } from '../web/urls.ts';
import type { DigestContent, DigestPaper } from './content.ts';

export interface DigestContext {
  store: Store;
  semantic?: SemanticSearch;
  recommender: Recommender;
}

export interface EditionWindow {
  /** Exclusive. */
  from: string;
  /** Inclusive: the edition's due time. */
  to: string;
}

/** What composing one edition comes to. */
export type Selection =
  | { content: DigestContent }
  /** Nothing to send this time (no new papers, none matched). */
  | { skip: string }
  /** The subscription cannot go on (its collection was deleted, say): end or pause it, saying why. */
  | { stop: 'ended' | 'paused'; reason: string };

/** A paper listed this long before it entered the hub still counts as new: harvests run late. */
const LISTED_GRACE_MS = 3 * 86_400_000;

export class Selector {
  private readonly cache = new Map<string, Promise<unknown>>();
  private readonly summaries = new Map<string, string>();

  constructor(private readonly ctx: DigestContext) {}

  /** The same work asked twice in a run is done once. */
  private once<T>(key: string, work: () => Promise<T>): Promise<T> {
    let found = this.cache.get(key) as Promise<T> | undefined;
    if (!found) this.cache.set(key, (found = work()));
    return found;
  }

  select(subscription: Subscription, window: EditionWindow): Promise<Selection> {
    const s = subscription;
    const kinds = { trending: this.trending, search: this.search, author: this.author, collection: this.collection, personal: this.personal };
    const choose = () => kinds[s.kind].call(this, s, window);
    // A personal digest is the reader's own; every other kind is the same for all on the schedule.
    if (s.kind === 'personal') return choose();
    return this.once(`${s.kind}\n${s.target}\n${s.schedule.frequency}\n${s.maxPapers}\n${window.from}\n${window.to}`, choose);
  }

  /** Papers that entered the hub in the window (and were not old when they did). */
  private newKeys(window: EditionWindow): Promise<number[]> {
    return this.once(`new\n${window.from}\n${window.to}`, () =>
      this.ctx.store.newPaperKeys(window.from, window.to, new Date(Date.parse(window.from) - LISTED_GRACE_MS).toISOString()),
    );
  }

  /** The new papers' cards, by key, read once for every subscriber of the window. */
  private newPapers(window: EditionWindow): Promise<Map<number, PaperSummary>> {
    return this.once(`papers\n${window.from}\n${window.to}`, async () => new Map((await this.ctx.store.hitsForKeys(await this.newKeys(window), NO_QUERY)).map((h) => [h.key, h.paper])));
  }

  private async newPapersByKey(window: EditionWindow, keys: number[]): Promise<PaperSummary[]> {
    const papers = await this.newPapers(window);
    return keys.flatMap((key) => papers.get(key) ?? []);
  }

  private async trending(s: Subscription, window: EditionWindow): Promise<Selection> {
    if ((await this.newKeys(window)).length === 0) return { skip: 'no new papers since the last edition' };
    const period: TrendingPeriod = s.schedule.frequency === 'daily' ? 'day' : 'week';
    const list = await loadTrending(this.ctx.store, period, new Date(window.to), s.maxPapers);
    if (list.items.length === 0) return { skip: 'nothing trended' };
    const papers = list.items.map(({ paper, entry }) => ({ paper, reason: `Trending: ${entry.reasons.map((r) => reasonText(r, period)).join(', ')}` }));
    return this.content(s, period === 'day' ? 'Trending today' : 'Trending this week', withQuery('/trending', period === 'day' ? {} : { period }), papers, list.items.length, window);
  }

  private async search(s: Subscription, window: EditionWindow): Promise<Selection> {
    const { query } = parseQuery(s.target);
    if (isBlankQuery(query)) return { stop: 'ended', reason: `“${s.target}” has nothing to search for.` };
    const scores = await this.ctx.store.keywordScores(await this.newKeys(window), query);
    if (scores.size === 0) return { skip: 'no new paper matched' };
    const ranked = await this.rankByBlend(query, scores);
    const papers = await this.newPapersByKey(window, ranked.slice(0, s.maxPapers));
    const reason = `Matches your search “${s.target}”`;
    return this.content(s, `New papers on “${s.target}”`, topicPath(s.target), papers.map((paper) => ({ paper, reason })), scores.size, window);
  }

  /** Keyword scores blended with meaning, as hybrid search ranks (no meaning model: keywords alone). */
  private async rankByBlend(query: SearchQuery, scores: Map<number, number>): Promise<number[]> {
    const semantic = this.ctx.semantic;
    const text = queryText(query);
    const vector = semantic?.model && text ? await semantic.embedQuery(text) : undefined;
    const cosines = vector ? await semantic!.similarities([...scores.keys()], vector) : new Map<number, number>();
    return linearBlend([...scores].map(([key, bm25]) => ({ key, bm25, cosine: cosines.get(key) ?? 0 }))).map((r) => r.key);
  }

  private async author(s: Subscription, window: EditionWindow): Promise<Selection> {
    const wanted = normalizeAuthorName(s.target);
    const by = [...(await this.newPapers(window)).values()].filter((paper) => paper.authors.some((a) => normalizeAuthorName(a) === wanted));
    if (by.length === 0) return { skip: `no new paper by ${s.target}` };
    const newest = by.sort((a, b) => (b.published ?? b.listedAt).localeCompare(a.published ?? a.listedAt));
    const reason = `A new paper by ${s.target}`;
    return this.content(s, `New papers by ${s.target}`, authorPath(s.target), newest.slice(0, s.maxPapers).map((paper) => ({ paper, reason })), by.length, window);
  }

  private async collection(s: Subscription, window: EditionWindow): Promise<Selection> {
    const { community } = this.ctx.store;
    const collection = /^\d+$/.test(s.target) ? await community.collection(Number(s.target)) : undefined;
    if (!collection) return { stop: 'ended', reason: 'The collection was deleted.' };
    if (!collection.public && collection.owner.key !== s.userKey) return { stop: 'paused', reason: `The collection “${collection.name}” was made private by its owner.` };
    const added = await community.collectionAdditions(collection.key, window.from, window.to, s.maxPapers);
    if (added.length === 0) return { skip: 'nothing was added to the collection' };
    const path = `/u/${encodeURIComponent(collection.owner.name)}/collections/${encodeURIComponent(collection.slug)}`;
    const reason = `Added to “${collection.name}” by ${collection.owner.name}`;
    return this.content(s, `New in “${collection.name}”`, path, added.map((paper) => ({ paper, reason })), added.length, window);
  }

  private async personal(s: Subscription, window: EditionWindow): Promise<Selection> {
    if (s.userKey === undefined) return { stop: 'ended', reason: 'A personal digest needs an account.' };
    const reader = { userKey: s.userKey, email: s.subscriber.email };
    if ((await this.ctx.recommender.signalCount(reader)) === 0) return { skip: 'nothing to learn from yet: upvote or save some papers' };
    if (!this.ctx.semantic?.model) return { skip: 'meaning search is not built yet' };
    const found = await this.ctx.recommender.recommend(reader, await this.newKeys(window), s.maxPapers);
    if (found.length === 0) return { skip: 'no new paper was like yours' };
    const cards = await this.newPapers(window);
    const papers = found.flatMap((f) => {
      const paper = cards.get(f.key);
      return paper ? [{ paper, reason: becauseText(f) }] : [];
    });
    return this.content(s, 'Papers for you', '/settings#digests', papers, found.length, window);
  }

  /** Hub votes of the window's new papers, read once; other papers (a collection's) are asked about when they come up. */
  private async votesOf(ids: string[], window: EditionWindow): Promise<Map<string, number>> {
    const known = await this.once(`votes\n${window.from}\n${window.to}`, async () => {
      const inWindow = [...(await this.newPapers(window)).values()].map((p) => p.id);
      const votes = await this.ctx.store.community.votes(inWindow);
      return new Map(inWindow.map((id) => [id, votes.get(id)?.count ?? 0]));
    });
    const others = ids.filter((id) => !known.has(id));
    if (others.length === 0) return known;
    const more = await this.ctx.store.community.votes(others);
    return new Map(ids.map((id) => [id, known.get(id) ?? more.get(id)?.count ?? 0]));
  }

  /** A paper's one line, worked out once per run however many digests carry it. */
  private summaryOf(paper: PaperSummary): string {
    let summary = this.summaries.get(paper.id);
    if (summary === undefined) this.summaries.set(paper.id, (summary = paper.aiSummary ?? firstSentence(paper.abstract)));
    return summary;
  }

  private async content(s: Subscription, title: string, viewPath: string, chosen: { paper: PaperSummary; reason: string }[], total: number, window: EditionWindow): Promise<Selection> {
    const votes = await this.votesOf(chosen.map((c) => c.paper.id), window);
    const papers = chosen.map(({ paper, reason }) => digestPaper(paper, this.summaryOf(paper), reason, votes.get(paper.id) ?? 0));
    // The edition's name depends on the subscriber's time zone, so the composer adds it.
    const content: DigestContent = { kind: s.kind, title, edition: '', viewPath, papers, total };
    return { content };
  }
}

function digestPaper(paper: PaperSummary, summary: string, reason: string, hubVotes: number): DigestPaper {
  const upvotes = (paper.upvotes ?? 0) + hubVotes;
  return {
    id: paper.id,
    title: paper.title,
    authors: paper.authors,
    summary,
    summarySource: paper.aiSummary ? 'ai' : 'abstract',
    reason,
    ...(upvotes > 0 ? { upvotes } : {}),
    ...(paper.githubRepo ? { codeUrl: paper.githubRepo } : {}),
    ...(paper.githubStars !== undefined ? { stars: paper.githubStars } : {}),
  };
}
