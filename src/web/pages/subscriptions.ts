// Subscribing to digests, with or without an account: an address is enough, confirmed by a link
// mailed to it (double opt-in; the link works once, expires, and only its hash is stored). Every
// mail links to a manage page and a one-click unsubscribe that work without signing in: each is a
// signed link (src/digest/links.ts). The subscribe form answers the same whether or not the address
// is already subscribed, and is rate limited per address and per network address in the database.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeSubscription, describeTarget } from '../../digest/describe.ts';
import { feedbackPath, hubLinkSigner, managePath, personalFeedPath, unsubscribePath, type LinkSigner } from '../../digest/links.ts';
import type { User } from '../../store/accounts.ts';
import { describeSchedule, editionAt, isTimeZone, nextEditionAfter, timeZones, weekdayName } from '../../digest/schedule.ts';
import { isBlankQuery, MAX_QUERY_LENGTH, parseQuery } from '../../search/query.ts';
import { EMAIL_MAX, isEmailAddress } from '../../store/sqlite-accounts.ts';
import { FREQUENCIES, SUBSCRIPTION_KINDS, type Frequency, type Schedule, type Subscription, type SubscriptionKind } from '../../store/subscriptions.ts';
import { hashSecret, newSecret } from '../auth.ts';
import { notice } from '../components.ts';
import type { WebContext } from '../context.ts';
import { DEFAULT_SEND_HOUR, subscribeForm } from '../delivery.ts';
import { HttpError } from '../errors.ts';
import { html, type Html } from '../html.ts';
import { formatDay } from '../periods.ts';
import { paperPath, withQuery } from '../urls.ts';
import { csrfField, requireUser, type Viewer } from '../viewer.ts';
import { accountPage, badLinkPage, serverLogNotice } from './account.ts';
import { field, paperFromParam } from './community.ts';

/** A confirmation link works this long. */
const CONFIRM_HOURS = 48;
/** Subscribe requests from one network address per hour, and confirmation mails to one address per day. */
const REQUESTS_PER_IP_PER_HOUR = 20;
const MAILS_PER_ADDRESS_PER_DAY = 5;
const HOUR_MS = 3_600_000;
export const PAPER_COUNTS = [5, 10, 20, 30] as const;
const DEFAULT_PAPERS = 10;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const AUTHOR_MAX = 200;

/** What a subscription follows, checked: its words, and where its papers can be seen on the hub. */
interface Target {
  kind: SubscriptionKind;
  target: string;
  /** "trending papers", "new papers on “x”". */
  label: string;
  collectionName?: string;
}

export function registerSubscriptionRoutes(app: FastifyInstance, ctx: WebContext): void {
  const now = () => ctx.community.now();
  const signer = () => hubLinkSigner(ctx.store.shared);

  app.post('/settings/feed/reset', async (request, reply) => {
    const user = requireUser(request, 'change your feed address');
    await ctx.store.accounts.resetFeed(user.key);
    return reply.redirect('/settings?saved=1#feed', 303);
  });

  app.get<{ Querystring: { kind?: unknown; target?: unknown } }>('/subscribe', async (request, reply) => {
    const target = await checkTarget(ctx, request, request.query.kind, request.query.target);
    return accountPage(ctx, reply, { title: 'Subscribe', body: subscribeBody(request.viewer, target) });
  });

  app.post('/subscribe', async (request, reply) => {
    const target = await checkTarget(ctx, request, field(request, 'kind'), field(request, 'target'));
    const email = (field(request, 'email') ?? '').trim();
    const form = readSchedule(request);
    const problems = [...(isEmailAddress(email) ? [] : [email ? `“${email}” does not look like an email address; write it like ana@example.org.` : 'Enter your email address.']), ...form.problems];
    if (problems.length > 0) {
      return accountPage(ctx, reply, { title: 'Subscribe', status: 400, body: subscribeBody(request.viewer, target, { email, ...form.values }, problems) });
    }
    const at = now();
    const ip = await ctx.store.shared.hit(`subscribe-ip:${request.ip}`, REQUESTS_PER_IP_PER_HOUR, new Date(at.getTime() - HOUR_MS).toISOString(), at.toISOString());
    if (!ip.allowed) {
      throw new HttpError(429, `Too many subscriptions were asked for from your network in the last hour. Try again after ${ip.retryAt?.slice(11, 16) ?? 'an hour'} UTC.`);
    }
    const schedule = form.values.schedule;
    const user = request.viewer.user;
    const own = user !== undefined && user.email === email.toLowerCase();
    const base = { email, kind: target.kind, target: target.target, ...(user && (own || target.kind === 'personal') ? { userKey: user.key } : {}), schedule, maxPapers: form.values.maxPapers, now: at.toISOString() };
    const links = await signer();
    if (own) {
      // A signed-in reader's own address was confirmed by signing in: no second mail round.
      const { subscription } = await ctx.store.subscriptions.request({ ...base, confirmation: { confirmed: true, nextDueAt: nextEditionAfter(schedule, at).dueAt } });
      return reply.redirect(withQuery(managePath(links.token('manage', subscription.subscriber.key)), { done: 'subscribed' }), 303);
    }
    const token = newSecret();
    const expiresAt = new Date(at.getTime() + CONFIRM_HOURS * HOUR_MS).toISOString();
    const { outcome, subscription } = await ctx.store.subscriptions.request({ ...base, confirmation: { tokenHash: hashSecret(token), expiresAt } });
    const perAddress = await ctx.store.shared.hit(`subscribe-email:${email.toLowerCase()}`, MAILS_PER_ADDRESS_PER_DAY, new Date(at.getTime() - 24 * HOUR_MS).toISOString(), at.toISOString());
    // Over the per-address limit the mail is not sent, but the page says the same: it must not tell
    // a stranger anything about the address.
    if (perAddress.allowed) await mailAboutRequest(ctx, request, { outcome, subscription, token, links, collectionName: target.collectionName });
    return accountPage(ctx, reply, { title: 'Check your inbox', body: checkInboxBody(ctx, email) });
  });

  app.get<{ Querystring: { token?: unknown } }>('/subscribe/confirm', async (request, reply) => {
    const token = request.query.token;
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return badConfirmLink(ctx, reply, 'This confirmation link is incomplete. Copy the whole link from the mail.');
    // Mail scanners open links to check them: confirming takes a press of the button.
    return accountPage(ctx, reply, {
      title: 'Confirm your subscription',
      body: html`<h1>Confirm your subscription</h1>
<p class="lead">One more step: press the button to start receiving this digest.</p>
<form class="stacked-form" method="post" action="/subscribe/confirm">${csrfField(request.viewer)}<input type="hidden" name="token" value="${token}">
  <button type="submit" class="button button-primary">Confirm my subscription</button></form>`,
    });
  });

  app.post('/subscribe/confirm', async (request, reply) => {
    const token = field(request, 'token') ?? '';
    const at = now();
    const confirmed = TOKEN_PATTERN.test(token) ? await ctx.store.subscriptions.confirm(hashSecret(token), at.toISOString(), (s) => nextEditionAfter(s.schedule, at).dueAt) : undefined;
    if (!confirmed) return badConfirmLink(ctx, reply, `This confirmation link has expired or was already used. A link works once, within ${CONFIRM_HOURS} hours of being sent.`);
    const manage = managePath((await signer()).token('manage', confirmed.subscriber.key));
    return accountPage(ctx, reply, {
      title: 'You are subscribed',
      body: html`<h1>You are subscribed</h1>
<p class="lead">${confirmed.subscriber.email} will get ${await describeStored(ctx, confirmed)}.</p>
<p>The first digest is due ${dueWords(confirmed)}. Every digest has a link to change or end it; so does <a href="${manage}">this page</a>, which you may bookmark.</p>`,
    });
  });

  app.get<{ Params: { token: string }; Querystring: { done?: unknown } }>('/subscriptions/manage/:token', async (request, reply) => {
    const { subscriber, links } = await manageTarget(ctx, request.params.token);
    const subscriptions = await ctx.store.subscriptions.subscriptionsOf(subscriber.key);
    const editions = await Promise.all(subscriptions.map((s) => ctx.store.subscriptions.editions(s.key, 1)));
    const rows = await Promise.all(subscriptions.map(async (s, i) => manageItem(request.viewer, request.params.token, s, await describeStoredTarget(ctx, s), editions[i]![0]?.sentAt)));
    const done = DONE_MESSAGES[String(request.query.done)];
    return accountPage(ctx, reply, {
      title: 'Your subscriptions',
      body: html`<h1>Your subscriptions</h1>
<p class="lead">Digests for <strong>${subscriber.email}</strong>. Change, pause or end them here; no account needed.</p>
${done ? notice('info', html`<p>${done}</p>`) : ''}
${subscriptions.length === 0 ? html`<p class="muted">No subscriptions. <a href="/subscribe?kind=trending">Subscribe to trending papers</a>, or use “Subscribe” on any list, search, topic, author or collection.</p>` : html`<ol class="subscription-list">${rows}</ol>
<form method="post" action="${managePath(request.params.token)}/end-all">${csrfField(request.viewer)}<button type="submit" class="button">Unsubscribe from all</button></form>`}
${timeZoneList()}
<p class="muted">Links in your digests: <a href="${managePath(links.token('manage', subscriber.key))}">this page</a> and one-click unsubscribe. They work without signing in, so do not forward a digest to people who should not manage your subscriptions.</p>`,
    });
  });

  app.post<{ Params: { token: string; key: string; action: string } }>('/subscriptions/manage/:token/:key/:action', async (request, reply) => {
    const { subscriber } = await manageTarget(ctx, request.params.token);
    const subscription = await ctx.store.subscriptions.subscription(Number(request.params.key));
    if (!subscription || subscription.subscriber.key !== subscriber.key || subscription.state === 'ended') throw new HttpError(404, 'That subscription does not exist or has ended.', [{ href: managePath(request.params.token), label: 'Your subscriptions' }]);
    const at = now();
    const back = (done: string) => reply.redirect(withQuery(managePath(request.params.token), { done }), 303);
    switch (request.params.action) {
      case 'pause':
        await ctx.store.subscriptions.setState(subscription.key, 'paused', { now: at.toISOString() });
        return back('paused');
      case 'resume':
        await ctx.store.subscriptions.setState(subscription.key, 'active', { now: at.toISOString(), nextDueAt: nextEditionAfter(subscription.schedule, at).dueAt });
        return back('resumed');
      case 'end':
        await ctx.store.subscriptions.setState(subscription.key, 'ended', { now: at.toISOString() });
        return back('ended');
      case 'update': {
        const form = readSchedule(request);
        if (form.problems.length > 0) throw new HttpError(400, form.problems.join(' '), [{ href: managePath(request.params.token), label: 'Your subscriptions' }]);
        const { schedule, maxPapers } = form.values;
        await ctx.store.subscriptions.update(subscription.key, { schedule, maxPapers, nextDueAt: nextEditionAfter(schedule, at).dueAt, now: at.toISOString() });
        return back('updated');
      }
      default:
        throw new HttpError(404, 'A subscription can be paused, resumed, updated or ended.');
    }
  });

  app.post<{ Params: { token: string } }>('/subscriptions/manage/:token/end-all', async (request, reply) => {
    const { subscriber } = await manageTarget(ctx, request.params.token);
    for (const s of await ctx.store.subscriptions.subscriptionsOf(subscriber.key)) await ctx.store.subscriptions.setState(s.key, 'ended', { now: now().toISOString() });
    return reply.redirect(withQuery(managePath(request.params.token), { done: 'ended-all' }), 303);
  });

  app.get<{ Params: { token: string } }>('/unsubscribe/:token', async (request, reply) => {
    const subscription = await unsubscribeTarget(ctx, request.params.token);
    return accountPage(ctx, reply, {
      title: 'Unsubscribe',
      body: html`<h1>Unsubscribe</h1>
<p class="lead">Stop sending ${await describeStored(ctx, subscription)} to ${subscription.subscriber.email}?</p>
<form method="post" action="${unsubscribePath(request.params.token)}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
  <button type="submit" class="button button-primary">Unsubscribe</button></form>`,
    });
  });

  // RFC 8058: mail providers POST here from their servers, without cookies, as
  // application/x-www-form-urlencoded or multipart/form-data, and expect no redirect. The signed
  // link is the authority, so there is no CSRF token to check; it ends this one subscription.
  app.register(async (scope) => {
    scope.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: 16_384 }, (_request, body, done) => done(null, { raw: body }));
    scope.post<{ Params: { token: string } }>('/unsubscribe/:token', { config: { csrf: false } }, async (request, reply) => {
      const subscription = await unsubscribeTarget(ctx, request.params.token);
      if (subscription.state !== 'ended') await ctx.store.subscriptions.setState(subscription.key, 'ended', { now: now().toISOString() });
      const manage = managePath((await signer()).token('manage', subscription.subscriber.key));
      return accountPage(ctx, reply, {
        title: 'Unsubscribed',
        body: html`<h1>Unsubscribed</h1>
<p class="lead">${subscription.subscriber.email} will get no more ${await describeStoredTarget(ctx, subscription)}.</p>
<p>Other subscriptions of this address, if any, go on: <a href="${manage}">see them</a>.</p>`,
      });
    });
  });

  app.get<{ Params: { token: string }; Querystring: { paper?: unknown; v?: unknown } }>('/digest/feedback/:token', async (request, reply) => {
    const { subscription, paper } = await feedbackTarget(ctx, request.params.token, request.query.paper, request.viewer);
    const verdict = request.query.v === 'fewer' ? 'fewer' : 'more';
    const button = (v: 'more' | 'fewer', label: string) =>
      html`<button type="submit" name="v" value="${v}" class="button${v === verdict ? ' button-primary' : ''}">${label}</button>`;
    // Mail scanners follow links: the verdict is recorded only when this form is sent.
    return accountPage(ctx, reply, {
      title: 'More or fewer like this',
      body: html`<h1>More or fewer papers like this?</h1>
<p class="lead"><a href="${paperPath(paper.id)}">${paper.title}</a></p>
<p>Your answer teaches the digests of ${subscription.subscriber.email} which papers to bring: it counts for “papers like the ones you upvoted and saved”.</p>
<form class="inline-actions" method="post" action="${feedbackPath(request.params.token, paper.id)}">${csrfField(request.viewer)}<input type="hidden" name="paper" value="${paper.id}">
  ${button('more', 'More like this')} ${button('fewer', 'Fewer like this')}</form>`,
    });
  });

  app.post<{ Params: { token: string } }>('/digest/feedback/:token', async (request, reply) => {
    const { subscription, paper } = await feedbackTarget(ctx, request.params.token, field(request, 'paper'), request.viewer);
    const v = field(request, 'v');
    if (v !== 'more' && v !== 'fewer') throw new HttpError(400, 'Say v=more for more papers like this one, or v=fewer for fewer.');
    await ctx.store.subscriptions.recordFeedback(subscription.subscriber.key, paper.id, v === 'more' ? 1 : -1, now().toISOString());
    return accountPage(ctx, reply, {
      title: 'Thank you',
      body: html`<h1>Thank you</h1>
<p class="lead">Noted: ${v === 'more' ? 'more' : 'fewer'} papers like <a href="${paperPath(paper.id)}">${paper.title}</a>.</p>
<p>It counts from the next digest on. Changed your mind? Open the link in the mail again.</p>`,
    });
  });
}

const DONE_MESSAGES: Record<string, string> = {
  subscribed: 'Subscribed. The first digest comes at its next hour.',
  paused: 'Paused: nothing is sent until you resume it.',
  resumed: 'Resumed: the next digest comes at its next hour.',
  updated: 'Saved.',
  ended: 'Unsubscribed.',
  'ended-all': 'Unsubscribed from everything.',
};

/** The subscription a signed link names, or a 404 that says the link is not (or no longer) good. */
async function signedSubscription(ctx: WebContext, purpose: 'unsubscribe' | 'feedback', token: string, about?: string): Promise<Subscription> {
  const key = (await hubLinkSigner(ctx.store.shared)).check(purpose, token, about);
  const subscription = key === undefined ? undefined : await ctx.store.subscriptions.subscription(key);
  if (!subscription) throw new HttpError(404, 'This link is not one this hub made, or it was cut short. Copy the whole link from the mail.');
  return subscription;
}

function unsubscribeTarget(ctx: WebContext, token: string): Promise<Subscription> {
  return signedSubscription(ctx, 'unsubscribe', token);
}

async function feedbackTarget(ctx: WebContext, token: string, paperParam: unknown, viewer: Viewer) {
  const subscription = await signedSubscription(ctx, 'feedback', token);
  const paper = await paperFromParam(ctx, typeof paperParam === 'string' ? paperParam : '', viewer);
  return { subscription, paper };
}

async function manageTarget(ctx: WebContext, token: string) {
  const links = await hubLinkSigner(ctx.store.shared);
  const key = links.check('manage', token);
  const subscriber = key === undefined ? undefined : await ctx.store.subscriptions.subscriber(key);
  if (!subscriber) throw new HttpError(404, 'This link is not one this hub made, or it was cut short. Open “Manage your subscriptions” from a digest again.');
  return { subscriber, links };
}

/** The kind and target a form or link asks for, checked against the hub; a 4xx that says what is wrong otherwise. */
async function checkTarget(ctx: WebContext, request: FastifyRequest, kindParam: unknown, targetParam: unknown): Promise<Target> {
  const viewer = request.viewer;
  const kind = SUBSCRIPTION_KINDS.find((k) => k === (kindParam ?? 'trending'));
  if (!kind) throw new HttpError(400, `A subscription is to one of: ${SUBSCRIPTION_KINDS.join(', ')}.`, [{ href: '/subscribe?kind=trending', label: 'Subscribe to trending papers' }]);
  const given = typeof targetParam === 'string' ? targetParam.trim() : '';
  switch (kind) {
    case 'trending':
      return { kind, target: '', label: describeTarget(kind, '') };
    case 'personal':
      requireUser(request, 'get papers like the ones you upvoted and saved by email');
      return { kind, target: '', label: describeTarget(kind, '') };
    case 'search': {
      if (given.length > MAX_QUERY_LENGTH) throw new HttpError(400, `A search can be at most ${MAX_QUERY_LENGTH} characters.`);
      if (isBlankQuery(parseQuery(given).query)) throw new HttpError(400, 'Subscribe to a search with words in it, like diffusion "speech synthesis" or author:Hinton.', [{ href: '/search', label: 'Search' }]);
      return { kind, target: given, label: describeTarget(kind, given) };
    }
    case 'author': {
      const found = given && given.length <= AUTHOR_MAX ? await ctx.store.authorPapers(given, { limit: 1 }) : undefined;
      if (!found) throw new HttpError(404, `There is no author “${given.slice(0, AUTHOR_MAX)}” in this hub to follow.`, [{ href: '/search', label: 'Search for them' }]);
      return { kind, target: found.name, label: describeTarget(kind, found.name) };
    }
    case 'collection': {
      const collection = /^\d{1,12}$/.test(given) ? await ctx.store.community.collection(Number(given)) : undefined;
      if (!collection || (!collection.public && collection.owner.key !== viewer.user?.key)) throw new HttpError(404, 'There is no such public collection to follow.');
      return { kind, target: String(collection.key), label: describeTarget(kind, '', collection.name), collectionName: collection.name };
    }
  }
}

interface ScheduleForm {
  schedule: Schedule;
  maxPapers: number;
}

/** The schedule fields of a form (frequency, hour, weekday, tz, papers), each checked, with defaults for the ones left out. */
function readSchedule(request: FastifyRequest): { values: ScheduleForm; problems: string[] } {
  const problems: string[] = [];
  const frequency = (FREQUENCIES as readonly string[]).includes(field(request, 'frequency') ?? 'daily') ? ((field(request, 'frequency') ?? 'daily') as Frequency) : undefined;
  if (!frequency) problems.push('How often is “daily” or “weekly”.');
  const hour = wholeField(request, 'hour', DEFAULT_SEND_HOUR, 0, 23);
  if (hour === undefined) problems.push('The hour is a whole number from 0 to 23.');
  const weekday = wholeField(request, 'weekday', 1, 1, 7);
  if (weekday === undefined) problems.push('The weekday is a number from 1 (Monday) to 7 (Sunday).');
  const timeZone = (field(request, 'tz') ?? 'UTC').trim() || 'UTC';
  if (!isTimeZone(timeZone)) problems.push(`“${timeZone.slice(0, 60)}” is not a time zone; choose one like Europe/Berlin or America/New_York, or UTC.`);
  const maxPapers = wholeField(request, 'papers', DEFAULT_PAPERS, 1, PAPER_COUNTS[PAPER_COUNTS.length - 1]!);
  if (maxPapers === undefined) problems.push(`A digest holds from 1 to ${PAPER_COUNTS[PAPER_COUNTS.length - 1]} papers.`);
  return {
    values: { schedule: { frequency: frequency ?? 'daily', hour: hour ?? DEFAULT_SEND_HOUR, weekday: weekday ?? 1, timeZone: isTimeZone(timeZone) ? timeZone : 'UTC' }, maxPapers: maxPapers ?? DEFAULT_PAPERS },
    problems,
  };
}

function wholeField(request: FastifyRequest, name: string, fallback: number, min: number, max: number): number | undefined {
  const raw = field(request, name);
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d{1,3}$/.test(raw.trim()) ? Number(raw) : NaN;
  return n >= min && n <= max ? n : undefined;
}

async function mailAboutRequest(
  ctx: WebContext,
  request: FastifyRequest,
  r: { outcome: 'pending' | 'active' | 'already'; subscription: Subscription; token: string; links: LinkSigner; collectionName?: string },
): Promise<void> {
  const { baseUrl, mailer } = ctx.community;
  const site = ctx.site.name;
  const what = describeSubscription(r.subscription, r.collectionName);
  const manage = baseUrl + managePath(r.links.token('manage', r.subscription.subscriber.key));
  const mail =
    r.outcome === 'already'
      ? {
          subject: `You are already subscribed on ${site}`,
          text: `Someone, hopefully you, asked ${site} to send ${what} to this address. It is already subscribed, so nothing changed.\n\nTo change or end your subscriptions:\n${manage}\n`,
        }
      : {
          subject: `Confirm your subscription on ${site}`,
          text: `Someone, hopefully you, asked ${site} to send ${what} to this address.\n\nTo confirm, open this link and press the button:\n\n${baseUrl}/subscribe/confirm?token=${r.token}\n\nIt works once, within ${CONFIRM_HOURS} hours. If you did not ask for this, ignore this mail: nothing will be sent to you.\n`,
        };
  try {
    await mailer.send({ to: r.subscription.subscriber.email, ...mail, headers: { 'Auto-Submitted': 'auto-generated' } });
  } catch (error) {
    request.log.error({ err: error }, 'subscription mail failed');
    throw new HttpError(503, 'The confirmation mail could not be sent just now. Try again in a few minutes; if it keeps failing, tell whoever runs this hub.');
  }
}

function checkInboxBody(ctx: WebContext, email: string): Html {
  return html`<h1>Check your inbox</h1>
<p class="lead">If <strong>${email}</strong> can receive this digest, a mail is on its way there with a link to confirm. The link works once, within ${CONFIRM_HOURS} hours.</p>
${serverLogNotice(ctx)}
<p class="muted">No mail? Look in your spam folder. Nothing is sent until the link is used.</p>`;
}

function badConfirmLink(ctx: WebContext, reply: FastifyReply, message: string): FastifyReply {
  return badLinkPage(ctx, reply, message, { href: '/subscribe?kind=trending', label: 'Subscribe again' });
}

/** The words for a stored subscription, with its collection's current name. */
async function describeStored(ctx: WebContext, s: Subscription): Promise<string> {
  return describeSubscription(s, await collectionNameOf(ctx, s));
}

async function describeStoredTarget(ctx: WebContext, s: Subscription): Promise<string> {
  return describeTarget(s.kind, s.target, await collectionNameOf(ctx, s));
}

async function collectionNameOf(ctx: WebContext, s: Subscription): Promise<string | undefined> {
  return s.kind === 'collection' ? (await ctx.store.community.collection(Number(s.target)))?.name : undefined;
}

function dueWords(s: Subscription): string {
  if (!s.nextDueAt) return 'at its next hour';
  const due = new Date(s.nextDueAt);
  const local = editionAt(s.schedule, due);
  return `on ${formatDay(local.day)} at ${String(s.schedule.hour).padStart(2, '0')}:00 (${s.schedule.timeZone})`;
}

function subscribeBody(viewer: Viewer, target: Target, given: Partial<ScheduleForm> & { email?: string } = {}, problems: string[] = []): Html {
  const email = given.email ?? viewer.user?.email ?? '';
  return html`<h1>Subscribe</h1>
<p class="lead">Get <strong>${target.label}</strong> by email.</p>
${problems.length > 0 ? notice('warning', html`${problems.map((p) => html`<p>${p}</p>`)}`) : ''}
<form class="stacked-form subscribe-full" method="post" action="/subscribe">
  ${csrfField(viewer)}
  <input type="hidden" name="kind" value="${target.kind}">
  <input type="hidden" name="target" value="${target.target}">
  <label for="sub-email">Email address</label>
  <input id="sub-email" name="email" type="email" value="${email}" maxlength="${EMAIL_MAX}" autocomplete="email" required>
  ${scheduleFields(given.schedule, given.maxPapers, 'sub')}
  <button type="submit" class="button button-primary">Subscribe</button>
  <p class="form-hint muted">${viewer.user?.email && viewer.user.email === email ? 'This is your account’s address, so it starts at once.' : 'We mail a link to confirm the address first; nothing is sent before it is used.'} Every digest has a one-click unsubscribe.</p>
</form>
${timeZoneList()}`;
}

/** The fields a schedule is chosen with: on the subscribe page and for each subscription on the manage page. */
function scheduleFields(schedule: Schedule | undefined, maxPapers: number | undefined, prefix: string): Html {
  const s = schedule ?? { frequency: 'daily', hour: DEFAULT_SEND_HOUR, weekday: 1, timeZone: 'UTC' };
  const papers = maxPapers ?? DEFAULT_PAPERS;
  const option = (value: string | number, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  return html`<fieldset class="schedule-fields">
    <legend>When</legend>
    <label for="${prefix}-frequency">How often</label>
    <select id="${prefix}-frequency" name="frequency">${FREQUENCIES.map((f) => option(f, f === 'daily' ? 'Daily (only on days with new papers)' : 'Weekly', f === s.frequency))}</select>
    <label for="${prefix}-weekday">Day of the week <span class="muted">(weekly)</span></label>
    <select id="${prefix}-weekday" name="weekday">${[1, 2, 3, 4, 5, 6, 7].map((d) => option(d, weekdayName(d), d === s.weekday))}</select>
    <label for="${prefix}-hour">Hour</label>
    <select id="${prefix}-hour" name="hour">${Array.from({ length: 24 }, (_, h) => option(h, `${String(h).padStart(2, '0')}:00`, h === s.hour))}</select>
    <label for="${prefix}-tz">Time zone</label>
    <input id="${prefix}-tz" name="tz" value="${s.timeZone}" list="time-zones" maxlength="64" autocomplete="off"${schedule ? '' : html` data-time-zone`}>
    <label for="${prefix}-papers">Papers per digest</label>
    <select id="${prefix}-papers" name="papers">${PAPER_COUNTS.map((n) => option(n, `up to ${n}`, n === papers))}</select>
  </fieldset>`;
}

/** One list of zones per page, for every time-zone field on it. */
function timeZoneList(): Html {
  return html`<datalist id="time-zones">${timeZones().map((z) => html`<option value="${z}"></option>`)}</datalist>`;
}

function manageItem(viewer: Viewer, token: string, s: Subscription, what: string, lastSent: string | undefined): Html {
  const action = (name: string) => `${managePath(token)}/${s.key}/${name}`;
  const state =
    s.state === 'pending'
      ? 'waiting for the confirmation link to be used'
      : s.state === 'paused'
        ? `paused${s.pausedReason ? `: ${s.pausedReason}` : ''}`
        : `next ${dueWords(s)}`;
  return html`<li class="subscription-item" id="subscription-${s.key}">
  <h2>${what[0]!.toUpperCase()}${what.slice(1)}</h2>
  <p class="meta">${describeSchedule(s.schedule)} · up to ${s.maxPapers} papers · <span class="state state-${s.state}">${state}</span>${lastSent ? ` · last sent ${formatDay(lastSent.slice(0, 10), 'short')}` : ''}</p>
  ${s.state === 'pending' ? '' : html`<details><summary>Change the schedule</summary>
    <form class="stacked-form" method="post" action="${action('update')}">${csrfField(viewer)}${scheduleFields(s.schedule, s.maxPapers, `s${s.key}`)}<button type="submit" class="button button-primary">Save</button></form>
  </details>`}
  <div class="inline-actions">
    ${s.state === 'active' ? html`<form method="post" action="${action('pause')}">${csrfField(viewer)}<button type="submit" class="button">Pause</button></form>` : ''}
    ${s.state === 'paused' ? html`<form method="post" action="${action('resume')}">${csrfField(viewer)}<button type="submit" class="button button-primary">Resume</button></form>` : ''}
    <form method="post" action="${action('end')}">${csrfField(viewer)}<button type="submit" class="button">Unsubscribe</button></form>
  </div>
</li>`;
}

/** The digests and the private feed of a signed-in reader, for /settings. */
export async function deliverySettings(ctx: WebContext, viewer: Viewer, user: User): Promise<Html> {
  const links = await hubLinkSigner(ctx.store.shared);
  const subscriber = await ctx.store.subscriptions.subscriberByEmail(user.email);
  const subscriptions = subscriber ? await ctx.store.subscriptions.subscriptionsOf(subscriber.key) : [];
  const described = await Promise.all(subscriptions.map(async (s) => ({ s, what: await describeStored(ctx, s) })));
  const has = (kind: SubscriptionKind) => subscriptions.some((s) => s.kind === kind);
  const feed = ctx.community.baseUrl + personalFeedPath(links, user.key, await ctx.store.accounts.feedGeneration(user.key));
  return html`<section id="digests">
  <h2>Email digests</h2>
  ${described.length === 0 ? html`<p class="muted">No digests are sent to ${user.email} yet.</p>` : html`<ul class="subscription-summary">${described.map(({ s, what }) => html`<li>${what}${s.state === 'active' ? '' : html` <span class="muted">(${s.state})</span>`}</li>`)}</ul>
  <p><a class="button" href="${managePath(links.token('manage', subscriber!.key))}">Change, pause or end them</a></p>`}
  ${has('personal') ? '' : html`<div class="settings-subscribe"><p>Papers like the ones you upvote and save, by email:</p>${subscribeForm(viewer, { kind: 'personal', target: '', label: describeTarget('personal', '') })}</div>`}
  ${has('trending') ? '' : html`<div class="settings-subscribe"><p>Trending papers, by email:</p>${subscribeForm(viewer, { kind: 'trending', target: '', label: describeTarget('trending', '') })}</div>`}
  <p class="muted">Any list, search, topic, author or public collection can be followed too: look for “Subscribe” on its page.</p>
</section>
<section id="feed">
  <h2>Your private feed</h2>
  <p>The same papers as your personal digest, for a feed reader. The address is secret: anyone who has it can read the feed.</p>
  <label class="visually-hidden" for="personal-feed">Your feed's address</label>
  <input id="personal-feed" class="feed-address" value="${feed}" readonly>
  <form method="post" action="/settings/feed/reset">${csrfField(viewer)}<button type="submit" class="button">Make a new address (the old one stops working)</button></form>
</section>`;
}
