// `paperboy users` as a user runs it: a real process on a real SQLite file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { openSqliteStore } from '../../src/store/sqlite.ts';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'paperboy.js');
const dir = mkdtempSync(join(tmpdir(), 'paperboy-users-'));
const DB = join(dir, 'users.db');
after(() => rmSync(dir, { recursive: true, force: true }));

async function paperboy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, PAPERBOY_DB: DB } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function withStore<T>(work: (store: Awaited<ReturnType<typeof openSqliteStore>>) => Promise<T>): Promise<T> {
  const store = await openSqliteStore(DB);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

test('users promote creates or promotes an account and audits it; users list shows them', async () => {
  await withStore(async (store) => {
    await store.accounts.userForEmail('first@example.org', '2024-06-01T00:00:00.000Z');
    await store.accounts.userForEmail('ana@example.org', '2024-06-01T00:00:00.000Z');
  });

  const promoted = await paperboy(['users', 'promote', 'Ana@Example.org']);
  assert.equal(promoted.code, 0, promoted.stderr);
  assert.match(promoted.stdout, /ana@example\.org \(ana\) is now an admin/);

  const created = await paperboy(['users', 'promote', 'newmod@example.org', '--role', 'moderator']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /newmod@example\.org \(newmod\) is now a moderator; the account is new/);

  const again = await paperboy(['users', 'promote', 'ana@example.org']);
  assert.match(again.stdout, /was already an admin/);

  await withStore(async (store) => {
    assert.equal((await store.accounts.userByEmail('ana@example.org'))?.role, 'admin');
    assert.equal((await store.accounts.userByEmail('newmod@example.org'))?.role, 'moderator');
    const log = await store.accounts.auditLog();
    assert.deepEqual(log.map((e) => [e.action, e.target, e.detail, e.actor]), [
      ['promote', 'user:newmod', 'from the command line', undefined],
      ['promote', 'user:ana', 'from the command line', undefined],
    ]);
  });

  const list = await paperboy(['users', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(list.stdout.trim().split('\n').map((line) => line.split('\t').slice(0, 4)), [
    ['first', 'first@example.org', 'admin', 'active'],
    ['ana', 'ana@example.org', 'admin', 'active'],
    ['newmod', 'newmod@example.org', 'moderator', 'active'],
  ]);
});

test('users promote refuses bad input with one line and exit code 1', async () => {
  const badAddress = await paperboy(['users', 'promote', 'not-an-address']);
  assert.equal(badAddress.code, 1);
  assert.match(badAddress.stderr, /^paperboy: "not-an-address" is not an email address/);
  const badRole = await paperboy(['users', 'promote', 'ana@example.org', '--role', 'owner']);
  assert.equal(badRole.code, 1);
  assert.match(badRole.stderr, /--role must be admin or moderator \(got owner\)/);
  assert.equal((await paperboy(['users', 'promote', 'boss@example.org'])).code, 0);
  const demotion = await paperboy(['users', 'promote', 'boss@example.org', '--role', 'moderator']);
  assert.equal(demotion.code, 1);
  assert.match(demotion.stderr, /boss is an admin already; demote them on the admin page/);
  assert.doesNotMatch(badAddress.stderr + badRole.stderr + demotion.stderr, /\n\s+at /, 'no stack traces');
});
