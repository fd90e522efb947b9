// Schema changes as a numbered list (Miniflux style). Each runs once, in its own transaction,
// and PRAGMA user_version records how far a database has come. Never edit a shipped step: add one.

const FTS_TRIGGERS_V1 = `
CREATE TRIGGER IF NOT EXISTS papers_fts_insert AFTER INSERT ON papers BEGIN
  INSERT INTO papers_fts(rowid, title, abstract, authors_text) VALUES (new.pk, new.title, new.abstract, new.authors_text);
END;
CREATE TRIGGER IF NOT EXISTS papers_fts_delete AFTER DELETE ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors_text) VALUES ('delete', old.pk, old.title, old.abstract, old.authors_text);
END;
CREATE TRIGGER IF NOT EXISTS papers_fts_update AFTER UPDATE OF title, abstract, authors_text ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors_text) VALUES ('delete', old.pk, old.title, old.abstract, old.authors_text);
  INSERT INTO papers_fts(rowid, title, abstract, authors_text) VALUES (new.pk, new.title, new.abstract, new.authors_text);
END;`;

/** Since step 3 the triggers also keep `titles_fts` (suggestions as you type) in step. */
export const FTS_TRIGGERS = `
CREATE TRIGGER IF NOT EXISTS papers_fts_insert AFTER INSERT ON papers BEGIN
  INSERT INTO papers_fts(rowid, title, abstract, authors_text) VALUES (new.pk, new.title, new.abstract, new.authors_text);
  INSERT INTO titles_fts(rowid, title) VALUES (new.pk, new.title);
END;
CREATE TRIGGER IF NOT EXISTS papers_fts_delete AFTER DELETE ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors_text) VALUES ('delete', old.pk, old.title, old.abstract, old.authors_text);
  INSERT INTO titles_fts(titles_fts, rowid, title) VALUES ('delete', old.pk, old.title);
END;
CREATE TRIGGER IF NOT EXISTS papers_fts_update AFTER UPDATE OF title, abstract, authors_text ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors_text) VALUES ('delete', old.pk, old.title, old.abstract, old.authors_text);
  INSERT INTO papers_fts(rowid, title, abstract, authors_text) VALUES (new.pk, new.title, new.abstract, new.authors_text);
  INSERT INTO titles_fts(titles_fts, rowid, title) VALUES ('delete', old.pk, old.title);
  INSERT INTO titles_fts(rowid, title) VALUES (new.pk, new.title);
END;`;

export const DROP_FTS_TRIGGERS = `
DROP TRIGGER IF EXISTS papers_fts_insert;
DROP TRIGGER IF EXISTS papers_fts_delete;
DROP TRIGGER IF EXISTS papers_fts_update;`;

/** Rebuilds both keyword indexes from the papers table. */
export const REBUILD_FTS = `
INSERT INTO papers_fts(papers_fts) VALUES ('rebuild');
INSERT INTO titles_fts(titles_fts) VALUES ('rebuild');`;

export const MIGRATIONS: string[] = [
  // 1: papers, their versions, authors, categories, links, source signals, ingest bookkeeping, keyword index.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE papers (
    pk               INTEGER PRIMARY KEY,      -- stable rowid for the keyword index
    id               TEXT NOT NULL UNIQUE,     -- canonical arXiv id, no version
    title            TEXT NOT NULL,
    abstract         TEXT NOT NULL DEFAULT '',
    authors_text     TEXT NOT NULL DEFAULT '', -- "A, B, C": what the keyword index sees
    categories       TEXT NOT NULL DEFAULT '', -- space-separated, primary first
    primary_category TEXT,
    published_at     TEXT,                     -- v1, ISO UTC
    updated_at       TEXT,                     -- latest version, ISO UTC
    listed_at        TEXT NOT NULL,            -- the instant the paper entered a daily list
    listed_explicit  INTEGER NOT NULL DEFAULT 0, -- 1: a source listed it on a day; 0: derived from publication
    latest_version   INTEGER,
    comments         TEXT,
    journal_ref      TEXT,
    doi              TEXT,
    license          TEXT,
    report_no        TEXT,
    project_page     TEXT,
    content_hash     TEXT NOT NULL,            -- of everything above, to tell "unchanged" from "updated"
    added_at         TEXT NOT NULL,
    changed_at       TEXT NOT NULL
  );
  CREATE INDEX papers_listed_at ON papers (listed_at);
  CREATE INDEX papers_published_at ON papers (published_at);

  CREATE TABLE paper_versions (
    paper_pk   INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    created_at TEXT,
    size       TEXT,
    PRIMARY KEY (paper_pk, version)
  ) WITHOUT ROWID;

  CREATE TABLE authors (
    pk         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,             -- first spelling seen
    normalized TEXT NOT NULL UNIQUE       -- where spellings meet (see paper/text.ts)
  );
  CREATE TABLE paper_authors (
    paper_pk  INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    author_pk INTEGER NOT NULL REFERENCES authors (pk),
    name      TEXT NOT NULL,              -- as this paper spells it
    PRIMARY KEY (paper_pk, position)
  ) WITHOUT ROWID;
  CREATE INDEX paper_authors_author ON paper_authors (author_pk);

  CREATE TABLE paper_categories (
    category TEXT NOT NULL COLLATE NOCASE,
    paper_pk INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    PRIMARY KEY (category, paper_pk)
  ) WITHOUT ROWID;
  CREATE INDEX paper_categories_paper ON paper_categories (paper_pk);

  CREATE TABLE paper_links (
    paper_pk INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('code')),
    url      TEXT NOT NULL,
    PRIMARY KEY (paper_pk, kind, url)
  ) WITHOUT ROWID;

  -- What Hugging Face's daily list said of a paper, latest observation.
  CREATE TABLE hf_signals (
    paper_pk     INTEGER PRIMARY KEY REFERENCES papers (pk) ON DELETE CASCADE,
    upvotes      INTEGER NOT NULL,
    num_comments INTEGER,
    submitter    TEXT,
    github_repo  TEXT,
    github_stars INTEGER,
    ai_summary   TEXT,
    ai_keywords  TEXT,                    -- JSON array
    daily_date   TEXT NOT NULL,
    organization TEXT
  );
  -- Every distinct observation of a source's counts, so trends can be drawn later.
  CREATE TABLE signal_samples (
    paper_pk     INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    source       TEXT NOT NULL,
    observed_at  TEXT NOT NULL,
    upvotes      INTEGER,
    github_stars INTEGER,
    PRIMARY KEY (paper_pk, source, observed_at)
  ) WITHOUT ROWID;

  CREATE TABLE ingest_runs (
    id          INTEGER PRIMARY KEY,
    command     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    read        INTEGER NOT NULL DEFAULT 0,
    added       INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    errors      INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE ingest_errors (
    run_id   INTEGER NOT NULL REFERENCES ingest_runs (id) ON DELETE CASCADE,
    source   TEXT NOT NULL,
    position TEXT NOT NULL,
    reason   TEXT NOT NULL
  );
  CREATE INDEX ingest_errors_run ON ingest_errors (run_id);

  CREATE TABLE harvest_state (
    key              TEXT PRIMARY KEY,
    resumption_token TEXT,
    harvested        INTEGER NOT NULL DEFAULT 0,
    completed_at     TEXT,
    updated_at       TEXT NOT NULL
  );

  -- Title weighted above abstract above authors at query time (bm25 weights in sqlite.ts).
  CREATE VIRTUAL TABLE papers_fts USING fts5 (
    title, abstract, authors_text,
    content = 'papers', content_rowid = 'pk',
    tokenize = 'porter unicode61 remove_diacritics 2'
  );
  ${FTS_TRIGGERS_V1}
  `,
  // 2: vectors for meaning search. One row per paper per embedding model; `source_changed_at` is the
  // paper's changed_at when it was embedded, so an edited paper is embedded again.
  `
  CREATE TABLE vector_models (
    name        TEXT PRIMARY KEY,        -- e.g. lsa-256, onnx:all-MiniLM-L6-v2
    dimensions  INTEGER NOT NULL,
    config      TEXT NOT NULL,           -- JSON: how to load the embedder again
    state       TEXT NOT NULL CHECK (state IN ('building', 'ready')),
    created_at  TEXT NOT NULL,
    ready_at    TEXT
  );
  CREATE TABLE paper_vectors (
    model             TEXT NOT NULL REFERENCES vector_models (name) ON DELETE CASCADE,
    paper_pk          INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    source_changed_at TEXT NOT NULL,
    vector            BLOB NOT NULL,     -- float32, little-endian, unit length
    PRIMARY KEY (model, paper_pk)
  );
  `,
  // 3: suggestions as you type: titles alone, with prefix indexes so "diff" finds "diffusion" at once.
  `
  CREATE VIRTUAL TABLE titles_fts USING fts5 (
    title,
    content = 'papers', content_rowid = 'pk',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4'
  );
  INSERT INTO titles_fts(titles_fts) VALUES ('rebuild');
  ${DROP_FTS_TRIGGERS}
  ${FTS_TRIGGERS}
  `,
  // 4: the community. Accounts and their sessions (only hashes of secrets are stored), the audit log
  // of moderators' acts, votes, submissions, threaded comments, collections, moderation of papers,
  // and GitHub star counts sampled over time for trending.
  `
  CREATE TABLE users (
    pk         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,  -- the handle in /u/NAME
    role       TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'admin')),
    banned_at  TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE sign_in_tokens (
    token_hash TEXT PRIMARY KEY,                      -- sha256 hex of the emailed token
    email      TEXT NOT NULL COLLATE NOCASE,
    next       TEXT,                                  -- a local path to return to
    ip         TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
  );
  CREATE INDEX sign_in_tokens_email ON sign_in_tokens (email, created_at);
  CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,                    -- sha256 hex of the cookie's value
    user_pk      INTEGER NOT NULL REFERENCES users (pk) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    user_agent   TEXT
  );
  CREATE INDEX sessions_user ON sessions (user_pk);
  CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor_pk INTEGER REFERENCES users (pk),
    action   TEXT NOT NULL,                           -- e.g. hide-paper, merge-paper, ban, promote
    target   TEXT NOT NULL,                           -- e.g. paper:2401.00001, comment:12, user:ana
    detail   TEXT
  );

  ALTER TABLE papers ADD COLUMN hidden_at TEXT;      -- hidden by a moderator: left out of every list
  ALTER TABLE papers ADD COLUMN merged_into INTEGER REFERENCES papers (pk); -- a duplicate of that paper

  CREATE TABLE votes (
    paper_pk   INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    user_pk    INTEGER NOT NULL REFERENCES users (pk) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (paper_pk, user_pk)
  ) WITHOUT ROWID;
  CREATE INDEX votes_user ON votes (user_pk, created_at);
  CREATE INDEX votes_time ON votes (created_at);

  CREATE TABLE submissions (
    paper_pk     INTEGER PRIMARY KEY REFERENCES papers (pk) ON DELETE CASCADE,
    user_pk      INTEGER NOT NULL REFERENCES users (pk),
    submitted_at TEXT NOT NULL
  );
  CREATE INDEX submissions_user ON submissions (user_pk, submitted_at);

  CREATE TABLE comments (
    pk         INTEGER PRIMARY KEY,
    paper_pk   INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    user_pk    INTEGER NOT NULL REFERENCES users (pk),
    parent_pk  INTEGER REFERENCES comments (pk),
    body       TEXT NOT NULL,                         -- Markdown as written; rendered through the sanitiser
    created_at TEXT NOT NULL,
    edited_at  TEXT,
    deleted_at TEXT,                                  -- by its author: the thread keeps its place
    hidden_at  TEXT                                   -- by a moderator
  );
  CREATE INDEX comments_paper ON comments (paper_pk, created_at);
  CREATE INDEX comments_user ON comments (user_pk, created_at);

  CREATE TABLE collections (
    pk          INTEGER PRIMARY KEY,
    user_pk     INTEGER NOT NULL REFERENCES users (pk) ON DELETE CASCADE,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    public      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (user_pk, slug)
  );
  CREATE TABLE collection_items (
    collection_pk INTEGER NOT NULL REFERENCES collections (pk) ON DELETE CASCADE,
    paper_pk      INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    added_at      TEXT NOT NULL,
    PRIMARY KEY (collection_pk, paper_pk)
  ) WITHOUT ROWID;
  CREATE INDEX collection_items_paper ON collection_items (paper_pk);

  -- A linked repository's star count, sampled on a schedule; ETag makes an unchanged sample cheap.
  CREATE TABLE github_repos (
    repo       TEXT PRIMARY KEY,                      -- owner/name, lower case
    etag       TEXT,
    stars      INTEGER,
    checked_at TEXT,
    missing_at TEXT                                   -- GitHub answered 404: stop asking
  );
  CREATE TABLE github_star_samples (
    repo        TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    stars       INTEGER NOT NULL,
    PRIMARY KEY (repo, observed_at)
  ) WITHOUT ROWID;
  CREATE INDEX github_star_samples_time ON github_star_samples (observed_at);
  -- Trending looks for papers with signals inside a period.
  CREATE INDEX signal_samples_time ON signal_samples (observed_at);
  `,
  // 5: an impact-ordered copy of the keyword index for fast any-word BM25 (sqlite-keywords.ts).
  // Built in generations: a build writes a new one beside the ready one and swaps in one commit.
  // Papers changed since a generation's build are found by changed_at and scored from their text.
  `
  CREATE INDEX papers_changed_at ON papers (changed_at);
  CREATE INDEX papers_invisible ON papers (pk) WHERE hidden_at IS NOT NULL OR merged_into IS NOT NULL;
  CREATE TABLE keyword_generations (
    generation    INTEGER PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('building', 'ready')),
    built_through TEXT NOT NULL,      -- the latest changed_at it holds
    rows          INTEGER NOT NULL,   -- papers in it
    tokens        INTEGER NOT NULL,   -- their tokens, all columns
    lengths       BLOB,               -- Uint32 tokens per paper, indexed by key
    stamps        BLOB                -- Float64 changed_at (ms) per paper when read, indexed by key
  );
  CREATE TABLE keyword_postings (
    generation INTEGER NOT NULL,
    term       TEXT NOT NULL,
    df         INTEGER NOT NULL,
    data       BLOB NOT NULL,          -- varints: key gap, weighted term frequency; keys ascending
    PRIMARY KEY (generation, term)
  );
  `,
  // 6: which papers need embedding (no vector, or one of an older text) is answered from this index
  // alone; through the primary key it read every vector, 1.4 s of each server upkeep at 1M papers.
  `
  CREATE INDEX paper_vectors_changed ON paper_vectors (model, paper_pk, source_changed_at);
  `,
  // 7: delivery. People subscribe an address (a subscriber) to digests of one kind each; a
  // subscription is pending until its emailed link confirms it. Composed editions wait in an outbox
  // keyed by (subscription, edition), so a digest is composed once and sent until the SMTP server
  // accepts it. Leases keep background work to one process at a time; rate-limit hits and the
  // hub's link-signing secret (in meta) live here too, so several processes agree on them.
  `
  CREATE TABLE subscribers (
    pk         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL
  );
  CREATE TABLE subscriptions (
    pk                 INTEGER PRIMARY KEY,
    subscriber_pk      INTEGER NOT NULL REFERENCES subscribers (pk) ON DELETE CASCADE,
    user_pk            INTEGER REFERENCES users (pk) ON DELETE CASCADE, -- whose reading a personal digest follows
    kind               TEXT NOT NULL CHECK (kind IN ('trending', 'search', 'author', 'collection', 'personal')),
    target             TEXT NOT NULL DEFAULT '',  -- the query, the author, the collection's key; '' for trending and personal
    frequency          TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    send_hour          INTEGER NOT NULL CHECK (send_hour BETWEEN 0 AND 23),   -- in time_zone
    weekday            INTEGER NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 1 AND 7), -- ISO, Monday = 1; weekly only
    time_zone          TEXT NOT NULL,             -- IANA, e.g. Europe/Berlin
    max_papers         INTEGER NOT NULL DEFAULT 10,
    state              TEXT NOT NULL CHECK (state IN ('pending', 'active', 'paused', 'ended')),
    paused_reason      TEXT,
    confirm_token_hash TEXT UNIQUE,               -- sha256 hex of the emailed confirmation token
    confirm_expires_at TEXT,
    created_at         TEXT NOT NULL,
    confirmed_at       TEXT,
    updated_at         TEXT NOT NULL,
    ended_at           TEXT,
    next_due_at        TEXT,                      -- when the next edition is due; NULL: to be scheduled
    covered_to         TEXT                       -- papers added up to here were considered by the last edition
  );
  CREATE UNIQUE INDEX subscriptions_live ON subscriptions (subscriber_pk, kind, target) WHERE state <> 'ended';
  CREATE INDEX subscriptions_due ON subscriptions (next_due_at) WHERE state = 'active';
  CREATE INDEX subscriptions_user ON subscriptions (user_pk) WHERE user_pk IS NOT NULL;

  -- What an edition says, stored once however many subscribers get the same papers.
  CREATE TABLE digest_contents (
    hash       TEXT PRIMARY KEY,                  -- sha256 hex of body
    body       TEXT NOT NULL,                     -- JSON: DigestContent (src/digest/content.ts)
    created_at TEXT NOT NULL
  );
  CREATE TABLE digest_outbox (
    subscription_pk INTEGER NOT NULL REFERENCES subscriptions (pk) ON DELETE CASCADE,
    edition         TEXT NOT NULL,                -- 2026-12-07 (daily) or 2026-W49 (weekly), in the subscriber's time zone
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'skipped', 'failed', 'bounced', 'cancelled')),
    message_id      TEXT NOT NULL,                -- the same on every attempt, so a resent copy is recognisably the same mail
    recipient       TEXT NOT NULL,
    content_hash    TEXT REFERENCES digest_contents (hash),
    papers          INTEGER NOT NULL DEFAULT 0,
    detail          TEXT,                         -- why it was skipped, or the last SMTP answer
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    PRIMARY KEY (subscription_pk, edition)
  );
  -- In the sender's order, so that taking the next batch reads it off the index instead of sorting the queue.
  CREATE INDEX digest_outbox_queued ON digest_outbox (next_attempt_at, subscription_pk, edition) WHERE state = 'queued';

  -- "More like this" (+1) and "fewer like this" (-1) from a digest; the personal digest reads them.
  CREATE TABLE digest_feedback (
    subscriber_pk INTEGER NOT NULL REFERENCES subscribers (pk) ON DELETE CASCADE,
    paper_pk      INTEGER NOT NULL REFERENCES papers (pk) ON DELETE CASCADE,
    verdict       INTEGER NOT NULL CHECK (verdict IN (-1, 1)),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (subscriber_pk, paper_pk)
  ) WITHOUT ROWID;

  CREATE TABLE leases (
    name       TEXT PRIMARY KEY,                  -- e.g. digests, github-stars
    owner      TEXT NOT NULL,                     -- host:pid:random of the process holding it
    expires_at TEXT NOT NULL
  );
  CREATE TABLE rate_limit_hits (
    bucket TEXT NOT NULL,                         -- e.g. subscribe-ip:127.0.0.1
    at     TEXT NOT NULL
  );
  CREATE INDEX rate_limit_hits_bucket ON rate_limit_hits (bucket, at);

  -- Personal feeds are addressed by a token signed with the hub's secret; bumping this retires the old one.
  ALTER TABLE users ADD COLUMN feed_generation INTEGER NOT NULL DEFAULT 0;
  -- Digests and feeds look for papers that entered the hub in a window.
  CREATE INDEX papers_added_at ON papers (added_at);
  `,
  // 8: Hugging Face's pictures of a paper: its thumbnail (the first page) and the media its authors
  // uploaded (figures, demo images), as URLs on Hugging Face's CDN.
  `
  ALTER TABLE hf_signals ADD COLUMN thumbnail TEXT;
  ALTER TABLE hf_signals ADD COLUMN media_urls TEXT;    -- JSON array
  `,
  // 9: a run that no live process owns any more (killed, its machine gone) is marked interrupted,
  // and every batch writes the run's totals as it commits, so an interrupted run says what went in.
  // Each run holds the lease "ingest-run:<id>" while it lives (src/ingest/pipeline.ts).
  // SQLite cannot widen a CHECK in place, so the table is made again. Its errors move to a table
  // that refers to the new one first: dropping the old table while they refer to it would cascade
  // and delete them. Renaming the new table rewrites that reference to the final name.
  `
  CREATE TABLE ingest_runs_new (
    id           INTEGER PRIMARY KEY,
    command      TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,                 -- for an interrupted run: when it was found so
    status       TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
    read         INTEGER NOT NULL DEFAULT 0,
    added        INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    errors       INTEGER NOT NULL DEFAULT 0,
    committed_at TEXT                  -- when its last batch was committed
  );
  INSERT INTO ingest_runs_new (id, command, started_at, finished_at, status, read, added, updated, unchanged, skipped, errors)
    SELECT id, command, started_at, finished_at, status, read, added, updated, unchanged, skipped, errors FROM ingest_runs;
  CREATE TABLE ingest_errors_new (
    run_id   INTEGER NOT NULL REFERENCES ingest_runs_new (id) ON DELETE CASCADE,
    source   TEXT NOT NULL,
    position TEXT NOT NULL,
    reason   TEXT NOT NULL
  );
  INSERT INTO ingest_errors_new (run_id, source, position, reason) SELECT run_id, source, position, reason FROM ingest_errors ORDER BY rowid;
  DROP TABLE ingest_errors;
  DROP TABLE ingest_runs;
  ALTER TABLE ingest_runs_new RENAME TO ingest_runs;
  ALTER TABLE ingest_errors_new RENAME TO ingest_errors;
  CREATE INDEX ingest_errors_run ON ingest_errors (run_id);
  `,
  // 10: imports now take control characters out of what they store (NUL, BEL, ESC, bidi overrides
  // that reorder a page's text: stripControls in src/paper/text.ts); what was stored before is
  // cleaned once. That takes the importer's normalisation and hashing, so this step leaves a mark
  // and opening the store does the work (SqliteStore.cleanStoredText), as it repairs the keyword
  // index after a killed bulk import.
  `
  INSERT OR REPLACE INTO meta (key, value) VALUES ('controls_to_clean', '1');
  `,
  // 11: PostgreSQL's full-text column and its GIN index (pg-migrations.ts); SQLite has had FTS5
  // since step 1, so there is nothing to do here but keep the two lists the same length.
  `
  -- 11: PostgreSQL's full-text column; SQLite has had FTS5 since step 1
  `,
  // 12: PostgreSQL's full-text column reads '<' as a space (pg-migrations.ts); FTS5 already does.
  `
  -- 12: PostgreSQL's full-text column reads '<' as a space; FTS5 already does
  `,
];
