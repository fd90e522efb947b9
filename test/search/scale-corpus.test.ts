import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { generatePapers, loadSentencePool, sampleQueries, type SentencePool } from '../../bench/scale-corpus.ts';
import { mulberry32 } from '../helpers/random.ts';
import { parseArxivId } from '../../src/paper/ids.ts';
import { needsData } from '../helpers/shared-data.ts';

test('mulberry32 repeats itself for a seed and differs between seeds', () => {
  const draw = (seed: number) => Array.from({ length: 5 }, mulberry32(seed));
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
  assert.ok(draw(7).every((x) => x >= 0 && x < 1));
});

describe('the scale corpus', { skip: needsData('hf-daily-papers') }, () => {
  let pool: SentencePool;
  before(async () => {
    pool = await loadSentencePool();
  });

  test('the pool holds thousands of distinct real titles, sentences and authors', () => {
    assert.ok(pool.titles.length > 5000 && pool.sentences.length > 20000 && pool.authors.length > 5000);
    assert.equal(new Set(pool.sentences).size, pool.sentences.length);
  });

  test('the same seed gives the same papers, another seed other ones', () => {
    const first = [...generatePapers(2000, pool, 3)];
    assert.deepEqual([...generatePapers(2000, pool, 3)], first);
    assert.notDeepEqual([...generatePapers(20, pool, 4)], first.slice(0, 20));
  });

  test('ids are valid arXiv ids, all different, and dates fall in the month the id names', () => {
    const papers = [...generatePapers(2000, pool)];
    assert.equal(new Set(papers.map((p) => p.id)).size, papers.length);
    for (const p of papers) {
      assert.equal(parseArxivId(p.id)?.id, p.id, p.id);
      assert.equal(p.published!.slice(2, 7).replace('-', ''), p.id.slice(0, 4), p.id);
      assert.ok(p.listedAt! >= p.published! && p.listedAt!.slice(0, 7) === p.published!.slice(0, 7), p.id);
      assert.ok(p.published! >= '2020-01-01' && p.published! < '2025-01-01', p.id);
    }
    // The last of the 60 months: December 2024.
    assert.equal(papers[59]!.id, '2412.00001');
  });

  test('every paper has a title, an abstract of 4 to 9 sentences, 2 to 8 authors and 1 to 3 categories', () => {
    for (const p of generatePapers(2000, pool, 9)) {
      assert.ok(p.title.trim() !== '' && p.abstract!.trim() !== '', p.id);
      assert.ok(p.abstract!.length > 80, p.id);
      assert.ok(p.authors.length >= 2 && p.authors.length <= 8, p.id);
      assert.ok(p.categories!.length >= 1 && p.categories!.length <= 3, p.id);
    }
  });

  test('queries are 2 to 5 lower-case words from real titles, the same for the same seed', () => {
    const queries = sampleQueries(pool, 200, 5);
    assert.deepEqual(sampleQueries(pool, 200, 5), queries);
    const titles = pool.titles.join('\n').toLowerCase();
    for (const q of queries) {
      const words = q.split(' ');
      assert.ok(words.length >= 2 && words.length <= 5, q);
      assert.ok(words.every((w) => titles.includes(w)), q);
    }
  });
});
