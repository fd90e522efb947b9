// Every route over HTTP (app.inject): status codes, what a reader sees, escaping, math, headers,
// and that bad parameters get a 4xx that explains itself, never a 500.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { buildApp } from '../../src/web/app.ts';
import { BUSY_DAY, EMPTY_DAY, fixtureStore, HOSTILE_ID, HOSTILE_TITLE, LATEST_DAY, MATH_ID, OLD_ID, RICH_ID, visible } from './fixtures.ts';

let app: FastifyInstance;
let store: Store;

before(async () => {
  store = await fixtureStore();
  app = await buildApp({ store });
});
after(async () => {
  await app.close();
  await store.close();
});

async function get(url: string) {
  return app.inject({ method: 'GET', url });
}


function cardCount(body: string): number {
  return (body.match(/<article class="card/g) ?? []).length;
}

/** Untrusted markup must never appear as markup. */
function assertNoHostileMarkup(body: string): void {
  assert.doesNotMatch(body, /<img src=x/i);
  assert.doesNotMatch(body, /<script>/i);
  assert.doesNotMatch(body, /<svg onload/i);
  assert.doesNotMatch(body, /href="javascript:/i);
}

describe('daily listing', () => {
  test('/ shows the latest day, most upvoted first, with math rendered and hostile text escaped', async () => {
    const res = await get('/');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/html/);
    const text = visible(res.body);
    assert.match(text, /Monday, 3 June 2024/);
    assert.match(text, /2 papers/);
    assert.match(res.body, /class="katex"/);
    assert.ok(text.indexOf('learned comparators') < text.indexOf('Adversarial'), 'sorted by upvotes');
    assert.ok(text.includes(HOSTILE_TITLE), 'the hostile title is shown as text');
    assert.match(res.body, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assertNoHostileMarkup(res.body);
    // the card: authors with et al., GitHub stars, comments, chips linking to cat: searches
    assert.match(text, /Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra et al\. \(\+2\)/);
    assert.match(res.body, /href="https:\/\/github\.com\/example\/learned-sort"/);
    assert.match(text, /★ 1\.2k/);
    assert.match(res.body, /<a class="chip" href="\/search\?q=cat%3Acs\.DS">cs\.DS<\/a>/);
    assert.match(res.body, new RegExp(`href="/papers/${MATH_ID}"`));
    assert.match(res.body, /<span class="vote-count">87<\/span>/);
    // neighbours: an earlier day with papers, nothing later
    assert.match(res.body, /<a rel="prev" href="\/\?date=2024-05-31">/);
    assert.doesNotMatch(res.body, /rel="next"/);
  });

  test('?date= shows that day; sort=recent reorders', async () => {
    const res = await get('/?date=2024-05-31');
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /Friday, 31 May 2024/);
    assert.ok(text.indexOf('protein structure') < text.indexOf('long videos'));
    assert.match(res.body, /<a rel="prev" href="\/\?date=2024-05-29">/);
    assert.match(res.body, new RegExp(`<a rel="next" href="/\\?date=${LATEST_DAY}">`));
    const recent = await get('/?date=2024-05-31&sort=recent');
    assert.equal(recent.statusCode, 200);
    assert.match(recent.body, /<a href="\/\?date=2024-05-31&amp;sort=recent" aria-current="true">Most recent<\/a>/);
  });

  test('the day picker: an empty date= means the latest day', async () => {
    const res = await get('/?date=');
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /Monday, 3 June 2024/);
    assert.match(res.body, /<form class="jump" action="\/" method="get">/);
    assert.match(res.body, /<input id="jump-date" type="date" name="date" value="2024-06-03">/);
  });

  test('a busy day is paged', async () => {
    const first = await get(`/?date=${BUSY_DAY}`);
    assert.equal(first.statusCode, 200);
    assert.equal(cardCount(first.body), 30);
    assert.match(visible(first.body), /35 papers · page 1 of 2/);
    assert.match(first.body, new RegExp(`<a rel="next" href="/\\?date=${BUSY_DAY}&amp;page=2">`));
    const second = await get(`/?date=${BUSY_DAY}&page=2`);
    assert.equal(second.statusCode, 200);
    assert.equal(cardCount(second.body), 5);
    const beyond = await get(`/?date=${BUSY_DAY}&page=3`);
    assert.equal(beyond.statusCode, 404);
    assert.match(visible(beyond.body), /There is no page 3 here: .* has 2 pages/);
  });

  test('a day without papers shows an empty state and the nearest days', async () => {
    const res = await get(`/?date=${EMPTY_DAY}`);
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /No papers were listed on Thursday, 30 May 2024/);
    assert.match(res.body, /href="\/\?date=2024-05-29"/);
    assert.match(res.body, /href="\/\?date=2024-05-31"/);
  });

  for (const [url, expected] of [
    ['/?date=2024-02-30', /2024-02-30 is not a day on the calendar/],
    ['/?date=junk', /"date" expects a day written YYYY-MM-DD, like 2024-05-31\. You gave "junk"/],
    ['/?date=2024-5-1', /"date" expects a day written YYYY-MM-DD/],
    ['/?date=9999-12-31', /not between 1900 and 2999/],
    ['/?page=0', /"page" expects a whole number from 1 to 1000/],
    ['/?page=abc', /"page" expects a whole number/],
    ['/?page=1.5', /"page" expects a whole number/],
    ['/?page=99999999999999999999', /"page" expects a whole number/],
    ['/?sort=bogus', /"sort" expects either "upvotes"/],
    ['/?date=<script>alert(1)</script>', /"date" expects a day/],
  ] as const) {
    test(`bad parameters: ${url} -> 400 with a message`, async () => {
      const res = await get(url);
      assert.equal(res.statusCode, 400);
      assert.match(res.headers['content-type'] as string, /text\/html/);
      assert.match(visible(res.body), expected);
      assertNoHostileMarkup(res.body);
      assert.doesNotMatch(res.body, /at .*\.ts:\d+/, 'no stack trace');
    });
  }
});

describe('weekly and monthly listings', () => {
  test('/week and /month open on the period of the latest day', async () => {
    const week = await get('/week');
    assert.equal(week.statusCode, 302);
    assert.equal(week.headers.location, '/week/2024-W23');
    const month = await get('/month');
    assert.equal(month.statusCode, 302);
    assert.equal(month.headers.location, '/month/2024-06');
  });

  test('/week/YYYY-Www lists the week with a bar chart per day and tabs', async () => {
    const res = await get('/week/2024-W22');
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /Week 22 of 2024 \(27 May – 2 June\)/);
    assert.match(text, /39 papers · page 1 of 2/);
    assert.equal((res.body.match(/<span class="bar"/g) ?? []).length, 7);
    assert.match(res.body, new RegExp(`<a href="/\\?date=${BUSY_DAY}" title="Tuesday, 28 May 2024: 35 papers"`));
    assert.match(res.body, /<li class="empty" title="Thursday, 30 May 2024: 0 papers">/);
    assert.match(res.body, /<nav class="tabs"[^>]*><a href="\/\?date=2024-05-31">Day<\/a><a href="\/week\/2024-W22" aria-current="page">Week<\/a><a href="\/month\/2024-05">Month<\/a>/);
    assert.match(res.body, /<a rel="next" href="\/week\/2024-W23">/);
    assert.ok(text.indexOf('protein structure') < text.indexOf('Busy day paper number 1 '), '152 upvotes before 100');
    const page2 = await get('/week/2024-W22?page=2');
    assert.equal(cardCount(page2.body), 9);
  });

  test('/month/YYYY-MM lists the month with one bar per day', async () => {
    const res = await get('/month/2024-05');
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /May 2024/);
    assert.equal((res.body.match(/<span class="bar"/g) ?? []).length, 31);
    assert.match(res.body, /<a rel="next" href="\/month\/2024-06">/);
    assert.doesNotMatch(res.body, /rel="prev"/);
  });

  test('a week in a 53-week year is valid; a month without papers has an empty state', async () => {
    const w53 = await get('/week/2020-W53');
    assert.equal(w53.statusCode, 200);
    assert.match(visible(w53.body), /No papers were listed in Week 53 of 2020/);
    const empty = await get('/month/2023-01');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /href="\/\?date=2024-05-27"/, 'the nearest day with papers');
  });

  for (const [url, expected] of [
    ['/week/2024-W60', /"2024-W60" is not an ISO week/],
    ['/week/2021-W53', /"2021-W53" is not an ISO week/],
    ['/week/2024-22', /is not an ISO week/],
    ['/week/%3Cscript%3E', /is not an ISO week/],
    ['/month/2024-13', /"2024-13" is not a month/],
    ['/month/24-05', /is not a month/],
    ['/month/1000-01', /a year from 1900 to 2999/],
    ['/week/9999-W52', /a year from 1900 to 2999/],
    ['/week/2024-W22?page=-1', /"page" expects/],
    ['/month/2024-05?sort=best', /"sort" expects/],
  ] as const) {
    test(`bad period: ${url} -> 400`, async () => {
      const res = await get(url);
      assert.equal(res.statusCode, 400);
      assert.match(visible(res.body), expected);
      assertNoHostileMarkup(res.body);
    });
  }
});

describe('an empty hub', () => {
  test('tells the user how to import, with the default hint or the one given', async () => {
    const empty = await openSqliteStore(':memory:');
    const plain = await buildApp({ store: empty });
    const custom = await buildApp({ store: empty, siteName: 'Lab <Papers>', emptyStateHint: 'Run `make import` first.' });
    try {
      const res = await plain.inject('/');
      assert.equal(res.statusCode, 200);
      const text = visible(res.body);
      assert.match(text, /There are no papers in this hub yet/);
      assert.match(res.body, /<code>npx paperboy ingest PATH<\/code>/);
      assert.match(res.body, /<code>npx paperboy harvest --from 2024-05-01<\/code>/);
      const week = await plain.inject('/week/2024-W22');
      assert.match(visible(week.body), /There are no papers in this hub yet/);
      assert.equal((await plain.inject('/week')).statusCode, 302);
      const own = await custom.inject('/');
      assert.match(own.body, /Run <code>make import<\/code> first\./);
      assert.match(own.body, /<title>No papers yet · Lab &lt;Papers&gt;<\/title>/);
    } finally {
      await plain.close();
      await custom.close();
      await empty.close();
    }
  });
});

describe('paper pages', () => {
  test('/papers/:id shows everything known about the paper', async () => {
    const res = await get(`/papers/${RICH_ID}`);
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /Diffusion models for protein structure generation/);
    assert.match(text, /Jane Doe\s*,\s*John Roe/);
    assert.match(res.body, /<p>We introduce a diffusion model over protein backbones that generates designable structures\.<\/p>\s*<p>A second paragraph/);
    assert.match(text, /Published 13 Jul 2022/);
    assert.match(text, /Updated 20 Jan 2023/);
    assert.match(text, /v2 20 Jan 2023 2\.4MB/);
    assert.match(text, /v1 13 Jul 2022 2\.1MB/);
    assert.match(res.body, /href="https:\/\/arxiv\.org\/abs\/2207\.06389"/);
    assert.match(res.body, /href="https:\/\/arxiv\.org\/pdf\/2207\.06389"/);
    assert.match(res.body, /href="https:\/\/github\.com\/example\/protein-diffusion"/);
    assert.match(res.body, /href="https:\/\/example\.org\/protein-diffusion"/);
    assert.match(res.body, /href="https:\/\/doi\.org\/10\.48550\/arXiv\.2207\.06389"/);
    assert.match(text, /ICML 2023 camera ready/);
    assert.match(text, /Proceedings of ICML 2023, pp\. 1-20/);
    assert.match(text, /CC BY 4\.0/);
    assert.match(text, /152 upvotes/);
    assert.match(text, /submitted by akhaliq/);
    assert.match(text, /AI summary/);
    assert.match(res.body, /class="ai-summary"[\s\S]*class="katex"/);
    assert.match(res.body, /<a class="chip chip-soft" href="\/search\?q=%22protein\+design%22">protein design<\/a>/);
    assert.match(res.body, /<a class="chip" href="\/search\?q=cat%3Aq-bio\.BM">q-bio\.BM<\/a>/);
    assert.match(res.body, /<a href="\/authors\/Jane%20Doe">Jane Doe<\/a>/);
    // No meaning model in this hub: similar papers are the ones sharing keywords, and say so.
    assert.match(text, /Sharing keywords/);
    assert.doesNotMatch(text, /Similar in meaning/);
    assert.match(text, /Diffusion transformers scale to long videos/);
    assert.match(res.body, /<a class="more-like" href="\/search\?like=2207\.06389">More like this →<\/a>/);
  });

  test('an old-style id with its slash works', async () => {
    const res = await get(`/papers/${OLD_ID}`);
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /Juan Maldacena/);
    assert.match(visible(res.body), /v3 1 Feb 1999 42kb/);
    assert.match(res.body, /href="https:\/\/arxiv\.org\/abs\/hep-th\/9901001v2"/);
  });

  for (const [given, canonical] of [
    ['arXiv:2207.06389v2', RICH_ID],
    ['2207.06389v2', RICH_ID],
    ['2207.06389/', RICH_ID],
    ['https://arxiv.org/abs/2207.06389v1', RICH_ID],
    ['HEP-TH/9901001', OLD_ID],
    ['hep-th/9901001v3', OLD_ID],
    ['math.GT/0309136', 'math/0309136'],
  ] as const) {
    test(`/papers/${given} redirects (301) to /papers/${canonical}`, async () => {
      const res = await get(`/papers/${given}`);
      assert.equal(res.statusCode, 301);
      assert.equal(res.headers.location, `/papers/${canonical}`);
    });
  }

  test('a valid id that is not here: 404 saying how to fetch it', async () => {
    const res = await get('/papers/2405.99999');
    assert.equal(res.statusCode, 404);
    const text = visible(res.body);
    assert.match(text, /not in this hub/);
    assert.match(text, /npx paperboy fetch 2405\.99999/);
    assert.match(res.body, /href="https:\/\/arxiv\.org\/abs\/2405\.99999"/);
  });

  for (const garbage of ['garbage', '2207.063', '2213.00001', '<script>alert(1)</script>', '', '..%2F..%2Fetc%2Fpasswd']) {
    test(`an invalid id (${JSON.stringify(garbage)}): 400 listing the accepted forms`, async () => {
      const res = await get(`/papers/${garbage}`);
      assert.equal(res.statusCode, 400);
      const text = visible(res.body);
      assert.match(text, /does not look like an arXiv identifier/);
      assert.match(text, /\/papers\/2207\.06389v2/);
      assert.match(text, /\/papers\/hep-th\/9901001/);
      assertNoHostileMarkup(res.body);
    });
  }

  test('a hostile paper page escapes title, authors, abstract and comments', async () => {
    const res = await get(`/papers/${HOSTILE_ID}`);
    assert.equal(res.statusCode, 200);
    assertNoHostileMarkup(res.body);
    assert.doesNotMatch(res.body, /<b>bold<\/b>/);
    assert.doesNotMatch(res.body, /<i>NoWhere<\/i>/);
    const text = visible(res.body);
    assert.ok(text.includes(HOSTILE_TITLE));
    assert.match(text, /<script>alert\(4\)<\/script> Mallory/);
    assert.match(text, /Accepted at <i>NoWhere<\/i> 2024/);
    assert.match(res.body, /<title>&lt;img src=x onerror=alert\(1\)&gt;/);
  });

  test('an overlong id is refused, not crashed on', async () => {
    const res = await get(`/papers/${'1'.repeat(300)}`);
    assert.ok([400, 414].includes(res.statusCode), String(res.statusCode));
    assert.match(res.headers['content-type'] as string, /text\/html/);
  });
});

describe('search page', () => {
  test('without a query: examples and the syntax help', async () => {
    const res = await get('/search');
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /Search papers/);
    assert.match(text, /"state space model" an exact phrase/);
    assert.match(text, /How to search/);
    for (const syntax of ['"exact phrase"', '-word', 'author:Name', 'cat:cs.LG', 'since:2024-01-01']) assert.ok(text.includes(syntax), syntax);
    assert.match(res.body, /<form class="side-box filters" action="\/search" method="get">/);
  });

  test('results with total, highlighted title and snippet, and the query kept in the box', async () => {
    const res = await get('/search?q=diffusion');
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(res.body, /Results for <q>diffusion<\/q>/);
    assert.match(text, /2 papers found/);
    assert.match(res.body, /<mark>Diffusion<\/mark> models for protein structure generation/);
    assert.match(res.body, /Scaling <mark>diffusion<\/mark> transformers/);
    assert.match(res.body, /<input id="site-q" name="q" type="search" value="diffusion"/);
  });

  test('a match in a title with math keeps the math rendered', async () => {
    const res = await get('/search?q=comparators');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h3 class="card-title"><a href="\/papers\/2405\.10001">Sorting in <span class="math"[^>]*><span class="katex">/);
    assert.match(res.body, /<mark>comparators<\/mark>/);
  });

  test('hostile results are escaped before highlighting', async () => {
    const res = await get('/search?q=adversarial');
    assert.equal(res.statusCode, 200);
    assertNoHostileMarkup(res.body);
    assert.match(res.body, /&lt;img src=x onerror=alert\(1\)&gt; <mark>Adversarial<\/mark>/);
  });

  test('filters: category from the form, empty date fields, cat-only searches', async () => {
    const res = await get('/search?q=diffusion&cat=cs.CV&since=&until=');
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /1 paper found/);
    assert.match(res.body, /<input id="f-cat" name="cat" value="cs.CV"/);
    const byDate = await get('/search?q=diffusion&since=2024-01-01&until=2024-12-31');
    assert.match(visible(byDate.body), /1 paper found/);
    const catOnly = await get('/search?q=cat:cs.CR');
    assert.equal(catOnly.statusCode, 200);
    assert.match(visible(catOnly.body), /1 paper found/);
    assertNoHostileMarkup(catOnly.body);
  });

  test('a query of several words counts the papers that have all of them, not those with any', async () => {
    const some = await get('/search?q=protein+zyxwvut&mode=keyword');
    assert.equal(some.statusCode, 200);
    assert.match(visible(some.body), /No paper has all the words · 1 has some of them, best first/);
    const all = await get(`/search?q=${encodeURIComponent('protein structure')}&mode=keyword`);
    assert.doesNotMatch(visible(all.body), /have some of them|has some of them/, 'every paper with any word has both: nothing to tell apart');
    assert.match(visible(all.body), /1 paper found/);
  });

  test("highlights mark the words that mean something, not stopwords such as 'to' and 'the'", async () => {
    const res = await get(`/search?q=${encodeURIComponent("diffusion's the to of")}&mode=keyword`);
    const marks = (res.body.match(/<mark>([^<]*)<\/mark>/g) ?? []).map((m) => m.replace(/<\/?mark>/g, '').toLowerCase());
    assert.ok(marks.length > 0);
    assert.deepEqual([...new Set(marks)].filter((m) => !m.startsWith('diffusion')), [], marks.join(' '));
    const onlyStopwords = await get('/search?q=the+of&mode=keyword');
    assert.match(onlyStopwords.body, /<mark>(the|of)<\/mark>/i, 'a query of nothing else still shows where it matched');
  });

  test('no results: a helpful notice', async () => {
    const res = await get('/search?q=zyxwvut');
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /No papers match/);
  });

  test('search results are paged', async () => {
    const res = await get('/search?q=graph');
    assert.equal(cardCount(res.body), 20);
    assert.match(visible(res.body), /35 papers found · page 1 of 2/);
    const second = await get('/search?q=graph&page=2');
    assert.equal(cardCount(second.body), 15);
    const beyond = await get('/search?q=graph&page=9');
    assert.equal(beyond.statusCode, 404);
    assert.match(visible(beyond.body), /fill 2 pages/);
  });

  test('problems the parser reports are shown; the rest still runs', async () => {
    const res = await get('/search?q=%22diffusion');
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /quotation mark was not closed/);
    assert.match(visible(res.body), /papers? found/);
  });

  for (const [url, status, expected] of [
    [`/search?q=${'a'.repeat(10_000)}`, 400, /Your search is 10000 characters long; the limit is 500/],
    ['/search?q=!!!%20%3F%3F%20...', 400, /There is nothing to search for/],
    ['/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 200, /Results for <script>alert\(1\)<\/script>/],
    ['/search?q=%22', 400, /quotation mark/],
    ['/search?q=-survey', 400, /Add at least one word/],
    ['/search?q=since:garbage', 400, /since: expects a date/],
    ['/search?q=a&q=b', 400, /"q" expects a search of at most 500 characters, given once/],
    ['/search?q=x&since=yesterday', 400, /"since" expects a day written YYYY-MM-DD/],
    ['/search?q=x&page=0', 400, /"page" expects/],
    ['/search?q=NEAR(a%20b)%20OR%20title:*%20%5E', 200, /Results for/],
  ] as const) {
    test(`absurd search ${url.slice(0, 60)} -> ${status}, helpful, escaped`, async () => {
      const res = await get(url);
      assert.equal(res.statusCode, status);
      assert.match(res.headers['content-type'] as string, /text\/html/);
      assert.match(visible(res.body), expected);
      assertNoHostileMarkup(res.body);
    });
  }
});

describe('JSON API', () => {
  test('/api/v1/papers/:id returns the paper, for any id form', async () => {
    for (const id of [RICH_ID, 'arXiv:2207.06389v2', OLD_ID, 'hep-th/9901001v2']) {
      const res = await get(`/api/v1/papers/${id}`);
      assert.equal(res.statusCode, 200, id);
      assert.match(res.headers['content-type'] as string, /application\/json/);
      const paper = res.json();
      assert.equal(paper.id, id.includes('hep-th') ? OLD_ID : RICH_ID);
      assert.ok(Array.isArray(paper.versions));
    }
    const rich = (await get(`/api/v1/papers/${RICH_ID}`)).json();
    assert.equal(rich.hf.upvotes, 152);
    assert.equal(rich.doi, '10.48550/arXiv.2207.06389');
  });

  test('/api/v1/papers/:id errors: 400 for garbage, 404 for unknown, as {error, message}', async () => {
    const bad = await get('/api/v1/papers/garbage');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error, bad.json().message);
    assert.match(bad.json().message, /not an arXiv id\. Accepted forms: 2207\.06389/);
    const missing = await get('/api/v1/papers/2405.99999');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().message, /npx paperboy fetch 2405\.99999/);
  });

  test('/api/v1/papers/search returns total, results with score and escaped highlights', async () => {
    const res = await get('/api/v1/papers/search?q=diffusion&limit=1');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.total, 2);
    assert.equal(body.results.length, 1);
    assert.equal(typeof body.results[0].score, 'number');
    assert.ok(body.results[0].paper.id);
    assert.match(body.results[0].highlights.title, /<mark>Diffusion<\/mark>/);
    const offset = (await get('/api/v1/papers/search?q=diffusion&limit=1&offset=1')).json();
    assert.notEqual(offset.results[0].paper.id, body.results[0].paper.id);
    const hostile = (await get('/api/v1/papers/search?q=adversarial')).json();
    assert.match(hostile.results[0].highlights.title, /^&lt;img src=x onerror=alert\(1\)&gt; <mark>Adversarial<\/mark>/);
    assert.equal(hostile.results[0].paper.title, HOSTILE_TITLE, 'the paper itself is data, not HTML');
  });

  for (const [url, expected] of [
    ['/api/v1/papers/search', /Nothing to search for\. Give q/],
    ['/api/v1/papers/search?q=%20', /Give q, e\.g\. q=diffusion/],
    ['/api/v1/papers/search?q=diffusion&limit=1000', /"limit" expects a whole number from 1 to 100/],
    ['/api/v1/papers/search?q=diffusion&limit=x', /"limit" expects/],
    ['/api/v1/papers/search?q=diffusion&offset=-1', /"offset" expects a whole number from 0/],
    [`/api/v1/papers/search?q=${'b'.repeat(600)}`, /the limit is 500/],
    ['/api/v1/papers/search?q=since:nope', /since: expects a date/],
    ['/api/days?from=2024-13-01', /from=2024-13-01 is not a day on the calendar/],
    ['/api/days?from=yesterday', /"from" expects a day written YYYY-MM-DD/],
    ['/api/days?from=2024-06-01&to=2024-05-01', /is after to/],
    ['/api/days?from=2020-01-01&to=2024-05-01', /more than 366 days/],
  ] as const) {
    test(`API error ${url.slice(0, 60)} -> 400 JSON`, async () => {
      const res = await get(url);
      assert.equal(res.statusCode, 400);
      assert.match(res.headers['content-type'] as string, /application\/json/);
      const body = res.json();
      assert.equal(body.error, body.message, 'the message is in error too, where Hugging Face\'s clients read it');
      assert.match(body.message, expected);
    });
  }

  test('/api/days counts papers per listing day, both ends inclusive', async () => {
    const res = await get('/api/days?from=2024-05-28&to=2024-05-31');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      from: '2024-05-28',
      to: '2024-05-31',
      days: [
        { day: '2024-05-28', count: 35 },
        { day: '2024-05-29', count: 1 },
        { day: '2024-05-31', count: 2 },
      ],
    });
    const recent = (await get('/api/days')).json();
    assert.equal(recent.to, LATEST_DAY);
    assert.equal(recent.from, '2024-05-05');
  });

  test('/api lists the endpoints; unknown /api paths are JSON 404s', async () => {
    assert.ok((await get('/api')).json().endpoints.length >= 3);
    const res = await get('/api/nope');
    assert.equal(res.statusCode, 404);
    assert.match(res.json().error, /There is no page at \/api\/nope/);
  });

  test('/healthz', async () => {
    const res = await get('/healthz');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { ok: true });
  });
});

describe('errors, headers, assets', () => {
  test('an unknown route gets a helpful 404 page', async () => {
    const res = await get('/no/such/page?x=<script>');
    assert.equal(res.statusCode, 404);
    assert.match(res.headers['content-type'] as string, /text\/html/);
    const text = visible(res.body);
    assert.match(text, /There is no page at \/no\/such\/page/);
    assert.match(res.body, /<a href="\/search">Search<\/a>/);
  });

  test('an unreadable URL is a 400 page', async () => {
    const res = await get('/papers/%E0%A4%A');
    assert.equal(res.statusCode, 400);
    assert.match(visible(res.body), /cannot be read/);
  });

  test('a failing store gives a 500 without a stack trace, HTML and JSON', async () => {
    const broken = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'close') return Reflect.get(target, prop, receiver);
        return () => Promise.reject(new Error('database exploded at /secret/path.ts:12'));
      },
    });
    const logs: string[] = [];
    const failing = await buildApp({ store: broken, logger: { level: 'error', stream: { write: (line: string) => logs.push(line) } } });
    try {
      const page = await failing.inject('/');
      assert.equal(page.statusCode, 500);
      assert.match(page.headers['content-type'] as string, /text\/html/);
      assert.match(visible(page.body), /Something went wrong on our side/);
      assert.doesNotMatch(page.body, /exploded|secret|\.ts:\d+/);
      const api = await failing.inject('/api/papers/2207.06389');
      assert.equal(api.statusCode, 500);
      assert.deepEqual(Object.keys(api.json()).sort(), ['error', 'message', 'statusCode']);
      assert.doesNotMatch(api.body, /exploded|secret/);
      assert.ok(logs.some((l) => l.includes('database exploded')), 'the error is logged');
    } finally {
      await failing.close();
    }
  });

  test('helmet: a CSP that allows no inline scripts, and the usual headers', async () => {
    const res = await get('/');
    const csp = res.headers['content-security-policy'] as string;
    assert.ok(csp, 'CSP header present');
    const directives = Object.fromEntries(csp.split(';').map((d) => { const [name, ...values] = d.trim().split(/\s+/); return [name, values]; }));
    assert.deepEqual(directives['script-src'], ["'self'"]);
    assert.deepEqual(directives['script-src-attr'], ["'none'"]);
    assert.deepEqual(directives['object-src'], ["'none'"]);
    assert.equal(directives['upgrade-insecure-requests'], undefined, 'plain-HTTP self-hosting keeps working');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
    // External scripts only (suggestions, community actions, the subscribe form's time zone, keyboard shortcuts), nothing inline: the CSP would refuse it anyway.
    assert.deepEqual(res.body.match(/<script[^>]*>[\s\S]*?<\/script>/gi), ['<script src="/static/suggest.js" defer></script>', '<script src="/static/community.js" defer></script>', '<script src="/static/subscribe.js" defer></script>', '<script src="/static/keys.js" defer></script>']);
    assert.doesNotMatch(res.body, /<[a-z][^>]*\son[a-z]+=/i, 'no inline event handlers');
  });

  test('static assets: our stylesheet, KaTeX CSS and fonts, nothing else of KaTeX', async () => {
    const css = await get('/static/style.css');
    assert.equal(css.statusCode, 200);
    assert.match(css.headers['content-type'] as string, /text\/css/);
    assert.match(css.body, /prefers-color-scheme: dark/);
    const katexCss = await get('/static/katex/katex.min.css');
    assert.equal(katexCss.statusCode, 200);
    const font = await get('/static/katex/fonts/KaTeX_Main-Regular.woff2');
    assert.equal(font.statusCode, 200);
    assert.equal((await get('/static/katex/katex.min.js')).statusCode, 404);
    assert.equal((await get('/static/katex/../../package.json')).statusCode, 404);
    assert.equal((await get('/static/favicon.svg')).statusCode, 200);
  });
});
