// What the store offers meaning search: vectors per model, pending papers, suggestions, key-level
// keyword ranking and filtering, on a real SQLite file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { parseQuery } from '../../src/search/query.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { paper } from '../helpers/papers.ts';

const dir = mkdtempSync(join(tmpdir(), 'paperboy-vectors-'));
let store: Store;
const q = (text: string) => parseQuery(text).query;

before(async () => {
  store = await openSqliteStore(join(dir, 'v.db'));
  await store.upsertPapers([
    paper('2401.00001', { title: 'Diffusion models for speech', abstract: 'The diffusion of sound.', authors: ['Grace Hopper'], categories: ['cs.SD'], published: '2024-01-02T00:00:00.000Z' }),
    paper('2401.00002', { title: 'The theory of everything', abstract: 'The the the.', authors: ['Alan Turing'], categories: ['hep-th'], published: '2023-01-02T00:00:00.000Z' }),
    paper('2401.00003', { title: 'Speech recognition at scale', abstract: 'Diffusion plays no part; speech does.', authors: ['Grace Hopper', 'Ada Lovelace'], categories: ['cs.CL'], published: '2024-03-02T00:00:00.000Z' }),
  ]);
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the schema reaches its last step, with the title index for suggestions', () => {
  const db = new BetterSqlite3(join(dir, 'v.db'), { readonly: true });
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.ok(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'titles_fts'`).get());
  db.close();
});

test('vectors: a building model cannot be activated; put/get is exact; pending follows edits; drop removes everything', async () => {
  const v = store.vectors;
  await v.saveModel({ name: 'm1', dimensions: 3, config: { kind: 'lsa', dimensions: 3 }, state: 'building' });
  await assert.rejects(v.activate('m1'), /still being built/);
  assert.equal(await v.countPending('m1'), 3);
  const pending = await v.pending('m1', 0, 2);
  assert.equal(pending.length, 2);
  assert.deepEqual((await v.pending('m1', pending[1]!.key, 10)).map((p) => p.id), ['2401.00003']);
  const all = await v.pending('m1', 0, 10);
  await v.put('m1', all.map((p, i) => ({ key: p.key, changedAt: p.changedAt, vector: Float32Array.from([i, 0.5, -1 / 3]) })));
  assert.equal(await v.countPending('m1'), 0);
  assert.deepEqual(await v.get('m1', all[2]!.key), Float32Array.from([2, 0.5, -1 / 3]));
  assert.deepEqual((await v.scan('m1', all[0]!.key, 10)).map((r) => r.key), [all[1]!.key, all[2]!.key]);

  await store.upsertPapers([paper('2401.00002', { title: 'The theory of everything', abstract: 'A new abstract.', authors: ['Alan Turing'], categories: ['hep-th'], published: '2023-01-02T00:00:00.000Z' })]);
  assert.deepEqual((await v.pending('m1', 0, 10)).map((p) => p.id), ['2401.00002'], 'an edited paper is embedded again');

  await v.saveModel({ name: 'm1', dimensions: 3, config: { kind: 'lsa', dimensions: 3 }, state: 'ready' });
  await v.activate('m1');
  assert.equal((await v.active())?.name, 'm1');
  await v.dropModel('m1');
  assert.equal(await v.active(), undefined);
  assert.deepEqual(await v.models(), []);
  assert.equal(await v.get('m1', all[0]!.key), undefined);
});

test('any-word ranking puts papers with more words first and ignores function words', async () => {
  const ranked = await store.rankByKeywords(q('diffusion speech'), { limit: 10, any: true });
  const ids = await Promise.all(ranked.ranked.map(async (r) => (await store.hitsForKeys([r.key], q('')))[0]!.paper.id));
  assert.deepEqual(ids.slice(0, 2).sort(), ['2401.00001', '2401.00003']);
  const theOnly = await store.rankByKeywords(q('the diffusion'), { limit: 10, any: true });
  const theIds = await Promise.all(theOnly.ranked.map(async (r) => (await store.hitsForKeys([r.key], q('')))[0]!.paper.id));
  assert.ok(!theIds.includes('2401.00002'), 'a paper with only "the" does not match');
});

test('filterKeys keeps order and applies cat:, since:, phrases and exclusions', async () => {
  const keys = await Promise.all(['2401.00003', '2401.00001', '2401.00002'].map(async (id) => (await store.keyOf(id))!));
  assert.deepEqual(await store.filterKeys(keys, q('x')), keys);
  assert.deepEqual(await store.filterKeys(keys, q('x cat:cs')), keys.slice(0, 2));
  assert.deepEqual(await store.filterKeys(keys, q('x since:2024-02-01')), keys.slice(0, 1));
  assert.deepEqual(await store.filterKeys(keys, q('"speech recognition"')), keys.slice(0, 1));
  assert.deepEqual(await store.filterKeys(keys, q('x -diffusion')), keys.slice(2));
});

test('suggestions: titles with a word starting as typed, authors by the start of their name', async () => {
  const s = await store.suggest('speech rec');
  assert.deepEqual(s.filter((x) => x.kind === 'paper').map((x) => x.id), ['2401.00003']);
  const authors = await store.suggest('grace h');
  assert.deepEqual(authors.filter((x) => x.kind === 'author').map((x) => [x.text, x.papers]), [['Grace Hopper', 2]]);
  assert.deepEqual(await store.suggest('zzzz'), []);
});
