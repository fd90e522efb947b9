// GitHub's REST API, for the star counts of repositories that papers link. GitHub allows 60
// requests an hour without a token and 5,000 with one; a conditional request (If-None-Match with
// the stored ETag) that comes back 304 is cheap, and GitHub does not count it when a token is sent.
// When the budget runs out the round stops and says when it may go on; nothing is lost, the next
// round starts with the repositories checked longest ago.

import type { SignalStore } from '../store/signals.ts';
import { backoff, networkReason, parseRetryAfter } from './http.ts';

export interface GithubClientOptions {
  /** https://api.github.com, or a stand-in (GitHub Enterprise, a test server). */
  apiUrl: string;
  /** Optional; raises the hourly limit from 60 to 5,000 requests. */
  token?: string;
  userAgent: string;
  timeoutMs?: number;
  /** Retries after the first attempt, for network errors and 5xx. */
  retries?: number;
  /** Injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** What GitHub said about one repository. */
export type RepoAnswer =
  | { kind: 'stars'; stars: number; etag?: string }
  | { kind: 'unchanged' }
  | { kind: 'missing' }
  /** Out of requests (or slowed down by a secondary limit): ask again from `resumeAt` (ISO). */
  | { kind: 'rate-limited'; resumeAt: string; reason: string }
  /** `stopRound`: every further request would fail the same way (a rejected token). */
  | { kind: 'failed'; reason: string; stopRound?: boolean };

export interface GithubClient {
  repo(repo: string, etag?: string): Promise<RepoAnswer>;
}

const API_VERSION = '2022-11-28';
const USED_UP = 'the hourly request limit is used up';
/** GitHub's advice when a secondary limit names no time: wait at least a minute. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

export function createGithubClient(options: GithubClientOptions): GithubClient {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const retries = options.retries ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const headers: Record<string, string> = {
    'User-Agent': options.userAgent,
    Accept: 'application/vnd.github+json',
    'X-GitHub-Api-Version': API_VERSION,
    ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
  };

  // Set when an answer said no requests are left: asking before the reset would only earn a 403.
  let exhaustedUntil = 0;

  async function once(url: string, etag: string | undefined): Promise<RepoAnswer & { retryable?: boolean }> {
    let response: Response;
    try {
      response = await fetch(url, { headers: etag ? { ...headers, 'If-None-Match': etag } : headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      return { kind: 'failed', reason: networkReason(err, timeoutMs), retryable: true };
    }
    const status = response.status;
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    if (response.headers.get('x-ratelimit-remaining') === '0' && reset > 0) exhaustedUntil = reset * 1000;
    if (status === 200) {
      const body = (await response.json().catch(() => undefined)) as { stargazers_count?: unknown } | undefined;
      const stars = body?.stargazers_count;
      if (typeof stars !== 'number' || !Number.isInteger(stars) || stars < 0) return { kind: 'failed', reason: 'the answer has no stargazers_count' };
      return { kind: 'stars', stars, ...(response.headers.get('etag') ? { etag: response.headers.get('etag')! } : {}) };
    }
    await response.body?.cancel();
    if (status === 304) return { kind: 'unchanged' };
    if (status === 404 || status === 410 || status === 451) return { kind: 'missing' };
    const limited = rateLimit(response, now());
    if (limited) return limited;
    if (status === 401) return { kind: 'failed', reason: 'HTTP 401: GitHub rejected the token (PAPERBOY_GITHUB_TOKEN); fix or remove it', stopRound: true };
    return { kind: 'failed', reason: `HTTP ${status}`, retryable: status >= 500 };
  }

  return {
    async repo(repo, etag) {
      const url = `${options.apiUrl}/repos/${repo}`;
      if (now() < exhaustedUntil) return { kind: 'rate-limited', resumeAt: new Date(exhaustedUntil).toISOString(), reason: USED_UP };
      for (let attempt = 1; ; attempt++) {
        const { retryable, ...answer } = await once(url, etag);
        if (!retryable || attempt > retries) return answer;
        await sleep(backoff(attempt, 1_000));
      }
    },
  };
}

/**
 * A 403 or 429 that is a rate limit: the primary one (x-ratelimit-remaining: 0, until
 * x-ratelimit-reset) or a secondary one (Retry-After, or a minute when GitHub names no time).
 */
function rateLimit(response: Response, now: number): RepoAnswer | undefined {
  if (response.status !== 403 && response.status !== 429) return undefined;
  const remaining = response.headers.get('x-ratelimit-remaining');
  const reset = Number(response.headers.get('x-ratelimit-reset'));
  if (remaining === '0' && Number.isFinite(reset) && reset > 0) {
    return { kind: 'rate-limited', resumeAt: new Date(reset * 1000).toISOString(), reason: USED_UP };
  }
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now);
  if (retryAfter === undefined && response.status === 403 && remaining !== '0') return undefined; // forbidden for another reason
  return { kind: 'rate-limited', resumeAt: new Date(now + (retryAfter ?? SECONDARY_LIMIT_WAIT_MS)).toISOString(), reason: 'GitHub asks us to slow down' };
}

export interface SampleSummary {
  checked: number;
  changed: number;
  unchanged: number;
  missing: number;
  failed: number;
  /** Set when the round stopped early for the rate limit: when the next one may start. */
  resumeAt?: string;
}

/**
 * One round over the repositories due (least recently checked first): asks GitHub for each, saves
 * what it says, and stops at the rate limit. One log line per repository and one for the round.
 */
export async function sampleStars(
  store: SignalStore,
  client: GithubClient,
  options: { limit: number; now?: () => Date; log?: (line: string) => void },
): Promise<SampleSummary> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const summary: SampleSummary = { checked: 0, changed: 0, unchanged: 0, missing: 0, failed: 0 };
  const due = await store.reposToSample(options.limit);
  for (const { repo, etag, stars } of due) {
    const answer = await client.repo(repo, etag);
    const at = now().toISOString();
    if (answer.kind === 'rate-limited') {
      summary.resumeAt = answer.resumeAt;
      log(`${repo}: ${answer.reason}; stopping, the rest can be sampled from ${answer.resumeAt}`);
      break;
    }
    summary.checked++;
    if (answer.kind === 'stars') {
      await store.saveRepoSample(repo, { etag: answer.etag, stars: answer.stars, checkedAt: at });
      if (answer.stars !== stars) summary.changed++;
      else summary.unchanged++;
      log(`${repo}: ${answer.stars} stars${stars === undefined ? '' : ` (${signed(answer.stars - stars)})`}`);
    } else if (answer.kind === 'unchanged') {
      await store.saveRepoSample(repo, { checkedAt: at });
      summary.unchanged++;
      log(`${repo}: unchanged (304)`);
    } else if (answer.kind === 'missing') {
      await store.markRepoMissing(repo, at);
      summary.missing++;
      log(`${repo}: gone from GitHub (404); it will not be asked about again`);
    } else {
      summary.failed++;
      log(`${repo}: ${answer.reason}${answer.stopRound ? '; stopping' : '; will try again after the others'}`);
      if (answer.stopRound) break;
      // Otherwise a repository that keeps failing would be first in every round, ahead of the rest.
      await store.deferRepo(repo, at);
    }
  }
  log(
    `GitHub stars: ${summary.checked} of ${due.length} repositories checked, ${summary.changed} changed, ${summary.unchanged} unchanged, ` +
      `${summary.missing} gone, ${summary.failed} failed${summary.resumeAt ? `; rate limit reached, resume after ${summary.resumeAt}` : ''}`,
  );
  return summary;
}

function signed(n: number): string {
  return n >= 0 ? `+${n}` : String(n);
}
