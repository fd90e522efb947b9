import type { Command } from 'commander';
import { databaseLabel } from '../config.ts';
import { ingest } from '../ingest/pipeline.ts';
import { listInputs, readInputs } from '../ingest/sources.ts';
import { configFrom, UserError, withStore, embedNewPapers, type GlobalFlags } from './context.ts';
import { createProgress, formatBytes } from './progress.ts';
import { printIngestSummary } from './summary.ts';

/** Above this much input, index once at the end instead of row by row (see STACK.md: FTS5 dominates). */
const BULK_BYTES = 16 * 1024 * 1024;

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('import papers from files or folders (arXiv OAI-PMH XML, arXiv API Atom, Kaggle arXiv JSON lines, Hugging Face daily papers JSON; .gz too)')
    .argument('<paths...>', 'files or folders; folders are read recursively')
    .option('--bulk', 'rebuild the keyword index once at the end (default: automatic, for inputs over 16 MB)')
    .option('--no-bulk', 'keep the keyword index up to date row by row')
    .option('--batch-size <n>', 'records per transaction', '2000')
    .addHelpText('after', '\nExamples:\n  paperboy ingest ../shared/data/hf-daily-papers/raw\n  paperboy ingest arxiv-metadata-oai-snapshot.json.gz')
    .action(async (paths: string[], options: { bulk?: boolean; batchSize: string }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`--batch-size must be a positive whole number (got ${options.batchSize})`);
      const found = await listInputs(paths).catch((err: Error) => { throw new UserError(err.message); });
      if (found.length === 0) throw new UserError(`no importable files in ${paths.join(', ')} (expected .xml, .json, .jsonl, .atom or .gz)`);
      // An empty file holds no records and no error: say so and read the rest.
      const empty = found.filter((f) => f.size === 0);
      for (const f of empty) console.error(`Skipping ${f.path}: the file is empty`);
      const files = found.filter((f) => f.size > 0);
      if (files.length === 0) throw new UserError(`nothing to import: ${empty.length === 1 ? 'the file is' : `all ${empty.length} files are`} empty`);
      const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
      const bulk = options.bulk ?? totalBytes > BULK_BYTES;

      await withStore(config, async (store) => {
        console.error(`Importing ${files.length} file(s), ${formatBytes(totalBytes)}, into ${databaseLabel(config)}${bulk ? ' (bulk: keyword index rebuilt at the end)' : ''}`);
        const progress = createProgress('ingest', totalBytes, formatBytes);
        let bytes = 0;
        let note = '';
        const started = performance.now();
        const report = await ingest(store, readInputs(files, (n) => { bytes += n; progress.update(bytes, note); }), {
          command: `ingest ${paths.join(' ')}`,
          batchSize,
          bulk,
          onBatch: (t) => { note = `${t.read} records, ${t.errors} errors`; progress.update(bytes, note); },
        }).finally(() => progress.stop());
        printIngestSummary(report, (performance.now() - started) / 1000);
        await embedNewPapers(store, config);
        if (report.read > 0 && report.errors === report.read) throw new UserError('no record could be read: every one had an error (see above)');
      }, { create: true });
    });
}
