// Atom and JSON feeds over HTTP (app.inject), each Atom body parsed by feedparser as a feed reader
// would: ids, links, dates, order, the same papers as the page, untrusted text, caching headers,
// errors, and the autodiscovery links and Follow bars of the pages.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { PaperRecord } from '../../src/paper/types.ts';
import type { Collection } from '../../src/store/community.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { PaperSummary, Store } from '../../src/store/store.ts';
import { buildApp } from '../../src/web/app.ts';
import { atom, jsonFeed, paperEntry, type FeedModel } from '../../src/web/feeds.ts';
import { collectionPath } from '../../src/web/pages/community.ts';
import { authorPath, jsonFeedPath, topicPath } from '../../src/web/urls.ts';
import { all, alternates, cardIds, onlyXmlChars, parseAtom, rawText, type ParsedFeed } from '../helpers/feeds.ts';
import { paper } from '../helpers/papers.ts';
import { signedIn, type TestSession } from '../helpers/sign-in.ts';
import { HOSTILE_ID, HOSTILE_TITLE, LATEST_DAY, MATH_ID, OLD_ID, PAPERS, RICH_ID } from './fixtures.ts';

const BASE = 'https://papers.example.org/hub';
/** Trending feeds are computed as of the last whole five minutes: 12:00 here. */
const NOW = new Date('2024-06-03T12:02:30.000Z');

const CONTROL_ID = '2406.00001';
const CONTROL_TITLE = 'Bidi \u202Eevil\u202C and a NUL\u0000 in a title';
const CONTROL_ABSTRACT = 'A vertical\u000Btab, a form\u000Cfeed, a bell\u0007 and U+FFFE\uFFFE, none of which XML can carry.';
const CONTROL: PaperRecord = paper(CONTROL_ID, {
  title: CONTROL_TITLE,
  abstract: CONTROL_ABSTRACT,
  authors: ['Zed \u0007Bell', 'Jane Doe'],
  categories: ['cs.CL'],
  published: '2024-06-02T08:00:00.000Z',
  listedAt: `${LATEST_DAY}T00:00:00.000Z`,
  hf: { dailyDate: LATEST_DAY, upvotes: 50 },
});

const BUSY_IDS = Array.from({ length: 35 }, (_, i) => `2405.3${String(i).padStart(4, '0')}`);

let store: Store;
let app: FastifyInstance;
let owner: TestSession;
let shelf: Collection; // public
let secret: Collection; // private

before(async () => {
  store = await openSqliteStore(':memory:');
  await store.upsertPapers([...PAPERS, CONTROL]);
  owner = await signedIn(store, 'ada@example.org', NOW);
  const reader = await signedIn(store, 'bo@example.org', NOW);
  const at = (hour: number) => `2024-06-03T${String(hour).padStart(2, '0')}:00:00.000Z`;
  await store.community.vote(owner.user.key, HOSTILE_ID, true, at(10));
  await store.community.vote(reader.user.key, HOSTILE_ID, true, at(11));
  await store.community.vote(owner.user.key, MATH_ID, true, at(9));
  shelf = await store.community.createCollection({ userKey: owner.user.key, name: 'Reading <list> & more', description: 'Papers to read', public: true, now: at(1) });
  await store.community.addToCollection(shelf.key, RICH_ID, at(2));
  await store.community.addToCollection(shelf.key, HOSTILE_ID, at(3));
  shelf = (await store.community.collection(shelf.key))!;
  secret = await store.community.createCollection({ userKey: owner.user.key, name: 'Secret', public: false, now: at(1) });
  await store.community.addToCollection(secret.key, OLD_ID, at(2));
  app = await buildApp({ store, community: { baseUrl: BASE, now: () => NOW } });
});

after(async () => {
  await app.close();
  await store.close();
});

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

async function atomFeed(url: string): Promise<ParsedFeed & { body: string }> {
  const res = await get(url);
  assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 300)}`);
  assert.equal(res.headers['content-type'], 'application/atom+xml; charset=utf-8');
  return { ...(await parseAtom(res.body)), body: res.body };
}

async function json(url: string) {
  const res = await get(url);
  assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 300)}`);
  assert.equal(res.headers['content-type'], 'application/feed+json; charset=utf-8');
  return JSON.parse(res.body);
}

const ids = (feed: ParsedFeed) => feed.items.map((item) => item.guid.replace('https://arxiv.org/abs/', ''));
const link = (node: ParsedFeed['meta'] | ParsedFeed['items'][number], rel: string, type?: string) =>
  all(node['atom:link']).find((l) => l['@'].rel === rel && (type === undefined || l['@'].type === type))?.['@'].href as string | undefined;

/** Every feed of the hub: the Atom path and the page whose papers it carries. */
const FEEDS: { feed: string; page: string }[] = [
  { feed: '/feed.atom', page: '/' },
  { feed: '/feed.atom?date=2024-05-31', page: '/?date=2024-05-31' },
  { feed: '/week.atom', page: '/week/2024-W23' },
  { feed: '/month.atom', page: '/month/2024-06' },
  { feed: '/week/2024-W22.atom', page: '/week/2024-W22' },
  { feed: '/month/2024-05.atom', page: '/month/2024-05' },
  { feed: '/trending.atom', page: '/trending' },
  { feed: '/trending.atom?period=week', page: '/trending?period=week' },
  { feed: '/trending.atom?period=month', page: '/trending?period=month' },
  { feed: '/search.atom?q=diffusion', page: '/search?q=diffusion' },
  { feed: '/search.atom?q=diffusion&cat=cs.LG&mode=keyword', page: '/search?q=diffusion&cat=cs.LG&mode=keyword' },
  { feed: `${topicPath('protein diffusion')}.atom`, page: topicPath('protein diffusion') },
  { feed: `${authorPath('Jane Doe')}.atom`, page: authorPath('Jane Doe') },
  { feed: '', page: '' }, // the public collection, filled in once it exists
];
const feeds = () => FEEDS.map((f) => (f.feed ? f : { feed: `${collectionPath(shelf)}.atom`, page: collectionPath(shelf) }));

describe('every feed', () => {
  test('parses as Atom, with a stable feed id, absolute self and alternate links, and valid, consistent dates', async () => {
    const feedIds = new Set<string>();
    for (const { feed: path, page } of feeds()) {
      const feed = await atomFeed(path);
      const id = rawText(feed.meta['atom:id'])!;
      assert.match(id, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, path);
      feedIds.add(id);
      assert.equal(link(feed.meta, 'self'), `${BASE}${path}`, path);
      assert.equal(link(feed.meta, 'alternate', 'text/html'), `${BASE}${page}`, path);
      assert.equal(link(feed.meta, 'alternate', 'application/feed+json'), `${BASE}${jsonFeedPath(path)}`, path);
      assert.match(feed.meta.title, / · Paperboy$/);
      assert.equal(feed.meta.author, 'Paperboy');
      assert.match(feed.body, /<updated>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z<\/updated>/);
      const updated = feed.meta.date!.getTime();
      assert.ok(Number.isFinite(updated), path);
      assert.ok(feed.items.length > 0, `${path} has entries`);
      assert.equal(new Set(ids(feed)).size, feed.items.length, `${path}: entry ids are unique`);
      for (const item of feed.items) {
        assert.match(item.guid, /^https:\/\/arxiv\.org\/abs\/[\w./-]+$/);
        const id = item.guid.slice('https://arxiv.org/abs/'.length);
        assert.equal(link(item, 'alternate'), `${BASE}/papers/${id}`);
        const related = all(item['atom:link']).filter((l) => l['@'].rel === 'related').map((l) => l['@'].href);
        assert.deepEqual(related, [`https://arxiv.org/abs/${id}`, `https://arxiv.org/pdf/${id}`]);
        assert.equal(rawText(item['atom:title']) !== undefined && item['atom:title']['@'].type, 'text');
        assert.equal(item['atom:summary']['@'].type, 'text');
        assert.ok(item.pubdate && item.date, `${path} ${id}: published and updated`);
        assert.ok(item.pubdate.getTime() <= item.date.getTime(), `${path} ${id}: published before updated`);
        assert.ok(item.date.getTime() <= updated, `${path} ${id}: the feed is as new as its newest entry`);
      }
    }
    assert.equal(feedIds.size, FEEDS.length, 'each feed has an id of its own');
  });

  test('carries the same papers as its page, in the same order', async () => {
    for (const { feed: path, page } of feeds()) {
      const shown = cardIds((await get(page)).body);
      assert.ok(shown.length > 0, page);
      assert.deepEqual(ids(await atomFeed(path)).slice(0, shown.length), shown, path);
    }
  });

  test('the JSON Feed beside each has version 1.1, the required fields and the same entries', async () => {
    for (const { feed: path, page } of feeds()) {
      const [atomView, body] = [await atomFeed(path), await json(jsonFeedPath(path))];
      assert.equal(body.version, 'https://jsonfeed.org/version/1.1');
      assert.equal(body.title, atomView.meta.title);
      assert.equal(body.home_page_url, `${BASE}${page}`);
      assert.equal(body.feed_url, `${BASE}${jsonFeedPath(path)}`);
      assert.deepEqual(body.authors, [{ name: 'Paperboy', url: `${BASE}/` }]);
      assert.deepEqual(body.items.map((i: { id: string }) => i.id), atomView.items.map((i) => i.guid));
      for (const item of body.items) {
        assert.equal(typeof item.content_text, 'string');
        assert.match(item.url, new RegExp(`^${BASE}/papers/`));
        assert.ok(Date.parse(item.date_published) <= Date.parse(item.date_modified));
        assert.equal(item.attachments[0].mime_type, 'application/pdf');
      }
    }
  });

  test('feed and entry ids stay the same when the hub moves to another address, and differ between hubs', async () => {
    const moved = await buildApp({ store, community: { baseUrl: 'http://192.168.1.20:8080', now: () => NOW } });
    const other = await openSqliteStore(':memory:');
    await other.upsertPapers(PAPERS);
    const elsewhere = await buildApp({ store: other });
    try {
      const here = await atomFeed('/week/2024-W22.atom');
      const there = await parseAtom((await moved.inject('/week/2024-W22.atom')).body);
      assert.equal(rawText(there.meta['atom:id']), rawText(here.meta['atom:id']));
      assert.deepEqual(there.items.map((i) => i.guid), here.items.map((i) => i.guid));
      assert.equal(there.meta.xmlurl, 'http://192.168.1.20:8080/week/2024-W22.atom');
      const another = await parseAtom((await elsewhere.inject('/week/2024-W22.atom')).body);
      assert.notEqual(rawText(another.meta['atom:id']), rawText(here.meta['atom:id']));
    } finally {
      await moved.close();
      await elsewhere.close();
      await other.close();
    }
  });
});

describe('the daily feed', () => {
  test('the 7 days up to the latest day with papers, newest day first, most upvoted first within a day', async () => {
    const feed = await atomFeed('/feed.atom');
    // 3 June, 31 May, 29 May and 28 May have papers; 27 May is the eighth day back.
    assert.deepEqual(ids(feed), [MATH_ID, CONTROL_ID, HOSTILE_ID, RICH_ID, '2405.20001', '2405.20002', ...BUSY_IDS]);
    assert.equal(feed.meta.date!.toISOString(), `${LATEST_DAY}T00:00:00.000Z`);
    const days = feed.items.map((i) => i.date!.toISOString().slice(0, 10));
    assert.deepEqual(days, [...days].sort().reverse(), 'newest day first');
  });

  test('?date= is one day; a day not on the calendar is a 400; /feed, /atom, /rss and /feed.xml lead to it', async () => {
    assert.deepEqual(ids(await atomFeed('/feed.atom?date=2024-05-31')), [RICH_ID, '2405.20001']);
    const bad = await get('/feed.atom?date=2024-02-30');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /2024-02-30 is not a day on the calendar/);
    for (const alias of ['/feed', '/atom', '/rss', '/feed.xml']) {
      const res = await get(alias);
      assert.equal(res.statusCode, 301, alias);
      assert.equal(res.headers.location, '/feed.atom');
    }
    assert.equal((await get('/rss?date=2024-05-31')).headers.location, '/feed.atom?date=2024-05-31');
  });

  test('at most 100 entries, however busy the days', async () => {
    const busy = await openSqliteStore(':memory:');
    await busy.upsertPapers(Array.from({ length: 130 }, (_, i) => paper(`2406.1${String(i).padStart(4, '0')}`, { listedAt: '2024-06-10T00:00:00.000Z' })));
    const busyApp = await buildApp({ store: busy });
    try {
      for (const url of ['/feed.atom', '/feed.atom?date=2024-06-10', '/week.atom', '/month/2024-06.atom']) {
        assert.equal((await parseAtom((await busyApp.inject(url)).body)).items.length, 100, url);
      }
    } finally {
      await busyApp.close();
      await busy.close();
    }
  });

  test('an empty hub has an empty feed that still parses', async () => {
    const empty = await openSqliteStore(':memory:');
    const emptyApp = await buildApp({ store: empty });
    try {
      const res = await emptyApp.inject('/feed.atom');
      assert.equal(res.statusCode, 200);
      const feed = await parseAtom(res.body);
      assert.equal(feed.items.length, 0);
      assert.equal(res.headers['last-modified'], 'Thu, 01 Jan 1970 00:00:00 GMT');
    } finally {
      await emptyApp.close();
      await empty.close();
    }
  });
});

describe('week, month, trending, search, topic, author and collection feeds', () => {
  test('/week.atom and /month.atom follow the latest week and month; a bad week or month is the page’s 400', async () => {
    const week = await atomFeed('/week.atom');
    assert.equal(week.meta.title, 'Weekly papers · Paperboy');
    assert.equal(link(week.meta, 'self'), `${BASE}/week.atom`);
    assert.deepEqual(ids(week), [MATH_ID, CONTROL_ID, HOSTILE_ID]);
    assert.equal((await atomFeed('/month/2024-05.atom')).items.length, 39, 'all of May: 27, 28, 29 and 31 May');
    for (const [url, message] of [['/week/2024-W60.atom', /is not an ISO week/], ['/month/2024-13.json', /is not a month/]] as const) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, url);
      assert.match(res.body, message);
    }
  });

  test('trending: computed as of the last five minutes, each summary saying why the paper trends, first', async () => {
    const feed = await atomFeed('/trending.atom');
    assert.equal(feed.meta.date!.toISOString(), '2024-06-03T12:00:00.000Z');
    assert.deepEqual(ids(feed), [HOSTILE_ID, MATH_ID]);
    const summaries = feed.items.map((i) => rawText(i['atom:summary'])!);
    assert.equal(summaries[0]!.split('\n\n')[0], 'Why it trends: +2 upvotes in 24 h.');
    assert.equal(summaries[1]!.split('\n\n')[0], 'Why it trends: +1 upvote in 24 h.');
    assert.match(summaries[1]!, /\n\nWe show that a learned comparator sorts/);
    const bad = await get('/trending.atom?period=year');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /The parameter &quot;period&quot; expects day, week or month/);
  });

  test('search: the search page’s parameters, and its 400s', async () => {
    const feed = await atomFeed('/search.atom?mode=keyword&cat=cs.LG&q=diffusion');
    assert.equal(feed.meta.title, 'Search: diffusion cat:cs.LG · Paperboy');
    assert.equal(link(feed.meta, 'self'), `${BASE}/search.atom?q=diffusion&cat=cs.LG&mode=keyword`, 'the canonical address');
    assert.deepEqual(ids(feed), [RICH_ID]);
    const cases: [string, RegExp][] = [
      ['/search.atom', /A search feed needs a search/],
      ['/search.atom?q=%20-%20', /There is nothing to search for in “-”/],
      [`/search.atom?q=${'a'.repeat(501)}`, /the limit is 500/],
      ['/search.atom?q=x&mode=fuzzy', /The parameter &quot;mode&quot; expects/],
      ['/search.json?q=x&since=2024', /The parameter &quot;since&quot; expects a day/],
    ];
    for (const [url, message] of cases) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, url);
      assert.match(res.body, message, url);
    }
  });

  test('topics: a topic whose text ends in ".atom" keeps its page, and has a feed of its own', async () => {
    const q = 'protein.atom';
    assert.equal(topicPath(q), '/topics/protein%2Eatom');
    const page = await get(topicPath(q));
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /<h1>protein\.atom<\/h1>/);
    const feed = await atomFeed(`${topicPath(q)}.atom`);
    assert.equal(feed.meta.title, 'Topic: protein.atom · Paperboy');
    assert.equal(link(feed.meta, 'alternate', 'text/html'), `${BASE}/topics/protein%2Eatom`);
    const spaced = await get('/topics/%20protein%20diffusion%20.json');
    assert.equal(spaced.statusCode, 301);
    assert.equal(spaced.headers.location, '/topics/protein%20diffusion.json');
    assert.equal((await get('/topics/%20.atom')).statusCode, 400);
  });

  test('authors: any spelling leads to the feed of the name as the hub has it; an unknown author is a 404', async () => {
    const moved = await get('/authors/jane%20doe.atom');
    assert.equal(moved.statusCode, 301);
    assert.equal(moved.headers.location, '/authors/Jane%20Doe.atom');
    const feed = await atomFeed('/authors/Jane%20Doe.atom');
    assert.deepEqual(ids(feed), [CONTROL_ID, '2405.20001', RICH_ID], 'newest first');
    const unknown = await get('/authors/Nobody%20Atall.atom');
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /There is no author called “Nobody Atall” in this hub/);
  });

  test('collections: public ones only (a private one is a 404 even to its owner); unknown ones are a 404', async () => {
    const feed = await atomFeed(`${collectionPath(shelf)}.atom`);
    assert.equal(feed.meta.title, 'Reading <list> & more, a collection by ada · Paperboy');
    assert.equal(feed.meta.description, 'Papers to read');
    assert.deepEqual(ids(feed), [HOSTILE_ID, RICH_ID], 'latest additions first');
    assert.equal(feed.meta.date!.toISOString(), shelf.updatedAt, 'the last addition, later than any paper’s own date');
    for (const url of [`${collectionPath(secret)}.atom`, `${collectionPath(secret)}.json`, '/u/ada/collections/nothing.atom', '/u/nobody/collections/x.atom']) {
      const res = await get(url, { cookie: owner.cookie });
      assert.equal(res.statusCode, 404, url);
      assert.match(res.body, /There is no such collection/);
    }
    assert.equal((await get(collectionPath(secret), { cookie: owner.cookie })).statusCode, 200, 'its page is still there for its owner');
  });
});

describe('untrusted text', () => {
  test('a hostile title comes back as the exact text, escaped in the XML, never as markup', async () => {
    const feed = await atomFeed('/feed.atom');
    const hostile = feed.items.find((i) => i.guid.endsWith(HOSTILE_ID))!;
    assert.equal(rawText(hostile['atom:title']), HOSTILE_TITLE);
    assert.deepEqual(all(hostile['atom:author']).map((a) => rawText(a.name)), ['<script>alert(4)</script> Mallory', 'Eve']);
    assert.match(rawText(hostile['atom:summary'])!, /<b>bold<\/b> "quotes" & ampersands, <svg onload=alert\(2\)>/);
    assert.ok(feed.body.includes('&lt;img src=x onerror=alert(1)&gt; Adversarial &lt;script&gt;window.__pwned=1&lt;/script&gt; titles'));
    assert.doesNotMatch(feed.body, /<script|<img|<svg|<b>/);
    const body = await json('/feed.json');
    assert.equal(body.items.find((i: { id: string }) => i.id.endsWith(HOSTILE_ID)).title, HOSTILE_TITLE);
    const collection = await json(`${collectionPath(shelf)}.json`);
    assert.equal(collection.title, 'Reading <list> & more, a collection by ada · Paperboy');
  });

  test('characters XML 1.0 forbids are stripped, from Atom and JSON alike; the rest (U+202E) is kept as it is', async () => {
    const feed = await atomFeed('/feed.atom');
    assert.ok(onlyXmlChars(feed.body), 'no character XML 1.0 forbids');
    const control = feed.items.find((i) => i.guid.endsWith(CONTROL_ID))!;
    assert.equal(rawText(control['atom:title']), 'Bidi \u202Eevil\u202C and a NUL in a title');
    assert.equal(rawText(control['atom:summary']), 'A verticaltab, a formfeed, a bell and U+FFFE, none of which XML can carry.');
    assert.deepEqual(all(control['atom:author']).map((a) => rawText(a.name)), ['Zed Bell', 'Jane Doe']);
    const item = (await json('/feed.json')).items.find((i: { id: string }) => i.id.endsWith(CONTROL_ID));
    assert.equal(item.title, 'Bidi \u202Eevil\u202C and a NUL in a title');
    assert.equal(item.content_text, 'A verticaltab, a formfeed, a bell and U+FFFE, none of which XML can carry.');
  });

  test('lone surrogates go too, while a character written as a surrogate pair stays', async () => {
    const summary: PaperSummary = {
      id: '2406.00002',
      title: 'Lone \uD800 high, lone \uDC00 low, and a pair 😀 kept',
      abstract: 'Ends on a lone high surrogate \uD83D',
      authors: [],
      categories: [],
      listedAt: '2024-06-03T00:00:00.000Z',
    };
    const entry = paperEntry(summary, BASE);
    const model: FeedModel = {
      id: 'urn:uuid:00000000-0000-5000-8000-000000000000',
      title: 'Test',
      description: '',
      updated: entry.updated,
      author: { name: 'Paperboy', url: `${BASE}/` },
      links: { html: `${BASE}/`, atom: `${BASE}/feed.atom`, json: `${BASE}/feed.json` },
      entries: [entry],
    };
    const xml = atom(model);
    assert.ok(onlyXmlChars(xml));
    const [item] = (await parseAtom(xml)).items;
    assert.equal(rawText(item!['atom:title']), 'Lone  high, lone  low, and a pair 😀 kept');
    const body = jsonFeed(model);
    assert.doesNotMatch(body, /\\ud8|\\udc/i);
    assert.equal(JSON.parse(body).items[0].content_text, 'Ends on a lone high surrogate ');
  });
});

describe('HTTP caching', () => {
  test('a strong ETag and Last-Modified, answered with 304 and no body; If-None-Match decides when both are sent', async () => {
    const first = await get('/feed.atom');
    const etag = first.headers.etag as string;
    assert.match(etag, /^"[\w-]{43}"$/, 'strong: no W/');
    assert.equal(first.headers['last-modified'], 'Mon, 03 Jun 2024 00:00:00 GMT');
    assert.equal(first.headers['cache-control'], 'public, max-age=300');
    assert.equal((await get('/feed.atom')).headers.etag, etag, 'the same body, the same tag');
    assert.notEqual((await get('/feed.json')).headers.etag, etag, 'another body, another tag');

    for (const headers of <Record<string, string>[]>[{ 'if-none-match': etag }, { 'if-none-match': `"other", W/${etag}` }, { 'if-modified-since': 'Mon, 03 Jun 2024 00:00:00 GMT' }, { 'if-modified-since': 'Tue, 04 Jun 2024 00:00:00 GMT' }]) {
      const res = await get('/feed.atom', headers);
      assert.equal(res.statusCode, 304, JSON.stringify(headers));
      assert.equal(res.body, '');
      assert.equal(res.headers.etag, etag);
    }
    for (const headers of <Record<string, string>[]>[{ 'if-none-match': '"other"' }, { 'if-modified-since': 'Sun, 02 Jun 2024 23:59:59 GMT' }, { 'if-none-match': '"other"', 'if-modified-since': 'Tue, 04 Jun 2024 00:00:00 GMT' }]) {
      const res = await get('/feed.atom', headers);
      assert.equal(res.statusCode, 200, JSON.stringify(headers));
      assert.equal(res.body, first.body);
    }
  });

  test('a change to what the feed lists changes its ETag and Last-Modified', async () => {
    const url = `${collectionPath(shelf)}.atom`;
    const before = await get(url);
    await store.community.addToCollection(shelf.key, MATH_ID, '2024-06-03T11:30:00.000Z');
    try {
      const res = await get(url, { 'if-none-match': before.headers.etag as string, 'if-modified-since': before.headers['last-modified'] as string });
      assert.equal(res.statusCode, 200);
      assert.notEqual(res.headers.etag, before.headers.etag);
      assert.equal(res.headers['last-modified'], 'Mon, 03 Jun 2024 11:30:00 GMT');
      assert.deepEqual(ids(await parseAtom(res.body)), [MATH_ID, HOSTILE_ID, RICH_ID]);
    } finally {
      await store.community.removeFromCollection(shelf.key, MATH_ID);
    }
  });

  test('no cookie on a feed, which shared caches may keep; HEAD gives the headers alone', async () => {
    assert.ok((await get('/')).headers['set-cookie'], 'pages set the CSRF cookie');
    const res = await get('/trending.atom');
    assert.equal(res.headers['set-cookie'], undefined);
    const head = await app.inject({ method: 'HEAD', url: '/trending.atom' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers.etag, res.headers.etag);
  });
});

describe('autodiscovery and the Follow bar', () => {
  const ATOM = 'application/atom+xml';
  const JSON_FEED = 'application/feed+json';
  const HUB = [
    { type: ATOM, title: 'Daily papers · Paperboy', href: '/feed.atom' },
    { type: ATOM, title: 'Trending today · Paperboy', href: '/trending.atom' },
  ];
  const own = (title: string, href: string) => [
    { type: ATOM, title: `${title} · Paperboy`, href },
    ...HUB.filter((h) => h.href !== href),
    { type: JSON_FEED, title: `${title} · Paperboy`, href: jsonFeedPath(href) },
  ];

  test('every page’s head offers its own feeds first, then the hub’s daily and trending feeds, and each of them works', async () => {
    const pages: [string, typeof HUB][] = [
      ['/', own('Daily papers', '/feed.atom')],
      ['/?date=2024-05-31', own('Daily papers: 31 May 2024', '/feed.atom?date=2024-05-31')],
      ['/week/2024-W22', own('Weekly papers: Week 22, 2024', '/week/2024-W22.atom')],
      ['/month/2024-05', own('Monthly papers: May 2024', '/month/2024-05.atom')],
      ['/trending?period=week', own('Trending this week', '/trending.atom?period=week')],
      ['/trending', own('Trending today', '/trending.atom')],
      ['/search?q=diffusion&cat=cs.LG', own('Search: diffusion cat:cs.LG', '/search.atom?q=diffusion&cat=cs.LG')],
      [topicPath('protein diffusion'), own('Topic: protein diffusion', '/topics/protein%20diffusion.atom')],
      [authorPath('Jane Doe'), own('Papers by Jane Doe', '/authors/Jane%20Doe.atom')],
      [collectionPath(shelf), own('Reading <list> & more, a collection by ada', `${collectionPath(shelf)}.atom`)],
      [`/papers/${RICH_ID}`, HUB],
      ['/search', HUB],
      ['/feeds', [
        ...['Daily papers', 'Weekly papers', 'Monthly papers', 'Trending today', 'Trending this week', 'Trending this month'].map((t, i) => ({
          type: ATOM,
          title: `${t} · Paperboy`,
          href: ['/feed.atom', '/week.atom', '/month.atom', '/trending.atom', '/trending.atom?period=week', '/trending.atom?period=month'][i]!,
        })),
      ]],
    ];
    for (const [url, expected] of pages) {
      const res = await get(url);
      assert.equal(res.statusCode, 200, url);
      const found = alternates(res.body);
      assert.deepEqual(found.filter((a) => url !== '/feeds' || a.type === ATOM), expected, url);
      for (const alternate of found) {
        const feed = await get(alternate.href);
        assert.equal(feed.statusCode, 200, `${url} → ${alternate.href}`);
        assert.equal(feed.headers['content-type'], `${alternate.type}; charset=utf-8`);
        if (alternate.type === ATOM) await parseAtom(feed.body);
        else assert.equal(JSON.parse(feed.body).version, 'https://jsonfeed.org/version/1.1');
      }
    }
  });

  test('a private collection offers no feed, not even to its owner', async () => {
    const res = await get(collectionPath(secret), { cookie: owner.cookie });
    assert.deepEqual(alternates(res.body), HUB);
    assert.doesNotMatch(res.body, /class="delivery/);
  });

  test('the Follow bar: the page’s own feed, and what Subscribe sends', async () => {
    const bars: [string, { feed: string; kind: string; target: string; banner: boolean }][] = [
      ['/', { feed: '/feed.atom', kind: 'trending', target: '', banner: true }],
      ['/week/2024-W22', { feed: '/week/2024-W22.atom', kind: 'trending', target: '', banner: false }],
      ['/trending?period=month', { feed: '/trending.atom?period=month', kind: 'trending', target: '', banner: false }],
      ['/search?q=diffusion&cat=cs.LG&since=2020-01-01', { feed: '/search.atom?q=diffusion&cat=cs.LG&since=2020-01-01', kind: 'search', target: 'diffusion cat:cs.LG since:2020-01-01', banner: false }],
      ['/search?q=zzzzqqq', { feed: '/search.atom?q=zzzzqqq', kind: 'search', target: 'zzzzqqq', banner: false }],
      [topicPath('protein diffusion'), { feed: '/topics/protein%20diffusion.atom', kind: 'search', target: 'protein diffusion', banner: false }],
      [authorPath('Jane Doe'), { feed: '/authors/Jane%20Doe.atom', kind: 'author', target: 'Jane Doe', banner: false }],
      [collectionPath(shelf), { feed: `${collectionPath(shelf)}.atom`, kind: 'collection', target: String(shelf.key), banner: false }],
    ];
    for (const [url, expected] of bars) {
      const body = (await get(url)).body;
      const bar = body.slice(body.indexOf('<aside class="delivery'), body.indexOf('</aside>', body.indexOf('<aside class="delivery')));
      assert.ok(bar.length > 0, `${url} has a Follow bar`);
      assert.equal(bar.startsWith('<aside class="delivery delivery-banner"'), expected.banner, url);
      assert.equal(decodeAmp(/<a class="feed-link" href="([^"]+)"/.exec(bar)?.[1]), expected.feed, url);
      assert.equal(/name="kind" value="([^"]*)"/.exec(bar)?.[1], expected.kind, url);
      assert.equal(/name="target" value="([^"]*)"/.exec(bar)?.[1], expected.target, url);
    }
    assert.doesNotMatch((await get('/search')).body, /class="delivery/, 'no bar on a search without words');
  });

  test('/feeds lists the hub’s feeds with their addresses and points to the digests; every footer links to it', async () => {
    const res = await get('/feeds');
    assert.match(res.body, /<h1>Follow this hub<\/h1>/);
    for (const path of ['/feed.atom', '/week.atom', '/month.atom', '/trending.atom', '/trending.atom?period=week', '/trending.atom?period=month']) {
      assert.ok(res.body.includes(`<code class="feed-url">${BASE}${path}</code>`), path);
    }
    assert.match(res.body, /every search, topic page, author page and public collection has a feed of its own/i);
    assert.match(res.body, /<a href="\/subscribe\?kind=trending">/);
    for (const url of ['/', `/papers/${RICH_ID}`, '/feeds']) assert.match((await get(url)).body, /<footer[\s\S]*<a href="\/feeds">Feeds<\/a>/, url);
  });
});

function decodeAmp(s: string | undefined): string | undefined {
  return s?.replace(/&amp;/g, '&');
}
