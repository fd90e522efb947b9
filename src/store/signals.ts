// What trending reads from the store (votes, source upvotes and GitHub stars over time), and what
// the GitHub sampler writes to it.

/** A count observed at an instant (ISO UTC). */
export interface Sample {
  at: string;
  count: number;
}

/** Everything trending weighs for one paper, each series in time order. */
export interface PaperSignals {
  id: string;
  listedAt: string;
  /** Instants of the votes cast on this hub. */
  votes: string[];
  /** The source's (Hugging Face's) upvote count as it was observed. */
  sourceUpvotes: Sample[];
  /** The linked repository (owner/name) and its star count as observed, by GitHub or by Hugging Face. */
  repo?: string;
  stars: Sample[];
}

/** A candidate for trending: its signals and the row key that loads its card. */
export interface TrendingCandidate extends PaperSignals {
  key: number;
}

/** A repository to ask GitHub about, with the ETag of the last answer. */
export interface RepoToSample {
  repo: string;
  etag?: string;
  stars?: number;
}

export interface SignalStore {
  /**
   * Papers that may trend in [from, to]: listed in it, or with a vote, a source sample or a star
   * sample of their repository in it; hidden and merged papers never. Signals up to `to` only.
   */
  candidates(from: string, to: string): Promise<TrendingCandidate[]>;
  /**
   * The newest instant at or before `to` at which something that earns trending points happened: a
   * vote here or a Hugging Face upvote count observed. A hub of imported or older data has its last
   * activity in the past; trending then looks back from there rather than from now.
   */
  latestActivity(to: string): Promise<string | undefined>;
  /** Linked GitHub repositories not known to be gone, least recently checked (never checked first). */
  reposToSample(limit: number): Promise<RepoToSample[]>;
  /**
   * Records what GitHub said of a repository: the ETag and count, and a star sample when the count
   * changed or a day has passed since the last one (so trends keep their points). `stars` undefined:
   * unchanged (HTTP 304).
   */
  saveRepoSample(repo: string, sample: { etag?: string; stars?: number; checkedAt: string }): Promise<void>;
  /** GitHub answered 404: stop asking. */
  markRepoMissing(repo: string, at: string): Promise<void>;
  /** Asking failed (a 5xx, say): move the repository to the back of the queue without recording a sample. */
  deferRepo(repo: string, at: string): Promise<void>;
}

const GITHUB_HOSTS = new Set(['github.com', 'www.github.com']);
/** Top-level paths on github.com that are not owners. */
const NOT_OWNERS = new Set(['orgs', 'topics', 'features', 'marketplace', 'sponsors', 'settings', 'search', 'explore', 'about', 'login', 'apps']);

/**
 * The owner/name key (lower case, as github_repos stores it) of a github.com URL in any form:
 * https://github.com/o/r, http://www.github.com/o/r.git, github.com/o/r/tree/main/src, with a query
 * or fragment. Undefined for other hosts and for pages that are not a repository.
 */
export function githubRepoName(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url.trim()) ? url.trim() : `https://${url.trim()}`);
  } catch {
    return undefined;
  }
  if (!GITHUB_HOSTS.has(parsed.hostname.toLowerCase())) return undefined;
  const [owner, name] = parsed.pathname.split('/').filter(Boolean);
  if (!owner || !name || NOT_OWNERS.has(owner.toLowerCase())) return undefined;
  const repo = name.replace(/\.git$/i, '');
  const valid = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(owner) && /^[A-Za-z0-9._-]{1,100}$/.test(repo) && repo !== '.' && repo !== '..';
  return valid ? `${owner}/${repo}`.toLowerCase() : undefined;
}
