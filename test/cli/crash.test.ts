// Durability as the design promises it: an import killed with SIGKILL in the middle of a bulk load
// loses only its unfinished batch, leaves nothing half-written, and the next open repairs the index.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { parseQuery } from '../../src/search/query.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'paperboy.js');
const dir = mkdtempSync(join(tmpdir(), 'paperboy-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const RECORDS = 40_000;

function kaggleLine(i: number): string {
  const id = `2101.${String(i).padStart(5, '0')}`;
  return JSON.stringify({
    id, authors: `Author ${i % 97}, Someone Else`, title: `Synthetic zeppelin study number ${i}`,
    categories: 'cs.LG', abstract: `We measure zeppelin ${i} in a generated corpus. `.repeat(8),
    versions: [{ version: 'v1', created: 'Mon, 4 Jan 2021 10:00:00 GMT' }],
  });
}

test('kill -9 during a bulk import: committed batches survive, the index is rebuilt, a re-run completes', async () => {
  const input = join(dir, 'big.jsonl');
  writeFileSync(input, Array.from({ length: RECORDS }, (_, i) => kaggleLine(i + 1)).join('\n'));
  const db = join(dir, 'crash.db');

  const child = spawn(process.execPath, [BIN, 'ingest', '--bulk', '--batch-size', '500', input], { env: { ...process.env, PAPERBOY_DB: db }, stdio: 'ignore' });
  const committed = await waitForRows(db, 1000);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  const store = await openSqliteStore(db);
  const papers = (await store.stats()).papers;
  assert.ok(papers >= committed && papers < RECORDS, `some but not all went in before the kill (${papers})`);
  assert.equal(papers % 500, 0, 'whole batches only: nothing half-written');
  assert.equal((await store.search(parseQuery('zeppelin').query)).total, papers, 'the keyword index was repaired at open');
  await store.close();
  const raw = new BetterSqlite3(db, { readonly: true });
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  raw.close();

  const rerun = spawn(process.execPath, [BIN, 'ingest', input], { env: { ...process.env, PAPERBOY_DB: db }, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  rerun.stdout.on('data', (d) => (out += d));
  assert.equal(await new Promise((r) => rerun.once('exit', r)), 0);
  assert.match(out, new RegExp(`added ${(RECORDS - papers).toLocaleString('en-US')} · updated 0 · unchanged ${papers.toLocaleString('en-US')}`));
});

/** Polls the database (WAL lets a reader in beside the writer) until at least `n` papers are committed. */
async function waitForRows(path: string, n: number): Promise<number> {
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      const raw = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
      const count = (raw.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
      raw.close();
      if (count >= n) return count;
    } catch {
      // not created or not migrated yet
    }
  }
  throw new Error(`no ${n} rows committed in 30 s`);
}
