// Links that act without a session: managing subscriptions, one-click unsubscribe, "more / fewer
// like this" from a mail, and a reader's private feed. Each names a row key and carries an HMAC of
// it (and of what else it is about) made with the hub's secret, so nobody else can make one, change
// what it names, or use one kind of link as another. Nothing per link is stored.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SharedStore } from '../store/shared.ts';

export type LinkPurpose = 'manage' | 'unsubscribe' | 'feedback' | 'feed';

export interface LinkSigner {
  /** "KEY.SIGNATURE": the subscriber (manage), subscription (unsubscribe, feedback) or user (feed) it acts on. */
  token(purpose: LinkPurpose, key: number, about?: string): string;
  /** The key a token names, if its signature holds for this purpose (and `about`); undefined otherwise. */
  check(purpose: LinkPurpose, token: string, about?: string): number | undefined;
}

/** The key a well-formed token names, not yet checked: to look up what its signature covers. */
export function tokenKey(token: string): number | undefined {
  const m = TOKEN.exec(token);
  return m ? Number(m[1]) : undefined;
}

const TOKEN = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

export function linkSigner(secret: string): LinkSigner {
  const sign = (purpose: LinkPurpose, key: number, about = '') => createHmac('sha256', secret).update(`${purpose}\n${key}\n${about}`).digest('base64url');
  return {
    token: (purpose, key, about) => `${key}.${sign(purpose, key, about)}`,
    check(purpose, token, about) {
      const m = TOKEN.exec(token);
      if (!m) return undefined;
      const key = Number(m[1]);
      const expected = Buffer.from(sign(purpose, key, about));
      return Number.isSafeInteger(key) && timingSafeEqual(Buffer.from(m[2]!), expected) ? key : undefined;
    },
  };
}

/** The signer every process on this database agrees on. */
export async function hubLinkSigner(shared: SharedStore): Promise<LinkSigner> {
  return linkSigner(await shared.secret('links'));
}

export function managePath(token: string): string {
  return `/subscriptions/manage/${token}`;
}

export function unsubscribePath(token: string): string {
  return `/unsubscribe/${token}`;
}

export function feedbackPath(token: string, paperId: string, verdict?: 'more' | 'fewer'): string {
  const qs = new URLSearchParams({ paper: paperId, ...(verdict ? { v: verdict } : {}) });
  return `/digest/feedback/${token}?${qs.toString()}`;
}

/** The private feed of papers like the ones a reader upvoted and saved; `generation` retires old addresses. */
export function personalFeedPath(signer: LinkSigner, userKey: number, generation: number): string {
  return `/feeds/personal/${signer.token('feed', userKey, String(generation))}.atom`;
}
