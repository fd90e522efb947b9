// Rows of the account tables (users, audit_log) as both engines read them (sqlite-accounts.ts,
// pg-accounts.ts), and the rules both apply to what they write.
import type { Selectable } from 'kysely';
import type { AuditEntry, User } from './accounts.ts';
import type { AuditLogTable, UsersTable } from './schema.ts';

export type UserRow = Selectable<UsersTable>;
/** An audit entry with its actor's handle (null when the actor is gone or was the hub itself). */
export type AuditRow = Selectable<AuditLogTable> & { actor_name: string | null };

/** A session's last-seen time is written at most this often, so reading pages does not mean writing. */
const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

export function toUser(row: UserRow): User {
  return {
    key: row.pk,
    email: row.email,
    name: row.name,
    role: row.role,
    ...(row.banned_at ? { bannedAt: row.banned_at } : {}),
    createdAt: row.created_at,
  };
}

export function toAuditEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    ...(r.actor_pk !== null ? { actor: { key: r.actor_pk, name: r.actor_name ?? '' } } : {}),
    action: r.action,
    target: r.target,
    ...(r.detail !== null ? { detail: r.detail } : {}),
  };
}

/** What a used sign-in token hands back: its address, and where to go next when it says. */
export function signInUse(row: { email: string; next: string | null }): { email: string; next?: string } {
  return row.next ? { email: row.email, next: row.next } : { email: row.email };
}

/** Whether a session seen at `lastSeenAt` is to be marked seen `now`. */
export function lastSeenDue(lastSeenAt: string, now: string): boolean {
  return Date.parse(now) - Date.parse(lastSeenAt) >= LAST_SEEN_RESOLUTION_MS;
}
