import type { Command } from 'commander';
import { parseEmbedderSpec } from '../search/embedder-config.ts';
import { configFrom, indexDirFor, openSemantic, UserError, withStore, type GlobalFlags } from './context.ts';
import { createStepProgress, formatCount } from './progress.ts';

export function registerIndex(program: Command): void {
  const index = program.command('index').description('the meaning-search index: build it, or see its state');

  index
    .command('build')
    .description('build the keyword index, embed every paper and build the vector index; the current indexes keep serving until the new ones are complete')
    .option('-e, --embedder <spec>', 'lsa (built in, trained on this hub\'s papers), lsa:DIMENSIONS, onnx:MODEL_FOLDER or openai:MODEL@URL', 'lsa')
    .addHelpText('after', '\nExamples:\n  paperboy index build\n  paperboy index build --embedder onnx:models/all-MiniLM-L6-v2\n  PAPERBOY_EMBEDDINGS_API_KEY=... paperboy index build --embedder openai:nomic-embed-text@http://localhost:11434/v1')
    .action(async (options: { embedder: string }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      let embedder;
      try {
        embedder = parseEmbedderSpec(options.embedder);
      } catch (err) {
        throw new UserError((err as Error).message, 2);
      }
      await withStore(config, async (store) => {
        const papers = await store.paperCount();
        if (papers === 0) throw new UserError('there are no papers to index yet; import some with `paperboy ingest PATH` first');
        const progress = createStepProgress();
        const keywords = await store.keywordIndex.build((done, total) => progress.update('keyword index', done, total)).catch((err: Error) => { progress.stop(); throw new UserError(err.message); });
        console.error(`Built the keyword index: ${formatCount(keywords.papers)} papers, ${formatCount(keywords.terms)} words, in ${keywords.seconds.toFixed(1)} s.`);
        const semantic = await openSemantic(store, config);
        const report = await semantic.build(embedder, progress.update).catch((err: Error) => { throw new UserError(err.message); }).finally(() => progress.stop());
        await semantic.close();
        const s = report.seconds;
        console.error(`Built ${report.model}: ${formatCount(report.papers)} papers embedded in ${s.embed.toFixed(1)} s, indexed in ${s.index.toFixed(1)} s${s.train > 0.05 ? `, model prepared in ${s.train.toFixed(1)} s` : ''}. Files in ${indexDirFor(config)}`);
      });
    });

  index
    .command('status')
    .description('which embedding model serves meaning search, and how many papers it covers')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      await withStore(config, async (store) => {
        const models = await store.vectors.models();
        const active = models.find((m) => m.active);
        const pending = active ? await store.vectors.countPending(active.name) : undefined;
        const keywords = await store.keywordIndex.status();
        if (options.json) {
          console.log(JSON.stringify({ models, pending, keywords }));
          return;
        }
        console.log(keywords.ready
          ? `Keyword index: ${formatCount(keywords.papers)} papers as of ${keywords.builtThrough!.slice(0, 16).replace('T', ' ')}; ${formatCount(keywords.changed)} changed since${keywords.needsRebuild ? ' (rebuilt at the next import or within 5 minutes by a running server)' : ''}.`
          : 'Keyword index: not built; plain keyword searches use the slower full-text index until `paperboy index build` or the next import.');
        if (models.length === 0) {
          console.log('No meaning index yet: run `paperboy index build`. Until then searches use keywords only.');
          return;
        }
        for (const m of models) {
          console.log(`${m.active ? '*' : ' '} ${m.name}  ${m.dimensions} dimensions  ${formatCount(m.vectors)} vectors  ${m.state}${m.readyAt ? ` since ${m.readyAt.slice(0, 16).replace('T', ' ')}` : ''}`);
        }
        if (active && pending) console.log(`${formatCount(pending)} paper(s) added or changed since; they are embedded at the next import or server start.`);
      });
    });
}
