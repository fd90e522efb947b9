// npm run eval:recommend [-- --min-submissions 10 --split test|validation|both --tune --json --set key=value,...]
//
// Offline evaluation of personal recommendations on real behaviour: Hugging Face's daily papers
// (../shared/data/hf-daily-papers/normalized), where every entry names who put the paper on the
// day's list (submittedOnDailyBy, else submittedBy). Each submitter with at least
// --min-submissions submissions is a reader, and their submissions are what they liked.
//
// Split, per reader, by time (listing instant, then id): the last 20% of their submissions are
// held out (the test split). For each reader the candidates are every paper listed on one of
// their held-out days, less the papers they submitted before; the held-out submissions are the
// relevant ones. Methods rank the candidates; recall@20 and nDCG@20 (binary gains) are averaged
// over readers.
//   (a) popularity: Hugging Face upvotes (the count when the day's file was saved).
//   (b) arxiv-sanity-lite's SVM: scikit-learn's TfidfVectorizer as its compute.py sets it up (title,
//       abstract and author names; words and bigrams, min_df 5, max_df 0.5, 10,000 features by
//       frequency, sublinear tf, l2) and LinearSVC(C=0.01, class_weight='balanced', squared hinge,
//       intercept) trained on every paper listed before the reader's first held-out day (and their
//       own from that day), their submissions as positives and every other paper as negative, as
//       serve.py does per tag.
//   (c) Paperboy's model (src/rank/recommend.ts): the reader's submissions as positives, the most
//       recent papers before the first held-out day as background negatives.
// Ablations of (c) (each block of features alone, no authors) show where its lead comes from.
//
// No held-out data reaches the features: the LSA model, both vocabularies and their idf are fitted
// on the papers listed before the first day of the month in which the reader's held-out days begin
// (one fit per such month, shared by the readers whose cut falls in it), so every held-out paper is
// folded in as a new paper would be in a live hub, by a model that has not seen it.
//
// Tuning happens only on the validation split: within each reader's training 80%, the last 20%
// is held out the same way and the model trains on the 64% before it (its own month's fit, again
// from earlier papers only). --tune prints a grid over it; DEFAULT_MODEL_OPTIONS is its pick.
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listInputs, readInputs } from '../src/ingest/sources.ts';
import type { PaperRecord } from '../src/paper/types.ts';
import { analyze, authorIds, fitTermSpace, type TermSpace } from '../src/rank/features.ts';
import { DEFAULT_BACKGROUND, DEFAULT_MODEL_OPTIONS, ModelContext, ReaderModel, type ModelOptions, type PaperFeatures, type Signal } from '../src/rank/recommend.ts';
import { balancedC, LinearSvm, type SvmExample } from '../src/rank/svm.ts';
import { trainLsa } from '../src/search/embedders/lsa.ts';
import { ndcgAt, recallAt } from '../src/search/eval/metrics.ts';
import { SHARED_DATA } from '../test/helpers/shared-data.ts';

const { values } = parseArgs({
  options: {
    'min-submissions': { type: 'string', default: '10' },
    split: { type: 'string', default: 'both' },
    tune: { type: 'boolean', default: false },
    grid: { type: 'string', default: '' },
    set: { type: 'string', default: '' },
    background: { type: 'string', default: '' },
    dimensions: { type: 'string', default: '256' },
    ngrams: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const MIN_SUBMISSIONS = Number(values['min-submissions']);
const K = 20;
const HELD_OUT = 0.2;
const DIMENSIONS = Number(values.dimensions);
const NGRAMS = Number(values.ngrams) as 1 | 2;
const SVM_C = 0.01;
/** Background negatives for Paperboy's model: the most recent papers before the cut. */
const BACKGROUND = values.background ? Number(values.background) : DEFAULT_BACKGROUND;
const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// The data

interface Paper {
  index: number;
  record: PaperRecord;
  day: string;                  // first daily list it was on
  at: number;                   // its listing instant (ms)
  upvotes: number;
}

interface Reader {
  name: string;
  /** Their submissions, oldest first. */
  history: Paper[];
}

async function loadData(): Promise<{ papers: Paper[]; byDay: Map<string, Paper[]>; readers: Reader[]; entries: number }> {
  const dir = join(SHARED_DATA, 'hf-daily-papers', 'normalized');
  const byId = new Map<string, Paper>();
  const byDay = new Map<string, Set<Paper>>();
  const submitted = new Map<string, Map<string, Paper>>();
  let entries = 0;
  for await (const result of readInputs(await listInputs([dir]))) {
    if (!('ok' in result) || !result.ok.hf) continue;
    entries++;
    const r = result.ok;
    const day = r.hf!.dailyDate;
    let paper = byId.get(r.id);
    if (!paper) {
      paper = { index: byId.size, record: r, day, at: Date.parse(r.listedAt ?? `${day}T00:00:00Z`), upvotes: r.hf!.upvotes };
      byId.set(r.id, paper);
    }
    paper.upvotes = Math.max(paper.upvotes, r.hf!.upvotes);
    (byDay.get(day) ?? byDay.set(day, new Set()).get(day)!).add(paper);
    const who = r.hf!.submitter;
    if (who) (submitted.get(who) ?? submitted.set(who, new Map()).get(who)!).set(r.id, paper);
  }
  const readers = [...submitted]
    .filter(([, papers]) => papers.size >= MIN_SUBMISSIONS)
    .map(([name, papers]) => ({ name, history: [...papers.values()].sort(byTime) }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return { papers: [...byId.values()], byDay: new Map([...byDay].map(([d, s]) => [d, [...s]])), readers, entries };
}

function byTime(a: Paper, b: Paper): number {
  return a.at - b.at || (a.record.id < b.record.id ? -1 : 1);
}

// ---------------------------------------------------------------------------------------------
// Splits

type SplitName = 'validation' | 'test';

interface Task {
  reader: string;
  split: SplitName;
  train: Paper[];
  heldOut: Paper[];
  candidates: Paper[];
  /** The first held-out day: the model knows only papers listed before it. */
  cut: string;
  /** Features are fitted on papers listed before this day (the first of the cut's month). */
  fitBefore: string;
}

function makeTasks(readers: Reader[], byDay: Map<string, Paper[]>, split: SplitName): Task[] {
  return readers.map((reader) => {
    const [trainAll, test] = holdOut(reader.history);
    const [train, heldOut] = split === 'test' ? [trainAll, test] : holdOut(trainAll);
    const skip = new Set([...train, ...(split === 'validation' ? test : [])]);
    const days = [...new Set(heldOut.map((p) => p.day))].sort();
    const candidates = days.flatMap((d) => byDay.get(d)!).filter((p) => !skip.has(p));
    const cut = days[0]!;
    return { reader: reader.name, split, train, heldOut, candidates: [...new Set(candidates)], cut, fitBefore: `${cut.slice(0, 7)}-01` };
  });
}

/** The oldest 80% and the newest 20% (at least one) of a history. */
function holdOut(history: Paper[]): [Paper[], Paper[]] {
  const n = Math.max(1, Math.round(HELD_OUT * history.length));
  return [history.slice(0, history.length - n), history.slice(history.length - n)];
}

// ---------------------------------------------------------------------------------------------
// Features, fitted per month on earlier papers only

interface FeatureSet {
  fitBefore: string;
  fittedOn: number;
  /** Paperboy's view of every paper (vector from this month's LSA, stems in its TermSpace). */
  paperboy: PaperFeatures[];
  space: TermSpace;
  /** arxiv-sanity-lite's tf-idf of every paper. */
  sanity: { idx: Int32Array; val: Float32Array }[];
  sanityTerms: number;
  /** The same over titles and abstracts alone. */
  sanityNoAuthors: { idx: Int32Array; val: Float32Array }[];
  sanityNoAuthorsTerms: number;
}

const stemTerms = new Map<number, string[]>();
const sanityTermsOf = new Map<number, string[]>();
const sanityTextTermsOf = new Map<number, string[]>();
const textOf = (p: Paper) => `${p.record.title}. ${p.record.abstract ?? ''}`;

async function featuresFor(papers: Paper[], fitBefore: string): Promise<FeatureSet> {
  const fit = papers.filter((p) => p.day < fitBefore);
  const lsa = await trainLsa(fit.map(textOf), { dimensions: DIMENSIONS });
  const vectors = await lsa.embed(papers.map(textOf), 'document');
  for (const p of papers) {
    if (!stemTerms.has(p.index)) stemTerms.set(p.index, analyze(textOf(p), { analyzer: 'stems', ngrams: NGRAMS }));
    if (!sanityTextTermsOf.has(p.index)) sanityTextTermsOf.set(p.index, analyze(`${p.record.title} ${p.record.abstract ?? ''}`, { analyzer: 'words', ngrams: 2 }));
    if (!sanityTermsOf.has(p.index)) sanityTermsOf.set(p.index, analyze(`${p.record.title} ${p.record.abstract ?? ''} ${p.record.authors.join(' ')}`, { analyzer: 'words', ngrams: 2 }));
  }
  const space = fitTermSpace(fit.map((p) => stemTerms.get(p.index)!), { analyzer: 'stems', ngrams: NGRAMS, minDf: 2, maxDfRatio: 0.5 });
  const sanityOptions = { analyzer: 'words', ngrams: 2, minDf: 5, maxDfRatio: 0.5, maxTerms: 10_000, keep: 'frequency' } as const;
  const sanitySpace = fitTermSpace(fit.map((p) => sanityTermsOf.get(p.index)!), sanityOptions);
  const textSpace = fitTermSpace(fit.map((p) => sanityTextTermsOf.get(p.index)!), sanityOptions);
  return {
    fitBefore,
    fittedOn: fit.length,
    paperboy: papers.map((p, i) => ({ key: p.index, vector: vectors[i]!, terms: space.vectorizeTerms(stemTerms.get(p.index)!), authors: authorIds(p.record.authors) })),
    space,
    sanity: papers.map((p) => sanitySpace.vectorizeTerms(sanityTermsOf.get(p.index)!)),
    sanityTerms: sanitySpace.size,
    sanityNoAuthors: papers.map((p) => textSpace.vectorizeTerms(sanityTextTermsOf.get(p.index)!)),
    sanityNoAuthorsTerms: textSpace.size,
  };
}

// ---------------------------------------------------------------------------------------------
// Methods: each ranks a task's candidates, best first (paper indices)

type Method = (task: Task, features: FeatureSet, papers: Paper[]) => number[];

const popularity: Method = (task) => [...task.candidates].sort((a, b) => b.upvotes - a.upvotes || (a.record.id < b.record.id ? -1 : 1)).map((p) => p.index);

function sanitySvm(c: number, withAuthors = true): Method {
  return (task, features, papers) => {
    const x = withAuthors ? features.sanity : features.sanityNoAuthors;
    const dimensions = withAuthors ? features.sanityTerms : features.sanityNoAuthorsTerms;
    // Every paper listed before the cut, and the reader's own from the cut's day (a split inside a day).
    const before = [...new Set([...papers.filter((p) => p.day < task.cut), ...task.train])];
    const positive = new Set(task.train.map((p) => p.index));
    const labels = before.map((p) => (positive.has(p.index) ? 1 : -1) as 1 | -1);
    const cs = balancedC(labels, c);
    const svm = new LinearSvm({ denseDimensions: 0, sparseDimensions: dimensions, loss: 'squared_hinge', bias: 1, tolerance: 1e-6, maxEpochs: 10_000 });
    svm.add(before.map((p, i) => ({ ...x[p.index]!, y: labels[i]!, c: cs[i]! }) as SvmExample));
    svm.fit();
    return rankBy(task.candidates, (p) => svm.decision(x[p.index]!));
  };
}

/** `seedsOnly`: a cold start, the reader's `seedsOnly` latest training papers named as seeds and nothing else. */
function paperboy(options: Partial<ModelOptions>, background = BACKGROUND, seedsOnly = 0): Method {
  const contexts = new WeakMap<FeatureSet, ModelContext>();
  return (task, features, papers) => {
    let context = contexts.get(features);
    if (!context) contexts.set(features, (context = new ModelContext(features.space, DIMENSIONS, options)));
    const before = papers.filter((p) => p.day < task.cut).sort(byTime);
    const recent = before.slice(Math.max(0, before.length - background));
    const signals: Signal[] = seedsOnly > 0
      ? task.train.slice(-seedsOnly).map((p) => ({ key: p.index, kind: 'seed', source: 'paper' }))
      : task.train.map((p) => ({ key: p.index, kind: 'saved', at: p.at }));
    const model = ReaderModel.train(context, { signals, background: recent.map((p) => features.paperboy[p.index]!), featuresOf: (key) => features.paperboy[key], now: Date.parse(`${task.cut}T00:00:00Z`) });
    return model.rank(task.candidates.map((p) => features.paperboy[p.index]!), task.candidates.length).map((s) => s.key);
  };
}

function rankBy(candidates: Paper[], score: (p: Paper) => number): number[] {
  return candidates.map((p) => ({ p, s: score(p) })).sort((a, b) => b.s - a.s || (a.p.record.id < b.p.record.id ? -1 : 1)).map((x) => x.p.index);
}

// ---------------------------------------------------------------------------------------------
// Running and scoring

interface Scores {
  recall: number[];
  ndcg: number[];
  ms: number;
  /** Held-out papers sharing no author with the reader's training papers: how many, and found in the top K. */
  newAuthors: { found: number; total: number };
}

async function evaluate(papers: Paper[], tasks: Task[], methods: Record<string, Method>): Promise<Record<string, Scores>> {
  const out: Record<string, Scores> = Object.fromEntries(Object.keys(methods).map((m) => [m, { recall: [], ndcg: [], ms: 0, newAuthors: { found: 0, total: 0 } }]));
  const months = [...new Set(tasks.map((t) => t.fitBefore))].sort();
  for (const month of months) {
    const t0 = performance.now();
    const features = await featuresFor(papers, month);
    const group = tasks.filter((t) => t.fitBefore === month);
    log(`  features before ${month}: ${features.fittedOn} papers, ${features.space.size} stems, ${features.sanityTerms} arxiv-sanity terms (${((performance.now() - t0) / 1000).toFixed(1)} s); ${group.length} reader(s)`);
    for (const task of group) {
      const rels = new Map(task.heldOut.map((p) => [String(p.index), 1]));
      const known = new Set(task.train.flatMap((p) => [...authorIds(p.record.authors)]));
      const fresh = task.heldOut.filter((p) => !authorIds(p.record.authors).some((a) => known.has(a))).map((p) => String(p.index));
      for (const [name, method] of Object.entries(methods)) {
        const start = performance.now();
        const ranked = method(task, features, papers).map(String);
        out[name]!.ms += performance.now() - start;
        out[name]!.recall.push(recallAt(K, ranked, rels));
        out[name]!.ndcg.push(ndcgAt(K, ranked, rels));
        const top = new Set(ranked.slice(0, K));
        out[name]!.newAuthors.total += fresh.length;
        out[name]!.newAuthors.found += fresh.filter((id) => top.has(id)).length;
      }
    }
  }
  return out;
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);

/** A 95% interval of mean(a − b) over readers, by the paired bootstrap (10,000 resamples, fixed seed). */
function pairedInterval(a: number[], b: number[]): [number, number] {
  const d = a.map((x, i) => x - b[i]!);
  let state = 12345;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
  const means: number[] = [];
  for (let r = 0; r < 10_000; r++) {
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[Math.floor(random() * d.length)]!;
    means.push(s / d.length);
  }
  means.sort((x, y) => x - y);
  return [means[249]!, means[9749]!];
}

function parseSet(text: string): Partial<ModelOptions> {
  const out: Record<string, number> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const [k, v] = pair.split('=');
    if (!(k! in DEFAULT_MODEL_OPTIONS)) throw new Error(`--set: unknown option ${k}`);
    out[k!] = Number(v);
  }
  return out as Partial<ModelOptions>;
}

// ---------------------------------------------------------------------------------------------

if (!existsSync(join(SHARED_DATA, 'hf-daily-papers', 'normalized'))) {
  console.error(`eval:recommend needs the real data in ${join(SHARED_DATA, 'hf-daily-papers', 'normalized')} (set PAPERBOY_SHARED_DATA)`);
  process.exit(2);
}
const started = performance.now();
const data = await loadData();
const overrides = parseSet(values.set);
const splits: SplitName[] = values.split === 'both' ? ['validation', 'test'] : [values.split as SplitName];
log(`${data.entries} entries, ${data.papers.length} papers, ${data.readers.length} readers with ≥ ${MIN_SUBMISSIONS} submissions`);

if (values.tune) {
  const tasks = makeTasks(data.readers, data.byDay, 'validation');
  const grid: Record<string, Method> = {};
  const base = { ...DEFAULT_MODEL_OPTIONS, ...overrides };
  const variants: [string, Partial<ModelOptions>, number?][] = [['default', {}]];
  if (values.grid) {
    // "a=1,2;b=3,4": every combination.
    let combos: [string, Record<string, number>][] = [['', {}]];
    for (const axis of values.grid.split(';').filter(Boolean)) {
      const [k, list] = axis.split('=');
      combos = combos.flatMap(([n, o]) => list!.split(',').map((v) => [`${n}${n ? ' ' : ''}${k}=${v}`, { ...o, [k!]: Number(v) }] as [string, Record<string, number>]));
    }
    for (const [n, o] of combos) {
      const { background, ...rest } = o;
      variants.push([n, rest as Partial<ModelOptions>, background]);
    }
  } else {
    for (const c of [0.01, 0.03, 0.1, 0.3, 1]) variants.push([`c=${c}`, { c }]);
    for (const denseScale of [0, 0.5, 2]) variants.push([`denseScale=${denseScale}`, { denseScale }]);
    for (const termScale of [0, 0.5, 2]) variants.push([`termScale=${termScale}`, { termScale }]);
    for (const authorScale of [0, 0.5, 2]) variants.push([`authorScale=${authorScale}`, { authorScale }]);
    for (const nearestWeight of [0.5, 1, 2]) variants.push([`nearestWeight=${nearestWeight}`, { nearestWeight }]);
    for (const halfLifeDays of [30, 90, 365]) variants.push([`halfLifeDays=${halfLifeDays}`, { halfLifeDays }]);
    for (const bg of [500, 1000, 4000, 100_000]) variants.push([`background=${bg}`, {}, bg]);
  }
  for (const [name, o, bg] of variants) grid[name] = paperboy({ ...base, ...o }, bg);
  grid['svm (arxiv-sanity-lite)'] = sanitySvm(SVM_C);
  grid['svm: no authors'] = sanitySvm(SVM_C, false);
  const scores = await evaluate(data.papers, tasks, grid);
  console.log(`Tuning grid on the validation split (${tasks.length} readers), around ${JSON.stringify(overrides)}:`);
  for (const [name, s] of Object.entries(scores)) console.log(`  ${name.padEnd(48)} recall@20 ${mean(s.recall).toFixed(4)}  nDCG@20 ${mean(s.ndcg).toFixed(4)}  new-author recall@20 ${(s.newAuthors.found / s.newAuthors.total).toFixed(4)}`);
  process.exit(0);
}

const methods: Record<string, Method> = {
  popularity,
  'svm (arxiv-sanity-lite)': sanitySvm(SVM_C),
  paperboy: paperboy(overrides),
  'paperboy: meaning only': paperboy({ ...overrides, termScale: 0, authorScale: 0 }),
  'paperboy: words only': paperboy({ ...overrides, denseScale: 0, authorScale: 0 }),
  'paperboy: no authors': paperboy({ ...overrides, authorScale: 0 }),
  'svm: no authors': sanitySvm(SVM_C, false),
  'paperboy: 3 seeds only': paperboy(overrides, BACKGROUND, 3),
};
const report: Record<string, unknown> = {
  data: 'hf-daily-papers/normalized',
  entries: data.entries,
  papers: data.papers.length,
  readers: data.readers.length,
  minSubmissions: MIN_SUBMISSIONS,
  nproc: availableParallelism(),
  cpu: cpus()[0]?.model,
  k: K,
  options: { ...DEFAULT_MODEL_OPTIONS, ...overrides, background: BACKGROUND },
  splits: {} as Record<string, unknown>,
};
for (const split of splits) {
  const tasks = makeTasks(data.readers, data.byDay, split);
  log(`${split}: ${tasks.length} readers, ${tasks.reduce((s, t) => s + t.heldOut.length, 0)} held-out submissions, ${Math.round(mean(tasks.map((t) => t.candidates.length)))} candidates a reader on average`);
  const scores = await evaluate(data.papers, tasks, methods);
  const interval = pairedInterval(scores.paperboy!.ndcg, scores['svm (arxiv-sanity-lite)']!.ndcg);
  (report.splits as Record<string, unknown>)[split] = {
    readers: tasks.length,
    heldOut: tasks.reduce((s, t) => s + t.heldOut.length, 0),
    meanCandidates: mean(tasks.map((t) => t.candidates.length)),
    featureFits: new Set(tasks.map((t) => t.fitBefore)).size,
    methods: Object.fromEntries(Object.entries(scores).map(([name, s]) => [name, { recall20: mean(s.recall), ndcg20: mean(s.ndcg), msPerReader: s.ms / tasks.length, newAuthorRecall20: s.newAuthors.found / s.newAuthors.total, newAuthorItems: s.newAuthors.total }])),
    paperboyMinusSvmNdcg20: { mean: mean(scores.paperboy!.ndcg) - mean(scores['svm (arxiv-sanity-lite)']!.ndcg), ci95: interval },
  };
}
report.seconds = (performance.now() - started) / 1000;

if (values.json) console.log(JSON.stringify(report, null, 2));
else print(report);

function print(r: typeof report) {
  console.log(`eval:recommend on ${r.nproc} cores: ${r.papers} papers (${r.entries} daily-list entries), ${r.readers} readers (submitters with ≥ ${r.minSubmissions} submissions), @${K}`);
  for (const [split, s] of Object.entries(r.splits as Record<string, { readers: number; heldOut: number; meanCandidates: number; featureFits: number; methods: Record<string, { recall20: number; ndcg20: number; msPerReader: number; newAuthorRecall20: number; newAuthorItems: number }>; paperboyMinusSvmNdcg20: { mean: number; ci95: [number, number] } }>)) {
    console.log(`\n${split}: ${s.readers} readers, ${s.heldOut} held-out submissions, ${s.meanCandidates.toFixed(0)} candidates a reader on average, features fitted ${s.featureFits} times (each on earlier papers only)`);
    const fresh = Object.values(s.methods)[0]!.newAuthorItems;
    console.log(`  ${'method'.padEnd(26)} ${'recall@20'.padStart(9)} ${'nDCG@20'.padStart(9)} ${`new-author recall@20 (${fresh} papers)`.padStart(34)} ${'ms/reader'.padStart(10)}`);
    for (const [name, m] of Object.entries(s.methods)) console.log(`  ${name.padEnd(26)} ${m.recall20.toFixed(4).padStart(9)} ${m.ndcg20.toFixed(4).padStart(9)} ${m.newAuthorRecall20.toFixed(4).padStart(34)} ${m.msPerReader.toFixed(1).padStart(10)}`);
    const d = s.paperboyMinusSvmNdcg20;
    console.log(`  paperboy − svm, nDCG@20: ${d.mean >= 0 ? '+' : ''}${d.mean.toFixed(4)} (95% paired bootstrap over readers: ${d.ci95[0].toFixed(4)} to ${d.ci95[1].toFixed(4)})`);
  }
  console.log(`\noptions: ${JSON.stringify(r.options)}; ${(r.seconds as number).toFixed(0)} s`);
}
