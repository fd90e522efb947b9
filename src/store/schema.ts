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
  hidden_at: string | null;
  merged_into: number | null;
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
  thumbnail: string | null;
  media_urls: string | null;
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
  status: 'running' | 'done' | 'failed' | 'interrupted';
  read: number;
  added: number;
  updated: number;
  unchanged: number;
  skipped: number;
  errors: number;
  committed_at: string | null;
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

export interface UsersTable {
  pk: Generated<number>;
  email: string;
  name: string;
  role: 'member' | 'moderator' | 'admin';
  banned_at: string | null;
  created_at: string;
  feed_generation: Generated<number>;
}

export interface SignInTokensTable {
  token_hash: string;
  email: string;
  next: string | null;
  ip: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface SessionsTable {
  id_hash: string;
  user_pk: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  user_agent: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor_pk: number | null;
  action: string;
  target: string;
  detail: string | null;
}

export interface VotesTable {
  paper_pk: number;
  user_pk: number;
  created_at: string;
}

export interface SubmissionsTable {
  paper_pk: number;
  user_pk: number;
  submitted_at: string;
}

export interface CommentsTable {
  pk: Generated<number>;
  paper_pk: number;
  user_pk: number;
  parent_pk: number | null;
  body: string;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  hidden_at: string | null;
}

export interface CollectionsTable {
  pk: Generated<number>;
  user_pk: number;
  slug: string;
  name: string;
  description: string;
  public: number;
  created_at: string;
  updated_at: string;
}

export interface CollectionItemsTable {
  collection_pk: number;
  paper_pk: number;
  added_at: string;
}

export interface GithubReposTable {
  repo: string;
  etag: string | null;
  stars: number | null;
  checked_at: string | null;
  missing_at: string | null;
}

export interface GithubStarSamplesTable {
  repo: string;
  observed_at: string;
  stars: number;
}

export interface SubscribersTable {
  pk: Generated<number>;
  email: string;
  created_at: string;
}

export interface SubscriptionsTable {
  pk: Generated<number>;
  subscriber_pk: number;
  user_pk: number | null;
  kind: 'trending' | 'search' | 'author' | 'collection' | 'personal';
  target: string;
  frequency: 'daily' | 'weekly';
  send_hour: number;
  weekday: number;
  time_zone: string;
  max_papers: number;
  state: 'pending' | 'active' | 'paused' | 'ended';
  paused_reason: string | null;
  confirm_token_hash: string | null;
  confirm_expires_at: string | null;
  created_at: string;
  confirmed_at: string | null;
  updated_at: string;
  ended_at: string | null;
  next_due_at: string | null;
  covered_to: string | null;
}

export interface DigestContentsTable {
  hash: string;
  body: string;
  created_at: string;
}

export interface DigestOutboxTable {
  subscription_pk: number;
  edition: string;
  state: 'queued' | 'sent' | 'skipped' | 'failed' | 'bounced' | 'cancelled';
  message_id: string;
  recipient: string;
  content_hash: string | null;
  papers: number;
  detail: string | null;
  attempts: number;
  next_attempt_at: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface DigestFeedbackTable {
  subscriber_pk: number;
  paper_pk: number;
  verdict: -1 | 1;
  created_at: string;
}

export interface LeasesTable {
  name: string;
  owner: string;
  expires_at: string;
}

export interface RateLimitHitsTable {
  bucket: string;
  at: string;
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
  users: UsersTable;
  sign_in_tokens: SignInTokensTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  votes: VotesTable;
  submissions: SubmissionsTable;
  comments: CommentsTable;
  collections: CollectionsTable;
  collection_items: CollectionItemsTable;
  github_repos: GithubReposTable;
  github_star_samples: GithubStarSamplesTable;
  subscribers: SubscribersTable;
  subscriptions: SubscriptionsTable;
  digest_contents: DigestContentsTable;
  digest_outbox: DigestOutboxTable;
  digest_feedback: DigestFeedbackTable;
  leases: LeasesTable;
  rate_limit_hits: RateLimitHitsTable;
}
