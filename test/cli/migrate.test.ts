// `paperboy migrate --from sqlite FILE --to postgres URL` as a user runs it: a real SQLite hub
// holding every kind of row (papers from the fixtures, accounts and sessions, votes, a comment
// thread, a collection, a subscription with its outbox, leases, rate limits and secrets, harvest
// state, ingest runs with errors, vectors, a keyword index), the real CLI in a child process, and a
// real PostgreSQL database that is then asked, through the Store API, what the SQLite hub is asked.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { parseQuery } from '../../src/search/query.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { POSTGRES, POSTGRES_URL } from '../helpers/engines.ts';
import { postgresStatement } from '../../src/store/pg-db.ts';
import { paper } from '../helpers/papers.ts';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'paperboy.js');
const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'paperboy-migrate-'));
const SOURCE = join(dir, 'hub.db');
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run { code: number; stdout: string; stderr: string }

async function paperboy(args: string[]): Promise<Run> {
  // No PAPERBOY_DATABASE_URL from the surroundings: every run says where it reads and writes.
  const env: NodeJS.ProcessEnv = { ...process.env, PAPERBOY_DB: SOURCE, PAPERBOY_HARVEST_DAYS: '0' };
  delete env.PAPERBOY_DATABASE_URL;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const NOW = '2026-12-07T09:00:00.000Z';
const LATER = '2026-12-08T09:00:00.000Z';
const SESSION = 'a'.repeat(64);
const MODEL = 'test-3';

test('migrate refuses what it cannot do, saying what to give instead (no PostgreSQL needed)', async () => {
  const engine = await paperboy(['migrate', '--from', 'mysql', 'x.db', '--to', 'postgres', 'postgres://h/db']);
  assert.equal(engine.code, 2);
  assert.match(engine.stderr, /--from expects "sqlite" and then the file/);
  const url = await paperboy(['migrate', '--from', 'sqlite', SOURCE, '--to', 'postgres', 'http://h/db']);
  assert.equal(url.code, 2);
  assert.match(url.stderr, /expects a postgres:\/\/ URL/);
  const missing = await paperboy(['migrate', '--from', 'sqlite', join(dir, 'nowhere.db'), '--to', 'postgres', 'postgres://127.0.0.1:1/db']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /There is no SQLite database at .*nowhere\.db/);
});

describe('paperboy migrate from SQLite to PostgreSQL', { skip: POSTGRES.skip }, () => {
  const database = `pb_migrate_${randomBytes(4).toString('hex')}`;
  let url: string;
  /** Keys of what the hub was given, to ask both sides about. */
  const k = { user: 0, other: 0, comment: 0, reply: 0, collection: 0, subscription: 0, subscriber: 0, papers: [] as string[], keys: [] as number[] };

  const admin = (sql: string) => postgresStatement(POSTGRES_URL!, sql);

  /** One statement on the target database, as another tool (or a mistake) would change it. */
  async function onTarget(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  const migrate = (...extra: string[]) => paperboy(['migrate', '--from', 'sqlite', SOURCE, '--to', 'postgres', url, ...extra]);

  before(async () => {
    await admin(`CREATE DATABASE ${database}`);
    const u = new URL(POSTGRES_URL!);
    u.pathname = `/${database}`;
    url = u.toString();

    // Papers through the real importer: seven fixture files, seven ingest runs, some with bad records.
    for (const f of ['hf-daily.json', 'hf-daily.jsonl', 'kaggle.jsonl', 'oai-arxiv.xml', 'arxiv-atom.xml', 'hf-daily-envelope.json', 'oai-arxivraw.xml']) {
      const r = await paperboy(['ingest', join(FIXTURES, f)]);
      assert.equal(r.code, 0, r.stderr);
    }
    const store = await openSqliteStore(SOURCE);
    try {
      // A duplicate with a smaller key merged into a later paper: papers.merged_into points forward,
      // which the copy must fill in after the row it points at is in.
      await store.upsertPapers([paper('2601.00001', { title: 'Diffusion transformers for speech synthesis' }), paper('2601.00002', { title: 'Diffusion transformers for speech synthesis, again' })]);
      await store.community.mergePaper('2601.00001', '2601.00002', NOW);
      await store.community.setPaperHidden('0704.0009', true, NOW);

      const { user } = await store.accounts.userForEmail('Ana@Example.org', NOW);
      const { user: other } = await store.accounts.userForEmail('bo@example.org', NOW);
      k.user = user.key;
      k.other = other.key;
      await store.accounts.setRole(other.key, 'moderator');
      await store.accounts.createSession({ idHash: SESSION, userKey: user.key, now: NOW, expiresAt: '2030-01-01T00:00:00.000Z', userAgent: 'test' });
      await store.accounts.saveSignInToken({ tokenHash: 'b'.repeat(64), email: 'ana@example.org', next: '/p/2506.09513', ip: '127.0.0.1', now: NOW, expiresAt: LATER });
      await store.accounts.audit({ actorKey: other.key, action: 'hide-paper', target: 'paper:0704.0009', detail: 'spam', now: NOW });

      await store.community.vote(user.key, '2506.09513', true, NOW);
      await store.community.vote(other.key, '2506.09513', true, NOW);
      await store.community.vote(user.key, '2412.07730', true, NOW);
      await store.community.recordSubmission(user.key, '2405.15738', NOW);
      const comment = await store.community.addComment({ userKey: user.key, paperId: '2506.09513', body: 'Is the **dataset** public?', now: NOW });
      const reply = await store.community.addComment({ userKey: other.key, paperId: '2506.09513', parentKey: comment.key, body: 'Yes, on the Hub.', now: LATER });
      await store.community.editComment(reply.key, 'Yes, on the Hub (CC-BY).', LATER);
      k.comment = comment.key;
      k.reply = reply.key;
      const collection = await store.community.createCollection({ userKey: user.key, name: 'Medical LLMs', description: 'to read', public: true, now: NOW });
      await store.community.addToCollection(collection.key, '2506.09513', NOW);
      await store.community.addToCollection(collection.key, '2405.15071', LATER);
      k.collection = collection.key;

      const { subscription } = await store.subscriptions.request({
        email: 'ana@example.org', kind: 'collection', target: String(collection.key), userKey: user.key,
        schedule: { frequency: 'daily', hour: 8, weekday: 1, timeZone: 'Europe/Berlin' }, maxPapers: 10, now: NOW,
        confirmation: { confirmed: true, nextDueAt: NOW },
      });
      k.subscription = subscription.key;
      k.subscriber = subscription.subscriber.key;
      await store.subscriptions.saveEditions([{
        subscriptionKey: subscription.key, edition: '2026-12-07', messageId: `<digest-${subscription.key}-2026-12-07@hub.example>`, recipient: 'ana@example.org',
        content: { hash: 'c'.repeat(64), body: '{"papers":["2506.09513"]}' }, papers: 1, state: 'queued', nextDueAt: LATER, coveredTo: NOW,
      }], NOW);
      await store.subscriptions.recordFeedback(subscription.subscriber.key, '2405.15071', -1, NOW);

      await store.shared.acquireLease('digests', 'host:1:abc', NOW, LATER);
      await store.shared.hit('subscribe-ip:127.0.0.1', 5, '2026-12-07T00:00:00.000Z', NOW);
      await store.shared.hit('subscribe-ip:127.0.0.1', 5, '2026-12-07T00:00:00.000Z', LATER);
      await store.shared.secret('links');
      await store.saveHarvestState({ key: 'oai|cs|2026-12-01|', resumptionToken: 'token-7', harvested: 2000, updatedAt: NOW });
      await store.signals.saveRepoSample('owner/repo', { etag: 'W/"1"', stars: 42, checkedAt: NOW });

      // A vector per paper under a small model, made active: meaning search's state.
      await store.vectors.saveModel({ name: MODEL, dimensions: 3, config: { kind: 'test' }, state: 'ready' });
      const texts = await store.vectors.texts(0, 1000);
      await store.vectors.put(MODEL, texts.map((t, i) => ({ key: t.key, changedAt: t.changedAt, vector: new Float32Array([Math.cos(i), Math.sin(i), i / 100]) })));
      await store.vectors.activate(MODEL);
      await store.keywordIndex.build();
      k.keys = texts.map((t) => t.key);
      k.papers = texts.map((t) => t.id);
    } finally {
      await store.close();
    }
  });

  after(async () => {
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  /** The SQLite file's tables as migrate should list them: all but FTS5's, the keyword index's last. */
  function sourceTables(): string[] {
    const db = new BetterSqlite3(SOURCE, { readonly: true });
    try {
      return (db.prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]);
    } finally {
      db.close();
    }
  }

  /** `table  rows  checksum  ok` lines of a report, by table. */
  function report(stdout: string): Map<string, { rows: string; verdict: string }> {
    const lines = stdout.trim().split('\n').slice(1);
    return new Map(lines.map((l) => {
      const [table, rows, , ...verdict] = l.trim().split(/\s{2,}/);
      return [table!, { rows: rows!, verdict: verdict.join(' ') }];
    }));
  }

  test('copies every table and prints each one\'s rows and matching checksum', async () => {
    const r = await migrate();
    assert.equal(r.code, 0, r.stderr);
    const rows = report(r.stdout);
    const tables = sourceTables();
    assert.ok(tables.includes('papers') && tables.includes('digest_outbox') && !tables.includes('papers_fts'));
    for (const t of tables) assert.ok(rows.has(t), `${t} is in the report:\n${r.stdout}`);
    for (const [t, row] of rows) {
      if (t.startsWith('keyword_')) assert.match(row.verdict, /rebuilt on PostgreSQL/);
      else assert.equal(row.verdict, 'ok', `${t}: ${row.verdict}`);
    }
    assert.equal(rows.get('papers')!.rows, String(k.papers.length));
    assert.equal(rows.get('comments')!.rows, '2');
    assert.equal(rows.get('digest_outbox')!.rows, '1');
    assert.equal(rows.get('paper_vectors')!.rows, String(k.papers.length));
    assert.match(r.stderr, /^papers: \d+ rows, copied in [\d.]+ s, checked in [\d.]+ s$/m, 'a line per table');
    assert.match(r.stderr, /Built the keyword index on PostgreSQL: \d+ papers/);
  });

  test('a second run is refused and changes nothing; with --replace it gives the same target', async () => {
    const again = await migrate();
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already holds a hub \(\d+ papers; rows in \d+ tables: .*\); run again with --replace/);
    const unchanged = await migrate('--verify-only');
    assert.equal(unchanged.code, 0, unchanged.stdout + unchanged.stderr);

    // One row per INSERT: a merged paper's forward reference to a later paper must then wait for
    // it (the copy fills such columns in afterwards), where in one batch PostgreSQL's end-of-statement
    // check would let it pass anyway.
    const replaced = await migrate('--replace', '--batch', '1');
    assert.equal(replaced.code, 0, replaced.stderr);
    const verified = await migrate('--verify-only');
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    // The same checksums as the first copy's: no row twice, none lost.
    assert.deepEqual(report(verified.stdout), report(replaced.stdout));
    assert.match(verified.stderr, /Every table matches/);
  });

  test('a row PostgreSQL cannot take, found half-way, leaves the target exactly as it was', async () => {
    const bad = join(dir, 'bad.db');
    copyFileSync(SOURCE, bad);
    const db = new BetterSqlite3(bad);
    // SQLite keeps text in an INTEGER column; PostgreSQL's integer cannot hold it. papers comes
    // after authors, meta and others in the copy, so rows are already in when this one fails.
    db.prepare("UPDATE papers SET latest_version = 'v2' WHERE id = '2506.09513'").run();
    db.close();
    const r = await paperboy(['migrate', '--from', 'sqlite', bad, '--to', 'postgres', url, '--replace']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /papers row \d+ \(pk \d+\): latest_version holds "v2", which a PostgreSQL integer column cannot take unchanged/);
    assert.match(r.stderr, /^authors: \d+ rows, copied/m, 'earlier tables had been copied in the transaction');
    assert.match(r.stderr, /Nothing was committed: the PostgreSQL database is as it was/);
    const verified = await migrate('--verify-only');
    assert.equal(verified.code, 0, `the rolled-back copy left the previous one intact:\n${verified.stdout}`);
  });

  describe('the target answers as the source does', () => {
    let source: Store;
    let target: Store;
    before(async () => {
      source = await openSqliteStore(SOURCE);
      target = await openPostgresStore(url);
    });
    after(async () => {
      await source?.close();
      await target?.close();
    });

    test('papers: every one by id, day lists, hidden and merged ones', async () => {
      for (const id of k.papers) assert.deepEqual(await target.getPaper(id), await source.getPaper(id), id);
      for (const sort of ['upvotes', 'recent'] as const) {
        assert.deepEqual(await target.listPapers('1990-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z', { sort, limit: 100 }), await source.listPapers('1990-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z', { sort, limit: 100 }));
      }
      assert.equal(await target.community.mergedInto('2601.00001'), '2601.00002');
      assert.ok((await target.getPaper('0704.0009'))?.hiddenAt);
      for (const id of k.papers) assert.equal(await target.keyOf(id), await source.keyOf(id), `${id} keeps its key`);
      // Ties between categories come in each engine's own order: compared as sets.
      const byName = (s: { category: string; count: number }[]) => [...s].sort((a, b) => a.category.localeCompare(b.category));
      assert.deepEqual(byName((await target.stats()).categories), byName((await source.stats()).categories));
    });

    test('search: the same papers in the same order, from a keyword index built on PostgreSQL', async () => {
      const status = await target.keywordIndex.status();
      assert.equal(status.ready, true);
      assert.equal(status.papers, (await source.keywordIndex.status()).papers);
      for (const q of ['video generation', 'transformers', 'dark matter', 'diffusion speech', 'graph decompositions', 'string']) {
        const query = parseQuery(q).query;
        const [s, t] = [await source.search(query, { limit: 20 }), await target.search(query, { limit: 20 })];
        assert.ok(s.total > 0, `${q} finds something`);
        assert.equal(t.total, s.total, q);
        assert.deepEqual(t.hits.map((h) => [h.key, h.paper.id]), s.hits.map((h) => [h.key, h.paper.id]), q);
        const [rs, rt] = [await source.rankByKeywords(query, { limit: 20, any: true }), await target.rankByKeywords(query, { limit: 20, any: true })];
        assert.deepEqual(rt.ranked.map((r) => r.key), rs.ranked.map((r) => r.key), `${q}, any word`);
      }
    });

    test('accounts: the signed-in reader stays signed in, with their role, tokens and the audit log', async () => {
      assert.deepEqual(await target.accounts.sessionUser(SESSION, LATER), await source.accounts.sessionUser(SESSION, LATER));
      assert.equal((await target.accounts.sessionUser(SESSION, LATER))?.key, k.user);
      assert.deepEqual(await target.accounts.userByEmail('ANA@example.org'), await source.accounts.userByEmail('ANA@example.org'), 'case-insensitive on both');
      assert.deepEqual(await target.accounts.users(), await source.accounts.users());
      assert.deepEqual(await target.accounts.auditLog(), await source.accounts.auditLog());
      assert.deepEqual(await target.accounts.useSignInToken('b'.repeat(64), NOW), await source.accounts.useSignInToken('b'.repeat(64), NOW));
    });

    test('community: votes, the comment thread, the collection, the submission', async () => {
      const ids = ['2506.09513', '2412.07730', '2405.15071'];
      assert.deepEqual(await target.community.votes(ids, k.user), await source.community.votes(ids, k.user));
      assert.equal((await target.community.votes(['2506.09513']))?.get('2506.09513')?.count, 2);
      const thread = await target.community.comments('2506.09513');
      assert.deepEqual(thread, await source.community.comments('2506.09513'));
      assert.equal(thread.find((c) => c.key === k.reply)?.parentKey, k.comment);
      assert.deepEqual(await target.community.collection(k.collection), await source.community.collection(k.collection));
      assert.deepEqual(await target.community.collectionPapers(k.collection), await source.community.collectionPapers(k.collection));
      assert.deepEqual(await target.community.submission('2405.15738'), await source.community.submission('2405.15738'));
      assert.deepEqual(await target.community.readerSignals(k.user), await source.community.readerSignals(k.user));
    });

    test('delivery: the subscription, its queued edition, feedback; leases, rate limits, the secret', async () => {
      assert.deepEqual(await target.subscriptions.subscription(k.subscription), await source.subscriptions.subscription(k.subscription));
      assert.deepEqual(await target.subscriptions.editions(k.subscription, 10), await source.subscriptions.editions(k.subscription, 10));
      assert.deepEqual(await target.subscriptions.queued(LATER, 10), await source.subscriptions.queued(LATER, 10));
      assert.deepEqual(await target.subscriptions.feedbackOf('ana@example.org'), await source.subscriptions.feedbackOf('ana@example.org'));
      assert.deepEqual(await target.shared.lease('digests'), await source.shared.lease('digests'));
      assert.equal(await target.shared.secret('links'), await source.shared.secret('links'), 'signed links keep working');
      const [hs, ht] = [await source.shared.hit('subscribe-ip:127.0.0.1', 5, '2026-12-07T00:00:00.000Z', LATER), await target.shared.hit('subscribe-ip:127.0.0.1', 5, '2026-12-07T00:00:00.000Z', LATER)];
      assert.deepEqual(ht, hs, 'the hits counted before the move still count');
    });

    test('ingest runs, their errors in order, harvest state; vectors and the active model', async () => {
      const sr = (await source.stats()).lastRun!;
      assert.deepEqual((await target.stats()).lastRun, sr);
      for (let run = 1; run <= sr.id; run++) assert.deepEqual(await target.recentIngestErrors(run), await source.recentIngestErrors(run), `run ${run}`);
      assert.ok((await target.recentIngestErrors(1)).length > 0, 'there are errors to compare');
      assert.deepEqual(await target.getHarvestState('oai|cs|2026-12-01|'), await source.getHarvestState('oai|cs|2026-12-01|'));
      assert.equal((await target.vectors.active())?.name, MODEL);
      assert.deepEqual(await target.vectors.models(), await source.vectors.models());
      for (const key of k.keys) assert.deepEqual(await target.vectors.get(MODEL, key), await source.vectors.get(MODEL, key));
      assert.equal(await target.vectors.countPending(MODEL), 0, 'nothing to embed again');
    });

    test('new rows get fresh keys: identity sequences continue after the copied ones', async () => {
      await target.upsertPapers([paper('2612.99999')]);
      assert.equal(await target.keyOf('2612.99999'), Math.max(...k.keys) + 1);
      const { user, created } = await target.accounts.userForEmail('new@example.org', LATER);
      assert.equal(created, true);
      assert.equal(user.key, Math.max(k.user, k.other) + 1);
      const comment = await target.community.addComment({ userKey: user.key, paperId: '2612.99999', body: 'first', now: LATER });
      assert.equal(comment.key, k.reply + 1);
      const c = await target.community.createCollection({ userKey: user.key, name: 'Mine', public: false, now: LATER });
      assert.equal(c.key, k.collection + 1);
      const run = await target.startIngestRun('test');
      assert.equal(run, (await source.stats()).lastRun!.id + 1);
    });
  });

  test('--verify-only finds a row changed in the target, and exits non-zero', async () => {
    // Fresh copy first: the Store tests above wrote to both sides.
    const fresh = await migrate('--replace');
    assert.equal(fresh.code, 0, fresh.stderr);
    await onTarget("UPDATE comments SET body = 'edited behind our back' WHERE parent_pk IS NOT NULL");
    const r = await migrate('--verify-only');
    assert.equal(r.code, 1);
    const rows = report(r.stdout);
    assert.match(rows.get('comments')!.verdict, /^MISMATCH: PostgreSQL has 2 rows, checksum [0-9a-f]{16}$/);
    for (const [t, row] of rows) if (t !== 'comments' && !t.startsWith('keyword_')) assert.equal(row.verdict, 'ok', t);
    assert.match(r.stderr, /Rows or checksums differ in comments\./);
    // A deleted row is a difference in the count too.
    await onTarget("DELETE FROM rate_limit_hits WHERE at = (SELECT max(at) FROM rate_limit_hits)");
    const fewer = await migrate('--verify-only');
    assert.equal(fewer.code, 1);
    assert.match(report(fewer.stdout).get('rate_limit_hits')!.verdict, /^MISMATCH: PostgreSQL has \d+ rows/);
  });
});
