// `paperboy digest` as a host runs it from cron: a real process, a real SQLite file, a real SMTP
// server; what it prints, what it sends, what it leaves in the outbox, and how it fails.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { digestHub, type DigestHub } from '../helpers/digest-hub.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'paperboy.js');

let hub: DigestHub;
let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
  hub = await digestHub();
  await hub.subscribe('ana@example.org', { kind: 'search', target: 'speech synthesis' });
  await hub.subscribe('bo@example.org', { kind: 'author', target: 'Maria Gonzalez' });
  await hub.store.close();
});
after(async () => {
  await sink.close();
  await hub.close().catch(() => {});
});

async function paperboy(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: { ...process.env, PAPERBOY_DB: hub.dbPath, PAPERBOY_BASE_URL: 'http://hub.example', PAPERBOY_SMTP_URL: sink.url, PAPERBOY_LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const at = () => hub.composeAt.toISOString();

test('preview prints what an address would get, writes the HTML, and neither sends nor stores anything', async () => {
  const html = join(hub.dir, 'preview.html');
  const r = await paperboy(['digest', 'preview', 'ana@example.org', '--at', at(), '--html', html]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^== new papers on “speech synthesis”, daily at \d\d:00 \(UTC\) \(active\), edition \d{4}-\d\d-\d\d$/m);
  assert.match(r.stdout, /^Subject: New papers on “speech synthesis”: \d+ papers/m);
  assert.match(r.stdout, /Matches your search “speech synthesis”/);
  assert.match(readFileSync(html, 'utf8'), /^<!doctype html>/i);
  const status = await paperboy(['digest', 'status', '--json']);
  assert.deepEqual(JSON.parse(status.stdout).outbox, [], 'nothing was composed into the outbox');
  assert.equal(sink.messages.length, 0);
});

test('run composes and sends what is due, says so in one line, and a second run sends nothing', async () => {
  const r = await paperboy(['digest', 'run', '--at', at()]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Digests: 2 due, 2 composed, 2 sent\. \(\d+\.\d\d ms a subscription to compose, \d+\.\d s sending, via SMTP at 127\.0\.0\.1:\d+\)$/m);
  assert.match((await sink.nextFor('ana@example.org')).subject ?? '', /speech synthesis/);
  assert.match((await sink.nextFor('bo@example.org')).subject ?? '', /Maria Gonzalez/);
  const again = await paperboy(['digest', 'run', '--at', at()]);
  assert.match(again.stdout, /^Digests: 0 due, 0 composed, 0 sent\./m);
  const status = await paperboy(['digest', 'status']);
  assert.match(status.stdout, /Subscriptions:\n\s+author\s+active\s+1\n\s+search\s+active\s+1\nOutbox:\n\s+sent\s+2\nNext digest due: \d{4}-\d\d-\d\dT\d\d:00:00\.000Z\nLast sent: /);
});

test('a dead SMTP server: exit 1, the reason, and the mail stays queued for the next run', async () => {
  // The speech papers enter the hub again the next morning, as far as the digests can tell.
  const nextMorning = new Date(hub.composeAt.getTime() + 12 * 3_600_000).toISOString();
  const db = new BetterSqlite3(hub.dbPath);
  db.prepare("UPDATE papers SET added_at = ? WHERE id LIKE '2406.01%'").run(nextMorning);
  db.close();
  const nextDay = new Date(hub.composeAt.getTime() + 86_400_000).toISOString();
  const dead = await paperboy(['digest', 'run', '--at', nextDay], { PAPERBOY_SMTP_URL: 'smtp://127.0.0.1:1' });
  assert.equal(dead.code, 1);
  assert.match(dead.stdout, /^Digests: 2 due, 1 composed, 1 with nothing new, 0 sent; stopped: the SMTP server could not be reached \(.+\); the rest waits for the next run\./m);
  const back = await paperboy(['digest', 'run', '--at', nextDay]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /^Digests: 0 due, 0 composed, 1 sent\./m);
  assert.match((await sink.nextFor('ana@example.org')).subject ?? '', /speech synthesis/);
});

test('mistakes exit 2 (or 1) with one line that says what to fix', async () => {
  const cases: [string[], Record<string, string>, RegExp, number][] = [
    [['digest', 'preview', 'not-an-address'], {}, /"not-an-address" is not an email address/, 2],
    [['digest', 'preview', 'nobody@example.org'], {}, /nobody@example\.org has no confirmed subscriptions here/, 1],
    [['digest', 'run', '--at', 'yesterday'], {}, /--at must be an ISO instant like 2026-12-07T08:00:00Z/, 2],
    [['digest', 'status'], { PAPERBOY_DKIM_DOMAIN: 'example.org' }, /DKIM signing needs both PAPERBOY_DKIM_DOMAIN and PAPERBOY_DKIM_KEY_FILE/, 2],
    [['digest', 'run'], { PAPERBOY_DKIM_DOMAIN: 'example.org', PAPERBOY_DKIM_KEY_FILE: join(hub.dir, 'missing.pem') }, /PAPERBOY_DKIM_KEY_FILE cannot be read/, 2],
    [['digest', 'status'], { PAPERBOY_DIGEST_MINUTES: 'often' }, /PAPERBOY_DIGEST_MINUTES must be a whole number of minutes/, 2],
  ];
  for (const [args, env, message, code] of cases) {
    const r = await paperboy(args, env);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(existsSync(join(hub.dir, 'missing.pem')), false);
});
