// What is trending: one pure function with its constants named, in the spirit of Lobsters' hotness.
// A paper earns points for what happened to it within the period (votes on this hub, upvotes on
// Hugging Face, stars gained by its GitHub repository), and gravity divides them by its age, so a
// paper rises while attention comes in faster than it ages, then falls. /about/trending shows this
// file's constants and formula to readers, rendered from the same values.

import type { PaperSignals, Sample } from '../store/signals.ts';

export type TrendingPeriod = 'day' | 'week' | 'month';
export const TRENDING_PERIODS: readonly TrendingPeriod[] = ['day', 'week', 'month'];

export type TrendingInput = PaperSignals;

/** How far back each period looks from now. */
export const PERIOD_HOURS: Record<TrendingPeriod, number> = { day: 24, week: 7 * 24, month: 30 * 24 };

/** A vote cast on this hub: its own readers, so it counts double. */
export const HUB_VOTE_POINTS = 2;
/** An upvote on the source (Hugging Face's daily papers). */
export const SOURCE_UPVOTE_POINTS = 1;
/**
 * Stars gained in the period count by their square root (100 new stars = 10 points, 400 = 20), so
 * a repository going viral cannot drown out what readers say. A repository's total does not count:
 * a famous old repository is not news.
 */
export const STAR_POINTS_PER_SQRT = 1;
/** How steeply age pulls a paper down (Hacker News uses 1.8). */
export const GRAVITY = 1.8;
/**
 * Age scale per period: a paper this old needs (1 + 1)^1.8 ≈ 3.5 times the points of a brand-new
 * one. Longer periods are gentler, so this month's list is about the month, not about this morning.
 */
export const AGE_SCALE_HOURS: Record<TrendingPeriod, number> = { day: 12, week: 72, month: 240 };
/** Points of sparkline per period (one per hour, half-day, day). */
const SERIES_STEPS: Record<TrendingPeriod, number> = { day: 24, week: 14, month: 30 };

const HOUR_MS = 3_600_000;

/** Why a paper is on the list, as data; reasonText turns it into words. */
export type TrendingReason =
  | { kind: 'hub-votes'; gained: number }
  | { kind: 'source-upvotes'; gained: number; total: number }
  | { kind: 'stars'; gained: number; repo?: string };

export interface TrendingEntry {
  id: string;
  score: number;
  /** The score's parts: points = hubVotes·HUB + sourceUpvotes·SOURCE + √stars·STAR; score = points / gravity. */
  parts: { hubVotes: number; sourceUpvotes: number; starsGained: number; points: number; ageHours: number; gravity: number };
  reasons: TrendingReason[];
  /** Upvotes so far (hub votes + source upvotes) at evenly spaced instants over the period, oldest first. */
  series: number[];
}

/**
 * Ranks papers by what happened to them in the period ending at `now`, best first. Papers with
 * nothing new in the period, or listed after `now`, are left out; signals after `now` are ignored.
 * Ties go to the newer paper, then to the smaller id, so the order never depends on input order.
 */
export function trending(inputs: TrendingInput[], now: Date, period: TrendingPeriod): TrendingEntry[] {
  const to = now.getTime();
  const from = to - PERIOD_HOURS[period] * HOUR_MS;
  const entries: (TrendingEntry & { listedAt: number })[] = [];
  for (const input of inputs) {
    const listedAt = Date.parse(input.listedAt);
    if (!(listedAt <= to)) continue;
    const hubVotes = input.votes.filter((v) => inWindow(Date.parse(v), from, to)).length;
    const upvotes = sourceUpvotesAt(input, listedAt);
    const sourceUpvotes = Math.max(0, upvotes(to) - upvotes(from));
    const starsGained = starsGainedIn(input.stars, from, to);
    const points = HUB_VOTE_POINTS * hubVotes + SOURCE_UPVOTE_POINTS * sourceUpvotes + STAR_POINTS_PER_SQRT * Math.sqrt(starsGained);
    if (points <= 0) continue;
    const ageHours = (to - listedAt) / HOUR_MS;
    const gravity = (1 + ageHours / AGE_SCALE_HOURS[period]) ** GRAVITY;
    entries.push({
      id: input.id,
      listedAt,
      score: points / gravity,
      parts: { hubVotes, sourceUpvotes, starsGained, points, ageHours, gravity },
      reasons: reasons(hubVotes, sourceUpvotes, upvotes(to), starsGained, input.repo),
      series: series(input, upvotes, from, to, SERIES_STEPS[period]),
    });
  }
  entries.sort((a, b) => b.score - a.score || b.listedAt - a.listedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return entries.map(({ listedAt: _, ...entry }) => entry);
}

function inWindow(at: number, from: number, to: number): boolean {
  return at > from && at <= to;
}

/**
 * The source's upvote count at an instant: the latest sample at or before it. A source counts from
 * zero when it lists a paper, so before the first sample the count is 0.
 */
function sourceUpvotesAt(input: TrendingInput, listedAt: number): (at: number) => number {
  return (at) => (at < listedAt ? 0 : (latestAtOrBefore(input.sourceUpvotes, at)?.count ?? 0));
}

/**
 * Stars gained in (from, to]. A repository already has stars when first sampled, so without a
 * sample at or before `from` only the growth seen since its first sample in the window counts.
 */
function starsGainedIn(stars: Sample[], from: number, to: number): number {
  const end = latestAtOrBefore(stars, to);
  if (!end) return 0;
  const start = latestAtOrBefore(stars, from) ?? stars.find((s) => Date.parse(s.at) > from);
  return start ? Math.max(0, end.count - start.count) : 0;
}

/** The last sample at or before an instant; samples are in time order. */
function latestAtOrBefore(samples: Sample[], at: number): Sample | undefined {
  let found: Sample | undefined;
  for (const s of samples) {
    if (Date.parse(s.at) > at) break;
    found = s;
  }
  return found;
}

function reasons(hubVotes: number, sourceGained: number, sourceTotal: number, starsGained: number, repo: string | undefined): TrendingReason[] {
  const out: TrendingReason[] = [];
  if (hubVotes > 0) out.push({ kind: 'hub-votes', gained: hubVotes });
  if (sourceGained > 0) out.push({ kind: 'source-upvotes', gained: sourceGained, total: sourceTotal });
  if (starsGained > 0) out.push({ kind: 'stars', gained: starsGained, ...(repo ? { repo } : {}) });
  return out;
}

function series(input: TrendingInput, upvotes: (at: number) => number, from: number, to: number, steps: number): number[] {
  const votes = input.votes.map(Date.parse);
  return Array.from({ length: steps + 1 }, (_, i) => {
    const at = from + ((to - from) * i) / steps;
    return votes.filter((v) => v <= at).length + upvotes(at);
  });
}

const PERIOD_WORDS: Record<TrendingPeriod, string> = { day: 'in 24 h', week: 'this week', month: 'this month' };

/** "+14 upvotes in 24 h", "+40 upvotes on Hugging Face this week (312 in all)", "+320 GitHub stars this week". */
export function reasonText(reason: TrendingReason, period: TrendingPeriod): string {
  const when = PERIOD_WORDS[period];
  switch (reason.kind) {
    case 'hub-votes':
      return `+${reason.gained} upvote${reason.gained === 1 ? '' : 's'} ${when}`;
    case 'source-upvotes':
      return `+${reason.gained} upvote${reason.gained === 1 ? '' : 's'} on Hugging Face ${when}${reason.total > reason.gained ? ` (${reason.total} in all)` : ''}`;
    case 'stars':
      return `+${reason.gained} GitHub star${reason.gained === 1 ? '' : 's'} ${when}`;
  }
}

/** A score to three significant digits (34.2, 0.00231): scores of old papers are small, not zero. */
export function formatScore(score: number): string {
  return String(Number(score.toPrecision(3)));
}

/** "42 points", "7.5 points" (stars count by their square root). */
export function pointsText(points: number): string {
  const shown = Number.isInteger(points) ? String(points) : points.toFixed(1);
  return `${shown} point${shown === '1' ? '' : 's'}`;
}

/** A paper's age at the end of the list's period (now, or the newest activity): "new", "5 h old", "3 days old". */
export function ageText(hours: number): string {
  if (hours < 1) return 'new';
  if (hours < 48) return `${Math.floor(hours)} h old`;
  return `${Math.floor(hours / 24)} days old`;
}

/** The formula as TeX, from the constants above (for /about/trending and the CLI's help). */
export function formulaTex(period: TrendingPeriod): string {
  return (
    `\\text{score} = \\frac{${HUB_VOTE_POINTS}\\,V_{\\text{hub}} + ${SOURCE_UPVOTE_POINTS}\\,V_{\\text{HF}} + ${STAR_POINTS_PER_SQRT}\\sqrt{S}}` +
    `{\\left(1 + \\frac{t}{${AGE_SCALE_HOURS[period]}\\,\\text{h}}\\right)^{${GRAVITY}}}`
  );
}
