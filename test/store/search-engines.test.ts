// The search box's language (src/search/query.ts) answered by each engine's keyword search: SQLite's
// FTS5 and PostgreSQL's tsvector/GIN (src/store/pg-search.ts), with and without the impact index
// built. Phrases, exclusions, author:, cat:, since:/until:, prefixes, function words, papers hidden
// or merged away, the marks around matches (text left unescaped for the page), suggestions,
// similar papers, and the counts fusion and the page show.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseQuery } from '../../src/search/query.ts';
import { MARK_END, MARK_START, type Store } from '../../src/store/store.ts';
import { ENGINES } from '../helpers/engines.ts';
import { paper } from '../helpers/papers.ts';

const NOW = '2024-07-01T00:00:00.000Z';
const q = (text: string) => parseQuery(text).query;
const marked = (word: string) => `${MARK_START}${word}${MARK_END}`;

const PAPERS = [
  paper('2403.00001', { title: 'Diffusion models for speech synthesis', abstract: 'We synthesise speech with a denoising diffusion model and fast sampling.', authors: ['Grace Hopper', 'Alan Turing'], categories: ['cs.SD', 'eess.AS'], published: '2024-03-31T23:30:00.000Z' }),
  paper('2403.00002', { title: 'Speech recognition at scale', abstract: 'Synthesis is not our topic; speech recognition is. The theory of everything is not either.', authors: ['Ada Lovelace'], categories: ['cs.CL'], published: '2024-04-01T00:10:00.000Z' }),
  paper('2403.00003', { title: 'The theory of everything', abstract: 'A physics paper about unification, with no machine learning at all.', authors: ['Emmy Noether'], categories: ['hep-th'], published: '2023-05-02T00:00:00.000Z' }),
  paper('2403.00004', { title: '<b>Bold</b> claims about diffusion & "quotes"', abstract: 'Markup in a title must reach the page as text: <script>alert(1)</script> diffusion.', authors: ['Kurt Godel'], categories: ['CS.LG'], published: '2024-02-10T00:00:00.000Z' }),
  paper('2403.00005', { title: 'Hopper: a scheduler named after an admiral', abstract: 'Scheduling jobs on clusters; Grace is not an author here.', authors: ['Alan Turing'], categories: ['cs.DC'], published: '2024-01-15T00:00:00.000Z' }),
  paper('2403.00006', { title: 'Hidden diffusion paper', abstract: 'A moderator hides this diffusion speech paper.', authors: ['Grace Hopper'], categories: ['cs.SD'], published: '2024-03-01T00:00:00.000Z' }),
  paper('2403.00007', { title: 'Merged diffusion duplicate', abstract: 'A duplicate of the first diffusion speech paper.', authors: ['Grace Hopper'], categories: ['cs.SD'], published: '2024-03-01T00:00:00.000Z' }),
  paper('2403.00008', { title: 'Osmotic transport in porous media', abstract: 'Permeability of fluids measured in long experiments about transport and synthesis of materials, where a<b and c>d.', authors: ['Diffie Whitfield'], categories: ['physics.flu-dyn'], published: '2022-06-01T00:00:00.000Z' }),
];
const INVISIBLE = ['2403.00006', '2403.00007'];

for (const engine of ENGINES) {
  for (const built of [false, true]) {
    describe(`keyword search (${engine.name}, impact index ${built ? 'built' : 'not built'})`, { skip: engine.skip }, () => {
      let store: Store;
      const keyOf = new Map<string, number>();
      const idOf = new Map<number, string>();
      const ids = async (text: string) => (await store.search(q(text), { limit: 50 })).hits.map((h) => h.paper.id);
      const ranked = async (text: string) => (await store.rankByKeywords(q(text), { limit: 50, any: true })).ranked.map((r) => idOf.get(r.key)!);
      const sorted = (list: string[]) => [...list].sort();

      before(async () => {
        store = await engine.open();
        await store.upsertPapers(PAPERS);
        for (const p of PAPERS) {
          const key = (await store.keyOf(p.id))!;
          keyOf.set(p.id, key);
          idOf.set(key, p.id);
        }
        await store.community.setPaperHidden('2403.00006', true, NOW);
        await store.community.mergePaper('2403.00007', '2403.00001', NOW);
        if (built) await store.keywordIndex.build();
      });
      after(async () => store?.close());

      test('words must all match, stemmed; the title weighs more than the abstract', async () => {
        assert.deepEqual(await ids('diffusion speech'), ['2403.00001']);
        assert.deepEqual(await ids('model'), ['2403.00001'], '"model" finds "models"');
        const diffusion = await ids('diffusion');
        assert.deepEqual(sorted(diffusion), ['2403.00001', '2403.00004']);
        assert.deepEqual(await ids('synthesis'), ['2403.00001', '2403.00002', '2403.00008'], 'a title match first, then the shorter abstract');
      });

      test('phrases need their words in a row, function words included', async () => {
        assert.deepEqual(await ids('"speech synthesis"'), ['2403.00001']);
        assert.deepEqual(await ids('"synthesis speech"'), []);
        assert.deepEqual(sorted(await ids('"the theory of everything"')), ['2403.00002', '2403.00003']);
        assert.deepEqual(await ids('"theory everything"'), [], 'of stands between them');
        assert.deepEqual(await ids('"speech recognition" scale'), ['2403.00002']);
      });

      test('exclusions drop words and phrases, stemmed', async () => {
        assert.deepEqual(await ids('speech -recognition'), ['2403.00001']);
        assert.deepEqual(await ids('speech -"speech recognition"'), ['2403.00001']);
        assert.deepEqual(await ids('speech -synthesise'), ['2403.00002'], '-synthesise drops "synthesise" and "synthesis" alike');
        assert.deepEqual(sorted(await ranked('diffusion speech -sampling')), ['2403.00002', '2403.00004'], 'any word, none excluded');
      });

      test('author: matches the authors only, a name or a whole name in a row', async () => {
        assert.deepEqual(await ids('author:hopper'), ['2403.00001'], 'the admiral in a title is not an author');
        assert.deepEqual(await ids('author:"grace hopper"'), ['2403.00001']);
        assert.deepEqual(await ids('author:"hopper grace"'), []);
        assert.deepEqual(sorted(await ids('author:turing')), ['2403.00001', '2403.00005']);
        assert.deepEqual(await ids('author:turing scheduler'), ['2403.00005']);
      });

      test('cat: is any of the categories, case-insensitive, and a bare archive takes its subjects', async () => {
        assert.deepEqual(await ids('speech cat:cs.SD'), ['2403.00001']);
        assert.deepEqual(await ids('diffusion cat:cs.lg'), ['2403.00004'], 'CS.LG as the source wrote it');
        assert.deepEqual(sorted(await ids('cat:cs')), ['2403.00001', '2403.00002', '2403.00004', '2403.00005']);
        assert.deepEqual(sorted(await ids('cat:hep-th cat:physics')), ['2403.00003', '2403.00008']);
        assert.deepEqual(await ids('cat:physics.flu-dyn'), ['2403.00008']);
        assert.deepEqual(await ids('cat:cs.S'), [], 'a prefix of a subject is not the subject');
      });

      test('since: and until: take whole days of the publication date', async () => {
        assert.deepEqual(await ids('speech since:2024-04-01'), ['2403.00002']);
        assert.deepEqual(await ids('speech until:2024-03-31'), ['2403.00001'], '23:30 on the 31st is still the 31st');
        assert.deepEqual(await ids('speech since:2024-03 until:2024-03'), ['2403.00001']);
        assert.deepEqual(sorted(await ids('since:2024 until:2024-02')), ['2403.00004', '2403.00005'], 'filters alone list the newest first');
        assert.deepEqual(await ids('since:2024 until:2024-02'), ['2403.00004', '2403.00005']);
      });

      test('prefixes and function words', async () => {
        assert.deepEqual(sorted(await ids('synth*')), ['2403.00001', '2403.00002', '2403.00008'], 'synthesis and synthesise');
        assert.deepEqual(sorted(await ranked('diffus* transport')), ['2403.00001', '2403.00004', '2403.00008']);
        assert.deepEqual(sorted(await ids('diffus* transport')), []);
        assert.deepEqual(sorted(await ids('the')), ['2403.00002', '2403.00003', '2403.00004'], 'a query of function words alone searches for them');
        assert.deepEqual(await ids('c d'), ['2403.00008'], '"a<b and c>d" is text, not a tag');
        assert.deepEqual(await ids('nonexistentword'), []);
      });

      test('papers hidden or merged away appear nowhere: search, ranking, scores, filters, hits, suggestions, similar papers', async () => {
        const invisible = new Set(INVISIBLE);
        const seen = (list: string[]) => list.filter((id) => invisible.has(id));
        for (const text of ['diffusion', 'hidden diffusion', 'merged duplicate', 'author:hopper', 'diffusion cat:cs.SD', '"diffusion speech"']) {
          assert.deepEqual(seen(await ids(text)), [], `search ${text}`);
          assert.deepEqual(seen(await ranked(text)), [], `rankByKeywords ${text}`);
          assert.deepEqual(seen([...(await store.keywordScores([...keyOf.values()], q(text))).keys()].map((k) => idOf.get(k)!)), [], `keywordScores ${text}`);
        }
        const all = [...keyOf.values()];
        assert.deepEqual(seen((await store.filterKeys(all, q('x'))).map((k) => idOf.get(k)!)), []);
        assert.deepEqual(seen((await store.hitsForKeys(all, q('diffusion'))).map((h) => h.paper.id)), []);
        assert.deepEqual(seen((await store.suggest('hidden')).flatMap((s) => s.id ?? [])), []);
        assert.deepEqual(seen((await store.suggest('merged dup')).flatMap((s) => s.id ?? [])), []);
        assert.deepEqual(seen((await store.similarByKeywords('2403.00001')).map((p) => p.id)), []);
        const total = (await store.rankByKeywords(q('diffusion'), { limit: 1, any: true })).total;
        assert.equal(total, 2, 'and they are not counted');
      });

      test('matches are marked with sentinels in text the page has yet to escape', async () => {
        const [hit] = (await store.search(q('speech'))).hits.filter((h) => h.paper.id === '2403.00001');
        assert.equal(hit?.titleMarked, `Diffusion models for ${marked('speech')} synthesis`);
        assert.ok(hit?.snippetMarked.includes(marked('speech')), hit?.snippetMarked);
        const [bold] = (await store.search(q('claims'))).hits;
        assert.equal(bold?.titleMarked, `<b>Bold</b> ${marked('claims')} about diffusion & "quotes"`, 'markup and quotes untouched, for the page to escape');
        const [script] = (await store.search(q('alert'))).hits;
        assert.ok(script?.snippetMarked.includes(`<script>${marked('alert')}(1)</script>`), script?.snippetMarked);
        // A page of keys found some other way: the meaningful words are marked, not the function words.
        const hits = await store.hitsForKeys(['2403.00003', '2403.00001', '2403.00005'].map((id) => keyOf.get(id)!), q('the theory of speech'));
        assert.deepEqual(hits.map((h) => h.paper.id), ['2403.00003', '2403.00001', '2403.00005'], 'in the order asked');
        assert.equal(hits[0]!.titleMarked, `The ${marked('theory')} of everything`);
        assert.equal(hits[1]!.titleMarked, `Diffusion models for ${marked('speech')} synthesis`);
        assert.equal(hits[2]!.titleMarked, 'Hopper: a scheduler named after an admiral', 'no word of the query: left as it is');
        assert.equal(hits[2]!.snippetMarked, 'Scheduling jobs on clusters; Grace is not an author here.');
        // No words at all: plain cards.
        const plain = await store.hitsForKeys([keyOf.get('2403.00004')!], q(''));
        assert.equal(plain[0]!.titleMarked, '<b>Bold</b> claims about diffusion & "quotes"');
      });

      test('pages, totals, and the count of papers with every word', async () => {
        const first = await store.search(q('speech'), { limit: 1 });
        const second = await store.search(q('speech'), { limit: 1, offset: 1 });
        assert.equal(first.total, 2);
        assert.equal(second.total, 2);
        assert.notEqual(first.hits[0]!.paper.id, second.hits[0]!.paper.id);
        assert.deepEqual((await store.search(q('speech'), { offset: 5 })).hits, []);
        const any = await store.rankByKeywords(q('speech synthesis'), { limit: 10, any: true });
        assert.equal(any.total, 3, 'any word: the two speech papers and the materials paper');
        assert.equal(any.withAllWords, 2, 'both words: the two speech papers');
        assert.ok(any.ranked.every((r, i) => i === 0 || any.ranked[i - 1]!.score <= r.score), 'lower is better, as BM25 is reported');
        assert.ok(any.ranked.every((r) => r.score < 0 && any.scoreOf(r.key) === r.score));
      });

      // Once the impact index is built it answers this too: SQLite's once kept scoreOf > 0, where scoreOf is negative, and dropped every paper.
      test('keywordScores: BM25 of the papers asked about that have any of the words, higher is better', async () => {
        const scores = await store.keywordScores(['2403.00001', '2403.00003', '2403.00008'].map((id) => keyOf.get(id)!), q('speech synthesis'));
        assert.deepEqual([...scores.keys()].map((k) => idOf.get(k)).sort(), ['2403.00001', '2403.00008'], 'papers with none of the words are absent');
        assert.ok([...scores.values()].every((s) => s > 0), 'higher is better');
        const any = await store.rankByKeywords(q('speech synthesis'), { limit: 10, any: true });
        for (const [key, score] of scores) assert.ok(Math.abs(score + any.scoreOf(key)) < 1e-9, 'the ranking\'s scores, turned round');
        assert.deepEqual([...(await store.keywordScores([keyOf.get('2403.00001')!], q('speech -synthesise'))).keys()], [], 'exclusions bind');
        assert.deepEqual([...(await store.keywordScores([keyOf.get('2403.00001')!, keyOf.get('2403.00002')!], q('cat:cs.SD'))).entries()], [[keyOf.get('2403.00001')!, 0]], 'filters alone: the papers that pass, scored 0');
      });

      test('suggestions: titles by their words as typed so far, authors by the start of their name', async () => {
        assert.deepEqual((await store.suggest('speech rec')).map((s) => s.id), ['2403.00002']);
        assert.deepEqual((await store.suggest('grace h')).filter((s) => s.kind === 'author').map((s) => [s.text, s.papers]), [['Grace Hopper', 1]], 'counting visible papers only');
        assert.deepEqual((await store.suggest('diffus')).filter((s) => s.kind === 'paper').map((s) => s.id), ['2403.00004', '2403.00001'], 'newest first');
        assert.deepEqual((await store.suggest('permeab')).filter((s) => s.kind === 'paper'), [], 'the words of abstracts are not titles');
        assert.deepEqual(await store.suggest('<script>'), []);
      });

      test('similar papers share distinctive words, and never the paper itself', async () => {
        const similar = (await store.similarByKeywords('2403.00001')).map((p) => p.id);
        assert.equal(similar[0], '2403.00002', 'the other speech paper first');
        assert.ok(!similar.includes('2403.00001'));
        assert.deepEqual(await store.similarByKeywords('9999.99999'), []);
      });

      test('what a query cannot say is searched as words, never as syntax', async () => {
        for (const hostile of ['<script>alert(1)</script>', 'NEAR(a b', '"'.repeat(3), '-', '*', 'a'.repeat(600), 'title:x OR y', "o'neil's \\ back\\slash '' :* & | ! <->", 'x:*A | y', 'diffusion:*', 'speech & !synthesis']) {
          await store.search(q(hostile));
          await store.rankByKeywords(q(hostile), { limit: 5, any: true });
          await store.keywordScores([...keyOf.values()], q(hostile));
          await store.filterKeys([...keyOf.values()], q(hostile));
          await store.hitsForKeys([...keyOf.values()], q(hostile));
          await store.suggest(hostile);
        }
        assert.deepEqual(await ids('alert'), ['2403.00004'], 'and the hub still answers');
        assert.deepEqual(sorted(await ids('speech & !synthesis')), ['2403.00001', '2403.00002'], '& and ! are no operators: speech and synthesis must both match');
      });
    });
  }
}
