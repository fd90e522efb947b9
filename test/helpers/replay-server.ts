// A real HTTP server on 127.0.0.1 that answers with stored responses, so clients are tested over
// real sockets (timeouts, retries, headers) without touching the network.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPoliteClient, type PoliteClient, type PoliteClientOptions } from '../../src/ingest/http.ts';

export interface ReplayRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** How many times this exact URL (path and query) has been asked for, this time included: 1, 2, ... */
  count: number;
}

export interface ReplayResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
  /** Wait this long before answering; longer than the client's timeout, it never answers in time. */
  delayMs?: number;
}

export interface ReplayServer {
  /** Base URL, without a trailing slash: `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request's path and query as received, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startReplayServer(route: (req: ReplayRequest) => ReplayResponse): Promise<ReplayServer> {
  const requests: string[] = [];
  const counts = new Map<string, number>();
  const pending = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const raw = req.url ?? '/';
    requests.push(raw);
    counts.set(raw, (counts.get(raw) ?? 0) + 1);
    const url = new URL(raw, 'http://replay');
    const response = route({ path: url.pathname, query: url.searchParams, headers: req.headers, count: counts.get(raw)! });
    if (!response.delayMs) return send(res, response);
    const timer = setTimeout(() => {
      pending.delete(timer);
      send(res, response);
    }, response.delayMs);
    pending.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const timer of pending) clearTimeout(timer);
      // Keep-alive and never-answered connections would otherwise hold close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

function send(res: ServerResponse, response: ReplayResponse): void {
  if (res.destroyed) return;
  res.writeHead(response.status, { 'Content-Type': 'text/xml; charset=utf-8', ...response.headers });
  res.end(response.body);
}

/** A polite client for tests: no pacing unless asked, and sleeps recorded instead of waited. */
export function recordingClient(options: Partial<PoliteClientOptions> = {}): { client: PoliteClient; sleeps: number[]; logs: string[] } {
  const sleeps: number[] = [];
  const logs: string[] = [];
  const client = createPoliteClient({
    userAgent: 'paperboy-tests',
    minDelayMs: 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    log: (line) => logs.push(line),
    ...options,
  });
  return { client, sleeps, logs };
}
