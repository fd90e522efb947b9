// Reads a relevance set in the BEIR layout (corpus.jsonl[.gz], queries.jsonl, qrels/SPLIT.tsv),
// the format most published retrieval benchmarks are distributed in, so any of them can be dropped
// beside SciFact and CACM without a converter.
import { createReadStream, existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, pipeline, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface BeirDoc {
  id: string;
  title: string;
  text: string;
}

export interface BeirQuery {
  id: string;
  text: string;
}

export interface BeirSet {
  name: string;
  split: string;
  docs: BeirDoc[];
  queries: BeirQuery[];
  qrels: Map<string, Map<string, number>>; // query id → doc id → relevance grade
}

// Test results are what gets reported; train is what a held-out set (SciFact here) leaves us.
const PREFERRED_SPLITS = ['test', 'train'];

/**
 * The set in dir, with the queries of one qrels split: the one asked for, else test, else train,
 * else the first there is. Queries without a relevant document in that split are left out, as
 * BEIR does, since they cannot score anything but zero.
 */
export async function readBeir(dir: string, options: { split?: string } = {}): Promise<BeirSet> {
  const split = await chooseSplit(dir, options.split);
  const qrelsPath = join(dir, 'qrels', `${split}.tsv`);
  const qrels = await readQrels(qrelsPath);
  const allQueries = await readJsonLines(join(dir, 'queries.jsonl'), toQuery);
  const queries = allQueries.filter((q) => qrels.has(q.id));
  if (queries.length < qrels.size) {
    const known = new Set(queries.map((q) => q.id));
    const missing = [...qrels.keys()].filter((id) => !known.has(id));
    throw new Error(`${qrelsPath}: ${missing.length} query ids are not in queries.jsonl (first: ${missing[0]})`);
  }
  const docs = await readJsonLines(corpusPath(dir), toDoc);
  return { name: basename(dir), split, docs, queries, qrels };
}

async function chooseSplit(dir: string, wanted: string | undefined): Promise<string> {
  const qrelsDir = join(dir, 'qrels');
  const names = await readdir(qrelsDir).catch(() => [] as string[]);
  const available = names.filter((n) => n.endsWith('.tsv')).map((n) => n.slice(0, -'.tsv'.length)).sort();
  if (available.length === 0) throw new Error(`${qrelsDir}: no qrels (expected files like test.tsv)`);
  if (wanted !== undefined) {
    if (available.includes(wanted)) return wanted;
    throw new Error(`${dir} has no "${wanted}" split; available: ${available.join(', ')}`);
  }
  return PREFERRED_SPLITS.find((s) => available.includes(s)) ?? available[0]!;
}

function corpusPath(dir: string): string {
  const candidates = [join(dir, 'corpus.jsonl'), join(dir, 'corpus.jsonl.gz')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`${dir}: no corpus.jsonl or corpus.jsonl.gz`);
  return found;
}

/**
 * Qrels keeping only grades above zero: BEIR files may list judged-irrelevant pairs, which no
 * metric here counts, and a query left with none is not a query of this split.
 */
async function readQrels(path: string): Promise<BeirSet['qrels']> {
  const qrels: BeirSet['qrels'] = new Map();
  let lineNo = 0;
  for await (const line of readLines(path)) {
    lineNo++;
    if (line.trim() === '' || (lineNo === 1 && /^query-id\t/.test(line))) continue;
    const fields = line.split('\t');
    const score = Number(fields[2]);
    if (fields.length !== 3 || !fields[0] || !fields[1] || fields[2]!.trim() === '' || !Number.isInteger(score)) {
      throw new Error(`${path} line ${lineNo}: expected "query-id<TAB>corpus-id<TAB>integer score", got ${JSON.stringify(line.slice(0, 200))}`);
    }
    if (score <= 0) continue;
    const rels = qrels.get(fields[0]) ?? new Map<string, number>();
    rels.set(fields[1], score);
    qrels.set(fields[0], rels);
  }
  return qrels;
}

type Row = Record<string, unknown>;

async function readJsonLines<T>(path: string, convert: (row: Row) => T | string): Promise<T[]> {
  const items: T[] = [];
  let lineNo = 0;
  for await (const line of readLines(path)) {
    lineNo++;
    if (line.trim() === '') continue;
    const result = convert(parseRow(line, path, lineNo));
    if (typeof result === 'string') throw new Error(`${path} line ${lineNo}: ${result}`);
    items.push(result);
  }
  return items;
}

function parseRow(line: string, path: string, lineNo: number): Row {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (err) {
    throw new Error(`${path} line ${lineNo}: not JSON (${(err as Error).message})`);
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new Error(`${path} line ${lineNo}: expected a JSON object`);
  return row as Row;
}

/** A document, or what is wrong with the row. */
function toDoc(row: Row): BeirDoc | string {
  const id = idOf(row);
  if (id === undefined) return 'missing "_id"';
  const title = row.title ?? '';
  if (typeof title !== 'string') return '"title" is not a string';
  if (typeof row.text !== 'string') return 'missing "text"';
  return { id, title, text: row.text };
}

function toQuery(row: Row): BeirQuery | string {
  const id = idOf(row);
  if (id === undefined) return 'missing "_id"';
  if (typeof row.text !== 'string') return 'missing "text"';
  return { id, text: row.text };
}

// Some converters write numeric ids as JSON numbers; the qrels always hold them as text.
function idOf(row: Row): string | undefined {
  if (typeof row._id === 'string' && row._id !== '') return row._id;
  if (typeof row._id === 'number') return String(row._id);
  return undefined;
}

/** The file's lines, gunzipped when the name ends in .gz, without their line endings. */
async function* readLines(path: string): AsyncIterable<string> {
  const raw = createReadStream(path);
  const text: Transform = path.endsWith('.gz') ? createGunzip() : new PassThrough();
  // pipeline passes a read or gunzip error on to `text`, so iterating the lines throws it.
  pipeline(raw, text, () => {});
  try {
    yield* createInterface({ input: text, crlfDelay: Infinity });
  } catch (err) {
    // zlib's "incorrect header check" says nothing about which file was bad.
    throw new Error(`${path}: ${(err as Error).message}`);
  } finally {
    text.destroy(); // closes the file when the reader stops early on a malformed line
  }
}
