// The one search every surface uses (src/search/hybrid.ts): keyword, meaning and hybrid modes on
// the three-topic hub with a built LSA model, their filters, their fallbacks without a model, papers
// like a paper or a pasted text, and the two fusions.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_DEPTH, papersLike, rankKeys, searchPapers, type RankedHit, type SearchContext } from '../../src/search/hybrid.ts';
import { parseQuery } from '../../src/search/query.ts';
import { SemanticSearch } from '../../src/search/semantic.ts';
import { TOPIC_PAPERS, topicHub, topicOf, VOCODER_IDS, type Topic, type TopicHub } from '../web/topic-fixtures.ts';

const q = (text: string) => parseQuery(text).query;
const PAPER_COUNT = TOPIC_PAPERS.length;
/** The vocoder papers are speech papers from 2020. */
const topic = (id: string): Topic | undefined => {
  const t = topicOf(id);
  return t === 'vocoder' ? 'speech' : t;
};
const text = (h: RankedHit) => `${h.paper.title} ${h.paper.abstract}`;
const ids = (hits: RankedHit[]) => hits.map((h) => h.paper.id).join(' ');
const NOT_BUILT = /paperboy index build/;

describe('with a built model', () => {
  let hub: TopicHub;
  let ctx: SearchContext;
  before(async () => {
    hub = await topicHub({ meaning: true });
    ctx = { store: hub.store, semantic: hub.semantic };
    assert.ok(hub.semantic?.model);
  });
  after(async () => hub?.close());

  test('keyword mode: only papers with a query word, each with keywordRank and no meaningRank', async () => {
    const page = await searchPapers(ctx, q('prosody waveform'), { mode: 'keyword', limit: 50 });
    assert.equal(page.mode, 'keyword');
    assert.equal(page.notice, undefined);
    assert.ok(page.hits.length >= 5);
    assert.equal(page.total, page.hits.length);
    page.hits.forEach((h, i) => {
      assert.equal(h.keywordRank, i + 1);
      assert.equal(h.meaningRank, undefined);
      assert.equal(h.score, i + 1, 'score is the position on the page');
      assert.match(text(h), /prosody|waveform/i);
      assert.equal(topic(h.paper.id), 'speech');
    });
  });

  test('meaning mode: every paper, by closeness, each with meaningRank and no keywordRank; the topic comes first', async () => {
    const page = await searchPapers(ctx, q('prosody waveform'), { mode: 'meaning', limit: 50 });
    assert.equal(page.mode, 'meaning');
    assert.equal(page.notice, undefined);
    assert.equal(page.hits.length, PAPER_COUNT);
    page.hits.forEach((h, i) => {
      assert.equal(h.meaningRank, i + 1);
      assert.equal(h.keywordRank, undefined);
    });
    assert.ok(page.hits.slice(0, 15).every((h) => topic(h.paper.id) === 'speech'), ids(page.hits));
  });

  test('hybrid: keyword matches carry both ranks; papers found only by meaning come in with meaningRank alone', async () => {
    // "vocoder" is in three 2020 papers only; the 2024 speech papers never say it.
    const page = await searchPapers(ctx, q('vocoder'), { limit: 20 });
    assert.equal(page.mode, 'hybrid');
    assert.equal(page.notice, undefined);
    assert.deepEqual(page.hits.slice(0, 3).map((h) => h.paper.id).sort(), [...VOCODER_IDS].sort());
    for (const h of page.hits.slice(0, 3)) {
      assert.ok(h.keywordRank !== undefined && h.meaningRank !== undefined, h.paper.id);
    }
    const byMeaningOnly = page.hits.filter((h) => h.keywordRank === undefined);
    assert.ok(byMeaningOnly.length > 0);
    for (const h of byMeaningOnly) {
      assert.ok(h.meaningRank !== undefined);
      assert.doesNotMatch(text(h), /vocoder/i);
    }
    // The first papers found by meaning alone are the speech papers, not protein or galaxy ones.
    assert.deepEqual(byMeaningOnly.slice(0, 6).map((h) => topic(h.paper.id)), Array(6).fill('speech'), ids(byMeaningOnly));
    assert.ok(page.total >= page.hits.length);
  });

  test('hybrid with an empty keyword match set still finds the topic by meaning, and since: binds it', async () => {
    const keyword = await searchPapers(ctx, q('vocoder since:2023-01-01'), { mode: 'keyword' });
    assert.equal(keyword.hits.length, 0);
    const page = await searchPapers(ctx, q('vocoder since:2023-01-01'), { limit: 10 });
    assert.equal(page.mode, 'hybrid');
    assert.ok(page.hits.length > 0);
    assert.ok(page.hits.every((h) => h.keywordRank === undefined && h.meaningRank !== undefined));
    assert.deepEqual(page.hits.slice(0, 4).map((h) => topic(h.paper.id)), Array(4).fill('speech'), ids(page.hits));
    assert.ok(page.hits.every((h) => !VOCODER_IDS.includes(h.paper.id)));
  });

  for (const mode of ['meaning', 'hybrid'] as const) {
    describe(`filters bind ${mode} results too`, () => {
      test('cat:', async () => {
        const page = await searchPapers(ctx, q('speech synthesis cat:q-bio.BM'), { mode, limit: 50 });
        assert.ok(page.hits.length > 0);
        assert.ok(page.hits.every((h) => h.paper.categories.includes('q-bio.BM')), ids(page.hits));
        const prefix = await searchPapers(ctx, q('telescope cat:astro-ph'), { mode, limit: 50 });
        assert.equal(prefix.hits.length, 12, 'a category prefix takes its subcategories');
        assert.ok(prefix.hits.every((h) => topic(h.paper.id) === 'galaxy'));
      });

      test('since: and until:', async () => {
        const since = await searchPapers(ctx, q('telescope since:2024-06-05'), { mode, limit: 50 });
        assert.ok(since.hits.length > 0);
        assert.ok(since.hits.every((h) => h.paper.published! >= '2024-06-05'), ids(since.hits));
        const all = await searchPapers(ctx, q('telescope'), { mode, limit: 50 });
        assert.ok(since.hits.length < all.hits.length, 'the filter removed something');
        const until = await searchPapers(ctx, q('speech until:2021-12-31'), { mode, limit: 50 });
        assert.deepEqual(until.hits.map((h) => h.paper.id).sort(), [...VOCODER_IDS].sort());
      });

      test('-exclude', async () => {
        const all = await searchPapers(ctx, q('speech synthesis'), { mode, limit: 50 });
        assert.ok(all.hits.some((h) => /\bprosody\b/i.test(text(h))), 'without the exclusion some papers say prosody');
        const page = await searchPapers(ctx, q('speech synthesis -prosody'), { mode, limit: 50 });
        assert.ok(page.hits.length > 0);
        assert.ok(page.hits.every((h) => !/\bprosody\b/i.test(text(h))), ids(page.hits));
      });

      test('"phrase"', async () => {
        const page = await searchPapers(ctx, q('"mel spectrogram" galaxies'), { mode, limit: 50 });
        assert.ok(page.hits.length > 0);
        assert.ok(page.hits.every((h) => /mel spectrogram/i.test(text(h))), ids(page.hits));
      });

      test('author:', async () => {
        const page = await searchPapers(ctx, q('galaxies telescope author:"Hana Sato"'), { mode, limit: 50 });
        assert.ok(page.hits.length > 0);
        assert.ok(page.hits.every((h) => h.paper.authors.includes('Hana Sato')), ids(page.hits));
      });
    });
  }

  test('words the model never saw fall back to keywords, and say so', async () => {
    for (const mode of ['hybrid', 'meaning'] as const) {
      const page = await searchPapers(ctx, q('zebra'), { mode });
      assert.equal(page.mode, 'keyword');
      assert.match(page.notice ?? '', /None of these words is known to the meaning model/);
    }
  });

  test('an author-only search has no words to compare: keyword ranking, with a notice only where meaning was asked for', async () => {
    const meaning = await searchPapers(ctx, q('author:"Hana Sato"'), { mode: 'meaning', limit: 50 });
    assert.equal(meaning.mode, 'keyword');
    assert.match(meaning.notice ?? '', /author: alone/);
    assert.ok(meaning.hits.length > 0 && meaning.hits.every((h) => h.paper.authors.includes('Hana Sato') && h.keywordRank !== undefined));
    const hybrid = await searchPapers(ctx, q('author:"Hana Sato"'), { limit: 50 });
    assert.equal(hybrid.mode, 'keyword');
    assert.equal(hybrid.notice, undefined);
    assert.deepEqual(ids(hybrid.hits), ids(meaning.hits));
  });

  test('filters alone list the newest matching papers, with no ranks', async () => {
    const page = await searchPapers(ctx, q('cat:astro-ph.GA'), { mode: 'meaning', limit: 50 });
    assert.equal(page.total, 12);
    assert.ok(page.hits.every((h) => topic(h.paper.id) === 'galaxy' && h.keywordRank === undefined && h.meaningRank === undefined));
    const dates = page.hits.map((h) => h.paper.published!);
    assert.deepEqual(dates, [...dates].sort().reverse());
  });

  test('paging: offset and limit cut the same ranking, and positions continue', async () => {
    for (const mode of ['keyword', 'meaning', 'hybrid'] as const) {
      const whole = await searchPapers(ctx, q('speech prosody'), { mode, limit: 10 });
      const second = await searchPapers(ctx, q('speech prosody'), { mode, limit: 5, offset: 5 });
      assert.deepEqual(second.hits.map((h) => h.paper.id), whole.hits.slice(5).map((h) => h.paper.id), mode);
      assert.deepEqual(second.hits.map((h) => h.score), [6, 7, 8, 9, 10]);
    }
  });

  test('papersLike({key}) leaves the paper out and ranks its own topic first', async () => {
    for (const p of TOPIC_PAPERS.filter((_, i) => i % 5 === 0)) {
      const key = (await hub.store.keyOf(p.id))!;
      const like = (await papersLike(ctx, { key }, q(''), { limit: 50 }))!;
      assert.equal(like.mode, 'meaning');
      assert.ok(!like.hits.some((h) => h.paper.id === p.id), `${p.id} is not like itself`);
      assert.equal(like.hits.length, PAPER_COUNT - 1);
      assert.equal(like.total, PAPER_COUNT - 1);
      const sameTopic = TOPIC_PAPERS.filter((o) => o.id !== p.id && topic(o.id) === topic(p.id)).length;
      assert.deepEqual(like.hits.slice(0, sameTopic).map((h) => topic(h.paper.id)), Array(sameTopic).fill(topic(p.id)), `${p.id}: ${ids(like.hits)}`);
      like.hits.forEach((h, i) => assert.equal(h.meaningRank, i + 1));
    }
  });

  test('papersLike({key}) honours filters and paging', async () => {
    const key = (await hub.store.keyOf(TOPIC_PAPERS[0]!.id))!;
    const galaxies = (await papersLike(ctx, { key }, q('cat:astro-ph.GA'), { limit: 50 }))!;
    assert.equal(galaxies.hits.length, 12);
    assert.ok(galaxies.hits.every((h) => topic(h.paper.id) === 'galaxy'));
    const whole = (await papersLike(ctx, { key }, q(''), { limit: 8 }))!;
    const second = (await papersLike(ctx, { key }, q(''), { limit: 4, offset: 4 }))!;
    assert.deepEqual(second.hits.map((h) => h.paper.id), whole.hits.slice(4).map((h) => h.paper.id));
    assert.deepEqual(second.hits.map((h) => h.meaningRank), [5, 6, 7, 8]);
  });

  test('papersLike({text}) with a pasted abstract finds its topic; text with no known word finds nothing', async () => {
    const pasted = 'Binding pockets on the protein surface are scored for ligand affinity, and side chains are packed onto the backbone without steric clashes.';
    const like = (await papersLike(ctx, { text: pasted }, q(''), { limit: 10 }))!;
    assert.equal(like.hits.length, 10);
    assert.ok(like.hits.every((h) => topic(h.paper.id) === 'protein'), ids(like.hits));
    assert.equal(await papersLike(ctx, { text: 'zebra quux' }, q('')), undefined);
    assert.equal(await papersLike(ctx, { key: 999_999 }, q('')), undefined, 'a key with no vector');
  });

  test('rankKeys: RRF and the default blend both return depth-limited unique keys', async () => {
    for (const fusion of ['rrf', 'blend'] as const) {
      for (const depth of [1, 7, DEFAULT_DEPTH]) {
        const ranked = await rankKeys(ctx, q('prosody waveform'), { fusion, depth });
        assert.equal(ranked.mode, 'hybrid');
        assert.equal(ranked.keys.length, Math.min(depth, PAPER_COUNT), `${fusion} depth ${depth}`);
        assert.equal(new Set(ranked.keys).size, ranked.keys.length, `${fusion} depth ${depth}: unique`);
        for (const key of ranked.keys) assert.ok(ranked.ranks.has(key), 'every key says how it was found');
      }
    }
    const rrf = await rankKeys(ctx, q('prosody waveform'), { fusion: 'rrf', depth: 10 });
    const blend = await rankKeys(ctx, q('prosody waveform'), { depth: 10 });
    const speech = async (keys: number[]) => {
      const hits = await hub.store.hitsForKeys(keys, q(''));
      return hits.filter((h) => topic(h.paper.id) === 'speech').length;
    };
    assert.equal(await speech(rrf.keys), 10);
    assert.equal(await speech(blend.keys), 10);
  });

  test('rankKeys: the blend at weight 0 is the keyword order; at 1 (without feedback) the meaning order', async () => {
    const keyword = await rankKeys(ctx, q('prosody waveform'), { mode: 'keyword' });
    const meaning = await rankKeys(ctx, q('prosody waveform'), { mode: 'meaning' });
    const bm25 = await rankKeys(ctx, q('prosody waveform'), { meaningWeight: 0 });
    assert.deepEqual(bm25.keys.slice(0, keyword.keys.length), keyword.keys);
    const cosine = await rankKeys(ctx, q('prosody waveform'), { meaningWeight: 1, feedbackWeight: 0 });
    // Fused, similarities come from the int8 index (within 0.004 of f32) without re-scoring: the
    // order is the meaning order up to near-ties.
    const vector = (await ctx.semantic!.embedQuery('prosody waveform'))!;
    const stored = await ctx.semantic!.vectorsOf(cosine.keys);
    const exact = cosine.keys.map((key) => stored.get(key)!.reduce((s, x, j) => s + x * vector[j]!, 0));
    for (let i = 1; i < exact.length; i++) assert.ok(exact[i]! <= exact[i - 1]! + 0.01, `#${i + 1}: ${exact[i]} after ${exact[i - 1]}`);
    assert.deepEqual(new Set(cosine.keys.slice(0, 10)), new Set(meaning.keys.slice(0, 10)));
    // The ranks a hybrid search reports are those of each leg on its own.
    for (const [i, key] of keyword.keys.entries()) assert.equal(bm25.ranks.get(key)?.[0], i + 1);
    // The meaning leg's, up to near-ties the int8 similarities order differently.
    for (const [i, key] of meaning.keys.slice(0, 20).entries()) assert.ok(Math.abs((cosine.ranks.get(key)?.[1] ?? Infinity) - (i + 1)) <= 2, `${key}: ${cosine.ranks.get(key)?.[1]} vs ${i + 1}`);
  });
});

describe('without a model', () => {
  let hub: TopicHub;
  before(async () => {
    hub = await topicHub({ meaning: false });
  });
  after(async () => hub?.close());

  test('hybrid and meaning fall back to keyword with a notice naming `paperboy index build`; keyword mode needs none', async () => {
    const semantic = await SemanticSearch.open(hub.store, { indexDir: join(hub.dir, 'index') });
    try {
      for (const ctx of [{ store: hub.store }, { store: hub.store, semantic }]) {
        const keyword = await searchPapers(ctx, q('galaxy telescope'), { mode: 'keyword', limit: 50 });
        assert.equal(keyword.mode, 'keyword');
        assert.equal(keyword.notice, undefined);
        assert.ok(keyword.hits.length > 0);
        for (const mode of ['hybrid', 'meaning', undefined] as const) {
          const page = await searchPapers(ctx, q('galaxy telescope'), { mode, limit: 50 });
          assert.equal(page.mode, 'keyword', String(mode));
          assert.match(page.notice ?? '', NOT_BUILT);
          assert.deepEqual(page.hits.map((h) => h.paper.id), keyword.hits.map((h) => h.paper.id));
          assert.ok(page.hits.every((h) => h.keywordRank !== undefined && h.meaningRank === undefined));
        }
        const ranked = await rankKeys(ctx, q('galaxy telescope'), { mode: 'meaning' });
        assert.equal(ranked.mode, 'keyword');
        assert.match(ranked.notice ?? '', NOT_BUILT);
      }
    } finally {
      await semantic.close();
    }
  });

  test('papersLike has nothing to offer', async () => {
    const key = (await hub.store.keyOf(TOPIC_PAPERS[0]!.id))!;
    assert.equal(await papersLike({ store: hub.store }, { key }, q('')), undefined);
    assert.equal(await papersLike({ store: hub.store }, { text: 'speech synthesis' }, q('')), undefined);
  });

  // Last here: it builds a model in this hub.
  test('the first search after another process builds a model uses it, without waiting for the server\'s upkeep', async () => {
    const indexDir = join(hub.dir, 'index');
    const server = await SemanticSearch.open(hub.store, { indexDir, noticeMs: 0 });
    const builder = await SemanticSearch.open(hub.store, { indexDir });
    try {
      const ctx = { store: hub.store, semantic: server };
      assert.match((await searchPapers(ctx, q('galaxy telescope'))).notice ?? '', NOT_BUILT);
      await builder.build({ kind: 'lsa', dimensions: 8 });
      const page = await searchPapers(ctx, q('galaxy telescope'), { limit: 50 });
      assert.equal(page.mode, 'hybrid');
      assert.equal(page.notice, undefined);
      assert.ok(page.hits.some((h) => h.meaningRank !== undefined));
      assert.equal(server.model?.name, builder.model?.name);
      const key = (await hub.store.keyOf(TOPIC_PAPERS[0]!.id))!;
      assert.equal((await papersLike(ctx, { key }, q('')))?.mode, 'meaning');
    } finally {
      await server.close();
      await builder.close();
    }
  });
});
