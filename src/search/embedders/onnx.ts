// Sentence-transformers models exported to ONNX, run locally with onnxruntime. The folder is a
// Hugging Face repo as `paperboy models pull` leaves it: tokenizer.json, config.json, the model at
// onnx/model.onnx (or model.onnx) and, when the repo has one, 1_Pooling/config.json.
import { Tokenizer } from '@huggingface/tokenizers';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { access, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { normalize, type EmbedRole, type Embedder } from './types.ts';

export interface OnnxEmbedderOptions {
  /** Texts per inference call. */
  batchSize?: number;
  /** Tokens per text, special tokens included; longer texts are cut. Capped by the tokenizer's own limit. */
  maxLength?: number;
  /** Prepended to queries, for models trained with one (E5: "query: "). */
  queryPrefix?: string;
  /** Prepended to documents (E5: "passage: "). */
  documentPrefix?: string;
  /** Overrides what 1_Pooling/config.json says. */
  pooling?: 'mean' | 'cls';
}

type Pooling = 'mean' | 'cls';

const MODEL_PATHS = ['onnx/model.onnx', 'model.onnx'];
const HOW_TO_GET =
  'Run `paperboy models pull OWNER/MODEL` (e.g. sentence-transformers/all-MiniLM-L6-v2) to download one, ' +
  'or put a sentence-transformers ONNX export in that folder.';

export async function loadOnnxEmbedder(dir: string, options: OnnxEmbedderOptions = {}): Promise<Embedder> {
  const batchSize = positiveInteger(options.batchSize ?? 32, 'batchSize');
  await requirePath(dir, `The model folder ${dir} does not exist.`);
  const tokenizerJson = await readJson(join(dir, 'tokenizer.json'), true);
  const tokenizerConfig = (await readJson(join(dir, 'tokenizer_config.json'), false)) ?? {};
  const tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfig);
  const encoder = createEncoder(tokenizer, tokenizerJson, tokenizerConfig, positiveInteger(options.maxLength ?? 256, 'maxLength'));
  const pooling = options.pooling ?? (await readPooling(dir));
  const session = await openSession(dir);
  const runBatch = createBatchRunner(session, encoder.padId, pooling);
  const prefixes: Record<EmbedRole, string> = { query: options.queryPrefix ?? '', document: options.documentPrefix ?? '' };

  // One tiny inference tells the output width and proves the model runs before any real work.
  const dimensions = await runBatch([encoder.encode('dimension probe')]).then(
    ([probe]) => probe!.length,
    async (err: unknown) => {
      await session.release();
      throw err;
    },
  );

  return {
    name: `onnx:${basename(dir)}`,
    dimensions,
    async embed(texts, role) {
      const vectors: Float32Array[] = texts.map(() => new Float32Array(dimensions));
      const encoded = texts
        .map((text, index) => ({ index, ids: text.trim() === '' ? [] : encoder.encode(prefixes[role] + text) }))
        .filter((e) => e.ids.length > 0)
        // Similar lengths in one batch means little padding, so less wasted compute.
        .sort((a, b) => a.ids.length - b.ids.length);
      for (let start = 0; start < encoded.length; start += batchSize) {
        const batch = encoded.slice(start, start + batchSize);
        const pooled = await runBatch(batch.map((e) => e.ids));
        batch.forEach((e, i) => (vectors[e.index] = pooled[i]!));
      }
      return vectors;
    },
    async close() {
      await session.release();
    },
  };
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not ${value}.`);
  return value;
}

async function requirePath(path: string, message: string): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new Error(`${message} ${HOW_TO_GET}`);
  }
}

async function readJson(path: string, required: true): Promise<unknown>;
async function readJson(path: string, required: false): Promise<Record<string, unknown> | undefined>;
async function readJson(path: string, required: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read ${path}: ${(err as Error).message}`);
    if (!required) return undefined;
    throw new Error(`${path} is missing. ${HOW_TO_GET}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); the download may be damaged. ${HOW_TO_GET}`);
  }
}

async function readPooling(dir: string): Promise<Pooling> {
  const path = join(dir, '1_Pooling', 'config.json');
  const config = await readJson(path, false);
  if (!config) return 'mean';
  if (config.pooling_mode_cls_token === true) return 'cls';
  if (config.pooling_mode_mean_tokens === true) return 'mean';
  // Max or last-token pooling would silently give poor vectors if treated as mean.
  throw new Error(`${path} asks for a pooling mode other than mean or CLS, which Paperboy does not support.`);
}

async function openSession(dir: string): Promise<InferenceSession> {
  for (const relative of MODEL_PATHS) {
    const path = join(dir, relative);
    try {
      await access(path);
    } catch {
      continue;
    }
    try {
      return await InferenceSession.create(path);
    } catch (err) {
      throw new Error(`Cannot load the ONNX model ${path}: ${(err as Error).message}`);
    }
  }
  throw new Error(`No ONNX model in ${dir} (looked for ${MODEL_PATHS.join(' and ')}). ${HOW_TO_GET}`);
}

interface Encoder {
  /** Token ids with the model's special tokens, cut to the length limit. */
  encode(text: string): number[];
  padId: number;
}

function createEncoder(tokenizer: Tokenizer, tokenizerJson: unknown, config: Record<string, unknown>, maxLength: number): Encoder {
  const modelLimit = typeof config.model_max_length === 'number' ? config.model_max_length : Infinity;
  const limit = Math.min(maxLength, modelLimit);
  const tail = trailingSpecialTokens(tokenizer);
  return {
    encode(text) {
      const ids = tokenizer.encode(text).ids;
      if (ids.length <= limit) return ids;
      // tokenizers.js cannot truncate, so cut the text's tokens but keep the closing [SEP] / </s>
      // the model was trained to see.
      return [...ids.slice(0, Math.max(0, limit - tail)), ...ids.slice(ids.length - tail)];
    },
    padId: padTokenId(tokenizer, tokenizerJson, config),
  };
}

/** How many special tokens the post-processor appends after the text ([SEP] for BERT: 1). */
function trailingSpecialTokens(tokenizer: Tokenizer): number {
  const probe = 'probe';
  const bare = tokenizer.encode(probe, { add_special_tokens: false }).ids;
  const full = tokenizer.encode(probe).ids;
  for (let start = 0; start + bare.length <= full.length; start++) {
    if (bare.every((id: number, i: number) => full[start + i] === id)) return full.length - start - bare.length;
  }
  return 0;
}

// RoBERTa-style exports derive position ids from `input_ids != pad`, so the true pad id matters
// even though the attention mask hides padded positions.
function padTokenId(tokenizer: Tokenizer, tokenizerJson: unknown, config: Record<string, unknown>): number {
  const padding = (tokenizerJson as { padding?: { pad_id?: unknown } | null }).padding;
  if (typeof padding?.pad_id === 'number') return padding.pad_id;
  const token = typeof config.pad_token === 'string' ? config.pad_token : (config.pad_token as { content?: string } | undefined)?.content;
  return (token === undefined ? undefined : tokenizer.token_to_id(token)) ?? 0;
}

/** Runs one batch of token ids through the model and pools each row into a unit vector. */
function createBatchRunner(session: InferenceSession, padId: number, pooling: Pooling): (batch: number[][]) => Promise<Float32Array[]> {
  const needsTypeIds = session.inputNames.includes('token_type_ids');
  const outputName = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0]!;
  return async (batch) => {
    const seq = Math.max(...batch.map((ids) => ids.length));
    const inputIds = new BigInt64Array(batch.length * seq).fill(BigInt(padId));
    const mask = new BigInt64Array(batch.length * seq);
    batch.forEach((ids, row) => {
      ids.forEach((id, col) => {
        inputIds[row * seq + col] = BigInt(id);
        mask[row * seq + col] = 1n;
      });
    });
    const dims = [batch.length, seq];
    const feeds: Record<string, Tensor> = { input_ids: new Tensor('int64', inputIds, dims), attention_mask: new Tensor('int64', mask, dims) };
    // Single texts are all segment 0; models without the input reject an extra feed.
    if (needsTypeIds) feeds.token_type_ids = new Tensor('int64', new BigInt64Array(batch.length * seq), dims);
    const output = (await session.run(feeds))[outputName]!;
    if (output.dims.length !== 3 || output.type !== 'float32') {
      throw new Error(`The model's output ${outputName} is ${output.type} [${output.dims.join(', ')}]; expected float32 [batch, sequence, hidden].`);
    }
    const hidden = output.dims[2]!;
    const data = output.data as Float32Array;
    return batch.map((ids, row) => normalize(pool(data, row * seq * hidden, ids.length, hidden, pooling)));
  };
}

/** Pools one row of [seq, hidden] states starting at `offset`, over its `length` real tokens. */
function pool(data: Float32Array, offset: number, length: number, hidden: number, pooling: Pooling): Float32Array {
  if (pooling === 'cls') return data.slice(offset, offset + hidden);
  const sum = new Float32Array(hidden);
  for (let t = 0; t < length; t++) {
    for (let h = 0; h < hidden; h++) sum[h]! += data[offset + t * hidden + h]!;
  }
  for (let h = 0; h < hidden; h++) sum[h]! /= length;
  return sum;
}
