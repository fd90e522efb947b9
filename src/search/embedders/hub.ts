// `paperboy models pull OWNER/MODEL`: fetches the files an ONNX sentence-transformers embedder
// needs from the Hugging Face Hub (or a mirror with the same URL layout) into a local folder that
// loadOnnxEmbedder reads. The folder appears only once every file is in it: a pull that fails or is
// interrupted leaves the previous copy, if any, untouched and never a half-pulled model.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import type { ProgressFn } from './types.ts';

export interface PullOptions {
  /** Hub base URL, without a trailing slash. */
  endpoint?: string;
  /** Branch, tag or commit. */
  revision?: string;
  /** Injectable for tests and proxies. */
  fetch?: typeof fetch;
  /** Called per file as bytes arrive (step = the file's path; total = Content-Length, 0 when not sent), and once more with done === total when the file is complete. */
  onProgress?: ProgressFn;
  /** A Hub access token, for gated or private repositories. */
  token?: string;
}

/** Files tried in order; the first one the server has is kept. */
interface Wanted {
  candidates: string[];
  required: boolean;
}

const WANTED: Wanted[] = [
  { candidates: ['config.json'], required: true },
  { candidates: ['tokenizer.json'], required: true },
  { candidates: ['tokenizer_config.json'], required: true },
  { candidates: ['special_tokens_map.json'], required: false },
  { candidates: ['1_Pooling/config.json'], required: false },
  { candidates: ['onnx/model.onnx', 'model.onnx'], required: true },
];

// Hub names are OWNER/REPO of letters, digits, '-', '_' and '.'; anything else could climb out of the URL path.
const NAME = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

export async function pullModel(name: string, targetDir: string, options: PullOptions = {}): Promise<{ dir: string; files: string[] }> {
  if (!NAME.test(name) || name.includes('..')) {
    throw new Error(`"${name}" is not a Hugging Face model name; expected OWNER/MODEL, e.g. sentence-transformers/all-MiniLM-L6-v2.`);
  }
  const base = `${(options.endpoint ?? 'https://huggingface.co').replace(/\/+$/, '')}/${name}/resolve/${encodeURIComponent(options.revision ?? 'main')}`;
  const partial = `${targetDir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  try {
    const files: string[] = [];
    for (const wanted of WANTED) {
      const file = await downloadFirst(base, wanted, partial, options);
      if (file) files.push(file);
    }
    await moveIntoPlace(partial, targetDir);
    return { dir: targetDir, files };
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw err;
  }
}

/** Downloads the first candidate the server has; returns its path, or undefined for a missing optional file. */
async function downloadFirst(base: string, wanted: Wanted, dir: string, options: PullOptions): Promise<string | undefined> {
  const urls = wanted.candidates.map((file) => `${base}/${file}`);
  for (const [i, file] of wanted.candidates.entries()) {
    const response = await get(urls[i]!, options);
    if (response.status === 404) {
      await response.body?.cancel();
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`Downloading ${urls[i]} failed: HTTP ${response.status} ${response.statusText}.${statusHint(response.status)}`);
    }
    try {
      await save(response, dir, file, options.onProgress);
    } catch (err) {
      throw new Error(`Downloading ${urls[i]} failed part-way: ${(err as Error).message}.`);
    }
    return file;
  }
  if (!wanted.required) return undefined;
  throw new Error(`Not found: ${urls.join(' or ')}. Is this a sentence-transformers model with an ONNX export?`);
}

async function get(url: string, options: PullOptions): Promise<Response> {
  const headers: Record<string, string> = { 'User-Agent': 'paperboy' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  try {
    return await (options.fetch ?? fetch)(url, { headers });
  } catch (err) {
    const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new Error(`Downloading ${url} failed: ${cause}.`);
  }
}

function statusHint(status: number): string {
  // The Hub answers 401 for repositories that do not exist as well as for gated ones.
  if (status === 401 || status === 403) return ' Check the model name; a gated or private model also needs an access token.';
  return '';
}

/** Streams the body to FILE.part and renames it, so a file with its final name is always whole. */
async function save(response: Response, dir: string, file: string, onProgress: ProgressFn | undefined): Promise<void> {
  const path = join(dir, file);
  await mkdir(dirname(path), { recursive: true });
  const total = Number(response.headers.get('content-length')) || 0;
  let done = 0;
  const body = response.body ? Readable.fromWeb(response.body as ReadableStream<Uint8Array>) : Readable.from([]);
  await pipeline(
    body,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        done += chunk.length;
        onProgress?.(file, done, total);
        yield chunk;
      }
    },
    createWriteStream(`${path}.part`),
  );
  await rename(`${path}.part`, path);
  onProgress?.(file, done, done);
}

/** Swaps the complete download in for any earlier copy, putting the earlier copy back if that fails. */
async function moveIntoPlace(partial: string, target: string): Promise<void> {
  const previous = `${target}.previous`;
  await rm(previous, { recursive: true, force: true });
  const hadPrevious = await rename(target, previous).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  try {
    await rename(partial, target);
  } catch (err) {
    if (hadPrevious) await rename(previous, target);
    throw err;
  }
  if (hadPrevious) await rm(previous, { recursive: true, force: true });
}
