// One digest run, as `paperboy digest run` and the scheduler inside `serve` both do it: compose the
// editions that are due, then send what is queued, under the "digests" lease so that only one
// process on the database does either at a time.
import { withLease, type LeaseOutcome } from '../jobs/lease.ts';
import { composeDue, type ComposeReport } from './compose.ts';
import type { DigestContext } from './select.ts';
import { mailHost, sendQueued, type SendContext, type SendReport } from './send.ts';

export const DIGEST_LEASE = 'digests';
/** Renewed after every batch; a run that dies holds up the next one by at most this long. */
const LEASE_MS = 5 * 60_000;

export type DigestRunContext = DigestContext & SendContext;

export interface DigestRunReport {
  compose: ComposeReport;
  send: SendReport;
}

export interface DigestRunOptions {
  owner: string;
  now?: () => Date;
  composed?: (done: number) => void;
  sent?: (done: number) => void;
}

export async function runDigests(ctx: DigestRunContext, options: DigestRunOptions): Promise<LeaseOutcome<DigestRunReport>> {
  const now = options.now ?? (() => new Date());
  return withLease(ctx.store.shared, DIGEST_LEASE, { owner: options.owner, ttlMs: LEASE_MS, now }, async (renew) => {
    const compose = await composeDue(ctx, { now: now(), mailHost: mailHost(ctx.baseUrl), progress: options.composed, afterBatch: renew });
    const send = await sendQueued(ctx, { now, progress: options.sent, afterBatch: renew });
    return { compose, send };
  });
}

/** One line a person reads: what the run did. */
export function describeRun(report: DigestRunReport): string {
  const { compose: c, send: s } = report;
  const parts = [
    `${c.due} due`,
    `${c.queued} composed`,
    ...(c.skipped ? [`${c.skipped} with nothing new`] : []),
    ...(c.stopped ? [`${c.stopped} stopped (target gone)`] : []),
    `${s.sent} sent`,
    ...(s.retrying ? [`${s.retrying} to retry`] : []),
    ...(s.bounced ? [`${s.bounced} bounced`] : []),
    ...(s.failed ? [`${s.failed} failed`] : []),
  ];
  return `Digests: ${parts.join(', ')}${s.stopped ? `; stopped: ${s.stopped}` : ''}.`;
}
