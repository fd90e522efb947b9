// Files in, parse results out: finds the input files under the paths given, recognises each
// file's format from its first few KB, and streams it through the matching parser.

import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ParseResult } from '../paper/types.ts';
import { parseArxivAtomStream } from './formats/arxiv-atom.ts';
import { parseHfDailyDocument, parseHfDailyLines } from './formats/hf-daily.ts';
import { parseKaggleLines } from './formats/kaggle.ts';
import { parseOaiPmhStream } from './formats/oai-pmh.ts';

export type Format = 'oai-pmh' | 'arxiv-atom' | 'kaggle-jsonl' | 'hf-daily' | 'hf-daily-jsonl';

export interface InputFile {
  path: string;
  size: number; // bytes on disk (compressed for .gz), for progress
}

const INPUT_EXTENSIONS = new Set(['.xml', '.json', '.jsonl', '.gz', '.atom']);
const DOCUMENTATION = /^(PROVENANCE|README|LICENSE)\b/i;
const HEAD_CHARS = 16 * 1024;

/**
 * Says which format a file is in from its first few KB (decompressed). JSON lines are judged by
 * their first line, which may be cut off: the keys that decide come early in both dumps.
 */
export function detectFormat(head: string): Format | undefined {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('<')) {
    if (/<(?:[\w-]+:)?OAI-PMH[\s>]/.test(text)) return 'oai-pmh';
    if (/<(?:[\w-]+:)?feed[\s>]/.test(text) && /arxiv/i.test(text)) return 'arxiv-atom';
    return undefined;
  }
  if (text.startsWith('[')) return 'hf-daily';
  if (!text.startsWith('{')) return undefined;
  if (/^\{\s*"status"\s*:/.test(text) && /"data"\s*:/.test(text)) return 'hf-daily';
  const firstLine = text.split('\n', 1)[0]!;
  if (/"paper"\s*:/.test(firstLine)) return 'hf-daily-jsonl';
  if (/"id"\s*:/.test(firstLine) && /"(?:versions|authors)"\s*:/.test(firstLine)) return 'kaggle-jsonl';
  return undefined;
}

/**
 * The input files under the given paths: files as named, folders walked recursively in sorted
 * order. Inside folders, dotfiles, PROVENANCE/README/LICENSE and files of other types are left out.
 */
export async function listInputs(paths: string[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new Error(`${path} does not exist`);
      throw err;
    });
    if (info.isDirectory()) files.push(...(await walk(path)));
    else files.push({ path, size: info.size });
  }
  return files;
}

async function walk(dir: string): Promise<InputFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: InputFile[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile() && isInputName(entry.name)) files.push({ path, size: (await stat(path)).size });
  }
  return files;
}

function isInputName(name: string): boolean {
  return !DOCUMENTATION.test(name) && INPUT_EXTENSIONS.has(extname(name).toLowerCase());
}

/**
 * Streams every file through the parser for its format. onBytes is told how many bytes were read
 * from disk as reading goes (compressed bytes for .gz, to match InputFile.size). A file that
 * cannot be read or recognised is reported as one error and the next file is read.
 */
export async function* readInputs(files: InputFile[], onBytes?: (n: number) => void): AsyncIterable<ParseResult> {
  for (const file of files) {
    try {
      yield* readFile(file.path, onBytes);
    } catch (err) {
      yield fileError(file.path, `could not read: ${(err as Error).message}`);
    }
  }
}

async function* readFile(path: string, onBytes?: (n: number) => void): AsyncIterable<ParseResult> {
  const text = openText(path, onBytes);
  try {
    const { head, chunks } = await peek(text);
    if (head.length < HEAD_CHARS && head.trim() === '') return; // all blank (a .gz of nothing, say): no records, nothing wrong
    const format = detectFormat(head);
    if (format) yield* PARSERS[format](chunks, path);
    else yield fileError(path, `unrecognised format: expected ${FORMAT_NAMES}`);
  } finally {
    text.destroy(); // closes the file when it is not read to the end (unknown format, reader stopped)
  }
}

const FORMAT_NAMES = 'an OAI-PMH response, an arXiv API Atom feed, Kaggle arXiv metadata JSON lines or Hugging Face daily papers JSON';

const PARSERS: Record<Format, (chunks: AsyncIterable<string>, path: string) => AsyncIterable<ParseResult>> = {
  'oai-pmh': parseOaiPmhStream,
  'arxiv-atom': parseArxivAtomStream,
  'kaggle-jsonl': (chunks, path) => parseKaggleLines(lines(chunks), path),
  'hf-daily-jsonl': (chunks, path) => parseHfDailyLines(lines(chunks), path),
  // A saved API response is one JSON document (well under 2 MB), so it is read whole.
  'hf-daily': async function* (chunks, path) {
    yield* parseHfDailyDocument(await readAll(chunks), path, dateFromName(path));
  },
};

/** The file as UTF-8 text, gunzipped when its name ends in .gz. */
function openText(path: string, onBytes?: (n: number) => void): Readable {
  const raw = createReadStream(path);
  if (onBytes) raw.on('data', (chunk) => onBytes(chunk.length));
  const text = path.toLowerCase().endsWith('.gz') ? createGunzip() : new PassThrough();
  // pipeline destroys `text` with any read or gunzip error, so iterating it throws that error.
  pipeline(raw, text, () => {});
  return text.setEncoding('utf8');
}

/**
 * Reads the first HEAD_CHARS (or the whole input if shorter) and gives back a stream that still
 * starts at the beginning, less a byte-order mark, which JSON.parse would choke on.
 */
async function peek(stream: AsyncIterable<string>): Promise<{ head: string; chunks: AsyncIterable<string> }> {
  const iterator = stream[Symbol.asyncIterator]();
  const buffered: string[] = [];
  let length = 0;
  let done = false;
  while (length < HEAD_CHARS && !done) {
    const next = await iterator.next();
    if (next.done) done = true;
    else {
      buffered.push(length === 0 ? next.value.replace(/^\uFEFF/, '') : next.value);
      length += next.value.length;
    }
  }
  async function* replay(): AsyncIterable<string> {
    yield* buffered;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { head: buffered.join('').slice(0, HEAD_CHARS), chunks: replay() };
}

/** Splits text into lines (without their \n or \r\n), without re-scanning a long line for every chunk. */
async function* lines(chunks: AsyncIterable<string>): AsyncIterable<string> {
  let partial: string[] = [];
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      partial.push(chunk.slice(start, nl));
      yield withoutCr(partial.join(''));
      partial = [];
      start = nl + 1;
    }
    if (start < chunk.length) partial.push(chunk.slice(start));
  }
  if (partial.length) yield withoutCr(partial.join(''));
}

function withoutCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

async function readAll(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

/** The day in a name like 2025-01-10.json (or .json.gz). */
function dateFromName(path: string): string | undefined {
  return /^(\d{4}-\d{2}-\d{2})\.json(?:\.gz)?$/i.exec(basename(path))?.[1];
}

function fileError(path: string, reason: string): ParseResult {
  return { error: { source: path, position: 'file', reason } };
}
