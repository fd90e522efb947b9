// Who is asking: the session cookie names a session in the database (stored only as a hash), and
// every state-changing request must carry a CSRF token derived from that cookie, or, before sign-in,
// from a random per-browser cookie. Tokens are HMACs, so nothing extra is stored to check them.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../store/accounts.ts';
import type { WebContext } from './context.ts';
import { HttpError } from './errors.ts';
import { CSRF_FIELD, CSRF_HEADER, type Viewer } from './viewer.ts';

export const SESSION_COOKIE = 'paperboy_session';
export const CSRF_COOKIE = 'paperboy_csrf';
export const SESSION_DAYS = 30;

const CHANGES_STATE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/**
 * POSTs that change nothing: /search/like takes a pasted abstract, too long for a URL. A forged one
 * only shows a search page to the person who sent it, and its form has no token to send.
 */
const READ_ONLY_POSTS = new Set(['/search/like']);

/** What the database keeps instead of a secret (session ids, sign-in tokens). */
export function hashSecret(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function csrfTokenFor(base: string): string {
  return createHmac('sha256', base).update('csrf').digest('hex');
}

/** 32 random bytes, base64url: a session id, a sign-in token or a visitor's CSRF base. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Equal strings, compared in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const SESSION_MS = SESSION_DAYS * 86_400_000;
/** What newSecret makes; any other cookie value is ignored without a database look-up. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

function needsCsrf(request: FastifyRequest): boolean {
  return CHANGES_STATE.has(request.method) && !READ_ONLY_POSTS.has(request.routeOptions.url ?? '') && request.routeOptions.config.csrf !== false;
}

/**
 * Who sent a state-changing request from another site, in words, or undefined when it came from
 * this hub (or from no browser at all: scripts and old browsers send neither header, and the CSRF
 * token still has to match). Sec-Fetch-Site is the browser's own verdict; Origin is checked when
 * it is missing. A sibling subdomain ("same-site") is another site here.
 */
export function crossSiteSender(request: FastifyRequest, baseUrl: string): string | undefined {
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  if (site === 'cross-site' || site === 'same-site') return origin && origin !== 'null' ? origin : `another site (Sec-Fetch-Site: ${site})`;
  if (site === 'same-origin' || site === 'none' || origin === undefined) return undefined;
  if (origin === 'null') return 'a page with no origin (a sandboxed frame or a local file)';
  const from = parsedUrl(origin);
  if (!from) return `an unreadable origin (${origin.slice(0, 80)})`;
  // The Host header, not the scheme: behind a TLS proxy the hub may see http for an https page.
  const host = request.headers.host === undefined ? undefined : parsedUrl(`${from.protocol}//${request.headers.host}`);
  if ((host && host.host === from.host) || from.origin === parsedUrl(baseUrl)?.origin) return undefined;
  return origin;
}

function parsedUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

export const CSRF_REFUSAL = 'This form has expired or came from another site. Reload the page and try again.';

export async function registerAuth(app: FastifyInstance, ctx: WebContext): Promise<void> {
  await app.register(cookie);
  app.decorateRequest('viewer', null as unknown as Viewer);

  app.addHook('onRequest', async (request, reply) => {
    // Stylesheets, scripts and fonts render no form: no session look-up, and no cookie on a cached response.
    if (request.url.startsWith('/static/')) {
      request.viewer = { csrf: '' };
      return;
    }
    const session = readSecret(request, SESSION_COOKIE);
    if (session) {
      const user = await ctx.store.accounts.sessionUser(hashSecret(session), ctx.community.now().toISOString());
      if (user) {
        request.viewer = { user, csrf: csrfTokenFor(session) };
        return;
      }
      // Expired, signed out elsewhere or banned: forget it, so the browser stops sending it.
      reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
    }
    let base = readSecret(request, CSRF_COOKIE);
    if (!base) {
      base = newSecret();
      reply.setCookie(CSRF_COOKIE, base, cookieOptions(request));
    }
    request.viewer = { csrf: csrfTokenFor(base) };
  });

  // Defence in depth before the token: a browser says where a request comes from, and a change
  // sent from another site's page is refused before its body is even read.
  app.addHook('onRequest', async (request) => {
    if (!needsCsrf(request)) return;
    const foreign = crossSiteSender(request, ctx.community.baseUrl);
    if (foreign) throw new HttpError(403, `This request came from ${foreign}, not from this hub's own pages, so it was refused. Open the page on this hub and send the form from there.`);
  });

  // preHandler, not onRequest: a form's _csrf field exists only once the body is parsed.
  app.addHook('preHandler', async (request) => {
    if (!needsCsrf(request)) return;
    const body = request.body as Record<string, unknown> | undefined;
    const sent = request.headers[CSRF_HEADER] ?? (body && typeof body === 'object' ? body[CSRF_FIELD] : undefined);
    if (typeof sent !== 'string' || !request.viewer.csrf || !sameSecret(sent, request.viewer.csrf)) throw new HttpError(403, CSRF_REFUSAL);
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false for a route a signed link authorises by itself (RFC 8058's one-click unsubscribe comes
     * from a mail provider's server, with no cookie and no form): forging it needs the link's secret.
     */
    csrf?: false;
  }
}

function readSecret(request: FastifyRequest, name: string): string | undefined {
  const value = request.cookies[name];
  return value && SECRET_SHAPE.test(value) ? value : undefined;
}

function cookieOptions(request: FastifyRequest, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: request.protocol === 'https',
    ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}),
  };
}

/**
 * Signs a user in on this browser: any session it had is ended first (rotation, so a session id
 * planted before sign-in is worthless after it), then a new one is made and sent as the cookie.
 */
export async function startSession(request: FastifyRequest, reply: FastifyReply, ctx: WebContext, user: User): Promise<void> {
  await endSession(request, reply, ctx);
  const id = newSecret();
  const now = ctx.community.now();
  await ctx.store.accounts.createSession({
    idHash: hashSecret(id),
    userKey: user.key,
    now: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_MS).toISOString(),
    ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'].slice(0, 300) } : {}),
  });
  reply.setCookie(SESSION_COOKIE, id, cookieOptions(request, SESSION_MS / 1000));
}

/** Ends this browser's session, if it has one, and forgets its cookie. */
export async function endSession(request: FastifyRequest, reply: FastifyReply, ctx: WebContext): Promise<void> {
  const session = readSecret(request, SESSION_COOKIE);
  if (!session) return;
  await ctx.store.accounts.deleteSession(hashSecret(session));
  reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
}
