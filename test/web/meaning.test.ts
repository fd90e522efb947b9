// Search by keywords, by meaning and both; papers like a paper or a pasted text; similar papers on
// paper pages; topic pages; suggestions. On a hub of three topics with the built-in LSA model
// trained over it, and on the same hub without a model (every surface says so and falls back).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { PaperRecord } from '../../src/paper/types.ts';
import type { SemanticSearch } from '../../src/search/semantic.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { buildApp } from '../../src/web/app.ts';
import { fixtureStore, HOSTILE_TITLE, RICH_ID, visible } from './fixtures.ts';
import { PROTEIN_FIRST_ID, SPEECH_FIRST_ID, topicHub, topicOf, VOCODER_IDS } from './topic-fixtures.ts';


/** The ids of the result cards, in order. */
function cardIds(body: string): string[] {
  return [...body.matchAll(/<h3 class="card-title"><a href="\/papers\/([^"]+)">/g)].map((m) => m[1]!);
}

/** The "how it was found" lines of the result cards, in order. */
function foundLines(body: string): string[] {
  return [...body.matchAll(/<p class="found">([^<]*)<\/p>/g)].map((m) => m[1]!);
}

/**
 * An app on the store `open` makes, built before a suite's tests and closed after them, with
 * helpers for a GET and for posting a text to "find papers like".
 */
function appOn(open: () => Promise<{ store: Store; semantic?: SemanticSearch; close?: () => Promise<void> }>) {
  let app: FastifyInstance | undefined;
  let opened: { store: Store; semantic?: SemanticSearch; close?: () => Promise<void> } | undefined;
  before(async () => {
    opened = await open();
    app = await buildApp({ store: opened.store, semantic: opened.semantic });
  });
  after(async () => {
    await app?.close();
    await (opened?.close ? opened.close() : opened?.store.close());
  });
  return {
    get: (url: string) => app!.inject({ method: 'GET', url }),
    like: (text: string) =>
      app!.inject({
        method: 'POST',
        url: '/search/like',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ text }).toString(),
      }),
  };
}

const NOT_BUILT = /Meaning search is not built yet/;
const PASTED_SPEECH =
  'We present a text-to-speech system whose synthesized voice has natural prosody and intonation. ' +
  'A mel spectrogram is predicted from phonemes and turned into a waveform; listening tests confirm naturalness.';

describe('with a meaning model (LSA over three topics)', () => {
  const { get, like } = appOn(async () => {
    const hub = await topicHub({ meaning: true });
    assert.ok(hub.semantic?.model, 'the LSA model was built');
    return hub;
  });

  test('keyword mode: only papers with the words, ranked by BM25, each saying so', async () => {
    const res = await get('/search?q=protein%20folding&mode=keyword');
    assert.equal(res.statusCode, 200);
    const ids = cardIds(res.body);
    assert.ok(ids.length >= 5);
    assert.ok(ids.every((id) => topicOf(id) === 'protein'), ids.join(' '));
    assert.match(foundLines(res.body)[0]!, /^matched words #1$/);
    assert.ok(foundLines(res.body).every((f) => !f.includes('meaning')), 'no meaning ranks in keyword mode');
    // 12 protein papers have "protein" or "folding"; the count a reader wants is those with both.
    assert.match(visible(res.body), /(\d+) papers have all the words · 12 have some of them, best first/);
    assert.ok(Number(/(\d+) papers have all the words/.exec(visible(res.body))![1]) < 12);
    assert.doesNotMatch(visible(res.body), NOT_BUILT);
    assert.match(res.body, /<a href="\/search\?q=protein\+folding&amp;mode=keyword" [^>]*aria-current="true">Keywords<\/a>/);
  });

  test('meaning mode finds a topic by a word its papers never use; keyword mode finds nothing', async () => {
    // "vocoder" is only in three 2020 speech papers; since:2023 leaves them out.
    const keyword = await get('/search?q=vocoder%20since:2023-01-01&mode=keyword');
    assert.equal(keyword.statusCode, 200);
    assert.deepEqual(cardIds(keyword.body), []);
    assert.match(visible(keyword.body), /No papers match/);
    assert.match(keyword.body, /href="\/search\?q=vocoder\+since%3A2023-01-01&amp;mode=meaning">search by meaning<\/a>/);

    const meaning = await get('/search?q=vocoder%20since:2023-01-01&mode=meaning');
    assert.equal(meaning.statusCode, 200);
    const ids = cardIds(meaning.body);
    assert.ok(ids.length > 0);
    assert.deepEqual(ids.slice(0, 4).map(topicOf), ['speech', 'speech', 'speech', 'speech'], ids.join(' '));
    assert.ok(!ids.some((id) => VOCODER_IDS.includes(id)), 'since: still filters');
    assert.equal(foundLines(meaning.body)[0], 'similar meaning #1');
    assert.match(visible(meaning.body), /The \d+ papers closest in meaning/);
    assert.match(meaning.body, /aria-current="true">Meaning<\/a>/);
    // the mode is kept for the next search and by the filter form
    assert.match(meaning.body, /<form class="header-search"[\s\S]*?<input type="hidden" name="mode" value="meaning">/);
    assert.match(meaning.body, /<form class="side-box filters"[\s\S]*?<input type="hidden" name="mode" value="meaning">/);
  });

  test('both (the default): keyword matches first, meaning fills in, each with its ranks', async () => {
    const res = await get('/search?q=telescope%20survey');
    assert.equal(res.statusCode, 200);
    const ids = cardIds(res.body);
    assert.ok(ids.slice(0, 6).every((id) => topicOf(id) === 'galaxy'), ids.join(' '));
    const found = foundLines(res.body);
    assert.match(found[0]!, /^matched words #\d+ · similar meaning #\d+$/);
    assert.match(res.body, /aria-current="true">Both \(keyword \+ meaning\)<\/a>/);
    assert.doesNotMatch(res.body, /name="mode" value="hybrid"/, 'the default mode stays out of URLs and forms');
    // the same query by meaning alone: galaxies too, with no keyword ranks
    const meaning = await get('/search?q=telescope%20survey&mode=meaning');
    assert.ok(cardIds(meaning.body).slice(0, 6).every((id) => topicOf(id) === 'galaxy'));
    assert.ok(foundLines(meaning.body).every((f) => /^similar meaning #\d+$/.test(f)));
  });

  test('an unknown mode is a 400 that lists the valid ones', async () => {
    const res = await get('/search?q=protein&mode=fuzzy');
    assert.equal(res.statusCode, 400);
    assert.match(visible(res.body), /"mode" expects one of "hybrid" \(keywords and meaning together, the default\), "keyword" or "meaning"\. You gave "fuzzy"/);
    const api = await get('/api/v1/papers/search?q=protein&mode=fuzzy');
    assert.equal(api.statusCode, 400);
    assert.match(api.json().message, /"mode" expects one of "hybrid".*"keyword" or "meaning"/);
  });

  test('words the model does not know: keyword results, and a notice saying why', async () => {
    const res = await get('/search?q=zyxwvut&mode=meaning');
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /None of these words is known to the meaning model/);
  });

  test('like=ID: papers closest in meaning, same topic first, never the paper itself', async () => {
    const res = await get(`/search?like=${PROTEIN_FIRST_ID}`);
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /Papers like: Predicting protein folding pathways with equivariant networks/);
    assert.match(res.body, new RegExp(`<title>Papers like: Predicting protein folding`));
    assert.match(res.body, new RegExp(`href="/papers/${PROTEIN_FIRST_ID}">← Back to the paper`));
    const ids = cardIds(res.body);
    assert.ok(!ids.includes(PROTEIN_FIRST_ID));
    assert.deepEqual(ids.slice(0, 8).map(topicOf), Array(8).fill('protein'), ids.join(' '));
    assert.equal(foundLines(res.body)[0], 'similar meaning #1');
    assert.doesNotMatch(res.body, /class="sort modes"/, 'no mode choice: like is by meaning');
    // the filter form keeps like; filters apply to the neighbours
    assert.match(res.body, new RegExp(`<input type="hidden" name="like" value="${PROTEIN_FIRST_ID}">`));
    const filtered = await get(`/search?like=${PROTEIN_FIRST_ID}&cat=astro-ph.GA`);
    const galaxies = cardIds(filtered.body);
    assert.ok(galaxies.length > 0 && galaxies.every((id) => topicOf(id) === 'galaxy'), galaxies.join(' '));
    // any id form
    const versioned = await get(`/search?like=arXiv:${SPEECH_FIRST_ID}v1`);
    assert.equal(versioned.statusCode, 200);
    assert.deepEqual(cardIds(versioned.body).slice(0, 3).map(topicOf), ['speech', 'speech', 'speech']);
  });

  test('like=ID pages through the neighbours', async () => {
    const first = cardIds((await get(`/search?like=${PROTEIN_FIRST_ID}`)).body);
    const second = await get(`/search?like=${PROTEIN_FIRST_ID}&page=2`);
    assert.equal(second.statusCode, 200);
    const more = cardIds(second.body);
    assert.ok(more.length > 0);
    assert.ok(more.every((id) => !first.includes(id)));
    assert.equal(foundLines(second.body)[0], 'similar meaning #21');
    assert.equal((await get(`/search?like=${PROTEIN_FIRST_ID}&page=9`)).statusCode, 404);
  });

  for (const [like, status, message] of [
    ['2406.99999', 404, /Paper 2406\.99999 is not in this hub\. Fetch it from arXiv with: npx paperboy fetch 2406\.99999/],
    ['not-an-id', 400, /"not-an-id" is not an arXiv id\. Accepted forms: 2207\.06389/],
    ['<script>alert(1)</script>', 400, /"<script>alert\(1\)<\/script>" is not an arXiv id/],
  ] as const) {
    test(`like=${like} -> ${status} with a clear message, page and API`, async () => {
      const res = await get(`/search?like=${encodeURIComponent(like)}`);
      assert.equal(res.statusCode, status);
      assert.match(visible(res.body), message);
      assert.doesNotMatch(res.body, /<script>alert/);
      const api = await get(`/api/v1/papers/search?like=${encodeURIComponent(like)}`);
      assert.equal(api.statusCode, status);
      assert.match(api.json().message, message);
    });
  }

  test('POST /search/like: a pasted abstract finds its topic', async () => {
    const res = await like(PASTED_SPEECH);
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /Papers like your text/);
    assert.match(text, /We present a text-to-speech system/, 'the pasted text is shown');
    const ids = cardIds(res.body);
    assert.deepEqual(ids.slice(0, 8).map((id) => (topicOf(id) === 'vocoder' ? 'speech' : topicOf(id))), Array(8).fill('speech'), ids.join(' '));
    assert.equal(foundLines(res.body)[0], 'similar meaning #1');
    assert.match(res.body, /<textarea id="like-text" name="text"[^>]*>We present a text-to-speech system/, 'the text stays in the box to edit');
  });

  test('POST /search/like: pasted markup is escaped, never rendered', async () => {
    const res = await like(`<script>alert(1)</script> ${PASTED_SPEECH}`);
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /<script>alert/);
    assert.match(res.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  for (const [name, text, message] of [
    ['empty', '   ', /There is no text to compare papers with/],
    ['too long', 'speech '.repeat(800), /Your text is 5599 characters long; the limit is 5000/],
  ] as const) {
    test(`POST /search/like with ${name} text -> 400`, async () => {
      const res = await like(text);
      assert.equal(res.statusCode, 400);
      assert.match(res.headers['content-type'] as string, /text\/html/);
      assert.match(visible(res.body), message);
    });
  }

  test('POST /search/like counts a textarea line break (CRLF) once', async () => {
    const line = `${'a'.repeat(98)}\r\n`; // 100 characters sent, 99 read
    const res = await like(`${line.repeat(50)}`.trim() + ' speech');
    assert.equal(res.statusCode, 200, visible(res.body).slice(0, 300));
  });

  test('a paper page lists papers similar in meaning, with a link to more', async () => {
    const res = await get(`/papers/${SPEECH_FIRST_ID}`);
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /Similar in meaning/);
    assert.doesNotMatch(text, /Sharing keywords/);
    const similar = res.body.slice(res.body.indexOf('class="similar"'));
    const ids = cardIds(similar);
    assert.equal(ids.length, 6);
    assert.ok(!ids.includes(SPEECH_FIRST_ID));
    assert.ok(ids.every((id) => topicOf(id) === 'speech' || topicOf(id) === 'vocoder'), ids.join(' '));
    assert.match(similar, new RegExp(`<a class="more-like" href="/search\\?like=${SPEECH_FIRST_ID}">More like this →</a>`));
  });

  test('a topic page: the best hybrid matches, the mode, a link to the full search', async () => {
    const res = await get('/topics/protein%20folding');
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(res.body, /<h1>protein folding<\/h1>/);
    assert.match(res.body, /<title>Topic: protein folding · Paperboy<\/title>/);
    assert.match(text, /found by keywords and meaning together/);
    assert.match(text, /as they arrive/);
    assert.match(res.body, /<a class="button" href="\/search\?q=protein\+folding">/);
    const ids = cardIds(res.body);
    assert.ok(ids.length <= 30 && ids.length >= 12);
    assert.deepEqual(ids.slice(0, 10).map(topicOf), Array(10).fill('protein'));
    assert.doesNotMatch(text, NOT_BUILT);
  });

  test('API search: mode, keywordRank and meaningRank per result, existing fields kept', async () => {
    const res = await get('/api/v1/papers/search?q=telescope%20survey&limit=5');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.mode, 'hybrid');
    assert.equal(body.notice, undefined);
    assert.ok(body.total >= 5);
    assert.equal(body.results.length, 5);
    const first = body.results[0];
    assert.equal(typeof first.keywordRank, 'number');
    assert.equal(typeof first.meaningRank, 'number');
    assert.equal(first.score, 1, 'score is the position');
    assert.equal(typeof first.paper.id, 'string');
    assert.match(first.highlights.snippet, /<mark>(telescope|survey)<\/mark>/);

    const meaning = (await get('/api/v1/papers/search?q=vocoder%20since:2023-01-01&mode=meaning&limit=3')).json();
    assert.equal(meaning.mode, 'meaning');
    assert.deepEqual(meaning.results.map((r: { paper: { id: string } }) => topicOf(r.paper.id)), ['speech', 'speech', 'speech']);
    assert.deepEqual(meaning.results.map((r: { meaningRank: number }) => r.meaningRank), [1, 2, 3]);
    assert.ok(meaning.results.every((r: { keywordRank?: number }) => r.keywordRank === undefined));

    const keyword = (await get('/api/v1/papers/search?q=vocoder%20since:2023-01-01&mode=keyword')).json();
    assert.equal(keyword.mode, 'keyword');
    assert.equal(keyword.total, 0);

    const like = (await get(`/api/v1/papers/search?like=${PROTEIN_FIRST_ID}&limit=4`)).json();
    assert.equal(like.mode, 'meaning');
    assert.equal(like.like.id, PROTEIN_FIRST_ID);
    assert.deepEqual(like.results.map((r: { paper: { id: string } }) => topicOf(r.paper.id)), Array(4).fill('protein'));

    const index = (await get('/api')).json();
    const search = index.endpoints.find((e: { path: string }) => e.path.startsWith('/api/v1/papers/search'));
    assert.match(search.path, /mode=/);
    assert.match(search.path, /like=/);
    assert.ok(index.endpoints.some((e: { path: string }) => e.path.startsWith('/api/suggest')));
  });
});

describe('without a meaning model', () => {
  const { get, like } = appOn(() => topicHub({ meaning: false }));

  test('the search page says meaning search is not built, in both and meaning modes, and searches by keywords', async () => {
    for (const mode of ['', '&mode=meaning']) {
      const res = await get(`/search?q=protein${mode}`);
      assert.equal(res.statusCode, 200);
      const text = visible(res.body);
      assert.match(text, NOT_BUILT);
      assert.match(res.body, /Run <code>paperboy index build<\/code>/);
      const ids = cardIds(res.body);
      assert.ok(ids.length > 0 && ids.every((id) => topicOf(id) === 'protein'));
      assert.ok(foundLines(res.body).every((f) => /^matched words #\d+$/.test(f)));
    }
    const keyword = await get('/search?q=protein&mode=keyword');
    assert.doesNotMatch(visible(keyword.body), NOT_BUILT, 'keyword mode asked for nothing more');
  });

  test('a topic page says so too', async () => {
    const res = await get('/topics/protein');
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), NOT_BUILT);
    assert.match(visible(res.body), /found by keywords only/);
    assert.ok(cardIds(res.body).every((id) => topicOf(id) === 'protein'));
  });

  test('a paper page falls back to papers sharing keywords, and says which', async () => {
    const res = await get(`/papers/${PROTEIN_FIRST_ID}`);
    assert.equal(res.statusCode, 200);
    const text = visible(res.body);
    assert.match(text, /Sharing keywords/);
    assert.doesNotMatch(text, /Similar in meaning/);
    const ids = cardIds(res.body.slice(res.body.indexOf('class="similar"')));
    assert.ok(ids.length > 0 && ids.every((id) => topicOf(id) === 'protein'));
    assert.match(res.body, /More like this →/);
  });

  test('like=ID falls back to keywords with a notice; filters still apply', async () => {
    const res = await get(`/search?like=${PROTEIN_FIRST_ID}`);
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /Meaning search is not built yet, so these papers share keywords with it instead/);
    const ids = cardIds(res.body);
    assert.ok(ids.length > 0 && !ids.includes(PROTEIN_FIRST_ID));
    assert.ok(ids.slice(0, 5).every((id) => topicOf(id) === 'protein'), ids.join(' '));
    const none = await get(`/search?like=${PROTEIN_FIRST_ID}&cat=hep-th`);
    assert.equal(none.statusCode, 200);
    assert.deepEqual(cardIds(none.body), []);
    const api = (await get(`/api/v1/papers/search?like=${PROTEIN_FIRST_ID}`)).json();
    assert.equal(api.mode, 'keyword');
    assert.match(api.notice, NOT_BUILT);
  });

  test('POST /search/like falls back to shared words with a notice', async () => {
    const res = await like(PASTED_SPEECH);
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /Meaning search is not built yet, so these papers share words with your text/);
    assert.ok(['speech', 'vocoder'].includes(topicOf(cardIds(res.body)[0]!)!));
  });

  test('the API says so in notice, with mode keyword', async () => {
    const body = (await get('/api/v1/papers/search?q=protein&mode=meaning')).json();
    assert.equal(body.mode, 'keyword');
    assert.match(body.notice, NOT_BUILT);
  });
});

describe('topic pages: addresses and validation', () => {
  const { get } = appOn(async () => ({ store: await fixtureStore() }));

  test('/topics?q= redirects (303) to the canonical /topics/<query>', async () => {
    const res = await get('/topics?q=%20diffusion%20speech%20synthesis%20');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/topics/diffusion%20speech%20synthesis');
    const slash = await get('/topics?q=a%2Fb%20test');
    assert.equal(slash.headers.location, '/topics/a%2Fb%20test');
    assert.equal((await get('/topics/a%2Fb%20test')).statusCode, 200, 'a "/" in a topic survives the trip');
    assert.equal((await get(slash.headers.location as string)).statusCode, 200);
  });

  test('the search results link to their topic page, with the filters folded in', async () => {
    const res = await get('/search?q=diffusion&cat=cs.CV');
    assert.match(res.body, /<a href="\/topics\?q=diffusion\+cat%3Acs\.CV">Save as a topic page<\/a>/);
    const topic = await get('/topics/diffusion%20cat%3Acs.CV');
    assert.equal(topic.statusCode, 200);
    assert.deepEqual(cardIds(topic.body), ['2405.20001']);
  });

  test('a hostile topic is escaped everywhere', async () => {
    const res = await get(`/topics/${encodeURIComponent('<script>alert(1)</script>')}`);
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /<script>alert/);
    assert.match(res.body, /<h1>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/h1>/);
    assert.match(res.body, /<title>Topic: &lt;script&gt;alert\(1\)&lt;\/script&gt; · Paperboy<\/title>/);
    const hostile = await get(`/topics/adversarial`);
    assert.ok(visible(hostile.body).includes(HOSTILE_TITLE));
    assert.doesNotMatch(hostile.body, /<img src=x/);
  });

  test('a topic with spaces around it redirects to the trimmed address', async () => {
    const res = await get('/topics/%20diffusion%20');
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, '/topics/diffusion');
  });

  for (const [url, message] of [
    ['/topics', /A topic page needs a topic/],
    ['/topics?q=%20%20', /A topic page needs a topic/],
    ['/topics/', /A topic page needs a topic/],
    ['/topics/%21%21%21', /There is nothing to follow in “!!!”/],
    [`/topics/${'a'.repeat(600)}`, /Your search is 600 characters long; the limit is 500/],
    [`/topics?q=${'a'.repeat(600)}`, /Your search is 600 characters long; the limit is 500/],
  ] as const) {
    test(`${url.slice(0, 40)} -> 400`, async () => {
      const res = await get(url);
      assert.equal(res.statusCode, 400);
      assert.match(res.headers['content-type'] as string, /text\/html/);
      assert.match(visible(res.body), message);
    });
  }
});

describe('suggestions API', () => {
  const { get } = appOn(async () => ({ store: await fixtureStore() }));

  test('titles starting with the typed words, each with its page', async () => {
    const res = await get('/api/suggest?q=diffu');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /application\/json/);
    const body = res.json();
    assert.equal(body.query, 'diffu');
    const papers = body.suggestions.filter((s: { kind: string }) => s.kind === 'paper');
    assert.deepEqual(papers.map((s: { text: string }) => s.text).sort(), ['Diffusion models for protein structure generation', 'Diffusion transformers scale to long videos']);
    assert.deepEqual(papers.find((s: { id: string }) => s.id === RICH_ID), {
      kind: 'paper',
      text: 'Diffusion models for protein structure generation',
      id: RICH_ID,
      url: `/papers/${RICH_ID}`,
    });
  });

  test('authors with their paper counts and a link to their page', async () => {
    const body = (await get('/api/suggest?q=jane')).json();
    const author = body.suggestions.find((s: { kind: string }) => s.kind === 'author');
    assert.deepEqual(author, { kind: 'author', text: 'Jane Doe', url: '/authors/Jane%20Doe', papers: 2 });
    const page = await get(author.url);
    assert.equal(page.statusCode, 200);
    assert.equal(cardIds(page.body).length, 2);
  });

  test('hostile titles come back as data, not markup', async () => {
    const body = (await get('/api/suggest?q=adversar')).json();
    assert.ok(body.suggestions.some((s: { text: string }) => s.text === HOSTILE_TITLE));
  });

  test('nothing matching: an empty list', async () => {
    assert.deepEqual((await get('/api/suggest?q=zzzzqqq')).json(), { query: 'zzzzqqq', suggestions: [] });
  });

  for (const [url, message] of [
    ['/api/suggest', /q is missing/],
    ['/api/suggest?q=', /q is missing/],
    ['/api/suggest?q=%20%20', /q is blank/],
    [`/api/suggest?q=${'x'.repeat(101)}`, /q is 101 characters long; the limit is 100/],
    ['/api/suggest?q=a&q=b', /"q" expects .*given once/],
  ] as const) {
    test(`${url.slice(0, 40)} -> 400 JSON`, async () => {
      const res = await get(url);
      assert.equal(res.statusCode, 400);
      assert.match(res.headers['content-type'] as string, /application\/json/);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'statusCode']);
      assert.equal(body.error, body.message, 'the message is in error too, where Hugging Face\'s clients read it');
      assert.match(body.message, message);
    });
  }
});

describe('ranked results stop at the fused depth, and the count says so', () => {
  const { get } = appOn(async () => {
    const store = await openSqliteStore(':memory:');
    const many = Array.from({ length: 130 }, (_, i): PaperRecord => ({
      id: `2407.${String(i).padStart(5, '0')}`,
      title: `Lattice study ${i}`,
      abstract: `A study of lattice models, number ${i}.`,
      authors: ['Ann Author'],
      categories: ['cond-mat.stat-mech'],
      published: '2024-07-01T10:00:00.000Z',
      listedAt: '2024-07-01T00:00:00.000Z',
    }));
    await store.upsertPapers(many);
    return { store };
  });

  test('130 matches: the total, and the top 100 over five pages', async () => {
    const res = await get('/search?q=lattice&mode=keyword');
    assert.match(visible(res.body), /130 papers match · showing the top 100 · page 1 of 5/);
    const last = await get('/search?q=lattice&mode=keyword&page=5');
    assert.equal(last.statusCode, 200);
    assert.equal(cardIds(last.body).length, 20);
    const beyond = await get('/search?q=lattice&mode=keyword&page=6');
    assert.equal(beyond.statusCode, 404);
    assert.match(visible(beyond.body), /the top 100 of these results fill 5 pages/);
    const api = (await get('/api/v1/papers/search?q=lattice&mode=keyword')).json();
    assert.equal(api.total, 130);
  });

  test('filters alone are not ranked: every page can be reached', async () => {
    const res = await get('/search?q=cat:cond-mat');
    assert.match(visible(res.body), /130 papers found, newest first · page 1 of 7/);
    assert.equal((await get('/search?q=cat:cond-mat&page=7')).statusCode, 200);
  });
});
