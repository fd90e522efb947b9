import type { Command } from 'commander';
import { searchPapers, SEARCH_MODES, type SearchMode } from '../search/hybrid.ts';
import { isBlankQuery, parseQuery } from '../search/query.ts';
import { MARK_END, MARK_START } from '../store/store.ts';
import { configFrom, openSemantic, UserError, withStore, type GlobalFlags } from './context.ts';

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('search papers and print them ranked')
    .argument('<query...>', 'words, "exact phrases", -exclude, author:NAME, cat:cs.LG, since:2024-01-01, until:2024-12-31')
    .option('-n, --limit <n>', 'how many results', '10')
    .option('-m, --mode <mode>', 'hybrid (keywords and meaning fused), keyword or meaning', 'hybrid')
    .option('--json', 'print the results as JSON')
    .allowUnknownOption() // so that "-music" is an exclusion, not an unknown flag
    .addHelpText('after', '\nExample:\n  paperboy search diffusion "speech synthesis" cat:cs.SD since:2023')
    .action(async (words: string[], options: { limit: string; mode: string; json?: boolean }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UserError(`--limit must be a whole number from 1 to 1000 (got ${options.limit})`);
      if (!SEARCH_MODES.includes(options.mode as SearchMode)) throw new UserError(`--mode must be one of ${SEARCH_MODES.join(', ')} (got ${options.mode})`);
      const { query, problems } = parseQuery(words.join(' '));
      for (const p of problems) console.error(`note: ${p}`);
      if (isBlankQuery(query)) throw new UserError('nothing to search for: give at least one word, author: or cat:');
      await withStore(config, async (store) => {
        const semantic = await openSemantic(store, config);
        const page = await searchPapers({ store, semantic }, query, { mode: options.mode as SearchMode, limit });
        await semantic.close();
        if (options.json) {
          console.log(JSON.stringify({ mode: page.mode, total: page.total, notice: page.notice, results: page.hits.map((h) => ({ ...h.paper, rank: h.score, keywordRank: h.keywordRank, meaningRank: h.meaningRank })) }));
          return;
        }
        if (page.notice) console.error(`note: ${page.notice}`);
        console.log(`${page.total.toLocaleString('en-US')} result(s), ${page.mode === 'hybrid' ? 'keywords and meaning' : page.mode}`);
        page.hits.forEach((h, i) => {
          const p = h.paper;
          const authors = p.authors.length > 3 ? `${p.authors.slice(0, 3).join(', ')} et al.` : p.authors.join(', ');
          const title = h.titleMarked.replaceAll(MARK_START, process.stdout.isTTY ? '\x1b[1m' : '').replaceAll(MARK_END, process.stdout.isTTY ? '\x1b[22m' : '');
          console.log(`${String(i + 1).padStart(3)}. ${p.id.padEnd(16)} ${title}`);
          const how = [h.keywordRank && `words #${h.keywordRank}`, h.meaningRank && `meaning #${h.meaningRank}`].filter(Boolean).join(', ');
          console.log(`     ${authors}${p.published ? ` · ${p.published.slice(0, 10)}` : ''}${p.categories.length ? ` · ${p.categories.slice(0, 3).join(' ')}` : ''}${how ? ` · ${how}` : ''}`);
        });
      });
    });
}
