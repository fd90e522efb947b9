import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pullModel } from '../../src/search/embedders/hub.ts';
import { loadOnnxEmbedder } from '../../src/search/embedders/onnx.ts';
import { normalize, type Embedder } from '../../src/search/embedders/types.ts';
import { TINY_VOCAB, tinyWeights, writeTinyModel } from '../helpers/tiny-onnx.ts';

let tmp: string;
let modelDir: string;
let embedder: Embedder;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'paperboy-onnx-'));
  modelDir = join(tmp, 'tiny');
  await writeTinyModel(modelDir);
  embedder = await loadOnnxEmbedder(modelDir);
});

after(async () => {
  await embedder?.close?.();
  await rm(tmp, { recursive: true, force: true });
});

const weights = tinyWeights();

/** The tiny model and pooling recomputed in plain JS from its weights, for words all in the vocabulary. */
function expectedVector(text: string, pooling: 'mean' | 'cls' = 'mean'): Float32Array {
  const tokens = ['[CLS]', ...text.toLowerCase().split(/\s+/), '[SEP]'];
  const h = weights.hidden;
  const states = tokens.map((token) => {
    const id = TINY_VOCAB.indexOf(token);
    assert.ok(id >= 0, `${token} is in the tiny vocabulary`);
    const x = Array.from({ length: h }, (_, j) => weights.wordEmbeddings[id * h + j]! + weights.typeEmbeddings[j]!);
    return Array.from({ length: h }, (_, k) => Math.tanh(x.reduce((sum, xj, j) => sum + xj * weights.w[j * h + k]!, 0)));
  });
  if (pooling === 'cls') return normalize(Float32Array.from(states[0]!));
  return normalize(Float32Array.from({ length: h }, (_, k) => states.reduce((sum, s) => sum + s[k]!, 0) / states.length));
}

function assertClose(actual: Float32Array, expected: Float32Array, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `component ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
}

test('the tiny model loads and embeds texts as unit vectors of its width', async () => {
  assert.equal(embedder.name, 'onnx:tiny');
  assert.equal(embedder.dimensions, 16);
  const [a, b, c, empty] = await embedder.embed(['Graph neural networks', 'graph  NEURAL networks', 'Quantum protein search', '   '], 'document');
  for (const v of [a!, b!, c!]) {
    assert.equal(v.length, 16);
    assert.ok(Math.abs(norm(v) - 1) < 1e-5);
  }
  assert.deepEqual(a, b, 'the tokenizer lowercases and ignores extra spaces');
  assert.notDeepEqual(a, c);
  assert.deepEqual(empty, new Float32Array(16));
});

test('mean pooling matches the model recomputed by hand and ignores padding', async () => {
  const short = 'the model';
  const long = 'large language model for speech synthesis with deep neural network and diffusion';
  const [alone] = await embedder.embed([short], 'query');
  const [shortInBatch, longInBatch] = await embedder.embed([short, long], 'query');
  assertClose(alone!, expectedVector(short), 1e-4);
  assertClose(shortInBatch!, alone!, 1e-6);
  assertClose(longInBatch!, expectedVector(long), 1e-4);
});

test('CLS pooling takes the first token', async () => {
  const cls = await loadOnnxEmbedder(modelDir, { pooling: 'cls' });
  try {
    const [v] = await cls.embed(['the model'], 'document');
    assertClose(v!, expectedVector('the model', 'cls'), 1e-4);
  } finally {
    await cls.close?.();
  }
});

test('role prefixes and truncation change what the model sees', async () => {
  const prefixed = await loadOnnxEmbedder(modelDir, { queryPrefix: 'search ', maxLength: 4 });
  try {
    const text = 'the model of data';
    const [query] = await prefixed.embed([text], 'query');
    const [document] = await prefixed.embed([text], 'document');
    // maxLength 4 keeps [CLS], two words and [SEP].
    assertClose(query!, expectedVector('search the'), 1e-4);
    assertClose(document!, expectedVector('the model'), 1e-4);
  } finally {
    await prefixed.close?.();
  }
});

test('batching gives the same vectors as embedding texts one by one', async () => {
  const words = TINY_VOCAB.slice(4, 38);
  const texts = Array.from({ length: 70 }, (_, i) => Array.from({ length: 1 + ((i * 7) % 13) }, (_, j) => words[(i * 5 + j * 3) % words.length]).join(' '));
  const batched = await loadOnnxEmbedder(modelDir, { batchSize: 8 });
  try {
    const together = await batched.embed(texts, 'document');
    assert.equal(together.length, 70);
    for (const [i, text] of texts.entries()) {
      const [single] = await embedder.embed([text], 'document');
      assertClose(together[i]!, single!, 1e-5);
    }
  } finally {
    await batched.close?.();
  }
});

test('missing files are named, with how to get them', async () => {
  const broken = join(tmp, 'broken');
  await cp(modelDir, broken, { recursive: true });
  await rm(join(broken, 'tokenizer.json'));
  await assert.rejects(loadOnnxEmbedder(broken), /tokenizer\.json.*paperboy models pull/s);

  await cp(join(modelDir, 'tokenizer.json'), join(broken, 'tokenizer.json'));
  await rm(join(broken, 'onnx'), { recursive: true });
  await assert.rejects(loadOnnxEmbedder(broken), /No ONNX model in .*onnx\/model\.onnx.*paperboy models pull/s);

  await assert.rejects(loadOnnxEmbedder(join(tmp, 'nowhere')), /nowhere does not exist.*paperboy models pull/s);
});

interface HubServer {
  url: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/**
 * Serves the tiny model's files as the Hub lays them out, under /owner/tiny/resolve/main/. `route`
 * maps a file asked for to the file of the tiny model to send, or to an HTTP status to answer.
 */
async function startHub(route: (file: string) => string | number = (file) => file): Promise<HubServer> {
  const requests: HubServer['requests'] = [];
  const server = createServer(async (req, res) => {
    const path = req.url ?? '/';
    requests.push({ path, headers: req.headers });
    const file = /^\/owner\/tiny\/resolve\/main\/(.+)$/.exec(path)?.[1];
    const answer = file === undefined ? 404 : route(file);
    if (typeof answer === 'number') return res.writeHead(answer).end('Entry not found');
    try {
      const body = await readFile(join(modelDir, answer));
      res.writeHead(200, { 'Content-Length': body.length }).end(body);
    } catch {
      res.writeHead(404).end('Entry not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

test('pullModel downloads a folder that embeds like the original', async () => {
  const hub = await startHub();
  const target = join(tmp, 'models', 'tiny');
  const progress: [string, number, number][] = [];
  try {
    const pulled = await pullModel('owner/tiny', target, { endpoint: hub.url, token: 'secret', onProgress: (...p) => progress.push(p) });
    assert.equal(pulled.dir, target);
    assert.deepEqual(pulled.files, ['config.json', 'tokenizer.json', 'tokenizer_config.json', '1_Pooling/config.json', 'onnx/model.onnx']);
    assert.ok(hub.requests.some((r) => r.path === '/owner/tiny/resolve/main/special_tokens_map.json'), 'the optional file was asked for');
    assert.ok(hub.requests.every((r) => r.headers.authorization === 'Bearer secret'));
    const modelSize = (await stat(join(modelDir, 'onnx', 'model.onnx'))).size;
    assert.deepEqual(progress.at(-1), ['onnx/model.onnx', modelSize, modelSize]);
    assert.equal(await exists(`${target}.partial`), false);

    const copy = await loadOnnxEmbedder(target);
    try {
      const texts = ['graph neural network', 'the model'];
      assert.deepEqual(await copy.embed(texts, 'document'), await embedder.embed(texts, 'document'));
    } finally {
      await copy.close?.();
    }
  } finally {
    await hub.close();
  }
});

test('a pull that fails part-way leaves no folder behind, nor harms an earlier one', async () => {
  const hub = await startHub((file) => (file === 'tokenizer.json' ? 500 : file));
  try {
    const fresh = join(tmp, 'failed', 'tiny');
    await assert.rejects(
      pullModel('owner/tiny', fresh, { endpoint: hub.url }),
      (err: Error) => err.message.includes(`${hub.url}/owner/tiny/resolve/main/tokenizer.json`) && err.message.includes('500'),
    );
    assert.equal(await exists(fresh), false);
    assert.equal(await exists(`${fresh}.partial`), false);

    const earlier = join(tmp, 'earlier');
    await cp(modelDir, earlier, { recursive: true });
    await assert.rejects(pullModel('owner/tiny', earlier, { endpoint: hub.url }));
    assert.ok(await exists(join(earlier, 'tokenizer.json')));
    assert.ok(await exists(join(earlier, 'onnx', 'model.onnx')));
  } finally {
    await hub.close();
  }
});

test('the model is also found at the top of the repo, and its absence names both URLs', async () => {
  const flat = await startHub((file) => (file === 'model.onnx' ? 'onnx/model.onnx' : file.endsWith('.onnx') ? 404 : file));
  try {
    const pulled = await pullModel('owner/tiny', join(tmp, 'flat', 'tiny'), { endpoint: flat.url });
    assert.equal(pulled.files.at(-1), 'model.onnx');
    const model = await loadOnnxEmbedder(pulled.dir);
    await model.close?.();
  } finally {
    await flat.close();
  }

  const none = await startHub((file) => (file.endsWith('.onnx') ? 404 : file));
  try {
    const target = join(tmp, 'none', 'tiny');
    await assert.rejects(
      pullModel('owner/tiny', target, { endpoint: none.url }),
      (err: Error) => err.message.includes(`${none.url}/owner/tiny/resolve/main/onnx/model.onnx or ${none.url}/owner/tiny/resolve/main/model.onnx`),
    );
    assert.equal(await exists(target), false);
  } finally {
    await none.close();
  }
});

test('names that are not OWNER/MODEL are refused before any request', async () => {
  const refuse = (() => {
    throw new Error('no request expected');
  }) as unknown as typeof fetch;
  for (const name of ['../x', 'owner/..', 'owner/../x', 'a/b/c', 'justone', '/abs/path', 'owner/mo del']) {
    await assert.rejects(pullModel(name, join(tmp, 'bad'), { fetch: refuse }), /not a Hugging Face model name/, name);
  }
  assert.equal(await exists(join(tmp, 'bad.partial')), false);
});
