// Accounts on PostgreSQL: the same people, sign-in links, sessions, roles, bans and audit log as
// sqlite-accounts.ts, statement for statement. Secrets arrive already hashed. Where SQLite relies on
// its single writer (an IMMEDIATE transaction), this takes a lock that gives the same guarantee to
// any number of processes on the database; see userForEmail.
import { lastSeenDue, signInUse, toAuditEntry, toUser, type AuditRow, type UserRow } from './account-rows.ts';
import type { AccountStore, AuditEntry, Role, User } from './accounts.ts';
import type { PgDb, Queryable } from './pg-db.ts';
import { handleCandidates, handleFromEmail, normaliseEmail } from './sqlite-accounts.ts';

/** PostgreSQL's unique_violation: the only failure rename turns into "taken". */
const UNIQUE_VIOLATION = '23505';

export class PgAccounts implements AccountStore {
  constructor(private readonly db: PgDb) {}

  async saveSignInToken(token: { tokenHash: string; email: string; next?: string; ip?: string; now: string; expiresAt: string }): Promise<void> {
    await this.db.run(
      `INSERT INTO sign_in_tokens (token_hash, email, next, ip, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [token.tokenHash, normaliseEmail(token.email), token.next ?? null, token.ip ?? null, token.now, token.expiresAt],
    );
  }

  async useSignInToken(tokenHash: string, now: string): Promise<{ email: string; next?: string } | undefined> {
    // One UPDATE: a second click at the same moment waits for the first's row lock, then finds
    // used_at set and changes nothing, so a link works once.
    const row = await this.db.one<{ email: string; next: string | null }>(
      `UPDATE sign_in_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING email, next`,
      [tokenHash, now],
    );
    return row && signInUse(row);
  }

  async countSignInTokens(by: { email?: string; ip?: string }, since: string): Promise<number> {
    const email = by.email === undefined ? null : normaliseEmail(by.email);
    // The casts tell PostgreSQL the type of a parameter that may be NULL (it cannot infer one from IS NULL).
    const row = await this.db.one<{ n: number }>(
      `SELECT count(*) AS n FROM sign_in_tokens
       WHERE created_at >= $1 AND ($2::public.citext IS NULL OR email = $2::public.citext) AND ($3::text IS NULL OR ip = $3::text)`,
      [since, email, by.ip ?? null],
    );
    return row!.n;
  }

  async userForEmail(email: string, now: string): Promise<{ user: User; created: boolean }> {
    const address = normaliseEmail(email);
    // Nearly every sign-in is of an account that exists: found without taking any lock.
    const existing = await this.db.one<UserRow>('SELECT * FROM users WHERE email = $1', [address]);
    if (existing) return { user: toUser(existing), created: false };
    return this.db.tx(async (q) => {
      // SHARE ROW EXCLUSIVE conflicts with itself and with every write to users, and not with reads
      // or with the key-share locks of rows that reference a user. So two first sign-ins, even from
      // two processes, take turns: the second sees the first's account (it cannot also be admin, nor
      // pick the same handle), and a rename cannot take the handle between our check and our insert.
      // In READ COMMITTED each statement after the lock sees everything committed before it.
      await q.run('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
      const again = await q.one<UserRow>('SELECT * FROM users WHERE email = $1', [address]);
      if (again) return { user: toUser(again), created: false };
      const role: Role = (await q.one('SELECT 1 FROM users LIMIT 1')) ? 'member' : 'admin';
      const name = await freeHandle(q, handleFromEmail(address));
      const row = await q.one<UserRow>('INSERT INTO users (email, name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING *', [address, name, role, now]);
      return { user: toUser(row!), created: true };
    });
  }

  async userByKey(key: number): Promise<User | undefined> {
    return this.user('SELECT * FROM users WHERE pk = $1', key);
  }

  async userByName(name: string): Promise<User | undefined> {
    // name is citext: "ANA" finds ana, as COLLATE NOCASE does on SQLite.
    return this.user('SELECT * FROM users WHERE name = $1', name);
  }

  async userByEmail(email: string): Promise<User | undefined> {
    return this.user('SELECT * FROM users WHERE email = $1', normaliseEmail(email));
  }

  private async user(sql: string, value: string | number): Promise<User | undefined> {
    const row = await this.db.one<UserRow>(sql, [value]);
    return row ? toUser(row) : undefined;
  }

  async users(options: { limit?: number; offset?: number } = {}): Promise<User[]> {
    const rows = await this.db.many<UserRow>('SELECT * FROM users ORDER BY created_at, pk LIMIT $1 OFFSET $2', [options.limit ?? 100, options.offset ?? 0]);
    return rows.map(toUser);
  }

  async rename(userKey: number, name: string): Promise<boolean> {
    try {
      await this.db.run('UPDATE users SET name = $1 WHERE pk = $2', [name, userKey]);
      return true;
    } catch (error) {
      // The unique index on the citext name refuses another account's handle in any case.
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
      throw error;
    }
  }

  async setRole(userKey: number, role: Role): Promise<void> {
    await this.db.run('UPDATE users SET role = $1 WHERE pk = $2', [role, userKey]);
  }

  async setBanned(userKey: number, banned: boolean, now: string): Promise<void> {
    // One transaction: a ban is never seen with its sessions still alive.
    await this.db.tx(async (q) => {
      await q.run('UPDATE users SET banned_at = $1 WHERE pk = $2', [banned ? now : null, userKey]);
      if (banned) await q.run('DELETE FROM sessions WHERE user_pk = $1', [userKey]);
    });
  }

  async createSession(session: { idHash: string; userKey: number; now: string; expiresAt: string; userAgent?: string }): Promise<void> {
    await this.db.run(
      `INSERT INTO sessions (id_hash, user_pk, created_at, last_seen_at, expires_at, user_agent) VALUES ($1, $2, $3, $3, $4, $5)`,
      [session.idHash, session.userKey, session.now, session.expiresAt, session.userAgent ?? null],
    );
  }

  async sessionUser(idHash: string, now: string): Promise<User | undefined> {
    const row = await this.db.one<UserRow & { last_seen_at: string }>(
      `SELECT u.*, s.last_seen_at FROM sessions s JOIN users u ON u.pk = s.user_pk
       WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.banned_at IS NULL`,
      [idHash, now],
    );
    if (!row) return undefined;
    if (lastSeenDue(row.last_seen_at, now)) {
      await this.db.run('UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2', [now, idHash]);
    }
    return toUser(row);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }

  async deleteSessions(userKey: number): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE user_pk = $1', [userKey]);
  }

  async feedGeneration(userKey: number): Promise<number> {
    const row = await this.db.one<{ feed_generation: number }>('SELECT feed_generation FROM users WHERE pk = $1', [userKey]);
    return row?.feed_generation ?? 0;
  }

  async resetFeed(userKey: number): Promise<number> {
    // The increment happens in the row, so two resets at once give two new generations, never one.
    const row = await this.db.one<{ feed_generation: number }>('UPDATE users SET feed_generation = feed_generation + 1 WHERE pk = $1 RETURNING feed_generation', [userKey]);
    return row?.feed_generation as number;
  }

  async audit(entry: { actorKey?: number; action: string; target: string; detail?: string; now: string }): Promise<void> {
    await this.db.run('INSERT INTO audit_log (at, actor_pk, action, target, detail) VALUES ($1, $2, $3, $4, $5)', [
      entry.now,
      entry.actorKey ?? null,
      entry.action,
      entry.target,
      entry.detail ?? null,
    ]);
  }

  async auditLog(options: { limit?: number; offset?: number } = {}): Promise<AuditEntry[]> {
    const rows = await this.db.many<AuditRow>(
      `SELECT a.*, u.name AS actor_name FROM audit_log a LEFT JOIN users u ON u.pk = a.actor_pk
       ORDER BY a.at DESC, a.id DESC LIMIT $1 OFFSET $2`,
      [options.limit ?? 50, options.offset ?? 0],
    );
    return rows.map(toAuditEntry);
  }
}

/** The first free one of handleCandidates, as SqliteAccounts picks. */
async function freeHandle(q: Queryable, base: string): Promise<string> {
  for (const candidates = handleCandidates(base); ; ) {
    const candidate = candidates.next().value;
    if ((await q.one('SELECT 1 FROM users WHERE name = $1', [candidate])) === undefined) return candidate;
  }
}
