// Rows of the signal tables (links, samples, github_repos) as both engines read them
// (sqlite-signals.ts, pg-signals.ts), and how trending's candidates and the sampler's rules are
// made of them.
import { githubRepoName, type RepoToSample, type Sample, type TrendingCandidate } from './signals.ts';

/** A star sample is written when the count changes, and at least this often while it does not. */
const SAMPLE_EVERY_MS = 24 * 3_600_000;

/** A GitHub link of a paper (Hugging Face's repository, or an arXiv code link). */
export interface LinkRow {
  paper_pk: number;
  url: string;
}

export interface SourceSampleRow {
  paper_pk: number;
  observed_at: string;
  upvotes: number | null;
  github_stars: number | null;
}

export interface VoteRow {
  paper_pk: number;
  created_at: string;
}

export interface StarSampleRow {
  repo: string;
  observed_at: string;
  stars: number;
}

export interface RepoRow {
  repo: string;
  etag: string | null;
  stars: number | null;
}

/** The first GitHub repository each paper links (rows come ordered by paper, preference, URL). */
export function repoOfEachPaper(rows: LinkRow[]): Map<number, string> {
  const repoOf = new Map<number, string>();
  for (const r of rows) {
    const repo = repoOf.has(r.paper_pk) ? undefined : githubRepoName(r.url);
    if (repo) repoOf.set(r.paper_pk, repo);
  }
  return repoOf;
}

/** Trending's candidates, in the papers' order, from their signal rows (each in time order) up to the time they were read to. */
export function trendingCandidates(
  papers: { pk: number; id: string; listed_at: string }[],
  repoOf: Map<number, string>,
  voteRows: VoteRow[],
  sampleRows: SourceSampleRow[],
  starRows: StarSampleRow[],
): TrendingCandidate[] {
  const votes = groupBy(voteRows, (r) => r.paper_pk);
  const samples = groupBy(sampleRows, (r) => r.paper_pk);
  const repoStars = groupBy(starRows, (r) => r.repo);
  return papers.map((p) => {
    const repo = repoOf.get(p.pk);
    const own = samples.get(p.pk) ?? [];
    // Hugging Face reports a repository's stars too: observations of the same count, by another observer.
    const stars: Sample[] = [
      ...(repo ? (repoStars.get(repo) ?? []).map((s) => ({ at: s.observed_at, count: s.stars })) : []),
      ...own.filter((s) => s.github_stars !== null).map((s) => ({ at: s.observed_at, count: s.github_stars! })),
    ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    return {
      key: p.pk,
      id: p.id,
      listedAt: p.listed_at,
      votes: (votes.get(p.pk) ?? []).map((v) => v.created_at),
      sourceUpvotes: own.filter((s) => s.upvotes !== null).map((s) => ({ at: s.observed_at, count: s.upvotes! })),
      ...(repo ? { repo } : {}),
      stars,
    };
  });
}

export function toRepoToSample(r: RepoRow): RepoToSample {
  return { repo: r.repo, ...(r.etag ? { etag: r.etag } : {}), ...(r.stars !== null ? { stars: r.stars } : {}) };
}

/** Whether a count read at `checkedAt` is to be written as a star sample: it changed since the last sample, or a day has passed. */
export function starSampleDue(last: { observed_at: string; stars: number } | undefined, stars: number, checkedAt: string): boolean {
  return !last || last.stars !== stars || Date.parse(checkedAt) - Date.parse(last.observed_at) >= SAMPLE_EVERY_MS;
}

function groupBy<T, K>(rows: T[], keyOf: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}
