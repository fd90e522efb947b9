// Leases, rate-limit hits and the hub's secrets on the same SQLite file as everything else, so every
// process serving it sees the same ones. Each operation is one statement or one IMMEDIATE
// transaction: two processes cannot both take a lease, nor both pass the last free hit.
import { randomBytes } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { shiftedBy, type LeaseState, type RateLimitResult, type SharedStore } from './shared.ts';

export class SqliteShared implements SharedStore {
  private readonly s;
  private readonly hitOnce;
  private readonly secrets = new Map<string, string>();

  constructor(db: BetterSqlite3.Database) {
    this.s = {
      acquire: db.prepare(`INSERT INTO leases (name, owner, expires_at) VALUES (@name, @owner, @expiresAt)
                           ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                           WHERE leases.owner = excluded.owner OR leases.expires_at <= @now`),
      release: db.prepare('DELETE FROM leases WHERE name = ? AND owner = ?'),
      lease: db.prepare('SELECT name, owner, expires_at FROM leases WHERE name = ?'),
      count: db.prepare('SELECT count(*) AS n, min(at) AS oldest FROM rate_limit_hits WHERE bucket = ? AND at >= ?'),
      insertHit: db.prepare('INSERT INTO rate_limit_hits (bucket, at) VALUES (?, ?)'),
      prune: db.prepare('DELETE FROM rate_limit_hits WHERE at < ?'),
      secret: db.prepare('SELECT value FROM meta WHERE key = ?'),
      saveSecret: db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)'),
    };
    this.hitOnce = db.transaction((bucket: string, max: number, since: string, now: string): RateLimitResult => {
      const { n, oldest } = this.s.count.get(bucket, since) as { n: number; oldest: string | null };
      if (n >= max) return { allowed: false, count: n, ...(oldest ? { retryAt: shiftedBy(oldest, now, since) } : {}) };
      this.s.insertHit.run(bucket, now);
      return { allowed: true, count: n + 1 };
    });
  }

  async acquireLease(name: string, owner: string, now: string, expiresAt: string): Promise<boolean> {
    return this.s.acquire.run({ name, owner, now, expiresAt }).changes > 0;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.s.release.run(name, owner);
  }

  async lease(name: string): Promise<LeaseState | undefined> {
    const row = this.s.lease.get(name) as { name: string; owner: string; expires_at: string } | undefined;
    return row && { name: row.name, owner: row.owner, expiresAt: row.expires_at };
  }

  async hit(bucket: string, max: number, since: string, now: string): Promise<RateLimitResult> {
    return this.hitOnce.immediate(bucket, max, since, now);
  }

  async pruneHits(before: string): Promise<void> {
    this.s.prune.run(before);
  }

  async secret(purpose: string): Promise<string> {
    const key = `secret:${purpose}`;
    let value = this.secrets.get(key);
    if (!value) {
      // INSERT OR IGNORE, then read: when two processes make one at once, both keep the first.
      this.s.saveSecret.run(key, randomBytes(32).toString('base64url'));
      value = (this.s.secret.get(key) as { value: string }).value;
      this.secrets.set(key, value);
    }
    return value;
  }
}
