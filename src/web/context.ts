// What every route needs: the store and how the site presents itself.
import type { Mailer } from '../digest/mailer.ts';
import type { ArxivApiOptions } from '../ingest/arxiv-api.ts';
import type { SemanticSearch } from '../search/semantic.ts';
import type { Store } from '../store/store.ts';

export interface Site {
  name: string;
  /** Shown on an empty hub: how to put papers in. */
  emptyStateHint: string;
  /** Show Hugging Face's thumbnails and media, which readers' browsers then load from its CDN. */
  remoteImages: boolean;
}

/** Where Hugging Face's pictures come from; the only hosts pages may load images from. */
export const HF_IMAGE_HOSTS = ['https://cdn-thumbnails.huggingface.co', 'https://cdn-uploads.huggingface.co'];

export interface WebContext {
  store: Store;
  /** Meaning search; absent or without a model, searches are keyword-only and say so. */
  semantic?: SemanticSearch;
  site: Site;
  community: CommunitySettings;
}

export interface CommunitySettings {
  /** The address people reach the hub at, for links in mails (no trailing slash). */
  baseUrl: string;
  mailer: Mailer;
  /** A paper can be submitted up to this many days after its publication (Hugging Face: 14). */
  submitWindowDays: number;
  submissionsPerDay: number;
  /** Where a submission fetches the paper's metadata. */
  arxiv: ArxivApiOptions;
  /** The clock; tests move it. */
  now: () => Date;
}

export const DEFAULT_EMPTY_STATE_HINT =
  'Import a file of papers with `npx paperboy ingest PATH`, or harvest arXiv with `npx paperboy harvest --from 2024-05-01`, then reload this page.';
