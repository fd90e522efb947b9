import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMatch } from '../../src/store/fts.ts';
import { isBlankQuery, isEmptyQuery, parseDay, parseQuery } from '../../src/search/query.ts';

test('words, phrases, exclusions and fields are told apart', () => {
  const { query, problems } = parseQuery('diffusion "speech synthesis" -music -"text to image" author:"Yi Ren" cat:cs.SD since:2022 until:2023-06');
  assert.deepEqual(problems, []);
  assert.deepEqual(query.terms, ['diffusion']);
  assert.deepEqual(query.phrases, ['speech synthesis']);
  assert.deepEqual(query.excludes, ['music', 'text to image']);
  assert.deepEqual(query.authors, ['Yi Ren']);
  assert.deepEqual(query.categories, ['cs.SD']);
  assert.equal(query.since, '2022-01-01');
  assert.equal(query.until, '2023-06-30');
});

test('bad field values become problems a person can act on, and the rest still runs', () => {
  const { query, problems } = parseQuery('transformers since:yesterday cat:<b>');
  assert.deepEqual(query.terms, ['transformers']);
  assert.equal(query.since, undefined);
  assert.match(problems[0]!, /since: expects a date like 2024-05-01/);
  assert.match(problems[1]!, /cat:<b> is not an arXiv category/);
});

test('an unclosed quote reads to the end and says so', () => {
  const { query, problems } = parseQuery('"graph neural');
  assert.deepEqual(query.phrases, ['graph neural']);
  assert.match(problems[0]!, /quotation mark was not closed/);
});

test('hostile queries cannot smuggle FTS5 syntax: outside quotes only our own operators remain', () => {
  for (const q of ['<script>alert(1)</script>', 'AND OR NOT NEAR(a b)', 'title:x OR abstract:y', 'a* ^b "c" -"d"', '"'.repeat(3)]) {
    const match = buildMatch(parseQuery(q).query);
    if (match === undefined) continue;
    const outside = match.replace(/"(?:[^"]|"")*"/g, '').replace(/authors_text :|AND|NOT|[()*]/g, '');
    assert.equal(outside.trim(), '', `unquoted syntax leaked for ${q}: ${match}`);
  }
  assert.ok(isBlankQuery(parseQuery('!!! ??? ...').query));
  assert.deepEqual(parseQuery('<script>alert(1)</script>').query.terms, ['script', 'alert', '1', 'script']);
});

test('only exclusions: nothing to rank by, and the user is told why', () => {
  const { query, problems } = parseQuery('-music');
  assert.ok(isEmptyQuery(query));
  assert.match(problems.join(' '), /at least one word/);
});

test('long queries are cut with a notice', () => {
  const { problems } = parseQuery('a '.repeat(2000));
  assert.match(problems[0]!, /only the first 500/);
});

test('unknown word:thing is searched as words, not dropped', () => {
  assert.deepEqual(parseQuery('foo:bar').query.terms, ['foo', 'bar']);
});

test('MATCH expressions quote every user word so FTS5 syntax cannot be injected', () => {
  const { query } = parseQuery('NEAR "a" diffus* -x author:Ren');
  assert.equal(buildMatch(query), '("NEAR" AND "diffus" * AND "a" AND authors_text : "Ren") NOT "x"');
  assert.equal(buildMatch(parseQuery('cat:cs.LG').query), undefined);
});

test('parseDay rejects impossible dates', () => {
  assert.equal(parseDay('2024-02-30'), undefined);
  assert.equal(parseDay('2024-02', true), '2024-02-29');
  assert.equal(parseDay('2024-13'), undefined);
  assert.equal(parseDay('24-01-01'), undefined);
});

test("a possessive is its word: diffusion's searches for diffusion (it found nothing before)", () => {
  assert.deepEqual(parseQuery("diffusion's models’ -Bayes’s").query.terms, ['diffusion', 'models']);
  assert.deepEqual(parseQuery("diffusion's models’ -Bayes’s").query.excludes, ['Bayes']);
});
