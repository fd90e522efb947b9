// paperboy github sample: one round of GitHub star samples for the repositories papers link.
// paperboy trending: the trending list with its reasons; `trending replay` checks the formula on
// saved Hugging Face daily lists (see src/rank/replay.ts).
import type { Command } from 'commander';
import { createGithubClient, sampleStars } from '../ingest/github.ts';
import { replayHfDaily, type ReplayReport } from '../rank/replay.ts';
import { anchoredNote, loadTrending } from '../rank/trending-list.ts';
import { ageText, formatScore, pointsText, reasonText, TRENDING_PERIODS } from '../rank/trending.ts';
import { configFrom, UserError, withStore, type GlobalFlags } from './context.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const WEEK = /^\d{4}-W\d{2}$/;

export function registerGithub(program: Command): void {
  const github = program.command('github').description("GitHub signals for trending: stars of the repositories papers link");
  github
    .command('sample')
    .description('ask GitHub for the star counts of linked repositories, least recently checked first (PAPERBOY_GITHUB_TOKEN raises the limit from 60 to 5,000 an hour)')
    .option('--limit <n>', 'repositories to ask about in this round', '60')
    .action(async (options: { limit: string }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      const limit = wholeNumber('--limit', options.limit);
      const client = createGithubClient({ apiUrl: config.githubApiUrl, token: config.githubToken || undefined, userAgent: config.userAgent });
      await withStore(config, async (store) => {
        const summary = await sampleStars(store.signals, client, { limit, log: (line) => console.log(line) });
        if (summary.checked === 0 && summary.failed === 0 && summary.resumeAt) process.exitCode = 3; // nothing done: the caller may want to wait
      });
    });

  const trendingCommand = program
    .command('trending')
    .description('what is trending, and why (see /about/trending for the formula)')
    .option('--period <period>', 'day, week or month', 'day')
    .option('--at <day>', 'as it was at the end of this day (YYYY-MM-DD), instead of now')
    .option('--limit <n>', 'papers to list', '20')
    .option('--json', 'print as JSON')
    .action(async (options: { period: string; at?: string; limit: string; json?: boolean }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      const period = TRENDING_PERIODS.find((p) => p === options.period);
      if (!period) throw new UserError(`--period must be day, week or month (got ${options.period})`);
      const now = options.at === undefined ? new Date() : endOfDay(options.at);
      const limit = wholeNumber('--limit', options.limit);
      await withStore(config, async (store) => {
        const list = await loadTrending(store, period, now, limit, { latestIfQuiet: options.at === undefined });
        if (list.anchoredAt) process.stderr.write(`${anchoredNote(list)}\n`);
        if (options.json) {
          return console.log(JSON.stringify(list.items.map(({ entry, paper }) => ({ id: paper.id, title: paper.title, score: entry.score, parts: entry.parts, reasons: entry.reasons.map((r) => reasonText(r, period)) }))));
        }
        if (list.items.length === 0) return console.log(`Nothing is trending between ${list.from} and ${list.to}.`);
        list.items.forEach(({ entry, paper }, i) => {
          console.log(`${String(i + 1).padStart(3)}. ${paper.id.padEnd(12)} ${formatScore(entry.score).padStart(8)}  ${paper.title}`);
          console.log(`${' '.repeat(27)}${entry.reasons.map((r) => reasonText(r, period)).join(', ')}; ${pointsText(entry.parts.points)}, ${ageText(entry.parts.ageHours)}`);
        });
      });
    });

  trendingCommand
    .command('replay')
    .description('replay saved Hugging Face daily lists day by day and compare each week\'s trending top 10 with its most upvoted')
    .argument('<paths...>', 'Hugging Face daily files or folders (e.g. ../shared/data/hf-daily-papers/raw)')
    .option('--week <week>', 'also list both top 10s of this ISO week (YYYY-Www)')
    .action(async (paths: string[], options: { week?: string }) => {
      if (options.week !== undefined && !WEEK.test(options.week)) throw new UserError(`--week expects an ISO week like 2025-W10 (got ${options.week})`);
      const report = await replayHfDaily(paths).catch((err: Error) => { throw new UserError(err.message); });
      printReplay(report, options.week);
    });
}

function printReplay(report: ReplayReport, week: string | undefined): void {
  console.log(`${report.days} days, ${report.entries} entries; ${report.weeks.length} weeks with at least 10 papers\n`);
  console.log('week       papers  top-10 overlap  Spearman');
  for (const w of report.weeks) console.log(`${w.week}  ${String(w.papers).padStart(6)}  ${String(w.overlap).padStart(14)}  ${w.spearman.toFixed(3).padStart(8)}`);
  console.log(`\nmean overlap ${report.meanOverlap.toFixed(2)} of 10, mean Spearman ${report.meanSpearman.toFixed(3)}`);
  if (week === undefined) return;
  const w = report.weeks.find((c) => c.week === week);
  if (!w) throw new UserError(`${week} is not among the weeks compared (fewer than 10 papers, or outside the files)`);
  console.log(`\n${week} (lists taken at ${w.end})\n rank  trending      most upvoted`);
  w.trendingTop.forEach((id, i) => console.log(`${String(i + 1).padStart(5)}  ${id.padEnd(12)}  ${w.upvotedTop[i] ?? ''}`));
}

function endOfDay(day: string): Date {
  const start = DAY.test(day) ? Date.parse(`${day}T00:00:00.000Z`) : NaN;
  if (Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== day) throw new UserError(`--at expects a day written YYYY-MM-DD (got ${day})`);
  return new Date(start + 86_400_000);
}

function wholeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new UserError(`${flag} expects a whole number of at least 1 (got ${value})`);
  return n;
}
