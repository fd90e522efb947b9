// ISO-8601 weeks, which listings (/week/2024-W22) and the trending replay both count in.

const DAY_MS = 86_400_000;

/** The ISO week a YYYY-MM-DD day falls in: 2024-05-31 -> 2024-W22, 2021-01-03 -> 2020-W53. */
export function isoWeekKey(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  const weekday = (d.getUTCDay() + 6) % 7; // Monday 0
  // A week belongs to the year its Thursday is in.
  const thursday = new Date(d.getTime() + (3 - weekday) * DAY_MS);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - yearStart) / (7 * DAY_MS));
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
