// What every route needs: the store and how the site presents itself.
import type { Store } from '../store/store.ts';

export interface Site {
  name: string;
  /** Shown on an empty hub: how to put papers in. */
  emptyStateHint: string;
}

export interface WebContext {
  store: Store;
  site: Site;
}

export const DEFAULT_EMPTY_STATE_HINT =
  'Import a file of papers with `npx paperboy ingest PATH`, or harvest arXiv with `npx paperboy harvest --from 2024-05-01`, then reload this page.';
