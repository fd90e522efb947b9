// The trending list as surfaces show it (web pages, the JSON API, the CLI): the store's candidates
// for the period, ranked by the formula in trending.ts, each with its paper's card data.

import { NO_QUERY, type PaperSummary, type Store } from '../store/store.ts';
import { PERIOD_HOURS, trending, type TrendingEntry, type TrendingPeriod } from './trending.ts';

export interface TrendingList {
  period: TrendingPeriod;
  from: string;
  to: string;
  items: { entry: TrendingEntry; paper: PaperSummary }[];
}


export async function loadTrending(store: Store, period: TrendingPeriod, now: Date, limit: number): Promise<TrendingList> {
  const to = now.toISOString();
  const from = new Date(now.getTime() - PERIOD_HOURS[period] * 3_600_000).toISOString();
  const candidates = await store.signals.candidates(from, to);
  const keyOf = new Map(candidates.map((c) => [c.id, c.key]));
  const entries = trending(candidates, now, period).slice(0, limit);
  const hits = await store.hitsForKeys(entries.map((e) => keyOf.get(e.id)!), NO_QUERY);
  return { period, from, to, items: entries.map((entry, i) => ({ entry, paper: hits[i]!.paper })) };
}
