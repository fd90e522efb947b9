// Paperboy's per-reader model on the three-topic corpus (speech synthesis, protein structure,
// galaxies) with a real LSA model trained over it: it ranks a reader's topic first, says why,
// starts from a query or an author, and "fewer like this" pushes similar papers down.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { PaperRecord } from '../../src/paper/types.ts';
import { fitTermSpace, analyze, type TermSpace } from '../../src/rank/features.ts';
import {
  ModelContext, paperFeatures, ReaderModel, seedsFromAuthor, seedsFromPapers, seedsFromQuery,
  type PaperFeatures, type Signal,
} from '../../src/rank/recommend.ts';
import { LsaModel, trainLsa } from '../../src/search/embedders/lsa.ts';
import { dot } from '../../src/search/embedders/types.ts';
import { TOPIC_PAPERS, topicOf } from '../web/topic-fixtures.ts';

const text = (p: PaperRecord) => `${p.title}. ${p.abstract ?? ''}`;
const DIMENSIONS = 16;

interface Corpus {
  lsa: LsaModel;
  space: TermSpace;
  papers: PaperRecord[];
  features: PaperFeatures[];
  /** Papers listed before "today": the reader's history and the background. */
  old: PaperFeatures[];
  /** Today's papers: the candidates. */
  today: PaperFeatures[];
}

let corpus: Corpus;

before(async () => {
  const papers = TOPIC_PAPERS;
  const lsa = await trainLsa(papers.map(text), { dimensions: DIMENSIONS });
  const space = fitTermSpace(papers.map((p) => analyze(text(p))), { minDf: 2, maxDfRatio: 0.5 });
  const vectors = await lsa.embed(papers.map(text), 'document');
  const features = papers.map((p, key) => paperFeatures(key, p, space, vectors[key]));
  // Within each topic, papers 0–5 came earlier and 6–11 arrive today (the 2020 vocoder papers are old).
  const isToday = (p: PaperRecord) => topicOf(p.id) !== 'vocoder' && Number(p.id.slice(-3)) >= 6;
  corpus = {
    lsa, space, papers, features,
    old: features.filter((f) => !isToday(papers[f.key]!)),
    today: features.filter((f) => isToday(papers[f.key]!)),
  };
});

/** Keys of a topic's papers among these, in key order. */
function keysOf(topic: string, among: PaperFeatures[]): number[] {
  return among.filter((f) => topicOf(corpus.papers[f.key]!.id) === topic).map((f) => f.key);
}

function train(signals: Signal[], options = {}): ReaderModel {
  const context = new ModelContext(corpus.space, DIMENSIONS, options);
  return ReaderModel.train(context, { signals, background: corpus.old, featuresOf: (key) => corpus.features[key] });
}

const saved = (keys: number[]): Signal[] => keys.map((key) => ({ key, kind: 'saved' }));
const topicsOf = (keys: number[]) => keys.map((key) => topicOf(corpus.papers[key]!.id));

describe('a reader who saved three speech papers', () => {
  let model: ReaderModel;
  let positives: number[];
  before(() => {
    positives = keysOf('speech', corpus.old).slice(0, 3);
    model = train(saved(positives));
  });

  test('gets every new speech paper ranked above every new protein and galaxy paper', () => {
    const ranked = model.rank(corpus.today, corpus.today.length).map((s) => s.key);
    assert.equal(ranked.length, corpus.today.length);
    const speech = keysOf('speech', corpus.today).length;
    assert.deepEqual(topicsOf(ranked.slice(0, speech)), Array(speech).fill('speech'));
    assert.ok(!topicsOf(ranked.slice(speech)).includes('speech'));
  });

  test('never gets back the papers they saved', () => {
    const ranked = model.rank(corpus.features, corpus.features.length).map((s) => s.key);
    for (const key of positives) assert.ok(!ranked.includes(key));
  });

  test('is told which saved paper each recommendation is most like, and the words that weighed most', () => {
    for (const { key } of model.rank(corpus.today, 4)) {
      const candidate = corpus.features[key]!;
      const paper = corpus.papers[key]!;
      const why = model.explain(candidate, paper);
      const closest = positives.reduce((best, p) => (dot(corpus.features[p]!.vector!, candidate.vector!) > dot(corpus.features[best]!.vector!, candidate.vector!) ? p : best));
      assert.equal(why.because?.key, closest, `${paper.title}: the nearest saved paper by meaning`);
      assert.equal(why.because?.kind, 'saved');
      assert.ok(Math.abs(why.because!.similarity - dot(corpus.features[closest]!.vector!, candidate.vector!)) < 1e-6);

      assert.ok(why.words.length > 0 && why.words.length <= 5);
      for (let i = 1; i < why.words.length; i++) assert.ok(why.words[i - 1]!.weight >= why.words[i]!.weight, 'heaviest first');
      const own = `${text(paper)} ${paper.authors.join(' ')}`.toLowerCase();
      for (const w of why.words) {
        assert.ok(w.weight > 0);
        assert.ok(own.includes(w.label.toLowerCase()), `"${w.label}" is a word (or author) of “${paper.title}”`);
      }
      // The words are the topic's, as people read them (not stems).
      const words = why.words.filter((w) => !w.author).map((w) => w.label);
      assert.ok(words.some((w) => /speech|spectrogram|prosody|waveform|voice|phoneme|synthes|speaker|pitch|intonation|acoustic/.test(w)), words.join(', '));
    }
  });
});

describe('cold start', () => {
  test('a topic query turns into seeds on that topic, and a model trained on them ranks it first', async () => {
    const query = 'protein folding and backbone structure';
    const [vector] = await corpus.lsa.embed([query], 'query');
    const seeds = seedsFromQuery(query, { vector, terms: corpus.space.vectorize(query) }, corpus.old, 4);
    assert.equal(seeds.length, 4);
    assert.deepEqual(topicsOf(seeds.map((s) => s.key)), ['protein', 'protein', 'protein', 'protein']);
    assert.ok(seeds.every((s) => s.kind === 'seed' && s.source === `query:${query}`));

    const model = train(seeds);
    const top = model.rank(corpus.today, 6).map((s) => s.key);
    assert.deepEqual(topicsOf(top), Array(6).fill('protein'));
    const why = model.explain(corpus.features[top[0]!]!, corpus.papers[top[0]!]);
    assert.equal(why.because?.kind, 'seed');
    assert.equal(why.because?.source, `query:${query}`);
  });

  test('a query with no known word gives no seeds', () => {
    assert.deepEqual(seedsFromQuery('zzyzx', { terms: corpus.space.vectorize('zzyzx') }, corpus.old), []);
  });

  test("an author's papers become seeds, newest first, and lead to that author's topic", () => {
    const at = (f: PaperFeatures) => Date.parse(corpus.papers[f.key]!.listedAt!);
    const seeds = seedsFromAuthor('Elena Petrova', corpus.old.map((f) => ({ ...f, at: at(f) })), 10);
    const hers = corpus.old.filter((f) => corpus.papers[f.key]!.authors.includes('Elena Petrova'));
    assert.equal(seeds.length, hers.length);
    assert.ok(seeds.length >= 2);
    const times = seeds.map((s) => at(corpus.features[s.key]!));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    // Spelt another way (no accents, other case), the name still finds her.
    assert.equal(seedsFromAuthor('ELENA  PETROVA', corpus.old).length, hers.length);

    const model = train(seeds);
    const galaxy = keysOf('galaxy', corpus.today).length;
    assert.deepEqual(topicsOf(model.rank(corpus.today, galaxy).map((s) => s.key)), Array(galaxy).fill('galaxy'));
  });

  test('a few papers named as seeds count, and real signals outweigh them', () => {
    const galaxySeeds = seedsFromPapers(keysOf('galaxy', corpus.old).slice(0, 2));
    const speechSaved = saved(keysOf('speech', corpus.old).slice(0, 2));
    const model = train([...galaxySeeds, ...speechSaved]);
    const ranked = model.rank(corpus.today, corpus.today.length);
    const score = (topic: string) => Math.max(...ranked.filter((s) => topicOf(corpus.papers[s.key]!.id) === topic).map((s) => s.score));
    assert.ok(score('speech') > score('galaxy'), 'two saved papers outweigh two seeds');
    assert.ok(score('galaxy') > score('protein'), 'the seeds still count');
  });
});

describe('negatives', () => {
  // A reader of both speech and protein papers.
  const history = () => [...saved(keysOf('speech', corpus.old).slice(0, 3)), ...saved(keysOf('protein', corpus.old).slice(0, 3))];

  test('"fewer like this" on protein papers pushes every similar paper down', () => {
    const before = train(history());
    const fewer = keysOf('protein', corpus.old).slice(3, 5).map((key): Signal => ({ key, kind: 'fewer' }));
    const after = train([...history(), ...fewer]);
    const protein = keysOf('protein', corpus.today);

    const rankBefore = before.rank(corpus.today, corpus.today.length);
    const rankAfter = after.rank(corpus.today, corpus.today.length);
    const position = (ranked: { key: number }[], key: number) => ranked.findIndex((s) => s.key === key);
    for (const key of protein) {
      assert.ok(after.score(corpus.features[key]!) < before.score(corpus.features[key]!), `${corpus.papers[key]!.title} scores lower`);
      assert.ok(position(rankAfter, key) >= position(rankBefore, key), `${corpus.papers[key]!.title} moves down`);
    }
    // Before, protein papers were among the best; after, the one most like the papers the reader
    // wanted fewer of comes below every speech paper, and so does the protein papers' best.
    assert.ok(topicsOf(rankBefore.slice(0, 6).map((s) => s.key)).includes('protein'));
    const likeFewer = protein.reduce((best, key) => (closeness(key) > closeness(best) ? key : best));
    function closeness(key: number): number {
      return Math.max(...fewer.map((f) => dot(corpus.features[f.key]!.vector!, corpus.features[key]!.vector!)));
    }
    const lastSpeech = Math.max(...keysOf('speech', corpus.today).map((key) => position(rankAfter, key)));
    assert.ok(position(rankAfter, likeFewer) > lastSpeech, `${corpus.papers[likeFewer]!.title} falls below every speech paper`);
    const mean = (ranked: { key: number }[]) => protein.reduce((s, key) => s + position(ranked, key), 0) / protein.length;
    assert.ok(mean(rankAfter) > mean(rankBefore) + 2, `protein papers sink (mean position ${mean(rankBefore)} → ${mean(rankAfter)})`);

    const why = after.explain(corpus.features[protein[0]!]!, corpus.papers[protein[0]!]);
    assert.ok(why.lessLike && fewer.some((f) => f.key === why.lessLike!.key), 'the explanation names the paper it was less like');
    assert.equal(why.lessLike.kind, 'fewer');
  });

  test('"not interested" in a paper the reader had saved turns it into a negative', () => {
    const key = keysOf('protein', corpus.old)[0]!;
    const model = train([...history(), { key, kind: 'not-interested' }]);
    assert.ok(model.has(key));
    assert.equal(model.positiveCount, 5);
  });
});

test('an update after a new signal reaches the same model as training from scratch', () => {
  const speech = keysOf('speech', corpus.old);
  const context = new ModelContext(corpus.space, DIMENSIONS, { tolerance: 1e-7, maxEpochs: 5000 });
  const featuresOf = (key: number) => corpus.features[key];
  const incremental = ReaderModel.train(context, { signals: saved(speech.slice(0, 2)), background: corpus.old, featuresOf });
  const fit = incremental.update({ signals: [...saved(speech.slice(0, 2)), { key: keysOf('galaxy', corpus.old)[0]!, kind: 'more' }], background: corpus.old, featuresOf });
  assert.equal(fit.converged, true);
  const fresh = ReaderModel.train(context, { signals: [...saved(speech.slice(0, 2)), { key: keysOf('galaxy', corpus.old)[0]!, kind: 'more' }], background: corpus.old, featuresOf });
  for (const f of corpus.today) assert.ok(Math.abs(incremental.score(f) - fresh.score(f)) < 1e-4, `${incremental.score(f)} vs ${fresh.score(f)}`);
  assert.equal(incremental.positiveCount, 3);
});

test('with no positive there is nothing to recommend', () => {
  const model = train([{ key: keysOf('speech', corpus.old)[0]!, kind: 'fewer' }]);
  assert.equal(model.trained, false);
  assert.deepEqual(model.rank(corpus.today, 10), []);
});

test('rank returns exactly the best by score, though it skips the neighbour terms where they cannot matter', () => {
  const signals: Signal[] = [...saved(keysOf('speech', corpus.old).slice(0, 3)), ...saved(keysOf('galaxy', corpus.old).slice(0, 2)), { key: keysOf('galaxy', corpus.old)[3]!, kind: 'fewer' }];
  for (const options of [{}, { nearestWeight: 0.5 }, { nearestWeight: 2, fewerPenalty: 3 }]) {
    const model = train(signals, options);
    for (const limit of [1, 5, 12]) {
      const expected = corpus.today.map((f) => ({ key: f.key, score: model.score(f) })).sort((a, b) => b.score - a.score || a.key - b.key).slice(0, limit);
      assert.deepEqual(model.rank(corpus.today, limit), expected, JSON.stringify(options));
    }
  }
});
