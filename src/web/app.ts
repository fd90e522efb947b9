// The HTTP app: server-rendered pages that need no JavaScript, a JSON API (Hugging Face's paths and
// shapes, and Paperboy's own under /api/v1) described by OpenAPI at /openapi.json and /docs, static assets.
// buildApp returns it ready but not listening; the CLI's `serve` calls listen.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { logMailer } from '../digest/mailer.ts';
import { createPoliteClient } from '../ingest/http.ts';
import type { SemanticSearch } from '../search/semantic.ts';
import type { Store } from '../store/store.ts';
import { registerApiDocs } from './api-docs.ts';
import { registerApiRoutes } from './api.ts';
import { registerAuth } from './auth.ts';
import { DEFAULT_EMPTY_STATE_HINT, HF_IMAGE_HOSTS, type CommunitySettings, type WebContext } from './context.ts';
import { frameworkErrorHandler, installErrorHandlers } from './errors.ts';
import { registerHfRoutes } from './hf-api.ts';
import { registerAccountRoutes } from './pages/account.ts';
import { registerAuthorRoutes } from './pages/authors.ts';
import { registerCommunityRoutes } from './pages/community.ts';
import { registerFeedRoutes } from './pages/feeds.ts';
import { registerListingRoutes } from './pages/listing.ts';
import { registerModerationRoutes } from './pages/moderation.ts';
import { registerPaperRoutes } from './pages/paper.ts';
import { registerSearchRoutes } from './pages/search.ts';
import { registerSubscriptionRoutes } from './pages/subscriptions.ts';
import { registerTopicRoutes } from './pages/topics.ts';
import { registerTrendingRoutes } from './pages/trending.ts';

export interface AppOptions {
  store: Store;
  semantic?: SemanticSearch;
  /** Fastify's logger option: false (default), true, or pino options. */
  logger?: boolean | object;
  siteName?: string;
  /** Replaces the empty hub's import instructions; `backticks` become code. */
  emptyStateHint?: string;
  /** Hugging Face's thumbnails and media on cards and paper pages (default true; PAPERBOY_REMOTE_IMAGES). */
  remoteImages?: boolean;
  /** Sign-in mail, submissions and the clock; defaults suit a local hub. */
  community?: Partial<CommunitySettings>;
  /**
   * Which proxies may say who the client is with X-Forwarded-For (PAPERBOY_TRUST_PROXY): none by
   * default, so per-address limits count the socket's address and nobody can claim another.
   */
  trustProxy?: TrustProxy;
  /** How long a connection may take and how many may be open; defaults in SERVER_LIMITS. */
  limits?: Partial<ServerLimits>;
}

/** Fastify's trustProxy: false, or the proxies' addresses and CIDR ranges (or loopback, linklocal, uniquelocal). */
export type TrustProxy = false | string[];

export interface ServerLimits {
  /** A client has this long to send the request's headers (slow-header clients are cut off). */
  headersTimeoutMs: number;
  /** ...and this long for the whole request, body included. */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** A connection that sends and receives nothing for this long is closed. */
  idleTimeoutMs: number;
  /** Connections beyond this many are refused at once (PAPERBOY_MAX_CONNECTIONS). */
  maxConnections: number;
}

/** Node's own defaults would let an idle or slow connection live for hours. */
export const SERVER_LIMITS: ServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, idleTimeoutMs: 60_000, maxConnections: 512 };

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
const KATEX_DIST = join(dirname(createRequire(import.meta.url).resolve('katex/package.json')), 'dist');

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const ctx: WebContext = {
    store: options.store,
    semantic: options.semantic,
    site: { name: options.siteName ?? 'Paperboy', emptyStateHint: options.emptyStateHint ?? DEFAULT_EMPTY_STATE_HINT, remoteImages: options.remoteImages ?? true },
    community: {
      baseUrl: 'http://localhost:3000',
      mailer: logMailer((line) => app.log.info(line)),
      submitWindowDays: 14,
      submissionsPerDay: 20,
      arxiv: { client: createPoliteClient({ userAgent: 'Paperboy/0.1 (self-hosted paper hub)', minDelayMs: 3000 }) },
      now: () => new Date(),
      ...options.community,
    },
  };
  const limits = { ...SERVER_LIMITS, ...options.limits };
  const app = Fastify({
    logger: options.logger ?? false,
    frameworkErrors: frameworkErrorHandler(ctx),
    trustProxy: options.trustProxy ?? false,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node checks for overdue headers only every connectionsCheckingInterval (30 s by default).
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs) },
  });
  app.server.maxConnections = limits.maxConnections;
  installErrorHandlers(app, ctx);

  await app.register(helmet, {
    contentSecurityPolicy: {
      // Helmet's defaults (no inline or foreign scripts) minus upgrade-insecure-requests, which
      // would break a hub served over plain HTTP on a home network: every URL here is relative.
      // Images: our own and data: (KaTeX, icons), and Hugging Face's CDN only when its pictures are shown.
      directives: { upgradeInsecureRequests: null, imgSrc: ["'self'", 'data:', ...(ctx.site.remoteImages ? HF_IMAGE_HOSTS : [])] },
    },
  });
  await app.register(formbody);
  await registerAuth(app, ctx);
  await app.register(fastifyStatic, { root: STATIC_DIR, prefix: '/static/', maxAge: '1h' });
  await app.register(fastifyStatic, {
    root: KATEX_DIST,
    prefix: '/static/katex/',
    decorateReply: false,
    maxAge: '7d',
    // KaTeX's stylesheet and fonts only; its scripts are never needed (math renders on the server).
    allowedPath: (path) => path === '/katex.min.css' || /^\/fonts\/[\w-]+\.(woff2?|ttf)$/.test(path),
  });

  // Before any route: it collects the API routes as they are registered (OpenAPI, /api, /docs).
  await registerApiDocs(app, ctx);
  registerListingRoutes(app, ctx);
  registerPaperRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  registerTopicRoutes(app, ctx);
  registerHfRoutes(app, ctx);
  registerApiRoutes(app, ctx);
  registerAccountRoutes(app, ctx);
  registerCommunityRoutes(app, ctx);
  registerModerationRoutes(app, ctx);
  registerTrendingRoutes(app, ctx);
  registerAuthorRoutes(app, ctx);
  registerFeedRoutes(app, ctx);
  registerSubscriptionRoutes(app, ctx);
  return app;
}
