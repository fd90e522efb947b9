// Migration 10: text an older Paperboy stored with control characters (NUL, BEL, ESC, bidi
// overrides) in it is cleaned once, on a real SQLite file, as an import would store it now.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { parseQuery } from '../../src/search/query.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { paper } from '../helpers/papers.ts';

const dir = mkdtempSync(join(tmpdir(), 'paperboy-stored-text-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('text an older Paperboy stored with control characters is cleaned at the first open after migration 10', async () => {
  const path = join(dir, 'controls.db');
  const dirty = paper('2404.00101', {
    title: 'Zep\u0000pelin \u202eflights\u202c over \u0007 water',
    abstract: 'First para\u0007graph\nwraps.\n\n\u202e\n\nSecond \u2066paragraph\u2069.',
    authors: ['Ada \u202eLove\u0000lace', 'علی رضایی'],
    categories: ['cs.LG\u200e'],
    comments: '12 pages\u001b[0m',
    codeUrls: ['https://github.com/a/b\u202e'],
    hf: { upvotes: 3, dailyDate: '2024-05-27', aiSummary: 'A sum\u0000mary', aiKeywords: ['key\u0007word', '\u202e'] },
  });
  const persian = paper('2404.00102', { title: 'مدل\u200cهای زبانی', authors: ['علی رضایی'] });
  // What an import before the fix stored: the store writes what it is given.
  const before = await openSqliteStore(path);
  await before.upsertPapers([dirty, persian]);
  const persianChanged = (await before.getPaper(persian.id))!;
  await before.close();
  const raw = new BetterSqlite3(path);
  assert.match(raw.prepare('SELECT title FROM papers WHERE id = ?').pluck().get(dirty.id) as string, /\u0000/);
  const dirtyChangedAt = raw.prepare('SELECT changed_at FROM papers WHERE id = ?').pluck().get(dirty.id) as string;
  const persianChangedAt = raw.prepare('SELECT changed_at FROM papers WHERE id = ?').pluck().get(persian.id) as string;
  raw.pragma('user_version = 9');
  raw.close();

  const store = await openSqliteStore(path);
  try {
    const p = (await store.getPaper(dirty.id))!;
    assert.equal(p.title, 'Zeppelin flights over water');
    assert.equal(p.abstract, 'First paragraph wraps.\n\nSecond paragraph.');
    assert.deepEqual(p.authors, ['Ada Lovelace', 'علی رضایی']);
    assert.deepEqual(p.categories, ['cs.LG']);
    assert.equal(p.comments, '12 pages[0m');
    assert.deepEqual(p.codeUrls, ['https://github.com/a/b']);
    assert.equal(p.hf?.aiSummary, 'A summary');
    assert.deepEqual(p.hf?.aiKeywords, ['keyword']);
    assert.equal((await store.authorPapers('Ada Lovelace'))?.name, 'Ada Lovelace', 'the author as first spelled, cleaned');
    assert.equal((await store.search(parseQuery('zeppelin').query)).hits[0]?.paper.id, dirty.id, 'the keyword index has the clean title');

    // Right-to-left letters and the Persian joiner are text: that paper is left as it was.
    assert.equal((await store.getPaper(persian.id))?.title, persianChanged.title);
    const check = new BetterSqlite3(path, { readonly: true });
    assert.equal(check.prepare('SELECT changed_at FROM papers WHERE id = ?').pluck().get(persian.id), persianChangedAt);
    assert.ok((check.prepare('SELECT changed_at FROM papers WHERE id = ?').pluck().get(dirty.id) as string) > dirtyChangedAt, 'changed, so vectors are made again');
    assert.equal(check.prepare("SELECT count(*) FROM meta WHERE key = 'controls_to_clean'").pluck().get(), 0, 'done once');
    check.close();

    // The hash is of the clean text: importing the paper as an import now reads it changes nothing.
    const clean = { ...dirty, title: p.title, abstract: p.abstract, authors: p.authors, categories: p.categories, comments: p.comments, codeUrls: p.codeUrls, hf: { ...dirty.hf!, aiSummary: 'A summary', aiKeywords: ['keyword'] } };
    assert.deepEqual(await store.upsertPapers([clean]), ['unchanged']);
  } finally {
    await store.close();
  }
});
