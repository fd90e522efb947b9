// What readers do with papers: upvote, submit, comment, collect, and their profiles. Every form
// works without JavaScript (a 303 back to the page); community.js posts the same forms with
// Accept: application/json and updates the page in place from the JSON answer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fetchArxivRecords } from '../../ingest/arxiv-api.ts';
import { parseArxivId } from '../../paper/ids.ts';
import type { User } from '../../store/accounts.ts';
import type { Collection, Comment } from '../../store/community.ts';
import type { PaperDetail, PaperSummary } from '../../store/store.ts';
import { paperAction, paperCard, type CardOptions } from '../components.ts';
import type { WebContext } from '../context.ts';
import { deliveryBar } from '../delivery.ts';
import { HttpError, prefersJson } from '../errors.ts';
import type { FeedRef } from '../feeds.ts';
import { html, type Html } from '../html.ts';
import { layout, sendPage } from '../layout.ts';
import { rateLimited } from '../limits.ts';
import { renderComment } from '../markdown.ts';
import { formatDay } from '../periods.ts';
import { feedPath, paperPath } from '../urls.ts';
import { csrfField, hasRole, refererPath, requireUser, type Viewer } from '../viewer.ts';

const COMMENT_MAX = 10_000;
const NAME_MAX = 100;
const DESCRIPTION_MAX = 1000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const PROFILE_ITEMS = 20;

type Form = Record<string, unknown> | undefined;

/** A form field as one string; a repeated or missing field is undefined. */
export function field(request: FastifyRequest, name: string): string | undefined {
  const value = (request.body as Form)?.[name];
  return typeof value === 'string' ? value : undefined;
}


/** The JSON answer for community.js (it asks with Accept: application/json), or a 303 to the page the form was on (or `natural`). */
export function answer(request: FastifyRequest, reply: FastifyReply, json: object, natural: string): FastifyReply {
  if (prefersJson(request)) return reply.send(json);
  return reply.redirect(request.headers.referer ? refererPath(request) : natural, 303);
}

/** The paper a route's :id names, as its own page would show it; hidden and merged ones are 404 for all but moderators. */
export async function paperFromParam(ctx: WebContext, given: string, viewer: Viewer | undefined): Promise<PaperDetail> {
  const id = parseArxivId(given)?.id;
  const paper = id === undefined ? undefined : await ctx.store.getPaper(id);
  if (!paper || ((paper.hiddenAt || paper.mergedInto) && !hasRole(viewer?.user, 'moderator'))) {
    const links = paper?.mergedInto ? [{ href: paperPath(paper.mergedInto), label: `The paper it duplicates: ${paper.mergedInto}` }] : [];
    throw new HttpError(404, `There is no paper ${given} in this hub.`, links);
  }
  return paper;
}

/** A positive whole number from a path or form, or a 404 (keys are never guessed into meaning). */
function keyParam(value: string | undefined): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new HttpError(404, 'There is nothing here by that number.');
  return n;
}

// ---------- cards ----------

/**
 * What the community adds to a page's cards: their votes in one query, the viewer's collections
 * once, and which of them hold each paper.
 */
export async function cardsFor(ctx: WebContext, viewer: Viewer | undefined, papers: PaperSummary[]): Promise<(paper: PaperSummary) => CardOptions> {
  const user = viewer?.user;
  const ids = papers.map((p) => p.id);
  const votes = await ctx.store.community.votes(ids, user?.key);
  const all = user ? await ctx.store.community.collectionsOf(user.key, true) : [];
  const holding = user && all.length > 0 ? await ctx.store.community.collectionsHolding(user.key, ids) : new Map<string, number[]>();
  return (paper) => ({ viewer, thumbnail: ctx.site.remoteImages, community: { votes: votes.get(paper.id), collections: user ? { all, holding: holding.get(paper.id) ?? [] } : undefined } });
}

// ---------- comments ----------

/** The thread under a paper: replies nested under their parents, removed comments kept as placeholders. */
export function commentThread(paperId: string, comments: Comment[], viewer: Viewer | undefined): Html {
  const children = new Map<number | undefined, Comment[]>();
  for (const c of comments) (children.get(c.parentKey) ?? children.set(c.parentKey, []).get(c.parentKey)!).push(c);
  const branch = (parent: number | undefined): Html =>
    html`${(children.get(parent) ?? []).map((c) => commentItem(paperId, c, viewer, branch(c.key)))}`;
  return html`<ol class="comment-list" id="comments-${paperId}">${branch(undefined)}</ol>`;
}

/** One comment and the list its replies go in. */
export function commentItem(paperId: string, c: Comment, viewer: Viewer | undefined, replies: Html = html``): Html {
  return html`<li class="comment-item" id="c-${c.key}">${commentArticle(paperId, c, viewer)}<ol class="comment-list replies" id="replies-${c.key}">${replies}</ol></li>`;
}

export function commentArticle(paperId: string, c: Comment, viewer: Viewer | undefined): Html {
  const user = viewer?.user;
  const moderator = hasRole(user, 'moderator');
  const removed = c.deletedAt ? '[deleted]' : c.hiddenAt ? '[hidden by a moderator]' : undefined;
  const mine = user?.key === c.author.key && !c.deletedAt;
  return html`<article class="comment${removed ? ' comment-removed' : ''}" id="comment-${c.key}">
  <p class="meta comment-meta">${removed && !moderator ? html`<span>${removed}</span>` : html`<a href="/u/${encodeURIComponent(c.author.name)}">${c.author.name}</a>`}
    <a href="${paperPath(paperId)}#c-${c.key}"><time datetime="${c.createdAt}">${formatDay(c.createdAt.slice(0, 10), 'short')}</time></a>
    ${c.editedAt && !c.deletedAt ? html`<span class="muted">edited</span>` : ''}
    ${removed && moderator ? html`<span class="chip">${removed}</span>` : ''}</p>
  ${removed && !(moderator && c.hiddenAt && !c.deletedAt) ? '' : html`<div class="comment-body">${renderComment(c.body)}</div>`}
  ${user && viewer ? commentActions(paperId, c, viewer, mine, moderator) : ''}
</article>`;
}

function commentActions(paperId: string, c: Comment, viewer: Viewer, mine: boolean, moderator: boolean): Html {
  const csrf = csrfField(viewer);
  return html`<div class="comment-actions">
    ${c.deletedAt ? '' : html`<details><summary>Reply</summary>${commentForm(paperId, viewer, { parentKey: c.key })}</details>`}
    ${mine ? html`<details><summary>Edit</summary><form method="post" action="/comments/${c.key}/edit" data-async="comment-edit">${csrf}
      <label class="visually-hidden" for="edit-${c.key}">Edit your comment</label>
      <textarea id="edit-${c.key}" name="body" rows="4" maxlength="${COMMENT_MAX}" required>${c.body}</textarea>
      <button type="submit">Save</button></form></details>
      <form method="post" action="/comments/${c.key}/delete" data-async="comment-edit">${csrf}<button type="submit" class="link-button">Delete</button></form>` : ''}
    ${moderator && !c.deletedAt ? html`<form method="post" action="/comments/${c.key}/${c.hiddenAt ? 'unhide' : 'hide'}" data-async="comment-edit">${csrf}<button type="submit" class="link-button">${c.hiddenAt ? 'Unhide' : 'Hide'}</button></form>` : ''}
  </div>`;
}

/** A new comment (at the top of the thread) or a reply to one. */
export function commentForm(paperId: string, viewer: Viewer, options: { parentKey?: number } = {}): Html {
  const id = options.parentKey === undefined ? 'new-comment' : `reply-${options.parentKey}`;
  const list = options.parentKey === undefined ? `comments-${paperId}` : `replies-${options.parentKey}`;
  return html`<form class="comment-form" method="post" action="${paperAction(paperId, 'comments')}" data-async="comment-new" data-list="${list}">
  ${csrfField(viewer)}
  ${options.parentKey === undefined ? '' : html`<input type="hidden" name="parent" value="${options.parentKey}">`}
  <label for="${id}">${options.parentKey === undefined ? 'Add a comment' : 'Your reply'}</label>
  <textarea id="${id}" name="body" rows="${options.parentKey === undefined ? 4 : 3}" maxlength="${COMMENT_MAX}" required></textarea>
  <p class="muted form-hint">Markdown: *emphasis*, **strong**, \`code\`, links, lists and quotes.</p>
  <button type="submit" class="button button-primary">${options.parentKey === undefined ? 'Post comment' : 'Post reply'}</button>
</form>`;
}

/** The body of a comment form, or a 400 that says what is wrong with it. */
function commentBody(request: FastifyRequest): string {
  const body = (field(request, 'body') ?? '').trim();
  if (body.length === 0) throw new HttpError(400, 'A comment cannot be empty.');
  if (body.length > COMMENT_MAX) throw new HttpError(400, `A comment can be at most ${COMMENT_MAX.toLocaleString('en')} characters; this one has ${body.length.toLocaleString('en')}.`);
  return body;
}

/** The comment a route's :key names, and a 403 unless the viewer wrote it. */
async function ownComment(ctx: WebContext, request: FastifyRequest<{ Params: { key: string } }>, doing: string): Promise<{ user: User; comment: Comment }> {
  const user = requireUser(request, doing);
  const comment = await ctx.store.community.comment(keyParam(request.params.key));
  if (!comment || comment.deletedAt) throw new HttpError(404, 'That comment does not exist or was deleted.');
  if (comment.author.key !== user.key) throw new HttpError(403, 'Only its author can change a comment.');
  return { user, comment };
}

// ---------- collections ----------

export function collectionPath(c: Collection): string {
  return `/u/${encodeURIComponent(c.owner.name)}/collections/${encodeURIComponent(c.slug)}`;
}

/** A public collection's feed (private ones have none: a feed reader cannot sign in). */
export function collectionFeed(c: Collection): FeedRef {
  return { href: feedPath(collectionPath(c)), title: `${c.name}, a collection by ${c.owner.name}` };
}

/** The collection at /u/NAME/collections/SLUG, if it is public or `viewerKey` owns it; else a 404. */
export async function collectionAt(ctx: WebContext, name: string, slug: string, viewerKey: number | undefined): Promise<Collection> {
  const owner = await ctx.store.accounts.userByName(name);
  const collection = owner && (await ctx.store.community.collectionBySlug(owner.key, slug));
  if (!collection || (!collection.public && collection.owner.key !== viewerKey)) throw new HttpError(404, 'There is no such collection.');
  return collection;
}

/** The collection a route's :key names, and a 403 unless the viewer owns it. */
async function ownCollection(ctx: WebContext, request: FastifyRequest<{ Params: { key: string } }>, doing: string): Promise<Collection> {
  const user = requireUser(request, doing);
  const collection = await ctx.store.community.collection(keyParam(request.params.key));
  if (!collection || (!collection.public && collection.owner.key !== user.key)) throw new HttpError(404, 'There is no such collection.');
  if (collection.owner.key !== user.key) throw new HttpError(403, 'Only its owner can change a collection.');
  return collection;
}

function collectionFields(request: FastifyRequest): { name: string; description: string; public: boolean } {
  const name = (field(request, 'name') ?? '').trim();
  const description = (field(request, 'description') ?? '').trim();
  if (name.length === 0) throw new HttpError(400, 'A collection needs a name.');
  if (name.length > NAME_MAX) throw new HttpError(400, `A collection's name can be at most ${NAME_MAX} characters.`);
  if (description.length > DESCRIPTION_MAX) throw new HttpError(400, `A description can be at most ${DESCRIPTION_MAX} characters.`);
  return { name, description, public: field(request, 'public') === 'on' || field(request, 'public') === '1' };
}

function collectionForm(viewer: Viewer, action: string, c: { name: string; description: string; public: boolean }, submit: string, paperId?: string): Html {
  return html`<form class="stacked-form" method="post" action="${action}">
  ${csrfField(viewer)}
  ${paperId ? html`<input type="hidden" name="paperId" value="${paperId}">` : ''}
  <label for="collection-name">Name</label>
  <input id="collection-name" name="name" value="${c.name}" maxlength="${NAME_MAX}" required>
  <label for="collection-description">Description <span class="muted">(optional)</span></label>
  <textarea id="collection-description" name="description" rows="3" maxlength="${DESCRIPTION_MAX}">${c.description}</textarea>
  <label class="check"><input type="checkbox" name="public"${c.public ? html` checked` : ''}> Public: anyone can see it on your profile</label>
  <button type="submit" class="button button-primary">${submit}</button>
</form>`;
}

// ---------- pages ----------

function page(ctx: WebContext, reply: FastifyReply, title: string, body: Html, feeds?: FeedRef[]): FastifyReply {
  return sendPage(reply, layout(ctx.site, { title, feeds, body: html`<section class="community-page">${body}</section>` }));
}

async function cards(ctx: WebContext, viewer: Viewer | undefined, papers: PaperSummary[], empty: string, compact = false): Promise<Html> {
  if (papers.length === 0) return html`<p class="muted">${empty}</p>`;
  const options = await cardsFor(ctx, viewer, papers);
  return html`<div class="cards">${papers.map((p) => paperCard(p, { ...options(p), compact }))}</div>`;
}

function submitPage(ctx: WebContext, viewer: Viewer, given = ''): Html {
  const days = ctx.community.submitWindowDays;
  return html`<h1>Submit a paper</h1>
  <p class="lead">Put an arXiv paper on today’s list. Papers can be submitted within ${days} day${days === 1 ? '' : 's'} of publication, up to ${ctx.community.submissionsPerDay} a day.</p>
  <form class="stacked-form" method="post" action="/submit">
    ${csrfField(viewer)}
    <label for="submit-id">arXiv id or URL</label>
    <input id="submit-id" name="id" value="${given}" placeholder="2406.01234 or https://arxiv.org/abs/2406.01234" maxlength="300" required autocomplete="off">
    <button type="submit" class="button button-primary">Submit paper</button>
  </form>`;
}

// ---------- routes ----------

export function registerCommunityRoutes(app: FastifyInstance, ctx: WebContext): void {
  const now = () => ctx.community.now().toISOString();
  const community = ctx.store.community;

  app.post<{ Params: { id: string } }>('/papers/:id/vote', { preHandler: rateLimited(ctx, { name: 'vote', max: 60, windowMs: MINUTE_MS }) }, async (request, reply) => {
    const user = requireUser(request, 'upvote papers');
    const paper = await paperFromParam(ctx, request.params.id, request.viewer);
    const up = field(request, 'up');
    if (up !== '1' && up !== '0') throw new HttpError(400, 'A vote says up=1 to upvote or up=0 to take the vote back.');
    const state = await community.vote(user.key, paper.id, up === '1', now());
    return answer(request, reply, { votes: state.count, voted: state.voted, total: state.count + (paper.upvotes ?? 0) }, paperPath(paper.id));
  });

  app.get('/submit', async (request, reply) => {
    requireUser(request, 'submit a paper');
    return page(ctx, reply, 'Submit a paper', submitPage(ctx, request.viewer));
  });

  app.post('/submit', { preHandler: rateLimited(ctx, { name: 'submit', max: 10, windowMs: MINUTE_MS }) }, async (request, reply) => {
    const user = requireUser(request, 'submit a paper');
    const given = (field(request, 'id') ?? '').trim();
    const id = parseArxivId(given)?.id;
    if (!id) throw new HttpError(400, `“${given.slice(0, 80)}” is not an arXiv id or arXiv URL. Give one like 2406.01234 or https://arxiv.org/abs/2406.01234.`, [{ href: '/submit', label: 'Try again' }]);
    await refuseDuplicate(ctx, id);
    const at = ctx.community.now();
    const recent = await community.countSubmissions(user.key, new Date(at.getTime() - DAY_MS).toISOString());
    if (recent >= ctx.community.submissionsPerDay) {
      throw new HttpError(429, `You have submitted ${recent} papers in the last 24 hours, the most allowed. Try again tomorrow.`, [{ href: `/u/${encodeURIComponent(user.name)}`, label: 'Your submissions' }]);
    }
    let records;
    try {
      records = await fetchArxivRecords([id], ctx.community.arxiv);
    } catch (err) {
      request.log.warn({ err }, 'arXiv API request for a submission failed');
      throw new HttpError(502, 'arXiv could not be asked about this paper just now. Please try again in a few minutes.', [{ href: '/submit', label: 'Try again' }]);
    }
    const record = records.find((r) => r.id === id);
    if (!record) throw new HttpError(404, `arXiv has no paper ${id}. Check the id and try again.`, [{ href: '/submit', label: 'Try again' }]);
    const published = record.published ?? record.versions?.find((v) => v.version === 1)?.created;
    const window = ctx.community.submitWindowDays;
    if (!published || at.getTime() - Date.parse(published) > window * DAY_MS) {
      const when = published ? `this one appeared on ${formatDay(published.slice(0, 10))}` : 'arXiv gives no publication date for this one';
      throw new HttpError(422, `Papers can be submitted within ${window} days of publication; ${when}.`, [{ href: paperPath(id), label: 'Look for it here' }]);
    }
    // An explicit listing puts the paper on today's list (see store/merge.ts).
    await ctx.store.upsertPapers([{ ...record, listedAt: at.toISOString() }]);
    await community.recordSubmission(user.key, id, at.toISOString());
    return prefersJson(request) ? reply.send({ id, url: paperPath(id) }) : reply.redirect(paperPath(id), 303);
  });

  app.post<{ Params: { id: string } }>('/papers/:id/comments', { preHandler: rateLimited(ctx, { name: 'comment', max: 10, windowMs: MINUTE_MS }) }, async (request, reply) => {
    const user = requireUser(request, 'comment');
    const paper = await paperFromParam(ctx, request.params.id, request.viewer);
    const body = commentBody(request);
    const parentField = field(request, 'parent');
    let parentKey: number | undefined;
    if (parentField) {
      parentKey = Number(parentField);
      const parent = Number.isSafeInteger(parentKey) ? await community.comment(parentKey) : undefined;
      if (!parent || parent.paperId !== paper.id) throw new HttpError(400, 'That reply is to a comment that is not on this paper.');
    }
    const comment = await community.addComment({ userKey: user.key, paperId: paper.id, parentKey, body, now: now() });
    if (prefersJson(request)) return reply.send({ key: comment.key, parentKey: comment.parentKey ?? null, html: commentItem(paper.id, comment, request.viewer).value });
    return reply.redirect(`${paperPath(paper.id)}#c-${comment.key}`, 303);
  });

  app.post<{ Params: { key: string } }>('/comments/:key/edit', { preHandler: rateLimited(ctx, { name: 'comment-edit', max: 10, windowMs: MINUTE_MS }) }, async (request, reply) => {
    const { comment } = await ownComment(ctx, request, 'edit your comment');
    await community.editComment(comment.key, commentBody(request), now());
    return commentAnswer(ctx, request, reply, comment.key);
  });

  app.post<{ Params: { key: string } }>('/comments/:key/delete', async (request, reply) => {
    const { comment } = await ownComment(ctx, request, 'delete your comment');
    await community.deleteComment(comment.key, now());
    return commentAnswer(ctx, request, reply, comment.key);
  });

  app.get<{ Params: { name: string } }>('/u/:name', async (request, reply) => {
    const owner = await ctx.store.accounts.userByName(request.params.name);
    if (!owner) throw new HttpError(404, `There is nobody called ${request.params.name} here.`);
    const own = request.viewer?.user?.key === owner.key;
    const [submitted, voted, comments, collections] = await Promise.all([
      community.submittedBy(owner.key, { limit: PROFILE_ITEMS }),
      community.votedBy(owner.key, { limit: PROFILE_ITEMS }),
      community.commentsBy(owner.key, { limit: PROFILE_ITEMS }),
      community.collectionsOf(owner.key, own),
    ]);
    const body = html`<h1>${owner.name}</h1>
    <p class="muted">Here since ${formatDay(owner.createdAt.slice(0, 10))}${owner.role === 'member' ? '' : ` · ${owner.role}`}</p>
    <section aria-labelledby="p-collections"><h2 id="p-collections">Collections</h2>
      ${collections.length === 0 ? html`<p class="muted">No collections${own ? '' : ' to show'}.</p>` : html`<ul class="collection-list">${collections.map((c) => html`<li><a href="${collectionPath(c)}">${c.name}</a> <span class="muted">${c.papers} paper${c.papers === 1 ? '' : 's'}${c.public ? '' : ' · private'}</span></li>`)}</ul>`}
      ${own ? html`<p><a href="/collections/new">New collection…</a></p>` : ''}
    </section>
    <section aria-labelledby="p-submitted"><h2 id="p-submitted">Submitted</h2>${await cards(ctx, request.viewer, submitted, 'No submissions yet.', true)}</section>
    <section aria-labelledby="p-voted"><h2 id="p-voted">Upvoted</h2>${await cards(ctx, request.viewer, voted, 'No upvotes yet.', true)}</section>
    <section aria-labelledby="p-comments"><h2 id="p-comments">Comments</h2>
      ${comments.length === 0 ? html`<p class="muted">No comments yet.</p>` : html`<ul class="profile-comments">${comments.map((c) => html`<li><p class="meta"><a href="${paperPath(c.paperId)}#c-${c.key}">On ${c.paperId}, ${formatDay(c.createdAt.slice(0, 10), 'short')}</a></p><div class="comment-body">${renderComment(c.body)}</div></li>`)}</ul>`}
    </section>`;
    return page(ctx, reply, owner.name, body);
  });

  app.get<{ Querystring: { paper?: string } }>('/collections/new', async (request, reply) => {
    requireUser(request, 'make a collection');
    const paperId = parseArxivId(String(request.query.paper ?? ''))?.id;
    return page(ctx, reply, 'New collection', html`<h1>New collection</h1>${collectionForm(request.viewer, '/collections', { name: '', description: '', public: true }, 'Create collection', paperId)}`);
  });

  app.post('/collections', async (request, reply) => {
    const user = requireUser(request, 'make a collection');
    const fields = collectionFields(request);
    const collection = await community.createCollection({ userKey: user.key, ...fields, now: now() });
    const paperId = parseArxivId(field(request, 'paperId') ?? '')?.id;
    if (paperId && (await ctx.store.getPaper(paperId))) await community.addToCollection(collection.key, paperId, now());
    return prefersJson(request) ? reply.send({ key: collection.key, url: collectionPath(collection) }) : reply.redirect(collectionPath(collection), 303);
  });

  app.get<{ Params: { name: string; slug: string } }>('/u/:name/collections/:slug', async (request, reply) => {
    const collection = await collectionAt(ctx, request.params.name, request.params.slug, request.viewer?.user?.key);
    const own = request.viewer?.user?.key === collection.owner.key;
    const papers = await community.collectionPapers(collection.key);
    const feed = collection.public ? collectionFeed(collection) : undefined;
    const body = html`<p class="kicker"><a href="/u/${encodeURIComponent(collection.owner.name)}">${collection.owner.name}</a>’s collection${collection.public ? '' : ' · private'}</p>
    <h1>${collection.name}</h1>
    ${collection.description ? html`<p class="lead">${collection.description}</p>` : ''}
    ${feed ? deliveryBar(request.viewer, { feed, subscribe: { kind: 'collection', target: String(collection.key), label: `papers added to “${collection.name}”` } }) : ''}
    ${await cards(ctx, request.viewer, papers, 'No papers in this collection yet. Add them with “Save” on any paper.')}
    ${own ? html`<details class="collection-edit"><summary>Edit or delete this collection</summary>
      ${collectionForm(request.viewer, `/collections/${collection.key}/edit`, collection, 'Save changes')}
      <form method="post" action="/collections/${collection.key}/delete">${csrfField(request.viewer)}<button type="submit" class="button">Delete this collection</button></form>
    </details>` : ''}`;
    return page(ctx, reply, collection.name, body, feed && [feed]);
  });

  app.post<{ Params: { key: string } }>('/collections/:key/edit', async (request, reply) => {
    const collection = await ownCollection(ctx, request, 'change a collection');
    await community.updateCollection(collection.key, { ...collectionFields(request), now: now() });
    const updated = (await community.collection(collection.key))!;
    return prefersJson(request) ? reply.send({ key: updated.key, url: collectionPath(updated) }) : reply.redirect(collectionPath(updated), 303);
  });

  app.post<{ Params: { key: string } }>('/collections/:key/delete', async (request, reply) => {
    const collection = await ownCollection(ctx, request, 'delete a collection');
    await community.deleteCollection(collection.key);
    const profile = `/u/${encodeURIComponent(collection.owner.name)}`;
    return prefersJson(request) ? reply.send({ deleted: true, url: profile }) : reply.redirect(profile, 303);
  });

  for (const action of ['add', 'remove'] as const) {
    app.post<{ Params: { key: string } }>(`/collections/:key/${action}`, async (request, reply) => {
      const collection = await ownCollection(ctx, request, 'change a collection');
      const paper = await paperFromParam(ctx, field(request, 'paperId') ?? '', request.viewer);
      if (action === 'add') await community.addToCollection(collection.key, paper.id, now());
      else await community.removeFromCollection(collection.key, paper.id);
      return answer(request, reply, { collection: collection.key, paperId: paper.id, inCollection: action === 'add' }, collectionPath(collection));
    });
  }
}

/** After a change to a comment: the comment as it now reads (JSON), or back to it. */
export async function commentAnswer(ctx: WebContext, request: FastifyRequest, reply: FastifyReply, key: number): Promise<FastifyReply> {
  const comment = (await ctx.store.community.comment(key))!;
  if (prefersJson(request)) return reply.send({ key, html: commentArticle(comment.paperId, comment, request.viewer).value });
  return reply.redirect(`${paperPath(comment.paperId)}#c-${key}`, 303);
}

/** Already submitted, or already on a daily list: a 409 that links to the paper. */
async function refuseDuplicate(ctx: WebContext, id: string): Promise<void> {
  const existing = await ctx.store.getPaper(id);
  if (!existing) return;
  const shown = existing.mergedInto ?? id;
  const link = [{ href: paperPath(shown), label: `See ${shown}` }];
  if (existing.hiddenAt) throw new HttpError(409, `Paper ${id} was taken off the lists by a moderator and cannot be submitted again.`);
  if (existing.mergedInto) throw new HttpError(409, `Paper ${id} is a duplicate of ${existing.mergedInto}, which is already here.`, link);
  const submission = await ctx.store.community.submission(id);
  if (submission) throw new HttpError(409, `Paper ${id} was already submitted by ${submission.user.name} on ${formatDay(submission.submittedAt.slice(0, 10))}.`, link);
  if (existing.listedExplicitly) throw new HttpError(409, `Paper ${id} is already on the list of ${formatDay(existing.listedAt.slice(0, 10))}.`, link);
}
