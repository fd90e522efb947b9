// An embedder backed by an OpenAI-compatible /v1/embeddings endpoint: Ollama, Hugging Face TEI,
// vLLM, llama.cpp's server, OpenAI itself. They agree on the request and the response but not on
// the details, so this client is lenient where they differ (base64 or float arrays, `index` order,
// unnormalised vectors, how they say "too big") and strict where a mistake would corrupt an index
// (vector count and size).
import { backoff, HttpError, networkReason, parseRetryAfter } from '../../ingest/http.ts';
import { normalize, type EmbedRole, type Embedder } from './types.ts';

export interface OpenAiEmbedderOptions {
  /** `http://localhost:11434`, `http://localhost:11434/v1` or with a trailing slash. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** The vector size, when known; otherwise learned from the first response. */
  dimensions?: number;
  /** Texts per request. */
  batchSize?: number;
  /** Retries after the first attempt of one request. */
  maxRetries?: number;
  /** Per request, response body included. */
  timeoutMs?: number;
  /** Instruction-tuned models (nomic, e5, bge) expect e.g. "search_query: " before queries... */
  queryPrefix?: string;
  /** ...and e.g. "search_document: " before documents. */
  documentPrefix?: string;
  /** Injectable for tests. */
  fetch?: typeof fetch;
  /** Injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

export type OpenAiEmbedder = Embedder & {
  /** Embeds one word to learn (or check) the vector size, and returns it. */
  probe(): Promise<number>;
};

const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** How servers say a batch is too big: OpenAI, vLLM and Ollama speak of context length or inputs, TEI and llama.cpp of batch size. */
const TOO_LARGE_MESSAGE = /context length|too many inputs|batch size|too large|tokens per request/i;
const BACKOFF_BASE_MS = 1_000;
/** One wait never exceeds this, whatever the server asks: a rate limit "resets" over minutes, but frees a request sooner. */
const MAX_WAIT_MS = 60_000;

/** What one attempt came to when it did not return a body. */
interface Failure {
  reason: string;
  status?: number;
  retryable: boolean;
  /** The batch may go through if split. */
  tooLarge: boolean;
  /** What the server asked us to wait, in ms, when it said. */
  waitMs?: number;
}

const TOO_LARGE = Symbol('too large');

export function openAiEmbedder(options: OpenAiEmbedderOptions): OpenAiEmbedder {
  const url = embeddingsUrl(options.baseUrl);
  const name = `openai:${options.model}`;
  const batchSize = positiveInteger(options.batchSize ?? 64, 'batchSize');
  const maxRetries = options.maxRetries ?? 5;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const fetchFn = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let dims = options.dimensions === undefined ? undefined : positiveInteger(options.dimensions, 'dimensions');

  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (options.apiKey) headers.Authorization = `Bearer ${options.apiKey}`;

  async function attempt(input: string[]): Promise<{ text: string } | Failure> {
    try {
      const response = await fetchFn(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: options.model, input, encoding_format: 'float' }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return response.ok ? { text } : statusFailure(response, text);
    } catch (err) {
      return { reason: networkReason(err, timeoutMs), retryable: true, tooLarge: false };
    }
  }

  /** One request with its retries; TOO_LARGE when the server wants fewer texts at once. */
  async function post(input: string[]): Promise<string | typeof TOO_LARGE> {
    for (let n = 1; ; n++) {
      const result = await attempt(input);
      if ('text' in result) return result.text;
      if (result.tooLarge && input.length > 1) return TOO_LARGE;
      if (!result.retryable) throw new HttpError(`POST ${url} failed: ${result.reason}`, url, result.status);
      if (n > maxRetries) {
        throw new HttpError(`POST ${url} failed after ${n} attempts (last: ${result.reason})`, url, result.status);
      }
      await sleep(Math.min(MAX_WAIT_MS, result.waitMs ?? backoff(n, BACKOFF_BASE_MS)));
    }
  }

  /** Embeds non-blank texts, halving the batch for as long as the server finds it too big. */
  async function embedBatch(input: string[]): Promise<Float32Array[]> {
    const text = await post(input);
    if (text === TOO_LARGE) {
      const half = Math.ceil(input.length / 2);
      return [...(await embedBatch(input.slice(0, half))), ...(await embedBatch(input.slice(half)))];
    }
    const vectors = parseEmbeddings(text, input.length, url);
    const size = vectors[0]!.length;
    if (dims !== undefined && size !== dims) {
      throw new Error(`${url} returned vectors of dimension ${size}, but ${name} has dimension ${dims}`);
    }
    dims = size;
    return vectors.map(normalize);
  }

  async function probe(): Promise<number> {
    await embedBatch(['probe']);
    return dims!;
  }

  return {
    name,
    get dimensions(): number {
      if (dims === undefined) {
        throw new Error(`The dimension of ${name} at ${url} is not known until it answers once: pass dimensions or call probe() first`);
      }
      return dims;
    },
    probe,
    async embed(texts: string[], role: EmbedRole): Promise<Float32Array[]> {
      const prefix = (role === 'query' ? options.queryPrefix : options.documentPrefix) ?? '';
      // Some servers reject empty input, and there is nothing to embed in it anyway.
      const toSend = texts.flatMap((text, i) => (text.trim() === '' ? [] : [i]));
      const out: Float32Array[] = new Array(texts.length);
      for (let start = 0; start < toSend.length; start += batchSize) {
        const indices = toSend.slice(start, start + batchSize);
        const vectors = await embedBatch(indices.map((i) => prefix + texts[i]!));
        indices.forEach((i, k) => (out[i] = vectors[k]!));
      }
      if (toSend.length < texts.length) {
        // Zero vectors need a size, and a call of only blank texts has not learned it.
        const size = dims ?? (await probe());
        for (let i = 0; i < texts.length; i++) out[i] ??= new Float32Array(size);
      }
      return out;
    },
  };
}

/** POST target for a base URL given with or without /v1; a base with another path (e.g. /v1beta/openai) is kept as is. */
function embeddingsUrl(baseUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new Error(`Not a URL: ${JSON.stringify(baseUrl)}; expected e.g. http://localhost:11434/v1`);
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  parsed.pathname = `${path === '' ? '/v1' : path}/embeddings`;
  return parsed.href;
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a positive whole number, not ${value}`);
  return value;
}

function statusFailure(response: Response, body: string): Failure {
  const message = serverMessage(body);
  const reason = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${message ? `: ${message}` : ''}`;
  const tooLarge = response.status === 413 || TOO_LARGE_MESSAGE.test(message);
  return {
    reason,
    status: response.status,
    // Ollama answers an over-long input with a 500; asking again will not shorten it.
    retryable: RETRYABLE_STATUSES.has(response.status) && !tooLarge,
    tooLarge,
    waitMs: serverWait(response.headers),
  };
}

/** The error text in `{error:{message}}` (OpenAI), `{error}` (Ollama, TEI), `{message}` (vLLM), or the raw body. */
function serverMessage(body: string): string {
  let message: unknown = body;
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    const error = json.error as { message?: unknown } | string | undefined;
    message = (typeof error === 'object' ? error?.message : error) ?? json.message ?? body;
  } catch {
    // Not JSON: a proxy's HTML or plain text says what it says.
  }
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}

/**
 * Retry-After when sent; otherwise OpenAI-style x-ratelimit-reset-requests/-tokens. We cannot tell
 * which of the two limits was hit, so the longer reset is the one that certainly lets us through.
 */
function serverWait(headers: Headers): number | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), Date.now());
  if (retryAfter !== undefined) return retryAfter;
  const resets = [headers.get('x-ratelimit-reset-requests'), headers.get('x-ratelimit-reset-tokens')]
    .map(parseDuration)
    .filter((ms): ms is number => ms !== undefined);
  return resets.length ? Math.max(...resets) : undefined;
}

const DURATION_UNITS_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Go-style durations as OpenAI sends them ("1s", "6m0s", "20ms", "1.5s"); a bare number is seconds. */
export function parseDuration(value: string | null): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(trimmed)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) ms += Number(amount) * DURATION_UNITS_MS[unit!]!;
  return ms;
}

/** Reads `{data:[{index, embedding}]}` into vectors in input order, or says what is wrong with it. */
function parseEmbeddings(text: string, expected: number, url: string): Float32Array[] {
  const fail = (problem: string): never => {
    throw new Error(`Unusable response from ${url}: ${problem}`);
  };
  let json: { data?: unknown } | null;
  try {
    json = JSON.parse(text) as { data?: unknown } | null;
  } catch {
    return fail(`not JSON (starts with ${JSON.stringify(text.slice(0, 80))})`);
  }
  const data = json?.data;
  if (!Array.isArray(data)) return fail('no "data" array');
  if (data.length !== expected) return fail(`${data.length} embeddings for ${expected} inputs`);
  const vectors: Float32Array[] = new Array(expected);
  data.forEach((item: { index?: unknown; embedding?: unknown } | null, position) => {
    // Servers that leave out `index` answer in the inputs' order.
    const index = item?.index ?? position;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected || vectors[index]) {
      return fail(`bad or repeated index ${JSON.stringify(index)}`);
    }
    vectors[index] = toVector(item?.embedding) ?? fail(`embedding ${index} is neither numbers nor base64 float32`);
  });
  const size = vectors[0]!.length;
  if (size === 0) return fail('empty embeddings');
  const odd = vectors.findIndex((v) => v.length !== size);
  if (odd >= 0) return fail(`embedding ${odd} has dimension ${vectors[odd]!.length}, embedding 0 has ${size}`);
  return vectors;
}

function toVector(embedding: unknown): Float32Array | undefined {
  if (Array.isArray(embedding)) return embedding.every((x) => typeof x === 'number') ? Float32Array.from(embedding) : undefined;
  if (typeof embedding !== 'string') return undefined;
  // Little-endian float32, as numpy writes it. Copied, since a Buffer's offset need not be 4-aligned.
  const bytes = Buffer.from(embedding, 'base64');
  if (bytes.length % 4 !== 0) return undefined;
  const vector = new Float32Array(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
  return vector;
}

