// The listening server's bounds, over real sockets: a client that sends its headers a byte at a
// time is cut off while others are served, an idle kept-alive connection is closed, and
// connections beyond the cap are refused. Timeouts are shortened so the test takes seconds.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { buildApp, SERVER_LIMITS } from '../../src/web/app.ts';

const HEADERS_MS = 400;
let store: Store;
let app: FastifyInstance;
let port: number;

before(async () => {
  store = await openSqliteStore(':memory:');
  app = await buildApp({ store, limits: { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: 800, keepAliveTimeoutMs: 300, idleTimeoutMs: 2000, maxConnections: 6 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});
after(async () => {
  await app.close();
  await store.close();
});

interface Watched {
  socket: Socket;
  received: () => string;
  closed: Promise<number>;
}

/** A raw connection that records what it receives and when (ms after opening) it was closed. */
function open(): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let received = '';
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now() - started)));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
    socket.once('error', reject);
  });
}

async function pageStatus(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/about/trending`, { headers: { connection: 'close' } });
  await res.arrayBuffer();
  return res.status;
}

describe('server limits', () => {
  test('the defaults bound what Node would leave open for hours', () => {
    assert.ok(SERVER_LIMITS.headersTimeoutMs <= 30_000 && SERVER_LIMITS.requestTimeoutMs <= 120_000 && SERVER_LIMITS.keepAliveTimeoutMs <= 10_000);
    assert.ok(SERVER_LIMITS.headersTimeoutMs <= SERVER_LIMITS.requestTimeoutMs, 'Node requires headers within the request timeout');
    assert.ok(SERVER_LIMITS.maxConnections > 0);
  });

  test('a client sending its headers a byte at a time is cut off with a 408, while others are served', async () => {
    const slow = await open();
    slow.socket.write('GET / HTTP/1.1\r\nHost: hub\r\n');
    const drip = setInterval(() => {
      if (!slow.socket.destroyed) slow.socket.write('X');
    }, 50);
    try {
      // While it drips, normal readers get their pages.
      for (let i = 0; i < 3; i++) assert.equal(await pageStatus(), 200);
      const closedAfter = await Promise.race([slow.closed, new Promise<number>((r) => setTimeout(() => r(-1), HEADERS_MS * 10))]);
      assert.ok(closedAfter > 0, `the slow client was still connected after ${HEADERS_MS * 10} ms`);
      assert.ok(closedAfter >= HEADERS_MS, `not before its time (${closedAfter} ms)`);
      assert.match(slow.received(), /^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
      slow.socket.destroy();
    }
    assert.equal(await pageStatus(), 200);
  });

  test('a kept-alive connection that goes quiet is closed', async () => {
    const idle = await open();
    idle.socket.write('GET /about/trending HTTP/1.1\r\nHost: hub\r\n\r\n');
    const closedAfter = await Promise.race([idle.closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
    assert.ok(closedAfter > 0, 'still open after 5 s');
    assert.match(idle.received(), /^HTTP\/1\.1 200 /, 'it was served first');
  });

  test('connections beyond the cap are refused at once; the ones inside it still work', async () => {
    const held: Watched[] = [];
    try {
      for (let i = 0; i < 6; i++) held.push(await open());
      const extra = await open();
      const closedAfter = await Promise.race([extra.closed, new Promise<number>((r) => setTimeout(() => r(-1), HEADERS_MS / 2))]);
      assert.ok(closedAfter >= 0, 'the seventh connection was closed before any timeout');
      assert.equal(extra.received(), '', 'and was sent nothing');
      held[0]!.socket.write('GET /about/trending HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n');
      await held[0]!.closed;
      assert.match(held[0]!.received(), /^HTTP\/1\.1 200 /);
    } finally {
      for (const w of held) w.socket.destroy();
    }
  });
});
