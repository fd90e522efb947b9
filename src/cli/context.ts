// What every command needs: settings, an open store, an HTTP client for live sources,
// and a way to fail with a one-line reason.
import { existsSync, readFileSync } from 'node:fs';
import { databaseLabel, loadConfig, type Config, type ConfigFlags } from '../config.ts';
import { hubLinkSigner } from '../digest/links.ts';
import { createMailer, type DkimSettings, type Mailer } from '../digest/mailer.ts';
import type { DigestRunContext } from '../digest/run.ts';
import { centroidRecommender } from '../rank/personal.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPoliteClient, type PoliteClient, type PoliteClientOptions } from '../ingest/http.ts';
import { SemanticSearch } from '../search/semantic.ts';
import { createStepProgress } from './progress.ts';
import { openPostgresStore } from '../store/postgres.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { KeywordBuildReport, Store } from '../store/store.ts';
import type { ProgressFn } from '../search/embedders/types.ts';

/** An error the user can act on: printed as one line, no stack trace, exit code 1 (or as given). */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export interface GlobalFlags extends ConfigFlags {
  db?: string;
}

export function configFrom(flags: GlobalFlags): Config {
  return loadConfig(process.env, flags);
}

/** Opens the store, runs the work, and always closes the store (WAL checkpoints on close). */
/**
 * Opens the hub's database for one command. Only the commands that add papers (ingest, harvest,
 * fetch; and serve) create it: a command that reads refuses a path where there is none, so a
 * mistyped PAPERBOY_DB says so instead of creating directories and an empty hub that reports zeros.
 */
export async function withStore<T>(config: Config, work: (store: Store) => Promise<T>, options: { create?: boolean } = {}): Promise<T> {
  const store = await openStoreFor(config, options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * The hub's store: PostgreSQL when PAPERBOY_DATABASE_URL is set (migrated on open, made by the
 * server's owner beforehand), else the SQLite file, which only commands that add papers create.
 */
export async function openStoreFor(config: Config, options: { create?: boolean } = {}): Promise<Store> {
  if (config.databaseUrl) {
    try {
      return await openPostgresStore(config.databaseUrl);
    } catch (error) {
      throw new UserError(`Cannot use the PostgreSQL database at ${databaseLabel(config)}: ${(error as Error).message}. Check PAPERBOY_DATABASE_URL, and that the server is up and the database exists (createdb paperboy).`, 2);
    }
  }
  if (!options.create && config.dbPath !== ':memory:' && !existsSync(config.dbPath)) {
    throw new UserError(
      `There is no database at ${config.dbPath}. Check PAPERBOY_DB or --db; ` +
        'a new hub\'s database is made by `paperboy ingest PATH`, `paperboy harvest` or `paperboy serve`.',
      2,
    );
  }
  return openSqliteStore(config.dbPath);
}

export function arxivClient(
  config: Config,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  options: Pick<PoliteClientOptions, 'retries' | 'giveUpHint'> = {},
): PoliteClient {
  return createPoliteClient({ userAgent: config.userAgent, minDelayMs: config.politeDelaySeconds * 1000, log, ...options });
}

/** The address people reach the hub at: PAPERBOY_BASE_URL, else where `serve` listens. */
export function baseUrlFor(config: Config): string {
  return config.baseUrl || `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}`;
}

/** SMTP (pooled for digests when asked) with DKIM when configured, or the log. */
export function mailerFor(config: Config, log: (line: string) => void, options: { pool?: boolean } = {}): Mailer {
  let dkim: DkimSettings | undefined;
  if (config.dkimKeyFile) {
    try {
      dkim = { domainName: config.dkimDomain, keySelector: config.dkimSelector, privateKey: readFileSync(config.dkimKeyFile, 'utf8') };
    } catch (error) {
      throw new UserError(`PAPERBOY_DKIM_KEY_FILE cannot be read (${(error as Error).message}); give the path of a PEM private key, or leave it empty.`, 2);
    }
  }
  return createMailer({ ...config, dkim }, log, options.pool ? { pool: { connections: config.smtpConnections } } : {});
}

/** What a digest run needs: the store and search, a recommender, a pooled mailer and the signed links. */
export async function digestContextFor(store: Store, semantic: SemanticSearch, config: Config, mailer: Mailer): Promise<DigestRunContext> {
  return {
    store,
    semantic,
    recommender: centroidRecommender(store, semantic),
    mailer,
    signer: await hubLinkSigner(store.shared),
    siteName: config.siteName,
    baseUrl: baseUrlFor(config),
    concurrency: config.smtpConnections,
  };
}

/**
 * Model and vector-index files: PAPERBOY_INDEX_DIR, else a folder beside the SQLite file. On
 * PostgreSQL the vectors live in the database and each machine keeps its own index built from them.
 */
export function indexDirFor(config: Config): string {
  if (config.indexDir) return config.indexDir;
  if (config.databaseUrl) return resolve('data', 'paperboy.index');
  return config.dbPath === ':memory:' ? join(tmpdir(), `paperboy-index-${process.pid}`) : `${config.dbPath}.index`;
}

export function openSemantic(store: Store, config: Config, log?: (line: string) => void): Promise<SemanticSearch> {
  return SemanticSearch.open(store, { indexDir: indexDirFor(config), log });
}

/**
 * Rebuilds the keyword impact index when there is none or more than a tenth of the hub has
 * changed since it was built (until then those papers are scored from their text at each query).
 */
export async function keepKeywordIndexCurrent(store: Store, progress: ProgressFn = () => {}): Promise<KeywordBuildReport | undefined> {
  if (!(await store.keywordIndex.status()).needsRebuild || await store.paperCount() === 0) return undefined;
  return store.keywordIndex.build((done, total) => progress('keyword index', done, total));
}

/** After an import: the keyword index is rebuilt if due, and new papers get their vectors, if meaning search is set up. */
export async function embedNewPapers(store: Store, config: Config): Promise<void> {
  const keywordProgress = createStepProgress();
  const keywords = await keepKeywordIndexCurrent(store, keywordProgress.update).finally(() => keywordProgress.stop());
  if (keywords) process.stderr.write(`Rebuilt the keyword index: ${keywords.papers} papers, ${keywords.terms} words, in ${keywords.seconds.toFixed(1)} s.\n`);
  const semantic = await openSemantic(store, config, (line) => process.stderr.write(`${line}\n`));
  if (!semantic.model) return;
  const progress = createStepProgress();
  const done = await semantic.catchUp(progress.update).finally(() => progress.stop());
  await semantic.close();
  if (done > 0) process.stderr.write(`Embedded ${done} new or changed paper(s) for meaning search.\n`);
}
