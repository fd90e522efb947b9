// Papers by id from the arXiv API (export.arxiv.org/api/query?id_list=...), for papers a harvest
// has not brought in: ids a user submits, or a list of ids to back-fill.

import { parseArxivId } from '../paper/ids.ts';
import type { PaperRecord, ParseResult } from '../paper/types.ts';
import type { Store } from '../store/store.ts';
import { parseArxivAtomPage } from './formats/arxiv-atom.ts';
import { getParsed, type PoliteClient } from './http.ts';
import { IngestSession, type IngestReport } from './pipeline.ts';

export const ARXIV_API_URL = 'https://export.arxiv.org/api/query';

export interface ArxivApiOptions {
  baseUrl?: string;
  client: PoliteClient;
  /** Ids per request. */
  batchSize?: number;
}

export interface ArxivFetchReport extends IngestReport {
  /** Canonical ids the API returned no paper for (it omits ids that do not exist). */
  missing: string[];
}

/** Fetches papers by id into the store. Every id is checked before the first request. */
export async function fetchArxiv(store: Store, ids: string[], options: ArxivApiOptions): Promise<ArxivFetchReport> {
  const wanted = canonicalIds(ids);
  const batches = inBatches(wanted, options.batchSize);
  const session = await IngestSession.start(store, `arxiv-api ${wanted.length} ids`);
  const found = new Set<string>();
  try {
    for await (const results of fetchBatches(batches, options)) {
      await session.add(results);
      for (const r of results) if ('ok' in r) found.add(r.ok.id);
    }
  } catch (err) {
    await session.finish('failed');
    throw err;
  }
  return { ...(await session.finish('done')), missing: wanted.filter((id) => !found.has(id)) };
}

/** The API's metadata for some ids, without storing it; ids that do not exist are left out. */
export async function fetchArxivRecords(ids: string[], options: ArxivApiOptions): Promise<PaperRecord[]> {
  const records: PaperRecord[] = [];
  for await (const results of fetchBatches(inBatches(canonicalIds(ids), options.batchSize), options)) {
    for (const r of results) {
      // With no run to report it to, a record we cannot read must not pass for a missing paper.
      if ('error' in r) throw new Error(`Unreadable record from ${r.error.source} (${r.error.position}): ${r.error.reason}`);
      if ('ok' in r) records.push(r.ok);
    }
  }
  return records;
}

async function* fetchBatches(batches: string[][], options: ArxivApiOptions): AsyncGenerator<ParseResult[]> {
  const baseUrl = options.baseUrl ?? ARXIV_API_URL;
  for (const batch of batches) {
    // Canonical ids hold nothing a query string must escape; left literal, the URL stays readable in logs.
    const url = `${baseUrl}?id_list=${batch.join(',')}&max_results=${batch.length}`;
    yield (await getParsed(options.client, url, parseArxivAtomPage)).results;
  }
}

/** Canonical ids, each once; throws listing every input that is not an arXiv id. */
function canonicalIds(ids: string[]): string[] {
  const parsed = ids.map((input) => ({ input, id: parseArxivId(input)?.id }));
  const invalid = parsed.filter((p) => p.id === undefined).map((p) => JSON.stringify(p.input));
  if (invalid.length > 0) throw new Error(`Not arXiv ids: ${invalid.join(', ')}. Nothing was fetched.`);
  return [...new Set(parsed.map((p) => p.id!))];
}

function inBatches(ids: string[], batchSize = 50): string[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}.`);
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += batchSize) batches.push(ids.slice(i, i + batchSize));
  return batches;
}
