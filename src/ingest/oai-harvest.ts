// Incremental harvest from an OAI-PMH endpoint (arXiv's by default): ListRecords for a date
// window, following resumption tokens page by page. Progress is kept in the store after every
// page, so a harvest that is killed or fails mid-chain resumes where it stopped when run again
// with the same arguments.

import type { PaperRecord, ParseResult } from '../paper/types.ts';
import type { IngestRunSummary, Store } from '../store/store.ts';
import { parseOaiPmhPage } from './formats/oai-pmh.ts';
import { getParsed, type PoliteClient } from './http.ts';
import { IngestSession, type IngestReport } from './pipeline.ts';

export const ARXIV_OAI_URL = 'https://oaipmh.arxiv.org/oai';

export type OaiMetadataPrefix = 'oai_dc' | 'arXiv' | 'arXivRaw';

export interface HarvestPageInfo {
  /** Pages read by this run, from 1. */
  page: number;
  records: number;
  totals: Readonly<IngestRunSummary>;
  /** The size of the whole list, when the server says. */
  completeListSize?: number;
}

export interface HarvestOptions {
  baseUrl?: string;
  /** YYYY-MM-DD, inclusive; on the records' datestamps (last modification), not submission dates. */
  from: string;
  /** YYYY-MM-DD, inclusive. */
  until?: string;
  /** An OAI setSpec such as `cs` or `physics:hep-th` (see categoriesToOaiSets). */
  set?: string;
  metadataPrefix?: OaiMetadataPrefix;
  client: PoliteClient;
  onPage?: (info: HarvestPageInfo) => void;
  /** Keeps only the papers it returns true for; the rest count as skipped (sets are whole archives). */
  accept?: (paper: PaperRecord) => boolean;
  /** Says when a harvest resumes or starts over. */
  log?: (line: string) => void;
}

export interface HarvestReport extends IngestReport {
  pages: number;
  /** True when this run continued an interrupted harvest from its stored resumption token. */
  resumed: boolean;
}

/**
 * Harvests one window of one set into the store.
 *
 * Each page is stored before the token for the next one is saved: a run that dies in between
 * fetches that page again next time, which the idempotent upsert makes harmless.
 * A harvest that completed is done again from the start when re-run, not skipped: records in the
 * window may have been modified since (that is what OAI datestamps track), and re-reading them is harmless.
 */
export async function harvestOai(store: Store, options: HarvestOptions): Promise<HarvestReport> {
  const baseUrl = options.baseUrl ?? ARXIV_OAI_URL;
  const log = options.log ?? ((line: string) => console.error(line));
  checkWindow(options);
  const firstUrl = listRecordsUrl(baseUrl, options);
  const resume = await interruptedAt(store, firstUrl);
  if (resume) log(`Resuming the interrupted harvest ${firstUrl} at token ${resume.token} (${resume.harvested} records already in).`);

  const session = await IngestSession.start(store, `harvest-oai ${firstUrl}`);
  const chain: Chain = {
    store, session, firstUrl, baseUrl,
    url: resume ? resumptionUrl(baseUrl, resume.token) : firstUrl,
    token: resume?.token,
    harvested: resume?.harvested ?? 0,
    pages: 0,
    resumed: resume !== undefined,
  };
  try {
    await followChain(chain, options, log);
  } catch (err) {
    await session.finish('failed');
    throw err;
  }
  return { ...(await session.finish('done')), pages: chain.pages, resumed: chain.resumed };
}

/** The token an unfinished harvest stopped at, if it did not complete. */
async function interruptedAt(store: Store, key: string): Promise<{ token: string; harvested: number } | undefined> {
  const saved = await store.getHarvestState(key);
  if (!saved?.resumptionToken || saved.completedAt) return undefined;
  return { token: saved.resumptionToken, harvested: saved.harvested };
}

/** Where a harvest stands while it walks the list. */
interface Chain {
  readonly store: Store;
  readonly session: IngestSession;
  /** Also the harvest's key in the store: it names the harvest exactly (endpoint, prefix, window, set). */
  readonly firstUrl: string;
  readonly baseUrl: string;
  /** The next page to fetch. */
  url: string;
  /** The token `url` carries; undefined on the first page. */
  token: string | undefined;
  harvested: number;
  pages: number;
  resumed: boolean;
}

async function followChain(chain: Chain, options: HarvestOptions, log: (line: string) => void): Promise<void> {
  for (;;) {
    const page = await getParsed(options.client, chain.url, parseOaiPmhPage);
    if (page.oaiError) {
      if (page.oaiError.code === 'noRecordsMatch') return saveProgress(chain, undefined);
      if (page.oaiError.code === 'badResumptionToken' && chain.resumed && chain.pages === 0) {
        // Tokens expire (arXiv's within hours); the stored one is useless, so the window is read anew.
        log(`The stored resumption token ${chain.token} has expired; harvesting ${chain.firstUrl} from the start.`);
        startOver(chain);
        continue;
      }
      throw new Error(`OAI-PMH error from ${chain.url}: ${page.oaiError.code}: ${page.oaiError.message}`);
    }

    chain.pages++;
    await chain.session.add(options.accept ? page.results.map((r) => keepIfAccepted(r, options.accept!)) : page.results);
    chain.harvested += page.results.length;
    const next = page.resumptionToken || undefined; // the last page carries an empty token
    if (next !== undefined && next === chain.token) {
      throw new Error(`${chain.url} returned its own resumption token ${next}; the server would send the same page forever.`);
    }
    await saveProgress(chain, next);
    options.onPage?.({ page: chain.pages, records: page.results.length, totals: chain.session.totals, completeListSize: page.completeListSize });
    if (next === undefined) return;
    chain.token = next;
    chain.url = resumptionUrl(chain.baseUrl, next);
  }
}

function keepIfAccepted(result: ParseResult, accept: (paper: PaperRecord) => boolean): ParseResult {
  if (!('ok' in result) || accept(result.ok)) return result;
  return { skip: { ...result.origin, reason: 'not in the wanted categories' } };
}

function startOver(chain: Chain): void {
  chain.url = chain.firstUrl;
  chain.token = undefined;
  chain.harvested = 0;
  chain.resumed = false;
}

/** Saves the token of the next page, or marks the harvest complete when there is none. */
async function saveProgress(chain: Chain, nextToken: string | undefined): Promise<void> {
  const now = new Date().toISOString();
  await chain.store.saveHarvestState({
    key: chain.firstUrl,
    resumptionToken: nextToken,
    harvested: chain.harvested,
    completedAt: nextToken === undefined ? now : undefined,
    updatedAt: now,
  });
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Refuses a window the server would reject less clearly (or, for until < from, answer with nothing). */
function checkWindow(options: HarvestOptions): void {
  for (const [name, value] of [['from', options.from], ['until', options.until]] as const) {
    if (value !== undefined && (!DAY.test(value) || Number.isNaN(Date.parse(value)))) {
      throw new Error(`Harvest ${name} must be a date as YYYY-MM-DD, got "${value}".`);
    }
  }
  if (options.until !== undefined && options.until < options.from) {
    throw new Error(`Harvest until (${options.until}) is before from (${options.from}).`);
  }
}

function listRecordsUrl(baseUrl: string, options: HarvestOptions): string {
  const url = new URL(baseUrl);
  url.searchParams.set('verb', 'ListRecords');
  url.searchParams.set('metadataPrefix', options.metadataPrefix ?? 'arXiv');
  url.searchParams.set('from', options.from);
  if (options.until !== undefined) url.searchParams.set('until', options.until);
  if (options.set !== undefined) url.searchParams.set('set', options.set);
  return url.toString();
}

/** OAI-PMH forbids any other argument beside a resumption token: the token carries them. */
function resumptionUrl(baseUrl: string, token: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('verb', 'ListRecords');
  url.searchParams.set('resumptionToken', token);
  return url.toString();
}

/** arXiv archives whose OAI sets sit under the physics group: hep-th is harvested as physics:hep-th. */
const PHYSICS_ARCHIVES = new Set([
  'astro-ph', 'cond-mat', 'gr-qc', 'hep-ex', 'hep-lat', 'hep-ph', 'hep-th',
  'math-ph', 'nlin', 'nucl-ex', 'nucl-th', 'physics', 'quant-ph',
]);
/** arXiv groups that are OAI sets of their own. */
const GROUP_SETS = new Set(['cs', 'econ', 'eess', 'math', 'q-bio', 'q-fin', 'stat']);

/**
 * The OAI sets to harvest for some arXiv categories (cs.LG -> cs, astro-ph.GA -> physics:astro-ph),
 * each once. Sets are whole archives, so a harvest brings the archive's other categories too.
 * Throws on anything that is not an arXiv category, so a typo in the configuration is not a silent empty harvest.
 */
export function categoriesToOaiSets(categories: string[]): string[] {
  const sets = new Set<string>();
  const unknown: string[] = [];
  for (const category of categories) {
    const archive = category.trim().split('.')[0]!.toLowerCase();
    if (PHYSICS_ARCHIVES.has(archive)) sets.add(`physics:${archive}`);
    else if (GROUP_SETS.has(archive)) sets.add(archive);
    else unknown.push(category);
  }
  if (unknown.length > 0) {
    throw new Error(`Not arXiv categories: ${unknown.join(', ')} (expected forms like cs.LG, hep-th, math.CO).`);
  }
  return [...sets];
}
