// The one path by which records reach the store: batch, upsert, tally, report bad records.
// Every source (files, OAI-PMH harvest, arXiv API) feeds it, so every run ends with the same summary.

import { processOwner } from '../jobs/lease.ts';
import type { ParseResult, PaperRecord, RecordError } from '../paper/types.ts';
import type { IngestRunSummary, Store } from '../store/store.ts';
import { markInterruptedRuns, renewRunLease, runLease } from './runs.ts';

export interface IngestReport extends IngestRunSummary {
  runId: number;
  /** The first errors, for the summary printed at the end (all of them are in the store). */
  firstErrors: RecordError[];
}

const ERRORS_KEPT = 100;

/**
 * One ingest run: records go in batch by batch, each batch with the run's totals in one transaction.
 * The run holds its lease while it lives (see runs.ts), so a killed run is found and marked interrupted.
 */
export class IngestSession {
  private summary: IngestRunSummary = { read: 0, added: 0, updated: 0, unchanged: 0, skipped: 0, errors: 0 };
  private readonly firstErrors: RecordError[] = [];

  private constructor(private readonly store: Store, readonly runId: number, private readonly owner: string) {}

  static async start(store: Store, command: string): Promise<IngestSession> {
    await markInterruptedRuns(store);
    const session = new IngestSession(store, await store.startIngestRun(command), processOwner());
    await renewRunLease(store, session.runId, session.owner);
    return session;
  }

  /** Writes one batch of parse results; errors are recorded and counted, never thrown. */
  async add(results: ParseResult[]): Promise<void> {
    const papers: PaperRecord[] = [];
    const errors: RecordError[] = [];
    let passed = 0;
    for (const r of results) {
      if ('ok' in r) papers.push(r.ok);
      else if ('error' in r) errors.push(r.error);
      else passed++;
    }
    this.summary = await this.store.commitIngestBatch(this.runId, { papers, errors, passed });
    this.firstErrors.push(...errors.slice(0, ERRORS_KEPT - this.firstErrors.length));
    await renewRunLease(this.store, this.runId, this.owner);
  }

  get totals(): Readonly<IngestRunSummary> {
    return this.summary;
  }

  async finish(status: 'done' | 'failed'): Promise<IngestReport> {
    await this.store.finishIngestRun(this.runId, this.summary, status);
    await this.store.shared.releaseLease(runLease(this.runId), this.owner);
    return { ...this.summary, runId: this.runId, firstErrors: this.firstErrors };
  }
}

export interface IngestOptions {
  command: string;
  batchSize?: number;
  /** Turn the keyword index off during the run and rebuild it once at the end (large imports). */
  bulk?: boolean;
  /** Called after every batch, for progress displays. */
  onBatch?: (totals: Readonly<IngestRunSummary>) => void;
}

/** Drains a stream of parse results into the store. A failure marks the run failed and rethrows. */
export async function ingest(store: Store, results: AsyncIterable<ParseResult>, options: IngestOptions): Promise<IngestReport> {
  const batchSize = options.batchSize ?? 2000;
  const session = await IngestSession.start(store, options.command);
  const run = async () => {
    let batch: ParseResult[] = [];
    for await (const r of results) {
      batch.push(r);
      if (batch.length >= batchSize) {
        await session.add(batch);
        batch = [];
        options.onBatch?.(session.totals);
      }
    }
    await session.add(batch);
    options.onBatch?.(session.totals);
  };
  try {
    await (options.bulk ? store.bulk(run) : run());
  } catch (err) {
    await session.finish('failed');
    throw err;
  }
  return session.finish('done');
}
