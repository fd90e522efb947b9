// Leases, rate-limit hits and the hub's secrets on PostgreSQL, the same tables and answers as
// sqlite-shared.ts. SQLite gets its atomicity from one writer at a time; here each operation is one
// statement whose conflict handling PostgreSQL makes atomic, or a transaction holding a lock, so two
// processes cannot both take a lease, nor both pass the last free hit.
import { randomBytes } from 'node:crypto';
import type { PgDb } from './pg-db.ts';
import { shiftedBy, type LeaseState, type RateLimitResult, type SharedStore } from './shared.ts';

export class PgShared implements SharedStore {
  private readonly secrets = new Map<string, string>();

  constructor(private readonly db: PgDb) {}

  async acquireLease(name: string, owner: string, now: string, expiresAt: string): Promise<boolean> {
    // INSERT … ON CONFLICT DO UPDATE locks the existing row and tests the WHERE against its newest
    // committed version; a racer's insert waits on the unique index, then finds the winner's row
    // and (another owner, not expired) changes nothing. Exactly one of them sees a row changed.
    const changed = await this.db.run(
      `INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.owner = excluded.owner OR leases.expires_at <= $4`,
      [name, owner, expiresAt, now],
    );
    return changed > 0;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.db.run('DELETE FROM leases WHERE name = $1 AND owner = $2', [name, owner]);
  }

  async lease(name: string): Promise<LeaseState | undefined> {
    const row = await this.db.one<{ name: string; owner: string; expires_at: string }>('SELECT name, owner, expires_at FROM leases WHERE name = $1', [name]);
    return row && { name: row.name, owner: row.owner, expiresAt: row.expires_at };
  }

  async hit(bucket: string, max: number, since: string, now: string): Promise<RateLimitResult> {
    return this.db.tx(async (q) => {
      // Counting then inserting is only a limit if no other hit on the bucket counts in between. An
      // empty bucket has no row to lock, so the bucket's name is the lock: a transaction-scoped
      // advisory lock on a 64-bit hash of it, qualified by the schema (advisory locks are
      // database-wide, and two hubs may share a database in schemas of their own). Other buckets
      // are not held up. A hash collision would only make two buckets take turns.
      await q.run(`SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ':rate_limit_hits:' || $1::text, 0))`, [bucket]);
      const { n, oldest } = (await q.one<{ n: number; oldest: string | null }>(
        'SELECT count(*) AS n, min(at) AS oldest FROM rate_limit_hits WHERE bucket = $1 AND at >= $2',
        [bucket, since],
      ))!;
      if (n >= max) return { allowed: false, count: n, ...(oldest ? { retryAt: shiftedBy(oldest, now, since) } : {}) };
      await q.run('INSERT INTO rate_limit_hits (bucket, at) VALUES ($1, $2)', [bucket, now]);
      return { allowed: true, count: n + 1 };
    });
  }

  async pruneHits(before: string): Promise<void> {
    await this.db.run('DELETE FROM rate_limit_hits WHERE at < $1', [before]);
  }

  async secret(purpose: string): Promise<string> {
    const key = `secret:${purpose}`;
    let value = this.secrets.get(key);
    if (!value) {
      // ON CONFLICT DO NOTHING, then read: when two processes make one at once, the second insert
      // waits for the first to commit and keeps it, and the read (a fresh snapshot in READ
      // COMMITTED) sees it, so both keep the first.
      await this.db.run('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, randomBytes(32).toString('base64url')]);
      value = (await this.db.one<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))!.value;
      this.secrets.set(key, value);
    }
    return value;
  }
}
