import type { Command } from 'commander';
import { fetchArxiv } from '../ingest/arxiv-api.ts';
import { arxivClient, configFrom, UserError, withStore, embedNewPapers, type GlobalFlags } from './context.ts';
import { printIngestSummary } from './summary.ts';

export function registerFetch(program: Command): void {
  program
    .command('fetch')
    .description('fetch papers by arXiv id from the arXiv API')
    .argument('<ids...>', 'arXiv ids in any form: 2207.06389, arXiv:2207.06389v2, hep-th/9901001, https://arxiv.org/abs/...')
    .option('--url <url>', "arXiv API endpoint (default: PAPERBOY_ARXIV_API_URL or arXiv's)")
    .action(async (ids: string[], options: { url?: string }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      await withStore(config, async (store) => {
        const started = performance.now();
        const report = await fetchArxiv(store, ids, { baseUrl: options.url ?? config.arxivApiUrl, client: arxivClient(config) })
          .catch((err: Error) => { throw err.name === 'HttpError' ? err : new UserError(err.message); });
        printIngestSummary(report, (performance.now() - started) / 1000);
        await embedNewPapers(store, config);
        if (report.missing.length > 0) {
          console.log(`not found on arXiv: ${report.missing.join(', ')}`);
          if (report.added + report.updated + report.unchanged === 0) throw new UserError('none of the ids exist on arXiv');
        }
      }, { create: true });
    });
}
