// npm run bench:digest [-- --subscribers 100000 --papers 20000 --new 300 --json]
// Digests at scale: a hub of generated papers (bench/scale-corpus.ts, real sentences recombined)
// with `new` of them arriving today, an LSA model, and subscribers of whom 60% follow trending,
// 30% one of 200 searches and 10% their own reading (each upvoted five papers). Measured in one
// run: composing every due edition into the outbox (ms per subscriber), then sending them all over
// one pooled SMTP connection to a local server in another process that accepts and discards
// (mails/s), beside nodemailer alone sending one fixed message of the same size the same way, and
// that message prebuilt and sent raw (the transport's ceiling);
// the ratios are the figures, as the machine is shared. The goal: 100k digests in under 5 minutes on
// 2 cores, composing in at most 1 ms a subscriber.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import nodemailer from 'nodemailer';
import { composeDue } from '../src/digest/compose.ts';
import { hubLinkSigner } from '../src/digest/links.ts';
import { smtpMailer } from '../src/digest/mailer.ts';
import { mimeMessage } from '../src/digest/mime.ts';
import type { DigestRunContext } from '../src/digest/run.ts';
import { digestMailer, sendQueued, type DigestMailer } from '../src/digest/send.ts';
import { centroidRecommender } from '../src/rank/personal.ts';
import { DEFAULT_LSA_DIMENSIONS } from '../src/search/embedder-config.ts';
import { SemanticSearch } from '../src/search/semantic.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { mulberry32 } from '../test/helpers/random.ts';
import { generatePapers, loadSentencePool, sampleQueries } from './scale-corpus.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100000' },
    papers: { type: 'string', default: '20000' },
    new: { type: 'string', default: '300' },
    baseline: { type: 'string', default: '5000' },
    connections: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const PAPERS = Number(values.papers);
const NEW = Number(values.new);
const BASELINE_MAILS = Number(values.baseline);
const CONNECTIONS = Number(values.connections);
const HOUR_MS = 3_600_000;
const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const dir = mkdtempSync(join(tmpdir(), 'paperboy-bench-digest-'));
const sink = await startDiscardingSink();
try {
  const result = await run(sink.url);
  const counted = await sink.stop();
  const report = { ...result, cores: availableParallelism(), sinkReceived: counted.messages };
  if (values.json) console.log(JSON.stringify(report));
  else print(report);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function run(smtpUrl: string) {
  log(`generating ${PAPERS} papers (${NEW} of them new today)`);
  const pool = await loadSentencePool();
  const now = new Date();
  const store = await openSqliteStore(join(dir, 'hub.db'));
  const papers = [...generatePapers(PAPERS, pool, 7)];
  papers.slice(-NEW).forEach((p) => (p.listedAt = now.toISOString()));
  await store.bulk(async () => {
    for (let i = 0; i < papers.length; i += 2000) await store.upsertPapers(papers.slice(i, i + 2000));
  });
  log('building the meaning index (LSA)');
  const semantic = await SemanticSearch.open(store, { indexDir: join(dir, 'index') });
  await semantic.build({ kind: 'lsa', dimensions: DEFAULT_LSA_DIMENSIONS });

  log(`subscribing ${SUBSCRIBERS} addresses`);
  const due = new Date(Math.ceil((now.getTime() + 1) / HOUR_MS) * HOUR_MS);
  const queries = sampleQueries(pool, 200, 11);
  const mix = subscribe(join(dir, 'hub.db'), { due, confirmed: new Date(now.getTime() - HOUR_MS), queries, papers: PAPERS });

  const mailer = smtpMailer(smtpUrl, 'Paperboy <digests@bench.example>', { pool: { connections: CONNECTIONS } });
  const ctx: DigestRunContext = {
    store, semantic, recommender: centroidRecommender(store, semantic), mailer, signer: await hubLinkSigner(store.shared), siteName: 'Paperboy', baseUrl: 'https://papers.example.org', concurrency: CONNECTIONS,
  };
  const at = new Date(due.getTime() + HOUR_MS / 2);

  log('composing');
  const composeStart = performance.now();
  const compose = await composeDue(ctx, { now: at, mailHost: 'papers.example.org', progress: (n) => n % 20_000 === 0 && log(`  composed ${n}`) });
  const composeSeconds = (performance.now() - composeStart) / 1000;

  // The baseline sends a mail of the same size as a real one: the first queued digest, rendered.
  const [sample] = await store.subscriptions.queued(at.toISOString(), 1);
  const fixed = digestMailer(ctx)(sample!);
  const mailKb = Math.round(((fixed.html?.length ?? 0) + fixed.text.length) / 1024);
  log(`baseline: nodemailer sending one fixed ${mailKb} KB message ${BASELINE_MAILS} times over ${CONNECTIONS} connection(s)`);
  const baselineRate = await nodemailerAlone(smtpUrl, fixed, BASELINE_MAILS);
  // And the transport's ceiling: the same message built once, sent raw (no composing at all).
  const rawRate = await nodemailerAlone(smtpUrl, fixed, BASELINE_MAILS, mimeMessage({ ...fixed, html: fixed.html ?? '' }, 'Paperboy <digests@bench.example>'));

  log('sending');
  const send = await sendQueued(ctx, { now: () => at, progress: (n) => n % 20_000 === 0 && log(`  sent ${n}`) });
  mailer.close();
  await semantic.close();
  await store.close();
  return {
    subscribers: SUBSCRIBERS,
    mix,
    papers: PAPERS,
    newPapers: NEW,
    compose: { seconds: composeSeconds, msPerSubscriber: (composeSeconds * 1000) / compose.due, queued: compose.queued, skipped: compose.skipped },
    send: { seconds: send.seconds, sent: send.sent, mailsPerSecond: send.sent / send.seconds, connections: CONNECTIONS, mailKb },
    baseline: { mailsPerSecond: baselineRate, rawMailsPerSecond: rawRate },
    totalSeconds: composeSeconds + send.seconds,
  };
}

/** Subscribers, their subscriptions and the personal readers' votes, written straight to the database (setup, not measured). */
function subscribe(path: string, o: { due: Date; confirmed: Date; queries: string[]; papers: number }) {
  const db = new BetterSqlite3(path);
  const rand = mulberry32(5);
  const mix = { trending: 0, search: 0, personal: 0 };
  const confirmed = o.confirmed.toISOString();
  const s = {
    subscriber: db.prepare('INSERT INTO subscribers (email, created_at) VALUES (?, ?)'),
    user: db.prepare("INSERT INTO users (email, name, role, created_at) VALUES (?, ?, 'member', ?)"),
    vote: db.prepare('INSERT OR IGNORE INTO votes (paper_pk, user_pk, created_at) VALUES (?, ?, ?)'),
    subscription: db.prepare(`INSERT INTO subscriptions (subscriber_pk, user_pk, kind, target, frequency, send_hour, weekday, time_zone, max_papers, state, created_at, confirmed_at, updated_at, next_due_at)
                              VALUES (?, ?, ?, ?, 'daily', ?, 1, 'UTC', 10, 'active', ?, ?, ?, ?)`),
  };
  db.transaction(() => {
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const email = `reader${i}@bench.example`;
      const subscriber = Number(s.subscriber.run(email, confirmed).lastInsertRowid);
      const draw = rand();
      let user: number | null = null;
      let kind: keyof typeof mix = 'trending';
      let target = '';
      if (draw >= 0.9) {
        kind = 'personal';
        user = Number(s.user.run(email, `reader${i}`, confirmed).lastInsertRowid);
        for (let v = 0; v < 5; v++) s.vote.run(1 + Math.floor(rand() * o.papers), user, confirmed);
      } else if (draw >= 0.6) {
        kind = 'search';
        target = o.queries[Math.floor(rand() * o.queries.length)]!;
      }
      mix[kind]++;
      s.subscription.run(subscriber, user, kind, target, o.due.getUTCHours(), confirmed, confirmed, confirmed, o.due.toISOString());
    }
  })();
  db.close();
  return mix;
}

/** nodemailer by itself, set up as Paperboy's digest mailer is (pooled, base64), one mail in flight per connection. */
async function nodemailerAlone(url: string, mail: ReturnType<DigestMailer>, count: number, raw?: Buffer): Promise<number> {
  const transport = nodemailer.createTransport({ url, pool: true, maxConnections: CONNECTIONS, maxMessages: Infinity } as Parameters<typeof nodemailer.createTransport>[0]);
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const to = `reader${next++}@bench.example`;
      await transport.sendMail(raw ? { envelope: { from: 'digests@bench.example', to: [to] }, raw } : { from: 'Paperboy <digests@bench.example>', ...mail, to, textEncoding: 'base64' });
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  transport.close();
  return count / ((performance.now() - start) / 1000);
}

async function startDiscardingSink(): Promise<{ url: string; stop(): Promise<{ messages: number; bytes: number }> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'smtp-discard.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const port = Number((await lines.next()).value);
  return {
    url: `smtp://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      return JSON.parse(String((await lines.next()).value)) as { messages: number; bytes: number };
    },
  };
}

function print(r: Awaited<ReturnType<typeof run>> & { cores: number; sinkReceived: number }) {
  const ratio = r.send.mailsPerSecond / r.baseline.mailsPerSecond;
  console.log(`bench:digest on ${r.cores} cores: ${r.subscribers.toLocaleString('en-US')} subscribers (${r.mix.trending} trending, ${r.mix.search} search, ${r.mix.personal} personal), ${r.papers.toLocaleString('en-US')} papers, ${r.newPapers} new`);
  console.log(`  compose: ${r.compose.seconds.toFixed(1)} s, ${r.compose.msPerSubscriber.toFixed(3)} ms a subscriber (goal ≤ 1 ms); ${r.compose.queued} queued, ${r.compose.skipped} with nothing new`);
  console.log(`  send:    ${r.send.seconds.toFixed(1)} s, ${r.send.mailsPerSecond.toFixed(0)} mails/s over ${r.send.connections} connection(s), ${r.send.mailKb} KB a mail; the SMTP server received ${r.sinkReceived} (with the baseline's)`);
  console.log(`  nodemailer alone, one fixed message of the same size: ${r.baseline.mailsPerSecond.toFixed(0)} mails/s → Paperboy sends at ${(100 * ratio).toFixed(0)}% of it`);
  console.log(`  nodemailer's SMTP transport sending that message prebuilt (the ceiling): ${r.baseline.rawMailsPerSecond.toFixed(0)} mails/s → Paperboy at ${((100 * r.send.mailsPerSecond) / r.baseline.rawMailsPerSecond).toFixed(0)}% of it`);
  console.log(`  total:   ${r.totalSeconds.toFixed(1)} s for ${r.subscribers.toLocaleString('en-US')} digests (goal: 100,000 in under 300 s)`);
}
