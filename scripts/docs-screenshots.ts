// The pictures in the README, made from real data the way a newcomer's hub would have it: the
// Hugging Face daily papers of the last weeks in ../shared/data are imported with `paperboy ingest`
// into a throwaway hub, and what it shows is photographed in headless Chromium. Nothing here is
// staged: the digest is what `paperboy digest preview` renders for a topic subscription.
//   npm run docs:screenshots            (needs ../shared/data and /usr/bin/chromium)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
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
  console.log(`step 1/3: importing ${days.length} days of Hugging Face daily papers (${days[0]} … ${days.at(-1)})`);
  paperboy('ingest', ...days.map((d) => join(HF, d)));

  console.log('step 2/3: a confirmed topic subscription, and the digest it would bring');
  const store = await openSqliteStore(env.PAPERBOY_DB);
  const at = new Date(Date.now() + 2 * 3_600_000);
  await store.subscriptions.request({
    email: 'reader@example.org', kind: 'search', target: 'diffusion', maxPapers: 6, now: new Date().toISOString(),
    schedule: { frequency: 'daily', hour: at.getUTCHours(), weekday: 1, timeZone: 'UTC' },
    confirmation: { confirmed: true, nextDueAt: at.toISOString() },
  });
  await store.close();
  const html = join(work, 'digest.html');
  paperboy('digest', 'preview', 'reader@example.org', '--at', at.toISOString(), '--html', html);

  console.log('step 3/3: photographing it in Chromium, light and dark');
  mkdirSync(DOCS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
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
