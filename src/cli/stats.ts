import type { Command } from 'commander';
import { markInterruptedRuns } from '../ingest/runs.ts';
import { databaseLabel } from '../config.ts';
import type { IngestRun, StoreStats } from '../store/store.ts';
import { configFrom, UserError, withStore, type GlobalFlags } from './context.ts';
import { formatCount } from './progress.ts';

/** Interrupted runs described one by one; the rest are counted. */
const INTERRUPTED_SHOWN = 3;

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('show what the hub holds and how the last import went')
    .option('--errors <run>', 'list the bad records of an ingest run')
    .option('--json', 'print as JSON')
    .action(async (options: { errors?: string; json?: boolean }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      await withStore(config, async (store) => {
        if (options.errors !== undefined) {
          const run = Number(options.errors);
          if (!Number.isInteger(run) || run < 1) throw new UserError(`--errors expects an ingest run number (got ${options.errors})`);
          for (const e of await store.recentIngestErrors(run, 100_000)) console.log(`${e.source}\t${e.position}\t${e.reason}`);
          return;
        }
        // A killed import left its run marked running: say what it is, and what it had committed.
        await markInterruptedRuns(store);
        const s = await store.stats();
        if (options.json) return console.log(JSON.stringify(s));
        console.log(`database      ${databaseLabel(config)}`);
        console.log(`papers        ${formatCount(s.papers)} (${formatCount(s.withAbstract)} with abstracts, ${formatCount(s.withHfSignals)} with Hugging Face signals)`);
        console.log(`versions      ${formatCount(s.versions)}`);
        console.log(`authors       ${formatCount(s.authors)}`);
        console.log(`listed days   ${formatCount(s.listedDays)}, ${s.firstDay ?? '-'} to ${s.lastDay ?? '-'}`);
        if (s.categories.length > 0) console.log(`categories    ${s.categories.map((c) => `${c.category} ${formatCount(c.count)}`).join(', ')}`);
        if (s.lastRun) {
          const r = s.lastRun;
          console.log(`last import   #${r.id} ${r.status} ${r.startedAt}: read ${formatCount(r.read)}, added ${formatCount(r.added)}, updated ${formatCount(r.updated)}, unchanged ${formatCount(r.unchanged)}, errors ${formatCount(r.errors)}`);
        }
        if (s.interruptedCount > 0) console.log(`interrupted   ${interruptedLine(s)}`);
      });
    });
}

/** "1 ingest run was interrupted (#4 ingest big.jsonl: stopped after 2024-…Z, 1,200 papers committed before)". */
function interruptedLine(s: Pick<StoreStats, 'interruptedRuns' | 'interruptedCount'>): string {
  const n = s.interruptedCount;
  const shown = s.interruptedRuns.slice(0, INTERRUPTED_SHOWN).map(describeInterrupted);
  if (n > shown.length) shown.push(`${formatCount(n - shown.length)} earlier`);
  return `${formatCount(n)} ingest ${n === 1 ? 'run was' : 'runs were'} interrupted (${shown.join('; ')})`;
}

function describeInterrupted(r: IngestRun): string {
  const committed = r.added + r.updated + r.unchanged;
  const when = r.committedAt ? `stopped after ${r.committedAt}` : `started ${r.startedAt}, stopped before its first batch`;
  return `#${r.id} ${r.command}: ${when}, ${formatCount(committed)} ${committed === 1 ? 'paper' : 'papers'} committed before`;
}
