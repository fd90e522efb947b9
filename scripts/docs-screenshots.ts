// The pictures in the README, made from real data the way a newcomer's hub would have it: the
// Hugging Face daily papers of the last weeks in ../shared/data are imported with `paperboy ingest`
// into a throwaway hub, `paperboy serve` serves it, and headless Chromium photographs the home
// page, a week, a paper and trending (light, dark and 390 px wide). Nothing here is staged: the
// digest is what `paperboy digest preview` renders for a topic subscription.
//   npm run docs:screenshots            (needs ../shared/data and /usr/bin/chromium)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from '../test/helpers/free-port.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = join(ROOT, 'docs');
const HF = resolve(ROOT, '..', 'shared', 'data', 'hf-daily-papers', 'raw');
const CHROMIUM = '/usr/bin/chromium';
const DAYS = 14;

for (const [path, what] of [[HF, 'the Hugging Face daily papers in ../shared/data'], [CHROMIUM, 'Debian\'s chromium (apt-get install -y chromium)']] as const) {
  if (!existsSync(path)) {
    console.error(`docs:screenshots needs ${what}: ${path} is missing`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'paperboy-docs-'));
const env = { ...process.env, PAPERBOY_DB: join(work, 'hub.db'), PAPERBOY_LOG_LEVEL: 'warn' };
const paperboy = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }).toString();

try {
  const days = readdirSync(HF).filter((f) => f.endsWith('.json')).sort().slice(-DAYS);
  console.log(`step 1/4: importing ${days.length} days of Hugging Face daily papers (${days[0]} … ${days.at(-1)})`);
  paperboy('ingest', ...days.map((d) => join(HF, d)));

  // The digest of a reading list: a reader collects the newest day's most upvoted papers, and
  // another follows the collection (the kinds that follow new arrivals would find nothing new in
  // papers of August; a collection's additions are new now).
  console.log('step 2/4: a public reading list of the newest day\'s top papers, a confirmed subscription to it, and the digest it would bring');
  const store = await openSqliteStore(env.PAPERBOY_DB);
  const now = new Date().toISOString();
  const newest = days.at(-1)!.slice(0, 10);
  const listed = await store.listPapers(`${newest}T00:00:00.000Z`, new Date(Date.parse(`${newest}T00:00:00.000Z`) + 86_400_000).toISOString());
  const top = listed.sort((a, b) => (b.upvotes ?? 0) - (a.upvotes ?? 0)).slice(0, 6);
  const { user } = await store.accounts.userForEmail('curator@example.org', now);
  const list = await store.community.createCollection({ userKey: user.key, name: 'Reading group', public: true, now });
  // The most upvoted added last, so the digest (newest additions first) leads with it.
  const start = Date.now();
  for (const [i, p] of [...top].reverse().entries()) await store.community.addToCollection(list.key, p.id, new Date(start + i).toISOString());
  const at = new Date(Date.now() + 2 * 3_600_000);
  await store.subscriptions.request({
    email: 'reader@example.org', kind: 'collection', target: String(list.key), maxPapers: 6, now,
    schedule: { frequency: 'daily', hour: at.getUTCHours(), weekday: 1, timeZone: 'UTC' },
    confirmation: { confirmed: true, nextDueAt: at.toISOString() },
  });
  await store.close();
  const html = join(work, 'digest.html');
  paperboy('digest', 'preview', 'reader@example.org', '--at', at.toISOString(), '--html', html);

  console.log('step 3/4: photographing the digest in Chromium, light and dark');
  mkdirSync(DOCS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    await photographPages(browser);
    for (const scheme of ['light', 'dark'] as const) {
      const page = await browser.newPage({ viewport: { width: 720, height: 1100 }, colorScheme: scheme, javaScriptEnabled: false });
      await page.goto(pathToFileURL(html).href);
      const out = join(DOCS, scheme === 'light' ? 'digest.png' : 'digest-dark.png');
      await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 720, height: 1100 } });
      console.log(`  wrote ${out}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The hub's pages as `paperboy serve` shows them, in three looks each. */
async function photographPages(browser: Browser): Promise<void> {
  console.log('step 4/4: serving the hub and photographing its pages');
  const port = await freePort();
  const server = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--port', String(port), '--no-harvest', '--no-index'], {
    // No network here: Hugging Face's thumbnails would be broken images, so they are left out.
    env: { ...env, PAPERBOY_DIGEST_MINUTES: '0', PAPERBOY_GITHUB_SAMPLE_MINUTES: '0', PAPERBOY_REMOTE_IMAGES: 'off' },
    cwd: ROOT,
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(base).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const home = await (await fetch(base)).text();
    const paper = /href="(\/papers\/[^"]+)"/.exec(home)?.[1] ?? '/';
    const pages = [['home', '/'], ['week', '/week'], ['paper', paper], ['trending', '/trending?period=week']] as const;
    const looks = [
      { name: 'light', viewport: { width: 1280, height: 900 }, colorScheme: 'light' as const },
      { name: 'dark', viewport: { width: 1280, height: 900 }, colorScheme: 'dark' as const },
      { name: 'phone', viewport: { width: 390, height: 844 }, colorScheme: 'light' as const },
    ];
    for (const look of looks) {
      const context = await browser.newContext({ viewport: look.viewport, colorScheme: look.colorScheme, deviceScaleFactor: 1 });
      for (const [name, path] of pages) {
        const page = await context.newPage();
        await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
        const out = join(DOCS, `${name}-${look.name}.jpg`);
        await page.screenshot({ path: out, type: 'jpeg', quality: 80 });
        console.log(`  wrote ${out}`);
        await page.close();
      }
      await context.close();
    }
  } finally {
    server.kill('SIGTERM');
  }
}
