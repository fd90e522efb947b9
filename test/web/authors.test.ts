// Author pages over HTTP (app.inject): an author's papers newest first, 30 a page, found by any
// spelling; the count, the search link, frequent co-authors, the feed, and helpful 404s.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { PaperRecord } from '../../src/paper/types.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { buildApp } from '../../src/web/app.ts';
import { authorPath, authorSearchPath } from '../../src/web/urls.ts';
import { cardIds, parseAtom } from '../helpers/feeds.ts';
import { paper } from '../helpers/papers.ts';
import { HOSTILE_ID, PAPERS, RICH_ID, visible } from './fixtures.ts';

const NAME = 'Émile Noël';
const PROLIFIC = 65; // three pages of 30
const COLLABORATION = Array.from({ length: 59 }, (_, i) => `Member ${i + 1}`);

/** Émile's papers, the i-th published i days after New Year 2023; who else wrote each is set below. */
function emile(i: number, coAuthors: string[]): PaperRecord {
  const day = new Date(Date.UTC(2023, 0, 1 + i)).toISOString();
  return paper(`2301.${String(50000 + i)}`, { title: `Émile's paper ${i}`, authors: [NAME, ...coAuthors], published: day, updated: day, listedAt: day });
}

const coAuthorsOf = (i: number): string[] => {
  if (i < 3) return ['Grace Hopper', ...(i < 2 ? ['Alan Turing'] : [])]; // Grace on 3, Alan on 2
  if (i === 3) return ['Solo Person', 'grace hopper']; // Grace's 4th, spelt another way; Solo on 1 only
  if (i === 4 || i === 5) return COLLABORATION; // 60 authors: left out of the count
  return [];
};
const EMILE = Array.from({ length: PROLIFIC }, (_, i) => emile(i, coAuthorsOf(i)));
const NEWEST_FIRST = EMILE.map((p) => p.id).reverse();

let store: Store;
let app: FastifyInstance;

before(async () => {
  store = await openSqliteStore(':memory:');
  await store.upsertPapers([...PAPERS, ...EMILE, paper('2406.00003', { authors: ['A/B Tester'], listedAt: '2024-06-01T00:00:00.000Z' })]);
  app = await buildApp({ store });
});
after(async () => {
  await app.close();
  await store.close();
});

const get = (url: string) => app.inject({ method: 'GET', url });

describe('/authors/:name', () => {
  test('the papers newest first, 30 a page, with the count, a search for the name and the Follow bar', async () => {
    const res = await get(authorPath(NAME));
    assert.equal(res.statusCode, 200);
    assert.equal(authorPath(NAME), '/authors/%C3%89mile%20No%C3%ABl');
    const text = visible(res.body);
    assert.match(res.body, /<h1>Émile Noël<\/h1>/);
    assert.match(text, /65 papers in this hub, newest first, page 1 of 3\./);
    assert.deepEqual(cardIds(res.body), NEWEST_FIRST.slice(0, 30));
    assert.ok(res.body.includes(`<a href="${authorSearchPath(NAME)}">author:"Émile Noël"</a>`));
    assert.equal(authorSearchPath(NAME), '/search?q=author%3A%22%C3%89mile+No%C3%ABl%22');
    assert.ok(res.body.includes('<a rel="next" href="/authors/%C3%89mile%20No%C3%ABl?page=2">Next →</a>'));
    assert.match(res.body, /<input type="hidden" name="kind" value="author">\s*<input type="hidden" name="target" value="Émile Noël">/);
    assert.match(res.body, /<a class="feed-link" href="\/authors\/%C3%89mile%20No%C3%ABl\.atom"/);
  });

  test('later pages, and a page past the last is a 404 that links to the last', async () => {
    const second = await get(`${authorPath(NAME)}?page=2`);
    assert.deepEqual(cardIds(second.body), NEWEST_FIRST.slice(30, 60));
    const third = await get(`${authorPath(NAME)}?page=3`);
    assert.deepEqual(cardIds(third.body), NEWEST_FIRST.slice(60));
    assert.match(visible(third.body), /page 3 of 3/);
    const past = await get(`${authorPath(NAME)}?page=4`);
    assert.equal(past.statusCode, 404);
    assert.match(visible(past.body), /There is no page 4 here: Émile Noël has 3 pages of papers\./);
    assert.ok(past.body.includes('href="/authors/%C3%89mile%20No%C3%ABl?page=3"'));
    assert.equal((await get(`${authorPath(NAME)}?page=0`)).statusCode, 400);
  });

  test('any spelling of the name leads to the name as the hub has it', async () => {
    for (const spelling of ['emile noel', 'EMILE NOËL', 'Émile  Noël']) {
      const res = await get(`/authors/${encodeURIComponent(spelling)}?page=2`);
      assert.equal(res.statusCode, 301, spelling);
      assert.equal(res.headers.location, '/authors/%C3%89mile%20No%C3%ABl?page=2');
    }
  });

  test('frequent co-authors: at least two papers together, any spelling as one, collaborations left out', async () => {
    const body = (await get(authorPath(NAME))).body;
    const box = body.slice(body.indexOf('<section class="side-box co-authors"'), body.indexOf('</section>', body.indexOf('co-authors')));
    const listed = [...box.matchAll(/<li><a href="([^"]+)">([^<]+)<\/a> <span class="muted">(\d+) papers together<\/span><\/li>/g)].map((m) => [m[1], m[2], Number(m[3])]);
    assert.deepEqual(listed, [
      [authorPath('Grace Hopper'), 'Grace Hopper', 4],
      [authorPath('Alan Turing'), 'Alan Turing', 2],
    ]);
    const single = (await get(authorPath('Juan Maldacena'))).body;
    assert.doesNotMatch(single, /Frequent co-authors/, 'an author with no repeated co-author has no box');
  });

  test('an unknown author is a 404 that offers a search; so is /authors/ without a name', async () => {
    const res = await get('/authors/Nobody%20Atall');
    assert.equal(res.statusCode, 404);
    assert.match(visible(res.body), /There is no author called “Nobody Atall” in this hub\./);
    assert.ok(res.body.includes(`<a href="${authorSearchPath('Nobody Atall')}">Search for author:&quot;Nobody Atall&quot;</a>`));
    const blank = await get('/authors/');
    assert.equal(blank.statusCode, 404);
    assert.match(visible(blank.body), /An author page needs a name/);
  });

  test('hostile names are text, and a name with a slash has a page of its own', async () => {
    const hostile = await get(authorPath('<script>alert(4)</script> Mallory'));
    assert.equal(hostile.statusCode, 200);
    assert.match(hostile.body, /<h1>&lt;script&gt;alert\(4\)&lt;\/script&gt; Mallory<\/h1>/);
    assert.doesNotMatch(hostile.body, /<script>alert/);
    assert.deepEqual(cardIds(hostile.body), [HOSTILE_ID]);
    assert.equal(authorPath('A/B Tester'), '/authors/A%2FB%20Tester');
    const slashed = await get(authorPath('A/B Tester'));
    assert.equal(slashed.statusCode, 200);
    assert.deepEqual(cardIds(slashed.body), ['2406.00003']);
  });

  test('every author link on a paper page leads to a page that lists the paper', async () => {
    const body = (await get(`/papers/${RICH_ID}`)).body;
    const links = [...body.matchAll(/<a href="(\/authors\/[^"]+)">/g)].map((m) => m[1]!);
    assert.deepEqual(links, ['/authors/Jane%20Doe', '/authors/John%20Roe']);
    for (const href of links) {
      const res = await get(href);
      assert.equal(res.statusCode, 200, href);
      assert.ok(cardIds(res.body).includes(RICH_ID), href);
    }
  });

  test('the author feed carries the first page’s papers', async () => {
    const res = await get(`${authorPath(NAME)}.atom`);
    assert.equal(res.statusCode, 200);
    const feed = await parseAtom(res.body);
    assert.equal(feed.meta.title, 'Papers by Émile Noël · Paperboy');
    assert.deepEqual(feed.items.map((i) => i.guid), NEWEST_FIRST.slice(0, 30).map((id) => `https://arxiv.org/abs/${id}`));
  });
});
