// Durability as the design promises it: an import killed with SIGKILL in the middle of a bulk load
// loses only its unfinished batch, leaves nothing half-written, and the next open repairs the index;
// and the killed run is reported as interrupted, with what it had committed.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { parseQuery } from '../../src/search/query.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { StoreStats } from '../../src/store/store.ts';

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

/** The input both tests import, written once. */
function bigInput(): string {
  const input = join(dir, 'big.jsonl');
  if (!existsSync(input)) writeFileSync(input, Array.from({ length: RECORDS }, (_, i) => kaggleLine(i + 1)).join('\n'));
  return input;
}

test('kill -9 during a bulk import: committed batches survive, the index is rebuilt, a re-run completes', async () => {
  const input = bigInput();
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
  const after = new BetterSqlite3(db, { readonly: true });
  assert.deepEqual(after.prepare('SELECT id, status, added FROM ingest_runs ORDER BY id').all(), [{ id: 1, status: 'interrupted', added: papers }, { id: 2, status: 'done', added: RECORDS - papers }], 'the re-run found the killed run and marked it');
  after.close();
});

test('kill -9 during an import: stats reports the run interrupted, with the papers it had committed', async () => {
  const input = bigInput();
  const db = join(dir, 'interrupted.db');
  const env = { ...process.env, PAPERBOY_DB: db };

  const child = spawn(process.execPath, [BIN, 'ingest', '--no-bulk', '--batch-size', '300', input], { env, stdio: 'ignore' });
  await waitForRows(db, 900);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  const raw = new BetterSqlite3(db, { readonly: true });
  const papers = (raw.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  assert.equal(raw.prepare('SELECT status FROM ingest_runs').pluck().get(), 'running', 'nothing marked it yet');
  raw.close();
  assert.ok(papers >= 900 && papers < RECORDS, `killed part-way (${papers})`);

  const stats = async (...args: string[]) => (await promisify(execFile)(process.execPath, [BIN, 'stats', ...args], { env })).stdout;
  const text = await stats();
  const line = /^interrupted +(.*)$/m.exec(text)?.[1];
  assert.match(line ?? text, /^1 ingest run was interrupted \(#1 ingest \S+big\.jsonl: stopped after \d{4}-\d\d-\d\dT[\d:.]+Z, [\d,]+ papers committed before\)$/);
  assert.equal(/([\d,]+) papers committed/.exec(line!)?.[1], papers.toLocaleString('en-US'), 'as many as the database holds');
  assert.match(text, /^last import +#1 interrupted /m);

  const json = JSON.parse(await stats('--json')) as StoreStats;
  assert.equal(json.interruptedCount, 1);
  const run = json.interruptedRuns[0]!;
  assert.equal(run.status, 'interrupted');
  assert.equal(run.added, papers, 'the run says exactly how many papers went in');
  assert.equal(run.read, papers, 'every record it counted as read is in');
  assert.equal(run.updated + run.unchanged + run.errors, 0);
  assert.ok(run.committedAt! <= run.finishedAt!, 'found interrupted after its last commit');
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
