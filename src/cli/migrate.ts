// paperboy migrate --from sqlite FILE --to postgres URL: moves a whole hub from its SQLite file
// into a PostgreSQL database (src/store/copy.ts does the copying and checking), then builds the
// keyword index there and prints, per table, the rows and whether the checksums of both sides agree.
//
// Re-runs: a target that holds rows is refused unless --replace, which empties it in the same
// transaction as the copy; so running it twice gives the same target, never duplicates. A crash
// before the commit leaves the target as it was: the copy is one transaction.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type BetterSqlite3 from 'better-sqlite3';
import { databaseLabel } from '../config.ts';
import { CopyError, copyHub, openSource, planCopy, verifyHub, type CopyPlan, type TableCheck } from '../store/copy.ts';
import { connectPostgres, type PgDb } from '../store/pg-db.ts';
import { migratePostgres } from '../store/pg-migrations.ts';
import { openPostgresStore } from '../store/postgres.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import { configFrom, UserError, type GlobalFlags } from './context.ts';
import { createProgress, formatCount, type Progress } from './progress.ts';

interface MigrateOptions {
  from: string[];
  to: string[];
  replace?: boolean;
  verifyOnly?: boolean;
  batch: string;
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('copy a whole hub from its SQLite file into a PostgreSQL database, in one transaction, and check every table\'s rows and checksum')
    .requiredOption('--from <sqlite-and-file...>', 'sqlite FILE (FILE defaults to PAPERBOY_DB or --db)')
    .requiredOption('--to <postgres-and-url...>', 'postgres URL (URL defaults to PAPERBOY_DATABASE_URL)')
    .option('--replace', 'the PostgreSQL database holds a hub already: replace it (without this, such a database is refused)')
    .option('--verify-only', 'copy nothing: compare the PostgreSQL database with the SQLite file, table by table')
    .option('--batch <rows>', 'rows per insert', '1000')
    .addHelpText('after', [
      '',
      'Examples:',
      '  createdb paperboy',
      '  paperboy migrate --from sqlite ./data/paperboy.db --to postgres postgres://paperboy:secret@db.example.org/paperboy',
      '  paperboy migrate --from sqlite ./data/paperboy.db --to postgres postgres://…/paperboy --verify-only',
      '',
      'Stop the hub\'s processes first: what is written to the SQLite file after the copy starts is not copied.',
    ].join('\n'))
    .action(async (options: MigrateOptions, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      const file = endpoint(options.from, 'sqlite', '--from', config.dbPath);
      const url = endpoint(options.to, 'postgres', '--to', config.databaseUrl);
      if (!/^postgres(ql)?:\/\//.test(url)) throw new UserError(`--to postgres expects a postgres:// URL (got ${JSON.stringify(url)})`, 2);
      const batchSize = Number(options.batch);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`--batch expects a whole number of rows (got ${options.batch})`, 2);
      await migrate(resolve(file), url, { replace: Boolean(options.replace), verifyOnly: Boolean(options.verifyOnly), batchSize });
    });
}

/** "sqlite FILE" / "postgres URL": the engine as named, then its location (or the configured one). */
function endpoint(values: string[], engine: string, flag: string, fallback: string): string {
  const [name, location, ...rest] = values;
  if (name !== engine || rest.length > 0) {
    throw new UserError(`${flag} expects "${engine}" and then ${engine === 'sqlite' ? 'the file' : 'the URL'} (got ${JSON.stringify(values.join(' '))}); paperboy migrate copies from SQLite to PostgreSQL`, 2);
  }
  const where = location ?? fallback;
  if (!where) throw new UserError(`${flag} ${engine} needs ${engine === 'sqlite' ? 'a file' : 'a URL'}`, 2);
  return where;
}

async function migrate(file: string, url: string, options: { replace: boolean; verifyOnly: boolean; batchSize: number }): Promise<void> {
  const started = performance.now();
  const label = databaseLabel({ dbPath: '', databaseUrl: url });
  if (!existsSync(file)) throw new UserError(`There is no SQLite database at ${file}.`, 2);
  if (!options.verifyOnly) {
    // Brings the file to the latest schema (and finishes a repair a killed import left), as any command would.
    try {
      await (await openSqliteStore(file)).close();
    } catch (error) {
      throw new UserError(`Cannot open ${file} as a Paperboy database: ${(error as Error).message}`, 2);
    }
  }

  let source: BetterSqlite3.Database | undefined;
  let target: PgDb | undefined;
  try {
    source = openSource(file);
    try {
      target = await connectPostgres(url, { max: 2 });
      if (!options.verifyOnly) await migratePostgres(target);
    } catch (error) {
      if (error instanceof CopyError || error instanceof UserError) throw error;
      throw new UserError(`Cannot use the PostgreSQL database at ${label}: ${(error as Error).message}. Check the URL, and that the server is up and the database exists (createdb).`, 2);
    }
    const plan = await planCopy(source, target);
    const progress = tableProgress();
    if (options.verifyOnly) {
      process.stderr.write(`Comparing ${file} with ${label}, ${plan.tables.length} tables.\n`);
      const checks = await verifyHub(source, target, plan, { batchSize: options.batchSize, onTable: progress.table });
      printChecks(checks, plan);
      failOnMismatch(checks, 'The PostgreSQL database differs from the SQLite file.');
      process.stderr.write(`Every table matches (${seconds(started)}).\n`);
      return;
    }

    process.stderr.write(`Copying ${file} to ${label}, ${plan.tables.length} tables, in one transaction: nothing shows there until every table is in and checked.\n`);
    const { checks, committed } = await copyHub(source, target, plan, { replace: options.replace, batchSize: options.batchSize, onProgress: progress.update, onTable: progress.table });
    printChecks(checks, plan);
    if (!committed) failOnMismatch(checks, 'Nothing was committed: the PostgreSQL database is as it was.');
    process.stderr.write(`Committed ${formatCount(checks.reduce((n, c) => n + c.sourceRows, 0))} rows in ${seconds(started)}.\n`);
    await target.run('ANALYZE'); // fresh statistics, so the first queries are planned for the copied data
  } catch (error) {
    if (error instanceof CopyError) throw new UserError(error.message, 2);
    throw error;
  } finally {
    source?.close();
    await target?.close();
  }
  await rebuildKeywordIndex(url, label);
  process.stderr.write(`Done in ${seconds(started)}.\n`);
}

/** The keyword index is made of each engine's own words, so PostgreSQL's is built from its copy. */
async function rebuildKeywordIndex(url: string, label: string): Promise<void> {
  const store = await openPostgresStore(url);
  try {
    if ((await store.paperCount()) === 0) return;
    const bar = process.stderr.isTTY ? { current: undefined as Progress | undefined } : undefined;
    const report = await store.keywordIndex.build((done, total) => {
      if (!bar) return;
      bar.current ??= createProgress('keyword index'.padEnd(20), total, formatCount);
      bar.current.update(done);
    }).catch((error: Error) => {
      throw new UserError(`The hub was copied, but building its keyword index on ${label} failed (${error.message}); searches use the slower full-text path until \`paperboy index build\` or a running server rebuilds it.`);
    }).finally(() => bar?.current?.stop());
    process.stderr.write(`Built the keyword index on PostgreSQL: ${formatCount(report.papers)} papers, ${formatCount(report.terms)} words, in ${report.seconds.toFixed(1)} s.\n`);
  } finally {
    await store.close();
  }
}

/** A bar per table on a terminal; a line per table always (stderr, so stdout is the report). */
function tableProgress(): { update: (table: string, done: number, total: number) => void; table: (check: TableCheck) => void } {
  let bar: { table: string; progress: Progress } | undefined;
  return {
    update(table, done, total) {
      if (!process.stderr.isTTY) return;
      if (bar?.table !== table) bar = { table, progress: createProgress(table.padEnd(20), total, formatCount) };
      bar.progress.update(done);
    },
    table(check) {
      if (bar?.table === check.table) bar.progress.stop();
      bar = undefined;
      const copied = check.copySeconds === undefined ? '' : `copied in ${check.copySeconds.toFixed(2)} s, `;
      process.stderr.write(`${check.table}: ${formatCount(check.sourceRows)} rows, ${copied}checked in ${check.verifySeconds.toFixed(2)} s${check.ok ? '' : ' — DIFFERS'}\n`);
    },
  };
}

function printChecks(checks: TableCheck[], plan: CopyPlan): void {
  const width = Math.max(5, ...checks.map((c) => c.table.length), ...plan.rebuilt.map((t) => t.length));
  const rows = Math.max(4, ...checks.map((c) => formatCount(c.sourceRows).length));
  console.log(`${'table'.padEnd(width)}  ${'rows'.padStart(rows)}  ${'checksum'.padEnd(16)}  ok`);
  for (const c of checks) {
    const verdict = c.ok ? 'ok' : `MISMATCH: PostgreSQL has ${formatCount(c.targetRows)} rows, checksum ${c.targetSum.slice(0, 16)}`;
    console.log(`${c.table.padEnd(width)}  ${formatCount(c.sourceRows).padStart(rows)}  ${c.sourceSum.slice(0, 16)}  ${verdict}`);
  }
  for (const t of plan.rebuilt) console.log(`${t.padEnd(width)}  ${'-'.padStart(rows)}  ${'-'.padEnd(16)}  rebuilt on PostgreSQL from its own words`);
}

function failOnMismatch(checks: TableCheck[], consequence: string): void {
  const bad = checks.filter((c) => !c.ok).map((c) => c.table);
  if (bad.length > 0) throw new UserError(`Rows or checksums differ in ${bad.join(', ')}. ${consequence}`, 1);
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
