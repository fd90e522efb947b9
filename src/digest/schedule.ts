// When digests go out. A subscriber picks an hour in their own time zone, and daily or weekly (on
// a weekday); an edition is named by the local day (2026-12-07) or ISO week (2026-W49) it is for,
// and falls due at that hour there, whatever the offset from UTC is that day (DST included: an
// hour skipped by the clocks becomes the first instant after the gap, a repeated hour its first
// occurrence). Pure: the clock is always passed in.
import { isoWeekKey } from '../paper/calendar.ts';
import type { Frequency, Schedule } from '../store/subscriptions.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface Edition {
  /** 2026-12-07 or 2026-W49: with the subscription, what the outbox is keyed by. */
  key: string;
  /** The local day it goes out on. */
  day: string;
  /** The instant it falls due (ISO). */
  dueAt: string;
}

/** How far back the first edition of a new subscription looks. */
export const PERIOD_MS: Record<Frequency, number> = { daily: DAY_MS, weekly: 7 * DAY_MS };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** A zone Intl knows (IANA names such as Europe/Berlin, and UTC). */
export function isTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(timeZone)) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zones to offer in a form: Intl's list, with UTC first. */
export function timeZones(): string[] {
  return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
}

/** The local wall-clock time at an instant, as if it were UTC (ms). */
function wallClock(at: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** The local day (YYYY-MM-DD) at an instant. */
export function localDay(at: Date, timeZone: string): string {
  return new Date(wallClock(at.getTime(), timeZone)).toISOString().slice(0, 10);
}

/**
 * The first instant at which the local time in `timeZone` is `hour`:00 on `day`, or, when the
 * clocks skip that hour, the first instant after the gap.
 */
export function zonedInstant(day: string, hour: number, timeZone: string): Date {
  // Every subscriber on the same schedule asks the same question in a digest run: answer it once.
  const key = `${timeZone}\n${day}\n${hour}`;
  let found = instants.get(key);
  if (found === undefined) {
    if (instants.size >= MAX_REMEMBERED) instants.clear();
    instants.set(key, (found = firstInstantAt(day, hour, timeZone)));
  }
  return new Date(found);
}

const instants = new Map<string, number>();
const MAX_REMEMBERED = 50_000;

function firstInstantAt(day: string, hour: number, timeZone: string): number {
  const wall = Date.parse(`${day}T00:00:00.000Z`) + hour * HOUR_MS;
  // The offsets in force half a day either side cover any transition near the wanted time.
  const candidates = [wall - 12 * HOUR_MS, wall + 12 * HOUR_MS].map((probe) => wall - (wallClock(probe, timeZone) - probe));
  const reaching = candidates.filter((c) => wallClock(c, timeZone) >= wall).sort((a, b) => a - b);
  const exact = reaching.filter((c) => wallClock(c, timeZone) === wall);
  return exact[0] ?? reaching[0]!;
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday of a day: Monday 1 … Sunday 7. */
function weekdayOf(day: string): number {
  return ((new Date(`${day}T00:00:00.000Z`).getUTCDay() + 6) % 7) + 1;
}

function editionOn(schedule: Schedule, day: string): Edition {
  return {
    key: schedule.frequency === 'daily' ? day : isoWeekKey(day),
    day,
    dueAt: zonedInstant(day, schedule.hour, schedule.timeZone).toISOString(),
  };
}

/** The local day, at or before `day`, that an edition of this schedule goes out on. */
function sendingDayAtOrBefore(schedule: Schedule, day: string): string {
  if (schedule.frequency === 'daily') return day;
  return addDays(day, -((weekdayOf(day) - schedule.weekday + 7) % 7));
}

const STEP_DAYS: Record<Frequency, number> = { daily: 1, weekly: 7 };

/** The latest edition due at or before an instant: the one to compose now, however late. */
export function editionAt(schedule: Schedule, at: Date): Edition {
  const candidate = editionOn(schedule, sendingDayAtOrBefore(schedule, localDay(at, schedule.timeZone)));
  if (Date.parse(candidate.dueAt) <= at.getTime()) return candidate;
  return editionOn(schedule, addDays(candidate.day, -STEP_DAYS[schedule.frequency]));
}

/** The first edition due strictly after an instant. */
export function nextEditionAfter(schedule: Schedule, at: Date): Edition {
  const latest = editionAt(schedule, at);
  return editionOn(schedule, addDays(latest.day, STEP_DAYS[schedule.frequency]));
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function weekdayName(weekday: number): string {
  return WEEKDAYS[weekday - 1]!;
}

/** "daily at 08:00 (Europe/Berlin)", "weekly on Mondays at 18:00 (UTC)". */
export function describeSchedule(schedule: Schedule): string {
  const at = `${String(schedule.hour).padStart(2, '0')}:00 (${schedule.timeZone})`;
  return schedule.frequency === 'daily' ? `daily at ${at}` : `weekly on ${weekdayName(schedule.weekday)}s at ${at}`;
}

const LONG_DAY = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const SHORT_DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' });

/** "Monday, 7 December 2026"; a weekly edition covers the seven days before it goes out: "30 November – 6 December 2026". */
export function editionLabel(schedule: Schedule, edition: Edition): string {
  const day = new Date(`${edition.day}T00:00:00.000Z`);
  if (schedule.frequency === 'daily') return LONG_DAY.format(day);
  const last = new Date(day.getTime() - DAY_MS);
  return `${SHORT_DAY.format(new Date(day.getTime() - 7 * DAY_MS))} – ${SHORT_DAY.format(last)} ${last.getUTCFullYear()}`;
}
