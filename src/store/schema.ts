// Kysely's view of the tables in migrations.ts: the types follow the SQL, column for column.
import type { Generated } from 'kysely';

export interface PapersTable {
  pk: Generated<number>;
  id: string;
  title: string;
  abstract: string;
  authors_text: string;
  categories: string;
  primary_category: string | null;
  published_at: string | null;
  updated_at: string | null;
  listed_at: string;
  listed_explicit: number;
  latest_version: number | null;
  comments: string | null;
  journal_ref: string | null;
  doi: string | null;
  license: string | null;
  report_no: string | null;
  project_page: string | null;
  content_hash: string;
  added_at: string;
  changed_at: string;
}

export interface PaperVersionsTable {
  paper_pk: number;
  version: number;
  created_at: string | null;
  size: string | null;
}

export interface AuthorsTable {
  pk: Generated<number>;
  name: string;
  normalized: string;
}

export interface PaperAuthorsTable {
  paper_pk: number;
  position: number;
  author_pk: number;
  name: string;
}

export interface PaperCategoriesTable {
  category: string;
  paper_pk: number;
}

export interface PaperLinksTable {
  paper_pk: number;
  kind: 'code';
  url: string;
}

export interface HfSignalsTable {
  paper_pk: number;
  upvotes: number;
  num_comments: number | null;
  submitter: string | null;
  github_repo: string | null;
  github_stars: number | null;
  ai_summary: string | null;
  ai_keywords: string | null;
  daily_date: string;
  organization: string | null;
}

export interface SignalSamplesTable {
  paper_pk: number;
  source: string;
  observed_at: string;
  upvotes: number | null;
  github_stars: number | null;
}

export interface IngestRunsTable {
  id: Generated<number>;
  command: string;
  started_at: string;
  finished_at: string | null;
  status: 'running' | 'done' | 'failed';
  read: number;
  added: number;
  updated: number;
  unchanged: number;
  skipped: number;
  errors: number;
}

export interface IngestErrorsTable {
  run_id: number;
  source: string;
  position: string;
  reason: string;
}

export interface HarvestStateTable {
  key: string;
  resumption_token: string | null;
  harvested: number;
  completed_at: string | null;
  updated_at: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  meta: MetaTable;
  papers: PapersTable;
  paper_versions: PaperVersionsTable;
  authors: AuthorsTable;
  paper_authors: PaperAuthorsTable;
  paper_categories: PaperCategoriesTable;
  paper_links: PaperLinksTable;
  hf_signals: HfSignalsTable;
  signal_samples: SignalSamplesTable;
  ingest_runs: IngestRunsTable;
  ingest_errors: IngestErrorsTable;
  harvest_state: HarvestStateTable;
}
