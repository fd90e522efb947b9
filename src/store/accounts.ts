// Accounts: people, their sign-in links and sessions, roles and bans, and the audit log of what
// moderators did. Secrets (sign-in tokens, session ids) are stored only as sha256 hashes.

export type Role = 'member' | 'moderator' | 'admin';

export interface User {
  key: number;
  email: string;
  /** The handle shown on the site and in /u/NAME. */
  name: string;
  role: Role;
  bannedAt?: string;
  createdAt: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor?: { key: number; name: string };
  action: string;              // e.g. hide-paper, unhide-paper, merge-paper, hide-comment, ban, unban, promote
  target: string;              // e.g. paper:2401.00001, comment:12, user:ana
  detail?: string;
}

export interface AccountStore {
  /** Remembers an emailed sign-in link by its token's hash until it is used or expires. */
  saveSignInToken(token: { tokenHash: string; email: string; next?: string; ip?: string; now: string; expiresAt: string }): Promise<void>;
  /**
   * Uses a sign-in token: returns its email and next path, and marks it used, only if it exists, is
   * unused and has not expired. Atomic, so a link works once even when clicked twice at once.
   */
  useSignInToken(tokenHash: string, now: string): Promise<{ email: string; next?: string } | undefined>;
  /** How many sign-in links were sent since an instant, to an address or from an IP. */
  countSignInTokens(by: { email?: string; ip?: string }, since: string): Promise<number>;

  /**
   * The account of an email address, created on first sign-in with a unique handle derived from the
   * address. The very first account becomes an admin.
   */
  userForEmail(email: string, now: string): Promise<{ user: User; created: boolean }>;
  userByKey(key: number): Promise<User | undefined>;
  userByName(name: string): Promise<User | undefined>;
  userByEmail(email: string): Promise<User | undefined>;
  users(options?: { limit?: number; offset?: number }): Promise<User[]>;
  /** Changes a handle; false when another account has it. */
  rename(userKey: number, name: string): Promise<boolean>;
  setRole(userKey: number, role: Role): Promise<void>;
  /** Bans (or lifts the ban on) an account; a ban also ends all its sessions. */
  setBanned(userKey: number, banned: boolean, now: string): Promise<void>;

  createSession(session: { idHash: string; userKey: number; now: string; expiresAt: string; userAgent?: string }): Promise<void>;
  /** The user behind a live session (not expired, user not banned); refreshes its last-seen time. */
  sessionUser(idHash: string, now: string): Promise<User | undefined>;
  deleteSession(idHash: string): Promise<void>;
  /** Signs a user out everywhere. */
  deleteSessions(userKey: number): Promise<void>;

  /** Which personal-feed address is current; resetting it retires the old address at once. */
  feedGeneration(userKey: number): Promise<number>;
  resetFeed(userKey: number): Promise<number>;

  audit(entry: { actorKey?: number; action: string; target: string; detail?: string; now: string }): Promise<void>;
  auditLog(options?: { limit?: number; offset?: number }): Promise<AuditEntry[]>;
}
