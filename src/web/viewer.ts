// Who is looking at a page, and what a handler asks of them. auth.ts sets request.viewer on every
// request before any handler runs; pages render forms with csrfField, handlers that change
// something call requireUser or requireRole first.
import type { FastifyRequest } from 'fastify';
import type { Role, User } from '../store/accounts.ts';
import { HttpError } from './errors.ts';
import { html, type Html } from './html.ts';
import { localPath } from './safe-redirect.ts';

export interface Viewer {
  /** Signed in and not banned; undefined for a visitor. */
  user?: User;
  /** What every state-changing request must send back, as the _csrf field or the x-csrf-token header. */
  csrf: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
  }
}

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function csrfField(viewer: Viewer): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${viewer.csrf}">`;
}

export function signInPath(next?: string): string {
  const back = next ? localPath(next) : '/';
  return back === '/' ? '/signin' : `/signin?next=${encodeURIComponent(back)}`;
}

/** The signed-in user, or a 401 that offers to sign in and come back. `doing` completes "Sign in to …". */
export function requireUser(request: FastifyRequest, doing: string): User {
  const user = request.viewer.user;
  if (!user) {
    const back = request.method === 'GET' ? request.url : refererPath(request);
    throw new HttpError(401, `Sign in to ${doing}.`, [{ href: signInPath(back), label: 'Sign in' }]);
  }
  return user;
}

const RANK: Record<Role, number> = { member: 0, moderator: 1, admin: 2 };

export function hasRole(user: User | undefined, role: Role): boolean {
  return user !== undefined && RANK[user.role] >= RANK[role];
}

/** A user with at least this role, or a 403 that says who may do it. */
export function requireRole(request: FastifyRequest, role: Role, doing: string): User {
  const user = requireUser(request, doing);
  if (!hasRole(user, role)) throw new HttpError(403, `Only ${role === 'admin' ? 'admins' : 'moderators and admins'} can ${doing}.`);
  return user;
}

/** The page a form was posted from, when it is on this site; '/' otherwise. */
export function refererPath(request: FastifyRequest): string {
  const referer = request.headers.referer;
  if (!referer) return '/';
  try {
    const url = new URL(referer);
    // Parsed the same way, so "localhost:80" and "localhost" compare equal.
    const host = new URL(`http://${request.headers.host ?? ''}`).host;
    return url.host === host ? localPath(url.pathname + url.search) : '/';
  } catch {
    return '/';
  }
}
