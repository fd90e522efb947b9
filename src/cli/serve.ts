import type { Command } from 'commander';
import type { Config } from '../config.ts';
import type { PaperRecord } from '../paper/types.ts';
import { categoriesToOaiSets, harvestOai } from '../ingest/oai-harvest.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Store } from '../store/store.ts';
import { buildApp } from '../web/app.ts';
import { arxivClient, configFrom, type GlobalFlags } from './context.ts';

const EMPTY_HINT = 'This hub has no papers yet. Import some with `npx paperboy ingest PATH` (Hugging Face daily-papers JSON, arXiv OAI-PMH XML, the Kaggle arXiv dump) or `npx paperboy harvest --from YYYY-MM-DD --set cs`.';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the web hub (on an empty database, first tries to harvest the last few days from arXiv in the background)')
    .option('--host <host>', 'address to listen on (PAPERBOY_HOST, default 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on (PAPERBOY_PORT, default 3000)')
    .option('--no-harvest', 'do not harvest from arXiv on an empty database')
    .action(async (options: { host?: string; port?: string; harvest: boolean }, command: Command) => {
      const config = configFrom({ ...command.optsWithGlobals<GlobalFlags>(), host: options.host, port: options.port });
      await serve(config, options.harvest);
    });
}

async function serve(config: Config, harvestWhenEmpty: boolean): Promise<void> {
  const store = await openSqliteStore(config.dbPath);
  // JSON lines for log collectors; readable lines for a person at a terminal.
  const transport = process.stdout.isTTY ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } : undefined;
  const app = await buildApp({ store, logger: { level: config.logLevel, transport }, siteName: config.siteName, emptyStateHint: EMPTY_HINT });
  const shutdown = async (signal: string) => {
    app.log.info(`${signal}: shutting down`);
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await store.close();
    throw err;
  }
  const stats = await store.stats();
  app.log.info(`Paperboy serves ${stats.papers} papers from ${config.dbPath}`);
  if (stats.papers === 0 && harvestWhenEmpty && config.harvestDays > 0) {
    void harvestRecent(store, config, (line) => app.log.info(line));
  }
}

/** The start-up harvest: best effort, in the background; the hub serves (with its empty state) meanwhile. */
async function harvestRecent(store: Store, config: Config, log: (line: string) => void): Promise<void> {
  const from = new Date(Date.now() - config.harvestDays * 86_400_000).toISOString().slice(0, 10);
  const client = arxivClient(config, log);
  const wanted = new Set(config.categories);
  const accept = (paper: PaperRecord) => (paper.categories ?? []).some((c) => wanted.has(c));
  for (const set of categoriesToOaiSets(config.categories)) {
    log(`Harvesting arXiv set ${set} since ${from} (categories ${config.categories.join(', ')})`);
    try {
      const report = await harvestOai(store, { baseUrl: config.oaiUrl, from, set, client, log, accept });
      log(`Harvested set ${set}: ${report.added} added, ${report.updated} updated, ${report.skipped} outside the wanted categories or skipped, ${report.errors} errors`);
    } catch (err) {
      log(`Could not harvest from arXiv (${(err as Error).message.split('\n')[0]}). Serving anyway; ${EMPTY_HINT}`);
      return;
    }
  }
}
