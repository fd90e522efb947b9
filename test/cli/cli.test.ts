// The command line as a user runs it: a real process, a real SQLite file, exit codes and output.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../helpers/free-port.ts';
import { visible } from '../web/fixtures.ts';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'paperboy.js');
const dir = mkdtempSync(join(tmpdir(), 'paperboy-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run { code: number; stdout: string; stderr: string }

async function paperboy(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: { ...process.env, PAPERBOY_DB: join(dir, 'cli.db'), PAPERBOY_HARVEST_DAYS: '0', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const entry = (id: string, title: string, upvotes: number) => ({
  paper: { id, title, summary: `An abstract about ${title.toLowerCase()}.`, authors: [{ name: 'Ada Lovelace' }], publishedAt: '2025-03-01T00:00:00.000Z', upvotes, submittedOnDailyAt: '2025-03-03T08:00:00.000Z' },
  numComments: 1,
});
const dailyFile = join(dir, '2025-03-03.json');
writeFileSync(dailyFile, JSON.stringify([
  entry('2503.00001', 'Quasar spectra with diffusion models', 12),
  entry('2503.00002', 'Sparse attention for long documents', 30),
  "{'paper': {'id': '2503.00003', 'title': 'A Python repr entry', 'summary': 'Decoded, not lost.', 'authors': [{'name': 'B C'}], 'upvotes': 3, 'publishedAt': '2025-03-01T00:00:00.000Z'}, 'numComments': 0}",
  { paper: { id: '2503.00004', summary: 'no title', authors: [], upvotes: 1 } },
]));

test('--help lists every command', async () => {
  const r = await paperboy(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['serve', 'ingest', 'harvest', 'fetch', 'search', 'stats', 'digest']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
});

test('ingest reports the bad record and takes the rest; a second run changes nothing', async () => {
  const first = await paperboy(['ingest', dailyFile]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /read 4 · added 3 · updated 0 · unchanged 0 · skipped 1 · errors 1/);
  assert.match(first.stdout, /error: .*2025-03-03\.json .*title/i);
  const second = await paperboy(['ingest', dailyFile]);
  assert.match(second.stdout, /read 4 · added 0 · updated 0 · unchanged 3 · skipped 1 · errors 1/);
});

test('an empty or blank file is skipped with a line saying so, not counted as a record with an error', async () => {
  const emptyFile = join(dir, 'empty.json');
  const blankFile = join(dir, 'blank.jsonl');
  writeFileSync(emptyFile, '');
  writeFileSync(blankFile, '\n  \n');
  const both = await paperboy(['ingest', emptyFile, blankFile, dailyFile]);
  assert.equal(both.code, 0, both.stderr);
  assert.match(both.stderr, /Skipping .*empty\.json: the file is empty/);
  assert.match(both.stdout, /read 4 · added 0 · updated 0 · unchanged 3 · skipped 1 · errors 1/, 'only the daily file\'s records (its one bad record as before)');
  assert.doesNotMatch(both.stdout, /unrecognised format/);
  const alone = await paperboy(['ingest', emptyFile]);
  assert.equal(alone.code, 1);
  assert.match(alone.stderr, /nothing to import: the file is empty/);
});

test('search prints ranked results; stats sums up', async () => {
  const r = await paperboy(['search', 'diffusion']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 result\(s\), keyword\n\s+1\. 2503\.00001\s+Quasar spectra with diffusion models/);
  assert.match(r.stderr, /Meaning search is not built yet.*paperboy index build/);
  const json = JSON.parse((await paperboy(['search', 'attention', '--json'])).stdout) as { total: number; results: { id: string }[] };
  assert.deepEqual(json.results.map((p) => p.id), ['2503.00002']);
  const stats = JSON.parse((await paperboy(['stats', '--json'])).stdout) as { papers: number; listedDays: number };
  assert.equal(stats.papers, 3);
  assert.equal(stats.listedDays, 1);
});

test('index build makes meaning search the default; index status reports it; imports embed new papers', async () => {
  const topics = [
    ['galaxy', 'telescope', 'stellar', 'redshift', 'quasar', 'spectra'],
    ['neural', 'network', 'gradient', 'training', 'transformer', 'attention'],
  ];
  const papers = Array.from({ length: 16 }, (_, i) => {
    const words = topics[i % 2]!;
    const pick = (n: number) => words[(i + n) % words.length];
    return entry(`2503.${String(100 + i).padStart(5, '0')}`, `On ${pick(0)} and ${pick(1)} ${i}`, i);
  }).map((e, i) => ({ ...e, paper: { ...e.paper, summary: `We study ${topics[i % 2]!.join(' ')} with care; ${topics[i % 2]![i % 6]} matters.` } }));
  const file = join(dir, '2025-03-04.json');
  writeFileSync(file, JSON.stringify(papers));
  assert.equal((await paperboy(['ingest', file])).code, 0);

  const build = await paperboy(['index', 'build', '--embedder', 'lsa:4']);
  assert.equal(build.code, 0, build.stderr);
  assert.match(build.stderr, /Built lsa-\d+@\d+T\d+: 19 papers embedded/);
  assert.match(build.stderr, /Built the keyword index: 19 papers/);
  const status = JSON.parse((await paperboy(['index', 'status', '--json'])).stdout) as { models: { name: string; active: boolean; vectors: number }[]; pending: number; keywords: { ready: boolean; papers: number; changed: number } };
  assert.deepEqual({ ready: status.keywords.ready, papers: status.keywords.papers, changed: status.keywords.changed }, { ready: true, papers: 19, changed: 0 });
  assert.match((await paperboy(['index', 'status'])).stdout, /Keyword index: 19 papers as of .*; 0 changed since\./);
  assert.equal(status.models.length, 1);
  assert.equal(status.models[0]!.active, true);
  assert.equal(status.models[0]!.vectors, 19);
  assert.equal(status.pending, 0);

  // "redshift" is in every astronomy abstract; by meaning, astronomy papers come first.
  const meaning = JSON.parse((await paperboy(['search', '--mode', 'meaning', 'redshift', '--json', '-n', '4'])).stdout) as { mode: string; results: { title: string }[] };
  assert.equal(meaning.mode, 'meaning');
  assert.ok(meaning.results.every((r) => /galaxy|telescope|stellar|redshift|quasar|spectra/i.test(r.title)), JSON.stringify(meaning.results));
  const hybrid = await paperboy(['search', 'redshift']);
  assert.match(hybrid.stdout, /result\(s\), keywords and meaning/);
  assert.match(hybrid.stdout, /meaning #1/);

  const more = join(dir, '2025-03-05.json');
  writeFileSync(more, JSON.stringify([entry('2503.00200', 'Quasar redshift survey', 2)]));
  const imported = await paperboy(['ingest', more]);
  assert.match(imported.stderr, /Embedded 1 new or changed paper\(s\) for meaning search/);
  // One new paper in twenty is not yet a tenth of the hub to rebuild for: it is scored from its text.
  const afterImport = JSON.parse((await paperboy(['index', 'status', '--json'])).stdout) as { keywords: { changed: number; needsRebuild: boolean } };
  assert.deepEqual({ changed: afterImport.keywords.changed, needsRebuild: afterImport.keywords.needsRebuild }, { changed: 1, needsRebuild: false });
  const found = JSON.parse((await paperboy(['search', '--mode', 'keyword', 'quasar', 'survey', '--json'])).stdout) as { results: { id: string }[] };
  assert.equal(found.results[0]!.id, '2503.00200');
  assert.equal((await paperboy(['index', 'build', '--embedder', 'nonsense'])).code, 2);
});

test('failures exit non-zero with one line that says what to fix', async () => {
  const cases: [string[], Record<string, string>, RegExp, number][] = [
    [['ingest', join(dir, 'missing.json')], {}, /missing\.json.*(does not exist|no such)/i, 1],
    [['search', '-onlyexcluded'], {}, /nothing to search for/, 1],
    [['search', 'x', '--limit', 'lots'], {}, /--limit must be a whole number/, 1],
    [['fetch', 'not-an-id'], {}, /not-an-id/, 1],
    [['harvest', '--from', 'yesterday'], {}, /--from expects a date like/, 1],
    [['stats'], { PAPERBOY_PORT: 'abc' }, /PAPERBOY_PORT must be a whole number/, 2],
    [['frobnicate'], {}, /unknown command/, 1],
    // A mistyped database path: read commands refuse it rather than making an empty hub.
    ...(['stats', 'search x', 'digest status', 'users list', 'index status', 'trending'].map((c) => [c.split(' '), { PAPERBOY_DB: join(dir, 'typo', 'hub.db') }, /There is no database at .*typo.*hub\.db\. Check PAPERBOY_DB or --db/, 2]) as [string[], Record<string, string>, RegExp, number][]),
  ];
  for (const [args, env, message, code] of cases) {
    const r = await paperboy(args, env);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.ok(!existsSync(join(dir, 'typo')), 'and nothing was created there');
});

test('serve on an empty database with arXiv unreachable still serves, with an empty state that says how to import', async () => {
  const port = await freePort();
  const closedPort = await freePort(); // nothing listens there: the harvest fails to connect
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], {
    env: { ...process.env, PAPERBOY_DB: join(dir, 'empty.db'), PAPERBOY_HARVEST_DAYS: '2', PAPERBOY_OAI_URL: `http://127.0.0.1:${closedPort}/oai`, PAPERBOY_POLITE_DELAY: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  try {
    const page = await poll(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    assert.match(page.body, /paperboy ingest/);
    const said = visible(page.body);
    assert.equal(said.match(/no papers/gi)?.length, 1, `the empty page says it once: ${said}`);
    await until(() => /arXiv could not be reached/.test(output), 'the harvest gives up and says so');
    assert.match(output, /Harvesting arXiv set/);
    assert.match(output, /retry 1 of 1\b/, 'one retry at start-up');
    assert.doesNotMatch(output, /retry 2 of/);
    assert.match(output, /The hub serves anyway, without papers\. Import papers with `npx paperboy ingest PATH`/);
    assert.doesNotMatch(output, /re-run the same command/, 'the person ran `npm start`, not a harvest command');
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace in the log');
  } finally {
    child.kill('SIGTERM');
  }
});


/** Waits (up to 30 s) for a condition on a child's output. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(condition(), what);
}

async function poll(url: string): Promise<{ status: number; body: string }> {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(url);
      return { status: r.status, body: await r.text() };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} never answered`);
}
