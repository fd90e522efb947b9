import type { Command } from 'commander';
import { databaseLabel, type Config } from '../config.ts';
import type { PaperRecord } from '../paper/types.ts';
import { describeRun, runDigests } from '../digest/run.ts';
import { every, type PeriodicJob } from '../jobs/periodic.ts';
import { processOwner, withLease, withLeaseKept } from '../jobs/lease.ts';
import { createGithubClient, sampleStars } from '../ingest/github.ts';
import { categoriesToOaiSets, harvestOai } from '../ingest/oai-harvest.ts';
import type { Store } from '../store/store.ts';
import { buildApp } from '../web/app.ts';
import { LONGEST_WINDOW_MS } from '../web/limits.ts';
import { DEFAULT_LSA_DIMENSIONS } from '../search/embedder-config.ts';
import type { SemanticSearch } from '../search/semantic.ts';
import { arxivClient, baseUrlFor, openStoreFor, configFrom, digestContextFor, keepKeywordIndexCurrent, mailerFor, openSemantic, type GlobalFlags } from './context.ts';

const EMPTY_HINT = 'Import papers with `npx paperboy ingest PATH` (Hugging Face daily-papers JSON, arXiv OAI-PMH XML, the Kaggle arXiv dump) or `npx paperboy harvest --from YYYY-MM-DD --set cs`.';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the web hub (on an empty database, first tries to harvest the last few days from arXiv in the background)')
    .option('--host <host>', 'address to listen on (PAPERBOY_HOST, default 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on (PAPERBOY_PORT, default 3000)')
    .option('--no-harvest', 'do not harvest from arXiv on an empty database')
    .option('--no-index', 'do not build the meaning-search index in the background when there is none')
    .action(async (options: { host?: string; port?: string; harvest: boolean; index: boolean }, command: Command) => {
      const config = configFrom({ ...command.optsWithGlobals<GlobalFlags>(), host: options.host, port: options.port });
      await serve(config, options);
    });
}

/** How often the server picks up papers and vectors that other processes (imports) added. */
const REFRESH_MS = 5 * 60_000;
/** Below this many papers, meaning search has too little to learn from to be worth building. */
const MIN_PAPERS_FOR_INDEX = 50;
const PRUNE_HITS_MS = 60 * 60_000;

async function serve(config: Config, options: { harvest: boolean; index: boolean }): Promise<void> {
  const store = await openStoreFor(config, { create: true });
  // JSON lines for log collectors; readable lines for a person at a terminal.
  const transport = process.stdout.isTTY ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } : undefined;
  let log: (line: string) => void = () => {};
  const semantic = await openSemantic(store, config, (line) => log(line));
  const mailer = mailerFor(config, (line) => log(line));
  const digestMailer = mailerFor(config, (line) => log(line), { pool: true });
  const app = await buildApp({
    store,
    semantic,
    logger: { level: config.logLevel, transport },
    siteName: config.siteName,
    emptyStateHint: EMPTY_HINT,
    remoteImages: config.remoteImages,
    trustProxy: config.trustProxy,
    limits: { maxConnections: config.maxConnections },
    community: {
      baseUrl: baseUrlFor(config),
      mailer,
      submitWindowDays: config.submitWindowDays,
      submissionsPerDay: config.submissionsPerDay,
      arxiv: { baseUrl: config.arxivApiUrl, client: arxivClient(config, (line) => log(line)) },
    },
  });
  log = (line) => app.log.info(line);
  const owner = processOwner();
  const upkeep = () => keepIndexCurrent(store, semantic, { buildWhenMissing: options.index, owner }, log);
  const jobs: PeriodicJob[] = [every(REFRESH_MS, upkeep, { onError: failedTo('Index upkeep failed', log) })];
  // Rate-limit hits older than the longest window count for nothing; forgetting them keeps the table small.
  jobs.push(every(PRUNE_HITS_MS, () => store.shared.pruneHits(new Date(Date.now() - LONGEST_WINDOW_MS).toISOString()), { onError: failedTo('Pruning old rate-limit counts failed', log) }));
  if (config.githubSampleMinutes > 0) jobs.push(sampleStarsEvery(store, config, owner, log));
  if (config.digestMinutes > 0) {
    const digests = await digestContextFor(store, semantic, config, digestMailer);
    jobs.push(every(config.digestMinutes * 60_000, async () => {
      const outcome = await runDigests(digests, { owner });
      // Quiet when there was nothing to do: this runs every minute.
      if (outcome.ran && (outcome.value.compose.due > 0 || outcome.value.send.sent + outcome.value.send.retrying + outcome.value.send.failed + outcome.value.send.bounced > 0 || outcome.value.send.stopped)) log(describeRun(outcome.value));
    }, { firstAfterMs: FIRST_DIGEST_RUN_MS, onError: failedTo('Digests could not be sent', log) }));
  }
  const shutdown = async (signal: string) => {
    app.log.info(`${signal}: shutting down`);
    await Promise.all(jobs.map((job) => job.stop()));
    digestMailer.close();
    await app.close();
    await semantic.close();
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
  const papers = await store.paperCount();
  app.log.info(`Paperboy serves ${papers} papers from ${databaseLabel(config)}; meaning search ${semantic.model ? `uses ${semantic.model.name}` : 'is not built yet'}; mails go to ${mailer.describe}; ${config.digestMinutes > 0 ? `digests are checked every ${config.digestMinutes} min` : 'digests are left to `paperboy digest run`'}`);
  const harvest = papers === 0 && options.harvest && config.harvestDays > 0 ? harvestOnce(store, config, owner, log) : Promise.resolve();
  void harvest.then(upkeep);
}

/** Repositories asked about per round: GitHub allows 60 requests an hour without a token. */
const GITHUB_ROUND = 50;
const FIRST_GITHUB_ROUND_MS = 60_000;
const GITHUB_LEASE_MS = 10 * 60_000;
/** Each repository's line says what it is about; the round's summary already does. */
const GITHUB_PREFIX = 'GitHub stars: ';
/** Soon after start, so digests that fell due while the hub was down go out. */
const FIRST_DIGEST_RUN_MS = 10_000;

/**
 * Samples linked repositories' stars for trending, one round every so often, in the background;
 * under a lease, so that several servers on one database share GitHub's rate limit instead of each
 * spending it.
 */
function sampleStarsEvery(store: Store, config: Config, owner: string, log: (line: string) => void): PeriodicJob {
  const client = createGithubClient({ apiUrl: config.githubApiUrl, token: config.githubToken || undefined, userAgent: config.userAgent });
  const round = async () => {
    await withLease(store.shared, 'github-stars', { owner, ttlMs: GITHUB_LEASE_MS }, () => sampleStars(store.signals, client, { limit: GITHUB_ROUND, log: (line) => log(line.startsWith(GITHUB_PREFIX) ? line : `${GITHUB_PREFIX}${line}`) }));
  };
  // Soon after start, not an hour later.
  return every(config.githubSampleMinutes * 60_000, round, { firstAfterMs: FIRST_GITHUB_ROUND_MS, onError: failedTo('GitHub stars could not be sampled', log) });
}

function failedTo(what: string, log: (line: string) => void): (error: Error) => void {
  return (error) => log(`${what}: ${error.message}`);
}

/**
 * Rebuilds the keyword index when due; embeds new papers; builds the built-in model first if there
 * is none and enough papers.
 */
/** Index upkeep can take minutes on a big hub; its lease is renewed while it runs. */
const INDEX_LEASE_MS = 5 * 60_000;
const HARVEST_LEASE_MS = 5 * 60_000;

/**
 * This process's meaning index takes in what other processes stored; then, in one process of all
 * those on the database at a time (a lease), the keyword index is rebuilt when due and new papers
 * are embedded (or the first model is built). A process killed mid-way leaves the lease to run out.
 */
async function keepIndexCurrent(store: Store, semantic: SemanticSearch, options: { buildWhenMissing: boolean; owner: string }, log: (line: string) => void): Promise<void> {
  try {
    await semantic.refresh();
    await withLeaseKept(store.shared, 'index-upkeep', { owner: options.owner, ttlMs: INDEX_LEASE_MS }, () => upkeepIndexes(store, semantic, options.buildWhenMissing, log));
  } catch (err) {
    log(`Meaning search could not be updated: ${(err as Error).message}`);
  }
}

async function upkeepIndexes(store: Store, semantic: SemanticSearch, buildWhenMissing: boolean, log: (line: string) => void): Promise<void> {
  let lastLogged = 0;
  const keywords = await keepKeywordIndexCurrent(store, (_step, done, total) => {
    if (Date.now() - lastLogged > 10_000) log(`keyword index build: ${Math.round((100 * done) / Math.max(1, total))}%`);
    lastLogged = Date.now();
  });
  if (keywords) log(`Built the keyword index: ${keywords.papers} papers, ${keywords.terms} words, in ${keywords.seconds.toFixed(1)} s`);
  if (semantic.model) {
    const done = await semantic.catchUp();
    if (done > 0) log(`Embedded ${done} new or changed papers for meaning search`);
    return;
  }
  if (!buildWhenMissing || semantic.isBuilding) return;
  const papers = await store.paperCount();
  if (papers < MIN_PAPERS_FOR_INDEX) return;
  log(`Building the meaning-search index for ${papers} papers in the background; searches use keywords until it is ready`);
  let lastStep = '';
  await semantic.build({ kind: 'lsa', dimensions: DEFAULT_LSA_DIMENSIONS }, (step, done, total) => {
    if (step !== lastStep || done === total) log(`index build: ${step} ${done} of ${total}`);
    lastStep = step;
  });
}

/** Several processes starting on one empty database: one harvests, the others serve and say so. */
async function harvestOnce(store: Store, config: Config, owner: string, log: (line: string) => void): Promise<void> {
  const outcome = await withLeaseKept(store.shared, 'start-up-harvest', { owner, ttlMs: HARVEST_LEASE_MS }, () => harvestRecent(store, config, log));
  if (!outcome.ran) log(`Another process (${outcome.holder ?? 'unknown'}) is harvesting arXiv for this database; this one serves meanwhile.`);
}

/** The start-up harvest: best effort, in the background; the hub serves (with its empty state) meanwhile. */
async function harvestRecent(store: Store, config: Config, log: (line: string) => void): Promise<void> {
  const from = new Date(Date.now() - config.harvestDays * 86_400_000).toISOString().slice(0, 10);
  // One retry, not four: this runs at start-up, and a person who ran `npm start` offline should
  // hear within seconds that the hub serves without arXiv, not after half a minute of retries.
  const client = arxivClient(config, log, { retries: 1, giveUpHint: '' });
  const wanted = new Set(config.categories);
  const accept = (paper: PaperRecord) => (paper.categories ?? []).some((c) => wanted.has(c));
  for (const set of categoriesToOaiSets(config.categories)) {
    log(`Harvesting arXiv set ${set} since ${from} (categories ${config.categories.join(', ')})`);
    try {
      const report = await harvestOai(store, { baseUrl: config.oaiUrl, from, set, client, log, accept });
      log(`Harvested set ${set}: ${report.added} added, ${report.updated} updated, ${report.skipped} outside the wanted categories or skipped, ${report.errors} errors`);
    } catch (err) {
      log(`arXiv could not be reached: ${(err as Error).message.split('\n')[0]!.replace(/\.$/, '')}. The hub serves anyway, without papers. ${EMPTY_HINT} Restarting it when arXiv is reachable tries again.`);
      return;
    }
  }
}
