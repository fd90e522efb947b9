// Which ingest runs are still alive. A run holds the lease "ingest-run:<id>" (src/jobs/lease.ts)
// from its start to its end and renews it with every batch; a run still marked running whose
// holder is gone (its process no longer exists on this host, or its lease ran out) was killed or
// lost its machine, and is marked interrupted. Its totals are those of its last committed batch.
import { ownerAlive } from '../jobs/lease.ts';
import type { LeaseState } from '../store/shared.ts';
import type { IngestRun, Store } from '../store/store.ts';

/**
 * How long a run's lease lasts without a batch. Generous: a bulk import rebuilds its keyword index
 * and a harvest waits out retries between batches. On this host a dead owner is seen at once anyway.
 */
export const RUN_LEASE_MS = 30 * 60_000;

export function runLease(runId: number): string {
  return `ingest-run:${runId}`;
}

/** Takes or extends a run's lease for `owner` (a processOwner()). */
export async function renewRunLease(store: Store, runId: number, owner: string, now = new Date()): Promise<void> {
  await store.shared.acquireLease(runLease(runId), owner, now.toISOString(), new Date(now.getTime() + RUN_LEASE_MS).toISOString());
}

/** Marks interrupted every running run whose owner is gone, and returns their ids. */
export async function markInterruptedRuns(store: Store, now = new Date()): Promise<number[]> {
  const marked: number[] = [];
  for (const run of await store.runningIngestRuns()) {
    const lease = await store.shared.lease(runLease(run.id));
    if (!ownerGone(run, lease, now)) continue;
    if (await store.interruptIngestRun(run.id, now.toISOString())) marked.push(run.id);
    if (lease) await store.shared.releaseLease(lease.name, lease.owner);
  }
  return marked;
}

function ownerGone(run: IngestRun, lease: LeaseState | undefined, now: Date): boolean {
  // A run without a lease is between its creation and its first lease, or predates leases
  // (schema 9): it gets one lease's time from its start.
  const expiresAt = lease?.expiresAt ?? new Date(Date.parse(run.startedAt) + RUN_LEASE_MS).toISOString();
  // An expired lease wins over a live process id: after a restart the id may be someone else's.
  if (expiresAt <= now.toISOString()) return true;
  return lease !== undefined && ownerAlive(lease.owner) === false;
}
