// A corpus of any size for speed benchmarks, made from real titles, abstract sentences and author
// names so that word frequencies, text lengths and index sizes look like arXiv's. The papers are
// nonsense to read but deterministic: the same seed gives the same corpus on every machine.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listInputs, readInputs } from '../src/ingest/sources.ts';
import type { PaperRecord } from '../src/paper/types.ts';
import { mulberry32 } from '../test/helpers/random.ts';
import { SHARED_DATA } from '../test/helpers/shared-data.ts';

export interface SentencePool {
  titles: string[];
  sentences: string[];
  authors: string[];
}

// hf-daily-papers/raw holds the same entries as normalized/ (checked: identical after dedupe), in
// 580 files that take three times as long to parse.
const POOL_SOURCES = ['hf-daily-papers/normalized', 'arxiv-oai-pmh', 'arxiv-kaggle-sample'];


/**
 * Distinct titles, abstract sentences and author names of every paper in the real data that
 * parses. Records that fail to parse are passed over: the pool only needs to be large and real.
 */
export async function loadSentencePool(): Promise<SentencePool> {
  const paths = POOL_SOURCES.map((p) => join(SHARED_DATA, p)).filter((p) => existsSync(p));
  if (paths.length === 0) throw new Error(`the scale corpus needs the real data in ${SHARED_DATA} (set PAPERBOY_SHARED_DATA)`);
  const titles = new Set<string>();
  const sentences = new Set<string>();
  const authors = new Set<string>();
  for await (const result of readInputs(await listInputs(paths))) {
    if (!('ok' in result)) continue;
    const paper = result.ok;
    titles.add(collapse(paper.title));
    for (const sentence of splitSentences(paper.abstract ?? '')) sentences.add(sentence);
    for (const author of paper.authors) authors.add(collapse(author));
  }
  titles.delete('');
  authors.delete('');
  return { titles: [...titles], sentences: [...sentences], authors: [...authors] };
}

// Good enough for pooling: "e.g. Foo" splits where it should not, which nobody reading a
// benchmark corpus will mind.
function splitSentences(abstract: string): string[] {
  return collapse(abstract)
    .split(/(?<=\.)\s+(?=[A-Z])/)
    .filter((s) => s.length >= 20);
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// Weighted towards what Paperboy's users follow (cs.LG, cs.CL, cs.CV appear several times), with
// enough other archives that category filters have something to filter.
const CATEGORIES = [
  'cs.LG', 'cs.LG', 'cs.LG', 'cs.CL', 'cs.CL', 'cs.CV', 'cs.CV', 'cs.AI', 'cs.AI', 'stat.ML', 'cs.IR', 'cs.RO',
  'cs.SD', 'eess.AS', 'eess.IV', 'cs.NE', 'cs.CR', 'cs.DC', 'cs.HC', 'math.OC', 'math.ST', 'physics.comp-ph',
  'q-bio.QM', 'astro-ph.GA', 'astro-ph.CO', 'cond-mat.mtrl-sci', 'quant-ph', 'hep-th',
];
const FIRST_YEAR = 2020;
const MONTHS = 60; // January 2020 to December 2024: ids 2001.xxxxx to 2412.xxxxx
const MAX_PER_MONTH = 99_999; // five-digit numbers

/**
 * count synthetic papers, the same ones for the same pool and seed. Ids are unique, valid new-style
 * arXiv ids (papers go round the 60 months, numbered in order within each), and every date falls
 * in the month its id names, as on arXiv.
 */
export function* generatePapers(count: number, pool: SentencePool, seed = 1): Generator<PaperRecord> {
  if (count > MONTHS * MAX_PER_MONTH) throw new RangeError(`at most ${MONTHS * MAX_PER_MONTH} papers fit in ${MONTHS} months of five-digit ids`);
  if (pool.titles.length === 0 || pool.sentences.length === 0 || pool.authors.length === 0) throw new Error('the sentence pool is empty');
  const rand = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const month = i % MONTHS;
    const year = FIRST_YEAR + Math.floor(month / 12);
    const id = `${String(year % 100).padStart(2, '0')}${String((month % 12) + 1).padStart(2, '0')}.${String(Math.floor(i / MONTHS) + 1).padStart(5, '0')}`;
    yield paperFor(id, year, month % 12, rand, pool);
  }
}

function paperFor(id: string, year: number, monthOfYear: number, rand: () => number, pool: SentencePool): PaperRecord {
  // Day 1–26 and listing up to two days later keep both dates inside the id's month, February too.
  const published = new Date(Date.UTC(year, monthOfYear, between(rand, 1, 26), between(rand, 0, 23), between(rand, 0, 59), between(rand, 0, 59)));
  const listedAt = new Date(published.getTime() + between(rand, 0, 48 * 60) * 60_000);
  return {
    id,
    title: recombinedTitle(rand, pool.titles),
    abstract: sample(rand, pool.sentences, between(rand, 4, 9)).join(' '),
    authors: sample(rand, pool.authors, between(rand, 2, 8)),
    categories: sample(rand, CATEGORIES, between(rand, 1, 3)),
    published: published.toISOString(),
    updated: published.toISOString(),
    latestVersion: 1,
    versions: [{ version: 1, created: published.toISOString() }],
    listedAt: listedAt.toISOString(),
  };
}

/** The start of one real title and the end of another: "Diffusion Models for" + "Robot Grasping". */
function recombinedTitle(rand: () => number, titles: string[]): string {
  const head = pick(rand, titles).split(' ');
  const tail = pick(rand, titles).split(' ');
  const cutHead = between(rand, 1, Math.max(1, head.length - 1));
  const cutTail = between(rand, 1, Math.max(1, tail.length - 1));
  return [...head.slice(0, cutHead), ...tail.slice(cutTail)].join(' ');
}

const STOPWORDS = new Set([
  'the', 'and', 'for', 'from', 'with', 'without', 'via', 'into', 'onto', 'over', 'under', 'toward', 'towards',
  'through', 'using', 'based', 'are', 'its', 'their', 'our', 'can', 'does', 'how', 'what', 'when', 'why', 'which',
  'not', 'more', 'than', 'all', 'any', 'new', 'between', 'beyond', 'across', 'versus', 'your', 'you', 'this',
  'that', 'these', 'who', 'is', 'be', 'we', 'do', 'it', 'of', 'in', 'on', 'at', 'to', 'by', 'or', 'an', 'as', 'vs',
]);

/**
 * n queries of 2–5 consecutive content words from real titles ("diffusion speech synthesis"),
 * lower-cased as people type them.
 */
export function sampleQueries(pool: SentencePool, n: number, seed: number): string[] {
  const candidates = pool.titles.map(contentWords).filter((words) => words.length >= 2);
  if (candidates.length === 0) throw new Error('no title in the pool has two content words');
  const rand = mulberry32(seed);
  const queries: string[] = [];
  for (let i = 0; i < n; i++) {
    const words = pick(rand, candidates);
    const length = between(rand, 2, Math.min(5, words.length));
    const start = between(rand, 0, words.length - length);
    queries.push(words.slice(start, start + length).join(' '));
  }
  return queries;
}

function contentWords(title: string): string[] {
  return title
    .toLowerCase()
    .split(/[^\p{L}\p{N}-]+/u)
    .map((w) => w.replace(/^-+|-+$/g, ''))
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w) && !/^\d+$/.test(w));
}

/** A whole number in [lo, hi]. */
function between(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

function pick<T>(rand: () => number, items: T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/**
 * Up to n distinct items in the order drawn. Positions are drawn without repeats, so a list with
 * repeated items (CATEGORIES, weighted that way) gives fewer rather than looping for ever.
 */
function sample<T>(rand: () => number, items: T[], n: number): T[] {
  const positions = new Set<number>();
  while (positions.size < Math.min(n, items.length)) positions.add(Math.floor(rand() * items.length));
  return [...new Set([...positions].map((i) => items[i]!))];
}
