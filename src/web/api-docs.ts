// The API's own description, made from the routes themselves so it cannot fall behind them: every
// route with `tags` in its schema is an API route; @fastify/swagger turns their schemas into the
// OpenAPI document at /openapi.json, @fastify/swagger-ui shows it at /docs (its scripts and styles
// served from this hub, under the site's own Content-Security-Policy), and /api lists the same routes.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { WebContext } from './context.ts';
import { HF_TAG } from './hf-api.ts';

export const V1_TAG = 'Paperboy v1';
export const ALIAS_TAG = 'Paperboy, unversioned';
export const SERVICE_TAG = 'Service';

export interface Endpoint {
  method: string;
  /** As OpenAPI writes it, with the query parameters after it: /api/v1/day/{date}?sort=&p=&limit= */
  path: string;
  about: string;
  group: string;
}

const DOCS_PREFIX = '/docs';

export async function registerApiDocs(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const endpoints: Endpoint[] = [];
  // onRoute sees every route registered after this, in order: the catalogue is the routes.
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { tags?: string[]; summary?: string; hide?: boolean; querystring?: { properties?: Record<string, unknown> } } | undefined;
    if (route.method !== 'GET' || !schema?.tags || schema.hide) return;
    const query = Object.keys(schema.querystring?.properties ?? {});
    endpoints.push({
      method: 'GET',
      path: `${openApiPath(route.url)}${query.length > 0 ? `?${query.map((q) => `${q}=`).join('&')}` : ''}`,
      about: schema.summary ?? '',
      group: schema.tags[0]!,
    });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: `${ctx.site.name} API`,
        version: '1',
        description:
          'Hugging Face-compatible endpoints (the paths and JSON of huggingface.co\'s papers API, for huggingface_hub and `hf papers` with HF_ENDPOINT set to this hub), ' +
          'and Paperboy\'s own richer JSON under /api/v1. Errors are {error, message, statusCode}, with the message in the X-Error-Message header too.',
      },
      tags: [
        { name: HF_TAG, description: 'The paths, parameters and shapes of huggingface.co\'s papers API. Values this hub does not have are left out; ids it lacks are made up, deterministically.' },
        { name: V1_TAG, description: 'Paperboy\'s own JSON: everything the hub knows about papers, lists, search and trending.' },
        { name: ALIAS_TAG, description: 'The paths this API had before /api/v1 that Hugging Face\'s do not take: they answer as their /api/v1 twins.' },
        { name: SERVICE_TAG, description: 'Health, this index and this document.' },
      ],
    },
    hideUntagged: true,
    // A wildcard route (/api/v1/papers/*, for ids with slashes and URLs) is one parameter named id.
    transform: ({ schema, url }) => {
      if (!url.endsWith('/*') || !schema) return { schema, url };
      const wildcard = (schema.params as { properties?: Record<string, unknown> } | undefined)?.properties?.['*'];
      return { schema: { ...schema, params: { type: 'object', properties: { id: wildcard ?? { type: 'string' } }, required: ['id'] } }, url: openApiPath(url) };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    theme: { title: `${ctx.site.name} API` },
    uiConfig: { docExpansion: 'list', deepLinking: true, defaultModelsExpandDepth: 0 },
    // No validator badge: it would send the document to validator.swagger.io.
    validatorUrl: false,
  });

  app.get('/openapi.json', { schema: { tags: [SERVICE_TAG], summary: 'This API as an OpenAPI 3 document', response: { 200: { description: 'OpenAPI 3.0', type: 'object', additionalProperties: true } } } }, async () => app.swagger());

  app.get(
    '/api',
    {
      schema: {
        tags: [SERVICE_TAG],
        summary: 'Every API endpoint, with its query parameters',
        response: {
          200: {
            description: 'The endpoints',
            type: 'object',
            properties: {
              endpoints: { type: 'array', items: { type: 'object', properties: { method: { type: 'string' }, path: { type: 'string' }, about: { type: 'string' }, group: { type: 'string' } }, required: ['method', 'path', 'about', 'group'] } },
              openapi: { type: 'string' },
              docs: { type: 'string' },
            },
            required: ['endpoints', 'openapi', 'docs'],
          },
        },
      },
    },
    async () => ({
      endpoints: [...endpoints, { method: 'GET', path: DOCS_PREFIX, about: 'This API\'s documentation, to read and try (a page)', group: SERVICE_TAG }],
      openapi: '/openapi.json',
      docs: DOCS_PREFIX,
    }),
  );
}

/** /api/v1/day/:date as OpenAPI writes it (/api/v1/day/{date}); a final * is the id. */
function openApiPath(url: RouteOptions['url']): string {
  return url.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{id}');
}
