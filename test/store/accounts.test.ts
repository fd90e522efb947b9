// The account store on each engine (a real SQLite file, and a real PostgreSQL server when
// PAPERBOY_TEST_POSTGRES_URL names one): handles, the first admin (even across processes),
// single-use expiring sign-in tokens, sessions, bans and the audit log. Two stores opened on one
// database (engine.reopen) stand for two processes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { handleFromEmail, handleProblem, handleSkeleton, isReservedHandle } from '../../src/store/sqlite-accounts.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { ENGINES } from '../helpers/engines.ts';

const NOW = '2024-06-04T09:00:00.000Z';
const LATER = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

// Pure functions: the same on every engine, so tested once.
describe('handles', () => {
  test('come from the local part, cleaned to lowercase [a-z0-9_-], 3 to 30 characters', () => {
    assert.equal(handleFromEmail('Jane.Doe+papers@example.org'), 'jane-doe');
    assert.equal(handleFromEmail('a@example.org'), 'user-a');
    assert.equal(handleFromEmail('...@example.org'), 'user');
    assert.equal(handleFromEmail('Ünïcode_name@example.org'), 'n-code_name');
    assert.equal(handleFromEmail(`${'x'.repeat(50)}@example.org`), 'x'.repeat(30));
    assert.equal(handleProblem('ok_name-2'), undefined);
    assert.match(handleProblem('ab')!, /3 to 30/);
    assert.match(handleProblem('Bad Name')!, /lowercase/);
  });

  test('names that pass for the hub or its staff are reserved, look-alikes too; ordinary names that contain them are not', () => {
    const reserved = ['admin', 'admins', 'administrator', 'moderator', 'mod', 'paperboy', 'root', 'support', 'postmaster', 'noreply'];
    const lookAlikes = ['adm1n', 'admln', 'm0d', 'm0derator', 'rnoderator', 'paperb0y', 'pa-per_boy', 'r00t', 'supp0rt', 'admin2', 'admin_99', 'the-admin', 'admin-team', 'paperboy-news', 'sitemoderator'];
    for (const name of [...reserved, ...lookAlikes]) assert.match(handleProblem(name) ?? '', /is reserved/, name);
    for (const name of ['badminton-fan', 'modest', 'model-zoo', 'staffan', 'infoseeker', 'ana', 'jane-doe', 'reader', 'rootless-cosmos']) {
      assert.equal(isReservedHandle(name), false, name);
      assert.equal(handleProblem(name), undefined, name);
    }
    assert.equal(handleSkeleton('Pa-Per_B0y'), 'paperboy');
    // An address whose local part is reserved signs in under a plain name.
    assert.equal(handleFromEmail('admin@lab.example'), 'reader');
    assert.equal(handleFromEmail('Paperboy+digests@lab.example'), 'reader');
  });
});

for (const engine of ENGINES) {
  describe(`handles in the store (${engine.name})`, { skip: engine.skip }, () => {
    test('a reserved local part signs in under a plain name, and the first such account still becomes admin by role', async () => {
      const store = await engine.open();
      const first = await store.accounts.userForEmail('admin@lab.example', NOW);
      const second = await store.accounts.userForEmail('moderator@lab.example', NOW);
      assert.deepEqual([first.user.name, first.user.role, second.user.name], ['reader', 'admin', 'reader-2']);
    });

    test('get -2, -3… on collision, and stay within 30 characters', async () => {
      const store = await engine.open();
      const a = await store.accounts.userForEmail('jane.doe@one.example', NOW);
      const b = await store.accounts.userForEmail('Jane_Doe@two.example', NOW); // jane_doe: different
      const c = await store.accounts.userForEmail('jane.doe@two.example', NOW);
      const d = await store.accounts.userForEmail('jane-doe@three.example', NOW);
      assert.deepEqual([a.user.name, b.user.name, c.user.name, d.user.name], ['jane-doe', 'jane_doe', 'jane-doe-2', 'jane-doe-3']);
      const long = 'y'.repeat(40);
      await store.accounts.userForEmail(`${long}@one.example`, NOW);
      const second = await store.accounts.userForEmail(`${long}@two.example`, NOW);
      assert.equal(second.user.name, `${'y'.repeat(28)}-2`);
    });
  });

  describe(`accounts (${engine.name})`, { skip: engine.skip }, () => {
    test('the first account is an admin, later ones members; the same address finds the same account', async () => {
      const store = await engine.open();
      const first = await store.accounts.userForEmail('Ana@Example.org', NOW);
      const second = await store.accounts.userForEmail('bob@example.org', NOW);
      const again = await store.accounts.userForEmail(' ana@example.ORG ', LATER(5));
      assert.equal(first.created, true);
      assert.equal(first.user.role, 'admin');
      assert.equal(first.user.email, 'ana@example.org');
      assert.equal(second.user.role, 'member');
      assert.equal(again.created, false);
      assert.equal(again.user.key, first.user.key);
      assert.equal((await store.accounts.userByEmail('ANA@example.org'))?.key, first.user.key);
      assert.equal((await store.accounts.userByName('ANA'))?.key, first.user.key, 'handles compare without case');
      assert.deepEqual((await store.accounts.users()).map((u) => u.name), ['ana', 'bob']);
      assert.deepEqual((await store.accounts.users({ limit: 1, offset: 1 })).map((u) => u.name), ['bob']);
    });

    test('20 first sign-ins at once through two stores on one database: exactly one admin, every handle distinct', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      // The same local part at 20 domains: every one of them wants the handle "racer", so the
      // handles are distinct only if each pick sees the ones committed before it.
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).accounts.userForEmail(`racer@lab${i}.example`, NOW)));
      const roles = results.map((r) => r.user.role);
      assert.equal(roles.filter((r) => r === 'admin').length, 1, `roles: ${roles.join(', ')}`);
      assert.equal(roles.filter((r) => r === 'member').length, 19);
      const names = results.map((r) => r.user.name);
      assert.equal(new Set(names).size, 20, `handles: ${names.join(', ')}`);
      assert.deepEqual(new Set(names), new Set(['racer', ...Array.from({ length: 19 }, (_, i) => `racer-${i + 2}`)]));
      assert.ok(results.every((r) => r.created));
      assert.equal((await b.accounts.users()).length, 20, 'each store sees all the accounts');
    });

    test('one new address signing in twice at once through two stores gets one account', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).accounts.userForEmail('Same@Example.org', NOW)));
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal(new Set(results.map((r) => r.user.key)).size, 1);
      assert.equal((await a.accounts.users()).length, 1);
    });

    test('rename refuses a handle another account has (in any case)', async () => {
      const store = await engine.open();
      const ana = (await store.accounts.userForEmail('ana@example.org', NOW)).user;
      await store.accounts.userForEmail('bob@example.org', NOW);
      assert.equal(await store.accounts.rename(ana.key, 'BOB'), false);
      assert.equal(await store.accounts.rename(ana.key, 'ana-lovelace'), true);
      assert.equal((await store.accounts.userByKey(ana.key))?.name, 'ana-lovelace');
    });

    test('the personal feed generation starts at 0 and each reset moves it on, seen by every store', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      const ana = (await a.accounts.userForEmail('ana@example.org', NOW)).user;
      assert.equal(await a.accounts.feedGeneration(ana.key), 0);
      assert.equal(await a.accounts.resetFeed(ana.key), 1);
      // Two resets at once both count: each is a new address, and the old ones are all retired.
      const both = await Promise.all([a.accounts.resetFeed(ana.key), b.accounts.resetFeed(ana.key)]);
      assert.deepEqual(both.sort(), [2, 3]);
      assert.equal(await b.accounts.feedGeneration(ana.key), 3);
      assert.equal(await a.accounts.feedGeneration(ana.key + 1000), 0, 'an unknown account');
    });
  });

  describe(`sign-in tokens (${engine.name})`, { skip: engine.skip }, () => {
    test('work once, only before they expire, and are counted by address and by IP', async () => {
      const store = await engine.open();
      const a = store.accounts;
      await a.saveSignInToken({ tokenHash: 'h1', email: 'Ana@example.org', next: '/papers/2401.00001', ip: '10.0.0.1', now: NOW, expiresAt: LATER(15) });
      await a.saveSignInToken({ tokenHash: 'h2', email: 'ana@example.org', ip: '10.0.0.2', now: LATER(1), expiresAt: LATER(16) });
      await a.saveSignInToken({ tokenHash: 'h3', email: 'bob@example.org', ip: '10.0.0.1', now: LATER(2), expiresAt: LATER(17) });

      assert.equal(await a.countSignInTokens({ email: 'ANA@example.org' }, NOW), 2);
      assert.equal(await a.countSignInTokens({ email: 'ana@example.org' }, LATER(1)), 1);
      assert.equal(await a.countSignInTokens({ ip: '10.0.0.1' }, NOW), 2);
      assert.equal(await a.countSignInTokens({ email: 'bob@example.org', ip: '10.0.0.2' }, NOW), 0);
      assert.equal(await a.countSignInTokens({}, NOW), 3);

      assert.deepEqual(await a.useSignInToken('h1', LATER(3)), { email: 'ana@example.org', next: '/papers/2401.00001' });
      assert.equal(await a.useSignInToken('h1', LATER(3)), undefined, 'a second use fails');
      assert.equal(await a.useSignInToken('h2', LATER(16)), undefined, 'expired at its expiry instant');
      assert.equal(await a.useSignInToken('unknown', LATER(3)), undefined);
      assert.deepEqual(await a.useSignInToken('h3', LATER(16)), { email: 'bob@example.org' });
    });

    test('a link clicked many times at once through two stores works once', async () => {
      const a = await engine.open();
      const b = await engine.reopen(a);
      await a.accounts.saveSignInToken({ tokenHash: 'h', email: 'ana@example.org', now: NOW, expiresAt: LATER(15) });
      const uses = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).accounts.useSignInToken('h', LATER(1))));
      assert.deepEqual(uses.filter((u) => u !== undefined), [{ email: 'ana@example.org' }]);
    });
  });

  describe(`sessions, bans and the audit log (${engine.name})`, { skip: engine.skip }, () => {
    test('a session names its user until it expires, is deleted, or the user is banned', async () => {
      const store = await engine.open();
      const a = store.accounts;
      const ana = (await a.userForEmail('ana@example.org', NOW)).user;
      const bo = (await a.userForEmail('bob@example.org', NOW)).user;
      await a.createSession({ idHash: 's1', userKey: ana.key, now: NOW, expiresAt: LATER(60) });
      await a.createSession({ idHash: 's2', userKey: ana.key, now: NOW, expiresAt: LATER(60) });
      await a.createSession({ idHash: 's3', userKey: bo.key, now: NOW, expiresAt: LATER(60), userAgent: 'test' });

      assert.equal((await a.sessionUser('s1', LATER(10)))?.key, ana.key);
      assert.equal(await a.sessionUser('s1', LATER(60)), undefined, 'expired');
      assert.equal(await a.sessionUser('nope', LATER(10)), undefined);

      await a.deleteSession('s1');
      assert.equal(await a.sessionUser('s1', LATER(10)), undefined);
      assert.equal((await a.sessionUser('s2', LATER(10)))?.key, ana.key);
      await a.deleteSessions(ana.key);
      assert.equal(await a.sessionUser('s2', LATER(10)), undefined, 'signed out everywhere');

      await a.setBanned(bo.key, true, LATER(20));
      assert.equal((await a.userByKey(bo.key))?.bannedAt, LATER(20));
      assert.equal(await a.sessionUser('s3', LATER(21)), undefined, 'a ban ends sessions');
      await a.createSession({ idHash: 's4', userKey: bo.key, now: LATER(22), expiresAt: LATER(60) });
      assert.equal(await a.sessionUser('s4', LATER(23)), undefined, 'a banned user has no live session');
      await a.setBanned(bo.key, false, LATER(24));
      assert.equal((await a.userByKey(bo.key))?.bannedAt, undefined);
      assert.equal((await a.sessionUser('s4', LATER(25)))?.key, bo.key);

      await a.setRole(bo.key, 'moderator');
      assert.equal((await a.userByKey(bo.key))?.role, 'moderator');
    });

    test('audit entries come back newest first, with their actor, paged', async () => {
      const store = await engine.open();
      const a = store.accounts;
      const ana = (await a.userForEmail('ana@example.org', NOW)).user;
      await a.audit({ actorKey: ana.key, action: 'ban', target: 'user:bo', now: LATER(1) });
      await a.audit({ action: 'promote', target: 'user:ana', detail: 'from the command line', now: LATER(2) });
      await a.audit({ actorKey: ana.key, action: 'unban', target: 'user:bo', detail: 'appeal', now: LATER(3) });
      const log = await a.auditLog();
      assert.deepEqual(log.map((e) => e.action), ['unban', 'promote', 'ban']);
      assert.deepEqual(log[0]!.actor, { key: ana.key, name: 'ana' });
      assert.equal(log[0]!.detail, 'appeal');
      assert.equal(log[1]!.actor, undefined);
      assert.equal(log[1]!.detail, 'from the command line');
      assert.deepEqual((await a.auditLog({ limit: 1, offset: 1 })).map((e) => e.action), ['promote']);
    });
  });
}

// SQLite only: real separate processes on one file (the reopen tests above cover PostgreSQL's
// processes, since each store there is its own pool of server connections).
describe('accounts across processes (sqlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-accounts-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('simultaneous first sign-ins from separate processes make exactly one admin', async () => {
    const path = join(dir, 'hub.db');
    await (await openSqliteStore(path)).close();
    const script = `import { openSqliteStore } from ${JSON.stringify(new URL('../../src/store/sqlite.ts', import.meta.url).href)};
const store = await openSqliteStore(process.argv[1]);
const { user } = await store.accounts.userForEmail(process.argv[2], new Date().toISOString());
process.stdout.write(user.role);
await store.close();`;
    const roles = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, path, `racer${i}@example.org`], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (chunk) => (out += chunk));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`racer ${i} exited ${code}`))));
        }),
      ),
    );
    assert.equal(roles.filter((r) => r === 'admin').length, 1, `roles: ${roles.join(', ')}`);
    assert.equal(roles.filter((r) => r === 'member').length, 5);
  });
});
