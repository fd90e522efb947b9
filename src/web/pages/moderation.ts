// What moderators and admins do to papers and comments: hide and unhide them, merge a duplicate
// paper into the one it duplicates. Each act is written to the audit log with who did it.
import type { FastifyInstance } from 'fastify';
import { parseArxivId } from '../../paper/ids.ts';
import type { WebContext } from '../context.ts';
import { HttpError, prefersJson } from '../errors.ts';
import { paperPath } from '../urls.ts';
import { requireRole } from '../viewer.ts';
import { answer, commentAnswer, field, paperFromParam } from './community.ts';

export function registerModerationRoutes(app: FastifyInstance, ctx: WebContext): void {
  const community = ctx.store.community;
  const now = () => ctx.community.now().toISOString();

  for (const hidden of [true, false]) {
    const action = hidden ? 'hide' : 'unhide';

    app.post<{ Params: { id: string } }>(`/papers/:id/${action}`, async (request, reply) => {
      const user = requireRole(request, 'moderator', `${action} papers`);
      const paper = await paperFromParam(ctx, request.params.id, request.viewer);
      await community.setPaperHidden(paper.id, hidden, now());
      await ctx.store.accounts.audit({ actorKey: user.key, action: `${action}-paper`, target: `paper:${paper.id}`, now: now() });
      return answer(request, reply, { paperId: paper.id, hidden }, paperPath(paper.id));
    });

    app.post<{ Params: { key: string } }>(`/comments/:key/${action}`, async (request, reply) => {
      const user = requireRole(request, 'moderator', `${action} comments`);
      const key = Number(request.params.key);
      const comment = Number.isSafeInteger(key) ? await community.comment(key) : undefined;
      if (!comment) throw new HttpError(404, 'There is no such comment.');
      await community.setCommentHidden(comment.key, hidden, now());
      await ctx.store.accounts.audit({ actorKey: user.key, action: `${action}-comment`, target: `comment:${comment.key}`, detail: `on paper ${comment.paperId}`, now: now() });
      return commentAnswer(ctx, request, reply, comment.key);
    });
  }

  app.post<{ Params: { id: string } }>('/papers/:id/merge', async (request, reply) => {
    const user = requireRole(request, 'moderator', 'merge papers');
    const duplicate = await paperFromParam(ctx, request.params.id, request.viewer);
    const into = field(request, 'into') ?? '';
    const keptId = parseArxivId(into)?.id;
    if (!keptId) throw new HttpError(400, `“${into.slice(0, 80)}” is not an arXiv id. Give the id of the paper to keep, like 2406.01234.`);
    if (keptId === duplicate.id) throw new HttpError(400, 'A paper cannot be merged into itself.');
    const kept = await ctx.store.getPaper(keptId);
    if (!kept) throw new HttpError(404, `There is no paper ${keptId} in this hub to merge into.`);
    if (kept.mergedInto) throw new HttpError(409, `Paper ${keptId} is itself merged into ${kept.mergedInto}; merge into that one instead.`, [{ href: paperPath(kept.mergedInto), label: kept.mergedInto }]);
    if (duplicate.mergedInto) throw new HttpError(409, `Paper ${duplicate.id} is already merged into ${duplicate.mergedInto}.`);
    await community.mergePaper(duplicate.id, keptId, now());
    await ctx.store.accounts.audit({ actorKey: user.key, action: 'merge-paper', target: `paper:${duplicate.id}`, detail: `into ${keptId}`, now: now() });
    if (prefersJson(request)) return reply.send({ paperId: duplicate.id, mergedInto: keptId });
    return reply.redirect(paperPath(keptId), 303);
  });
}
