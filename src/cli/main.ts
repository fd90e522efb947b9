// paperboy: the command line. Each command lives in its own file; this one wires them up and
// turns every failure into one line and a non-zero exit code.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.ts';
import { UserError } from './context.ts';
import { registerDigest } from './digest.ts';
import { registerFetch } from './fetch.ts';
import { registerGithub } from './github.ts';
import { registerHarvest } from './harvest.ts';
import { registerIndex } from './index-cmd.ts';
import { registerIngest } from './ingest.ts';
import { registerMigrate } from './migrate.ts';
import { registerModels } from './models.ts';
import { registerSearch } from './search.ts';
import { registerServe } from './serve.ts';
import { registerStats } from './stats.ts';
import { registerUsers } from './users.ts';

const program = new Command()
  .name('paperboy')
  .description('A self-hosted hub for research papers: harvest, browse by day, search by keyword and meaning.')
  .version('0.1.0')
  .option('--db <path>', 'SQLite database file (PAPERBOY_DB, default ./data/paperboy.db)')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

for (const register of [registerServe, registerIngest, registerHarvest, registerFetch, registerSearch, registerIndex, registerModels, registerStats]) register(program);
registerGithub(program);
registerUsers(program);
registerDigest(program);
registerMigrate(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err);
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode; // commander has printed its own message
  if (err instanceof ConfigError) {
    process.stderr.write(`paperboy: ${err.problems.join(' ')}\n`);
    return 2;
  }
  if (err instanceof UserError) {
    process.stderr.write(`paperboy: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as Error & { code?: string };
  process.stderr.write(`paperboy: ${e.code === 'EADDRINUSE' ? `${e.message}: the port is taken; choose another with --port or PAPERBOY_PORT` : e.message ?? String(err)}\n`);
  if (process.env.PAPERBOY_DEBUG) console.error(err);
  return 1;
}
