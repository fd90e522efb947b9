// Accounts on the same SQLite connection as the papers: people, sign-in links, sessions, roles,
// bans and the audit log. Secrets arrive already hashed; nothing here ever sees a raw token.
import type BetterSqlite3 from 'better-sqlite3';
import { lastSeenDue, signInUse, toAuditEntry, toUser, type AuditRow, type UserRow } from './account-rows.ts';
import type { AccountStore, AuditEntry, Role, User } from './accounts.ts';

export const HANDLE_MIN = 3;
export const HANDLE_MAX = 30;
const HANDLE_PATTERN = /^[a-z0-9_-]+$/;

/** Why a handle cannot be used, in words; undefined when it can. */
export function handleProblem(name: string): string | undefined {
  if (name.length < HANDLE_MIN || name.length > HANDLE_MAX) return `A name has ${HANDLE_MIN} to ${HANDLE_MAX} characters.`;
  if (!HANDLE_PATTERN.test(name)) return 'A name uses only lowercase letters a-z, digits, "-" and "_".';
  if (isReservedHandle(name)) return `"${name}" is reserved: it would look like the hub speaking, or its staff. Choose another name.`;
  return undefined;
}

/**
 * Names that would pass for the hub or its staff, or for its addresses. Handles are already
 * lowercase ASCII, so case and Unicode look-alikes cannot be written; what is left is look-alikes
 * within a-z0-9: digits for letters (adm1n, m0derator), "rn" for "m", separators and a number
 * after the name (pa-per_boy, admin2).
 */
const RESERVED_EXACT = [
  'abuse', 'account', 'accounts', 'admin', 'admins', 'administrator', 'anonymous', 'api', 'bot', 'everyone', 'help', 'hostmaster', 'info',
  'mod', 'moderator', 'mods', 'noreply', 'null', 'official', 'operator', 'owner', 'paperboy', 'postmaster', 'root', 'security',
  'settings', 'signin', 'signout', 'staff', 'support', 'sysop', 'system', 'team', 'undefined', 'webmaster',
];
/** These claim authority as any word of a handle ("the-admin", "paperboy_news"); the long ones even run together ("sitemoderator"). */
const RESERVED_WORDS = ['admin', 'moderator', 'paperboy'];
const RESERVED_RUN_TOGETHER = ['moderator', 'paperboy'];

/** What a handle looks like to a reader skimming it: separators gone, look-alike characters folded. */
export function handleSkeleton(name: string): string {
  return name
    .toLowerCase()
    .replace(/[-_.]/g, '')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/[01il|]/g, (c) => (c === '0' ? 'o' : 'l'))
    .replace(/[3457]/g, (c) => ({ 3: 'e', 4: 'a', 5: 's', 7: 't' })[c as '3' | '4' | '5' | '7']);
}

const skeletons = (words: string[]) => new Set(words.map(handleSkeleton));
const RESERVED_SKELETONS = skeletons(RESERVED_EXACT);
const RESERVED_WORD_SKELETONS = skeletons(RESERVED_WORDS);
const RUN_TOGETHER_SKELETONS = [...skeletons(RESERVED_RUN_TOGETHER)];

/** A name, then a number: "admin2", "root_99" read as the name itself. */
const withoutNumber = (name: string) => name.replace(/[-_]*\d+$/, '');

export function isReservedHandle(name: string): boolean {
  const skeleton = handleSkeleton(name);
  if (RESERVED_SKELETONS.has(skeleton) || RESERVED_SKELETONS.has(handleSkeleton(withoutNumber(name)))) return true;
  if (name.split(/[-_]+/).some((word) => RESERVED_WORD_SKELETONS.has(handleSkeleton(word)) || RESERVED_WORD_SKELETONS.has(handleSkeleton(withoutNumber(word))))) return true;
  return RUN_TOGETHER_SKELETONS.some((word) => skeleton.includes(word));
}

export const EMAIL_MAX = 254;
/** One shape, one check: no spaces, no angle brackets or quotes, something either side of one @. */
const EMAIL_PATTERN = /^[^\s@<>"(),;:\\]+@[^\s@<>"(),;:\\]+$/;

/** An address mail can be sent to (and that cannot smuggle extra headers or recipients). */
export function isEmailAddress(email: string): boolean {
  return email.length <= EMAIL_MAX && EMAIL_PATTERN.test(email);
}

/** The handle an address suggests: its local part, cleaned up to fit handleProblem's rules. */
export function handleFromEmail(email: string): string {
  const local = email.split('@')[0]!.split('+')[0]!.toLowerCase();
  const cleaned = local.replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '').slice(0, HANDLE_MAX);
  // admin@lab.org signs in as "reader", not as "admin".
  if (isReservedHandle(cleaned)) return 'reader';
  if (cleaned.length >= HANDLE_MIN) return cleaned;
  return cleaned ? `user-${cleaned}` : 'user';
}

/** The handles a new account may take, in order: the handle itself, then handle-2, handle-3… (within HANDLE_MAX). */
export function* handleCandidates(base: string): Generator<string, never> {
  yield base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    yield base.slice(0, HANDLE_MAX - suffix.length) + suffix;
  }
}

export class SqliteAccounts implements AccountStore {
  private readonly s;
  private readonly createUser;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.s = {
      saveToken: db.prepare(`INSERT INTO sign_in_tokens (token_hash, email, next, ip, created_at, expires_at)
                             VALUES (@tokenHash, @email, @next, @ip, @now, @expiresAt)`),
      useToken: db.prepare(`UPDATE sign_in_tokens SET used_at = @now
                            WHERE token_hash = @tokenHash AND used_at IS NULL AND expires_at > @now
                            RETURNING email, next`),
      countTokens: db.prepare(`SELECT count(*) AS n FROM sign_in_tokens
                               WHERE created_at >= @since AND (@email IS NULL OR email = @email) AND (@ip IS NULL OR ip = @ip)`),
      userByKey: db.prepare('SELECT * FROM users WHERE pk = ?'),
      userByName: db.prepare('SELECT * FROM users WHERE name = ?'),
      userByEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
      anyUser: db.prepare('SELECT 1 FROM users LIMIT 1'),
      nameTaken: db.prepare('SELECT 1 FROM users WHERE name = ?'),
      insertUser: db.prepare('INSERT INTO users (email, name, role, created_at) VALUES (?, ?, ?, ?) RETURNING *'),
      users: db.prepare('SELECT * FROM users ORDER BY created_at, pk LIMIT ? OFFSET ?'),
      rename: db.prepare('UPDATE users SET name = ? WHERE pk = ?'),
      setRole: db.prepare('UPDATE users SET role = ? WHERE pk = ?'),
      setBanned: db.prepare('UPDATE users SET banned_at = ? WHERE pk = ?'),
      createSession: db.prepare(`INSERT INTO sessions (id_hash, user_pk, created_at, last_seen_at, expires_at, user_agent)
                                 VALUES (@idHash, @userKey, @now, @now, @expiresAt, @userAgent)`),
      sessionUser: db.prepare(`SELECT u.*, s.last_seen_at FROM sessions s JOIN users u ON u.pk = s.user_pk
                               WHERE s.id_hash = ? AND s.expires_at > ? AND u.banned_at IS NULL`),
      touchSession: db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?'),
      deleteSession: db.prepare('DELETE FROM sessions WHERE id_hash = ?'),
      deleteSessions: db.prepare('DELETE FROM sessions WHERE user_pk = ?'),
      feedGeneration: db.prepare('SELECT feed_generation FROM users WHERE pk = ?').pluck(),
      resetFeed: db.prepare('UPDATE users SET feed_generation = feed_generation + 1 WHERE pk = ? RETURNING feed_generation').pluck(),
      audit: db.prepare('INSERT INTO audit_log (at, actor_pk, action, target, detail) VALUES (@now, @actorKey, @action, @target, @detail)'),
      auditLog: db.prepare(`SELECT a.*, u.name AS actor_name FROM audit_log a LEFT JOIN users u ON u.pk = a.actor_pk
                            ORDER BY a.at DESC, a.id DESC LIMIT ? OFFSET ?`),
    };
    // IMMEDIATE takes the write lock before reading, so two first sign-ins (even from two
    // processes) cannot both see an empty table and both become admin, nor pick the same handle.
    this.createUser = db.transaction((email: string, now: string): { user: User; created: boolean } => {
      const existing = this.s.userByEmail.get(email) as UserRow | undefined;
      if (existing) return { user: toUser(existing), created: false };
      const role: Role = this.s.anyUser.get() ? 'member' : 'admin';
      const row = this.s.insertUser.get(email, this.freeHandle(handleFromEmail(email)), role, now) as UserRow;
      return { user: toUser(row), created: true };
    });
  }

  private freeHandle(base: string): string {
    for (const candidates = handleCandidates(base); ; ) {
      const candidate = candidates.next().value;
      if (!this.s.nameTaken.get(candidate)) return candidate;
    }
  }

  async saveSignInToken(token: { tokenHash: string; email: string; next?: string; ip?: string; now: string; expiresAt: string }): Promise<void> {
    this.s.saveToken.run({ ...token, email: normaliseEmail(token.email), next: token.next ?? null, ip: token.ip ?? null });
  }

  async useSignInToken(tokenHash: string, now: string): Promise<{ email: string; next?: string } | undefined> {
    const row = this.s.useToken.get({ tokenHash, now }) as { email: string; next: string | null } | undefined;
    return row && signInUse(row);
  }

  async countSignInTokens(by: { email?: string; ip?: string }, since: string): Promise<number> {
    const email = by.email === undefined ? null : normaliseEmail(by.email);
    return (this.s.countTokens.get({ since, email, ip: by.ip ?? null }) as { n: number }).n;
  }

  async userForEmail(email: string, now: string): Promise<{ user: User; created: boolean }> {
    return this.createUser.immediate(normaliseEmail(email), now);
  }

  async userByKey(key: number): Promise<User | undefined> {
    return this.one(this.s.userByKey, key);
  }

  async userByName(name: string): Promise<User | undefined> {
    return this.one(this.s.userByName, name);
  }

  async userByEmail(email: string): Promise<User | undefined> {
    return this.one(this.s.userByEmail, normaliseEmail(email));
  }

  private one(statement: BetterSqlite3.Statement, value: string | number): User | undefined {
    const row = statement.get(value) as UserRow | undefined;
    return row ? toUser(row) : undefined;
  }

  async users(options: { limit?: number; offset?: number } = {}): Promise<User[]> {
    return (this.s.users.all(options.limit ?? 100, options.offset ?? 0) as UserRow[]).map(toUser);
  }

  async rename(userKey: number, name: string): Promise<boolean> {
    try {
      this.s.rename.run(name, userKey);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw error;
    }
  }

  async setRole(userKey: number, role: Role): Promise<void> {
    this.s.setRole.run(role, userKey);
  }

  async setBanned(userKey: number, banned: boolean, now: string): Promise<void> {
    this.db.transaction(() => {
      this.s.setBanned.run(banned ? now : null, userKey);
      if (banned) this.s.deleteSessions.run(userKey);
    })();
  }

  async createSession(session: { idHash: string; userKey: number; now: string; expiresAt: string; userAgent?: string }): Promise<void> {
    this.s.createSession.run({ ...session, userAgent: session.userAgent ?? null });
  }

  async sessionUser(idHash: string, now: string): Promise<User | undefined> {
    const row = this.s.sessionUser.get(idHash, now) as (UserRow & { last_seen_at: string }) | undefined;
    if (!row) return undefined;
    if (lastSeenDue(row.last_seen_at, now)) this.s.touchSession.run(now, idHash);
    return toUser(row);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.s.deleteSession.run(idHash);
  }

  async deleteSessions(userKey: number): Promise<void> {
    this.s.deleteSessions.run(userKey);
  }

  async feedGeneration(userKey: number): Promise<number> {
    return (this.s.feedGeneration.get(userKey) as number | undefined) ?? 0;
  }

  async resetFeed(userKey: number): Promise<number> {
    return this.s.resetFeed.get(userKey) as number;
  }

  async audit(entry: { actorKey?: number; action: string; target: string; detail?: string; now: string }): Promise<void> {
    this.s.audit.run({ now: entry.now, actorKey: entry.actorKey ?? null, action: entry.action, target: entry.target, detail: entry.detail ?? null });
  }

  async auditLog(options: { limit?: number; offset?: number } = {}): Promise<AuditEntry[]> {
    return (this.s.auditLog.all(options.limit ?? 50, options.offset ?? 0) as AuditRow[]).map(toAuditEntry);
  }
}

/** Addresses are kept trimmed and lowercase, so counts and look-ups agree however they were typed. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
