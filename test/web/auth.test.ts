// Accounts over HTTP: sign-in by a link read out of real mail (smtp-server + mailparser), sessions
// and their cookies, CSRF, rate limits, open redirects, bans, roles and the audit log.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { logMailer, smtpMailer } from '../../src/digest/mailer.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { buildApp, type TrustProxy } from '../../src/web/app.ts';
import { CSRF_COOKIE, csrfTokenFor, hashSecret, SESSION_COOKIE } from '../../src/web/auth.ts';
import { HttpBrowser as Browser } from '../helpers/http-browser.ts';
import { signedIn, type TestSession } from '../helpers/sign-in.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { visible } from './fixtures.ts';

const BASE_URL = 'http://hub.example';
const START = new Date('2024-06-04T09:00:00.000Z');
const CSRF_MESSAGE = /This form has expired or came from another site\. Reload the page and try again\./;

const dir = mkdtempSync(join(tmpdir(), 'paperboy-auth-'));
let sink: SmtpSink;
let clock: Date;
let fileNo = 0;
let ipNo = 0;
const opened: { app: FastifyInstance; store: Store }[] = [];

before(async () => {
  sink = await startSmtpSink();
});
after(async () => {
  for (const { app, store } of opened) {
    await app.close();
    await store.close();
  }
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Hub {
  app: FastifyInstance;
  store: Store;
  path: string;
}

/** A hub on a fresh database (so "the first account" is the test's first), mailing over real SMTP. */
async function freshHub(options: { trustProxy?: TrustProxy } = {}): Promise<Hub> {
  clock = new Date(START);
  const path = join(dir, `hub${++fileNo}.db`);
  const store = await openSqliteStore(path);
  return { app: await hubApp(store, options), store, path };
}

async function hubApp(store: Store, options: { trustProxy?: TrustProxy } = {}): Promise<FastifyInstance> {
  const app = await buildApp({ store, ...options, community: { now: () => clock, mailer: smtpMailer(sink.url, 'Paperboy <hub@example.org>'), baseUrl: BASE_URL } });
  opened.push({ app, store });
  return app;
}

function minutesLater(minutes: number): void {
  clock = new Date(clock.getTime() + minutes * 60_000);
}

/** Asks for a link and returns the token read out of the mail that arrived. */
async function askForLink(b: Browser, email: string, next?: string): Promise<string> {
  // Earlier tests may have left mail for this address (from another hub): set it aside.
  for (;;) {
    try {
      await sink.nextFor(email, 0);
    } catch {
      break;
    }
  }
  const asked = await b.post('/signin', { email, ...(next !== undefined ? { next } : {}) });
  assert.equal(asked.statusCode, 200, asked.body);
  assert.match(visible(asked.body), /Check your inbox/);
  const mail = await sink.nextFor(email);
  const link = /(\S+\/signin\/verify\?token=\S+)/.exec(mail.text ?? '')?.[1];
  assert.ok(link, `the mail has a sign-in link: ${mail.text}`);
  assert.ok(link.startsWith(`${BASE_URL}/signin/verify?token=`));
  return new URL(link).searchParams.get('token')!;
}

/** The whole sign-in: ask, read the mail, open the link, press the button. Returns the final answer. */
async function signIn(b: Browser, email: string, next?: string): Promise<LightMyRequestResponse> {
  const token = await askForLink(b, email, next);
  const opened = await b.get(`/signin/verify?token=${token}`);
  assert.equal(opened.statusCode, 200);
  return b.post('/signin/verify', { token });
}

function setCookie(res: LightMyRequestResponse, name: string): string | undefined {
  const all = res.headers['set-cookie'];
  return (Array.isArray(all) ? all : all ? [all] : []).find((c) => c.startsWith(`${name}=`));
}

describe('sign-in by an emailed link', () => {
  let hub: Hub;
  beforeEach(async () => {
    hub = await freshHub();
  });

  test('works end to end through real mail, once, and the first account is an admin', async () => {
    const b = new Browser(hub.app);
    const form = await b.get('/signin?next=/search%3Fq%3Dx');
    assert.match(form.body, /<input type="hidden" name="next" value="\/search\?q=x">/);
    assert.ok(form.body.includes(`name="_csrf" value="${b.csrf()}"`), 'the form carries the visitor token');

    const token = await askForLink(b, 'Ana@Example.org', '/search?q=x');
    const mail = sink.messages.at(-1)!;
    assert.equal(mail.subject, 'Sign in to Paperboy');
    assert.match(mail.text!, /works once, within 15 minutes/);
    assert.equal(mail.from?.value[0]?.address, 'hub@example.org');

    // Only the hash is stored.
    const db = new BetterSqlite3(hub.path, { readonly: true });
    const stored = db.prepare('SELECT token_hash FROM sign_in_tokens').all() as { token_hash: string }[];
    db.close();
    assert.deepEqual(stored, [{ token_hash: hashSecret(token) }]);

    // Opening the link (as a mail scanner would, twice) does not use it.
    for (let i = 0; i < 2; i++) {
      const page = await b.get(`/signin/verify?token=${token}`);
      assert.match(page.body, new RegExp(`<form [^>]*action="/signin/verify"[\\s\\S]*name="token" value="${token}"`));
    }
    const done = await b.post('/signin/verify', { token });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/search?q=x');
    const cookie = setCookie(done, SESSION_COOKIE)!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\//);
    assert.match(cookie, /Max-Age=2592000/, '30 days');
    assert.doesNotMatch(cookie, /Secure/);
    assert.match(b.jar.get(SESSION_COOKIE)!, /^[A-Za-z0-9_-]{43}$/);

    const settings = await b.get('/settings');
    assert.equal(settings.statusCode, 200);
    assert.match(visible(settings.body), /Signed in as ana@example\.org · admin/);
    assert.match(settings.body, /<a href="\/admin">Admin<\/a>/, 'the header offers the admin area');
    assert.match(settings.body, /<form method="post" action="\/signout"><input type="hidden" name="_csrf" value="[0-9a-f]{64}">/);

    const again = await new Browser(hub.app).post('/signin/verify', { token });
    assert.equal(again.statusCode, 400);
    assert.match(visible(again.body), /expired or was already used/);
    assert.match(again.body, /href="\/signin"/);

    const second = new Browser(hub.app);
    assert.equal((await signIn(second, 'bob@example.org')).statusCode, 303);
    const bobs = await second.get('/settings');
    assert.match(visible(bobs.body), /· member ·/);
    assert.doesNotMatch(bobs.body, /href="\/admin"/);
  });

  test('a link expires 15 minutes after it was sent', async () => {
    const b = new Browser(hub.app);
    const token = await askForLink(b, 'ana@example.org');
    minutesLater(15);
    const late = await b.post('/signin/verify', { token });
    assert.equal(late.statusCode, 400);
    assert.match(visible(late.body), /expired or was already used.*within 15 minutes/);
    assert.equal(setCookie(late, SESSION_COOKIE), undefined);

    const fresh = await askForLink(b, 'ana@example.org');
    minutesLater(14);
    assert.equal((await b.post('/signin/verify', { token: fresh })).statusCode, 303);
  });

  test('unknown and malformed tokens get a 400 with a way to ask again', async () => {
    const b = new Browser(hub.app);
    for (const token of ['A'.repeat(43), 'short', '']) {
      const res = await b.post('/signin/verify', { token });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /Ask for a new sign-in link/);
    }
    const page = await b.get('/signin/verify?token=abc');
    assert.equal(page.statusCode, 400);
    assert.match(visible(page.body), /incomplete/);
  });

  test('a bad address is a 400 that says how to write it, and sends nothing', async () => {
    const b = new Browser(hub.app);
    const before = sink.messages.length;
    for (const email of ['', 'no-at-sign', 'two@@example.org', 'a b@example.org', 'ana@example.org\nBcc: x@evil.example', `${'x'.repeat(250)}@example.org`]) {
      const res = await b.post('/signin', { email });
      assert.equal(res.statusCode, 400, email);
      assert.match(visible(res.body), /Write it like ana@example\.org/);
    }
    assert.equal(sink.messages.length, before);
  });

  test('the answer is the same for a new address and a known one', async () => {
    const b = new Browser(hub.app);
    await signIn(b, 'ana@example.org');
    const known = await new Browser(hub.app).post('/signin', { email: 'ana@example.org' });
    const unknown = await new Browser(hub.app).post('/signin', { email: 'nobody@example.org' });
    const strip = (body: string) => visible(body).replace(/ana@example\.org|nobody@example\.org/, 'X');
    assert.equal(strip(known.body), strip(unknown.body));
  });

  test('with no mail server set up, "check your inbox" says the link is in the server log (and with one, it does not)', async () => {
    const logged: string[] = [];
    const store = await openSqliteStore(join(dir, `hub${++fileNo}.db`));
    const app = await buildApp({ store, community: { now: () => clock, baseUrl: BASE_URL, mailer: logMailer((line) => logged.push(line)) } });
    opened.push({ app, store });
    const res = await new Browser(app).post('/signin', { email: 'host@example.org' });
    assert.equal(res.statusCode, 200);
    assert.match(visible(res.body), /no mail server set up \(PAPERBOY_SMTP_URL\), so the mail was written to the server log/);
    assert.match(logged.join('\n'), /\/signin\/verify\?token=/, 'and the link is there');
    const bySmtp = await new Browser(hub.app).post('/signin', { email: 'host@example.org' });
    assert.doesNotMatch(visible(bySmtp.body), /server log/);
  });

  test('a banned account cannot sign in', async () => {
    const b = new Browser(hub.app);
    await signedIn(hub.store, 'admin@example.org');
    const { user } = await signedIn(hub.store, 'eve@example.org');
    await hub.store.accounts.setBanned(user.key, true, clock.toISOString());
    const res = await signIn(b, 'eve@example.org');
    assert.equal(res.statusCode, 403);
    assert.match(visible(res.body), /banned/);
    assert.equal(b.jar.get(SESSION_COOKIE), undefined);
  });

  test('?next= never leads off the site', async () => {
    for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)', '/.//evil.example', '/%2e%2e//evil.example', '/a/..//evil.example']) {
      const b = new Browser(hub.app);
      const form = await b.get(`/signin?next=${encodeURIComponent(next)}`);
      assert.doesNotMatch(form.body, /name="next"/, next);
      const res = await signIn(b, `next${++ipNo}@example.org`, next);
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/', next);
    }
  });
});

describe('sessions', () => {
  let hub: Hub;
  beforeEach(async () => {
    hub = await freshHub();
  });

  test('cookies are Secure behind HTTPS, when PAPERBOY_TRUST_PROXY names the proxy saying so', async () => {
    const proxiedHub = await freshHub({ trustProxy: ['127.0.0.1'] });
    const proxied = new Browser(proxiedHub.app, '127.0.0.1', { 'x-forwarded-proto': 'https' });
    const first = await proxied.get('/signin');
    assert.match(setCookie(first, CSRF_COOKIE)!, /HttpOnly.*SameSite=Lax|SameSite=Lax.*HttpOnly/);
    assert.match(setCookie(first, CSRF_COOKIE)!, /Secure/);
    const done = await signIn(proxied, 'ana@example.org');
    assert.match(setCookie(done, SESSION_COOKIE)!, /Secure/);

    const spoofed = new Browser(proxiedHub.app, '10.1.1.1', { 'x-forwarded-proto': 'https' });
    assert.doesNotMatch(setCookie(await spoofed.get('/signin'), CSRF_COOKIE)!, /Secure/);
    // By default no proxy is trusted, not even one on this host.
    const local = new Browser(hub.app, '127.0.0.1', { 'x-forwarded-proto': 'https' });
    assert.doesNotMatch(setCookie(await local.get('/signin'), CSRF_COOKIE)!, /Secure/);
  });

  test('static files set no cookie (they are cached), while pages give a visitor a CSRF cookie', async () => {
    const visitor = new Browser(hub.app, '127.0.0.1');
    const css = await visitor.get('/static/style.css');
    assert.equal(css.statusCode, 200);
    assert.equal(css.headers['set-cookie'], undefined);
    assert.ok(setCookie(await visitor.get('/'), CSRF_COOKIE));
    const posted = await hub.app.inject({ method: 'POST', url: '/static/style.css', payload: { _csrf: '' } });
    assert.notEqual(posted.statusCode, 200, 'an empty token never passes');
  });

  test('signing in again rotates the session: the old cookie stops working', async () => {
    const b = new Browser(hub.app);
    await signIn(b, 'ana@example.org');
    const old = b.jar.get(SESSION_COOKIE)!;
    await signIn(b, 'ana@example.org');
    const current = b.jar.get(SESSION_COOKIE)!;
    assert.notEqual(current, old);
    const stale = await new Browser(hub.app).use({ cookie: `${SESSION_COOKIE}=${old}` } as TestSession).get('/settings');
    assert.equal(stale.statusCode, 401);
    assert.equal((await b.get('/settings')).statusCode, 200);
  });

  test('a session planted before sign-in (fixation) is not the one after it', async () => {
    const planted = await signedIn(hub.store, 'mallory@example.org');
    const b = new Browser(hub.app).use(planted);
    await signIn(b, 'ana@example.org');
    assert.notEqual(`${SESSION_COOKIE}=${b.jar.get(SESSION_COOKIE)}`, planted.cookie);
    assert.equal((await new Browser(hub.app).use(planted).get('/settings')).statusCode, 401);
  });

  test('sign out ends this session only; sign out everywhere ends them all', async () => {
    const one = await signedIn(hub.store, 'ana@example.org', clock);
    const two = await signedIn(hub.store, 'ana@example.org', clock);
    const three = await signedIn(hub.store, 'ana@example.org', clock);
    const b1 = new Browser(hub.app).use(one);
    const out = await b1.post('/signout');
    assert.equal(out.statusCode, 303);
    assert.match(setCookie(out, SESSION_COOKIE)!, /Expires=Thu, 01 Jan 1970/);
    assert.equal((await new Browser(hub.app).use(one).get('/settings')).statusCode, 401);
    assert.equal((await new Browser(hub.app).use(two).get('/settings')).statusCode, 200);

    const everywhere = await new Browser(hub.app).use(two).post('/signout/everywhere');
    assert.equal(everywhere.statusCode, 303);
    for (const s of [two, three]) assert.equal((await new Browser(hub.app).use(s).get('/settings')).statusCode, 401);
  });

  test('a session expires after 30 days', async () => {
    const s = await signedIn(hub.store, 'ana@example.org', clock);
    minutesLater(30 * 24 * 60 - 1);
    assert.equal((await new Browser(hub.app).use(s).get('/settings')).statusCode, 200);
    minutesLater(2);
    const res = await new Browser(hub.app).use(s).get('/settings');
    assert.equal(res.statusCode, 401);
    assert.match(setCookie(res, SESSION_COOKIE)!, /Expires=Thu, 01 Jan 1970/, 'the dead cookie is cleared');
  });

  test('the header shows Sign in to visitors and the account to users', async () => {
    const visitor = await new Browser(hub.app).get('/settings');
    assert.equal(visitor.statusCode, 401);
    assert.match(visitor.body, /href="\/signin\?next=%2Fsettings"/);
    const page = await new Browser(hub.app).get('/signin');
    assert.match(page.body, /<div class="account-area"><a href="\/signin">Sign in<\/a><\/div>/);
    const s = await signedIn(hub.store, 'ana@example.org', clock);
    const mine = await new Browser(hub.app).use(s).get('/signin');
    assert.match(mine.body, /<a href="\/u\/ana">ana<\/a>/);
    assert.match(visible(mine.body), /You are signed in as ana/);
  });
});

describe('CSRF', () => {
  let hub: Hub;
  let admin: TestSession;
  before(async () => {
    hub = await freshHub();
    admin = await signedIn(hub.store, 'ana@example.org', clock);
    await signedIn(hub.store, 'bob@example.org', clock);
  });

  const ROUTES = ['/signin', '/signin/verify', '/signout', '/signout/everywhere', '/settings', '/admin/users/bob/role', '/admin/users/bob/ban', '/admin/users/bob/unban'];

  test('every state-changing route refuses a missing or wrong token with a 403 a person understands', async () => {
    for (const route of ROUTES) {
      for (const token of [undefined, '0'.repeat(64), csrfTokenFor('someone-else')]) {
        const b = new Browser(hub.app).use(admin);
        const res = await b.request('POST', route, { ...(token ? { _csrf: token } : {}), role: 'moderator', email: 'x@example.org' });
        assert.equal(res.statusCode, 403, `${route} ${token}`);
        assert.match(visible(res.body), CSRF_MESSAGE);
      }
    }
    assert.equal((await hub.store.accounts.userByName('bob'))?.role, 'member', 'nothing changed');
    assert.equal((await hub.store.accounts.auditLog()).length, 0);
  });

  test('a visitor token does not work once signed in, and JSON callers get JSON', async () => {
    const b = new Browser(hub.app);
    await b.get('/signin');
    const visitorToken = b.csrf();
    b.use(admin);
    const res = await b.request('POST', '/settings', { _csrf: visitorToken, name: 'ana2' }, { accept: 'application/json' });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().message, CSRF_MESSAGE);
  });

  test('the x-csrf-token header works in place of the form field', async () => {
    const b = new Browser(hub.app).use(admin);
    const res = await b.request('POST', '/settings', { name: 'ana-renamed' }, { 'x-csrf-token': admin.csrf });
    assert.equal(res.statusCode, 303);
    assert.equal((await hub.store.accounts.userByKey(admin.user.key))?.name, 'ana-renamed');
  });

  test('a GET never needs a token', async () => {
    assert.equal((await new Browser(hub.app).get('/signin')).statusCode, 200);
  });

  test('a change sent from another site is refused by its Origin or Sec-Fetch-Site, even with a good token', async () => {
    const rename = (name: string, headers: Record<string, string>) => new Browser(hub.app).use(admin).request('POST', '/settings', { _csrf: admin.csrf, name }, headers);
    for (const headers of [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } as Record<string, string>,
      { 'sec-fetch-site': 'same-site', origin: 'http://blog.hub.example' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
    ]) {
      const res = await rename('evil-name', headers);
      assert.equal(res.statusCode, 403, JSON.stringify(headers));
      assert.match(visible(res.body), /This request came from .+, not from this hub's own pages, so it was refused\./);
    }
    assert.notEqual((await hub.store.accounts.userByKey(admin.user.key))?.name, 'evil-name');
    const json = await new Browser(hub.app).use(admin).request('POST', '/settings', { _csrf: admin.csrf, name: 'evil-name' }, { origin: 'https://evil.example', accept: 'application/json' });
    assert.match(json.json().message, /came from https:\/\/evil\.example/);
    // Its own pages: the browser says same-origin, or the Origin is the hub's address or its Host.
    let n = 0;
    for (const headers of [{ 'sec-fetch-site': 'same-origin', origin: BASE_URL } as Record<string, string>, { origin: BASE_URL }, { origin: 'http://localhost:80', host: 'localhost:80' }, { 'sec-fetch-site': 'none' }, {}]) {
      assert.equal((await rename(`ana-${++n}`, headers)).statusCode, 303, JSON.stringify(headers));
    }
    assert.equal((await hub.store.accounts.userByKey(admin.user.key))?.name, `ana-${n}`);
  });
});

describe('rate limits on sign-in mails', () => {
  let hub: Hub;
  beforeEach(async () => {
    hub = await freshHub();
  });

  test('per address: 3 links in 15 minutes, then a 429 that says when to try again', async () => {
    const b = new Browser(hub.app);
    for (let i = 0; i < 3; i++) await askForLink(b, 'ana@example.org');
    const refused = await b.post('/signin', { email: 'ANA@example.org' });
    assert.equal(refused.statusCode, 429);
    assert.match(visible(refused.body), /3 sign-in links were sent to this address in the last 15 minutes.*try again in 15 minutes/);
    minutesLater(16);
    await askForLink(b, 'ana@example.org');
  });

  test('per IP: 10 an hour, then a 429 that says when to try again', async () => {
    const b = new Browser(hub.app);
    for (let i = 0; i < 10; i++) assert.equal((await b.post('/signin', { email: `ip${i}@example.org` })).statusCode, 200);
    const refused = await b.post('/signin', { email: 'ip10@example.org' });
    assert.equal(refused.statusCode, 429);
    assert.match(visible(refused.body), /Too many sign-in links were asked for from your network\. Try again in \d+ minutes?\./);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.equal((await new Browser(hub.app).post('/signin', { email: 'other@example.org' })).statusCode, 200, 'another address is not limited');
  });

  test('X-Forwarded-For does not get round the limit: by default nobody is believed, and only a named proxy is', async () => {
    const askWithForwardedFor = (b: Browser, i: number) => b.request('POST', '/signin', { _csrf: b.csrf(), email: `xff${i}@example.org` }, { 'x-forwarded-for': `203.0.113.${i}` });
    for (const hubAndClient of [[hub, '127.0.0.1'], [await freshHub({ trustProxy: ['127.0.0.1'] }), '10.7.7.7']] as const) {
      const b = new Browser(hubAndClient[0].app, hubAndClient[1]);
      await b.get('/signin');
      for (let i = 0; i < 10; i++) assert.equal((await askWithForwardedFor(b, i)).statusCode, 200);
      assert.equal((await askWithForwardedFor(b, 10)).statusCode, 429, `a new X-Forwarded-For each time from ${hubAndClient[1]} is still one client`);
    }
    // Through the named proxy, each forwarded client has its own count.
    const proxied = await freshHub({ trustProxy: ['127.0.0.1'] });
    const proxy = new Browser(proxied.app, '127.0.0.1');
    await proxy.get('/signin');
    for (let i = 0; i < 12; i++) assert.equal((await askWithForwardedFor(proxy, i)).statusCode, 200, `forwarded client ${i}`);
  });

  test('the per-IP count is in the database: a restart does not reset it', async () => {
    const b = new Browser(hub.app);
    for (let i = 0; i < 10; i++) assert.equal((await b.post('/signin', { email: `restart${i}@example.org` })).statusCode, 200);
    await hub.app.close();
    const restarted = new Browser(await hubApp(hub.store), b.ip);
    const refused = await restarted.post('/signin', { email: 'restart10@example.org' });
    assert.equal(refused.statusCode, 429);
    assert.match(visible(refused.body), /Try again in (59|60) minutes\./);
    minutesLater(61);
    assert.equal((await restarted.post('/signin', { email: 'restart11@example.org' })).statusCode, 200, 'an hour later it may ask again');
  });
});

describe('settings', () => {
  test('renaming checks the handle and refuses one that is taken', async () => {
    const hub = await freshHub();
    const ana = await signedIn(hub.store, 'ana@example.org', clock);
    await signedIn(hub.store, 'bob@example.org', clock);
    const b = new Browser(hub.app).use(ana);
    const taken = await b.post('/settings', { name: 'BOB' });
    assert.equal(taken.statusCode, 400, 'uppercase is not a handle');
    const conflict = await b.post('/settings', { name: 'bob' });
    assert.equal(conflict.statusCode, 409);
    assert.match(visible(conflict.body), /The name "bob" is taken/);
    for (const bad of ['ab', 'x'.repeat(31), 'has space', '<script>']) {
      const res = await b.post('/settings', { name: bad });
      assert.equal(res.statusCode, 400, bad);
      assert.doesNotMatch(res.body, /<script>/);
    }
    for (const reserved of ['admin', 'moderator', 'paperboy', 'adm1n', 'Admin', 'pa-per_boy', 'the-admin']) {
      const res = await b.post('/settings', { name: reserved });
      assert.equal(res.statusCode, 400, reserved);
      assert.match(visible(res.body), reserved === 'Admin' ? /lowercase/ : /is reserved: it would look like the hub speaking, or its staff/);
    }
    assert.equal((await hub.store.accounts.userByKey(ana.user.key))?.name, 'ana', 'no reserved name was taken');
    const ok = await b.post('/settings', { name: 'ana_lovelace' });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/settings?saved=1');
    assert.match(visible((await b.get('/settings?saved=1')).body), /Saved\./);
  });
});

describe('admin area', () => {
  let hub: Hub;
  let admin: TestSession;
  let mod: TestSession;
  let member: TestSession;
  beforeEach(async () => {
    hub = await freshHub();
    admin = await signedIn(hub.store, 'ana@example.org', clock);
    mod = await signedIn(hub.store, 'moe@example.org', clock);
    member = await signedIn(hub.store, 'mem@example.org', clock);
    await hub.store.accounts.setRole(mod.user.key, 'moderator');
  });

  test('visitors get 401 and members 403, on pages and actions', async () => {
    for (const url of ['/admin', '/admin/audit']) {
      const visitor = await new Browser(hub.app).get(url);
      assert.equal(visitor.statusCode, 401, url);
      assert.match(visitor.body, /Sign in/);
      assert.equal((await new Browser(hub.app).use(member).get(url)).statusCode, 403, url);
    }
    for (const [who, session] of [['visitor', undefined], ['member', member]] as const) {
      const b = session ? new Browser(hub.app).use(session) : new Browser(hub.app);
      for (const action of ['ban', 'unban', 'role']) {
        const res = await b.post(`/admin/users/moe/${action}`, { role: 'member' });
        assert.equal(res.statusCode, session ? 403 : 401, `${who} ${action}`);
      }
    }
    assert.equal((await hub.store.accounts.auditLog()).length, 0);
  });

  test('moderators ban and unban members but not admins or themselves, and cannot change roles', async () => {
    const b = new Browser(hub.app).use(mod);
    const page = await b.get('/admin');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /action="\/admin\/users\/mem\/ban"/);
    assert.doesNotMatch(page.body, /action="\/admin\/users\/ana\/ban"/);
    assert.doesNotMatch(page.body, /action="\/admin\/users\/moe\/ban"/);
    assert.doesNotMatch(page.body, /\/role"/);
    assert.doesNotMatch(page.body, /ana@example\.org/, 'addresses are for admins');

    assert.equal((await b.post('/admin/users/ana/ban')).statusCode, 403);
    assert.equal((await b.post('/admin/users/moe/ban')).statusCode, 403);
    assert.equal((await b.post('/admin/users/mem/role', { role: 'admin' })).statusCode, 403);
    assert.equal((await b.post('/admin/users/nobody/ban')).statusCode, 404);

    const banned = await b.post('/admin/users/mem/ban', { reason: 'spam <b>links</b>' });
    assert.equal(banned.statusCode, 303);
    assert.ok((await hub.store.accounts.userByName('mem'))?.bannedAt);
    assert.equal((await new Browser(hub.app).use(member).get('/settings')).statusCode, 401, "the banned user's session stopped working");
    assert.equal((await b.post('/admin/users/mem/unban')).statusCode, 303);
    assert.equal((await hub.store.accounts.userByName('mem'))?.bannedAt, undefined);

    const log = await hub.store.accounts.auditLog();
    assert.deepEqual(log.map((e) => [e.action, e.actor?.name, e.target, e.detail]), [
      ['unban', 'moe', 'user:mem', undefined],
      ['ban', 'moe', 'user:mem', 'spam <b>links</b>'],
    ]);
    const audit = await b.get('/admin/audit');
    assert.equal(audit.statusCode, 200);
    assert.ok(visible(audit.body).indexOf('unban') < visible(audit.body).indexOf('spam'), 'newest first');
    assert.match(audit.body, /spam &lt;b&gt;links&lt;\/b&gt;/);
  });

  test('admins change roles (not their own), ban moderators, and each act is audited', async () => {
    const b = new Browser(hub.app).use(admin);
    const page = await b.get('/admin');
    assert.match(page.body, /action="\/admin\/users\/mem\/role"/);
    assert.doesNotMatch(page.body, /action="\/admin\/users\/ana\/role"/);
    assert.match(page.body, /mem@example\.org/);

    assert.equal((await b.post('/admin/users/mem/role', { role: 'moderator' })).statusCode, 303);
    assert.equal((await hub.store.accounts.userByName('mem'))?.role, 'moderator');
    assert.equal((await b.post('/admin/users/moe/role', { role: 'member' })).statusCode, 303);
    assert.equal((await b.post('/admin/users/moe/role', { role: 'member' })).statusCode, 303, 'no change, no entry');
    assert.equal((await b.post('/admin/users/mem/role', { role: 'owner' })).statusCode, 400);
    assert.equal((await b.post('/admin/users/ana/role', { role: 'member' })).statusCode, 403);
    assert.equal((await b.post('/admin/users/ana/ban')).statusCode, 403);
    assert.equal((await b.post('/admin/users/mem/ban')).statusCode, 303);

    const log = await hub.store.accounts.auditLog();
    assert.deepEqual(log.map((e) => [e.action, e.actor?.name, e.target, e.detail]), [
      ['ban', 'ana', 'user:mem', undefined],
      ['demote', 'ana', 'user:moe', 'moderator → member'],
      ['promote', 'ana', 'user:mem', 'member → moderator'],
    ]);
    assert.equal((await b.get('/admin/audit?page=0')).statusCode, 400);
    assert.equal((await b.get('/admin?page=2')).statusCode, 200);
  });
});
