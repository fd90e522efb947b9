// What the processes serving one database share beyond its data: leases that let only one of them
// run a background job at a time, rate-limit counters that hold across restarts and processes, and
// the hub's secret for signing links in mails and feeds.

export interface LeaseState {
  name: string;
  owner: string;
  expiresAt: string;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Hits in the window, this one included when it was allowed. */
  count: number;
  /** When the oldest hit in the window leaves it: the earliest moment a refused caller may try again. */
  retryAt?: string;
}

/** The oldest hit leaves the window [since, now] when the window has moved on by (oldest - since): when a refused hit may try again. */
export function shiftedBy(oldest: string, now: string, since: string): string {
  return new Date(Date.parse(now) + (Date.parse(oldest) - Date.parse(since))).toISOString();
}

export interface SharedStore {
  /**
   * Takes the lease `name` for `owner` until `expiresAt`, or extends it when `owner` holds it
   * already. False while another owner's lease has not expired.
   */
  acquireLease(name: string, owner: string, now: string, expiresAt: string): Promise<boolean>;
  /** Gives a lease back early; a lease held by someone else is left alone. */
  releaseLease(name: string, owner: string): Promise<void>;
  lease(name: string): Promise<LeaseState | undefined>;

  /**
   * Counts a hit in `bucket` if fewer than `max` happened since `since`; refused hits are not
   * counted. Atomic, so processes sharing the database share the limit.
   */
  hit(bucket: string, max: number, since: string, now: string): Promise<RateLimitResult>;
  /** Forgets hits older than an instant (called now and then, so the table stays small). */
  pruneHits(before: string): Promise<void>;

  /** A random secret for a purpose, made on first use and the same for every process afterwards. */
  secret(purpose: string): Promise<string>;
}
