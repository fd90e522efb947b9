// A paper's own page: everything known about it, its links, and papers like it.
// Any arXiv id form in the URL redirects to the canonical /papers/<id>.
import type { FastifyInstance } from 'fastify';
import { absUrl, parseArxivId, pdfUrl } from '../../paper/ids.ts';
import { papersLike } from '../../search/hybrid.ts';
import type { Comment, Submission } from '../../store/community.ts';
import type { PaperDetail, PaperSummary } from '../../store/store.ts';
import { authorList, categoryChips, collectMenu, compactNumber, notice, paperAction, paperCard, safeUrl, voteBox, type CardOptions } from '../components.ts';
import type { WebContext } from '../context.ts';
import { errorPage, HttpError, truncate } from '../errors.ts';
import { html, type Html } from '../html.ts';
import { layout, sendPage } from '../layout.ts';
import { renderMath } from '../math.ts';
import { ACCEPTED_ID_FORMS } from '../paper-id.ts';
import { formatDay } from '../periods.ts';
import { emptyQuery } from '../ranked.ts';
import { dayPath, likePath, paperPath, searchPath } from '../urls.ts';
import { csrfField, hasRole, signInPath, type Viewer } from '../viewer.ts';
import { cardsFor, commentForm, commentThread } from './community.ts';

const SIMILAR = 6;

export function registerPaperRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Params: { '*': string } }>('/papers/*', async (request, reply) => {
    const given = request.params['*'];
    const parsed = parseArxivId(given);
    if (!parsed) return sendPage(reply, invalidIdPage(ctx, given), 400);
    if (given !== parsed.id) return reply.redirect(paperPath(parsed.id), 301);
    const paper = await ctx.store.getPaper(parsed.id);
    if (!paper) return sendPage(reply, notInHubPage(ctx, parsed.id), 404);
    if (paper.mergedInto) return reply.redirect(paperPath(paper.mergedInto), 301);
    const viewer = request.viewer as Viewer | undefined;
    if (paper.hiddenAt && !hasRole(viewer?.user, 'moderator')) throw new HttpError(404, `There is no paper ${paper.id} in this hub.`);
    const similar = await similarPapers(ctx, paper.id);
    const [card, submission, comments] = await Promise.all([
      cardsFor(ctx, viewer, [paper, ...similar.papers]),
      ctx.store.community.submission(paper.id),
      ctx.store.community.comments(paper.id),
    ]);
    return sendPage(
      reply,
      layout(ctx.site, {
        title: paper.title,
        section: 'paper',
        description: truncate(paper.abstract.replace(/\s+/g, ' '), 200),
        body: paperBody(paper, similar, { viewer, card, submission, comments, remoteImages: ctx.site.remoteImages }),
      }),
    );
  });
}

interface Similar {
  by: 'meaning' | 'keywords';
  papers: PaperSummary[];
}

/** Papers nearest in meaning (the paper's vector), or, without one, those sharing its keywords. */
async function similarPapers(ctx: WebContext, id: string): Promise<Similar> {
  const key = await ctx.store.keyOf(id);
  const byMeaning = key === undefined ? undefined : await papersLike(ctx, { key }, emptyQuery(), { limit: SIMILAR });
  if (byMeaning && byMeaning.hits.length > 0) return { by: 'meaning', papers: byMeaning.hits.map((h) => h.paper) };
  return { by: 'keywords', papers: await ctx.store.similarByKeywords(id, SIMILAR) };
}

/** What the community adds to a paper's page. */
interface Community {
  viewer: Viewer | undefined;
  card: (paper: PaperSummary) => CardOptions;
  submission: Submission | undefined;
  comments: Comment[];
  /** The hub shows Hugging Face's pictures. */
  remoteImages: boolean;
}

function paperBody(paper: PaperDetail, similar: Similar, community: Community): Html {
  const hf = paper.hf;
  const { viewer, submission } = community;
  const own = community.card(paper);
  return html`<article class="paper">
  ${paper.hiddenAt ? notice('warning', `Hidden by a moderator on ${formatDay(paper.hiddenAt.slice(0, 10))}: this page is shown only to moderators, and the paper is in no list or search.`) : ''}
  <header class="paper-head">
    <div class="paper-vote">${voteBox(paper, viewer, own.community?.votes)}</div>
    <p class="paper-kicker"><span class="paper-id">arXiv:${paper.id}${paper.latestVersion ? `v${paper.latestVersion}` : ''}</span>
      ${paper.published ? html`<span>Published ${formatDay(paper.published.slice(0, 10))}</span>` : ''}
      ${submission ? html`<span class="submitted">Submitted by <a href="/u/${encodeURIComponent(submission.user.name)}">${submission.user.name}</a> on ${formatDay(submission.submittedAt.slice(0, 10))}</span>` : ''}</p>
    <h1 class="paper-title">${renderMath(paper.title)}</h1>
    ${paper.authors.length > 0 ? html`<p class="paper-authors">${authorList(paper.authors)}</p>` : ''}
    <div class="actions">${paperLinks(paper)}</div>
  </header>
  <div class="with-sidebar">
    <div class="paper-main">
      ${hf?.aiSummary ? html`<section class="ai-summary" aria-labelledby="ai-summary"><h2 id="ai-summary">AI summary</h2><p>${renderMath(hf.aiSummary, { links: true })}</p></section>` : ''}
      <section aria-labelledby="abstract"><h2 id="abstract">Abstract</h2>
        ${paper.abstract ? paragraphs(paper.abstract) : html`<p class="muted">No abstract is known for this paper.</p>`}
      </section>
      ${community.remoteImages ? media(paper) : ''}
      ${paper.comments ? html`<section aria-labelledby="comments"><h2 id="comments">Comments</h2><p>${renderMath(paper.comments, { links: true })}</p></section>` : ''}
      ${paper.journalRef ? html`<section aria-labelledby="journal"><h2 id="journal">Journal reference</h2><p>${paper.journalRef}</p></section>` : ''}
    </div>
    <aside class="paper-side">
      ${viewer?.user && own.community?.collections ? html`<section class="side-box"><h2>Collections</h2>${collectMenu(paper.id, viewer, own.community.collections)}</section>` : ''}
      ${viewer && hasRole(viewer.user, 'moderator') ? moderatorBox(paper, viewer) : ''}
      ${hf ? hfBox(paper) : ''}
      <section class="side-box"><h2>Details</h2>${details(paper)}</section>
      ${paper.versions.length > 0 ? versions(paper) : ''}
      ${paper.categories.length > 0 ? html`<section class="side-box"><h2>Categories</h2><div class="chips">${categoryChips(paper.categories)}</div></section>` : ''}
      ${
        hf?.aiKeywords?.length
          ? html`<section class="side-box"><h2>Keywords</h2><div class="chips">${hf.aiKeywords.map((k) => html`<a class="chip chip-soft" href="${searchPath(`"${k.replace(/"/g, '')}"`)}">${k}</a>`)}</div></section>`
          : ''
      }
    </aside>
  </div>
  ${
    similar.papers.length > 0
      ? html`<section class="similar" aria-labelledby="similar">
    <div class="similar-head">
      <h2 id="similar">${similar.by === 'meaning' ? 'Similar in meaning' : 'Sharing keywords'}</h2>
      <a class="more-like" href="${likePath(paper.id)}">More like this →</a>
    </div>
    <p class="muted similar-how">${similar.by === 'meaning' ? 'Papers whose title and abstract are closest to this one’s in meaning.' : 'Papers sharing the most distinctive words of this one’s title and abstract.'}</p>
    <div class="cards">${similar.papers.map((p) => paperCard(p, { ...community.card(p), compact: true }))}</div>
  </section>`
      : ''
  }
  ${discussion(paper, community)}
</article>`;
}

function discussion(paper: PaperDetail, { viewer, comments }: Community): Html {
  const shown = comments.filter((c) => !c.deletedAt && !c.hiddenAt).length;
  return html`<section class="discussion" aria-labelledby="discussion">
    <h2 id="discussion">Discussion${shown > 0 ? html` <span class="muted">(${shown})</span>` : ''}</h2>
    ${viewer?.user ? commentForm(paper.id, viewer) : html`<p><a href="${signInPath(paperPath(paper.id))}">Sign in</a> to join the discussion.</p>`}
    ${commentThread(paper.id, comments, viewer)}
  </section>`;
}

function moderatorBox(paper: PaperDetail, viewer: Viewer): Html {
  return html`<section class="side-box moderation"><h2>Moderation</h2>
    <form method="post" action="${paperAction(paper.id, paper.hiddenAt ? 'unhide' : 'hide')}">${csrfField(viewer)}
      <button type="submit" class="button">${paper.hiddenAt ? 'Unhide this paper' : 'Hide this paper'}</button></form>
    <form method="post" action="${paperAction(paper.id, 'merge')}">${csrfField(viewer)}
      <label for="merge-into">Merge as a duplicate of</label>
      <input id="merge-into" name="into" placeholder="arXiv id to keep" required maxlength="100">
      <button type="submit" class="button">Merge</button></form>
  </section>`;
}

function paperLinks(paper: PaperDetail): Html {
  const code = [...new Set([...paper.codeUrls, ...(paper.githubRepo ? [paper.githubRepo] : [])])];
  return html`<a class="button button-primary" href="${pdfUrl(paper.id)}">PDF</a>
    <a class="button" href="${absUrl(paper.id)}">arXiv page</a>
    ${code.map((url) => html`<a class="button" href="${safeUrl(url)}" rel="noopener nofollow">Code${codeHost(url)}</a>`)}
    ${paper.projectPage ? html`<a class="button" href="${safeUrl(paper.projectPage)}" rel="noopener nofollow">Project page</a>` : ''}
    ${paper.doi ? html`<a class="button" href="https://doi.org/${paper.doi}">DOI</a>` : ''}
    ${paper.hf ? html`<a class="button" href="https://huggingface.co/papers/${paper.id}">Hugging Face</a>` : ''}`;
}

/** " · owner/repo" for a GitHub link, " · host" otherwise, so that two code links can be told apart. */
function codeHost(url: string): string {
  try {
    const u = new URL(url);
    const host = u.host.replace(/^www\./, '');
    return host === 'github.com' ? ` · ${u.pathname.replace(/^\/+|\/+$/g, '')}` : ` · ${host}`;
  } catch {
    return '';
  }
}

/** The figures its authors put on Hugging Face, else its first page; loaded from Hugging Face's CDN. */
function media(paper: PaperDetail): Html | '' {
  const images = paper.hf?.mediaUrls?.length ? paper.hf.mediaUrls : paper.hf?.thumbnail ? [paper.hf.thumbnail] : [];
  if (images.length === 0) return '';
  const label = paper.hf?.mediaUrls?.length ? 'Media' : 'First page';
  return html`<section aria-labelledby="media"><h2 id="media">${label}</h2>
    <div class="paper-media">${images.map((src, i) => html`<a href="${src}" rel="noopener nofollow"><img src="${src}" alt="${label === 'Media' ? `Figure ${i + 1} from the paper's Hugging Face page` : 'The paper\'s first page'}" loading="lazy" decoding="async" referrerpolicy="no-referrer"></a>`)}</div>
  </section>`;
}

function hfBox(paper: PaperDetail): Html {
  const hf = paper.hf!;
  return html`<section class="side-box hf-box">
    <div class="hf-votes"><span class="arrow" aria-hidden="true">▲</span><strong>${compactNumber(hf.upvotes)}</strong> upvotes</div>
    <p class="muted">On Hugging Face’s daily papers of ${formatDay(hf.dailyDate.slice(0, 10))}${hf.submitter ? `, submitted by ${hf.submitter}` : ''}${hf.organization ? ` (${hf.organization})` : ''}.</p>
    ${hf.numComments ? html`<p class="muted">${hf.numComments} comment${hf.numComments === 1 ? '' : 's'} there.</p>` : ''}
    ${paper.githubStars !== undefined && paper.githubRepo ? html`<p><a href="${safeUrl(paper.githubRepo)}" rel="noopener nofollow">★ ${compactNumber(paper.githubStars)} stars on GitHub</a></p>` : ''}
  </section>`;
}

function details(paper: PaperDetail): Html {
  const rows: [string, Html | string][] = [];
  if (paper.published) rows.push(['Published', formatDay(paper.published.slice(0, 10), 'short')]);
  if (paper.updated && paper.updated.slice(0, 10) !== paper.published?.slice(0, 10)) rows.push(['Updated', formatDay(paper.updated.slice(0, 10), 'short')]);
  if (paper.listedAt) rows.push(['Listed here', html`<a href="${dayPath(paper.listedAt.slice(0, 10))}">${formatDay(paper.listedAt.slice(0, 10), 'short')}</a>`]);
  if (paper.doi) rows.push(['DOI', html`<a href="https://doi.org/${paper.doi}">${paper.doi}</a>`]);
  if (paper.reportNo) rows.push(['Report no.', paper.reportNo]);
  if (paper.license) rows.push(['License', /^https?:\/\//.test(paper.license) ? html`<a href="${safeUrl(paper.license)}" rel="noopener nofollow">${licenseName(paper.license)}</a>` : paper.license]);
  return html`<dl class="facts">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

/** http://creativecommons.org/licenses/by/4.0/ -> CC BY 4.0 */
function licenseName(url: string): string {
  const cc = /creativecommons\.org\/(?:licenses|publicdomain)\/([a-z-]+)\/([\d.]+)/i.exec(url);
  if (cc) return cc[1] === 'zero' ? `CC0 ${cc[2]}` : `CC ${cc[1]!.toUpperCase()} ${cc[2]}`;
  if (/arxiv\.org\/licenses\/nonexclusive-distrib/i.test(url)) return 'arXiv non-exclusive';
  return url.replace(/^https?:\/\//, '');
}

function versions(paper: PaperDetail): Html {
  const sorted = [...paper.versions].sort((a, b) => b.version - a.version);
  return html`<section class="side-box"><h2>Versions</h2><ol class="versions">${sorted.map(
    (v) => html`<li><a href="${absUrl(paper.id)}v${v.version}">v${v.version}</a>
      <time datetime="${v.created}">${formatDay(v.created.slice(0, 10), 'short')}</time>${v.size ? html`<span class="muted">${v.size}</span>` : ''}</li>`,
  )}</ol></section>`;
}

function paragraphs(text: string): Html {
  return html`${text.split(/\n\s*\n/).map((p) => html`<p>${renderMath(p.trim(), { links: true })}</p>`)}`;
}

function invalidIdPage(ctx: WebContext, given: string): string {
  return errorPage(
    ctx,
    400,
    'That is not an arXiv id',
    html`<p class="lead">"${truncate(given, 80)}" does not look like an arXiv identifier.</p>
    <p>Paper pages accept any of these forms:</p>
    <ul class="id-forms">${ACCEPTED_ID_FORMS.map((f) => html`<li><code>/papers/${f}</code></li>`)}</ul>`,
    [
      { href: searchPath(truncate(given, 200)), label: `Search for “${truncate(given, 40)}” instead` },
      { href: '/', label: 'Back to the latest papers' },
    ],
  );
}

function notInHubPage(ctx: WebContext, id: string): string {
  return errorPage(
    ctx,
    404,
    'This paper is not in this hub yet',
    html`<p class="lead">Paper <strong>${id}</strong> has not been imported here.</p>
    <p>Fetch it from arXiv with:</p>
    <pre class="command"><code>npx paperboy fetch ${id}</code></pre>`,
    [
      { href: absUrl(id), label: `Open ${id} on arXiv` },
      { href: '/', label: 'Back to the latest papers' },
    ],
  );
}
