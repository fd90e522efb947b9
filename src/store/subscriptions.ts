// Delivery: addresses subscribed to digests, the outbox their editions wait in, and the feedback
// readers give from a mail. An address is a subscriber; each subscription is one kind of digest
// (trending, a search, an author, a collection, or papers like the ones a reader upvoted and saved)
// on one schedule. Confirmation tokens arrive already hashed; nothing here sees a raw secret.

export const SUBSCRIPTION_KINDS = ['trending', 'search', 'author', 'collection', 'personal'] as const;
export type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];
export const FREQUENCIES = ['daily', 'weekly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export type SubscriptionState = 'pending' | 'active' | 'paused' | 'ended';

/** When editions go out: at `hour` o'clock local time, every day or on one weekday (ISO: Monday = 1). */
export interface Schedule {
  frequency: Frequency;
  hour: number;
  weekday: number;
  timeZone: string;
}

export interface Subscriber {
  key: number;
  email: string;
  createdAt: string;
}

export interface Subscription {
  key: number;
  subscriber: Subscriber;
  /** The reader a personal digest follows. */
  userKey?: number;
  kind: SubscriptionKind;
  /** The query, the author's name or the collection's key; '' for trending and personal. */
  target: string;
  schedule: Schedule;
  maxPapers: number;
  state: SubscriptionState;
  /** Why it is paused when the hub paused it (a bounce, a collection made private). */
  pausedReason?: string;
  createdAt: string;
  confirmedAt?: string;
  updatedAt: string;
  endedAt?: string;
  nextDueAt?: string;
  coveredTo?: string;
}

/** What a subscribe form asks for. */
export interface SubscriptionRequest {
  email: string;
  kind: SubscriptionKind;
  target: string;
  userKey?: number;
  schedule: Schedule;
  maxPapers: number;
  now: string;
}

export type OutboxState = 'queued' | 'sent' | 'skipped' | 'failed' | 'bounced' | 'cancelled';
export const OUTBOX_STATES: readonly OutboxState[] = ['queued', 'sent', 'skipped', 'failed', 'bounced', 'cancelled'];

/** One edition for one subscription, as the composer leaves it for the sender. */
export interface EditionRecord {
  subscriptionKey: number;
  edition: string;
  messageId: string;
  recipient: string;
  /** The edition's content (JSON) and its hash; absent for a skipped edition. */
  content?: { hash: string; body: string };
  papers: number;
  state: 'queued' | 'skipped';
  detail?: string;
}

/** A queued mail with what it takes to send it. */
export interface QueuedMail {
  subscription: Subscription;
  edition: string;
  messageId: string;
  recipient: string;
  content: string;
  attempts: number;
}

export interface OutboxEntry {
  subscriptionKey: number;
  edition: string;
  state: OutboxState;
  messageId: string;
  papers: number;
  detail?: string;
  attempts: number;
  createdAt: string;
  sentAt?: string;
}

export interface DeliveryStatus {
  subscriptions: { kind: SubscriptionKind; state: SubscriptionState; count: number }[];
  outbox: { state: OutboxState; count: number }[];
  /** The earliest edition due among active subscriptions. */
  nextDueAt?: string;
  lastSentAt?: string;
}

export interface SubscriptionStore {
  /**
   * Records a subscribe request. A new one is pending with the given token hash (or active at once
   * when `confirmed`: a signed-in reader's own address). A pending one for the same address, kind
   * and target takes the new schedule and token. A live (active or paused) one is left as it is:
   * 'already', so the caller mails its owner instead of confirming again.
   */
  request(
    r: SubscriptionRequest & { confirmation: { tokenHash: string; expiresAt: string } | { confirmed: true; nextDueAt: string } },
  ): Promise<{ outcome: 'pending' | 'active' | 'already'; subscription: Subscription }>;
  /** Activates the pending subscription a token names, once and before it expires. */
  confirm(tokenHash: string, now: string, nextDueAt: (s: Subscription) => string): Promise<Subscription | undefined>;
  subscription(key: number): Promise<Subscription | undefined>;
  subscriber(key: number): Promise<Subscriber | undefined>;
  subscriberByEmail(email: string): Promise<Subscriber | undefined>;
  /** An address's subscriptions that have not ended, newest first. */
  subscriptionsOf(subscriberKey: number): Promise<Subscription[]>;
  /** Changes the schedule or size, and when the next edition is due. */
  update(key: number, change: { schedule: Schedule; maxPapers: number; nextDueAt?: string; now: string }): Promise<void>;
  /** Pauses (with an optional reason), resumes (due again at `nextDueAt`) or ends a subscription. */
  setState(key: number, state: 'active' | 'paused' | 'ended', change: { now: string; reason?: string; nextDueAt?: string }): Promise<boolean>;

  /** Active subscriptions whose next edition is due (or not yet scheduled), in key order after `afterKey`. */
  due(now: string, afterKey: number, limit: number): Promise<Subscription[]>;
  countDue(now: string): Promise<number>;
  /** Sets when a subscription is next due without composing (a newly confirmed one, say). */
  schedule(key: number, nextDueAt: string): Promise<void>;
  /**
   * Records composed editions and moves each subscription on to its next one, all in one
   * transaction. An edition already in the outbox is left as it was (composing twice changes nothing):
   * false in its place in the answer.
   */
  saveEditions(editions: (EditionRecord & { nextDueAt: string; coveredTo: string })[], now: string): Promise<boolean[]>;

  /** Queued mails whose time has come, oldest first; mails of subscriptions no longer active are cancelled instead. */
  queued(now: string, limit: number): Promise<QueuedMail[]>;
  markSent(subscriptionKey: number, edition: string, now: string, detail?: string): Promise<void>;
  /** A temporary failure: try again at `nextAttemptAt`. */
  markRetry(subscriptionKey: number, edition: string, detail: string, nextAttemptAt: string): Promise<void>;
  markFailed(subscriptionKey: number, edition: string, detail: string, now: string): Promise<void>;
  /** The address does not exist (a 5xx to RCPT TO): every active subscription of the address pauses, saying why. */
  markBounced(subscriptionKey: number, edition: string, detail: string, now: string): Promise<void>;
  /** Recent editions of a subscription, newest first. */
  editions(subscriptionKey: number, limit: number): Promise<OutboxEntry[]>;
  /** A stored edition's content, for previews and the manage page. */
  content(hash: string): Promise<string | undefined>;
  status(): Promise<DeliveryStatus>;

  /** "More like this" (+1) or "fewer like this" (-1) for a paper, from a digest; the latest verdict counts. */
  recordFeedback(subscriberKey: number, paperId: string, verdict: 1 | -1, now: string): Promise<void>;
  /** Feedback given from mails to an address, as paper keys. */
  feedbackOf(email: string): Promise<{ key: number; verdict: 1 | -1 }[]>;
}
