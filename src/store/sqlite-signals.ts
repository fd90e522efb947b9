// Trending's signals on the same SQLite connection as the papers: hub votes, the source's upvote
// samples and GitHub star samples, and the bookkeeping of the GitHub sampler. Repositories are keyed
// owner/name in lower case; papers link them by URL (Hugging Face's githubRepo, arXiv code links),
// so URLs are read into names here with githubRepoName.

import type BetterSqlite3 from 'better-sqlite3';
import { VISIBLE } from './paper-rows.ts';
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
const LINKS = `SELECT paper_pk, github_repo AS url, 0 AS pref FROM hf_signals WHERE github_repo LIKE '%github.com/%'
               UNION ALL SELECT paper_pk, url, 1 AS pref FROM paper_links WHERE kind = 'code' AND url LIKE '%github.com/%'`;

export class SqliteSignals implements SignalStore {
  private readonly s;

  constructor(private readonly db: BetterSqlite3.Database) {
    const pks = 'SELECT value FROM json_each(@pks)';
    this.s = {
      active: db.prepare(`SELECT p.pk FROM papers p WHERE ${VISIBLE} AND p.listed_at > @from AND p.listed_at <= @to
                          UNION SELECT v.paper_pk FROM votes v JOIN papers p ON p.pk = v.paper_pk WHERE ${VISIBLE} AND v.created_at > @from AND v.created_at <= @to
                          UNION SELECT s.paper_pk FROM signal_samples s JOIN papers p ON p.pk = s.paper_pk
                                WHERE ${VISIBLE} AND s.source = 'huggingface' AND s.observed_at > @from AND s.observed_at <= @to`),
      visible: db.prepare(`SELECT p.pk FROM papers p WHERE ${VISIBLE} AND p.listed_at <= @to AND p.pk IN (${pks})`),
      reposSampledIn: db.prepare('SELECT DISTINCT repo FROM github_star_samples WHERE observed_at > @from AND observed_at <= @to'),
      allLinks: db.prepare(`${LINKS} ORDER BY paper_pk, pref, url`),
      linksOf: db.prepare(`SELECT * FROM (${LINKS}) WHERE paper_pk IN (${pks}) ORDER BY paper_pk, pref, url`),
      papers: db.prepare(`SELECT pk, id, listed_at FROM papers WHERE pk IN (${pks}) ORDER BY pk`),
      votes: db.prepare(`SELECT paper_pk, created_at FROM votes WHERE paper_pk IN (${pks}) AND created_at <= @to ORDER BY created_at`),
      sourceSamples: db.prepare(`SELECT paper_pk, observed_at, upvotes, github_stars FROM signal_samples
                                 WHERE source = 'huggingface' AND paper_pk IN (${pks}) AND observed_at <= @to ORDER BY observed_at`),
      starSamples: db.prepare(`SELECT repo, observed_at, stars FROM github_star_samples WHERE repo IN (SELECT value FROM json_each(@repos)) AND observed_at <= @to ORDER BY observed_at`),
      latest: db.prepare(`SELECT max(at) FROM (
                            SELECT max(v.created_at) AS at FROM votes v JOIN papers p ON p.pk = v.paper_pk WHERE ${VISIBLE} AND v.created_at <= @to
                            UNION ALL SELECT max(s.observed_at) FROM signal_samples s JOIN papers p ON p.pk = s.paper_pk
                                      WHERE ${VISIBLE} AND s.source = 'huggingface' AND s.upvotes IS NOT NULL AND s.observed_at <= @to)`).pluck(),
      register: db.prepare('INSERT OR IGNORE INTO github_repos (repo) VALUES (?)'),
      due: db.prepare('SELECT repo, etag, stars FROM github_repos WHERE missing_at IS NULL ORDER BY checked_at IS NOT NULL, checked_at, repo'),
      repo: db.prepare('SELECT stars FROM github_repos WHERE repo = ?'),
      update: db.prepare('UPDATE github_repos SET etag = coalesce(@etag, etag), stars = @stars, checked_at = @checkedAt WHERE repo = @repo'),
      lastSample: db.prepare('SELECT observed_at, stars FROM github_star_samples WHERE repo = ? ORDER BY observed_at DESC LIMIT 1'),
      insertSample: db.prepare('INSERT OR REPLACE INTO github_star_samples (repo, observed_at, stars) VALUES (?, ?, ?)'),
      defer: db.prepare('INSERT INTO github_repos (repo, checked_at) VALUES (?, ?) ON CONFLICT (repo) DO UPDATE SET checked_at = excluded.checked_at'),
      missing: db.prepare('INSERT INTO github_repos (repo, missing_at) VALUES (?, ?) ON CONFLICT (repo) DO UPDATE SET missing_at = excluded.missing_at'),
    };
  }

  async candidates(from: string, to: string): Promise<TrendingCandidate[]> {
    const pks = new Set((this.s.active.all({ from, to }) as { pk: number }[]).map((r) => r.pk));
    const starred = (this.s.reposSampledIn.all({ from, to }) as { repo: string }[]).map((r) => r.repo);
    if (starred.length > 0) {
      const wanted = new Set(starred);
      const linking = [...repoOfEachPaper(this.s.allLinks.all() as LinkRow[])].filter(([, repo]) => wanted.has(repo)).map(([pk]) => pk);
      for (const r of this.s.visible.all({ to, pks: JSON.stringify(linking) }) as { pk: number }[]) pks.add(r.pk);
    }
    return this.load([...pks], to);
  }

  async latestActivity(to: string): Promise<string | undefined> {
    return (this.s.latest.get({ to }) as string | null) ?? undefined;
  }

  /** Signals up to `to` of the given papers. */
  private load(pkList: number[], to: string): TrendingCandidate[] {
    if (pkList.length === 0) return [];
    const pks = JSON.stringify(pkList);
    const repoOf = repoOfEachPaper(this.s.linksOf.all({ pks }) as LinkRow[]);
    return trendingCandidates(
      this.s.papers.all({ pks }) as { pk: number; id: string; listed_at: string }[],
      repoOf,
      this.s.votes.all({ pks, to }) as VoteRow[],
      this.s.sourceSamples.all({ pks, to }) as SourceSampleRow[],
      this.s.starSamples.all({ repos: JSON.stringify([...new Set(repoOf.values())]), to }) as StarSampleRow[],
    );
  }

  async reposToSample(limit: number): Promise<RepoToSample[]> {
    const linked = new Set(repoOfEachPaper(this.s.allLinks.all() as LinkRow[]).values());
    this.db.transaction(() => {
      for (const repo of linked) this.s.register.run(repo);
    })();
    const out: RepoToSample[] = [];
    for (const r of this.s.due.iterate() as Iterable<RepoRow>) {
      if (out.length >= limit) break;
      if (linked.has(r.repo)) out.push(toRepoToSample(r));
    }
    return out;
  }

  async saveRepoSample(repo: string, sample: { etag?: string; stars?: number; checkedAt: string }): Promise<void> {
    this.db.transaction(() => {
      this.s.register.run(repo);
      const known = (this.s.repo.get(repo) as { stars: number | null }).stars;
      const stars = sample.stars ?? known;
      this.s.update.run({ repo, etag: sample.etag ?? null, stars, checkedAt: sample.checkedAt });
      if (stars === null) return;
      const last = this.s.lastSample.get(repo) as { observed_at: string; stars: number } | undefined;
      if (starSampleDue(last, stars, sample.checkedAt)) this.s.insertSample.run(repo, sample.checkedAt, stars);
    })();
  }

  async markRepoMissing(repo: string, at: string): Promise<void> {
    this.s.missing.run(repo, at);
  }

  async deferRepo(repo: string, at: string): Promise<void> {
    this.s.defer.run(repo, at);
  }
}
