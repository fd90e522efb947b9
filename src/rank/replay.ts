// Trending checked on real data: Hugging Face's daily lists are replayed day by day as if their
// upvotes had arrived live, and at the end of each ISO week the trending list (period 'week') is
// compared with that week's most upvoted papers: how many of the top 10 they share, and how alike
// their orders are (Spearman's rank correlation over the papers in either top 10).
//
// How counts become timed events. A saved daily list (file D) gives each paper's upvote count N as
// Hugging Face had it when the list was saved, during day D. The replay takes the upvotes a paper
// gained since it was last seen (all N on its first list) to have arrived one by one at evenly
// spaced instants across its day: the k-th of n new upvotes at start + (k − ½)/n · (end − start),
// where start is the later of the paper's listing instant (submittedOnDailyAt) and D 00:00 UTC, and
// end is D+1 00:00 UTC. Each arrival is one source-upvote sample (count so far) for trending, which
// is exactly how the store feeds it live. Days are fed in date order; the list at a week's end only
// knows the days before it.

import { isoWeekKey } from '../paper/calendar.ts';
import type { PaperRecord } from '../paper/types.ts';
import { listInputs, readInputs } from '../ingest/sources.ts';
import type { PaperSignals } from '../store/signals.ts';
import { trending } from './trending.ts';

const DAY_MS = 86_400_000;
export const REPLAY_TOP = 10;

export interface WeekComparison {
  week: string;                // ISO week, 2025-W10
  end: string;                 // the instant the lists are taken (the Monday after, 00:00 UTC)
  papers: number;              // papers on the week's daily lists
  trendingTop: string[];       // ids, best first
  upvotedTop: string[];        // ids, most upvoted first (ties: smaller id)
  overlap: number;             // ids in both top lists
  spearman: number;            // over the union of both top lists; see spearmanOverUnion
}

export interface ReplayReport {
  days: number;
  entries: number;
  weeks: WeekComparison[];     // weeks with at least REPLAY_TOP papers, in order
  meanOverlap: number;
  meanSpearman: number;
}

interface Listed {
  signals: PaperSignals;
  upvotes: number;             // latest count seen
  days: string[];              // the daily lists it was on
}

/** Reads Hugging Face daily files (folders or files, any format sources.ts knows) and replays them. */
export async function replayHfDaily(paths: string[], top = REPLAY_TOP): Promise<ReplayReport> {
  const byDay = new Map<string, PaperRecord[]>();
  let entries = 0;
  for await (const result of readInputs(await listInputs(paths))) {
    if (!('ok' in result) || !result.ok.hf) continue;
    entries++;
    const day = result.ok.hf.dailyDate;
    (byDay.get(day) ?? byDay.set(day, []).get(day)!).push(result.ok);
  }
  const days = [...byDay.keys()].sort();
  const papers = new Map<string, Listed>();
  const weeks: WeekComparison[] = [];
  days.forEach((day, i) => {
    for (const record of byDay.get(day)!) feed(papers, record, day);
    const week = isoWeekKey(day);
    const next = days[i + 1];
    if (next === undefined || isoWeekKey(next) !== week) {
      const comparison = compareWeek(papers, week, day, top);
      if (comparison.papers >= top) weeks.push(comparison);
    }
  });
  return {
    days: days.length,
    entries,
    weeks,
    meanOverlap: mean(weeks.map((w) => w.overlap)),
    meanSpearman: mean(weeks.map((w) => w.spearman)),
  };
}

/** One paper's entry on day D's list: its new upvotes become arrivals spread over the day. */
function feed(papers: Map<string, Listed>, record: PaperRecord, day: string): void {
  const dayStart = Date.parse(`${day}T00:00:00.000Z`);
  const seen = papers.get(record.id);
  const listed: Listed = seen ?? {
    signals: { id: record.id, listedAt: record.listedAt ?? new Date(dayStart).toISOString(), votes: [], sourceUpvotes: [], stars: [] },
    upvotes: 0,
    days: [],
  };
  listed.days.push(day);
  const count = record.hf!.upvotes;
  const gained = count - listed.upvotes;
  const listedAt = Date.parse(listed.signals.listedAt);
  const start = listedAt > dayStart && listedAt < dayStart + DAY_MS ? listedAt : dayStart;
  const span = dayStart + DAY_MS - start;
  for (let k = 1; k <= gained; k++) {
    listed.signals.sourceUpvotes.push({ at: new Date(start + ((k - 0.5) / gained) * span).toISOString(), count: listed.upvotes + k });
  }
  listed.upvotes = Math.max(listed.upvotes, count);
  papers.set(record.id, listed);
}

function compareWeek(papers: Map<string, Listed>, week: string, lastDay: string, top: number): WeekComparison {
  const end = new Date(Date.parse(`${mondayAfter(lastDay)}T00:00:00.000Z`));
  const from = end.getTime() - 7 * DAY_MS;
  const listed = [...papers.values()].filter((p) => p.days.some((d) => isoWeekKey(d) === week));
  // Trending's candidates, as the store picks them: listed in the week or with an upvote in it.
  const candidates = [...papers.values()]
    .filter((p) => Date.parse(p.signals.listedAt) > from || p.signals.sourceUpvotes.some((s) => Date.parse(s.at) > from))
    .map((p) => p.signals);
  const trendingIds = trending(candidates, end, 'week').map((e) => e.id);
  const upvotedIds = listed.sort((a, b) => b.upvotes - a.upvotes || (a.signals.id < b.signals.id ? -1 : 1)).map((p) => p.signals.id);
  const trendingTop = trendingIds.slice(0, top);
  const upvotedTop = upvotedIds.slice(0, top);
  return {
    week,
    end: end.toISOString(),
    papers: listed.length,
    trendingTop,
    upvotedTop,
    overlap: trendingTop.filter((id) => upvotedTop.includes(id)).length,
    spearman: spearmanOverUnion(trendingIds, upvotedIds, top),
  };
}

/**
 * Spearman's correlation between two rankings, over the papers in the top `top` of either: each
 * such paper's 1-based position in each full ranking (one past the end where a ranking lacks it),
 * correlated as Pearson's r of the two position lists. 1: same order; 0: unrelated; −1: reversed.
 */
export function spearmanOverUnion(a: string[], b: string[], top: number): number {
  const union = [...new Set([...a.slice(0, top), ...b.slice(0, top)])];
  const position = (list: string[]) => {
    const at = new Map(list.map((id, i) => [id, i + 1]));
    return union.map((id) => at.get(id) ?? list.length + 1);
  };
  return pearson(position(a), position(b));
}

function pearson(x: number[], y: number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i]! - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  });
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}

function mondayAfter(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  const weekday = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() + (7 - weekday) * DAY_MS).toISOString().slice(0, 10);
}
