// The community through the app (app.inject) with real sessions: votes exact under 200 parallel
// voters, submissions with the arXiv API replayed by a local server, hostile comments rendered
// inert, who may change what, moderation and its audit log, collections, and JSON answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../src/store/store.ts';
import { buildApp } from '../../src/web/app.ts';
import { atomFeed } from '../helpers/arxiv-atom.ts';
import { recordingClient, startReplayServer, type ReplayServer } from '../helpers/replay-server.ts';
import { needsData, sharedData } from '../helpers/shared-data.ts';
import { signedIn, type TestSession } from '../helpers/sign-in.ts';
import { fixtureStore, LATEST_DAY, MATH_ID, OLD_ID, RICH_ID, visible } from './fixtures.ts';

const NOW = new Date('2024-06-04T09:00:00.000Z');
const FRESH_ID = '2406.01234';
const STALE_ID = '2405.00077';
const REAL_ID = '2206.06921'; // in ../shared/data/arxiv-api-atom/xml/query_doc.xml, published 2022-06-14

const ARXIV: Record<string, string> = {
  [FRESH_ID]: atomFeed([{ id: FRESH_ID, title: 'Sparse attention makes retrieval cheap', published: '2024-06-02T17:00:00Z', category: 'cs.CL', authors: ['Ana Reader'] }]),
  [STALE_ID]: atomFeed([{ id: STALE_ID, title: 'An old paper', published: '2024-05-01T17:00:00Z', category: 'cs.CL', authors: ['Ana Reader'] }]),
};

const HOSTILE = [
  'Nice! <img src=x onerror="alert(1)"> <script>alert(2)</script>',
  '',
  '[click me](javascript:alert(3)) and <a href="javascript:alert(4)">raw</a> <b onmouseover="alert(5)">raw html</b>',
  '',
  '**bold stays** and [a real link](https://example.org/x)',
].join('\n');

let store: Store;
let app: FastifyInstance;
let arxiv: ReplayServer;
let clock = NOW;
let admin: TestSession;
let ana: TestSession;
let bo: TestSession;

before(async () => {
  arxiv = await startReplayServer((req) => {
    const id = req.query.get('id_list') ?? '';
    if (id === REAL_ID) return { status: 200, body: readFileSync(sharedData('arxiv-api-atom', 'xml', 'query_doc.xml'), 'utf8') };
    return { status: 200, body: ARXIV[id] ?? atomFeed([]) };
  });
  store = await fixtureStore();
  app = await buildApp({
    store,
    community: {
      now: () => clock,
      submissionsPerDay: 2,
      arxiv: { baseUrl: `${arxiv.url}/api/query`, client: recordingClient().client },
    },
  });
  admin = await signedIn(store, 'admin@example.org', NOW); // the first account is an admin
  ana = await signedIn(store, 'ana@example.org', NOW);
  bo = await signedIn(store, 'bob@example.org', NOW);
});
after(async () => {
  await app?.close();
  await store?.close();
  await arxiv?.close();
});

interface PostOptions {
  json?: boolean;
  csrf?: boolean;
  referer?: string;
}

function post(session: TestSession | undefined, url: string, form: Record<string, string> = {}, options: PostOptions = {}) {
  const fields = new URLSearchParams({ ...(session && options.csrf !== false ? { _csrf: session.csrf } : {}), ...form });
  return app.inject({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(session ? { cookie: session.cookie } : {}),
      ...(options.json ? { accept: 'application/json' } : {}),
      ...(options.referer ? { host: 'hub.test', referer: `http://hub.test${options.referer}` } : {}),
    },
    payload: fields.toString(),
  });
}

function get(url: string, session?: TestSession) {
  return app.inject({ method: 'GET', url, headers: session ? { cookie: session.cookie } : {} });
}

/** Untrusted markup must never appear as markup (as text it may: `<img` shows as &lt;img). */
function assertInert(body: string): void {
  assert.doesNotMatch(body, /<img\b/i);
  assert.doesNotMatch(body, /<script>alert/i);
  assert.doesNotMatch(body, /<a [^>]*href="javascript:/i);
  assert.doesNotMatch(body, /<b\b/i);
  assert.doesNotMatch(body, /<[a-z]+ [^>]*\bon\w+=/i);
}

describe('votes', () => {
  test('200 users voting at once leave exactly 200 votes, and 200 withdrawals leave none', async () => {
    const voters = await Promise.all(Array.from({ length: 200 }, (_, i) => signedIn(store, `voter${i}@example.org`, NOW)));
    const cast = await Promise.all(voters.map((v) => post(v, `/papers/${MATH_ID}/vote`, { up: '1' }, { json: true })));
    assert.deepEqual([...new Set(cast.map((r) => r.statusCode))], [200]);
    assert.equal((await store.community.votes([MATH_ID])).get(MATH_ID)?.count, 200);
    assert.equal(Math.max(...cast.map((r) => r.json().votes)), 200);
    // The card adds the 87 Hugging Face upvotes and says so.
    const page = await get(`/?date=${LATEST_DAY}`);
    assert.match(page.body, /title="200 here \+ 87 on Hugging Face/);
    assert.match(page.body, /<span class="vote-count">287<\/span>/);

    const withdrawn = await Promise.all(voters.map((v) => post(v, `/papers/${MATH_ID}/vote`, { up: '0' }, { json: true })));
    assert.deepEqual([...new Set(withdrawn.map((r) => r.statusCode))], [200]);
    assert.equal((await store.community.votes([MATH_ID])).get(MATH_ID), undefined);
  });

  test('a vote toggles, answers JSON for scripts and a redirect back for forms', async () => {
    const up = await post(ana, `/papers/${RICH_ID}/vote`, { up: '1' }, { json: true });
    assert.equal(up.statusCode, 200);
    assert.deepEqual(up.json(), { votes: 1, voted: true, total: 153 });
    const page = await get(`/papers/${RICH_ID}`, ana);
    assert.match(page.body, /<form class="vote-form" method="post" action="\/papers\/2207\.06389\/vote"[^>]*>[\s\S]*?name="up" value="0"[\s\S]*?aria-pressed="true"/);
    const down = await post(ana, `/papers/${RICH_ID}/vote`, { up: '0' }, { referer: '/?date=2024-05-31' });
    assert.equal(down.statusCode, 303);
    assert.equal(down.headers.location, '/?date=2024-05-31');
    assert.equal((await store.community.votes([RICH_ID])).size, 0);
    // A form's way back never leaves the site, however the Referer's path is dressed up.
    for (const referer of ['/.//evil.example', '/%2e%2e//evil.example', '/a/..//evil.example/x']) {
      const res = await post(ana, `/papers/${RICH_ID}/vote`, { up: '0' }, { referer });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/', referer);
    }
    // Old-style ids keep their slash inside one path segment.
    const old = await post(ana, `/papers/${encodeURIComponent(OLD_ID)}/vote`, { up: '1' }, { json: true });
    assert.deepEqual(old.json(), { votes: 1, voted: true, total: 1 });
  });

  test('refusals: a visitor is asked to sign in, no CSRF token is 403, a bad vote 400, an unknown paper 404', async () => {
    const visitor = await get('/submit');
    assert.equal(visitor.statusCode, 401);
    assert.match(visitor.body, /href="\/signin\?next=%2Fsubmit"/);
    assert.notEqual((await post(undefined, `/papers/${RICH_ID}/vote`, { up: '1' })).statusCode, 200);
    assert.equal((await post(ana, `/papers/${RICH_ID}/vote`, { up: '1' }, { csrf: false })).statusCode, 403);
    assert.equal((await post(ana, `/papers/${RICH_ID}/vote`, { up: '1', _csrf: 'forged' }, { csrf: false })).statusCode, 403);
    const bad = await post(ana, `/papers/${RICH_ID}/vote`, { up: '2' }, { json: true });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(Object.keys(bad.json()).sort(), ['error', 'message', 'statusCode']);
    assert.equal((await post(ana, '/papers/2406.99999/vote', { up: '1' }, { json: true })).statusCode, 404);
    assert.equal((await store.community.votes([RICH_ID])).size, 0);
  });

  test('a visitor sees the count as a link to sign in; a user sees a button', async () => {
    const visitor = await get(`/?date=${LATEST_DAY}`);
    assert.match(visitor.body, /<a class="votes" href="\/signin\?next=%2Fpapers%2F2405\.10001"/);
    const user = await get(`/?date=${LATEST_DAY}`, ana);
    assert.match(user.body, /<button type="submit" class="votes" aria-pressed="false"/);
  });
});

describe('submissions', () => {
  test('by URL: fetched from arXiv, put on today’s list, credited to the user', async () => {
    const form = await get('/submit', ana);
    assert.equal(form.statusCode, 200);
    assert.match(visible(form.body), /within 14 days of publication/);
    const res = await post(ana, '/submit', { id: `https://arxiv.org/abs/${FRESH_ID}v1` });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/papers/${FRESH_ID}`);
    assert.ok(arxiv.requests.some((r) => r.includes(`id_list=${FRESH_ID}`)));
    const page = visible((await get(`/papers/${FRESH_ID}`)).body);
    assert.match(page, /Sparse attention makes retrieval cheap/);
    assert.match(page, /Submitted by ana on Tuesday, 4 June 2024/);
    const day = visible((await get('/?date=2024-06-04')).body);
    assert.match(day, /Sparse attention makes retrieval cheap/);
    assert.match(visible((await get('/u/ana')).body), /Submitted[\s\S]*Sparse attention/);
  });

  test('each refusal says why: not an id, not on arXiv, too old, already here, too many', async () => {
    const notId = await post(bo, '/submit', { id: 'not a paper' });
    assert.equal(notId.statusCode, 400);
    assert.match(visible(notId.body), /is not an arXiv id or arXiv URL/);

    const missing = await post(bo, '/submit', { id: '2406.05555' }, { json: true });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().message, /arXiv has no paper 2406\.05555/);

    const stale = await post(bo, '/submit', { id: STALE_ID });
    assert.equal(stale.statusCode, 422);
    assert.match(visible(stale.body), /Papers can be submitted within 14 days of publication; this one appeared on Wednesday, 1 May 2024\./);

    const again = await post(bo, '/submit', { id: FRESH_ID });
    assert.equal(again.statusCode, 409);
    assert.match(visible(again.body), /already submitted by ana/);
    assert.match(again.body, new RegExp(`href="/papers/${FRESH_ID}"`));

    const listed = await post(bo, '/submit', { id: MATH_ID });
    assert.equal(listed.statusCode, 409);
    assert.match(visible(listed.body), /already on the list of Monday, 3 June 2024/);
    assert.equal(await store.community.submission(MATH_ID), undefined);
  });

  test('the per-user daily limit is a 429 with a clear message', async () => {
    const carl = await signedIn(store, 'carl@example.org', NOW);
    await store.community.recordSubmission(carl.user.key, RICH_ID, new Date(NOW.getTime() - 3_600_000).toISOString());
    await store.community.recordSubmission(carl.user.key, OLD_ID, new Date(NOW.getTime() - 7_200_000).toISOString());
    const res = await post(carl, '/submit', { id: '2406.07777' });
    assert.equal(res.statusCode, 429);
    assert.match(visible(res.body), /submitted 2 papers in the last 24 hours/);
  });

  test('a real arXiv API answer (../shared/data) inside the window is accepted', { skip: needsData('arxiv-api-atom', 'xml', 'query_doc.xml') }, async () => {
    clock = new Date('2022-06-20T12:00:00.000Z');
    try {
      const dana = await signedIn(store, 'dana@example.org', clock);
      const res = await post(dana, '/submit', { id: `arXiv:${REAL_ID}` });
      assert.equal(res.statusCode, 303);
      const paper = await store.getPaper(REAL_ID);
      assert.equal(paper?.title, 'Attainable forms of Assouad spectra');
      assert.equal(paper?.listedAt.slice(0, 10), '2022-06-20');
    } finally {
      clock = NOW;
    }
  });
});

describe('comments', () => {
  test('hostile Markdown renders inert, in the JSON answer and on the page', async () => {
    const res = await post(ana, `/papers/${RICH_ID}/comments`, { body: HOSTILE }, { json: true });
    assert.equal(res.statusCode, 200);
    const { html, key } = res.json() as { html: string; key: number };
    assertInert(html);
    assert.match(html, /<strong>bold stays<\/strong>/);
    assert.match(html, /<a href="https:\/\/example\.org\/x" rel="nofollow ugc noopener">a real link<\/a>/);
    const page = await get(`/papers/${RICH_ID}`);
    assertInert(page.body);
    assert.match(page.body, new RegExp(`id="comment-${key}"`));
    assert.match(visible(page.body), /Nice! <img src=x onerror="alert\(1\)">/, 'the raw HTML shows as text');
  });

  test('threads: a reply nests under its parent; a parent from another paper, or an empty body, is a 400', async () => {
    const top = (await post(bo, `/papers/${MATH_ID}/comments`, { body: 'Top comment' }, { json: true })).json() as { key: number };
    const reply = await post(ana, `/papers/${MATH_ID}/comments`, { body: 'A reply', parent: String(top.key) });
    assert.equal(reply.statusCode, 303);
    assert.match(reply.headers.location as string, new RegExp(`^/papers/${MATH_ID}#c-\\d+$`));
    const page = (await get(`/papers/${MATH_ID}`)).body;
    assert.match(page, new RegExp(`id="replies-${top.key}"><li class="comment-item"`));
    const other = await post(ana, `/papers/${RICH_ID}/comments`, { body: 'Wrong thread', parent: String(top.key) });
    assert.equal(other.statusCode, 400);
    assert.equal((await post(ana, `/papers/${MATH_ID}/comments`, { body: '   ' })).statusCode, 400);
    assert.equal((await post(ana, `/papers/${MATH_ID}/comments`, { body: 'x'.repeat(10_001) })).statusCode, 400);
  });

  test('only the author edits or deletes; a deleted comment keeps its place in the thread', async () => {
    const mine = (await post(ana, `/papers/${OLD_ID.replace('/', '%2F')}/comments`, { body: 'Original' }, { json: true })).json() as { key: number };
    const replyKey = (await post(bo, `/papers/${OLD_ID.replace('/', '%2F')}/comments`, { body: 'Replying', parent: String(mine.key) }, { json: true })).json().key as number;
    assert.equal((await post(bo, `/comments/${mine.key}/edit`, { body: 'Hijacked' })).statusCode, 403);
    assert.equal((await post(bo, `/comments/${mine.key}/delete`)).statusCode, 403);
    const edited = await post(ana, `/comments/${mine.key}/edit`, { body: 'Edited *text*' }, { json: true });
    assert.match(edited.json().html, /Edited <em>text<\/em>/);
    assert.equal((await post(ana, `/comments/${mine.key}/delete`)).statusCode, 303);
    const page = visible((await get(`/papers/${OLD_ID}`)).body);
    assert.match(page, /\[deleted\]/);
    assert.doesNotMatch(page, /Edited text/);
    assert.match(page, /Replying/);
    assert.ok(replyKey > mine.key);
  });
});

describe('moderation', () => {
  test('a moderator hides a comment (placeholder for readers), a member cannot; both acts are audited', async () => {
    const c = (await post(bo, `/papers/${RICH_ID}/comments`, { body: 'Spam spam spam' }, { json: true })).json() as { key: number };
    assert.equal((await post(ana, `/comments/${c.key}/hide`)).statusCode, 403);
    const hidden = await post(admin, `/comments/${c.key}/hide`, {}, { json: true });
    assert.equal(hidden.statusCode, 200);
    const page = visible((await get(`/papers/${RICH_ID}`)).body);
    assert.match(page, /\[hidden by a moderator\]/);
    assert.doesNotMatch(page, /Spam spam spam/);
    await post(admin, `/comments/${c.key}/unhide`);
    assert.match(visible((await get(`/papers/${RICH_ID}`)).body), /Spam spam spam/);
    const log = await store.accounts.auditLog();
    assert.ok(log.some((e) => e.action === 'hide-comment' && e.target === `comment:${c.key}` && e.actor?.key === admin.user.key));
    assert.ok(log.some((e) => e.action === 'unhide-comment' && e.target === `comment:${c.key}`));
  });

  test('a hidden paper is 404 for readers and gone from lists; moderators see it with a banner', async () => {
    const id = '2405.20002';
    assert.equal((await post(ana, `/papers/${id}/hide`)).statusCode, 403);
    assert.equal((await post(admin, `/papers/${id}/hide`)).statusCode, 303);
    assert.equal((await get(`/papers/${id}`)).statusCode, 404);
    assert.equal((await get(`/papers/${id}`, ana)).statusCode, 404);
    assert.equal((await get(`/api/papers/${id}`)).statusCode, 404, 'the JSON API hides it too');
    assert.equal((await get(`/api/papers/${id}`, admin)).statusCode, 200);
    const mod = await get(`/papers/${id}`, admin);
    assert.equal(mod.statusCode, 200);
    assert.match(visible(mod.body), /Hidden by a moderator/);
    assert.doesNotMatch(visible((await get('/?date=2024-05-29')).body), /A survey of retrieval-augmented generation/);
    await post(admin, `/papers/${id}/unhide`);
    assert.equal((await get(`/papers/${id}`)).statusCode, 200);
    const log = await store.accounts.auditLog();
    assert.ok(log.some((e) => e.action === 'hide-paper' && e.target === `paper:${id}`));
    assert.ok(log.some((e) => e.action === 'unhide-paper' && e.target === `paper:${id}`));
  });

  test('merging a duplicate moves its votes and redirects its page, with an audit entry', async () => {
    const dup = '2405.30001';
    const kept = '2405.30002';
    await post(ana, `/papers/${dup}/vote`, { up: '1' });
    await post(bo, `/papers/${dup}/vote`, { up: '1' });
    await post(bo, `/papers/${kept}/vote`, { up: '1' });
    assert.equal((await post(bo, `/papers/${dup}/merge`, { into: kept })).statusCode, 403);
    assert.equal((await post(admin, `/papers/${dup}/merge`, { into: 'nonsense' })).statusCode, 400);
    const merged = await post(admin, `/papers/${dup}/merge`, { into: kept });
    assert.equal(merged.statusCode, 303);
    assert.equal(merged.headers.location, `/papers/${kept}`);
    const page = await get(`/papers/${dup}`);
    assert.equal(page.statusCode, 301);
    assert.equal(page.headers.location, `/papers/${kept}`);
    const api = await get(`/api/papers/${dup}`);
    assert.equal(api.statusCode, 301);
    assert.equal(api.headers.location, `/api/papers/${kept}`);
    assert.equal((await store.community.votes([kept])).get(kept)?.count, 2);
    const log = await store.accounts.auditLog();
    assert.ok(log.some((e) => e.action === 'merge-paper' && e.target === `paper:${dup}` && e.detail === `into ${kept}`));
  });
});

describe('collections and profiles', () => {
  test('a private collection is the owner’s alone; papers go in and out from any card', async () => {
    const created = await post(ana, '/collections', { name: 'Reading group', description: 'Thursdays' });
    assert.equal(created.statusCode, 303);
    assert.equal(created.headers.location, '/u/ana/collections/reading-group');
    const [collection] = await store.community.collectionsOf(ana.user.key, true);
    assert.equal(collection?.public, false);

    assert.equal((await get('/u/ana/collections/reading-group')).statusCode, 404);
    assert.equal((await get('/u/ana/collections/reading-group', bo)).statusCode, 404);
    assert.equal((await post(bo, `/collections/${collection!.key}/add`, { paperId: RICH_ID })).statusCode, 404);

    const added = await post(ana, `/collections/${collection!.key}/add`, { paperId: RICH_ID }, { json: true });
    assert.deepEqual(added.json(), { collection: collection!.key, paperId: RICH_ID, inCollection: true });
    // The card on the day's list offers to take it out again.
    const day = (await get('/?date=2024-05-31', ana)).body;
    assert.match(day, new RegExp(`action="/collections/${collection!.key}/remove"[\\s\\S]*?value="${RICH_ID}"[\\s\\S]*?aria-pressed="true"`));
    const own = await get('/u/ana/collections/reading-group', ana);
    assert.equal(own.statusCode, 200);
    assert.match(visible(own.body), /Diffusion models for protein structure generation/);

    assert.match(visible((await get('/u/ana', ana)).body), /Reading group/);
    assert.doesNotMatch(visible((await get('/u/ana', bo)).body), /Reading group/);
    await post(ana, `/collections/${collection!.key}/edit`, { name: 'Reading group', description: 'Thursdays', public: 'on' });
    assert.equal((await get('/u/ana/collections/reading-group', bo)).statusCode, 200);
    assert.equal((await post(bo, `/collections/${collection!.key}/remove`, { paperId: RICH_ID })).statusCode, 403);
    assert.equal((await post(ana, `/collections/${collection!.key}/remove`, { paperId: RICH_ID })).statusCode, 303);
    assert.equal((await store.community.collection(collection!.key))?.papers, 0);
  });

  test('a profile lists submissions, upvotes, comments and public collections; an unknown name is 404', async () => {
    await post(bo, `/papers/${RICH_ID}/vote`, { up: '1' });
    const profile = visible((await get('/u/bob')).body);
    assert.match(profile, /Upvoted[\s\S]*Diffusion models for protein structure generation/);
    assert.match(profile, /Comments[\s\S]*Top comment/);
    assert.equal((await get('/u/nobody-here')).statusCode, 404);
  });

  test('errors answer JSON when the request prefers it', async () => {
    const res = await app.inject({ method: 'GET', url: '/u/nobody-here', headers: { accept: 'application/json' } });
    assert.equal(res.statusCode, 404);
    assert.match(res.headers['content-type'] as string, /application\/json/);
    assert.match(res.json().error, /nobody-here/);
    const page = await app.inject({ method: 'GET', url: '/u/nobody-here', headers: { accept: 'text/html,application/json;q=0.9' } });
    assert.match(page.headers['content-type'] as string, /text\/html/);
  });
});

describe('rate limits on votes and comments', () => {
  test('the 61st vote within a minute is a 429 that says to slow down; other readers are unaffected', async () => {
    const dana = await signedIn(store, 'dana@example.org', NOW);
    for (let i = 0; i < 60; i++) assert.equal((await post(dana, `/papers/${RICH_ID}/vote`, { up: i % 2 === 0 ? '1' : '0' }, { json: true })).statusCode, 200);
    const refused = await post(dana, `/papers/${RICH_ID}/vote`, { up: '1' });
    assert.equal(refused.statusCode, 429);
    assert.match(visible(refused.body), /retry in 1 minute/i);
    const json = await post(dana, `/papers/${RICH_ID}/vote`, { up: '1' }, { json: true });
    assert.equal(json.statusCode, 429);
    assert.equal(json.json().statusCode, 429);
    assert.equal((await post(ana, `/papers/${RICH_ID}/vote`, { up: '1' }, { json: true })).statusCode, 200, 'limits are per person');
  });

  test('the 11th comment within a minute is a 429', async () => {
    const eve = await signedIn(store, 'eve@example.org', NOW);
    for (let i = 0; i < 10; i++) assert.equal((await post(eve, `/papers/${RICH_ID}/comments`, { body: `Note ${i}` }, { json: true })).statusCode, 200);
    const refused = await post(eve, `/papers/${RICH_ID}/comments`, { body: 'One too many' });
    assert.equal(refused.statusCode, 429);
    assert.equal((await store.community.comments(RICH_ID)).filter((c) => c.body === 'One too many').length, 0, 'the refused comment was not stored');
  });
});
