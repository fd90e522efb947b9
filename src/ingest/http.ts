// A polite HTTP client for public APIs such as arXiv's: it identifies itself, spaces requests to
// the same host (arXiv asks for one every 3 s), gives up on a request that hangs, and retries what
// is worth retrying (network errors, timeouts, 429, 5xx) with exponential backoff, honouring the
// server's Retry-After. arXiv's OAI-PMH endpoint answers 503 + Retry-After as routine flow control.

export interface PoliteClient {
  /** GETs a URL and returns its body as text; throws HttpError when it cannot. */
  getText(url: string): Promise<string>;
}

export interface PoliteClientOptions {
  /** Sent with every request so the API's operators know who to contact. */
  userAgent: string;
  /** Per request, headers and body included. */
  timeoutMs?: number;
  /** Retries after the first attempt. */
  retries?: number;
  /** Minimum time between the starts of two requests to the same host. */
  minDelayMs?: number;
  /** Injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** One plain line per retry. */
  log?: (line: string) => void;
  /** Said after a request that failed for good: what the person who started it can do (default: re-run the command, which resumes). */
  giveUpHint?: string;
}

/** A request that failed for good. `status` is absent when no HTTP response came back. */
export class HttpError extends Error {
  constructor(message: string, readonly url: string, readonly status?: number) {
    super(message);
    this.name = 'HttpError';
  }
}

const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 60_000;
/** A server asking for a longer pause than this is down for maintenance, not throttling us. */
const RETRY_AFTER_MAX_MS = 10 * 60_000;
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/** What one attempt came to when it did not return a body. */
interface Failure {
  reason: string;
  status?: number;
  retryable: boolean;
  /** The server's Retry-After, in ms, when it sent one. */
  retryAfterMs?: number;
}

export function createPoliteClient(options: PoliteClientOptions): PoliteClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 4;
  const minDelayMs = options.minDelayMs ?? 3_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = options.log ?? ((line: string) => console.error(line));
  const giveUpHint = options.giveUpHint ?? 'What was fetched before this is kept; re-run the same command to resume.';
  // Earliest start of the next request per host. Slots are reserved synchronously, so concurrent
  // callers queue up behind one another instead of all firing after the same wait.
  const nextStart = new Map<string, number>();

  async function waitForTurn(host: string): Promise<void> {
    const now = Date.now();
    const start = Math.max(now, nextStart.get(host) ?? 0);
    nextStart.set(host, start + minDelayMs);
    if (start > now) await sleep(start - now);
  }

  async function attempt(url: string): Promise<{ text: string } | Failure> {
    await waitForTurn(new URL(url).host);
    try {
      const response = await fetch(url, {
        headers: { 'User-Agent': options.userAgent },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.ok) return { text: await response.text() };
      // Free the connection: the body of an error page is of no use to us.
      await response.body?.cancel();
      return statusFailure(response);
    } catch (err) {
      return { reason: networkReason(err, timeoutMs), retryable: true };
    }
  }

  return {
    async getText(url: string): Promise<string> {
      const attempts = retries + 1;
      for (let n = 1; ; n++) {
        const result = await attempt(url);
        if ('text' in result) return result.text;
        if (!result.retryable) throw new HttpError(`GET ${url} failed: ${result.reason}`, url, result.status);
        if (n === attempts) {
          throw new HttpError(
            `GET ${url} failed after ${attempts} attempts (last: ${result.reason}).${giveUpHint ? ` ${giveUpHint}` : ''}`,
            url,
            result.status,
          );
        }
        if (result.retryAfterMs !== undefined && result.retryAfterMs > RETRY_AFTER_MAX_MS) {
          throw new HttpError(
            `GET ${url}: ${result.reason}, and the server asks us to wait ${formatSeconds(result.retryAfterMs)}, ` +
              `more than the ${formatSeconds(RETRY_AFTER_MAX_MS)} we wait; try again later (re-running resumes).`,
            url,
            result.status,
          );
        }
        const delayMs = result.retryAfterMs ?? backoff(n);
        log(`GET ${url}: ${result.reason}; retry ${n} of ${retries} in ${formatSeconds(delayMs)}`);
        await sleep(delayMs);
      }
    },
  };
}

/** GETs a URL and parses its body; a body the parser rejects becomes an error that names the URL. */
export async function getParsed<T>(client: PoliteClient, url: string, parse: (text: string, source: string) => T): Promise<T> {
  const text = await client.getText(url);
  try {
    return parse(text, url);
  } catch (err) {
    throw new Error(`Unreadable response from ${url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function statusFailure(response: Response): Failure {
  const reason = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
  return { reason, status: response.status, retryable: RETRYABLE_STATUSES.has(response.status), retryAfterMs };
}

export function networkReason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no complete answer within ${formatSeconds(timeoutMs)}`;
  // fetch() reports "fetch failed" and keeps the useful part (ECONNRESET, ENOTFOUND...) in `cause`.
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const detail = cause?.code ?? cause?.message;
  const message = err instanceof Error ? err.message : String(err);
  return detail ? `${message} (${detail})` : message;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so clients that failed together spread out. */
export function backoff(attemptNumber: number, baseMs = BACKOFF_BASE_MS): number {
  const ms = Math.min(BACKOFF_MAX_MS, baseMs * 2 ** (attemptNumber - 1));
  return ms / 2 + Math.random() * (ms / 2);
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
