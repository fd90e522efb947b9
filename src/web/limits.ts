// Rate limits on the routes that write (sign-in mails, votes, submissions, comments), counted in the
// database (SharedStore.hit) like the subscribe form's, so a restart or a second process does not
// reset them. Counted per member when signed in and per client address otherwise; the address is
// the socket's unless PAPERBOY_TRUST_PROXY names the proxies allowed to say otherwise.
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { WebContext } from './context.ts';
import { HttpError } from './errors.ts';

export interface RouteLimit {
  /** The bucket's name: one per kind of action, shared by the routes that count together. */
  name: string;
  max: number;
  windowMs: number;
  /** What a refused caller reads; `wait` is "1 minute", "12 minutes". */
  refusal?: (wait: string) => string;
}

/** The oldest hit in the database is kept this long: the longest window any limit uses. */
export const LONGEST_WINDOW_MS = 24 * 60 * 60_000;

/** Who a request counts against: the member, or the address it came from. */
export function limitKey(request: FastifyRequest): string {
  return request.viewer?.user ? `user:${request.viewer.user.key}` : `ip:${request.ip}`;
}

/** A route preHandler (it runs after auth has named the viewer and checked the CSRF token). */
export function rateLimited(ctx: WebContext, limit: RouteLimit): preHandlerAsyncHookHandler {
  return async function (request: FastifyRequest, reply: FastifyReply) {
    const now = ctx.community.now();
    const result = await ctx.store.shared.hit(`${limit.name}:${limitKey(request)}`, limit.max, new Date(now.getTime() - limit.windowMs).toISOString(), now.toISOString());
    if (result.allowed) return;
    const seconds = Math.max(1, Math.ceil(((result.retryAt ? Date.parse(result.retryAt) : now.getTime() + limit.windowMs) - now.getTime()) / 1000));
    reply.header('retry-after', String(seconds));
    const wait = waitInWords(seconds);
    throw new HttpError(429, limit.refusal ? limit.refusal(wait) : `Too many requests: slow down and retry in ${wait}.`);
  };
}

function waitInWords(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
