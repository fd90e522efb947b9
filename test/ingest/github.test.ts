// The GitHub client and the star sampler against a real local HTTP server that answers as GitHub's
// REST API does (headers and bodies shaped like real responses of GET /repos/{owner}/{repo}).
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { createGithubClient, sampleStars } from '../../src/ingest/github.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { paper } from '../helpers/papers.ts';
import { startReplayServer, type ReplayRequest, type ReplayResponse, type ReplayServer } from '../helpers/replay-server.ts';

const RESET = 1_718_020_800; // 2024-06-10T12:00:00Z, as x-ratelimit-reset gives it (epoch seconds)

/** A trimmed but real-shaped answer of GET /repos/{owner}/{repo}. */
function repoBody(fullName: string, stars: number): string {
  const [owner, name] = fullName.split('/');
  return JSON.stringify({
    id: 123456789,
    node_id: 'R_kgDOHm1xYQ',
    name,
    full_name: fullName,
    private: false,
    owner: { login: owner, id: 9876543, type: 'Organization', html_url: `https://github.com/${owner}` },
    html_url: `https://github.com/${fullName}`,
    description: 'Code for the paper',
    fork: false,
    created_at: '2024-05-20T08:11:42Z',
    updated_at: '2024-06-09T21:03:10Z',
    pushed_at: '2024-06-08T14:55:01Z',
    stargazers_count: stars,
    watchers_count: stars,
    forks_count: 42,
    open_issues_count: 7,
    default_branch: 'main',
    subscribers_count: 12,
  });
}

function rateHeaders(remaining: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'x-github-api-version-selected': '2022-11-28',
    'x-ratelimit-limit': '60',
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(RESET),
    'x-ratelimit-used': String(60 - remaining),
    'x-ratelimit-resource': 'core',
    ...extra,
  };
}

const ok = (fullName: string, stars: number, etag: string, remaining = 59): ReplayResponse => ({
  status: 200,
  headers: rateHeaders(remaining, { etag, 'cache-control': 'public, max-age=60, s-maxage=60' }),
  body: repoBody(fullName, stars),
});
const notFound: ReplayResponse = {
  status: 404,
  headers: rateHeaders(58),
  body: JSON.stringify({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository', status: '404' }),
};
const exhausted: ReplayResponse = {
  status: 403,
  headers: rateHeaders(0),
  body: JSON.stringify({ message: "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit.)", documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting' }),
};

let server: ReplayServer | undefined;
const seen: ReplayRequest[] = [];

async function serve(route: (req: ReplayRequest) => ReplayResponse): Promise<string> {
  await server?.close();
  seen.length = 0;
  server = await startReplayServer((req) => {
    seen.push(req);
    return route(req);
  });
  return server.url;
}

const noWait = { userAgent: 'paperboy-tests', sleep: async () => {}, now: () => Date.parse('2024-06-10T11:00:00Z') };

after(async () => {
  await server?.close();
});

describe('GitHub client', () => {
  test('200 with an ETag, then 304 when asked again with If-None-Match', async () => {
    const url = await serve((req) => (req.headers['if-none-match'] === 'W/"abc"' ? { status: 304, headers: rateHeaders(58, { etag: 'W/"abc"' }), body: '' } : ok('octo/repo', 1234, 'W/"abc"')));
    const client = createGithubClient({ apiUrl: url, ...noWait });
    assert.deepEqual(await client.repo('octo/repo'), { kind: 'stars', stars: 1234, etag: 'W/"abc"' });
    assert.deepEqual(await client.repo('octo/repo', 'W/"abc"'), { kind: 'unchanged' });
    assert.deepEqual(seen.map((r) => r.path), ['/repos/octo/repo', '/repos/octo/repo']);
    assert.equal(seen[0]!.headers.accept, 'application/vnd.github+json');
    assert.equal(seen[0]!.headers['x-github-api-version'], '2022-11-28');
    assert.equal(seen[0]!.headers['user-agent'], 'paperboy-tests');
  });

  test('the token is sent only when given', async () => {
    const url = await serve(() => ok('octo/repo', 1, 'W/"x"'));
    await createGithubClient({ apiUrl: url, ...noWait }).repo('octo/repo');
    await createGithubClient({ apiUrl: url, token: 'ghp_secret123', ...noWait }).repo('octo/repo');
    assert.equal(seen[0]!.headers.authorization, undefined);
    assert.equal(seen[1]!.headers.authorization, 'Bearer ghp_secret123');
  });

  test('404 means the repository is gone', async () => {
    const url = await serve(() => notFound);
    assert.deepEqual(await createGithubClient({ apiUrl: url, ...noWait }).repo('octo/gone'), { kind: 'missing' });
  });

  test('5xx answers are retried; a lasting 5xx fails', async () => {
    const url = await serve((req) => (req.count < 3 ? { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad Gateway</html>' } : ok('octo/repo', 7, 'W/"r"')));
    assert.deepEqual(await createGithubClient({ apiUrl: url, ...noWait }).repo('octo/repo'), { kind: 'stars', stars: 7, etag: 'W/"r"' });
    assert.equal(seen.length, 3);
    const down = await serve(() => ({ status: 503, body: 'unavailable' }));
    assert.deepEqual(await createGithubClient({ apiUrl: down, ...noWait, retries: 2 }).repo('octo/repo'), { kind: 'failed', reason: 'HTTP 503' });
    assert.equal(seen.length, 3);
  });

  test('a secondary limit (403 with Retry-After) says when to come back', async () => {
    const url = await serve(() => ({ status: 403, headers: rateHeaders(40, { 'retry-after': '120' }), body: JSON.stringify({ message: 'You have exceeded a secondary rate limit.' }) }));
    const answer = await createGithubClient({ apiUrl: url, ...noWait }).repo('octo/repo');
    assert.deepEqual(answer, { kind: 'rate-limited', resumeAt: '2024-06-10T11:02:00.000Z', reason: 'GitHub asks us to slow down' });
  });
});

describe('sampling stars', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
    await store.upsertPapers([
      paper('2406.00001', { codeUrls: ['https://github.com/octo/alpha'] }),
      paper('2406.00002', { codeUrls: ['https://github.com/octo/beta.git'] }),
      paper('2406.00003', { codeUrls: ['https://github.com/octo/gamma/tree/main'] }),
    ]);
  });
  afterEach(async () => {
    await store.close();
  });

  test('one round: saves counts and ETags, marks the gone, and the next round sends If-None-Match', async () => {
    const url = await serve((req) => {
      if (req.path === '/repos/octo/gamma') return notFound;
      if (req.headers['if-none-match']) return { status: 304, headers: rateHeaders(50), body: '' };
      return ok(req.path.slice('/repos/'.length), req.path.endsWith('alpha') ? 320 : 15, `W/"${req.path}"`);
    });
    const client = createGithubClient({ apiUrl: url, ...noWait });
    const logs: string[] = [];
    const first = await sampleStars(store.signals, client, { limit: 10, now: () => new Date('2024-06-10T11:00:00Z'), log: (l) => logs.push(l) });
    assert.deepEqual(first, { checked: 3, changed: 2, unchanged: 0, missing: 1, failed: 0 });
    assert.ok(logs.includes('octo/alpha: 320 stars'), logs.join('\n'));
    assert.ok(logs.some((l) => l.startsWith('octo/gamma: gone from GitHub (404)')));
    assert.match(logs.at(-1)!, /3 of 3 repositories checked, 2 changed/);

    const second = await sampleStars(store.signals, client, { limit: 10, now: () => new Date('2024-06-10T12:00:00Z') });
    assert.deepEqual(second, { checked: 2, changed: 0, unchanged: 2, missing: 0, failed: 0 }, 'the gone repository is not asked again');
    const conditional = seen.slice(3);
    assert.deepEqual(conditional.map((r) => [r.path, r.headers['if-none-match']]), [
      ['/repos/octo/alpha', 'W/"/repos/octo/alpha"'],
      ['/repos/octo/beta', 'W/"/repos/octo/beta"'],
    ]);
    const [alpha] = await store.signals.candidates('2024-06-10T00:00:00Z', '2024-06-11T00:00:00Z');
    assert.deepEqual(alpha!.stars, [{ at: '2024-06-10T11:00:00.000Z', count: 320 }]);
  });

  test('a repository that keeps failing goes to the back of the queue, with no sample recorded', async () => {
    const url = await serve((req) => (req.path.endsWith('alpha') ? { status: 502, headers: rateHeaders(50), body: 'Bad gateway' } : ok(req.path.slice('/repos/'.length), 7, `W/"${req.path}"`)));
    const client = createGithubClient({ apiUrl: url, ...noWait, retries: 0 });
    const first = await sampleStars(store.signals, client, { limit: 2, now: () => new Date('2024-06-10T11:00:00Z') });
    assert.deepEqual(first, { checked: 2, changed: 1, unchanged: 0, missing: 0, failed: 1 });
    assert.deepEqual((await store.signals.reposToSample(3)).map((r) => r.repo), ['octo/gamma', 'octo/alpha', 'octo/beta'], 'never-checked first, then the failed one, which was asked first');
    const alpha = (await store.signals.candidates('2024-06-09T00:00:00Z', '2024-06-11T00:00:00Z')).find((c) => c.repo === 'octo/alpha');
    assert.deepEqual(alpha?.stars ?? [], [], 'a failure is not an observation');
  });

  test('the rate limit stops the round and says when it can resume', async () => {
    // The first answer uses up the budget (remaining 0): the client does not ask again before the reset.
    const url = await serve((req) => (req.count === 1 && req.path.endsWith('alpha') ? ok('octo/alpha', 10, 'W/"a"', 0) : exhausted));
    const logs: string[] = [];
    const summary = await sampleStars(store.signals, createGithubClient({ apiUrl: url, ...noWait }), { limit: 10, log: (l) => logs.push(l) });
    assert.deepEqual(summary, { checked: 1, changed: 1, unchanged: 0, missing: 0, failed: 0, resumeAt: '2024-06-10T12:00:00.000Z' });
    assert.equal(seen.length, 1, 'no request is wasted on a certain 403');
    assert.match(logs.at(-1)!, /rate limit reached, resume after 2024-06-10T12:00:00.000Z/);
  });

  test('a 403 with no requests left stops the round too', async () => {
    const url = await serve(() => exhausted);
    const summary = await sampleStars(store.signals, createGithubClient({ apiUrl: url, ...noWait }), { limit: 10 });
    assert.equal(summary.checked, 0);
    assert.equal(summary.resumeAt, '2024-06-10T12:00:00.000Z');
    assert.equal(seen.length, 1);
  });
});
