// npm run bench:load [-- --seconds 5 --connections 20 --json]
// HTTP load on real `paperboy serve` processes holding the real Hugging Face corpus
// (../shared/data/hf-daily-papers/raw): one process on SQLite, then one and two processes on one
// PostgreSQL database (PAPERBOY_TEST_POSTGRES_URL names the server; a database is made and dropped),
// each for the home page, a search and a vote storm (2,000 signed-in readers toggling votes on 50
// papers), beside bare Fastify answering a fixed page in the same run. Two processes are loaded by
// two autocannon clients at once (no balancer in between): their requests add up, latency is the
// worse of the two. autocannon runs on the same machine, so figures are ratios to bare Fastify.
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import autocannon from 'autocannon';
import { postgresStatement } from '../src/store/pg-db.ts';
import { openPostgresStore } from '../src/store/postgres.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import type { Store } from '../src/store/store.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { signedIn, type TestSession } from '../test/helpers/sign-in.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '20' },
    readers: { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const READERS = Number(values.readers);
const BIN = resolve('bin/paperboy.js');
const DATA = resolve('..', 'shared', 'data', 'hf-daily-papers', 'raw');
const POSTGRES_URL = process.env.PAPERBOY_TEST_POSTGRES_URL;
const run = promisify(execFile);
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Outcome {
  setup: string;
  scenario: string;
  processes: number;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  ok: number;
  errors: number;
  /** Answers outside 2xx/3xx (a 429 counts here), and sockets that failed or timed out. */
  non2xx: number;
}

interface Scenario {
  name: string;
  request: (sessions: TestSession[], papers: string[]) => autocannon.Request[];
}

const SCENARIOS: Scenario[] = [
  { name: 'home page', request: () => [{ method: 'GET', path: '/' }] },
  { name: 'search', request: () => [{ method: 'GET', path: '/search?q=diffusion+transformer' }] },
  {
    name: 'vote storm',
    request: (sessions, papers) => {
      let n = 0;
      return [
        {
          method: 'POST',
          path: '/',
          setupRequest: (req) => {
            const i = n++;
            const s = sessions[i % sessions.length]!;
            const paper = papers[Math.floor(i / sessions.length) % papers.length]!;
            return {
              ...req,
              path: `/papers/${paper}/vote`,
              headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
              body: `_csrf=${s.csrf}&up=${Math.floor(i / (sessions.length * papers.length)) % 2 === 0 ? '1' : '0'}`,
            };
          },
        },
      ];
    },
  },
];

async function load(ports: number[], requests: autocannon.Request[]): Promise<Omit<Outcome, 'setup' | 'scenario' | 'processes'>> {
  const results = await Promise.all(
    ports.map((port) =>
      autocannon({ url: `http://127.0.0.1:${port}`, connections: Math.max(1, Math.round(CONNECTIONS / ports.length)), duration: SECONDS, requests }),
    ),
  );
  const requestsDone = results.reduce((sum, r) => sum + r.requests.total, 0);
  return {
    requests: requestsDone,
    perSecond: results.reduce((sum, r) => sum + r.requests.average, 0),
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    ok: results.reduce((sum, r) => sum + r['2xx'] + r['3xx'], 0),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
  };
}

function start(command: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, command, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d) => process.stderr.write(d));
  return child;
}

async function ready(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      await (await fetch(`http://127.0.0.1:${port}/healthz`)).arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing answered on port ${port}`);
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => new Promise((r) => {
    c.once('exit', r);
    c.kill('SIGTERM');
  })));
}

/** Readers with sessions, made in the store as sign-in would make them, and the papers they vote on. */
async function prepare(store: Store): Promise<{ sessions: TestSession[]; papers: string[] }> {
  const sessions: TestSession[] = [];
  for (let i = 0; i < READERS; i++) sessions.push(await signedIn(store, `reader${i}@bench.example`));
  const day = (await store.latestDay())!;
  const from = new Date(Date.parse(`${day}T00:00:00Z`) - 30 * 86_400_000).toISOString();
  const papers = (await store.listPapers(from, new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString(), { limit: 50 })).map((p) => p.id);
  return { sessions, papers };
}

async function measureHub(setup: string, env: NodeJS.ProcessEnv, processes: number, prepared: { sessions: TestSession[]; papers: string[] }): Promise<Outcome[]> {
  const ports = await Promise.all(Array.from({ length: processes }, () => freePort()));
  const children = ports.map((port) => start([BIN, 'serve', '--port', String(port), '--no-index', '--no-harvest'], env));
  const out: Outcome[] = [];
  try {
    await Promise.all(ports.map(ready));
    for (const scenario of SCENARIOS) {
      log(`${setup}, ${processes} process(es): ${scenario.name} for ${SECONDS} s`);
      out.push({ setup, scenario: scenario.name, processes, ...(await load(ports, scenario.request(prepared.sessions, prepared.papers))) });
    }
  } finally {
    await stop(children);
  }
  return out;
}

async function bareFastify(): Promise<Outcome> {
  const port = await freePort();
  // The same page size as the home page is not the point: this is the floor of the framework and
  // the loopback on this machine, measured under the same client at the same time of the run.
  const child = start(['--input-type=module', '-e', `
    import Fastify from 'fastify';
    const app = Fastify();
    const page = '<!doctype html><title>bare</title>' + 'x'.repeat(40000);
    app.get('/', async (_q, reply) => reply.type('text/html').send(page));
    app.get('/healthz', async () => ({ ok: true }));
    await app.listen({ port: ${port}, host: '127.0.0.1' });
  `], process.env);
  try {
    await ready(port);
    log(`bare Fastify: a fixed 40 kB page for ${SECONDS} s`);
    return { setup: 'bare Fastify', scenario: 'fixed page', processes: 1, ...(await load([port], [{ method: 'GET', path: '/' }])) };
  } finally {
    await stop([child]);
  }
}

async function main(): Promise<void> {
  if (!existsSync(DATA)) throw new Error(`bench:load reads the real corpus at ${DATA}; it is not there.`);
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-load-'));
  const base = { ...process.env, PAPERBOY_HARVEST_DAYS: '0', PAPERBOY_DIGEST_MINUTES: '0', PAPERBOY_GITHUB_SAMPLE_MINUTES: '0', PAPERBOY_LOG_LEVEL: 'warn' };
  const outcomes: Outcome[] = [];
  let database: string | undefined;
  try {
    outcomes.push(await bareFastify());

    const sqliteEnv = { ...base, PAPERBOY_DB: join(dir, 'hub.db') };
    log('importing the corpus into SQLite');
    await run(process.execPath, [BIN, 'ingest', DATA], { env: sqliteEnv, maxBuffer: 1 << 26 });
    const lite = await openSqliteStore(sqliteEnv.PAPERBOY_DB);
    const litePrepared = await prepare(lite);
    await lite.close();
    outcomes.push(...(await measureHub('SQLite', sqliteEnv, 1, litePrepared)));

    if (POSTGRES_URL) {
      database = `pb_load_${randomBytes(4).toString('hex')}`;
      await postgresStatement(POSTGRES_URL, `CREATE DATABASE ${database}`);
      const url = new URL(POSTGRES_URL);
      url.pathname = `/${database}`;
      const pgEnv = { ...base, PAPERBOY_DATABASE_URL: url.toString(), PAPERBOY_INDEX_DIR: join(dir, 'pg.index') };
      log('importing the corpus into PostgreSQL');
      await run(process.execPath, [BIN, 'ingest', DATA], { env: pgEnv, maxBuffer: 1 << 26 });
      const post = await openPostgresStore(url.toString());
      const pgPrepared = await prepare(post);
      await post.close();
      outcomes.push(...(await measureHub('PostgreSQL', pgEnv, 1, pgPrepared)));
      outcomes.push(...(await measureHub('PostgreSQL', pgEnv, 2, pgPrepared)));
    } else {
      log('PAPERBOY_TEST_POSTGRES_URL is not set: PostgreSQL is left out of this run.');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (database && POSTGRES_URL) await postgresStatement(POSTGRES_URL, `DROP DATABASE IF EXISTS ${database}`);
  }
  report(outcomes);
}


function report(outcomes: Outcome[]): void {
  const bare = outcomes.find((o) => o.setup === 'bare Fastify')!;
  if (values.json) {
    console.log(JSON.stringify({ cores: availableParallelism(), seconds: SECONDS, connections: CONNECTIONS, readers: READERS, outcomes }, null, 2));
    return;
  }
  console.log(`\n${availableParallelism()} cores, ${CONNECTIONS} connections, ${SECONDS} s each; req/s also as a share of bare Fastify's (${bare.perSecond.toFixed(0)} req/s)`);
  console.log('setup          procs  scenario     req/s   of bare   p50 ms  p99 ms  2xx/3xx  other');
  for (const o of outcomes) {
    console.log(
      `${o.setup.padEnd(14)} ${String(o.processes).padStart(5)}  ${o.scenario.padEnd(11)} ${o.perSecond.toFixed(0).padStart(6)}  ${((o.perSecond / bare.perSecond) * 100).toFixed(1).padStart(6)}%  ${String(o.p50).padStart(6)}  ${String(o.p99).padStart(6)}  ${String(o.ok).padStart(7)}  ${String(o.non2xx).padStart(5)}`,
    );
  }
}

await main();
