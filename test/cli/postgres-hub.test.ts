// Several stateless web processes behind one PostgreSQL database behave as one hub: papers
// imported by the CLI, a reader who signs in on one `paperboy serve` and votes on another, and a
// per-address limit that counts across both. Real processes, a real server, real HTTP.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { csrfTokenFor } from '../../src/web/auth.ts';
import { POSTGRES, POSTGRES_URL } from '../helpers/engines.ts';
import { postgresStatement } from '../../src/store/pg-db.ts';
import { freePort } from '../helpers/free-port.ts';

const BIN = fileURLToPath(new URL('../../bin/paperboy.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/hf-daily.json', import.meta.url));
const PAPER = '2506.09513';
const run = promisify(execFile);

describe('two `paperboy serve` processes on one PostgreSQL database', { skip: POSTGRES.skip }, () => {
  const database = `pb_hub_${randomBytes(4).toString('hex')}`;
  let url: string;
  let env: NodeJS.ProcessEnv;
  const servers: { child: ChildProcess; port: number; output: () => string }[] = [];

  const admin = (sql: string) => postgresStatement(POSTGRES_URL!, sql);

  before(async () => {
    await admin(`CREATE DATABASE ${database}`);
    const u = new URL(POSTGRES_URL!);
    u.pathname = `/${database}`;
    url = u.toString();
    env = { ...process.env, PAPERBOY_DATABASE_URL: url, PAPERBOY_HARVEST_DAYS: '0', PAPERBOY_DIGEST_MINUTES: '0', PAPERBOY_GITHUB_SAMPLE_MINUTES: '0', PAPERBOY_LOG_LEVEL: 'info', PAPERBOY_BASE_URL: 'http://hub.example' };
    await run(process.execPath, [BIN, 'ingest', FIXTURE], { env });
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--no-index'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      servers.push({ child, port, output: () => output });
    }
    for (const s of servers) await until(() => /Paperboy serves \d+ papers from postgres:/.test(s.output()), `server on ${s.port} started: ${s.output()}`);
  });

  after(async () => {
    for (const s of servers) {
      s.child.kill('SIGTERM');
      await new Promise((r) => s.child.once('exit', r));
    }
    await admin(`DROP DATABASE IF EXISTS ${database}`);
  });

  /** A cookie jar over fetch, as a browser keeps one per site (both servers are the same site here). */
  const jar = new Map<string, string>();
  async function browse(port: number, path: string, form?: Record<string, string>): Promise<Response> {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }
  const csrf = () => csrfTokenFor(jar.get('paperboy_session') ?? jar.get('paperboy_csrf')!);

  test('both serve the papers the CLI imported', async () => {
    for (const { port } of servers) {
      const res = await fetch(`http://127.0.0.1:${port}/papers/${PAPER}`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /<h1[^>]*>[^<]*\S/);
    }
  });

  test('a reader signs in on one process and votes on the other; each sees the session and the vote', async () => {
    const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
    await browse(a.port, '/signin');
    assert.equal((await browse(a.port, '/signin', { _csrf: csrf(), email: 'ana@example.org' })).status, 200);
    // No SMTP here: the link is in the server log of the process that sent it.
    await until(() => /signin\/verify\?token=[\w-]+/.test(a.output()), 'the sign-in link was logged');
    const token = /signin\/verify\?token=([\w-]+)/.exec(a.output())![1]!;
    const signedIn = await browse(a.port, '/signin/verify', { _csrf: csrf(), token });
    assert.equal(signedIn.status, 303);
    assert.ok(jar.get('paperboy_session'), 'a session cookie');

    // The other process knows the session: its settings page is the reader's.
    const settings = await browse(b.port, '/settings');
    assert.equal(settings.status, 200);
    assert.match(await settings.text(), /ana@example\.org/);
    const vote = await browse(b.port, `/papers/${PAPER}/vote`, { _csrf: csrf(), up: '1' });
    assert.equal(vote.status, 303);

    // And the first process shows it: the button is pressed and the count includes it.
    const page = await (await browse(a.port, `/papers/${PAPER}`)).text();
    assert.match(page, /aria-pressed="true"/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const votes = (await client.query('SELECT count(*)::int AS n FROM votes')).rows[0].n;
    await client.end();
    assert.equal(votes, 1);
  });

  test('the per-address sign-in limit counts across both processes', async () => {
    const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
    jar.clear();
    await browse(a.port, '/signin');
    const statuses: number[] = [];
    // Signing in above made the first; ten in an hour from one address are allowed, split over both.
    for (let i = 0; i < 10; i++) statuses.push((await browse(i % 2 === 0 ? a.port : b.port, '/signin', { _csrf: csrf(), email: `limit${i}@example.org` })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 200, 429]);
  });
});

/** Waits (up to 30 s) for a condition on a child's output. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(condition(), what);
}
