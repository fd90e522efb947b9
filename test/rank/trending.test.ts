// The trending formula as a researcher expects it to behave: attention now beats attention then,
// a paper rises and falls, stars gained count and a repository's old stars do not, and every
// entry says why it is there.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AGE_SCALE_HOURS,
  GRAVITY,
  HUB_VOTE_POINTS,
  reasonText,
  SOURCE_UPVOTE_POINTS,
  trending,
  type TrendingInput,
} from '../../src/rank/trending.ts';

const HOUR = 3_600_000;
const NOW = new Date('2024-06-10T12:00:00.000Z');
const hoursAgo = (h: number, from = NOW) => new Date(from.getTime() - h * HOUR).toISOString();

function input(id: string, overrides: Partial<TrendingInput> = {}): TrendingInput {
  return { id, listedAt: hoursAgo(2), votes: [], sourceUpvotes: [], stars: [], ...overrides };
}

/** `n` votes, one every `everyHours`, the last one `lastHoursAgo` before now. */
function votes(n: number, everyHours: number, lastHoursAgo = 0): string[] {
  return Array.from({ length: n }, (_, i) => hoursAgo(lastHoursAgo + (n - 1 - i) * everyHours));
}

describe('trending', () => {
  test('a new paper with 20 votes today beats a month-old one with 200, in every period', () => {
    const fresh = input('2406.00001', { listedAt: hoursAgo(10), votes: votes(20, 0.5) });
    const old = input('2405.00001', { listedAt: hoursAgo(30 * 24), votes: votes(200, 3.5) });
    for (const period of ['day', 'week', 'month'] as const) {
      assert.deepEqual(trending([old, fresh], NOW, period).map((e) => e.id)[0], '2406.00001', period);
    }
  });

  test('recent votes beat old ones: only votes in the period count', () => {
    const recent = input('a', { listedAt: hoursAgo(100), votes: votes(10, 1) });
    const stale = input('b', { listedAt: hoursAgo(100), votes: votes(30, 1, 40) });
    const [first, second] = trending([stale, recent], NOW, 'day');
    assert.equal(first!.id, 'a');
    assert.equal(first!.parts.hubVotes, 10);
    assert.equal(second, undefined, 'nothing happened to b in the last 24 h, so it is not trending today');
    assert.equal(trending([stale], NOW, 'week')[0]!.parts.hubVotes, 30);
  });

  test('rises while votes come in, then falls with age', () => {
    // A paper listed at t0 gets votes at a falling rate, as real attention goes: 30 in its first 6 h,
    // 10 in the next 18 h, then a trickle.
    const t0 = new Date('2024-06-01T00:00:00.000Z');
    const at = (h: number) => new Date(t0.getTime() + h * HOUR).toISOString();
    const voteTimes = [
      ...Array.from({ length: 30 }, (_, i) => at(0.1 + i * 0.2)),
      ...Array.from({ length: 10 }, (_, i) => at(6 + i * 1.8)),
      ...Array.from({ length: 5 }, (_, i) => at(24 + i * 20)),
    ];
    const paper = input('p', { listedAt: at(0), votes: voteTimes });
    const scores = [1, 3, 6, 12, 24, 48, 96].map((h) => trending([paper], new Date(t0.getTime() + h * HOUR), 'week')[0]?.score ?? 0);
    const peak = scores.indexOf(Math.max(...scores));
    assert.ok(peak > 0 && peak < scores.length - 1, `peaks in the middle: ${scores.map((s) => s.toFixed(2)).join(', ')}`);
    for (let i = 0; i < peak; i++) assert.ok(scores[i]! < scores[i + 1]!, `rises before the peak (${i})`);
    for (let i = peak; i < scores.length - 1; i++) assert.ok(scores[i]! > scores[i + 1]!, `falls after the peak (${i})`);
  });

  test('the score is the documented formula', () => {
    const paper = input('p', {
      listedAt: hoursAgo(30),
      votes: votes(3, 1),
      sourceUpvotes: [{ at: hoursAgo(29), count: 10 }, { at: hoursAgo(1), count: 25 }],
      stars: [{ at: hoursAgo(100), count: 1000 }, { at: hoursAgo(1), count: 1400 }],
    });
    const [e] = trending([paper], NOW, 'week');
    const points = HUB_VOTE_POINTS * 3 + SOURCE_UPVOTE_POINTS * 25 + Math.sqrt(400);
    assert.equal(e!.parts.points, points);
    assert.equal(e!.score, points / (1 + 30 / AGE_SCALE_HOURS.week) ** GRAVITY);
  });

  test('stars gained in the period count; a repository\'s old stars do not', () => {
    const growing = input('growing', { votes: votes(1, 1), stars: [{ at: hoursAgo(200), count: 50 }, { at: hoursAgo(1), count: 450 }], repo: 'o/growing' });
    const famous = input('famous', { votes: votes(1, 1), stars: [{ at: hoursAgo(200), count: 90_000 }, { at: hoursAgo(1), count: 90_000 }], repo: 'o/famous' });
    const none = input('none', { votes: votes(1, 1) });
    const byId = new Map(trending([growing, famous, none], NOW, 'week').map((e) => [e.id, e]));
    assert.equal(byId.get('growing')!.parts.starsGained, 400);
    assert.equal(byId.get('famous')!.parts.starsGained, 0);
    assert.equal(byId.get('famous')!.score, byId.get('none')!.score, '90,000 old stars add nothing');
    assert.ok(byId.get('growing')!.score > byId.get('none')!.score);
  });

  test('a repository first seen in the period counts only the growth seen since', () => {
    const firstSeen = input('p', { votes: votes(1, 1), stars: [{ at: hoursAgo(20), count: 5000 }, { at: hoursAgo(2), count: 5100 }] });
    assert.equal(trending([firstSeen], NOW, 'day')[0]!.parts.starsGained, 100);
  });

  test('source upvotes count from zero at listing, and only what was gained in the period', () => {
    const listedToday = input('new', { listedAt: hoursAgo(5), sourceUpvotes: [{ at: hoursAgo(1), count: 40 }] });
    const listedLastWeek = input('old', { listedAt: hoursAgo(200), sourceUpvotes: [{ at: hoursAgo(190), count: 100 }, { at: hoursAgo(1), count: 112 }] });
    const byId = new Map(trending([listedToday, listedLastWeek], NOW, 'day').map((e) => [e.id, e]));
    assert.equal(byId.get('new')!.parts.sourceUpvotes, 40);
    assert.equal(byId.get('old')!.parts.sourceUpvotes, 12);
  });

  test('the reasons match the inputs and read as a sentence', () => {
    const paper = input('p', {
      votes: votes(14, 1),
      sourceUpvotes: [{ at: hoursAgo(300), count: 272 }, { at: hoursAgo(3), count: 312 }],
      stars: [{ at: hoursAgo(300), count: 80 }, { at: hoursAgo(3), count: 400 }],
      repo: 'octo/repo',
      listedAt: hoursAgo(400),
    });
    const [e] = trending([paper], NOW, 'week');
    assert.deepEqual(e!.reasons, [
      { kind: 'hub-votes', gained: 14 },
      { kind: 'source-upvotes', gained: 40, total: 312 },
      { kind: 'stars', gained: 320, repo: 'octo/repo' },
    ]);
    assert.deepEqual(e!.reasons.map((r) => reasonText(r, 'week')), [
      '+14 upvotes this week',
      '+40 upvotes on Hugging Face this week (312 in all)',
      '+320 GitHub stars this week',
    ]);
    assert.equal(reasonText({ kind: 'hub-votes', gained: 1 }, 'day'), '+1 upvote in 24 h');
  });

  test('the series counts upvotes so far across the period, ending at the total', () => {
    const paper = input('p', { listedAt: hoursAgo(30), votes: [hoursAgo(26), hoursAgo(10), hoursAgo(1)], sourceUpvotes: [{ at: hoursAgo(12), count: 5 }] });
    const [e] = trending([paper], NOW, 'day');
    assert.equal(e!.series.length, 25);
    assert.equal(e!.series[0], 1, 'the vote before the period is counted at its start');
    assert.equal(e!.series.at(-1), 3 + 5);
    assert.ok(e!.series.every((v, i) => i === 0 || v >= e!.series[i - 1]!), 'never falls');
  });

  test('ties are broken by listing time, then id, whatever the input order', () => {
    const same = (id: string, listedAt: string) => input(id, { listedAt, votes: votes(3, 1) });
    const inputs = [same('b', hoursAgo(4)), same('a', hoursAgo(4)), same('c', hoursAgo(4))];
    assert.deepEqual(trending(inputs, NOW, 'day').map((e) => e.id), ['a', 'b', 'c']);
    assert.deepEqual(trending([...inputs].reverse(), NOW, 'day').map((e) => e.id), ['a', 'b', 'c']);
  });

  test('papers with nothing in the period, listed later, or with signals only after now are left out', () => {
    const quiet = input('quiet');
    const future = input('future', { listedAt: hoursAgo(-5), votes: [hoursAgo(-6)] });
    const later = input('later', { votes: [hoursAgo(-1)] });
    assert.deepEqual(trending([quiet, future, later], NOW, 'month'), []);
  });
});
