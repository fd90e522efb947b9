// Hugging Face's papers API on the hub: the shapes checked field by field against real
// huggingface.co answers (the fixture file always; three saved days from ../shared/data when it is
// there), huggingface_hub's requests replayed and its answers read as it reads them (hf-client.ts),
// counts that are the hub's own, errors its clients can show, paging, Markdown that stays text,
// and the OpenAPI document and /docs that describe it all.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import MarkdownIt from 'markdown-it';
import { ingest } from '../../src/ingest/pipeline.ts';
import { listInputs, readInputs } from '../../src/ingest/sources.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { buildApp } from '../../src/web/app.ts';
import { SUBMITTER_SCAN } from '../../src/web/hf-api.ts';
import { madeUpId, newYorkWallClock } from '../../src/web/hf-shape.ts';
import { markdownText, markdownUrl } from '../../src/web/paper-markdown.ts';
import { launchChromium, skipWithoutChromium, watchPage } from '../helpers/browser.ts';
import { needsData, sharedData } from '../helpers/shared-data.ts';
import { BUSY_DAY, fixtureStore, HOSTILE_ID, HOSTILE_TITLE, LATEST_DAY, MATH_ID, OLD_ID, RICH_ID } from './fixtures.ts';
import {
  listDailyPapersUrl,
  listPapersUrl,
  paperInfo,
  paperInfos,
  paperInfoUrl,
  papersLsUrl,
  papersSearchUrl,
  readPaperUrl,
  serverErrors,
  submittedByName,
} from './hf-client.ts';

type Json = Record<string, unknown>;

const FIXTURE = fileURLToPath(new URL('../fixtures/hf-daily.json', import.meta.url));
/** The fixture's first entry: a real answer for 2025-06-13 (ReasonMed), trimmed to one paper. */
const FIXTURE_ID = '2506.09513';
const FIXTURE_DAY = '2025-06-13';
const NOW = new Date('2024-06-03T12:00:00.000Z');

/**
 * What Paperboy cannot know, so leaves out of Hugging Face's shapes by design (hf-shape.ts): people's
 * avatars, badges and followers, claimed authors' accounts, whether an author joined the discussion,
 * an organisation's handle and avatar, which model wrote the AI summary, who added the repository.
 */
const CANNOT_HAVE = new Set([
  'paper.authors[].user',
  'paper.authors[].status',
  'paper.authors[].statusLastChangedAt',
  'paper.submittedOnDailyBy.avatarUrl',
  'paper.submittedOnDailyBy.isPro',
  'paper.githubRepoAddedBy',
  'paper.ai_summary_model',
  'paper.organization.name',
  'paper.organization.avatar',
  'organization.name',
  'organization.avatar',
  'submittedBy.avatarUrl',
  'submittedBy.isPro',
  'submittedBy.isHf',
  'submittedBy.isHfAdmin',
  'submittedBy.isMod',
  'submittedBy.followerCount',
  'submittedBy.isUserFollowing',
  'isAuthorParticipating',
  'submitterOrganization',
]);

/**
 * What the fixture lacks that real answers have: Hugging Face added `name` to submittedOnDailyBy in
 * March 2026 (the fixture's answer is from 2025), and the fixture was trimmed by hand of the entry's
 * copy of its paper's organization (all 2,912 saved entries with paper.organization have both).
 */
const NOT_IN_FIXTURE = ['organization', 'paper.submittedOnDailyBy.name'];

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

interface ShapeDiff {
  missing: string[];
  extra: string[];
  types: string[];
}

/** Keys and JSON types, recursively; array elements pairwise (authors) under `name[]`. */
function shapeDiff(real: unknown, ours: unknown, path = '', diff: ShapeDiff = { missing: [], extra: [], types: [] }): ShapeDiff {
  if (jsonType(real) !== jsonType(ours)) {
    diff.types.push(`${path}: ${jsonType(real)} there, ${jsonType(ours)} here`);
    return diff;
  }
  if (Array.isArray(real) && Array.isArray(ours)) {
    for (let i = 0; i < Math.min(real.length, ours.length); i++) shapeDiff(real[i], ours[i], `${path}[]`, diff);
    return diff;
  }
  if (jsonType(real) !== 'object') return diff;
  const [r, o] = [real as Json, ours as Json];
  const at = (k: string) => (path ? `${path}.${k}` : k);
  for (const k of Object.keys(r)) if (!(k in o)) diff.missing.push(at(k));
  for (const k of Object.keys(o)) if (!(k in r)) diff.extra.push(at(k));
  for (const k of Object.keys(r)) if (k in o) shapeDiff(r[k], o[k], at(k), diff);
  return diff;
}

const unique = (xs: string[]) => [...new Set(xs)].sort();
const collapse = (s: unknown) => String(s).replace(/\s+/g, ' ').trim();

/** The values Paperboy has, as Hugging Face gave them (titles and abstracts are stored with their line breaks unwrapped). */
function assertSameValues(real: Json, ours: Json, where: string): void {
  const [rp, op] = [real.paper as Json, ours.paper as Json];
  assert.equal(op.id, rp.id, where);
  assert.equal(op.title, collapse(rp.title), `${where} title`);
  assert.equal(ours.title, collapse(rp.title), `${where} entry title`);
  assert.equal(collapse(op.summary), collapse(rp.summary), `${where} summary`);
  assert.equal(collapse(ours.summary), collapse(rp.summary), `${where} entry summary`);
  assert.deepEqual((op.authors as Json[]).map((a) => a.name), (rp.authors as Json[]).map((a) => collapse(a.name)), `${where} authors`);
  assert.equal(op.publishedAt, rp.publishedAt, `${where} publishedAt`);
  assert.equal(op.submittedOnDailyAt, rp.submittedOnDailyAt, `${where} submittedOnDailyAt`);
  assert.equal(op.upvotes, rp.upvotes, `${where} upvotes`);
  assert.equal(op.ai_summary, rp.ai_summary === undefined ? undefined : collapse(rp.ai_summary), `${where} ai_summary`);
  assert.deepEqual(op.ai_keywords, rp.ai_keywords, `${where} ai_keywords`);
  assert.equal(op.githubRepo, rp.githubRepo, `${where} githubRepo`);
  assert.equal(op.githubStars, rp.githubStars, `${where} githubStars`);
  assert.equal(op.projectPage, rp.projectPage, `${where} projectPage`);
  assert.equal(ours.numComments, real.numComments, `${where} numComments`);
  assert.equal(ours.thumbnail, real.thumbnail, `${where} thumbnail`);
  const orgName = (o: unknown) => ((o as Json | undefined)?.fullname === undefined ? undefined : collapse((o as Json).fullname));
  assert.equal((op.organization as Json | undefined)?.fullname, orgName(rp.organization), `${where} organization`);
  // (The fixture was trimmed of the entry's copy; real entries always have both.)
  assert.equal((ours.organization as Json | undefined)?.fullname, orgName('organization' in real ? real.organization : rp.organization), `${where} entry organization`);
  assert.equal((op.submittedOnDailyBy as Json | undefined)?.user, (rp.submittedOnDailyBy as Json | undefined)?.user, `${where} submitter`);
  assert.equal((ours.submittedBy as Json | undefined)?.name, (real.submittedBy as Json | undefined)?.name, `${where} submittedBy`);
  // Since March 2025 (when entries gained their own summary) an entry's publishedAt is New York time.
  if ('summary' in real) assert.equal(ours.publishedAt, real.publishedAt, `${where} entry publishedAt`);
}

async function importFiles(store: Store, paths: string[]): Promise<void> {
  const report = await ingest(store, readInputs(await listInputs(paths)), { command: 'test: hf-api' });
  assert.ok(report.added > 0, 'the import added papers');
}

// ---------- on the fixtures: no ../shared/data needed ----------


/** A hub on the web fixtures for one describe: opened before its tests, closed after. */
function fixtureHub(): { get: (url: string) => Promise<LightMyRequestResponse>; readonly store: Store; readonly app: FastifyInstance } {
  let store: Store;
  let app: FastifyInstance;
  before(async () => {
    store = await fixtureStore();
    app = await buildApp({ store });
  });
  after(async () => {
    await app.close();
    await store.close();
  });
  return {
    get: (url) => app.inject({ method: 'GET', url }),
    get store() { return store; },
    get app() { return app; },
  };
}

describe('on the fixture file and the web fixtures', () => {
  let store: Store;
  let app: FastifyInstance;
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  before(async () => {
    store = await fixtureStore();
    await importFiles(store, [FIXTURE]);
    app = await buildApp({ store, community: { now: () => NOW } });
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  const fixtureEntry = () => (JSON.parse(readFileSync(FIXTURE, 'utf8')) as unknown[])[0] as Json;

  test('a day\'s entry has the real entry\'s keys and JSON types, less exactly what Paperboy cannot know', async () => {
    const res = await get(`/api/daily_papers?date=${FIXTURE_DAY}`);
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /application\/json/);
    const [ours] = res.json() as Json[];
    const diff = shapeDiff(fixtureEntry(), ours);
    assert.deepEqual(diff.types, []);
    assert.deepEqual(diff.missing.filter((k) => !CANNOT_HAVE.has(k)), [], 'nothing missing that Paperboy has');
    assert.deepEqual(unique(diff.extra), NOT_IN_FIXTURE, 'nothing extra but what Hugging Face sends today');
    for (const key of CANNOT_HAVE) assert.ok(!diff.extra.includes(key), `${key} is absent by design`);
    assertSameValues(fixtureEntry(), ours!, FIXTURE_ID);
  });

  test('the paper object of /api/papers/{id} is the entry\'s paper', async () => {
    const res = await get(`/api/papers/${FIXTURE_ID}`);
    assert.equal(res.statusCode, 200);
    const paper = res.json() as Json;
    const entry = (await get(`/api/daily_papers?date=${FIXTURE_DAY}`)).json()[0] as Json;
    assert.deepEqual(paper, entry.paper);
    const diff = shapeDiff(fixtureEntry().paper, paper, 'paper');
    assert.deepEqual([...diff.missing.filter((k) => !CANNOT_HAVE.has(k)), ...diff.types], []);
  });

  test('an entry saved as a Python repr string is served like any other', async () => {
    const [entry] = (await get('/api/daily_papers?date=2024-12-11')).json() as Json[];
    const info = paperInfo(entry);
    assert.equal(info.id, '2412.07730');
    assert.equal(info.title, 'STIV: Scalable Text and Image Conditioned Video Generation (it\'s "simple")');
    assert.deepEqual(info.authors?.map((a) => a.name), ['Zongyu Lin', 'Wei Liu']);
  });

  test('made-up ids are stable: the same in a second app on another store, different for different things', async () => {
    const other = await openSqliteStore(':memory:');
    await importFiles(other, [FIXTURE]);
    const second = await buildApp({ store: other });
    try {
      const a = (await get(`/api/papers/${FIXTURE_ID}`)).json() as Json;
      const b = (await second.inject(`/api/papers/${FIXTURE_ID}`)).json() as Json;
      assert.deepEqual(a, b);
      const ids = [a.discussionId, ...(a.authors as Json[]).map((x) => x._id), (a.organization as Json)._id, (a.submittedOnDailyBy as Json)._id];
      assert.equal(new Set(ids).size, ids.length);
      for (const id of ids) assert.match(String(id), /^[0-9a-f]{24}$/);
      const entry = (await get(`/api/daily_papers?date=${FIXTURE_DAY}`)).json()[0] as Json;
      assert.equal((entry.submittedBy as Json)._id, (a.submittedOnDailyBy as Json)._id, 'one person, one id');
      assert.equal(madeUpId('discussion', FIXTURE_ID), a.discussionId);
    } finally {
      await second.close();
      await other.close();
    }
  });

  test('a paper known only from arXiv has what Hugging Face requires, and none of what it does not know', async () => {
    const paper = (await get(`/api/papers/${OLD_ID}`)).json() as Json;
    assert.deepEqual(Object.keys(paper).sort(), ['authors', 'discussionId', 'id', 'publishedAt', 'submittedOnDailyAt', 'summary', 'title', 'upvotes']);
    assert.equal(paper.upvotes, 0);
    assert.equal(paper.publishedAt, '1999-01-01T00:00:00.000Z');
  });
});

describe("huggingface_hub's requests, replayed", () => {
  let store: Store;
  let app: FastifyInstance;
  const get = (url: string) => app.inject({ method: 'GET', url });

  before(async () => {
    store = await fixtureStore();
    app = await buildApp({ store, community: { now: () => NOW } });
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  test('list_daily_papers(date=...) and `hf papers ls --date`: a list every entry of which parses, most upvoted first', async () => {
    const url = listDailyPapersUrl({ date: '2024-05-31' });
    assert.equal(url, '/api/daily_papers?date=2024-05-31');
    const res = await get(url);
    assert.equal(res.statusCode, 200);
    const infos = paperInfos(res.json());
    assert.deepEqual(infos.map((i) => i.id), [RICH_ID, '2405.20001']);
    const [rich] = infos;
    assert.equal(rich!.title, 'Diffusion models for protein structure generation');
    assert.equal(rich!.upvotes, 152);
    assert.equal(rich!.comments, 0);
    assert.deepEqual(rich!.authors?.map((a) => a.name), ['Jane Doe', 'John Roe']);
    assert.equal(rich!.publishedAt?.toISOString(), '2022-07-13T17:00:00.000Z');
    // The client reads an entry's own publishedAt as submitted_at: New York wall time, as huggingface.co sends.
    assert.equal(rich!.submittedAt?.toISOString(), '2022-07-13T13:00:00.000Z');
    assert.equal(submittedByName(rich!), 'akhaliq');
    const ls = paperInfos((await get(papersLsUrl({ date: '2024-05-31' }))).json());
    assert.deepEqual(ls.map((i) => i.id), infos.map((i) => i.id));
  });

  test('week, month, p and limit page through a list: pages add up to the whole, in order, without repeats', async () => {
    const whole = paperInfos((await get(listDailyPapersUrl({ month: '2024-05', limit: 100 }))).json()).map((i) => i.id);
    assert.equal(whole.length, 35 + 2 + 1 + 1, 'May 2024: the busy day, two on the 31st, one on the 29th, one on the 27th');
    const paged: string[] = [];
    for (let p = 0; p < 5; p++) paged.push(...paperInfos((await get(listDailyPapersUrl({ month: '2024-05', p, limit: 10 }))).json()).map((i) => i.id));
    assert.deepEqual(paged, whole);
    const week = paperInfos((await get(listDailyPapersUrl({ week: '2024-W22', limit: 100 }))).json()).map((i) => i.id);
    assert.deepEqual([...week].sort(), [...whole].sort(), 'W22 is 27 May to 2 June: all of May\'s listed papers');
    const june = paperInfos((await get(listDailyPapersUrl({ week: '2024-W23' }))).json()).map((i) => i.id);
    assert.deepEqual(june.sort(), [HOSTILE_ID, MATH_ID].sort(), `W23 has ${LATEST_DAY}`);
  });

  test('sort: publishedAt is newest listed first, trending most upvoted; no period: the whole hub newest first, or the week\'s trending list', async () => {
    const upvoted = paperInfos((await get(listDailyPapersUrl({ week: '2024-W22', sort: 'trending', limit: 5 }))).json());
    assert.deepEqual(upvoted.map((i) => i.upvotes), [152, 100, 99, 98, 97]);
    const recent = paperInfos((await get(listDailyPapersUrl({ week: '2024-W22', sort: 'publishedAt', limit: 3 }))).json());
    assert.equal(recent[0]!.id, RICH_ID, 'listed 31 May, the newest in the week');
    const all = paperInfos((await get(listDailyPapersUrl({}))).json());
    assert.deepEqual(all.slice(0, 2).map((i) => i.id).sort(), [HOSTILE_ID, MATH_ID].sort(), `listed ${LATEST_DAY}, the newest`);
    assert.equal(all.at(-1)!.id, OLD_ID, 'listed 27 May, the oldest');
    assert.equal(all.length, 41, 'every paper, the default limit of 50 not reached');
    const trending = paperInfos((await get(listDailyPapersUrl({ sort: 'trending' }))).json());
    const v1 = (await get('/api/v1/trending?period=week')).json() as { results: { paper: { id: string } }[] };
    assert.ok(v1.results.length > 10);
    assert.deepEqual(trending.slice(0, v1.results.length).map((i) => i.id), v1.results.map((r) => r.paper.id), 'the same ranking (the page shows 30)');
  });

  test('submitter: Hugging Face\'s submitter as imported, or a reader here, in any letter case', async () => {
    for (const submitter of ['akhaliq', 'AKhaliq']) {
      const found = paperInfos((await get(listDailyPapersUrl({ submitter }))).json());
      assert.deepEqual(found.map((i) => i.id), [RICH_ID], submitter);
    }
    const { user } = await store.accounts.userForEmail('reader@example.org', NOW.toISOString());
    await store.community.recordSubmission(user.key, MATH_ID, NOW.toISOString());
    const theirs = paperInfos((await get(listDailyPapersUrl({ submitter: user.name, date: LATEST_DAY }))).json());
    assert.deepEqual(theirs.map((i) => [i.id, submittedByName(i)]), [[MATH_ID, user.name]]);
    assert.deepEqual(paperInfos((await get(listDailyPapersUrl({ submitter: 'nobody-at-all' }))).json()), []);
  });

  test('list_papers(query=..., limit=...) and `hf papers search`: a bare array, in the search\'s order', async () => {
    const url = listPapersUrl('diffusion', 2);
    assert.equal(url, '/api/papers/search?q=diffusion&limit=2');
    const res = await get(url);
    assert.ok(Array.isArray(res.json()), 'a bare array, not an object');
    const infos = paperInfos(res.json());
    const v1 = (await get('/api/v1/papers/search?q=diffusion&limit=2')).json() as { results: { paper: { id: string } }[] };
    assert.deepEqual(infos.map((i) => i.id), v1.results.map((r) => r.paper.id));
    assert.equal(papersSearchUrl('diffusion'), '/api/papers/search?q=diffusion&limit=20');
    assert.equal(paperInfos((await get(papersSearchUrl('diffusion'))).json()).length, 2);
    const none = await get(listPapersUrl(undefined));
    assert.equal(none.statusCode, 400);
    assert.match(serverErrors(none).join(), /"q" is missing/);
  });

  test('paper_info(id) for new ids, old ids and other forms; read_paper(id) as Markdown', async () => {
    for (const [id, expected] of [[RICH_ID, RICH_ID], ['2207.06389v2', RICH_ID], [OLD_ID, OLD_ID], ['hep-th/9901001v2', OLD_ID]] as const) {
      const res = await get(paperInfoUrl(id));
      assert.equal(res.statusCode, 200, id);
      const info = paperInfo(res.json());
      assert.equal(info.id, expected);
      assert.ok(info.publishedAt instanceof Date && info.title && info.summary && info.discussionId, id);
    }
    const rich = paperInfo((await get(paperInfoUrl(RICH_ID))).json());
    assert.equal(rich.aiSummary, 'A diffusion model generates protein backbones with an $SE(3)$-equivariant network.');
    assert.deepEqual(rich.aiKeywords, ['diffusion', 'protein design']);
    assert.equal(rich.githubRepo, 'https://github.com/example/protein-diffusion');
    assert.equal(rich.githubStars, 987);
    assert.equal(rich.projectPage, 'https://example.org/protein-diffusion');
    assert.equal(rich.submittedAt?.toISOString(), '2024-05-31T00:00:00.000Z', 'paper_info reads submittedOnDailyAt');
    assert.equal(rich.submittedBy?.username, 'akhaliq');
    for (const id of [RICH_ID, OLD_ID]) {
      const md = await get(readPaperUrl(id));
      assert.equal(md.statusCode, 200);
      assert.match(md.headers['content-type'] as string, /^text\/markdown; charset=utf-8/);
      assert.match(md.body, new RegExp(`^# .+\\n\\n\\*\\*Authors:\\*\\* .+\\n[^]*- arXiv: <https://arxiv\\.org/abs/${id.replace('.', '\\.')}>[^]*## Abstract\\n\\n`));
    }
  });

  test('errors reach the client\'s user: the message in X-Error-Message and error, once', async () => {
    for (const [url, status, message] of [
      [paperInfoUrl('2405.99999'), 404, /Paper 2405\.99999 is not in this hub/],
      [paperInfoUrl('garbage'), 404, /"garbage" is not an arXiv id/],
      [readPaperUrl('garbage'), 404, /"garbage" is not an arXiv id/],
      [readPaperUrl('2405.99999'), 404, /not in this hub/],
      [listDailyPapersUrl({ date: '2024-02-30' }), 400, /"date" expects a real day/],
    ] as const) {
      const res = await get(url);
      assert.equal(res.statusCode, status, url);
      assert.match(res.headers['content-type'] as string, /application\/json/, url);
      const shown = serverErrors(res);
      assert.equal(shown.length, 1, `${url}: header and body agree`);
      assert.match(shown[0]!, message);
      assert.equal(res.json().statusCode, status);
    }
  });
});

describe('submitter= on a long list', () => {
  test(`reads the first ${SUBMITTER_SCAN} papers of the list at most, and says so in X-HF-Warning (which huggingface_hub logs)`, async () => {
    const store = await openSqliteStore(':memory:');
    const start = Date.UTC(2024, 0, 1);
    // The oldest paper is the only one by "oldest", and lies beyond the scan.
    const papers = Array.from({ length: SUBMITTER_SCAN + 50 }, (_, i) => ({
      id: `2401.${String(i).padStart(5, '0')}`,
      title: `Paper ${i}`,
      abstract: 'An abstract.',
      authors: ['A. Author'],
      listedAt: new Date(start + i * 60_000).toISOString(),
      hf: { dailyDate: '2024-01-01', upvotes: 1, submitter: i === 0 ? 'oldest' : i % 2 ? 'odd' : 'even' },
    }));
    await store.bulk(() => store.upsertPapers(papers));
    const app = await buildApp({ store });
    try {
      const far = await app.inject(listDailyPapersUrl({ submitter: 'oldest' }));
      assert.deepEqual(far.json(), []);
      assert.match(String(far.headers['x-hf-warning']), new RegExp(`^submitter; Looked through the first ${SUBMITTER_SCAN} papers of this list only\\. Ask for a date, week or month`));
      const near = await app.inject(listDailyPapersUrl({ submitter: 'odd', limit: 3, p: 1 }));
      assert.deepEqual(paperInfos(near.json()).map((i) => i.id), ['2401.05043', '2401.05041', '2401.05039'], 'the second page of odd ones, newest first');
      assert.equal(near.headers['x-hf-warning'], undefined, 'found within the scan: nothing to warn of');
      assert.match(String(near.headers.link), /submitter=odd&p=2&limit=3>; rel="next"/);
    } finally {
      await app.close();
      await store.close();
    }
  });
});

describe('counts are the hub\'s: upvotes from Hugging Face plus votes here, comments likewise', () => {
  const hub = fixtureHub();
  const { get } = hub;

  test('two votes and a comment here show in every shape, and reorder the day', async () => {
    const before = (await get(`/api/daily_papers?date=${LATEST_DAY}`)).json() as Json[];
    assert.deepEqual(before.map((e) => [(e.paper as Json).id, (e.paper as Json).upvotes, e.numComments]), [[MATH_ID, 87, 4], [HOSTILE_ID, 3, 0]]);
    const now = new Date().toISOString();
    for (const email of ['a@example.org', 'b@example.org']) {
      const { user } = await hub.store.accounts.userForEmail(email, now);
      for (let i = 0; i < 1; i++) await hub.store.community.vote(user.key, HOSTILE_ID, true, now);
    }
    const { user } = await hub.store.accounts.userForEmail('a@example.org', now);
    await hub.store.community.addComment({ userKey: user.key, paperId: HOSTILE_ID, body: 'A comment here', now });
    const afterVotes = (await get(`/api/daily_papers?date=${LATEST_DAY}`)).json() as Json[];
    assert.deepEqual(afterVotes.map((e) => [(e.paper as Json).id, (e.paper as Json).upvotes, e.numComments]), [[MATH_ID, 87, 4], [HOSTILE_ID, 5, 1]]);
    assert.equal((await get(`/api/papers/${HOSTILE_ID}`)).json().upvotes, 5);
    const v1 = (await get(`/api/v1/day/${LATEST_DAY}`)).json() as { papers: { id: string; upvotes?: number; votes: number }[] };
    assert.deepEqual(v1.papers.map((p) => [p.id, p.upvotes, p.votes]), [[MATH_ID, 87, 0], [HOSTILE_ID, 3, 2]], 'v1 keeps the two apart');
  });
});

describe('parameters, errors and paging', () => {
  let store: Store;
  let app: FastifyInstance;
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  before(async () => {
    store = await fixtureStore();
    app = await buildApp({ store });
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  for (const [url, message] of [
    ['/api/daily_papers?date=2024-02-30', /"date" expects a real day/],
    ['/api/daily_papers?date=yesterday', /"date" expects a day written YYYY-MM-DD.*You gave "yesterday"/],
    ['/api/daily_papers?week=2024-W60', /"week" expects an ISO week that exists.*You gave "2024-W60"/],
    ['/api/daily_papers?week=22', /"week" expects an ISO week written YYYY-Www/],
    ['/api/daily_papers?month=2024-13', /"month" expects a month written YYYY-MM with MM from 01 to 12/],
    ['/api/daily_papers?date=2024-05-31&week=2024-W22', /Give one of date, week and month, not date and week/],
    ['/api/daily_papers?sort=hot', /"sort" expects either "publishedAt" .* or "trending"/],
    ['/api/daily_papers?limit=0', /"limit" expects a whole number from 1 to 100/],
    ['/api/daily_papers?limit=101', /"limit" expects a whole number from 1 to 100/],
    ['/api/daily_papers?p=-1', /"p" expects a page number counted from 0/],
    ['/api/daily_papers?p=x', /"p" expects a page number/],
    ['/api/daily_papers?submitter=', /"submitter" expects the handle/],
    ['/api/papers/search?q=diffusion&limit=500', /"limit" expects a whole number from 1 to 100/],
    [`/api/papers/search?q=${'b'.repeat(600)}`, /"q" expects a search of at most 500 characters/],
    ['/api/v1/day/2024-02-30', /"date" expects a real day/],
    ['/api/v1/day/today', /"date" expects a day written YYYY-MM-DD/],
    ['/api/v1/week/2024-W60', /"week" expects an ISO week that exists/],
    ['/api/v1/month/2024-00', /"month" expects a month/],
    ['/api/v1/day/2024-05-28?sort=hot', /"sort" expects "upvotes" \(the default/],
    ['/api/v1/day/2024-05-28?limit=1000', /"limit" expects a whole number from 1 to 100/],
    ['/api/v1/papers/garbage', /"garbage" is not an arXiv id/],
    ['/api/v1/trending?period=hourly', /"period" expects day, week or month/],
  ] as const) {
    test(`${url.slice(0, 70)} -> 400 naming the parameter, in the body and the header`, async () => {
      const res = await get(url);
      assert.equal(res.statusCode, 400);
      const body = res.json() as Json;
      assert.match(String(body.error), message);
      assert.equal(body.error, body.message);
      // The header says the same in ASCII (… becomes ...).
      assert.equal(res.headers['x-error-message'], String(body.error).replace(/…/g, '...'));
    });
  }

  test('the header carries no line breaks or non-ASCII, whatever was asked for', async () => {
    const res = await get('/api/papers/%0d%0aSet-Cookie:%20pwned=1%E2%80%A6%C3%A9');
    assert.equal(res.statusCode, 404);
    const header = res.headers['x-error-message'] as string;
    assert.match(header, /^[\x20-\x7e]+$/);
    assert.match(header, / Set-Cookie: pwned=1\.\.\.\?" is not an arXiv id/);
    assert.doesNotMatch(String(res.headers['set-cookie'] ?? ''), /pwned/, 'no header of the request\'s making');
    assert.match(res.json().error, /Set-Cookie: pwned=1…é/, 'the body keeps the text as it was');
  });

  test('hidden papers are gone for visitors; a merged duplicate answers 301 to the paper kept', async () => {
    // A store of its own: hiding and merging change the lists the other tests count.
    const store = await fixtureStore();
    const app = await buildApp({ store });
    const get = (url: string) => app.inject({ method: 'GET', url });
    await store.community.setPaperHidden(HOSTILE_ID, true, new Date().toISOString());
    for (const url of [`/api/papers/${HOSTILE_ID}`, `/papers/${HOSTILE_ID}.md`]) assert.equal((await get(url)).statusCode, 404, url);
    assert.ok(!((await get(`/api/daily_papers?date=${LATEST_DAY}`)).json() as Json[]).some((e) => (e.paper as Json).id === HOSTILE_ID));
    await store.community.mergePaper('2405.20001', RICH_ID, new Date().toISOString());
    for (const [url, location] of [[`/api/papers/2405.20001`, `/api/papers/${RICH_ID}`], ['/papers/2405.20001.md', `/papers/${RICH_ID}.md`], ['/api/v1/papers/2405.20001', `/api/v1/papers/${RICH_ID}`]]) {
      const res = await get(url!);
      assert.equal(res.statusCode, 301, url);
      assert.equal(res.headers.location, location);
    }
    await app.close();
    await store.close();
  });

  test('/api/daily_papers pages with p and limit, and says where the next page is', async () => {
    const first = await get(`/api/daily_papers?date=${BUSY_DAY}&limit=20`);
    assert.equal(first.json().length, 20);
    assert.equal(first.headers.link, `</api/daily_papers?date=${BUSY_DAY}&p=1&limit=20>; rel="next"`);
    const next = await get(String(first.headers.link).slice(1, String(first.headers.link).indexOf('>')));
    assert.equal(next.json().length, 15);
    assert.equal(next.headers.link, undefined, 'the last page');
    const ids = [...first.json(), ...next.json()].map((e: Json) => (e.paper as Json).id);
    assert.equal(new Set(ids).size, 35);
  });

  test('/api/v1 day, week and month lists: Paperboy\'s papers with votes, total, pages, neighbours and Link', async () => {
    const first = await get(`/api/v1/day/${BUSY_DAY}?limit=20`);
    assert.equal(first.statusCode, 200);
    const body = first.json();
    assert.deepEqual([body.total, body.pages, body.p, body.limit, body.papers.length, body.sort], [35, 2, 0, 20, 20, 'upvotes']);
    assert.deepEqual(body.period, { kind: 'day', key: BUSY_DAY, start: BUSY_DAY, end: '2024-05-29' });
    assert.deepEqual(body.previous, { key: '2024-05-27', url: '/api/v1/day/2024-05-27?limit=20' });
    assert.deepEqual(body.next, { key: '2024-05-29', url: '/api/v1/day/2024-05-29?limit=20' });
    assert.equal(body.papers[0].upvotes, 100);
    assert.equal(body.papers[0].votes, 0);
    assert.equal(first.headers.link, `</api/v1/day/${BUSY_DAY}?p=1&limit=20>; rel="next"`);
    const last = await get(`/api/v1/day/${BUSY_DAY}?limit=20&p=1`);
    assert.equal(last.json().papers.length, 15);
    assert.equal(last.headers.link, `</api/v1/day/${BUSY_DAY}?limit=20>; rel="prev"`);
    const recent = (await get(`/api/v1/day/2024-05-31?sort=recent`)).json();
    assert.equal(recent.sort, 'recent');
    const week = (await get('/api/v1/week/2024-W22')).json();
    assert.deepEqual([week.total, week.period.start, week.period.end, week.papers.length], [39, '2024-05-27', '2024-06-03', 30]);
    assert.equal(week.next.key, '2024-W23');
    const month = (await get('/api/v1/month/2024-05')).json();
    assert.deepEqual([month.total, month.next.key, month.previous], [39, '2024-06', undefined]);
    const paper = (await get(`/api/v1/papers/${RICH_ID}`)).json();
    assert.deepEqual(paper, JSON.parse(JSON.stringify(await store.getPaper(RICH_ID))), 'the detail, every field the store has');
  });
});

describe('Markdown stays text', () => {
  let store: Store;
  let app: FastifyInstance;

  before(async () => {
    store = await fixtureStore();
    app = await buildApp({ store });
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  test('a hostile title, authors and abstract render as their text in a Markdown renderer that allows HTML', async () => {
    const res = await app.inject(`/papers/${HOSTILE_ID}.md`);
    assert.equal(res.statusCode, 200);
    const rendered = new MarkdownIt({ html: true, linkify: true }).render(res.body);
    assert.doesNotMatch(rendered, /<(img|script|svg|b)[\s>]/i, 'no element from the paper\'s text');
    assert.doesNotMatch(rendered, /href="javascript:/i);
    const h1 = /<h1>(.*)<\/h1>/.exec(rendered)?.[1];
    assert.equal(h1, HOSTILE_TITLE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    assert.match(rendered, /&lt;script&gt;alert\(4\)&lt;\/script&gt; Mallory, Eve/);
    assert.match(rendered, /&lt;b&gt;bold&lt;\/b&gt; &quot;quotes&quot; &amp; ampersands/);
  });

  test('what Markdown would read as syntax is escaped; math and plain punctuation are left alone', () => {
    const md = new MarkdownIt({ html: true });
    for (const text of ['- not a list', '1. not a list', '# not a heading', '**not bold** _nor this_', '[a link](javascript:alert(1))', '`code`', '&lt; an entity', '<https://example.org>', '~~struck~~', 'a | table | row', '= underline']) {
      const html = md.render(markdownText(text));
      assert.equal(html, `<p>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>\n`, text);
    }
    assert.equal(markdownText('Sorting in $O(n \\log n)$, e.g. state-of-the-art: 3.5x'), 'Sorting in $O(n \\log n)$, e.g. state-of-the-art: 3.5x');
    assert.equal(markdownText('a \\{set\\}'), 'a \\\\{set\\\\}');
    assert.equal(markdownUrl('javascript:alert(1)'), undefined);
    assert.equal(markdownUrl('/relative'), undefined);
    assert.equal(markdownUrl('https://example.org/a b"c<d>'), '<https://example.org/a%20b%22c%3Cd%3E>');
  });
});

describe('New York wall clock, as entries write publishedAt', () => {
  test('5 hours behind in winter, 4 in summer, across the change', () => {
    assert.equal(newYorkWallClock('2025-01-15T12:34:56.789Z'), '2025-01-15T07:34:56.789Z');
    assert.equal(newYorkWallClock('2025-06-11T08:36:55.000Z'), '2025-06-11T04:36:55.000Z');
    assert.equal(newYorkWallClock('2025-03-09T06:59:59.000Z'), '2025-03-09T01:59:59.000Z');
    assert.equal(newYorkWallClock('2025-03-09T07:00:00.000Z'), '2025-03-09T03:00:00.000Z');
    assert.equal(newYorkWallClock('2026-08-20T00:00:00.000Z'), '2026-08-19T20:00:00.000Z');
  });
});

describe('the OpenAPI document, /api and /docs', () => {
  const hub = fixtureHub();
  const { get } = hub;

  const EXPECTED_PATHS = [
    '/api',
    '/api/daily_papers',
    '/api/days',
    '/api/papers/search',
    '/api/papers/{archive}/{num}',
    '/api/papers/{id}',
    '/api/suggest',
    '/api/trending',
    '/api/v1/day/{date}',
    '/api/v1/days',
    '/api/v1/month/{month}',
    '/api/v1/papers/search',
    '/api/v1/papers/{id}',
    '/api/v1/suggest',
    '/api/v1/trending',
    '/api/v1/week/{week}',
    '/healthz',
    '/openapi.json',
    '/papers/{archive}/{num}.md',
    '/papers/{id}.md',
  ];

  test('/openapi.json: OpenAPI 3, every API route with its parameters and response schemas, nothing else', async () => {
    const res = await get('/openapi.json');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /application\/json/);
    const doc = JSON.parse(res.body) as { openapi: string; info: { title: string }; paths: Record<string, Record<string, Json>> };
    assert.match(doc.openapi, /^3\.0\.\d$/);
    // Valid against the OpenAPI 3.0 JSON schema, by a validator that refuses a broken copy.
    assert.deepEqual(await new Validator().validate(doc), { valid: true });
    const broken = structuredClone(doc) as unknown as { paths: Record<string, Record<string, { responses?: unknown }>> };
    delete broken.paths['/api/daily_papers']!.get!.responses;
    assert.equal((await new Validator().validate(broken)).valid, false);
    assert.equal(doc.info.title, 'Paperboy API');
    assert.deepEqual(Object.keys(doc.paths).sort(), EXPECTED_PATHS);
    for (const [path, ops] of Object.entries(doc.paths)) {
      assert.deepEqual(Object.keys(ops), ['get'], path);
      const op = ops.get!;
      assert.ok(Array.isArray(op.tags) && op.summary, `${path}: tagged and summarised`);
      const parameters = (op.parameters ?? []) as { in: string; name: string; schema?: object; required?: boolean }[];
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        const p = parameters.find((x) => x.in === 'path' && x.name === name);
        assert.ok(p?.schema && p.required, `${path}: path parameter ${name} declared with a schema`);
      }
      for (const p of parameters) assert.ok(p.schema, `${path}: ${p.name} has a schema`);
      const responses = op.responses as Record<string, { content?: Record<string, { schema?: object }> }>;
      const ok = responses['200']?.content;
      assert.ok(ok && Object.values(ok).every((c) => c.schema), `${path}: a 200 response schema`);
      if (path.startsWith('/api/') || path.endsWith('.md')) assert.ok(responses['4XX']?.content?.['application/json']?.schema, `${path}: the error schema`);
    }
    const daily = doc.paths['/api/daily_papers']!.get!.parameters as { name: string; in: string }[];
    assert.deepEqual(daily.map((p) => `${p.in}:${p.name}`), ['query:date', 'query:week', 'query:month', 'query:submitter', 'query:sort', 'query:p', 'query:limit']);
    assert.ok(doc.paths['/papers/{id}.md']!.get!.responses, 'the Markdown route');
    assert.deepEqual(Object.keys((doc.paths['/papers/{id}.md']!.get!.responses as Record<string, { content: object }>)['200']!.content), ['text/markdown']);
  });

  test('/api lists every endpoint the document has (trending included), with its query parameters, and /docs', async () => {
    const index = (await get('/api')).json() as { endpoints: { path: string; about: string; group: string }[]; openapi: string; docs: string };
    const paths = index.endpoints.map((e) => e.path.split('?')[0]!);
    assert.deepEqual([...paths].sort(), [...EXPECTED_PATHS, '/docs'].sort());
    for (const e of index.endpoints) assert.ok(e.about && e.group, e.path);
    assert.ok(index.endpoints.some((e) => e.path === '/api/trending?period='));
    assert.ok(index.endpoints.some((e) => e.path === '/api/daily_papers?date=&week=&month=&submitter=&sort=&p=&limit='));
    assert.deepEqual([index.openapi, index.docs], ['/openapi.json', '/docs']);
  });

  test('/docs is served from this hub, under the site\'s own Content-Security-Policy', async () => {
    const page = await get('/docs');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.equal(page.headers['content-security-policy'], (await get('/')).headers['content-security-policy'], 'the site\'s CSP, unchanged');
    assert.doesNotMatch(page.body, /https?:\/\//, 'no asset from elsewhere');
    assert.doesNotMatch(page.body, /<script>(?!\s*<\/script>)|<script(?![^>]*\bsrc=)[^>]*>\s*\S/, 'no inline script');
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 4);
    for (const asset of assets) {
      assert.match(asset, /^\/docs\/static\//);
      assert.equal((await get(asset)).statusCode, 200, asset);
    }
    const init = await get('/docs/static/swagger-initializer.js');
    assert.match(init.body, /resolveUrl\('\.\/json'\)/);
    assert.equal((await get('/docs/json')).json().openapi, (await get('/openapi.json')).json().openapi);
  });
});

describe('/docs in a real browser', { skip: skipWithoutChromium() }, () => {
  test('Swagger UI renders the operations with no script error and no CSP refusal', async () => {
    const store = await fixtureStore();
    const app = await buildApp({ store });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems = watchPage(page);
      await page.goto(`${base}/docs`);
      // (Swagger UI breaks long paths with <wbr>: find the operation by its data-path.)
      await page.locator('.opblock-summary-path[data-path="/api/daily_papers"]').first().waitFor({ timeout: 15_000 });
      assert.ok((await page.locator('.opblock').count()) >= 20, 'every operation');
      assert.match((await page.locator('.info .title').first().textContent()) ?? '', /Paperboy API/);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await app.close();
      await store.close();
    }
  });
});

// ---------- on real answers saved from huggingface.co ----------

const REAL_DAYS = ['2026-05-13', '2026-06-29', '2026-08-21'];

describe('on real huggingface.co answers (../shared/data/hf-daily-papers)', { skip: needsData('hf-daily-papers', 'raw') }, () => {
  let store: Store;
  let app: FastifyInstance;
  const real = new Map<string, Json[]>();
  const get = (url: string) => app.inject({ method: 'GET', url });

  before(async () => {
    store = await openSqliteStore(':memory:');
    const files = REAL_DAYS.map((day) => sharedData('hf-daily-papers', 'raw', `${day}.json`));
    await importFiles(store, files);
    for (const [i, day] of REAL_DAYS.entries()) real.set(day, JSON.parse(readFileSync(files[i]!, 'utf8')) as Json[]);
    app = await buildApp({ store });
  });
  after(async () => {
    await app?.close();
    await store?.close();
  });

  for (const day of REAL_DAYS) {
    test(`${day}: every entry has the real one's keys and types, less exactly what Paperboy cannot know, and its values`, async () => {
      const res = await get(listDailyPapersUrl({ date: day, limit: 100 }));
      assert.equal(res.statusCode, 200);
      const ours = res.json() as Json[];
      const saved = real.get(day)!;
      assert.equal(ours.length, saved.length);
      const byId = new Map(ours.map((e) => [(e.paper as Json).id as string, e]));
      const missing = new Set<string>();
      for (const entry of saved) {
        const id = (entry.paper as Json).id as string;
        const mine = byId.get(id);
        assert.ok(mine, `${day}: ${id} is listed`);
        const diff = shapeDiff(entry, mine);
        assert.deepEqual(diff.types, [], `${id}: the same JSON types`);
        assert.deepEqual(diff.extra, [], `${id}: no key Hugging Face does not send`);
        assert.deepEqual(diff.missing.filter((k) => !CANNOT_HAVE.has(k)), [], `${id}: nothing missing that Paperboy has`);
        for (const k of diff.missing) missing.add(k);
        assertSameValues(entry, mine!, `${day} ${id}`);
        paperInfo(mine);
      }
      // What is absent is exactly what Paperboy cannot know, and these answers had most of it.
      assert.ok([...missing].every((k) => CANNOT_HAVE.has(k)));
      for (const always of ['isAuthorParticipating', 'submittedBy.avatarUrl', 'submittedBy.isPro', 'paper.submittedOnDailyBy.avatarUrl']) assert.ok(missing.has(always), always);
      // Most upvoted first, as huggingface.co lists a day.
      assert.deepEqual(ours.map((e) => (e.paper as Json).upvotes), saved.map((e) => (e.paper as Json).upvotes));
    });
  }

  test('/api/papers/{id} has the real paper object\'s keys, types and values', async () => {
    for (const entry of real.get(REAL_DAYS[2]!)!) {
      const rp = entry.paper as Json;
      const res = await get(paperInfoUrl(rp.id as string));
      assert.equal(res.statusCode, 200);
      const diff = shapeDiff(rp, res.json(), 'paper');
      assert.deepEqual([...diff.types, ...diff.extra, ...diff.missing.filter((k) => !CANNOT_HAVE.has(k))], [], rp.id as string);
      assert.equal(paperInfo(res.json()).id, rp.id);
    }
  });

  test('entries\' own publishedAt is the paper\'s in New York time: true of all 7,162 saved entries that have their own summary', () => {
    let checked = 0;
    for (const name of readdirSync(sharedData('hf-daily-papers', 'raw')).filter((n) => n.endsWith('.json'))) {
      const doc = JSON.parse(readFileSync(sharedData('hf-daily-papers', 'raw', name), 'utf8')) as unknown;
      if (!Array.isArray(doc)) continue; // the envelope file holds Python-repr strings
      for (const entry of doc as unknown[]) {
        if (typeof entry !== 'object' || entry === null || !('summary' in entry)) continue; // Python reprs; the older format
        const e = entry as Json;
        assert.equal(newYorkWallClock((e.paper as Json).publishedAt as string), e.publishedAt, `${name} ${(e.paper as Json).id}`);
        checked++;
      }
    }
    assert.equal(checked, 7162);
  });
});
