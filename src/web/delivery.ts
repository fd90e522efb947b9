// "Follow this": the Subscribe form and the feed link that pages with a list of papers carry. The
// form works without JavaScript (it posts to /subscribe, which mails a confirmation link);
// subscribe.js only fills in the browser's time zone. "More options" opens /subscribe with the
// same target, where the hour, weekday, time zone and size can be chosen.
import type { SubscriptionKind } from '../store/subscriptions.ts';
import { html, type Html } from './html.ts';
import { withQuery } from './urls.ts';
import { csrfField, type Viewer } from './viewer.ts';

export interface SubscribeTarget {
  kind: SubscriptionKind;
  /** The query, author name or collection key; '' for trending and personal. */
  target: string;
  /** What the digest brings, completing "Get … by email": "trending papers", "new papers on “x”". */
  label: string;
}

export interface DeliveryOptions {
  /** This page's feed: its path (e.g. /week/2025-W10.atom) and a title for it. */
  feed: { href: string; title: string };
  /** What Subscribe offers here; absent: the feed link alone. */
  subscribe?: SubscribeTarget;
  /** The home page's call to action, shown as a banner rather than a small button. */
  prominent?: boolean;
}

/** The hour a new digest goes out at, local time, unless the reader picks another. */
export const DEFAULT_SEND_HOUR = 8;

export function subscribePath(target: Pick<SubscribeTarget, 'kind' | 'target'>): string {
  return withQuery('/subscribe', { kind: target.kind, target: target.target || undefined });
}

export function deliveryBar(viewer: Viewer | undefined, options: DeliveryOptions): Html {
  const feed = html`<a class="feed-link" href="${options.feed.href}" type="application/atom+xml" title="${options.feed.title}">${feedIcon} Atom feed</a>`;
  const target = options.subscribe;
  if (!target) return html`<aside class="delivery" aria-label="Follow">${feed}</aside>`;
  const form = subscribeForm(viewer, target);
  if (options.prominent) {
    return html`<aside class="delivery delivery-banner" aria-label="Subscribe">
  <p class="delivery-lead"><strong>Get ${target.label} in your email inbox.</strong> Daily or weekly, at an hour of your choosing; unsubscribe in one click.</p>
  ${form}
  <p class="delivery-more">${feed}</p>
</aside>`;
  }
  return html`<aside class="delivery" aria-label="Follow">
  <details class="subscribe"><summary class="button">${mailIcon} Subscribe</summary>
    <div class="subscribe-panel"><p>Get ${target.label} by email.</p>${form}</div>
  </details>
  ${feed}
</aside>`;
}

/** Email, daily or weekly, Subscribe: the short form; the hour defaults and the time zone is the browser's. */
export function subscribeForm(viewer: Viewer | undefined, target: SubscribeTarget): Html {
  const email = viewer?.user?.email ?? '';
  return html`<form class="subscribe-form" method="post" action="/subscribe">
    ${viewer ? csrfField(viewer) : ''}
    <input type="hidden" name="kind" value="${target.kind}">
    <input type="hidden" name="target" value="${target.target}">
    <input type="hidden" name="hour" value="${DEFAULT_SEND_HOUR}">
    <input type="hidden" name="tz" value="UTC" data-time-zone>
    <label class="visually-hidden" for="subscribe-email-${target.kind}">Email address</label>
    <input id="subscribe-email-${target.kind}" name="email" type="email" value="${email}" placeholder="you@example.org" autocomplete="email" maxlength="254" required>
    <select name="frequency" aria-label="How often"><option value="daily" selected>Daily</option><option value="weekly">Weekly</option></select>
    <button type="submit" class="button button-primary">Subscribe</button>
    <a class="subscribe-options" href="${subscribePath(target)}">More options</a>
  </form>`;
}

const feedIcon = html`<svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false"><path fill="currentColor" d="M2 2.5A.5.5 0 012.5 2C8.85 2 14 7.15 14 13.5a.5.5 0 01-.5.5h-1.5a.5.5 0 01-.5-.5C11.5 8.53 7.47 4.5 2.5 4.5A.5.5 0 012 4zm0 4.5a.5.5 0 01.5-.5c3.87 0 7 3.13 7 7a.5.5 0 01-.5.5H7.5a.5.5 0 01-.5-.5A4.5 4.5 0 002.5 9 .5.5 0 012 8.5zM2 12.5a1.5 1.5 0 113 0 1.5 1.5 0 01-3 0z"/></svg>`;
const mailIcon = html`<svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false"><path fill="currentColor" d="M1.75 3h12.5c.97 0 1.75.78 1.75 1.75v6.5c0 .97-.78 1.75-1.75 1.75H1.75C.78 13 0 12.22 0 11.25v-6.5C0 3.78.78 3 1.75 3zm.2 1.5L8 8.47l6.05-3.97H1.95zM14.5 5.9 8.41 9.9a.75.75 0 01-.82 0L1.5 5.9v5.35c0 .14.11.25.25.25h12.5c.14 0 .25-.11.25-.25z"/></svg>`;
