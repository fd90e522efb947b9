// One process at a time: background work that several processes on one database could all start
// (sending digests, sampling GitHub) runs under a lease in the database. The holder renews it as it
// goes; if it dies, the lease expires and the next process to try takes over, so a crashed worker
// delays the work by at most one lease, and never runs it twice at once.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { SharedStore } from '../store/shared.ts';

/** host:pid:random: unique per process, and says where the holder is when someone asks. */
export function processOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Whether the process a processOwner() string names is still running: true or false when it ran
 * on this host, undefined when it ran on another (there only its lease's expiry can tell).
 */
export function ownerAlive(owner: string): boolean | undefined {
  const m = /^(.*):(\d+):[0-9a-f]+$/.exec(owner);
  if (!m || m[1] !== hostname()) return undefined;
  return pidAlive(Number(m[2]));
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0 only asks whether the process exists
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, and belongs to another user
  }
}

export class LeaseLost extends Error {
  constructor(name: string) {
    super(`The "${name}" lease expired and another process took it over; this one stops.`);
  }
}

export interface LeaseOptions {
  owner: string;
  ttlMs: number;
  now?: () => Date;
}

export type LeaseOutcome<T> = { ran: true; value: T } | { ran: false; holder?: string };

/**
 * Runs `work` if the lease can be had, and gives it back afterwards. `renew` extends it (call it
 * between steps); it throws LeaseLost when another process has taken the lease in the meantime.
 */
export async function withLease<T>(shared: SharedStore, name: string, options: LeaseOptions, work: (renew: () => Promise<void>) => Promise<T>): Promise<LeaseOutcome<T>> {
  const now = options.now ?? (() => new Date());
  const take = () => {
    const at = now();
    return shared.acquireLease(name, options.owner, at.toISOString(), new Date(at.getTime() + options.ttlMs).toISOString());
  };
  if (!(await take())) return { ran: false, holder: (await shared.lease(name))?.owner };
  try {
    return {
      ran: true,
      value: await work(async () => {
        if (!(await take())) throw new LeaseLost(name);
      }),
    };
  } finally {
    await shared.releaseLease(name, options.owner);
  }
}

/**
 * withLease for work that cannot stop between steps to renew (an index build, a harvest): the
 * lease is renewed on a timer, every third of its time, while the work runs. If the process dies
 * the timer dies with it, and the lease runs out for the next process to take over.
 */
export async function withLeaseKept<T>(shared: SharedStore, name: string, options: LeaseOptions, work: () => Promise<T>): Promise<LeaseOutcome<T>> {
  return withLease(shared, name, options, async (renew) => {
    const timer = setInterval(() => void renew().catch(() => {}), Math.max(10, options.ttlMs / 3));
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  });
}
