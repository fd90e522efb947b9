// What huggingface_hub (2.0) does with the papers API, in TypeScript, so the tests can replay it
// against this hub without Python: the requests its HfApi methods and `hf papers` commands send
// (paths, query parameters in its order, its defaults) and how it reads the answers
// (PaperInfo(**json), PaperAuthor, User, Organization, parse_datetime, hf_raise_for_status).
// Ported from huggingface_hub/hf_api.py, utils/_datetime.py and utils/_http.py; where the Python
// would raise (a field of the wrong type, a date it cannot parse, a list that is not a list),
// these throw.
import type { LightMyRequestResponse } from 'fastify';

type Json = Record<string, unknown>;

// ---------- the requests ----------

export interface DailyPapersArgs {
  date?: string;
  week?: string;
  month?: string;
  submitter?: string;
  sort?: 'publishedAt' | 'trending';
  p?: number;
  limit?: number;
}

/** HfApi.list_daily_papers: GET /api/daily_papers with the arguments given, None ones dropped, in this order. */
export function listDailyPapersUrl(args: DailyPapersArgs): string {
  const { p, limit, sort, date, week, month, submitter } = args;
  return withParams('/api/daily_papers', { p, limit, sort, date, week, month, submitter });
}

/** HfApi.list_papers: GET /api/papers/search, q only when the query is not empty. */
export function listPapersUrl(query?: string, limit?: number): string {
  return withParams('/api/papers/search', { q: query || undefined, limit });
}

/** HfApi.paper_info: the id goes into the path as given (no quoting). */
export function paperInfoUrl(id: string): string {
  return `/api/papers/${id}`;
}

/** HfApi.read_paper. */
export function readPaperUrl(id: string): string {
  return `/papers/${id}.md`;
}

/** `hf papers ls [--date D] [--week W] [--month M] [--submitter S] [--sort S] [--limit N]`: limit defaults to 50. */
export function papersLsUrl(options: Omit<DailyPapersArgs, 'p'> = {}): string {
  return listDailyPapersUrl({ ...options, limit: options.limit ?? 50 });
}

/** `hf papers search QUERY [--limit N]`: limit defaults to 20. */
export function papersSearchUrl(query: string, limit = 20): string {
  return listPapersUrl(query, limit);
}

function withParams(path: string, params: Record<string, string | number | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

// ---------- reading the answers ----------

/** utils/_datetime.py parse_datetime: '%Y-%m-%dT%H:%M:%S.%fZ' after padding the fraction; anything else raises. */
export function parseDatetime(value: unknown): Date {
  if (typeof value !== 'string') throw new TypeError(`parse_datetime: ${JSON.stringify(value)} is not a string`);
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/.exec(value);
  if (!m) throw new Error(`parse_datetime: cannot parse ${JSON.stringify(value)}`);
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, Number((m[7] ?? '0').slice(0, 3).padEnd(3, '0'))));
  if (d.getUTCDate() !== +m[3]! || d.getUTCHours() !== +m[4]!) throw new Error(`parse_datetime: no such instant ${value}`);
  return d;
}

export interface User {
  username: string;
  fullname: string;
  avatarUrl: string;
}

export interface Organization {
  name: string;
  fullname: string;
  avatarUrl: string;
}

export interface PaperAuthor {
  name: string;
  user?: User;
  hidden?: boolean;
}

export interface PaperInfo {
  id: string;
  authors?: PaperAuthor[];
  publishedAt?: Date;
  title?: string;
  summary?: string;
  upvotes?: number;
  discussionId?: string;
  comments: number;
  submittedAt?: Date;
  submittedBy?: User;
  aiSummary?: string;
  aiKeywords?: string[];
  organization?: Organization;
  projectPage?: string;
  githubRepo?: string;
  githubStars?: number;
}

/** `**value` in Python: a dict, or a TypeError. */
function kwargs(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${what}(**x): x is not a mapping: ${JSON.stringify(value)}`);
  return { ...(value as Json) };
}

/** dict.pop(key, None) */
function pop(d: Json, key: string): unknown {
  const v = d[key];
  delete d[key];
  return v ?? undefined;
}

/** Python truthiness for `a or b`. */
function truthy(v: unknown): boolean {
  return !(v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0));
}

function or(a: () => unknown, b: () => unknown): unknown {
  const x = a();
  return truthy(x) ? x : b();
}

function optional<T>(v: unknown, type: 'string' | 'number', field: string): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== type) throw new TypeError(`${field}: expected ${type}, got ${JSON.stringify(v)}`);
  return v as T;
}

export function user(value: unknown): User {
  const d = kwargs(value, 'User');
  return { username: String(pop(d, 'user') ?? ''), fullname: String(pop(d, 'fullname') ?? ''), avatarUrl: String(pop(d, 'avatarUrl') ?? '') };
}

export function organization(value: unknown): Organization {
  const d = kwargs(value, 'Organization');
  return { avatarUrl: String(pop(d, 'avatarUrl') ?? ''), name: String(pop(d, 'name') ?? ''), fullname: String(pop(d, 'fullname') ?? '') };
}

export function paperAuthor(value: unknown): PaperAuthor {
  const d = kwargs(value, 'PaperAuthor');
  const u = pop(d, 'user');
  const changed = pop(d, 'statusLastChangedAt');
  if (truthy(changed)) parseDatetime(changed);
  const hidden = pop(d, 'hidden');
  return { name: String(pop(d, 'name') ?? ''), ...(truthy(u) ? { user: user(u) } : {}), ...(typeof hidden === 'boolean' ? { hidden } : {}) };
}

/** PaperInfo(**json): the paper object of paper_info, or a daily-papers entry (its `paper` inside). */
export function paperInfo(value: unknown): PaperInfo {
  const k = kwargs(value, 'PaperInfo');
  const paper = kwargs(pop(k, 'paper') ?? {}, 'paper');
  const id = or(() => pop(k, 'id'), () => pop(paper, 'id'));
  if (typeof id !== 'string' || !id) throw new TypeError(`PaperInfo.id: expected a string, got ${JSON.stringify(id)}`);
  const authors = or(() => pop(paper, 'authors'), () => pop(k, 'authors'));
  if (truthy(authors) && !Array.isArray(authors)) throw new TypeError(`PaperInfo.authors: not a list: ${JSON.stringify(authors)}`);
  const published = or(() => pop(paper, 'publishedAt'), () => pop(k, 'publishedAt'));
  const title = pop(k, 'title');
  const summary = or(() => pop(paper, 'summary'), () => pop(k, 'summary'));
  const upvotes = or(() => pop(paper, 'upvotes'), () => pop(k, 'upvotes'));
  const discussionId = or(() => pop(paper, 'discussionId'), () => pop(k, 'discussionId'));
  const comments = pop(k, 'numComments') ?? 0;
  const submittedAt = or(() => pop(k, 'publishedAt'), () => pop(k, 'submittedOnDailyAt'));
  const submittedBy = or(() => pop(k, 'submittedBy'), () => pop(k, 'submittedOnDailyBy'));
  const org = pop(k, 'organization');
  const keywords = pop(k, 'ai_keywords');
  if (keywords !== undefined && !(Array.isArray(keywords) && keywords.every((w) => typeof w === 'string'))) throw new TypeError('ai_keywords: not a list of strings');
  if (typeof comments !== 'number' || !Number.isInteger(comments)) throw new TypeError(`numComments: expected an int, got ${JSON.stringify(comments)}`);
  return {
    id,
    ...(truthy(authors) ? { authors: (authors as unknown[]).map(paperAuthor) } : {}),
    ...(truthy(published) ? { publishedAt: parseDatetime(published) } : {}),
    title: optional<string>(title, 'string', 'title'),
    summary: optional<string>(summary, 'string', 'summary'),
    upvotes: optional<number>(upvotes, 'number', 'upvotes'),
    discussionId: optional<string>(discussionId, 'string', 'discussionId'),
    comments,
    ...(truthy(submittedAt) ? { submittedAt: parseDatetime(submittedAt) } : {}),
    ...(truthy(submittedBy) ? { submittedBy: user(submittedBy) } : {}),
    aiSummary: optional<string>(pop(k, 'ai_summary'), 'string', 'ai_summary'),
    ...(keywords !== undefined ? { aiKeywords: keywords as string[] } : {}),
    ...(truthy(org) ? { organization: organization(org) } : {}),
    projectPage: optional<string>(pop(k, 'projectPage'), 'string', 'projectPage'),
    githubRepo: optional<string>(pop(k, 'githubRepo'), 'string', 'githubRepo'),
    githubStars: optional<number>(pop(k, 'githubStars'), 'number', 'githubStars'),
  };
}

/** `for paper in r.json(): yield PaperInfo(**paper)`: the answer must be a list. */
export function paperInfos(body: unknown): PaperInfo[] {
  if (!Array.isArray(body)) throw new TypeError(`expected a JSON list, got ${JSON.stringify(body)?.slice(0, 80)}`);
  return body.map(paperInfo);
}

/** `hf papers ls`'s columns: the submitter's fullname, else username. */
export function submittedByName(info: PaperInfo): string {
  return info.submittedBy?.fullname || info.submittedBy?.username || '';
}

/**
 * hf_raise_for_status on an error: the messages a user is shown, from the X-Error-Message header
 * and the body's `error` (stripped, duplicates dropped, in that order).
 */
export function serverErrors(res: LightMyRequestResponse): string[] {
  const found: string[] = [];
  const header = res.headers['x-error-message'];
  if (typeof header === 'string') found.push(header);
  try {
    const data = JSON.parse(res.body) as Json;
    const error = data.error;
    if (Array.isArray(error)) found.push(...error.map(String));
    else if (error !== undefined) found.push(String(error));
  } catch {
    if (res.body && !/html/i.test(String(res.headers['content-type'] ?? ''))) found.push(res.body);
  }
  return [...new Set(found.map((s) => s.trim()).filter(Boolean))];
}
