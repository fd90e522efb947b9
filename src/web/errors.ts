// Errors a request can run into, and how they reach the person who made it: a page for the
// browser, {error, message, statusCode} for the API and for requests that prefer JSON. A 4xx always
// says what to do instead; a 500 never shows a stack trace (it goes to the log). API errors carry
// the message in `error` and in an X-Error-Message header too: that is where Hugging Face's clients
// (huggingface_hub, `hf papers`) look for the reason to show their user.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebContext } from './context.ts';
import { html, type Html } from './html.ts';
import { layout, sendPage } from './layout.ts';

export interface Link {
  href: string;
  label: string;
}

/** An error whose message is meant for the user. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly links: Link[] = [],
  ) {
    super(message);
  }
}

/** What each query parameter expects, in words; used to explain a failed validation. */
const PARAMETER_HINTS: Record<string, string> = {
  date: 'a day written YYYY-MM-DD, like 2024-05-31',
  from: 'a day written YYYY-MM-DD, like 2024-05-01',
  to: 'a day written YYYY-MM-DD, like 2024-05-31',
  since: 'a day written YYYY-MM-DD, like 2024-01-01',
  until: 'a day written YYYY-MM-DD, like 2024-12-31',
  page: 'a whole number from 1 to 1000, like 2',
  sort: 'either "upvotes" (the default) or "recent"',
  q: 'a search of at most 500 characters, given once',
  cat: 'an arXiv category like cs.LG or math, given once',
  limit: 'a whole number from 1 to 100',
  offset: 'a whole number from 0 to 10000',
  mode: 'one of "hybrid" (keywords and meaning together, the default), "keyword" or "meaning"',
  like: 'an arXiv id, like 2207.06389, given once',
};

const STATUS_TITLES: Record<number, string> = {
  400: 'That request did not work',
  401: 'Sign in first',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Already here',
  413: 'Request too large',
  414: 'Address too long',
  415: 'Unsupported content',
  422: 'That cannot be accepted',
  429: 'Too many requests',
};

/** The API: /api/…, the service routes, and a paper as Markdown (whose clients read errors as the API's). */
function isApiRequest(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0]!;
  return path.startsWith('/api/') || path === '/api' || path === '/healthz' || path === '/openapi.json' || /^\/papers\/.+\.md$/.test(path) || prefersJson(request);
}

/** The request asks for JSON before HTML (as community.js's fetches do); a browser's navigation never does. */
export function prefersJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  const json = accept.indexOf('application/json');
  const page = accept.indexOf('text/html');
  return json >= 0 && (page < 0 || json < page);
}

export function installErrorHandlers(app: FastifyInstance, ctx: WebContext): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      return sendError(request, reply, ctx, 400, validationMessage(error, request));
    }
    const status = error.statusCode ?? 500;
    if (error instanceof HttpError || (status >= 400 && status < 500)) {
      const links = error instanceof HttpError ? error.links : [];
      return sendError(request, reply, ctx, status, error.message, links);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, ctx, 500, 'Something went wrong on our side. It has been logged; please try again in a moment.');
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    return sendError(request, reply, ctx, 404, `There is no page at ${truncate(path, 120)}.`, [
      { href: '/', label: 'The latest papers' },
      { href: '/search', label: 'Search' },
    ]);
  });
}

/** For Fastify's frameworkErrors option: URLs the router cannot even read. */
export function frameworkErrorHandler(ctx: WebContext) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const message =
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'Part of this address is too long to be a paper id, day, week or month.'
        : 'This address cannot be read (it has a broken %-escape). Check the link and try again.';
    sendError(request, reply, ctx, error.statusCode && error.statusCode < 500 ? error.statusCode : 400, message);
  };
}

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: WebContext,
  status: number,
  message: string,
  links: Link[] = [],
): FastifyReply {
  reply.code(status);
  if (isApiRequest(request)) {
    return reply.type('application/json; charset=utf-8').header('x-error-message', headerText(message)).send({ error: message, message, statusCode: status });
  }
  const title = STATUS_TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'That request did not work');
  return sendPage(reply, errorPage(ctx, status, title, html`<p class="lead">${message}</p>`, links), status);
}

/** A full error page; `detail` is the explanation (already Html). */
export function errorPage(ctx: WebContext, status: number, title: string, detail: Html, links: Link[] = []): string {
  const all = links.length > 0 ? links : [{ href: '/', label: 'Back to the latest papers' }];
  return layout(ctx.site, {
    title,
    section: 'error',
    body: html`<section class="error-page">
  <p class="error-code">${status}</p>
  <h1>${title}</h1>
  ${detail}
  <ul class="error-links">${all.map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}</ul>
</section>`,
  });
}

/**
 * A message as a header value can carry it: printable ASCII only. Messages quote what was asked
 * for, and a CR or LF there would let a request write headers of its own into the response.
 */
export function headerText(message: string): string {
  return message
    .replace(/…/g, '...')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[–—]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
}

function validationMessage(error: FastifyError, request: FastifyRequest): string {
  const first = error.validation![0]!;
  const params = first.params as { missingProperty?: string };
  const name = params.missingProperty ?? first.instancePath.replace(/^\//, '').split('/')[0]!;
  // A route's own schema says best what its parameter expects (the API's sort is not the pages'
  // sort); the shared hints cover the pages' parameters, whose schemas have no descriptions.
  const hint = describedParameter(request, error.validationContext, name) ?? PARAMETER_HINTS[name];
  if (!hint) return `This request has a bad parameter (${error.message}).`;
  const given = (request.query as Record<string, unknown> | undefined)?.[name] ?? (request.params as Record<string, unknown> | undefined)?.[name];
  const shown = given === undefined ? '' : ` You gave ${JSON.stringify(truncate(String(given), 60))}.`;
  return `The parameter "${name}" expects ${hint}.${shown}`;
}

function describedParameter(request: FastifyRequest, context: string | undefined, name: string): string | undefined {
  const schema = request.routeOptions.schema as Record<string, { properties?: Record<string, { description?: unknown }> } | undefined> | undefined;
  const description = context ? schema?.[context]?.properties?.[name]?.description : undefined;
  return typeof description === 'string' ? description : undefined;
}


export function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
