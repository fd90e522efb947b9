// A tiny BERT-like sentence-transformers folder, built in the test itself so that no Python, no
// download and no committed binary is needed: a hand-encoded ONNX protobuf, a WordPiece
// tokenizer.json and the config files a Hugging Face repo carries. The weights come from a seeded
// PRNG and are exported, so tests can recompute the model's output independently in plain JS.
//
//   last_hidden_state = Tanh((word_embeddings[input_ids] + type_embeddings[token_type_ids]) · W)
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from './random.ts';

export const TINY_VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]',
  'the', 'a', 'of', 'and', 'in', 'to', 'for', 'on', 'with', 'is',
  'model', 'language', 'neural', 'network', 'diffusion', 'speech', 'synthesis', 'graph',
  'learn', 'deep', 'attention', 'transformer', 'paper', 'data', 'image', 'text', 'search',
  'quantum', 'protein', 'token', 'large', 'small', 'fast', 'robust',
  '##s', '##ing', '##ed', '##er', '##ly', '##ation', '.', ',', '-', ':',
];

export interface TinyWeights {
  hidden: number;
  /** [vocab, hidden], row-major. */
  wordEmbeddings: Float32Array;
  /** [2, hidden], row-major. */
  typeEmbeddings: Float32Array;
  /** [hidden, hidden], row-major. */
  w: Float32Array;
}

export interface TinyModelOptions {
  hidden?: number;
  seed?: number;
}

export function tinyWeights(options: TinyModelOptions = {}): TinyWeights {
  const hidden = options.hidden ?? 16;
  const random = mulberry32(options.seed ?? 42);
  const fill = (n: number, scale: number) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  return {
    hidden,
    wordEmbeddings: fill(TINY_VOCAB.length * hidden, 1),
    typeEmbeddings: fill(2 * hidden, 0.5),
    // Small enough that Tanh stays out of saturation and different inputs stay distinguishable.
    w: fill(hidden * hidden, 1 / Math.sqrt(hidden)),
  };
}

export async function writeTinyModel(dir: string, options: TinyModelOptions = {}): Promise<void> {
  const weights = tinyWeights(options);
  await mkdir(join(dir, 'onnx'), { recursive: true });
  await mkdir(join(dir, '1_Pooling'), { recursive: true });
  await writeFile(join(dir, 'onnx', 'model.onnx'), encodeModel(weights));
  await writeJson(join(dir, 'tokenizer.json'), tokenizerJson());
  await writeJson(join(dir, 'tokenizer_config.json'), {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: 512,
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
  });
  await writeJson(join(dir, 'config.json'), {
    model_type: 'bert',
    hidden_size: weights.hidden,
    vocab_size: TINY_VOCAB.length,
    type_vocab_size: 2,
    max_position_embeddings: 512,
  });
  await writeJson(join(dir, '1_Pooling', 'config.json'), {
    word_embedding_dimension: weights.hidden,
    pooling_mode_cls_token: false,
    pooling_mode_mean_tokens: true,
    pooling_mode_max_tokens: false,
    pooling_mode_mean_sqrt_len_tokens: false,
  });
}


async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(value, null, 2));
}

function tokenizerJson(): unknown {
  const special = (content: string, id: number) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const idOf = (token: string) => TINY_VOCAB.indexOf(token);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map((t) => special(t, idOf(t))),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [idOf('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [idOf('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(TINY_VOCAB.map((token, id) => [token, id])),
    },
  };
}

// --- A minimal protobuf writer, just enough for onnx.ModelProto (onnx/onnx.proto, proto2). ---

const FLOAT = 1;
const INT64 = 7;
type Bytes = Uint8Array;

function varint(value: number | bigint): Bytes {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Uint8Array.from(out);
}

/** Wire type 0: ints, enums. */
function intField(field: number, value: number): Bytes {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

/** Wire type 2: strings, bytes and embedded messages. */
function bytesField(field: number, payload: Bytes | string): Bytes {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([varint((field << 3) | 2), varint(data.length), data]);
}

function message(...fields: Bytes[]): Bytes {
  return Buffer.concat(fields);
}

function tensor(name: string, dims: number[], values: Float32Array): Bytes {
  const raw = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => raw.writeFloatLE(v, i * 4));
  return message(...dims.map((d) => intField(1, d)), intField(2, FLOAT), bytesField(8, name), bytesField(9, raw));
}

/** A tensor value with symbolic (string) or fixed (number) dimensions. */
function valueInfo(name: string, elemType: number, dims: (string | number)[]): Bytes {
  const shape = message(...dims.map((d) => bytesField(1, typeof d === 'string' ? bytesField(2, d) : intField(1, d))));
  const tensorType = message(intField(1, elemType), bytesField(2, shape));
  return message(bytesField(1, name), bytesField(2, message(bytesField(1, tensorType))));
}

function node(opType: string, inputs: string[], outputs: string[]): Bytes {
  return message(...inputs.map((i) => bytesField(1, i)), ...outputs.map((o) => bytesField(2, o)), bytesField(3, `${opType}_${outputs[0]}`), bytesField(4, opType));
}

function encodeModel(weights: TinyWeights): Bytes {
  const h = weights.hidden;
  const graph = message(
    bytesField(1, node('Gather', ['word_embeddings', 'input_ids'], ['words'])),
    bytesField(1, node('Gather', ['type_embeddings', 'token_type_ids'], ['types'])),
    bytesField(1, node('Add', ['words', 'types'], ['summed'])),
    bytesField(1, node('MatMul', ['summed', 'W'], ['projected'])),
    bytesField(1, node('Tanh', ['projected'], ['last_hidden_state'])),
    bytesField(2, 'tiny-bert'),
    bytesField(5, tensor('word_embeddings', [TINY_VOCAB.length, h], weights.wordEmbeddings)),
    bytesField(5, tensor('type_embeddings', [2, h], weights.typeEmbeddings)),
    bytesField(5, tensor('W', [h, h], weights.w)),
    bytesField(11, valueInfo('input_ids', INT64, ['batch', 'seq'])),
    bytesField(11, valueInfo('attention_mask', INT64, ['batch', 'seq'])),
    bytesField(11, valueInfo('token_type_ids', INT64, ['batch', 'seq'])),
    bytesField(12, valueInfo('last_hidden_state', FLOAT, ['batch', 'seq', h])),
  );
  const opset = message(bytesField(1, ''), intField(2, 17));
  return message(intField(1, 8), bytesField(2, 'paperboy-tests'), bytesField(7, graph), bytesField(8, opset));
}
