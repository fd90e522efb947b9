// Trending's signals on PostgreSQL: the same queries as sqlite-signals.ts over the same tables. Lists
// of keys travel as one array parameter (= ANY($n::int[])) where SQLite reads a JSON array with
// json_each. Two dialect differences are made explicit so both engines answer alike: SQLite's LIKE
// ignores ASCII case (PostgreSQL's ILIKE does the same), and SQLite orders text by its bytes, so
// URLs and repository names, whose order picks a paper's repository and breaks ties in the
// sampler's queue, are ordered COLLATE "C" whatever locale the database was made with. ISO times
// sort alike under any collation and keep the default, so their indexes serve.

import { VISIBLE } from './paper-rows.ts';
import type { PgDb } from './pg-db.ts';
import {
  repoOfEachPaper,
  starSampleDue,
  toRepoToSample,
  trendingCandidates,
  type LinkRow,
  type RepoRow,
  type SourceSampleRow,
  type StarSampleRow,
  type VoteRow,
} from './signal-rows.ts';
import type { RepoToSample, SignalStore, TrendingCandidate } from './signals.ts';
/** Every GitHub link of every paper, Hugging Face's first (it names "the" repository). */
const LINKS = `SELECT paper_pk, github_repo AS url, 0 AS pref FROM hf_signals WHERE github_repo ILIKE '%github.com/%'
               UNION ALL SELECT paper_pk, url, 1 AS pref FROM paper_links WHERE kind = 'code' AND url ILIKE '%github.com/%'`;
const LINK_ORDER = 'ORDER BY paper_pk, pref, url COLLATE "C"';

export class PgSignals implements SignalStore {
  constructor(private readonly db: PgDb) {}

  async candidates(from: string, to: string): Promise<TrendingCandidate[]> {
    const active = await this.db.many<{ pk: number }>(
      `SELECT p.pk FROM papers p WHERE ${VISIBLE} AND p.listed_at > $1 AND p.listed_at <= $2
       UNION SELECT v.paper_pk FROM votes v JOIN papers p ON p.pk = v.paper_pk WHERE ${VISIBLE} AND v.created_at > $1 AND v.created_at <= $2
       UNION SELECT s.paper_pk FROM signal_samples s JOIN papers p ON p.pk = s.paper_pk
             WHERE ${VISIBLE} AND s.source = 'huggingface' AND s.observed_at > $1 AND s.observed_at <= $2`,
      [from, to],
    );
    const pks = new Set(active.map((r) => r.pk));
    const starred = (await this.db.many<{ repo: string }>('SELECT DISTINCT repo FROM github_star_samples WHERE observed_at > $1 AND observed_at <= $2', [from, to])).map((r) => r.repo);
    if (starred.length > 0) {
      const wanted = new Set(starred);
      const linking = [...repoOfEachPaper(await this.allLinks())].filter(([, repo]) => wanted.has(repo)).map(([pk]) => pk);
      const visible = await this.db.many<{ pk: number }>(`SELECT p.pk FROM papers p WHERE ${VISIBLE} AND p.listed_at <= $1 AND p.pk = ANY($2::int[])`, [to, linking]);
      for (const r of visible) pks.add(r.pk);
    }
    return this.load([...pks], to);
  }

  async latestActivity(to: string): Promise<string | undefined> {
    const row = await this.db.one<{ at: string | null }>(
      `SELECT max(at) AS at FROM (
         SELECT max(v.created_at) AS at FROM votes v JOIN papers p ON p.pk = v.paper_pk WHERE ${VISIBLE} AND v.created_at <= $1
         UNION ALL SELECT max(s.observed_at) FROM signal_samples s JOIN papers p ON p.pk = s.paper_pk
                   WHERE ${VISIBLE} AND s.source = 'huggingface' AND s.upvotes IS NOT NULL AND s.observed_at <= $1) AS latest`,
      [to],
    );
    return row?.at ?? undefined;
  }

  private allLinks(): Promise<LinkRow[]> {
    // Wrapped: PostgreSQL orders a bare UNION by its output columns only, not by an expression such as a COLLATE.
    return this.db.many<LinkRow>(`SELECT * FROM (${LINKS}) AS links ${LINK_ORDER}`);
  }

  /** Signals up to `to` of the given papers. */
  private async load(pkList: number[], to: string): Promise<TrendingCandidate[]> {
    if (pkList.length === 0) return [];
    const [links, voteRows, sampleRows, paperRows] = await Promise.all([
      this.db.many<LinkRow>(`SELECT * FROM (${LINKS}) AS links WHERE paper_pk = ANY($1::int[]) ${LINK_ORDER}`, [pkList]),
      this.db.many<VoteRow>('SELECT paper_pk, created_at FROM votes WHERE paper_pk = ANY($1::int[]) AND created_at <= $2 ORDER BY created_at', [pkList, to]),
      this.db.many<SourceSampleRow>(
        `SELECT paper_pk, observed_at, upvotes, github_stars FROM signal_samples
         WHERE source = 'huggingface' AND paper_pk = ANY($1::int[]) AND observed_at <= $2 ORDER BY observed_at`,
        [pkList, to],
      ),
      this.db.many<{ pk: number; id: string; listed_at: string }>('SELECT pk, id, listed_at FROM papers WHERE pk = ANY($1::int[]) ORDER BY pk', [pkList]),
    ]);
    const repoOf = repoOfEachPaper(links);
    const starRows = await this.db.many<StarSampleRow>(
      'SELECT repo, observed_at, stars FROM github_star_samples WHERE repo = ANY($1::text[]) AND observed_at <= $2 ORDER BY observed_at',
      [[...new Set(repoOf.values())], to],
    );
    return trendingCandidates(paperRows, repoOf, voteRows, sampleRows, starRows);
  }

  async reposToSample(limit: number): Promise<RepoToSample[]> {
    // Sorted, so two processes registering the same repositories insert them in the same order and
    // one waits for the other instead of deadlocking (db.tx would retry one that did).
    const linked = [...new Set(repoOfEachPaper(await this.allLinks()).values())].sort();
    await this.db.tx((q) => q.run('INSERT INTO github_repos (repo) SELECT unnest($1::text[]) ON CONFLICT (repo) DO NOTHING', [linked]));
    // SQLite reads every repository in this order and keeps the linked ones up to the limit; the
    // filter and the limit in the query give the same list.
    const rows = await this.db.many<RepoRow>(
      `SELECT repo, etag, stars FROM github_repos WHERE missing_at IS NULL AND repo = ANY($1::text[])
       ORDER BY checked_at IS NOT NULL, checked_at, repo COLLATE "C" LIMIT $2`,
      [linked, limit],
    );
    return rows.map(toRepoToSample);
  }

  async saveRepoSample(repo: string, sample: { etag?: string; stars?: number; checkedAt: string }): Promise<void> {
    await this.db.tx(async (q) => {
      await q.run('INSERT INTO github_repos (repo) VALUES ($1) ON CONFLICT (repo) DO NOTHING', [repo]);
      // FOR UPDATE: two samplers saving the same repository take turns, so the second reads the
      // first's count and sample and the "changed, or a day since" rule holds, as under SQLite's writer lock.
      const known = (await q.one<{ stars: number | null }>('SELECT stars FROM github_repos WHERE repo = $1 FOR UPDATE', [repo]))!.stars;
      const stars = sample.stars ?? known;
      await q.run('UPDATE github_repos SET etag = coalesce($2, etag), stars = $3, checked_at = $4 WHERE repo = $1', [repo, sample.etag ?? null, stars, sample.checkedAt]);
      if (stars === null) return;
      const last = await q.one<{ observed_at: string; stars: number }>('SELECT observed_at, stars FROM github_star_samples WHERE repo = $1 ORDER BY observed_at DESC LIMIT 1', [repo]);
      // SQLite's INSERT OR REPLACE: a second sample at the same instant replaces the first.
      if (starSampleDue(last, stars, sample.checkedAt)) {
        await q.run(
          'INSERT INTO github_star_samples (repo, observed_at, stars) VALUES ($1, $2, $3) ON CONFLICT (repo, observed_at) DO UPDATE SET stars = excluded.stars',
          [repo, sample.checkedAt, stars],
        );
      }
    });
  }

  async markRepoMissing(repo: string, at: string): Promise<void> {
    await this.db.run('INSERT INTO github_repos (repo, missing_at) VALUES ($1, $2) ON CONFLICT (repo) DO UPDATE SET missing_at = excluded.missing_at', [repo, at]);
  }

  async deferRepo(repo: string, at: string): Promise<void> {
    await this.db.run('INSERT INTO github_repos (repo, checked_at) VALUES ($1, $2) ON CONFLICT (repo) DO UPDATE SET checked_at = excluded.checked_at', [repo, at]);
  }
}
