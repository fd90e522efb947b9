// How a record from one source combines with what the hub already knows of the paper.
// Pure: the store loads the current state, calls mergePaper, and writes only if the hash moved.
//
// Rules, in words:
// - arXiv's own formats (records that carry a version number) are authoritative for metadata;
//   an older version never overwrites a newer one, but its version row is kept.
// - Other sources (Hugging Face) only fill what is still empty, and bring their own signals;
//   of two daily lists, the later one's signals are kept.
// - A paper is listed on the earliest day a source put it on a daily list; without one, on the
//   day it was first published.
import { createHash } from 'node:crypto';
import type { HfSignals, PaperRecord, VersionRecord } from '../paper/types.ts';

export interface PaperState {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
  published?: string;
  updated?: string;
  listedAt: string;
  listedExplicit: boolean;
  latestVersion?: number;
  comments?: string;
  journalRef?: string;
  doi?: string;
  license?: string;
  reportNo?: string;
  projectPage?: string;
  versions: VersionRecord[];
  codeUrls: string[];
  hf?: HfSignals;
}

const METADATA_FIELDS = ['published', 'updated', 'comments', 'journalRef', 'doi', 'license', 'reportNo', 'projectPage'] as const;

export function mergePaper(existing: PaperState | undefined, incoming: PaperRecord, now: string): PaperState {
  const base: PaperState = existing ?? {
    id: incoming.id,
    title: incoming.title,
    abstract: '',
    authors: [],
    categories: [],
    listedAt: incoming.listedAt ?? incoming.published ?? now,
    listedExplicit: incoming.listedAt !== undefined,
    versions: [],
    codeUrls: [],
  };
  const merged: PaperState = { ...base, versions: mergeVersions(base.versions, incoming.versions ?? []) };
  const authoritative = incoming.latestVersion !== undefined && (base.latestVersion === undefined || incoming.latestVersion >= base.latestVersion);
  const take = <T>(current: T | undefined, offered: T | undefined, isEmpty: (v: T) => boolean): T | undefined =>
    offered !== undefined && !isEmpty(offered) && (authoritative || current === undefined || isEmpty(current)) ? offered : current;
  const emptyString = (v: string) => v.trim() === '';
  const emptyList = (v: unknown[]) => v.length === 0;

  merged.title = take(base.title, incoming.title, emptyString) ?? base.title;
  merged.abstract = take(base.abstract, incoming.abstract, emptyString) ?? '';
  merged.authors = take(base.authors, incoming.authors, emptyList) ?? [];
  merged.categories = take(base.categories, incoming.categories, emptyList) ?? [];
  for (const field of METADATA_FIELDS) merged[field] = take(base[field], incoming[field], emptyString);
  if (authoritative) merged.latestVersion = incoming.latestVersion;
  if (merged.versions.length > 0) {
    merged.latestVersion = Math.max(merged.latestVersion ?? 0, ...merged.versions.map((v) => v.version));
    merged.published ??= merged.versions.find((v) => v.version === 1)?.created;
  }
  merged.codeUrls = [...new Set([...base.codeUrls, ...(incoming.codeUrls ?? [])])];
  // A paper can be on two daily lists; the latest list's counts win, whatever order files come in.
  if (incoming.hf && (!base.hf || incoming.hf.dailyDate >= base.hf.dailyDate)) merged.hf = incoming.hf;

  Object.assign(merged, listing(base, incoming, merged.published));
  return merged;
}

function listing(base: PaperState, incoming: PaperRecord, published: string | undefined): Pick<PaperState, 'listedAt' | 'listedExplicit'> {
  if (incoming.listedAt !== undefined) {
    if (!base.listedExplicit || incoming.listedAt < base.listedAt) return { listedAt: incoming.listedAt, listedExplicit: true };
    return { listedAt: base.listedAt, listedExplicit: true };
  }
  if (!base.listedExplicit && published !== undefined) return { listedAt: published, listedExplicit: false };
  return { listedAt: base.listedAt, listedExplicit: base.listedExplicit };
}

function mergeVersions(current: VersionRecord[], offered: VersionRecord[]): VersionRecord[] {
  const byNumber = new Map(current.map((v) => [v.version, v]));
  for (const v of offered) byNumber.set(v.version, { ...byNumber.get(v.version), ...stripUndefined(v) });
  return [...byNumber.values()].sort((a, b) => a.version - b.version);
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A stable fingerprint of a state: equal states hash equal whatever order their keys were set in. */
export function hashPaper(state: PaperState): string {
  return createHash('sha1').update(JSON.stringify(state, sortedKeys)).digest('base64url');
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
}
