// Days, ISO weeks and months as the listing pages address them (2024-05-31, 2024-W22, 2024-05),
// each turned into a half-open range of days [start, end). All in UTC.

import { isoWeekKey } from '../paper/calendar.ts';

export { isoWeekKey };

export type PeriodKind = 'day' | 'week' | 'month';

export interface Period {
  kind: PeriodKind;
  key: string;   // as it appears in the URL
  start: string; // first day, YYYY-MM-DD
  end: string;   // day after the last, YYYY-MM-DD
}

/** Years a listing may ask for: wide enough for any paper, narrow enough that date arithmetic stays in YYYY-MM-DD. */
export const YEARS = { min: 1900, max: 2999 };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEK = /^(\d{4})-W(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

/** The day if `s` is a real calendar day in YYYY-MM-DD form (2024-02-30 is not). */
export function parseDay(s: string): string | undefined {
  const m = DAY.exec(s);
  if (!m || !inYears(m[1]!)) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return toDay(d) === s ? s : undefined;
}

export function dayPeriod(day: string): Period {
  return { kind: 'day', key: day, start: day, end: addDays(day, 1) };
}

/** An ISO-8601 week such as 2024-W22 (Monday to Sunday); undefined for 2024-W60 or 2021-W53. */
export function parseWeek(s: string): Period | undefined {
  const m = WEEK.exec(s);
  if (!m || !inYears(m[1]!)) return undefined;
  const week = Number(m[2]);
  return week >= 1 && week <= weeksInIsoYear(Number(m[1])) ? weekPeriod(s) : undefined;
}

export function parseMonth(s: string): Period | undefined {
  const m = MONTH.exec(s);
  if (!m || !inYears(m[1]!)) return undefined;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? monthPeriod(s) : undefined;
}

/** The period of a kind that contains a day (any day: no range checks, the day exists). */
export function periodOf(kind: PeriodKind, day: string): Period {
  if (kind === 'day') return dayPeriod(day);
  if (kind === 'month') return monthPeriod(day.slice(0, 7));
  return weekPeriod(isoWeekKey(day));
}

/** A well-formed YYYY-Www key as a period. */
function weekPeriod(key: string): Period {
  const [year, week] = key.split('-W').map(Number) as [number, number];
  const start = addDays(mondayOfWeekOne(year), (week - 1) * 7);
  return { kind: 'week', key, start, end: addDays(start, 7) };
}

/** A well-formed YYYY-MM key as a period. */
function monthPeriod(key: string): Period {
  const [year, month] = key.split('-').map(Number) as [number, number];
  return { kind: 'month', key, start: `${key}-01`, end: toDay(new Date(Date.UTC(year, month, 1))) };
}

export function addDays(day: string, n: number): string {
  return toDay(new Date(fromDay(day).getTime() + n * 86_400_000));
}

/** Every day in [start, end). */
export function daysIn(period: Period): string[] {
  const days: string[] = [];
  for (let d = period.start; d < period.end; d = addDays(d, 1)) days.push(d);
  return days;
}

/** The ISO instant at which a day begins, as the store's ranges take them. */
export function dayStartInstant(day: string): string {
  return `${day}T00:00:00.000Z`;
}

export function todayUtc(): string {
  return toDay(new Date());
}

/** "Friday, 31 May 2024" and friends, always in UTC so a day never shifts. */
export function formatDay(day: string, style: 'long' | 'short' | 'weekday' = 'long'): string {
  const options: Intl.DateTimeFormatOptions =
    style === 'long'
      ? { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }
      : style === 'short'
        ? { day: 'numeric', month: 'short', year: 'numeric' }
        : { weekday: 'short', day: 'numeric' };
  // en-GB writes September "Sept" in short dates; every other month has three letters.
  return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }).format(fromDay(day)).replace('Sept ', 'Sep ');
}

/**
 * A heading for a period: "Friday, 31 May 2024", "Week 22 of 2024 (27 May – 2 June)", "May 2024";
 * short: "31 May 2024", "Week 22, 2024", "May 2024".
 */
export function formatPeriod(period: Period, style: 'long' | 'short' = 'long'): string {
  if (period.kind === 'day') return formatDay(period.key, style);
  if (period.kind === 'month') {
    return new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(fromDay(period.start));
  }
  const [year, week] = period.key.split('-W');
  if (style === 'short') return `Week ${Number(week)}, ${year}`;
  const range = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' });
  return `Week ${Number(week)} of ${year} (${range.format(fromDay(period.start))} – ${range.format(fromDay(addDays(period.end, -1)))})`;
}

function inYears(year: string): boolean {
  return Number(year) >= YEARS.min && Number(year) <= YEARS.max;
}

function weeksInIsoYear(year: number): number {
  return isoWeekKey(`${String(year).padStart(4, '0')}-12-28`).endsWith('53') ? 53 : 52;
}

function mondayOfWeekOne(year: number): string {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  return toDay(new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86_400_000));
}

function fromDay(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

function toDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}
