// Trending on real data: 580 days of Hugging Face daily lists replayed as if their upvotes arrived
// live, and each week's trending list set against that week's most upvoted papers.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { replayHfDaily, spearmanOverUnion, type ReplayReport } from '../../src/rank/replay.ts';
import { needsData, sharedData } from '../helpers/shared-data.ts';

const WEEK = '2025-W10';
const WEEK_DAYS = ['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07', '2025-03-08', '2025-03-09'];

describe('spearmanOverUnion', () => {
  test('1 for the same order, −1 reversed, and papers missing from a ranking sit past its end', () => {
    assert.equal(spearmanOverUnion(['a', 'b', 'c'], ['a', 'b', 'c'], 3), 1);
    assert.equal(spearmanOverUnion(['a', 'b', 'c'], ['c', 'b', 'a'], 3), -1);
    // union {a, b, c, d}: positions in the first a1 b2 c3 d4 (missing: one past its end), in the second a2 b1 c4 d3
    const r = spearmanOverUnion(['a', 'b', 'c'], ['b', 'a', 'd'], 3);
    assert.ok(Math.abs(r - 0.6) < 1e-9, String(r));
  });
});

describe('replaying Hugging Face daily papers', { skip: needsData('hf-daily-papers', 'raw') }, () => {
  let report: ReplayReport;
  before(async () => {
    report = await replayHfDaily([sharedData('hf-daily-papers', 'raw')]);
    console.log(`replay: ${report.days} days, ${report.entries} entries, ${report.weeks.length} weeks compared; ` +
      `mean top-10 overlap ${report.meanOverlap.toFixed(2)}, mean Spearman ${report.meanSpearman.toFixed(3)}`);
  });

  test('every daily file is fed', () => {
    assert.equal(report.days, 580);
    assert.equal(report.entries, 9881);
  });

  test(`${WEEK}: the most upvoted list matches a count made straight from the files`, () => {
    const week = report.weeks.find((w) => w.week === WEEK)!;
    const counted = WEEK_DAYS.map((d) => sharedData('hf-daily-papers', 'raw', `${d}.json`))
      .filter((f) => existsSync(f))
      .flatMap((f) => JSON.parse(readFileSync(f, 'utf8')) as { paper: { id: string; upvotes: number } }[])
      .map((e) => e.paper)
      .sort((a, b) => b.upvotes - a.upvotes || (a.id < b.id ? -1 : 1));
    assert.equal(week.papers, counted.length);
    assert.deepEqual(week.upvotedTop, counted.slice(0, 10).map((p) => p.id));
    assert.equal(week.end, '2025-03-10T00:00:00.000Z');
    console.log(`${WEEK}: trending ${week.trendingTop.join(' ')}\n${WEEK}: upvoted  ${week.upvotedTop.join(' ')}\n` +
      `${WEEK}: overlap ${week.overlap}/10, Spearman ${week.spearman.toFixed(3)}`);
  });

  test(`${WEEK}: overlap and correlation are computed over the two top lists`, () => {
    const week = report.weeks.find((w) => w.week === WEEK)!;
    assert.equal(week.trendingTop.length, 10);
    assert.equal(new Set(week.trendingTop).size, 10);
    const weekIds = new Set(week.upvotedTop);
    assert.equal(week.overlap, week.trendingTop.filter((id) => weekIds.has(id)).length);
    assert.ok(week.trendingTop.every((id) => id.startsWith('2502.') || id.startsWith('2503.')), 'trending this week is about this week\'s papers');
    // Measured: 9 of 10 shared, Spearman 0.66. The floors leave room for a changed constant, not for a broken formula.
    assert.ok(week.overlap >= 7, `overlap ${week.overlap}`);
    assert.ok(week.spearman >= 0.4, `Spearman ${week.spearman}`);
  });

  test('over every week: trending keeps most of the most upvoted, in a related but newer-leaning order', () => {
    // Measured over 117 weeks: mean overlap 7.73 (min 5), mean Spearman 0.447.
    assert.ok(report.weeks.length >= 110);
    assert.ok(report.meanOverlap >= 7 && report.meanOverlap < 10, `mean overlap ${report.meanOverlap}`);
    assert.ok(report.meanSpearman >= 0.35 && report.meanSpearman < 0.95, `mean Spearman ${report.meanSpearman}`);
    assert.ok(report.weeks.every((w) => w.overlap >= 4), 'no week where trending loses the plot');
  });
});
