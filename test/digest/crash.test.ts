// Exactly once, and nothing lost: `paperboy digest run`, a real process sending to a real SMTP
// server, is killed with SIGKILL at random points twenty times (while starting, composing and
// sending), then run to the end. Every subscriber must have exactly one copy of the edition, or
// two with the same Message-ID when a kill fell between the server's acceptance and the outbox's
// update (one mail is in flight at a time, so at most one such duplicate per kill).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { digestHub } from '../helpers/digest-hub.ts';
import { mulberry32 } from '../helpers/random.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'paperboy.js');
const SUBSCRIBERS = 200;
const KILLS = 20;
/** Each run acts a lease's length after the one before, as a later cron run would after the killed one's lease expired. */
const LEASE_MS = 5 * 60_000 + 1000;

test(`SIGKILL at ${KILLS} random points: every subscriber gets the edition, at most one duplicate per kill, with the same Message-ID`, async (t) => {
  const sink = await startSmtpSink();
  const hub = await digestHub();
  try {
    for (let i = 0; i < SUBSCRIBERS; i++) await hub.subscribe(`reader${i}@example.org`, { kind: 'search', target: i % 2 ? 'speech synthesis' : 'galaxies' });
    await hub.store.close(); // the child processes own the database from here
    const random = mulberry32(2026_12_07);
    const env = { ...process.env, PAPERBOY_DB: hub.dbPath, PAPERBOY_SMTP_URL: sink.url, PAPERBOY_BASE_URL: 'http://hub.example', PAPERBOY_LOG_LEVEL: 'silent' };
    const run = (i: number) => spawn(process.execPath, [BIN, 'digest', 'run', '--at', new Date(hub.composeAt.getTime() + i * LEASE_MS).toISOString()], { env, stdio: ['ignore', 'pipe', 'pipe'] });

    const kills: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      const child = run(i);
      let done = false;
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => ((done = true), r(code))));
      const before = sink.messages.length;
      // The first few die at a random moment (starting up, composing or sending); the rest a random
      // number of mails into sending, plus a few milliseconds, most often right after an acceptance.
      const trigger = i < 4 ? `at ${Math.round(300 + random() * 2500)} ms` : `after ${1 + Math.floor(random() * 12)} mails`;
      const fired = await Promise.race([
        exited.then(() => false),
        i < 4 ? sleep(Number(trigger.split(' ')[1])).then(() => true) : waitFor(() => done || sink.messages.length - before >= Number(trigger.split(' ')[1])).then(() => sleep(random() < 0.5 ? 0 : random() * 5)).then(() => true),
      ]);
      if (fired) child.kill('SIGKILL');
      await exited;
      kills.push(`${trigger}: ${sink.messages.length - before} received${fired ? '' : ' (finished first)'}`);
    }
    const last = run(KILLS);
    let out = '';
    last.stdout!.on('data', (d) => (out += d));
    assert.equal(await new Promise((r) => last.once('exit', r)), 0, out);

    const byRecipient = new Map<string, string[]>();
    for (const m of sink.messages) {
      const to = (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address ?? '';
      byRecipient.set(to, [...(byRecipient.get(to) ?? []), m.messageId ?? '']);
    }
    const missing = Array.from({ length: SUBSCRIBERS }, (_, i) => `reader${i}@example.org`).filter((a) => !byRecipient.has(a));
    const duplicated = [...byRecipient].filter(([, ids]) => ids.length > 1);
    t.diagnostic(`kills: ${kills.join('; ')}`);
    t.diagnostic(`${SUBSCRIBERS} subscribers, ${sink.messages.length} mails received, ${duplicated.length} duplicated, ${missing.length} missing; last run: ${out.trim()}`);
    assert.deepEqual(missing, [], 'no subscriber is skipped');
    assert.equal(byRecipient.size, SUBSCRIBERS);
    for (const [to, ids] of duplicated) {
      assert.equal(ids.length, 2, `${to}: at most one duplicate`);
      assert.equal(ids[0], ids[1], `${to}: the duplicate carries the same Message-ID`);
    }
    assert.ok(duplicated.length <= KILLS, `at most one duplicate per kill (${duplicated.length} for ${KILLS})`);
    assert.match(out, /Digests: 0 due, 0 composed, \d+ sent/);
  } finally {
    await sink.close();
    await hub.close().catch(() => {});
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(1);
}
