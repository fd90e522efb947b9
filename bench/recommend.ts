// npm run bench:recommend [-- --papers 100000 --new 300 --readers 500 --background 500 --json]
//
// How fast Paperboy's per-reader model (src/rank/recommend.ts) scores a day's new papers, at hub
// scale: `papers` generated papers (bench/scale-corpus.ts: real titles, sentences and author names
// recombined, as bench/digest.ts uses), the built-in LSA model trained on them (256 dimensions)
// and its vocabulary as the model's words (termSpaceFromLsa, as learned.ts does on a hub), the
// last `new` papers arriving today. Each reader has 5–50 papers they saved and 0–3 they asked to
// see fewer like, drawn at random, and trains against the `background` most recent papers.
//
// Measured in the same run, per reader: training from scratch; updating after one new signal
// (resumed from the previous solution); scoring every new paper and keeping the best 20; and
// explaining those 20 — beside the floor for any model over these vectors, a brute-force dot
// product of one reader vector with every new paper's vector, and the top 20 of those. The
// ratios are the figures to compare across machines; the goal is at most 1 ms to score a reader.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { authorIds, termSpaceFromLsa } from '../src/rank/features.ts';
import { ModelContext, ReaderModel, topK, type PaperFeatures, type Signal } from '../src/rank/recommend.ts';
import { trainLsa } from '../src/search/embedders/lsa.ts';
import { mulberry32 } from '../test/helpers/random.ts';
import { generatePapers, loadSentencePool } from './scale-corpus.ts';

const { values } = parseArgs({
  options: {
    papers: { type: 'string', default: '100000' },
    new: { type: 'string', default: '300' },
    readers: { type: 'string', default: '500' },
    background: { type: 'string', default: '500' },
    dimensions: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const PAPERS = Number(values.papers);
const NEW = Number(values.new);
const READERS = Number(values.readers);
const BACKGROUND = Number(values.background);
const DIMENSIONS = Number(values.dimensions);
const ROUNDS = Number(values.rounds);
const TOP = 20;
const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

log(`generating ${PAPERS} papers`);
const pool = await loadSentencePool();
const records = [...generatePapers(PAPERS, pool, 7)];
const texts = records.map((p) => `${p.title}. ${p.abstract ?? ''}`);
log('training the LSA model');
let t = performance.now();
const lsa = await trainLsa(texts, { dimensions: DIMENSIONS });
const lsaSeconds = (performance.now() - t) / 1000;
log(`  ${lsa.dimensions} dimensions, ${lsa.vocabulary} terms, ${lsaSeconds.toFixed(0)} s; embedding`);
const vectors = await lsa.embed(texts, 'document');
const space = termSpaceFromLsa(lsa);
t = performance.now();
const features: PaperFeatures[] = records.map((p, key) => ({ key, vector: vectors[key]!, terms: space.vectorize(texts[key]!), authors: authorIds(p.authors) }));
const featureMsPerPaper = (performance.now() - t) / records.length;

const today = features.slice(-NEW);
const history = features.slice(0, -NEW);
const background = history.slice(-BACKGROUND);
const rand = mulberry32(11);
const draw = () => history[Math.floor(rand() * history.length)]!.key;
const readers = Array.from({ length: READERS }, () => {
  const signals: Signal[] = Array.from({ length: 5 + Math.floor(rand() * 46) }, () => ({ key: draw(), kind: 'saved' }));
  for (let i = Math.floor(rand() * 4); i > 0; i--) signals.push({ key: draw(), kind: 'fewer' });
  return { signals, extra: { key: draw(), kind: 'upvoted' } as Signal };
});
const context = new ModelContext(space, lsa.dimensions);
const featuresOf = (key: number) => features[key];

log(`training ${READERS} readers from scratch (${BACKGROUND} background papers each)`);
t = performance.now();
let epochs = 0;
let trainEpochs = 0;
const models = readers.map((r) => {
  const model = ReaderModel.train(context, { signals: r.signals, background, featuresOf });
  trainEpochs += model.lastFit.epochs;
  return model;
});
const trainMs = (performance.now() - t) / READERS;

log('updating each after one more signal');
t = performance.now();
for (let i = 0; i < READERS; i++) epochs += models[i]!.update({ signals: [...readers[i]!.signals, readers[i]!.extra], background, featuresOf }).epochs;
const updateMs = (performance.now() - t) / READERS;

// Reader vectors for the brute-force floor: the centroid of each reader's saved papers.
const readerVectors = readers.map((r) => {
  const v = new Float32Array(lsa.dimensions);
  const liked = r.signals.filter((s) => s.kind === 'saved');
  for (const s of liked) for (let i = 0; i < v.length; i++) v[i]! += features[s.key]!.vector![i]! / liked.length;
  return v;
});
const todayVectors = new Float32Array(NEW * lsa.dimensions);
today.forEach((f, i) => todayVectors.set(f.vector!, i * lsa.dimensions));

function bruteForce(v: Float32Array): number[] {
  const d = v.length;
  const scored: { key: number; score: number }[] = new Array(NEW);
  for (let c = 0, base = 0; c < NEW; c++, base += d) {
    let s = 0;
    for (let i = 0; i < d; i++) s += todayVectors[base + i]! * v[i]!;
    scored[c] = { key: today[c]!.key, score: s };
  }
  return topK(scored, TOP).map((s) => s.key);
}

log(`scoring ${NEW} new papers per reader, ${ROUNDS} rounds, beside the brute-force dot product`);
const modelRounds: number[] = [];
const bruteRounds: number[] = [];
const explainRounds: number[] = [];
let sink = 0;
for (let round = 0; round < ROUNDS; round++) {
  t = performance.now();
  for (const v of readerVectors) sink += bruteForce(v)[0]!;
  bruteRounds.push((performance.now() - t) / READERS);
  t = performance.now();
  const tops = models.map((m) => m.rank(today, TOP));
  modelRounds.push((performance.now() - t) / READERS);
  t = performance.now();
  models.forEach((m, i) => {
    for (const s of tops[i]!) sink += m.explain(features[s.key]!, records[s.key]).words.length;
  });
  explainRounds.push((performance.now() - t) / READERS);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const report = {
  papers: PAPERS,
  newPapers: NEW,
  readers: READERS,
  background: BACKGROUND,
  dimensions: lsa.dimensions,
  vocabulary: space.size,
  cores: availableParallelism(),
  cpu: cpus()[0]?.model,
  lsaSeconds,
  featureMsPerPaper,
  msPerReader: {
    trainFromScratch: trainMs,
    updateAfterOneSignal: updateMs,
    score: median(modelRounds),
    explainTop20: median(explainRounds),
    bruteForceDot: median(bruteRounds),
  },
  trainEpochsMean: trainEpochs / READERS,
  updateEpochsMean: epochs / READERS,
  loadAverageAtEnd: loadavg()[0],
  scoreOverBruteForce: median(modelRounds) / median(bruteRounds),
  sink,
};
if (values.json) console.log(JSON.stringify(report, null, 2));
else {
  const m = report.msPerReader;
  console.log(`bench:recommend on ${report.cores} cores (${report.cpu}): ${PAPERS.toLocaleString('en-US')} papers, ${NEW} new today, ${READERS} readers, ${BACKGROUND} background papers, LSA ${report.dimensions} dimensions × ${report.vocabulary} terms`);
  console.log(`  score ${NEW} new papers, keep the best ${TOP}: ${m.score.toFixed(3)} ms a reader (goal ≤ 1 ms); brute-force dot product over the same vectors: ${m.bruteForceDot.toFixed(3)} ms → ${report.scoreOverBruteForce.toFixed(2)}× the floor`);
  console.log(`  explain those ${TOP} (nearest positive, heaviest words): ${m.explainTop20.toFixed(3)} ms a reader`);
  console.log(`  train from scratch: ${m.trainFromScratch.toFixed(2)} ms a reader (${report.trainEpochsMean.toFixed(1)} passes); update after one new signal: ${m.updateAfterOneSignal.toFixed(2)} ms (${report.updateEpochsMean.toFixed(1)} passes)`);
  console.log(`  features: ${(report.featureMsPerPaper * 1000).toFixed(1)} µs a paper (once per paper, shared by every reader); LSA training ${report.lsaSeconds.toFixed(0)} s; load average ${report.loadAverageAtEnd.toFixed(1)} at the end (the machine may be shared: compare the ratios)`);
}
