// What every route needs: the store and how the site presents itself.
import type { SemanticSearch } from '../search/semantic.ts';
import type { Store } from '../store/store.ts';

export interface Site {
  name: string;
  /** Shown on an empty hub: how to put papers in. */
  emptyStateHint: string;
}

export interface WebContext {
  store: Store;
  /** Meaning search; absent or without a model, searches are keyword-only and say so. */
  semantic?: SemanticSearch;
  site: Site;
}

export const DEFAULT_EMPTY_STATE_HINT =
  'Import a file of papers with `npx paperboy ingest PATH`, or harvest arXiv with `npx paperboy harvest --from 2024-05-01`, then reload this page.';
