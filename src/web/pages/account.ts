// Accounts on the web: sign-in by an emailed link, sign-out (here or everywhere), settings, and
// the admin area where moderators ban and admins hand out roles. Every act there is audited.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role, User } from '../../store/accounts.ts';
import { EMAIL_MAX, handleProblem, HANDLE_MAX, HANDLE_MIN, isEmailAddress } from '../../store/sqlite-accounts.ts';
import { endSession, hashSecret, newSecret, startSession } from '../auth.ts';
import { SERVER_LOG } from '../../digest/mailer.ts';
import { notice } from '../components.ts';
import type { WebContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { html, type Html } from '../html.ts';
import { layout, sendPage, type Section } from '../layout.ts';
import { rateLimited } from '../limits.ts';
import { localPath } from '../safe-redirect.ts';
import { withQuery } from '../urls.ts';
import { csrfField, hasRole, requireRole, requireUser, type Viewer } from '../viewer.ts';
import { field } from './community.ts';
import { deliverySettings } from './subscriptions.ts';

const LINK_MINUTES = 15;
/** Sign-in mails to one address within LINK_MINUTES; more would only flood that inbox. */
const LINKS_PER_ADDRESS = 3;
/** Sign-in mails asked for from one network address per hour (counted in the database, limits.ts). */
const LINKS_PER_IP_PER_HOUR = 10;
const ADMIN_PAGE_SIZE = 50;
const ROLES: readonly Role[] = ['member', 'moderator', 'admin'];

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function registerAccountRoutes(app: FastifyInstance, ctx: WebContext): void {
  registerSignIn(app, ctx);
  registerSettings(app, ctx);
  registerAdmin(app, ctx);
}

/** A page of the account area (sign-in, settings, subscriptions): one column, no listing chrome. */
export function accountPage(ctx: WebContext, reply: FastifyReply, options: { title: string; body: Html; section?: Section; status?: number }): FastifyReply {
  return sendPage(reply, layout(ctx.site, { title: options.title, section: options.section ?? 'account', body: html`<section class="account-page">${options.body}</section>` }), options.status);
}

// ---------- sign-in and sign-out ----------

function registerSignIn(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Querystring: { next?: unknown } }>('/signin', async (request, reply) => {
    const next = localPath(typeof request.query.next === 'string' ? request.query.next : undefined);
    return accountPage(ctx, reply, { title: 'Sign in', body: signInBody(request.viewer, next) });
  });

  app.post(
    '/signin',
    {
      preHandler: rateLimited(ctx, {
        name: 'signin',
        max: LINKS_PER_IP_PER_HOUR,
        windowMs: 60 * 60_000,
        refusal: (wait) => `Too many sign-in links were asked for from your network. Try again in ${wait}.`,
      }),
    },
    async (request, reply) => {
      const email = (field(request, 'email') ?? '').trim();
      const next = localPath(field(request, 'next'));
      if (!isEmailAddress(email)) {
        return accountPage(ctx, reply, {
          title: 'Sign in',
          status: 400,
          body: html`${notice('warning', html`<p>${email ? `"${email}" does not look like an email address.` : 'Enter your email address.'} Write it like ana@example.org.</p>`)}${signInBody(request.viewer, next, email)}`,
        });
      }
      const now = ctx.community.now();
      const since = new Date(now.getTime() - LINK_MINUTES * 60_000).toISOString();
      if ((await ctx.store.accounts.countSignInTokens({ email }, since)) >= LINKS_PER_ADDRESS) {
        throw new HttpError(429, `${LINKS_PER_ADDRESS} sign-in links were sent to this address in the last ${LINK_MINUTES} minutes. Use the newest one, or try again in ${LINK_MINUTES} minutes.`, [{ href: '/', label: 'Back to the latest papers' }]);
      }
      const token = newSecret();
      await ctx.store.accounts.saveSignInToken({
        tokenHash: hashSecret(token),
        email,
        ...(next !== '/' ? { next } : {}),
        ip: request.ip,
        now: now.toISOString(),
        expiresAt: new Date(now.getTime() + LINK_MINUTES * 60_000).toISOString(),
      });
      await sendSignInMail(ctx, request, email, token);
      // The same answer whether or not the address has an account, so it reveals nothing.
      return accountPage(ctx, reply, {
        title: 'Check your inbox',
        body: html`<h1>Check your inbox</h1>
<p class="lead">We sent a sign-in link to <strong>${email}</strong>. It works once, within ${LINK_MINUTES} minutes.</p>
${serverLogNotice(ctx)}
<p class="muted">No mail? Look in your spam folder, or <a href="${withQuery('/signin', { next: next === '/' ? undefined : next })}">ask for a new link</a>.</p>`,
      });
    },
  );

  // Does not use the token: mail scanners open links to check them, which must not spend it.
  app.get<{ Querystring: { token?: unknown } }>('/signin/verify', async (request, reply) => {
    const token = request.query.token;
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return badLinkPage(ctx, reply, 'This sign-in link is incomplete. Copy the whole link from the mail, or ask for a new one.');
    return accountPage(ctx, reply, {
      title: 'Sign in',
      body: html`<h1>Sign in to ${ctx.site.name}</h1>
<p class="lead">One more step: press the button to finish signing in on this browser.</p>
<form class="stacked-form" method="post" action="/signin/verify">
  ${csrfField(request.viewer)}
  <input type="hidden" name="token" value="${token}">
  <button type="submit" class="button button-primary">Sign in</button>
</form>`,
    });
  });

  app.post('/signin/verify', async (request, reply) => {
    const token = field(request, 'token') ?? '';
    const now = ctx.community.now().toISOString();
    const used = TOKEN_PATTERN.test(token) ? await ctx.store.accounts.useSignInToken(hashSecret(token), now) : undefined;
    if (!used) return badLinkPage(ctx, reply, `This sign-in link has expired or was already used. A link works once, within ${LINK_MINUTES} minutes of being sent.`);
    const { user } = await ctx.store.accounts.userForEmail(used.email, now);
    if (user.bannedAt) throw new HttpError(403, 'This account is banned, so it cannot sign in.');
    await startSession(request, reply, ctx, user);
    return reply.redirect(localPath(used.next), 303);
  });

  app.post('/signout', async (request, reply) => {
    await endSession(request, reply, ctx);
    return reply.redirect('/', 303);
  });

  app.post('/signout/everywhere', async (request, reply) => {
    const user = requireUser(request, 'sign out everywhere');
    await ctx.store.accounts.deleteSessions(user.key);
    await endSession(request, reply, ctx);
    return reply.redirect('/', 303);
  });
}

function signInBody(viewer: Viewer, next: string, email = ''): Html {
  if (viewer.user) {
    return html`<h1>You are signed in</h1>
<p class="lead">You are signed in as <a href="/u/${viewer.user.name}">${viewer.user.name}</a>.</p>
<form method="post" action="/signout">${csrfField(viewer)}<button type="submit" class="button">Sign out</button></form>`;
  }
  return html`<h1>Sign in</h1>
<p class="lead">No password: enter your email address and we will send you a link that signs you in. A new address gets a new account.</p>
<form class="stacked-form" method="post" action="/signin">
  ${csrfField(viewer)}
  ${next !== '/' ? html`<input type="hidden" name="next" value="${next}">` : ''}
  <label for="signin-email">Email address</label>
  <input id="signin-email" name="email" type="email" value="${email}" maxlength="${EMAIL_MAX}" autocomplete="email" required>
  <button type="submit" class="button button-primary">Email me a sign-in link</button>
</form>`;
}

async function sendSignInMail(ctx: WebContext, request: FastifyRequest, email: string, token: string): Promise<void> {
  const link = `${ctx.community.baseUrl}/signin/verify?token=${token}`;
  try {
    await ctx.community.mailer.send({
      to: email,
      subject: `Sign in to ${ctx.site.name}`,
      text: `Open this link to sign in to ${ctx.site.name}:\n\n${link}\n\nIt works once, within ${LINK_MINUTES} minutes. If you did not ask to sign in, ignore this mail; nothing happens without the link.\n`,
    });
  } catch (error) {
    request.log.error({ err: error }, 'sign-in mail failed');
    throw new HttpError(503, 'The sign-in mail could not be sent just now. Try again in a few minutes; if it keeps failing, tell whoever runs this hub.');
  }
}

/** A link from a mail that is broken, used or expired: what happened, and where to get a new one. */
export function badLinkPage(ctx: WebContext, reply: FastifyReply, message: string, next = { href: '/signin', label: 'Ask for a new sign-in link' }): FastifyReply {
  return accountPage(ctx, reply, {
    title: 'That link did not work',
    status: 400,
    body: html`<h1>That link did not work</h1>
<p class="lead">${message}</p>
<p><a class="button button-primary" href="${next.href}">${next.label}</a></p>`,
  });
}

// ---------- settings ----------

function registerSettings(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Querystring: { saved?: unknown } }>('/settings', async (request, reply) => {
    const user = requireUser(request, 'change your settings');
    const saved = request.query.saved === '1' ? notice('info', html`<p>Saved.</p>`) : '';
    return accountPage(ctx, reply, { title: 'Settings', body: settingsBody(request.viewer, user, html`${saved}`, await deliverySettings(ctx, request.viewer, user)) });
  });

  app.post('/settings', async (request, reply) => {
    const user = requireUser(request, 'change your settings');
    const name = (field(request, 'name') ?? '').trim();
    if (name === user.name) return reply.redirect('/settings', 303);
    const problem = handleProblem(name);
    const taken = !problem && !(await ctx.store.accounts.rename(user.key, name));
    if (problem || taken) {
      const message = problem ?? `The name "${name}" is taken. Choose another.`;
      const delivery = await deliverySettings(ctx, request.viewer, user);
      return accountPage(ctx, reply, { title: 'Settings', status: problem ? 400 : 409, body: settingsBody(request.viewer, user, notice('warning', html`<p>${message}</p>`), delivery, name) });
    }
    return reply.redirect('/settings?saved=1', 303);
  });
}

function settingsBody(viewer: Viewer, user: User, message: Html, delivery: Html, name = user.name): Html {
  return html`<h1>Settings</h1>
${message}
<p class="meta">Signed in as ${user.email} · ${user.role} · <a href="/u/${user.name}">your profile</a></p>
<form class="stacked-form" method="post" action="/settings">
  ${csrfField(viewer)}
  <label for="settings-name">Name <span class="muted">(shown on your comments and at /u/NAME)</span></label>
  <input id="settings-name" name="name" value="${name}" minlength="${HANDLE_MIN}" maxlength="${HANDLE_MAX}" pattern="[a-z0-9_\\-]+" required>
  <p class="form-hint muted">${HANDLE_MIN} to ${HANDLE_MAX} characters: lowercase letters a-z, digits, "-" and "_".</p>
  <button type="submit" class="button button-primary">Save</button>
</form>
${delivery}
<section>
  <h2>Sessions</h2>
  <p>Signed in on a computer you no longer use? This ends every session, this one included.</p>
  <form method="post" action="/signout/everywhere">${csrfField(viewer)}<button type="submit" class="button">Sign out everywhere</button></form>
</section>`;
}

// ---------- admin ----------

function registerAdmin(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Querystring: { page?: unknown } }>('/admin', async (request, reply) => {
    const me = requireRole(request, 'moderator', 'see the admin pages');
    const pageNo = pageNumber(request.query.page);
    const users = await ctx.store.accounts.users({ limit: ADMIN_PAGE_SIZE + 1, offset: (pageNo - 1) * ADMIN_PAGE_SIZE });
    return accountPage(ctx, reply, {
      title: 'Admin',
      section: 'admin',
      body: html`<h1>Accounts</h1>
<p><a href="/admin/audit">The audit log</a> lists every ban, unban, role change and moderation.</p>
<table class="admin-table">
  <thead><tr><th>Name</th>${hasRole(me, 'admin') ? html`<th>Email</th>` : ''}<th>Joined</th><th>Role</th><th>State</th></tr></thead>
  <tbody>${users.slice(0, ADMIN_PAGE_SIZE).map((u) => userRow(request.viewer, me, u))}</tbody>
</table>
${prevNext('/admin', pageNo, users.length > ADMIN_PAGE_SIZE)}`,
    });
  });

  app.post<{ Params: { name: string } }>('/admin/users/:name/role', async (request, reply) => {
    const me = requireRole(request, 'admin', 'change roles');
    const target = await targetUser(ctx, request.params.name);
    const role = field(request, 'role') as Role | undefined;
    if (!role || !ROLES.includes(role)) throw new HttpError(400, `A role is one of ${ROLES.join(', ')}.`);
    if (target.key === me.key) throw new HttpError(403, 'You cannot change your own role; ask another admin.', [{ href: '/admin', label: 'Back to the accounts' }]);
    if (role !== target.role) {
      await ctx.store.accounts.setRole(target.key, role);
      const up = ROLES.indexOf(role) > ROLES.indexOf(target.role);
      await audit(ctx, me, up ? 'promote' : 'demote', target, `${target.role} → ${role}`);
    }
    return reply.redirect('/admin', 303);
  });

  for (const banned of [true, false]) {
    const action = banned ? 'ban' : 'unban';
    app.post<{ Params: { name: string } }>(`/admin/users/:name/${action}`, async (request, reply) => {
      const me = requireRole(request, 'moderator', `${action} accounts`);
      const target = await targetUser(ctx, request.params.name);
      const refusal = banRefusal(me, target);
      if (refusal) throw new HttpError(403, refusal, [{ href: '/admin', label: 'Back to the accounts' }]);
      if (Boolean(target.bannedAt) !== banned) {
        await ctx.store.accounts.setBanned(target.key, banned, ctx.community.now().toISOString());
        const reason = (field(request, 'reason') ?? '').trim().slice(0, 500);
        await audit(ctx, me, action, target, reason || undefined);
      }
      return reply.redirect('/admin', 303);
    });
  }

  app.get<{ Querystring: { page?: unknown } }>('/admin/audit', async (request, reply) => {
    requireRole(request, 'moderator', 'see the audit log');
    const pageNo = pageNumber(request.query.page);
    const entries = await ctx.store.accounts.auditLog({ limit: ADMIN_PAGE_SIZE + 1, offset: (pageNo - 1) * ADMIN_PAGE_SIZE });
    return accountPage(ctx, reply, {
      title: 'Audit log',
      section: 'admin',
      body: html`<h1>Audit log</h1>
<p><a href="/admin">← Accounts</a></p>
${entries.length === 0 ? html`<p class="muted">Nothing has been done yet.</p>` : html`<table class="admin-table">
  <thead><tr><th>When (UTC)</th><th>Who</th><th>Did</th><th>To</th><th>Detail</th></tr></thead>
  <tbody>${entries.slice(0, ADMIN_PAGE_SIZE).map((e) => html`<tr>
    <td><time datetime="${e.at}">${e.at.slice(0, 16).replace('T', ' ')}</time></td>
    <td>${e.actor ? html`<a href="/u/${e.actor.name}">${e.actor.name}</a>` : html`<span class="muted">command line</span>`}</td>
    <td>${e.action}</td><td>${e.target}</td><td>${e.detail ?? ''}</td>
  </tr>`)}</tbody>
</table>`}
${prevNext('/admin/audit', pageNo, entries.length > ADMIN_PAGE_SIZE)}`,
    });
  });
}

/** Why `me` may not ban or unban `target`, or undefined when they may. */
function banRefusal(me: User, target: User): string | undefined {
  if (target.key === me.key) return 'You cannot ban or unban yourself.';
  if (target.role === 'admin' && !hasRole(me, 'admin')) return 'Moderators cannot ban or unban an admin; ask an admin.';
  return undefined;
}

function userRow(viewer: Viewer, me: User, u: User): Html {
  const roleCell =
    hasRole(me, 'admin') && u.key !== me.key
      ? html`<form class="inline-form" method="post" action="/admin/users/${u.name}/role">${csrfField(viewer)}
        <label class="visually-hidden" for="role-${u.key}">Role of ${u.name}</label>
        <select id="role-${u.key}" name="role">${ROLES.map((r) => html`<option value="${r}"${r === u.role ? html` selected` : ''}>${r}</option>`)}</select>
        <button type="submit" class="link-button">Change</button></form>`
      : html`${u.role}`;
  const action = u.bannedAt ? 'unban' : 'ban';
  const stateCell = html`${u.bannedAt ? html`banned ${u.bannedAt.slice(0, 10)}` : 'active'}
    ${banRefusal(me, u) ? '' : html`<form class="inline-form" method="post" action="/admin/users/${u.name}/${action}">${csrfField(viewer)}
      ${action === 'ban' ? html`<label class="visually-hidden" for="reason-${u.key}">Reason</label><input id="reason-${u.key}" name="reason" placeholder="Reason (optional)" maxlength="500">` : ''}
      <button type="submit" class="link-button">${action === 'ban' ? 'Ban' : 'Unban'}</button></form>`}`;
  return html`<tr${u.bannedAt ? html` class="banned"` : ''}>
    <td><a href="/u/${u.name}">${u.name}</a></td>
    ${hasRole(me, 'admin') ? html`<td>${u.email}</td>` : ''}
    <td>${u.createdAt.slice(0, 10)}</td><td>${roleCell}</td><td>${stateCell}</td>
  </tr>`;
}

async function targetUser(ctx: WebContext, name: string): Promise<User> {
  const user = await ctx.store.accounts.userByName(name);
  if (!user) throw new HttpError(404, `There is no account named "${name}".`, [{ href: '/admin', label: 'Back to the accounts' }]);
  return user;
}

function audit(ctx: WebContext, actor: User, action: string, target: User, detail?: string): Promise<void> {
  return ctx.store.accounts.audit({ actorKey: actor.key, action, target: `user:${target.name}`, ...(detail ? { detail } : {}), now: ctx.community.now().toISOString() });
}

function pageNumber(given: unknown): number {
  if (given === undefined) return 1;
  const n = typeof given === 'string' && /^\d{1,4}$/.test(given) ? Number(given) : NaN;
  if (!(n >= 1 && n <= 1000)) throw new HttpError(400, 'The parameter "page" expects a whole number from 1 to 1000, like 2.');
  return n;
}

function prevNext(path: string, pageNo: number, more: boolean): Html {
  if (pageNo === 1 && !more) return html``;
  return html`<nav class="pager" aria-label="Pages">
  ${pageNo > 1 ? html`<a rel="prev" href="${withQuery(path, { page: pageNo === 2 ? undefined : pageNo - 1 })}">← Previous</a>` : html`<span class="disabled">← Previous</span>`}
  ${more ? html`<a rel="next" href="${withQuery(path, { page: pageNo + 1 })}">Next →</a>` : html`<span class="disabled">Next →</span>`}
</nav>`;
}

/**
 * Where no mail server is set up (the default), mails go to the server log: the "check your
 * inbox" pages say so, or the person who runs a fresh hub waits for a mail that never comes.
 */
export function serverLogNotice(ctx: WebContext): Html | '' {
  if (ctx.community.mailer.describe !== SERVER_LOG) return '';
  return notice('info', html`<p>This hub has no mail server set up (PAPERBOY_SMTP_URL), so the mail was written to the server log instead: whoever runs the hub can copy the link from there.</p>`);
}
