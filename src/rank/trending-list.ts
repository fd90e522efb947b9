// The trending list as surfaces show it (web pages, the JSON API, feeds, the CLI): the store's
// candidates for the period, ranked by the formula in trending.ts, each with its paper's card data.

import { NO_QUERY, type PaperSummary, type Store } from '../store/store.ts';
import { PERIOD_HOURS, trending, type TrendingEntry, type TrendingPeriod } from './trending.ts';

export interface TrendingList {
  period: TrendingPeriod;
  from: string;
  to: string;
  /**
   * Set when nothing earned points over the period up to now and the list looks back from the
   * hub's newest activity instead (`to` is then that instant): a hub of imported Hugging Face days,
   * or one nobody has voted on lately, still shows what was trending when it was last active.
   */
  anchoredAt?: string;
  items: { entry: TrendingEntry; paper: PaperSummary }[];
}

export interface TrendingOptions {
  /** Look back from the newest activity when the period up to now is empty (pages, API, feeds, CLI; not digests, which are about now). */
  latestIfQuiet?: boolean;
}

export async function loadTrending(store: Store, period: TrendingPeriod, now: Date, limit: number, options: TrendingOptions = {}): Promise<TrendingList> {
  const list = await rankedAt(store, period, now, limit);
  if (list.items.length > 0 || !options.latestIfQuiet) return list;
  const latest = await store.signals.latestActivity(list.to);
  if (!latest || Date.parse(latest) > Date.parse(list.from)) return list;
  return { ...(await rankedAt(store, period, new Date(latest), limit)), anchoredAt: latest };
}

async function rankedAt(store: Store, period: TrendingPeriod, now: Date, limit: number): Promise<TrendingList> {
  const to = now.toISOString();
  const from = new Date(now.getTime() - PERIOD_HOURS[period] * 3_600_000).toISOString();
  const candidates = await store.signals.candidates(from, to);
  const keyOf = new Map(candidates.map((c) => [c.id, c.key]));
  const entries = trending(candidates, now, period).slice(0, limit);
  const hits = await store.hitsForKeys(entries.map((e) => keyOf.get(e.id)!), NO_QUERY);
  return { period, from, to, items: entries.map((entry, i) => ({ entry, paper: hits[i]!.paper })) };
}

const HOURS_WORDS: Record<TrendingPeriod, string> = { day: '24 hours', week: '7 days', month: '30 days' };

/** Said above a list that looks back from the hub's newest activity rather than from now. */
export function anchoredNote(list: TrendingList): string {
  const when = new Date(list.anchoredAt!).toLocaleString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  return `Nothing earned points over the last ${HOURS_WORDS[list.period]}, so this is what was trending over the ${HOURS_WORDS[list.period]} up to ${when} UTC, this hub's newest activity (a vote here or Hugging Face upvotes imported).`;
}
