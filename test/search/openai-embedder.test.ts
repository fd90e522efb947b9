// The OpenAI-compatible embedder against a real HTTP server on 127.0.0.1 that speaks the
// /v1/embeddings protocol with deterministic fake vectors, so batching, retries and error handling
// run over real sockets.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, describe, test } from 'node:test';
import { openAiEmbedder, parseDuration, type OpenAiEmbedderOptions } from '../../src/search/embedders/openai.ts';

const DIMS = 8;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: { model: string; input: string[]; encoding_format: string };
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string. */
  body: unknown;
  delayMs?: number;
}

/** Decides the answer to the n-th request (1-based); `embeddings` is what a healthy server would send. */
type Route = (req: Received, n: number, embeddings: () => Answer) => Answer;

/** A text's fake embedding: deterministic, not unit length, so normalisation shows. */
function fakeVector(text: string, dims = DIMS): number[] {
  const hash = createHash('sha256').update(text).digest();
  return Array.from({ length: dims }, (_, i) => hash[i % hash.length]! - 127.5);
}

function unit(v: number[]): number[] {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function assertClose(actual: Float32Array, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-6, `${what}: component ${i}`);
}

const healthy = (req: Received): Answer => ({
  status: 200,
  body: { object: 'list', model: req.body.model, data: req.body.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeVector(text) })) },
});

let server: Server | undefined;
const timers = new Set<NodeJS.Timeout>();

async function startServer(route: Route = (req) => healthy(req)): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = { path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
      received.push(request);
      const answer = route(request, received.length, () => healthy(request));
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
        res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      };
      if (!answer.delayMs) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, answer.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

async function stopServer(): Promise<void> {
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = undefined;
}

/** An embedder for the test server whose sleeps are recorded, not waited. */
function embedderFor(url: string, options: Partial<OpenAiEmbedderOptions> = {}) {
  const sleeps: number[] = [];
  const embedder = openAiEmbedder({
    baseUrl: url,
    model: 'nomic-embed-text',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { embedder, sleeps };
}

const texts = (n: number) => Array.from({ length: n }, (_, i) => `paper abstract number ${i}`);

describe('OpenAI-compatible embedder', () => {
  afterEach(stopServer);
  after(stopServer);

  test('150 texts go out in batches of 64 and come back in input order, even when the server shuffles', async () => {
    const { url, received } = await startServer((_req, _n, embeddings) => {
      const answer = embeddings() as { status: number; body: { data: unknown[] } };
      answer.body.data.reverse();
      return answer;
    });
    const { embedder } = embedderFor(url);
    const input = texts(150);
    const vectors = await embedder.embed(input, 'document');

    assert.deepEqual(received.map((r) => r.body.input.length), [64, 64, 22]);
    assert.deepEqual(received.flatMap((r) => r.body.input), input);
    for (const r of received) {
      assert.equal(r.path, '/v1/embeddings');
      assert.equal(r.body.model, 'nomic-embed-text');
      assert.equal(r.body.encoding_format, 'float');
      assert.match(String(r.headers['content-type']), /application\/json/);
      assert.equal(r.headers.authorization, undefined);
    }
    assert.equal(vectors.length, 150);
    vectors.forEach((v, i) => assertClose(v, unit(fakeVector(input[i]!)), `vector ${i}`));
    assert.equal(embedder.name, 'openai:nomic-embed-text');
    assert.equal(embedder.dimensions, DIMS);
  });

  test('every vector is unit length, whatever the server sends', async () => {
    const { url } = await startServer();
    const { embedder } = embedderFor(url);
    for (const v of await embedder.embed(texts(10), 'document')) {
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-6);
    }
  });

  test('an API key is sent as a bearer token', async () => {
    const { url, received } = await startServer();
    await embedderFor(url, { apiKey: 'sk-test-123' }).embedder.embed(['a'], 'query');
    assert.equal(received[0]!.headers.authorization, 'Bearer sk-test-123');
  });

  test('base64 float32 embeddings are decoded', async () => {
    const { url } = await startServer((req) => ({
      status: 200,
      body: {
        data: req.body.input.map((text, index) => ({
          index,
          embedding: Buffer.from(new Float32Array(fakeVector(text)).buffer).toString('base64'),
        })),
      },
    }));
    const vectors = await embedderFor(url).embedder.embed(['one', 'two'], 'document');
    assertClose(vectors[0]!, unit(fakeVector('one')), 'one');
    assertClose(vectors[1]!, unit(fakeVector('two')), 'two');
  });

  test('query and document prefixes go in front of the text sent', async () => {
    const { url, received } = await startServer();
    const { embedder } = embedderFor(url, { queryPrefix: 'search_query: ', documentPrefix: 'search_document: ' });
    const [query] = await embedder.embed(['diffusion'], 'query');
    await embedder.embed(['diffusion'], 'document');
    assert.deepEqual(received.map((r) => r.body.input), [['search_query: diffusion'], ['search_document: diffusion']]);
    assertClose(query!, unit(fakeVector('search_query: diffusion')), 'query');
  });

  test('a base URL with or without /v1 and a trailing slash reaches /v1/embeddings', async () => {
    const { url, received } = await startServer();
    for (const base of [url, `${url}/`, `${url}/v1`, `${url}/v1/`]) await embedderFor(base).embedder.embed(['x'], 'query');
    assert.deepEqual(received.map((r) => r.path), Array(4).fill('/v1/embeddings'));
  });

  test('429 with Retry-After: 1 waits exactly one second, then succeeds', async () => {
    const { url, received } = await startServer((_req, n, embeddings) =>
      n === 1 ? { status: 429, headers: { 'Retry-After': '1' }, body: { error: { message: 'Rate limit reached' } } } : embeddings(),
    );
    const { embedder, sleeps } = embedderFor(url);
    const [v] = await embedder.embed(['hello'], 'query');
    assert.deepEqual(sleeps, [1000]);
    assert.equal(received.length, 2);
    assertClose(v!, unit(fakeVector('hello')), 'hello');
  });

  test('Retry-After as an HTTP date is honoured', async () => {
    const { url } = await startServer((_req, n, embeddings) =>
      n === 1 ? { status: 503, headers: { 'Retry-After': new Date(Date.now() + 30_000).toUTCString() }, body: '' } : embeddings(),
    );
    const { embedder, sleeps } = embedderFor(url);
    await embedder.embed(['hello'], 'query');
    assert.equal(sleeps.length, 1);
    // The date has whole seconds, so up to one is lost.
    assert.ok(sleeps[0]! > 28_000 && sleeps[0]! <= 30_000, String(sleeps[0]));
  });

  test('x-ratelimit-reset durations are honoured, the longer of the two, capped at 60 s', async () => {
    const resets: Record<string, string>[] = [
      { 'x-ratelimit-reset-requests': '20ms', 'x-ratelimit-reset-tokens': '1.5s' },
      { 'x-ratelimit-reset-requests': '6m0s' },
    ];
    const { url } = await startServer((_req, n, embeddings) =>
      n <= resets.length ? { status: 429, headers: resets[n - 1], body: { error: { message: 'slow down' } } } : embeddings(),
    );
    const { embedder, sleeps } = embedderFor(url);
    await embedder.embed(['hello'], 'query');
    assert.deepEqual(sleeps, [1500, 60_000]);
  });

  test('durations read the way OpenAI writes them', () => {
    assert.equal(parseDuration('1s'), 1000);
    assert.equal(parseDuration('6m0s'), 360_000);
    assert.equal(parseDuration('20ms'), 20);
    assert.equal(parseDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseDuration('2'), 2000);
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseDuration(null), undefined);
  });

  test('503 twice, then success: two backoff waits with jitter, growing', async () => {
    const { url, received } = await startServer((_req, n, embeddings) => (n <= 2 ? { status: 503, body: 'Service Unavailable' } : embeddings()));
    const { embedder, sleeps } = embedderFor(url);
    const [v] = await embedder.embed(['hello'], 'query');
    assert.equal(received.length, 3);
    assert.equal(sleeps.length, 2);
    assert.ok(sleeps[0]! >= 500 && sleeps[0]! <= 1000, String(sleeps[0]));
    assert.ok(sleeps[1]! >= 1000 && sleeps[1]! <= 2000, String(sleeps[1]));
    assertClose(v!, unit(fakeVector('hello')), 'hello');
  });

  test("400 fails at once with the server's message", async () => {
    const { url, received } = await startServer(() => ({ status: 400, body: { error: { message: 'model "nomic-embed-txt" not found, try pulling it first' } } }));
    const { embedder, sleeps } = embedderFor(url);
    await assert.rejects(embedder.embed(['hello'], 'query'), /HTTP 400.*model "nomic-embed-txt" not found, try pulling it first/);
    assert.equal(received.length, 1);
    assert.deepEqual(sleeps, []);
  });

  test('a persistent 500 gives up after maxRetries, naming the URL and the attempts', async () => {
    const { url, received } = await startServer(() => ({ status: 500, body: { error: 'CUDA out of memory' } }));
    const { embedder, sleeps } = embedderFor(url, { maxRetries: 3 });
    await assert.rejects(embedder.embed(['hello'], 'query'), (err: Error) => {
      assert.ok(err.message.includes(`${url}/v1/embeddings`), err.message);
      assert.match(err.message, /after 4 attempts/);
      assert.match(err.message, /HTTP 500.*CUDA out of memory/);
      return true;
    });
    assert.equal(received.length, 4);
    assert.equal(sleeps.length, 3);
  });

  test('a request that hangs times out and is retried', async () => {
    const { url, received } = await startServer((_req, n, embeddings) => ({ ...embeddings(), delayMs: n === 1 ? 5_000 : 0 }));
    const { embedder, sleeps } = embedderFor(url, { timeoutMs: 200 });
    const [v] = await embedder.embed(['hello'], 'query');
    assert.equal(received.length, 2);
    assert.equal(sleeps.length, 1);
    assertClose(v!, unit(fakeVector('hello')), 'hello');
  });

  test('an unreachable server fails with the network reason after the retries', async () => {
    const { url } = await startServer();
    await stopServer();
    const { embedder } = embedderFor(url, { maxRetries: 1 });
    await assert.rejects(embedder.embed(['hello'], 'query'), /after 2 attempts.*ECONNREFUSED/);
  });

  test('413 splits the batch in half until it fits, order kept', async () => {
    const { url, received } = await startServer((req, _n, embeddings) =>
      req.body.input.length > 7 ? { status: 413, body: 'Payload Too Large' } : embeddings(),
    );
    const { embedder, sleeps } = embedderFor(url);
    const input = texts(25);
    const vectors = await embedder.embed(input, 'document');
    assert.deepEqual(received.map((r) => r.body.input.length), [25, 13, 7, 6, 12, 6, 6]);
    vectors.forEach((v, i) => assertClose(v, unit(fakeVector(input[i]!)), `vector ${i}`));
    assert.deepEqual(sleeps, []);
  });

  test('a context-length error splits too, down to one text, which then fails with the message', async () => {
    const message = "This model's maximum context length is 512 tokens. However, you requested 900 tokens.";
    const { url, received } = await startServer((req, _n, embeddings) =>
      req.body.input.some((t) => t.startsWith('long')) ? { status: 400, body: { object: 'error', message } } : embeddings(),
    );
    const { embedder } = embedderFor(url);
    await assert.rejects(embedder.embed(['a', 'b', 'long c', 'd'], 'document'), /HTTP 400.*maximum context length is 512/);
    assert.deepEqual(received.map((r) => r.body.input), [['a', 'b', 'long c', 'd'], ['a', 'b'], ['long c', 'd'], ['long c']]);
  });

  test('a response with the wrong number of embeddings is a clear error naming the endpoint', async () => {
    const { url } = await startServer((_req, _n, embeddings) => {
      const answer = embeddings() as { status: number; body: { data: unknown[] } };
      answer.body.data.pop();
      return answer;
    });
    await assert.rejects(embedderFor(url).embedder.embed(['a', 'b', 'c'], 'document'), (err: Error) => {
      assert.ok(err.message.includes(`${url}/v1/embeddings`), err.message);
      assert.match(err.message, /2 embeddings for 3 inputs/);
      return true;
    });
  });

  test('embeddings of different sizes in one response are a clear error', async () => {
    const { url } = await startServer((req) => ({
      status: 200,
      body: { data: req.body.input.map((text, index) => ({ index, embedding: fakeVector(text, index === 1 ? 4 : DIMS) })) },
    }));
    await assert.rejects(embedderFor(url).embedder.embed(['a', 'b'], 'document'), /from http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings: embedding 1 has dimension 4, embedding 0 has 8/);
  });

  test('a dimension other than the configured or learned one is a clear error', async () => {
    const { url } = await startServer((req) => ({
      status: 200,
      body: { data: req.body.input.map((text, index) => ({ index, embedding: fakeVector(text, text === 'b' ? 16 : DIMS) })) },
    }));
    await assert.rejects(embedderFor(url, { dimensions: 768 }).embedder.embed(['a'], 'document'), /vectors of dimension 8, but openai:nomic-embed-text has dimension 768/);
    const { embedder } = embedderFor(url);
    await embedder.embed(['a'], 'document');
    await assert.rejects(embedder.embed(['b'], 'document'), /vectors of dimension 16, but openai:nomic-embed-text has dimension 8/);
  });

  test('empty and blank texts are never sent and come back as zero vectors', async () => {
    const { url, received } = await startServer();
    const { embedder } = embedderFor(url);
    const vectors = await embedder.embed(['', 'alpha', '   ', 'beta', '\n\t'], 'document');
    assert.deepEqual(received.map((r) => r.body.input), [['alpha', 'beta']]);
    for (const i of [0, 2, 4]) assert.deepEqual(Array.from(vectors[i]!), Array(DIMS).fill(0));
    assertClose(vectors[1]!, unit(fakeVector('alpha')), 'alpha');
    assertClose(vectors[3]!, unit(fakeVector('beta')), 'beta');
  });

  test('only blank texts: no request when the size is known, one probe when it is not', async () => {
    const { url, received } = await startServer();
    const known = await embedderFor(url, { dimensions: DIMS }).embedder.embed(['', ' '], 'query');
    assert.equal(received.length, 0);
    assert.deepEqual(known.map((v) => v.length), [DIMS, DIMS]);
    const learned = await embedderFor(url).embedder.embed([''], 'query');
    assert.deepEqual(received.map((r) => r.body.input), [['probe']]);
    assert.deepEqual(Array.from(learned[0]!), Array(DIMS).fill(0));
    assert.deepEqual(await embedderFor(url).embedder.embed([], 'query'), []);
    assert.equal(received.length, 1);
  });

  test('dimensions is unknown until the first answer; probe() learns it', async () => {
    const { url, received } = await startServer();
    const { embedder } = embedderFor(url);
    assert.throws(() => embedder.dimensions, /dimension of openai:nomic-embed-text at .*\/v1\/embeddings is not known.*probe\(\)/);
    assert.equal(await embedder.probe(), DIMS);
    assert.equal(embedder.dimensions, DIMS);
    assert.deepEqual(received.map((r) => r.body.input), [['probe']]);
    assert.equal(embedderFor(url, { dimensions: 384 }).embedder.dimensions, 384);
  });
});
