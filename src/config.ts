// Every setting in one validated place. Precedence: command-line flag, then PAPERBOY_* variable,
// then the default. All problems are reported at once, each saying what to fix.

import { isIP } from 'node:net';
import { resolve } from 'node:path';

export interface Config {
  dbPath: string;
  /** postgres://… : the hub's database is this PostgreSQL server instead of the file at dbPath. */
  databaseUrl: string;
  /** Where meaning search keeps its model and vector index; empty: beside the SQLite file (DB.index). */
  indexDir: string;
  host: string;
  port: number;
  siteName: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** arXiv categories the start-up harvest fetches when the database is empty. */
  categories: string[];
  /** Days back the start-up harvest reaches; 0 turns it off. */
  harvestDays: number;
  oaiUrl: string;
  arxivApiUrl: string;
  /** Seconds between requests to arXiv (arXiv asks for 3). */
  politeDelaySeconds: number;
  userAgent: string;
  /** smtp(s)://user:pass@host:port for sign-in mails; empty: links go to the server log. */
  smtpUrl: string;
  mailFrom: string;
  /** SMTP connections a digest run sends over at once; each holds at most one mail a kill could duplicate. */
  smtpConnections: number;
  /** The address people reach the hub at, for links in mails; empty: http://HOST:PORT. */
  baseUrl: string;
  /** How many days after publication a paper may still be submitted to a daily list. */
  submitWindowDays: number;
  submissionsPerDay: number;
  githubApiUrl: string;
  /** Optional: raises GitHub's rate limit from 60 to 5,000 requests an hour. */
  githubToken: string;
  /** Minutes between samples of linked repositories' stars; 0 turns sampling off. */
  githubSampleMinutes: number;
  /** Minutes between `serve`'s looks for digests that are due; 0 leaves digests to `paperboy digest run` (cron). */
  digestMinutes: number;
  /** DKIM signing of every mail, when a key file is given: the domain, selector and PEM file. */
  dkimDomain: string;
  dkimSelector: string;
  dkimKeyFile: string;
  /** Show Hugging Face's thumbnails and paper media, loaded by readers' browsers from its CDN. */
  remoteImages: boolean;
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDR ranges, loopback…); false: none. */
  trustProxy: false | string[];
  /** Open connections the server accepts at once; more are refused. */
  maxConnections: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Flags as the CLI parsed them; undefined means "not given". */
export interface ConfigFlags {
  db?: string;
  host?: string;
  port?: string;
}

interface Setting<T> {
  env: string;
  flag?: keyof ConfigFlags;
  fallback: string;
  parse: (raw: string) => T | undefined;
  expects: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const CATEGORY = /^[a-z][a-z-]*(\.[A-Za-z-]+)?$/;

const SETTINGS = {
  dbPath: { env: 'PAPERBOY_DB', flag: 'db', fallback: './data/paperboy.db', parse: (s) => (s.trim() ? (s === ':memory:' ? s : resolve(s)) : undefined), expects: 'a file path, e.g. ./data/paperboy.db' },
  databaseUrl: { env: 'PAPERBOY_DATABASE_URL', fallback: '', parse: postgresUrl, expects: 'a postgres:// or postgresql:// URL, e.g. postgres://paperboy:secret@db.example.org:5432/paperboy, or empty for the SQLite file' },
  indexDir: { env: 'PAPERBOY_INDEX_DIR', fallback: '', parse: (s) => (s.trim() ? resolve(s.trim()) : ''), expects: 'a folder path, or empty for beside the database file' },
  host: { env: 'PAPERBOY_HOST', flag: 'host', fallback: '127.0.0.1', parse: (s) => (/^[\w.:-]+$/.test(s) ? s : undefined), expects: 'a host name or address, e.g. 127.0.0.1 or 0.0.0.0' },
  port: { env: 'PAPERBOY_PORT', flag: 'port', fallback: '3000', parse: (s) => wholeNumber(s, 0, 65535), expects: 'a whole number from 0 to 65535' },
  siteName: { env: 'PAPERBOY_SITE_NAME', fallback: 'Paperboy', parse: (s) => (s.trim() ? s.trim() : undefined), expects: 'a non-empty name' },
  logLevel: { env: 'PAPERBOY_LOG_LEVEL', fallback: 'info', parse: (s) => LOG_LEVELS.find((l) => l === s), expects: `one of ${LOG_LEVELS.join(', ')}` },
  categories: { env: 'PAPERBOY_CATEGORIES', fallback: 'cs.LG,cs.CL,cs.CV,cs.AI,stat.ML', parse: categoryList, expects: 'comma-separated arXiv categories, e.g. cs.LG,stat.ML' },
  harvestDays: { env: 'PAPERBOY_HARVEST_DAYS', fallback: '3', parse: (s) => wholeNumber(s, 0, 90), expects: 'a whole number of days from 0 (off) to 90' },
  oaiUrl: { env: 'PAPERBOY_OAI_URL', fallback: 'https://oaipmh.arxiv.org/oai', parse: httpUrl, expects: 'an http(s) URL' },
  arxivApiUrl: { env: 'PAPERBOY_ARXIV_API_URL', fallback: 'https://export.arxiv.org/api/query', parse: httpUrl, expects: 'an http(s) URL' },
  politeDelaySeconds: { env: 'PAPERBOY_POLITE_DELAY', fallback: '3', parse: (s) => wholeNumber(s, 0, 60), expects: 'a whole number of seconds from 0 to 60' },
  userAgent: { env: 'PAPERBOY_USER_AGENT', fallback: 'Paperboy/0.1 (self-hosted paper hub)', parse: (s) => (s.trim() ? s : undefined), expects: 'a non-empty User-Agent string' },
  smtpUrl: { env: 'PAPERBOY_SMTP_URL', fallback: '', parse: (s) => (s === '' || /^smtps?:\/\//.test(s) ? s : undefined), expects: 'an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.org:587, or empty to log sign-in links' },
  smtpConnections: { env: 'PAPERBOY_SMTP_CONNECTIONS', fallback: '1', parse: (s) => wholeNumber(s, 1, 8), expects: 'a whole number of connections from 1 to 8' },
  mailFrom: { env: 'PAPERBOY_MAIL_FROM', fallback: 'Paperboy <paperboy@localhost>', parse: (s) => (/\S+@\S+/.test(s) ? s.trim() : undefined), expects: 'a sender address, e.g. "Paperboy <papers@example.org>"' },
  baseUrl: { env: 'PAPERBOY_BASE_URL', fallback: '', parse: (s) => (s === '' ? s : httpUrl(s)?.replace(/\/+$/, '')), expects: 'the http(s) URL people open the hub at, e.g. https://papers.example.org' },
  submitWindowDays: { env: 'PAPERBOY_SUBMIT_WINDOW_DAYS', fallback: '14', parse: (s) => wholeNumber(s, 1, 3650), expects: 'a whole number of days from 1 to 3650' },
  remoteImages: { env: 'PAPERBOY_REMOTE_IMAGES', fallback: 'on', parse: (s) => (s === 'on' ? true : s === 'off' ? false : undefined), expects: 'on or off' },
  submissionsPerDay: { env: 'PAPERBOY_SUBMISSIONS_PER_DAY', fallback: '20', parse: (s) => wholeNumber(s, 1, 10_000), expects: 'a whole number from 1 to 10000' },
  githubApiUrl: { env: 'PAPERBOY_GITHUB_API_URL', fallback: 'https://api.github.com', parse: (s) => httpUrl(s)?.replace(/\/+$/, ''), expects: 'an http(s) URL' },
  githubToken: { env: 'PAPERBOY_GITHUB_TOKEN', fallback: '', parse: (s) => s.trim(), expects: 'a GitHub token, or empty' },
  githubSampleMinutes: { env: 'PAPERBOY_GITHUB_SAMPLE_MINUTES', fallback: '60', parse: (s) => wholeNumber(s, 0, 10_080), expects: 'a whole number of minutes from 0 (off) to 10080' },
  digestMinutes: { env: 'PAPERBOY_DIGEST_MINUTES', fallback: '1', parse: (s) => wholeNumber(s, 0, 1440), expects: 'a whole number of minutes from 0 (digests only by `paperboy digest run`) to 1440' },
  dkimDomain: { env: 'PAPERBOY_DKIM_DOMAIN', fallback: '', parse: (s) => (s === '' || /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(s.trim()) ? s.trim() : undefined), expects: 'the domain mails are signed for, e.g. example.org, or empty' },
  dkimSelector: { env: 'PAPERBOY_DKIM_SELECTOR', fallback: 'paperboy', parse: (s) => (/^[a-z0-9][a-z0-9._-]*$/i.test(s.trim()) ? s.trim() : undefined), expects: 'a DKIM selector, e.g. paperboy (the DNS record is at paperboy._domainkey.DOMAIN)' },
  dkimKeyFile: { env: 'PAPERBOY_DKIM_KEY_FILE', fallback: '', parse: (s) => (s.trim() ? resolve(s.trim()) : ''), expects: 'the path of a PEM private key, or empty for no DKIM signing' },
  trustProxy: { env: 'PAPERBOY_TRUST_PROXY', fallback: 'off', parse: proxyList, expects: 'off, or the reverse proxies in front of the hub, comma-separated: addresses, CIDR ranges, or loopback, linklocal, uniquelocal (e.g. 127.0.0.1 or 10.0.0.0/8)' },
  maxConnections: { env: 'PAPERBOY_MAX_CONNECTIONS', fallback: '512', parse: (s) => wholeNumber(s, 1, 100_000), expects: 'a whole number of connections from 1 to 100000' },
} satisfies { [K in keyof Config]: Setting<Config[K]> };

export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): Config {
  const problems: string[] = [];
  const config: Partial<Record<keyof Config, unknown>> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [keyof Config, Setting<unknown>][]) {
    const fromFlag = setting.flag ? flags[setting.flag] : undefined;
    const raw = fromFlag ?? env[setting.env] ?? setting.fallback;
    const value = setting.parse(raw);
    if (value === undefined) {
      const where = fromFlag !== undefined ? `--${setting.flag}` : setting.env;
      problems.push(`${where} must be ${setting.expects} (got ${JSON.stringify(raw)}).`);
    }
    config[key] = value;
  }
  if (Boolean(config.dkimKeyFile) !== Boolean(config.dkimDomain) && problems.length === 0) {
    problems.push('DKIM signing needs both PAPERBOY_DKIM_DOMAIN and PAPERBOY_DKIM_KEY_FILE (or neither).');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as Config;
}

function wholeNumber(s: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(s.trim())) return undefined;
  const n = Number(s);
  return n >= min && n <= max ? n : undefined;
}

function httpUrl(s: string): string | undefined {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? s : undefined;
  } catch {
    return undefined;
  }
}

function categoryList(s: string): string[] | undefined {
  const list = s.split(',').map((c) => c.trim()).filter(Boolean);
  return list.every((c) => CATEGORY.test(c)) ? list : undefined;
}

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** X-Forwarded-For is believed only from these; off (the default) believes nobody. */
function proxyList(s: string): false | string[] | undefined {
  const trimmed = s.trim();
  if (trimmed === '' || trimmed === 'off') return false;
  const list = trimmed.split(',').map((p) => p.trim()).filter(Boolean);
  const ok = (p: string) => {
    if (PROXY_KEYWORDS.has(p)) return true;
    const [address, bits, extra] = p.split('/');
    if (extra !== undefined || !address || !isIP(address)) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128));
  };
  return list.length > 0 && list.every(ok) ? list : undefined;
}

function postgresUrl(s: string): string | undefined {
  if (s.trim() === '') return '';
  try {
    const u = new URL(s.trim());
    return u.protocol === 'postgres:' || u.protocol === 'postgresql:' ? s.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Where the hub's data is, to print: the file, or the PostgreSQL URL without its password. */
export function databaseLabel(config: Pick<Config, 'dbPath' | 'databaseUrl'>): string {
  if (!config.databaseUrl) return config.dbPath;
  const u = new URL(config.databaseUrl);
  if (u.password) u.password = '***';
  return u.toString();
}
