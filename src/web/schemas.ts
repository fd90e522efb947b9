// JSON-schema fragments for query strings. Fastify validates with them before a handler runs;
// a failure becomes a 400 that names the parameter and what it expects (see errors.ts).
import { SEARCH_MODES } from '../search/hybrid.ts';

const MAX_PAGE = 1000;

export const dayParam = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
/** A day, or empty: what an unfilled <input type=date> submits. */
export const optionalDayParam = { type: 'string', pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' } as const;
export const pageParam = { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 } as const;
export const sortParam = { type: 'string', enum: ['upvotes', 'recent'], default: 'upvotes' } as const;
export const textParam = { type: 'string' } as const;
/** How a search ranks: see SEARCH_MODES in src/search/hybrid.ts. */
export const modeParam = { type: 'string', enum: [...SEARCH_MODES], default: 'hybrid' } as const;

export function querystring(properties: Record<string, object>): { querystring: object } {
  return { querystring: { type: 'object', properties } };
}
