import type { Command } from 'commander';
import { harvestOai, type OaiMetadataPrefix } from '../ingest/oai-harvest.ts';
import { parseDay } from '../search/query.ts';
import { arxivClient, configFrom, UserError, withStore, embedNewPapers, type GlobalFlags } from './context.ts';
import { formatCount } from './progress.ts';
import { printIngestSummary } from './summary.ts';

const PREFIXES: OaiMetadataPrefix[] = ['arXiv', 'arXivRaw', 'oai_dc'];

export function registerHarvest(program: Command): void {
  program
    .command('harvest')
    .description("harvest new and changed papers from arXiv's OAI-PMH service; an interrupted harvest resumes when re-run with the same arguments")
    .requiredOption('--from <date>', 'first datestamp to harvest, YYYY-MM-DD')
    .option('--until <date>', 'last datestamp to harvest, YYYY-MM-DD')
    .option('--set <spec>', 'OAI set, e.g. cs, math, physics:hep-th')
    .option('--format <prefix>', `metadata format: ${PREFIXES.join(', ')}`, 'arXiv')
    .option('--url <url>', 'OAI-PMH endpoint (default: PAPERBOY_OAI_URL or arXiv\'s)')
    .addHelpText('after', '\nExample:\n  paperboy harvest --from 2026-11-20 --set cs')
    .action(async (options: { from: string; until?: string; set?: string; format: string; url?: string }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      const from = checkDay('--from', options.from);
      const until = options.until === undefined ? undefined : checkDay('--until', options.until);
      if (until && until < from) throw new UserError(`--until ${until} is before --from ${from}`);
      const metadataPrefix = PREFIXES.find((p) => p === options.format);
      if (!metadataPrefix) throw new UserError(`--format must be one of ${PREFIXES.join(', ')} (got ${options.format})`);

      await withStore(config, async (store) => {
        const started = performance.now();
        const report = await harvestOai(store, {
          baseUrl: options.url ?? config.oaiUrl,
          from,
          until,
          set: options.set,
          metadataPrefix,
          client: arxivClient(config),
          onPage: (p) => console.error(`page ${p.page}: ${formatCount(p.records)} records (${formatCount(p.totals.read)}${p.completeListSize ? ` of ${formatCount(p.completeListSize)}` : ''} so far)`),
        });
        printIngestSummary(report, (performance.now() - started) / 1000);
        await embedNewPapers(store, config);
        console.log(`${report.pages} page(s)${report.resumed ? ', resumed from an interrupted harvest' : ''}`);
      }, { create: true });
    });
}

function checkDay(flag: string, value: string): string {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? parseDay(value) : undefined;
  if (!day) throw new UserError(`${flag} expects a date like 2026-11-20 (got ${value})`);
  return day;
}
